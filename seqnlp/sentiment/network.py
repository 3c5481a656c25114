"""The classifier's network in PyTorch: word embeddings -> recurrent encoder -> pooling over
time -> label scores. Its numpy twin is :mod:`seqnlp.sentiment.numpy_network`."""

from __future__ import annotations

import torch
from torch import nn

from seqnlp.layers.torch_layers import RNNEncoder
from seqnlp.sentiment.config import SentimentConfig
from seqnlp.vocab import UNK_ID


class SentimentNet(nn.Module):
    """Word embeddings -> recurrent encoder -> pooling over time -> dropout -> label scores.

    Args:
        config: a :class:`~seqnlp.sentiment.config.SentimentConfig`, whose fields (vocabulary and
            label-set sizes included) fix every shape.
    """

    def __init__(self, config: SentimentConfig) -> None:
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.num_words, config.word_dim, padding_idx=0)
        self.embedding.weight.requires_grad_(not config.freeze_embeddings)
        self.embedding_dropout = nn.Dropout(config.embedding_dropout)
        self.encoder = RNNEncoder.from_config(config)
        size = self.encoder.output_size
        # attention pooling: one learned score per time step, softmax over the real steps
        self.attention = nn.Linear(size, 1) if config.pooling == "attention" else None
        self.dropout = nn.Dropout(config.dropout)
        self.output = nn.Linear(size, config.num_labels)

    def forward(self, words: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """(batch, seq) word ids, 0 at padding, and (batch,) lengths -> (batch, labels) scores."""
        if self.training and self.config.word_dropout > 0:
            # Unknown words at test time: learn to do without some known ones.
            drop = torch.rand(words.shape, device=words.device) < self.config.word_dropout
            words = words.masked_fill(drop & (words != 0), UNK_ID)
        x = self.embedding_dropout(self.embedding(words))  # (batch, seq, word_dim)
        states, final = self.encoder(x, lengths)  # (batch, seq, dirs*hidden), (batch, dirs*hidden)
        steps = torch.arange(words.shape[1], device=words.device)
        real = (steps.unsqueeze(0) < lengths.to(words.device).unsqueeze(1)).unsqueeze(-1)
        pooling = self.config.pooling
        if pooling == "last":
            pooled = final
        elif pooling == "max":
            pooled = states.masked_fill(~real, float("-inf")).max(dim=1).values
        elif pooling == "mean":
            pooled = states.sum(dim=1) / real.sum(dim=1).to(states.dtype)
        else:  # attention
            scores = self.attention(states).masked_fill(~real, float("-inf"))  # (batch, seq, 1)
            pooled = (torch.softmax(scores, dim=1) * states).sum(dim=1)
        return self.output(self.dropout(pooled))

    def loss(self, scores: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy of (batch, labels) scores against (batch,) label ids."""
        return nn.functional.cross_entropy(scores, labels)
