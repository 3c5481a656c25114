"""The recurrent encoder that the tagger and the classifier share, configured once.

:class:`EncoderConfig` declares the settings of word embeddings read by a stacked, possibly
bidirectional recurrent network: each field's range, choices and help (which the command
line turns into options) and the tensors the encoder holds. ``TaggerConfig`` and
``SentimentConfig`` inherit it, so ``config.hidden`` and ``TaggerConfig(**json)`` work as
before and a rule changed here changes for both. Torch-free, like the task configs.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from seqnlp.fields import check, setting
from seqnlp.layers.spec import CELLS, Shapes, directions, rnn_shapes

# Tensor-name prefix of the recurrent encoder in both networks (``self.encoder``, an
# RNNEncoder whose ``torch.nn`` module is ``rnn``), so saved weights and shapes agree.
ENCODER_PREFIX = "encoder.rnn."


@dataclasses.dataclass
class EncoderConfig:
    """Word embeddings -> recurrent encoder: the settings both tasks build theirs from.

    A task states its own default for ``word_dim``, ``hidden``, ``cell`` and ``dropout``
    with :func:`encoder_field`; the other defaults are the same for both.

    Args:
        cell: recurrent cell, one of :data:`~seqnlp.layers.spec.CELLS`.
        bidirectional: also read right to left and join both directions' states.
        layers: stacked recurrent layers.
        hidden: recurrent units per direction.
        word_dim: word embedding size (pretrained vectors fit it); 0 only where a task
            reads other features (the tagger's spelling features).
        freeze_embeddings: keep the pretrained word vectors fixed while training.
        dropout: between stacked layers and on the encoder's outputs, before the output
            layer (a task may use it on its inputs too).
        word_dropout: training-time probability of replacing any word by the unknown word.
    """

    cell: str = setting("lstm", choices=CELLS, help="Recurrent cell: plain tanh RNN, LSTM or GRU.")
    bidirectional: bool = setting(
        True, negative="--unidirectional", help="Also read right to left."
    )
    layers: int = setting(1, low=1, help="Stacked recurrent layers.")
    hidden: int = setting(160, low=1, help="Recurrent units per direction.")
    word_dim: int = setting(
        128, low=0, help="Word embedding size; 0: none, where the task reads other features."
    )
    freeze_embeddings: bool = setting(False, help="Keep the pretrained word vectors fixed.")
    dropout: float = setting(
        0.33,
        low=0,
        high=1,
        high_open=True,
        help="Dropout between recurrent layers and before the output layer.",
    )
    word_dropout: float = setting(0.0, low=0, high=1, high_open=True)

    def __post_init__(self) -> None:
        check(self)

    @property
    def input_size(self) -> int:
        """Features per token the encoder reads: the word embedding (a task may add its own)."""
        return self.word_dim

    @property
    def output_size(self) -> int:
        """Features per token the encoder returns: directions × hidden units."""
        return directions(self.bidirectional) * self.hidden

    def encoder_shapes(self) -> Shapes:
        """The recurrent encoder's tensors (``encoder.rnn.*``), named as in PyTorch."""
        return rnn_shapes(
            ENCODER_PREFIX, self.cell, self.layers, self.bidirectional, self.input_size, self.hidden
        )


def encoder_field(name: str, default: Any) -> Any:
    """:class:`EncoderConfig`'s field ``name`` with a task's own default: its range, choices
    and help stay the ones declared here (the very same :class:`~seqnlp.fields.Spec`)."""
    field = next(f for f in dataclasses.fields(EncoderConfig) if f.name == name)
    return dataclasses.field(default=default, metadata=field.metadata)
