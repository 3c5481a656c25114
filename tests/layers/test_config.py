"""EncoderConfig: the recurrent encoder's settings, declared once for both tasks."""

from __future__ import annotations

import dataclasses
import json

import pytest

from seqnlp.errors import SeqnlpError
from seqnlp.fields import spec_of
from seqnlp.layers.config import EncoderConfig
from seqnlp.layers.spec import rnn_shapes
from seqnlp.sentiment import SentimentConfig
from seqnlp.tagger import TaggerConfig

TASK_CONFIGS = (TaggerConfig, SentimentConfig)
ENCODER_FIELDS = [f.name for f in dataclasses.fields(EncoderConfig)]


def _field(cls: type, name: str) -> dataclasses.Field:
    return next(f for f in dataclasses.fields(cls) if f.name == name)


@pytest.mark.parametrize("cls", TASK_CONFIGS)
def test_both_task_configs_are_encoder_configs(cls):
    assert issubclass(cls, EncoderConfig)
    assert isinstance(cls(), EncoderConfig)


@pytest.mark.parametrize("name", ENCODER_FIELDS)
def test_each_shared_field_is_declared_once(name):
    """The same Spec object: one range, one list of choices, one help text for both tasks."""
    spec = spec_of(_field(EncoderConfig, name))
    assert spec is not None
    for cls in TASK_CONFIGS:
        assert spec_of(_field(cls, name)) is spec


def test_each_task_keeps_its_own_defaults():
    encoder = ("cell", "hidden", "word_dim", "dropout", "layers", "bidirectional")
    tagger, sentiment = TaggerConfig(), SentimentConfig()
    assert [getattr(tagger, n) for n in encoder] == ["lstm", 160, 128, 0.33, 1, True]
    assert [getattr(sentiment, n) for n in encoder] == ["gru", 150, 200, 0.5, 1, True]
    for config in (tagger, sentiment):
        assert (config.word_dropout, config.freeze_embeddings) == (0.0, False)


@pytest.mark.parametrize("cls", (EncoderConfig, *TASK_CONFIGS))
def test_a_shared_rule_says_the_same_for_every_config(cls):
    with pytest.raises(SeqnlpError, match=r"^hidden must be at least 1, got 0$"):
        cls(hidden=0)
    with pytest.raises(SeqnlpError, match=r"^cell must be one of \('rnn', 'lstm', 'gru'\)"):
        cls(cell="cnn")
    with pytest.raises(SeqnlpError, match=r"^word_dropout must be in \[0, 1\), got 1$"):
        cls(word_dropout=1)


def test_only_the_tagger_reads_no_words():
    assert TaggerConfig(word_dim=0).input_size == 128  # its spelling features
    with pytest.raises(SeqnlpError, match=r"^word_dim must be at least 1, got 0$"):
        SentimentConfig(word_dim=0)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_encoder_shapes_read_the_task_inputs(bidirectional):
    config = TaggerConfig(
        cell="gru", layers=2, hidden=6, word_dim=5, char_features=4, bidirectional=bidirectional
    )
    assert config.output_size == (2 if bidirectional else 1) * 6
    assert config.encoder_shapes() == rnn_shapes("encoder.rnn.", "gru", 2, bidirectional, 9, 6)


@pytest.mark.parametrize("name", ["tagger", "sentiment", "sentiment-3", "sentiment-film"])
def test_every_shipped_config_json_builds_its_config_unchanged(name):
    from seqnlp.serialization.models import config_from_dict, default_model

    path = default_model(name) / "config.json"
    saved = json.loads(path.read_text(encoding="utf-8"))
    cls = TaggerConfig if saved.pop("kind") == "tagger" else SentimentConfig
    saved.pop("format_version")
    config = config_from_dict(cls, saved, path)
    assert dataclasses.asdict(config) == saved
