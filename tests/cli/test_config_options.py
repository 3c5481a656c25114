"""The trainers' options are generated from the config dataclasses' fields: one range, one
help text and the recipe's default each, and the dataclass refuses what the option refuses."""

from __future__ import annotations

import dataclasses

import click
import pytest

from seqnlp.cli import main
from seqnlp.embeddings.recipe import RECIPE as EMBEDDINGS
from seqnlp.errors import SeqnlpError
from seqnlp.fields import spec_of
from seqnlp.sentiment.recipe import RECIPE as SENTIMENT
from seqnlp.tagger.recipe import RECIPE as TAGGER

CASES = [
    ("train-tagger", TAGGER.config),
    ("train-tagger", TAGGER.train_config),
    ("train-sentiment", SENTIMENT.config),
    ("train-sentiment", SENTIMENT.train_config),
    ("train-embeddings", EMBEDDINGS.config),
]


def _generated(command_name: str, config) -> list[tuple[click.Parameter, dataclasses.Field]]:
    command = main.get_command(click.Context(main), command_name)
    fields = {f.name: f for f in dataclasses.fields(config)}
    found = [(p, fields[p.name]) for p in command.params if p.name in fields]
    assert found, f"{command_name} offers no field of {type(config).__name__}"
    return found


@pytest.mark.parametrize("command_name, config", CASES)
def test_options_take_help_range_and_default_from_the_config(command_name, config):
    for param, field in _generated(command_name, config):
        spec = spec_of(field)
        assert spec is not None, f"--{param.name} comes from a field without a setting()"
        assert param.help.startswith(spec.help), param.name  # min_steps adds its default
        assert param.default == getattr(config, field.name), param.name
        if isinstance(param.type, click.types._NumberRangeBase):
            assert (param.type.min, param.type.max) == (spec.low, spec.high), param.name
        if isinstance(param.type, click.Choice):
            assert tuple(param.type.choices) == spec.choices, param.name


@pytest.mark.parametrize("command_name, config", CASES)
def test_the_config_refuses_what_the_option_refuses(command_name, config):
    """One set of checks: just outside an option's range is refused by the dataclass too
    (TrainConfig took seed=-1 while --seed refused it)."""
    for param, field in _generated(command_name, config):
        kind = param.type
        if isinstance(kind, click.types._NumberRangeBase) and kind.min is not None:
            below = kind.min if kind.min_open else kind.min - 1
            with pytest.raises(SeqnlpError, match=f"^{field.name} "):
                dataclasses.replace(config, **{field.name: below})
        if isinstance(kind, click.Choice):
            with pytest.raises(SeqnlpError, match=f"^{field.name} must be one of"):
                dataclasses.replace(config, **{field.name: "nonsense"})


def test_a_generated_option_reaches_the_config(runner, tmp_path, monkeypatch):
    """--unidirectional and --hidden land in the config the library is given."""
    seen = {}

    def fake_train(**kwargs):
        seen.update(kwargs)
        raise SeqnlpError("stop here")

    monkeypatch.setattr("seqnlp.tagger.training.train", fake_train)
    out = tmp_path / "t"
    result = runner.invoke(
        main, ["train-tagger", "-o", str(out), "--unidirectional", "--hidden", "7", "--seed", "3"]
    )
    assert result.exit_code == 1 and "stop here" in result.output
    assert seen["config"] == dataclasses.replace(TAGGER.config, bidirectional=False, hidden=7)
    assert seen["train_config"] == dataclasses.replace(TAGGER.train_config, seed=3)


def test_one_spelling_for_lower_casing_words():
    """train-embeddings (--case-sensitive) and vectors import (--lower) once spelled the one
    setting two ways: both now take --lower/--case-sensitive, each with its own default."""
    ctx = click.Context(main)
    train = main.get_command(ctx, "train-embeddings")
    imported = main.get_command(ctx, "vectors").get_command(ctx, "import")
    for command, default in ((train, True), (imported, False)):
        (param,) = [p for p in command.params if p.name == "lowercase"]
        assert param.opts == ["--lower"] and param.secondary_opts == ["--case-sensitive"]
        assert param.default is default
