"""What fixes a tagger's network and how tokens become ids: :class:`TaggerConfig`, and the
tensors a saved tagger must hold (computed without torch)."""

from __future__ import annotations

import dataclasses

from seqnlp.errors import SeqnlpError
from seqnlp.fields import setting
from seqnlp.layers.config import EncoderConfig, encoder_field
from seqnlp.layers.spec import CHAR_ENCODERS, Shapes, char_encoder_shapes, linear_shapes

KIND = "tagger"


@dataclasses.dataclass
class TaggerConfig(EncoderConfig):
    """Everything that fixes the network's shape and how tokens become ids.

    ``TaggerNet(TaggerConfig(**json.load(open("config.json"))))`` rebuilds a saved network.
    The recurrent encoder's settings are :class:`~seqnlp.layers.config.EncoderConfig`'s;
    here ``word_dim`` 0 means no word embeddings (spelling only), and ``dropout`` also
    falls on the encoder's inputs.

    Args:
        char_encoder: how a word's characters become features: ``cnn`` (n-gram detectors,
            max-pooled) or ``lstm`` (a bidirectional LSTM's final states).
        char_dim: character embedding size.
        char_features: size of the character features (0: no character features).
        char_kernel: characters per detector (``cnn``).
        rare_word_dropout: alpha: a training word seen c times is replaced by the unknown
            word with probability alpha / (alpha + c), teaching the network to tag from
            spelling the rare words that stand for the unknown ones.
        label_smoothing: spread this much of each target's probability over the other tags.
        lowercase: one word embedding row per lower-cased form; otherwise per form as
            written, with the lower-cased form as fallback (rows start from the pretrained
            vectors either way).
        max_word_chars: longer words keep their first and last ``max_word_chars // 2`` chars.
        num_words, num_chars, num_upos, num_xpos: vocabulary sizes (set when training).
    """

    cell: str = encoder_field("cell", "lstm")
    hidden: int = encoder_field("hidden", 160)
    word_dim: int = encoder_field("word_dim", 128)
    dropout: float = encoder_field("dropout", 0.33)
    char_encoder: str = setting(
        "cnn",
        choices=CHAR_ENCODERS,
        help="Character features from n-gram detectors (cnn) or a character BiLSTM (lstm).",
    )
    char_dim: int = setting(32, low=1)
    char_features: int = setting(
        128,
        low=0,
        help="Size of the spelling features for rare and unknown words; 0 turns them off.",
    )
    char_kernel: int = setting(3, low=1)
    rare_word_dropout: float = setting(0.25, low=0)
    label_smoothing: float = setting(0.0, low=0, high=1, high_open=True)
    lowercase: bool = True
    max_word_chars: int = setting(20, low=1)
    num_words: int = 0
    num_chars: int = 0
    num_upos: int = 0
    num_xpos: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.char_encoder == "lstm" and self.char_features % 2:
            raise SeqnlpError(f"char_features must be even for an LSTM, got {self.char_features}")
        if self.char_kernel % 2 == 0:
            raise SeqnlpError(f"char_kernel must be odd, got {self.char_kernel}")
        if not self.input_size:
            raise SeqnlpError("a tagger needs word embeddings or character features (or both)")

    @property
    def input_size(self) -> int:
        """Features per token: the word embedding beside the spelling features."""
        return self.word_dim + self.char_features


def expected_shapes(config: TaggerConfig) -> Shapes:
    """The ``state_dict`` of ``TaggerNet(config)``: tensor names and shapes, without torch."""
    shapes: Shapes = {}
    if config.word_dim:
        shapes["word_embedding.weight"] = (config.num_words, config.word_dim)
    if config.char_features:
        shapes.update(
            char_encoder_shapes(
                "char_encoder.",
                config.char_encoder,
                config.num_chars,
                config.char_dim,
                config.char_features,
                config.char_kernel,
            )
        )
    shapes.update(config.encoder_shapes())
    shapes.update(linear_shapes("upos_head.", config.output_size, config.num_upos))
    shapes.update(linear_shapes("xpos_head.", config.output_size, config.num_xpos))
    return shapes
