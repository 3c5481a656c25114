"""PyTorch layers: ``forward`` takes and returns tensors; strings never appear here.

Every layer has a numpy twin in :mod:`seqnlp.layers.numpy_layers` and a parity test that
keeps the two in step; the choices they accept are in :mod:`seqnlp.layers.spec`.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from seqnlp.layers.config import EncoderConfig
from seqnlp.layers.spec import CELLS

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

    @classmethod
    def from_config(cls, config: EncoderConfig) -> RNNEncoder:
        """A task network's encoder, named ``encoder`` there so that its tensors are
        :data:`~seqnlp.layers.config.ENCODER_PREFIX`'s and match ``config.encoder_shapes()``."""
        return cls(
            config.input_size,
            config.hidden,
            cell=config.cell,
            layers=config.layers,
            bidirectional=config.bidirectional,
            dropout=config.dropout,
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
