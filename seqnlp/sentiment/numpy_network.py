"""Numpy twin of :class:`seqnlp.sentiment.network.SentimentNet`: how a classifier predicts."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from seqnlp.layers.numpy_layers import RNN, f32, linear, softmax
from seqnlp.sentiment.config import SentimentConfig


class SentimentNumpy:
    """Numpy twin of :class:`~seqnlp.sentiment.network.SentimentNet` (inference only)."""

    def __init__(self, config: SentimentConfig, tensors: Mapping[str, np.ndarray]) -> None:
        self.pooling = config.pooling
        self.embedding = f32(tensors["embedding.weight"])
        self.encoder = RNN.from_config(tensors, config)
        self.attention = (
            (f32(tensors["attention.weight"]), f32(tensors["attention.bias"]))
            if config.pooling == "attention"
            else None
        )
        self.output = (f32(tensors["output.weight"]), f32(tensors["output.bias"]))

    def __call__(self, words: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """(batch, seq) ids and (batch,) lengths -> (batch, labels) scores, as the network."""
        # the input projection once per distinct word of the batch, not once per position
        types, index = np.unique(words, return_inverse=True)
        inputs = self.embedding[types]
        states, final = self.encoder(inputs, lengths, index.reshape(words.shape))
        real = (np.arange(words.shape[1])[None, :] < np.asarray(lengths)[:, None])[..., None]
        if self.pooling == "last":
            pooled = final
        elif self.pooling == "max":
            pooled = np.where(real, states, -np.inf).max(axis=1)
        elif self.pooling == "mean":
            pooled = states.sum(axis=1) / real.sum(axis=1)
        else:
            scores = np.where(real, linear(states, *self.attention), -np.inf)  # (batch, seq, 1)
            pooled = (softmax(scores.transpose(0, 2, 1)).transpose(0, 2, 1) * states).sum(axis=1)
        return linear(f32(pooled), *self.output)
