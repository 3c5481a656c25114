"""Networks in PyTorch: ``forward`` takes and returns tensors; losses live in their own methods.

Strings never appear here: tokens become ids in the task modules (``seqnlp.tagger``...), and
prediction without torch runs the same arithmetic in numpy (``seqnlp.inference``), so every
layer here has a numpy twin there and a parity test that keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

if TYPE_CHECKING:
    from seqnlp.sentiment import SentimentConfig
    from seqnlp.tagger import TaggerConfig

CELLS = ("rnn", "lstm", "gru")
_RNN_CLASSES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}

# Targets at padding positions hold this id; cross_entropy skips them.
IGNORE_INDEX = -100


class RNNEncoder(nn.Module):
    """A recurrent encoder over variable-length batches: ``rnn`` (tanh), ``lstm`` or ``gru``.

    Sequences are packed, so padding never enters the recurrence: a sentence gets the same
    outputs whatever the length of the longest sentence in its batch.

    Args:
        input_size: features per time step.
        hidden_size: units per direction.
        cell: one of :data:`CELLS`.
        layers: stacked layers.
        bidirectional: run a second, right-to-left network and concatenate the two.
        dropout: dropout between stacked layers (not after the last one).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        cell: str = "lstm",
        layers: int = 1,
        bidirectional: bool = True,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")
        if input_size < 1 or hidden_size < 1 or layers < 1:
            raise ValueError(
                "input_size, hidden_size and layers must be positive, got "
                f"{input_size}, {hidden_size}, {layers}"
            )
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.cell = cell
        self.hidden_size = hidden_size
        self.layers = layers
        self.bidirectional = bidirectional
        self.directions = 2 if bidirectional else 1
        self.rnn = _RNN_CLASSES[cell](
            input_size,
            hidden_size,
            num_layers=layers,
            bidirectional=bidirectional,
            batch_first=True,
            dropout=dropout if layers > 1 else 0.0,  # torch warns about dropout on one layer
        )

    @property
    def output_size(self) -> int:
        """Features per time step in ``outputs`` and in ``final``: directions × hidden size."""
        return self.directions * self.hidden_size

    def forward(
        self, inputs: torch.Tensor, lengths: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Encode a padded batch.

        Args:
            inputs: (batch, seq, input_size), padded after each sequence's end.
            lengths: (batch,) integer lengths, each between 1 and seq.

        Returns:
            ``outputs`` (batch, seq, directions*hidden), zero at padding, and ``final``
            (batch, directions*hidden): the last layer's state after the last real step of
            each sequence (for the backward direction: after reading back to the first step).
        """
        batch, steps = inputs.shape[:2]
        lengths = lengths.to("cpu", torch.int64)
        if lengths.numel() != batch:
            raise ValueError(f"{lengths.numel()} lengths for a batch of {batch}")
        if batch and (int(lengths.min()) < 1 or int(lengths.max()) > steps):
            raise ValueError(f"lengths must be between 1 and {steps}, got {lengths.tolist()}")
        packed = pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False)
        packed_out, state = self.rnn(packed)
        if self.cell == "lstm":
            state = state[0]  # (h_n, c_n): the hidden state is what callers want
        outputs, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=steps)
        # state: (layers*directions, batch, hidden), already back in the input's batch order
        final = state[-self.directions :].transpose(0, 1).reshape(batch, self.output_size)
        return outputs, final


class CharCNN(nn.Module):
    """Spelling features of a word: character n-gram detectors, max-pooled over the word.

    Words arrive as character ids framed by begin/end-of-word symbols, so a detector can
    fire on a suffix (``ed</w>``) or a capital at the start (``<w>K``). This is what tags
    words that the word embeddings have never seen.

    Args:
        num_chars: character vocabulary size (id 0 pads).
        char_dim: character embedding size.
        filters: number of detectors = output features.
        kernel_size: characters per detector (odd).
    """

    def __init__(self, num_chars: int, char_dim: int, filters: int, kernel_size: int = 3) -> None:
        super().__init__()
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd and positive, got {kernel_size}")
        self.embedding = nn.Embedding(num_chars, char_dim, padding_idx=0)
        self.conv = nn.Conv1d(char_dim, filters, kernel_size, padding=kernel_size // 2)
        self.output_size = filters

    def forward(self, chars: torch.Tensor) -> torch.Tensor:
        """(words, chars) ids with 0 after each word's end -> (words, filters)."""
        x = self.embedding(chars).transpose(1, 2)  # (words, char_dim, chars)
        scores = self.conv(x)  # (words, filters, chars)
        scores = scores.masked_fill((chars == 0).unsqueeze(1), float("-inf"))
        # tanh is monotonic, so pooling first gives tanh(max) = max(tanh) for less work
        return torch.tanh(scores.max(dim=2).values)


class CharLSTM(nn.Module):
    """Spelling features of a word: a bidirectional LSTM over its characters.

    The word is ``<w>`` + characters + ``</w>``; its features are the final states of both
    directions, which have read the whole word (prefix and suffix alike).

    Args:
        num_chars: character vocabulary size (id 0 pads).
        char_dim: character embedding size.
        features: output size, both directions together (even).
    """

    def __init__(self, num_chars: int, char_dim: int, features: int) -> None:
        super().__init__()
        if features < 2 or features % 2:
            raise ValueError(f"a character LSTM needs an even number of features, got {features}")
        self.embedding = nn.Embedding(num_chars, char_dim, padding_idx=0)
        self.encoder = RNNEncoder(char_dim, features // 2, cell="lstm", bidirectional=True)
        self.output_size = features

    def forward(self, chars: torch.Tensor) -> torch.Tensor:
        """(words, chars) ids with 0 after each word's end -> (words, features)."""
        _, final = self.encoder(self.embedding(chars), (chars != 0).sum(dim=1))
        return final


CHAR_ENCODERS = ("cnn", "lstm")


class TaggerNet(nn.Module):
    """Word embedding + character features -> recurrent encoder -> UPOS and XPOS scores.

    Args:
        config: a :class:`seqnlp.tagger.TaggerConfig`, whose fields (vocabulary sizes
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
        features = 0
        self.word_embedding = None
        if config.word_dim:
            self.word_embedding = nn.Embedding(config.num_words, config.word_dim, padding_idx=0)
            self.word_embedding.weight.requires_grad_(not config.freeze_embeddings)
            features += config.word_dim
        self.char_encoder = None
        if config.char_features and config.char_encoder == "lstm":
            self.char_encoder = CharLSTM(config.num_chars, config.char_dim, config.char_features)
            features += config.char_features
        elif config.char_features:
            self.char_encoder = CharCNN(
                config.num_chars, config.char_dim, config.char_features, config.char_kernel
            )
            features += config.char_features
        if not features:
            raise ValueError("a tagger needs word embeddings or character features (or both)")
        self.dropout = nn.Dropout(config.dropout)
        self.encoder = RNNEncoder(
            features,
            config.hidden,
            cell=config.cell,
            layers=config.layers,
            bidirectional=config.bidirectional,
            dropout=config.dropout,
        )
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
                words = words.masked_fill(drop, 1)  # 1 = UNK_ID
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


class SentimentNet(nn.Module):
    """Word embeddings -> recurrent encoder -> pooling over time -> dropout -> label scores.

    Args:
        config: a :class:`seqnlp.sentiment.SentimentConfig`, whose fields (vocabulary and
            label-set sizes included) fix every shape.
    """

    def __init__(self, config: SentimentConfig) -> None:
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.num_words, config.word_dim, padding_idx=0)
        self.embedding.weight.requires_grad_(not config.freeze_embeddings)
        self.embedding_dropout = nn.Dropout(config.embedding_dropout)
        self.encoder = RNNEncoder(
            config.word_dim,
            config.hidden,
            cell=config.cell,
            layers=config.layers,
            bidirectional=config.bidirectional,
            dropout=config.dropout,
        )
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
            words = words.masked_fill(drop & (words != 0), 1)  # 1 = UNK_ID
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


__all__ = [
    "CELLS",
    "CHAR_ENCODERS",
    "IGNORE_INDEX",
    "CharCNN",
    "CharLSTM",
    "RNNEncoder",
    "SentimentNet",
    "TaggerNet",
]
