"""The tagger's network in PyTorch: word embedding + character features -> recurrent
encoder -> UPOS and XPOS scores. Its numpy twin is :mod:`seqnlp.tagger.numpy_network`."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from seqnlp.layers.torch_layers import IGNORE_INDEX, CharCNN, CharLSTM, RNNEncoder
from seqnlp.tagger.config import TaggerConfig
from seqnlp.vocab import UNK_ID


class TaggerNet(nn.Module):
    """Word embedding + character features -> recurrent encoder -> UPOS and XPOS scores.

    Args:
        config: a :class:`~seqnlp.tagger.config.TaggerConfig`, whose fields (vocabulary sizes
            included) fix every shape.
        word_counts: training frequency of each word id; with ``config.rare_word_dropout``
            (alpha) a word seen c times is replaced by the unknown word with probability
            alpha / (alpha + c) while training (Kiperwasser & Goldberg 2016), so the
            network learns to tag from spelling the kind of words it will not know.
    """

    def __init__(self, config: TaggerConfig, word_counts: Sequence[int] | None = None) -> None:
        super().__init__()
        self.config = config
        unk_probability = torch.full((config.num_words,), float(config.word_dropout))
        if word_counts is not None and config.rare_word_dropout > 0:
            counts = torch.as_tensor(word_counts, dtype=torch.float32)
            alpha = config.rare_word_dropout
            rare = alpha / (alpha + counts)
            unk_probability = 1 - (1 - unk_probability) * (1 - rare)
        unk_probability[:2] = 0.0  # padding and the unknown word itself
        # not persistent: a training aid, not part of the saved model
        self.register_buffer("unk_probability", unk_probability, persistent=False)
        self.word_embedding = None
        if config.word_dim:
            self.word_embedding = nn.Embedding(config.num_words, config.word_dim, padding_idx=0)
            self.word_embedding.weight.requires_grad_(not config.freeze_embeddings)
        self.char_encoder = None
        if config.char_features and config.char_encoder == "lstm":
            self.char_encoder = CharLSTM(config.num_chars, config.char_dim, config.char_features)
        elif config.char_features:
            self.char_encoder = CharCNN(
                config.num_chars, config.char_dim, config.char_features, config.char_kernel
            )
        self.dropout = nn.Dropout(config.dropout)
        self.encoder = RNNEncoder.from_config(config)  # word and spelling features
        self.upos_head = nn.Linear(self.encoder.output_size, config.num_upos)
        self.xpos_head = nn.Linear(self.encoder.output_size, config.num_xpos)

    def forward(
        self,
        words: torch.Tensor,
        chars: torch.Tensor,
        char_index: torch.Tensor,
        lengths: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Score every tag at every position.

        Args:
            words: (batch, seq) word ids, 0 at padding.
            chars: (types, max_chars) character ids of the distinct word forms in the batch.
            char_index: (batch, seq) row of ``chars`` for each position (any row at padding).
            lengths: (batch,) sentence lengths.

        Returns:
            UPOS scores (batch, seq, num_upos) and XPOS scores (batch, seq, num_xpos).
        """
        parts = []
        if self.word_embedding is not None:
            if self.training and bool(self.unk_probability.any()):
                # Teach the network to tag from spelling alone, as it must for unknown words.
                drop = torch.rand(words.shape, device=words.device) < self.unk_probability[words]
                words = words.masked_fill(drop, UNK_ID)
            parts.append(self.word_embedding(words))  # (batch, seq, word_dim)
        if self.char_encoder is not None:
            parts.append(self.char_encoder(chars)[char_index])  # (batch, seq, filters)
        x = self.dropout(torch.cat(parts, dim=-1) if len(parts) > 1 else parts[0])
        states, _ = self.encoder(x, lengths)  # (batch, seq, directions*hidden)
        states = self.dropout(states)
        return self.upos_head(states), self.xpos_head(states)

    def loss(
        self,
        outputs: tuple[torch.Tensor, torch.Tensor],
        upos: torch.Tensor,
        xpos: torch.Tensor,
    ) -> torch.Tensor:
        """Mean cross-entropy per real token, UPOS plus XPOS; padding (``IGNORE_INDEX``) is out."""
        upos_scores, xpos_scores = outputs
        smoothing = self.config.label_smoothing
        return nn.functional.cross_entropy(
            upos_scores.flatten(0, 1),
            upos.flatten(),
            ignore_index=IGNORE_INDEX,
            label_smoothing=smoothing,
        ) + nn.functional.cross_entropy(
            xpos_scores.flatten(0, 1),
            xpos.flatten(),
            ignore_index=IGNORE_INDEX,
            label_smoothing=smoothing,
        )
