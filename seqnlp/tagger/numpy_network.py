"""Numpy twin of :class:`seqnlp.tagger.network.TaggerNet`: how a saved tagger predicts."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from seqnlp.layers.numpy_layers import RNN, CharCNN, CharLSTM, f32, linear
from seqnlp.tagger.config import TaggerConfig


class TaggerNumpy:
    """Numpy twin of :class:`seqnlp.tagger.network.TaggerNet` (inference only: no dropout)."""

    def __init__(self, config: TaggerConfig, tensors: Mapping[str, np.ndarray]) -> None:
        self.word_embedding = f32(tensors["word_embedding.weight"]) if config.word_dim else None
        self.char_encoder = None
        if config.char_features:
            encoder = CharLSTM if config.char_encoder == "lstm" else CharCNN
            self.char_encoder = encoder(tensors, "char_encoder.")
        self.encoder = RNN.from_config(tensors, config)
        self.upos = (f32(tensors["upos_head.weight"]), f32(tensors["upos_head.bias"]))
        self.xpos = (f32(tensors["xpos_head.weight"]), f32(tensors["xpos_head.bias"]))

    def __call__(
        self,
        words: np.ndarray,
        chars: np.ndarray,
        char_index: np.ndarray,
        lengths: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The arguments and results of :meth:`~seqnlp.tagger.network.TaggerNet.forward`."""
        # Features depend on the word form only: compute them, and the encoder's first
        # projection, once per distinct form in the batch (``chars`` has one row per form).
        parts = []
        if self.word_embedding is not None:
            real = np.arange(words.shape[1])[None, :] < np.asarray(lengths)[:, None]
            form_words = np.zeros(len(chars), dtype=np.int64)
            form_words[char_index[real]] = words[real]
            parts.append(self.word_embedding[form_words])
        if self.char_encoder is not None:
            parts.append(self.char_encoder(chars))
        x = np.concatenate(parts, axis=-1) if len(parts) > 1 else parts[0]
        states, _ = self.encoder(x, lengths, index=char_index)
        return linear(states, *self.upos), linear(states, *self.xpos)
