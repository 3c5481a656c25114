"""Messages a user reads after a mistake: each names what to do, with the options the
command has (issue #30, part A 8)."""

from __future__ import annotations

import json

import pytest

from seqnlp.cli import main
from tests.tagger.data import tiny_cli_args, write_data


def test_bad_utf8_advice_names_only_options_the_command_has(runner, tmp_path):
    train, dev = write_data(tmp_path)
    train.write_bytes(train.read_bytes().replace(b"saw", b"s\xffw", 1))
    result = runner.invoke(main, tiny_cli_args(train, dev, tmp_path / "t"))
    assert result.exit_code == 1 and "not valid UTF-8" in result.output
    assert "--errors" not in result.output and "re-encode the file as UTF-8" in result.output
    corpus = tmp_path / "corpus.txt"
    corpus.write_bytes(b"the king\nthe qu\xffeen\n")
    args = ["train-embeddings", "--corpus", str(corpus), "-o", str(tmp_path / "v")]
    result = runner.invoke(main, args)
    assert result.exit_code == 1 and "not valid UTF-8" in result.output
    assert "--errors" not in result.output
    result = runner.invoke(main, ["tag", "-i", str(corpus)])  # tag has --errors: kept
    assert "use --errors replace" in result.output


def test_an_sst_file_with_a_word_for_a_label_says_it_must_be_a_number(runner, tmp_path):
    path = tmp_path / "train.txt"
    path.write_text("good a fine film\n")
    result = runner.invoke(
        main, ["train-sentiment", "--train", str(path), "-o", str(tmp_path / "m")]
    )
    assert result.exit_code == 1 and "whole number for the label" in result.output
    assert "--format" in result.output


def test_config_errors_name_the_one_field_at_fault():
    from seqnlp.errors import SeqnlpError
    from seqnlp.tagger import TaggerConfig
    from seqnlp.training import TrainConfig

    with pytest.raises(SeqnlpError, match=r"^dropout must be in \[0, 1\), got 1.5$"):
        TaggerConfig(dropout=1.5)
    with pytest.raises(SeqnlpError, match="^word_dim cannot be negative, got -1$"):
        TaggerConfig(word_dim=-1)
    with pytest.raises(SeqnlpError, match="^clip cannot be negative, got -1$"):
        TrainConfig(clip=-1)


def test_vectors_that_share_no_word_with_the_training_data(tiny):
    from seqnlp.errors import DataError
    from seqnlp.vocab import Vocab

    vocab = Vocab.build(["zebra", "quokka", "zebra"], min_count=1)
    with pytest.raises(DataError, match="for none of the 2 training words.*--embeddings none"):
        tiny.embedding_matrix(vocab)
    matrix, coverage = tiny.embedding_matrix(Vocab.build(["king", "zebra"], min_count=1))
    assert coverage == 0.5


def test_vectors_import_and_export_name_the_fix(runner, tiny_model, tmp_path):
    source = tmp_path / "v.txt"
    source.write_text("king 0.1 0.2\nqueen 0.2 0.3\n")
    result = runner.invoke(main, ["vectors", "import", str(source), "-o", tiny_model])
    assert result.exit_code == 1 and "use --force to replace it" in result.output
    result = runner.invoke(main, ["vectors", "export", tiny_model, "-o", "/nonexistent/x.txt"])
    assert result.exit_code == 1 and "no such directory /nonexistent" in result.output
    assert ".tmp-" not in result.output


def test_info_on_imported_vectors_invents_no_training(runner, tmp_path):
    source = tmp_path / "glove.txt"
    source.write_text("king 0.1 0.2\nqueen 0.2 0.3\n")
    out = tmp_path / "glove"
    assert runner.invoke(main, ["vectors", "import", str(source), "-o", str(out)]).exit_code == 0
    config = json.loads(runner.invoke(main, ["info", str(out), "--json"]).output)["config"]
    assert "window" not in config and "epochs" not in config
    assert config["dim"] == 2 and "imported from glove.txt" in config["trained"]


@pytest.mark.parametrize("command", ["sentiment", "tag"])
def test_a_flag_alone_is_no_text_and_says_how_to_pass_one(runner, command):
    result = runner.invoke(main, [command, "-q"], input="")
    assert result.exit_code == 2 and "nothing read" in result.output
    assert f"seqnlp {command} -- -q" in result.output
