"""train-tagger, tag and evaluate-tagger through click's CliRunner, on a tiny tagger."""

from __future__ import annotations

import gzip
import json

import conllu
import pytest

from seqnlp.cli import main
from tests.tagger.data import SENTENCES, tiny_cli_args, train_tiny, write_data
from tests.tagger.data import conllu as make_conllu

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> str:
    directory = tmp_path_factory.mktemp("cli-tagger")
    train_tiny(directory, epochs=15, layers=2)
    return str(directory / "tagger")


def _tag(runner, model, *args, **kwargs):
    result = runner.invoke(main, ["tag", "-m", model, *args], **kwargs)
    assert "Traceback" not in result.output
    return result


def test_tag_text(runner, model):
    result = _tag(runner, model, "I saw a saw.", "The dog barked. A saw cuts wood.")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "I/PRON saw/VERB a/DET saw/NOUN ./PUNCT"
    assert len(lines) == 3 and lines[2].startswith("A/DET saw/NOUN")


def test_tagsets(runner, model):
    both = _tag(runner, model, "--tagset", "both", "I saw a saw.").stdout.split()
    assert both[:2] == ["I/PRON/PRP", "saw/VERB/VBD"]
    xpos = _tag(runner, model, "--tagset", "xpos", "I saw a saw.").stdout.split()
    assert xpos[:2] == ["I/PRP", "saw/VBD"]


def test_conllu_output_parses(runner, model):
    result = _tag(runner, model, "-f", "conllu", "--tagset", "both", "I saw a saw. I don't know!")
    assert result.exit_code == 0, result.output
    sentences = conllu.parse(result.stdout)
    assert [s.metadata["sent_id"] for s in sentences] == ["1", "2"]
    assert sentences[0].metadata["text"] == "I saw a saw."
    assert [t["form"] for t in sentences[1]] == ["I", "do", "n't", "know", "!"]
    assert [t["upos"] for t in sentences[0]] == ["PRON", "VERB", "DET", "NOUN", "PUNCT"]
    assert [t["xpos"] for t in sentences[0]][:2] == ["PRP", "VBD"]
    assert sentences[0][3]["misc"] == {"SpaceAfter": "No"}
    only_upos = conllu.parse(
        _tag(runner, model, "-f", "conllu", "--tagset", "upos", "I saw").stdout
    )
    assert only_upos[0][0]["xpos"] is None  # "_"


def test_json_lines(runner, model):
    result = _tag(runner, model, "-f", "json", "I saw a saw.", "The dog barked.")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in records] == [1, 2]
    assert records[0]["tokens"] == ["I", "saw", "a", "saw", "."]
    assert records[0]["upos"] == ["PRON", "VERB", "DET", "NOUN", "PUNCT"]
    assert len(records[0]["xpos"]) == 5  # json and conllu carry both tag sets by default


def test_input_file_streams_in_order(runner, model, tmp_path):
    path = tmp_path / "in.txt.gz"
    lines = [f"The dog barked {i} times." if i % 2 else "I saw a saw" for i in range(1500)]
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join(lines[:700]) + "\n\n   \n" + "\r\n".join(lines[700:]) + "\n")
    result = _tag(runner, model, "--input", str(path), "-f", "json", "--batch-size", "7")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 1500
    assert [r["text"] for r in records] == lines
    assert records[701]["line"] == 704  # blank lines are skipped, numbering is kept


def test_stdin_and_pretokenized(runner, model):
    result = _tag(runner, model, "-i", "-", "--pretokenized", input="I saw a saw\n\nI do n't\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "I/PRON saw/VERB a/DET saw/NOUN",
        "I/PRON do/AUX n't/PART",
    ]


def test_empty_and_blank_texts(runner, model):
    for text in ("", "   \t  "):
        result = _tag(runner, model, text)
        assert result.exit_code == 1
        assert result.output.strip() == "Error: nothing to tag: the text is empty"
    # no TEXT and a stdin that is not a terminal: the text comes from stdin (issue #16)
    result = runner.invoke(main, ["tag", "-m", model], input="I saw a saw\n")
    assert result.exit_code == 0 and result.output.split()[1] == "saw/VERB"


def test_invalid_utf8_names_the_line_or_is_replaced(runner, model, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"I saw a saw\nThe dog \xff barked\n")
    result = _tag(runner, model, "-i", str(path))
    assert result.exit_code == 1
    assert result.stderr.strip().endswith(
        "bad.txt:2: not valid UTF-8 (byte 8); re-encode the file or use --errors replace"
    )
    result = _tag(runner, model, "-i", str(path), "--errors", "replace")
    assert result.exit_code == 0 and "\ufffd/" in result.stdout
    result = _tag(runner, model, "-i", "-", input=b"ok\n\xfe\n")
    assert result.exit_code == 1 and "<stdin>:2: not valid UTF-8" in result.output


def test_control_characters_and_a_huge_line(runner, model, tmp_path):
    result = _tag(runner, model, "-f", "conllu", "a\x00b \x07 dog\x0bsaw \u2028 cat")
    assert result.exit_code == 0, result.output
    parsed = conllu.parse(result.stdout)
    assert len(parsed) == 1 and all(t["upos"] for t in parsed[0])
    # control characters separate words and never reach the output
    assert [t["form"] for t in parsed[0]] == ["a", "b", "dog", "saw", "cat"]
    result = _tag(runner, model, "--pretokenized", "a\x00b dog")
    assert result.exit_code == 0 and result.stdout.count("/") == 3 and "\x00" not in result.stdout
    path = tmp_path / "huge.txt"
    path.write_text(" ".join(["dog", "saw", "a", "cat"] * 25_000) + "\n", encoding="utf-8")
    result = _tag(runner, model, "-i", str(path))
    assert result.exit_code == 0, result.output
    assert len(result.stdout.split()) == 100_000


def test_missing_file_and_wrong_model(runner, model, tmp_path):
    result = _tag(runner, model, "-i", str(tmp_path / "nope.txt"))
    assert result.exit_code == 1 and "nope.txt: no such file" in result.output
    import numpy as np

    from seqnlp import serialization

    other = serialization.save_model(
        tmp_path / "sentiment", kind="sentiment", config={}, tensors={"w": np.zeros(2)}
    )
    result = runner.invoke(main, ["tag", "-m", str(other), "I saw"])
    assert result.exit_code == 1
    assert result.output.strip() == (f"Error: {other} is a sentiment model, not a tagger model")


def test_evaluate_tagger(runner, model, tmp_path):
    data = tmp_path / "gold.conllu"
    data.write_text(make_conllu(SENTENCES), encoding="utf-8")
    image = tmp_path / "upos.png"
    args = ["evaluate-tagger", "-m", model, "--data", str(data), "--json", "--confusion", image]
    result = runner.invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    for key in ("upos_accuracy", "xpos_accuracy", "oov_upos_accuracy", "tokens"):
        assert key in scores
    assert scores["tokens"] == sum(len(s.split()) for s in SENTENCES)
    assert scores["upos_accuracy"] > 0.9 and scores["raw_text"]["upos_f1"] > 0.9
    assert scores["raw_text"]["word_f1"] == 1.0
    assert image.stat().st_size > 5000
    text = runner.invoke(main, ["evaluate-tagger", "-m", model, "--data", str(data)])
    assert text.exit_code == 0 and "UPOS" in text.output and "raw text" in text.output


def test_evaluate_tagger_broken_conllu_names_file_and_line(runner, model, tmp_path):
    data = tmp_path / "broken.conllu"
    lines = make_conllu(SENTENCES[:2]).splitlines()
    lines[4] = "3\ta\tDET"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(main, ["evaluate-tagger", "-m", model, "--data", str(data)])
    assert result.exit_code == 1
    assert f"{data}:5: expected 10 tab-separated CoNLL-U columns, found 3" in result.output


def test_train_tagger_then_resume(runner, tmp_path):
    train, dev = write_data(tmp_path)
    output = tmp_path / "cli-tagger"
    args = tiny_cli_args(train, dev, output)
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "epoch  1: loss" in result.stderr and "dev UPOS" in result.stderr
    assert result.stdout.startswith("Saved the epoch ")
    assert json.loads((output / "config.json").read_text())["cell"] == "gru"
    again = runner.invoke(main, args)
    assert again.exit_code == 1 and "already exists; use --force" in again.output
    resumed = runner.invoke(main, [*args, "--resume"])
    assert resumed.exit_code == 1 and "nothing to resume" in resumed.output


def test_help_teaches(runner):
    for command in ("tag", "train-tagger", "evaluate-tagger"):
        result = runner.invoke(main, [command, "--help"])
        assert result.exit_code == 0 and "seqnlp " + command in result.output


def test_conllu_output_fills_both_tag_columns_by_default(runner):
    import conllu

    result = runner.invoke(main, ["tag", "I saw a saw", "--format", "conllu"])
    assert result.exit_code == 0, result.output
    (sentence,) = conllu.parse(result.output)
    assert [t["upos"] for t in sentence] == ["PRON", "VERB", "DET", "NOUN"]
    assert all(t["xpos"] for t in sentence)


def test_a_diverged_run_keeps_the_previous_model(runner, tmp_path):
    train, dev = write_data(tmp_path)
    output = tmp_path / "good"
    assert runner.invoke(main, tiny_cli_args(train, dev, output)).exit_code == 0
    weights = (output / "weights.safetensors").read_bytes()
    result = runner.invoke(main, [*tiny_cli_args(train, dev, output), "--force", "--lr", "1e9"])
    assert result.exit_code == 1 and "diverged" in result.output, result.output
    assert "Traceback" not in result.output and "damaged" not in result.output
    assert (output / "weights.safetensors").read_bytes() == weights


def test_resume_with_another_network_names_the_options(runner, tmp_path):
    train, dev = write_data(tmp_path)
    output = tmp_path / "t"
    args = [*tiny_cli_args(train, dev, output, epochs=1), "--keep-checkpoint"]
    assert runner.invoke(main, args).exit_code == 0
    changed = [*args, "--resume", "--epochs", "2", "--hidden", "12", "--cell", "lstm"]
    result = runner.invoke(main, changed)
    assert result.exit_code == 1
    assert "hidden 8 (asked 12)" in result.output and "cell 'gru' (asked 'lstm')" in result.output
    result = runner.invoke(main, [*args, "--resume", "--epochs", "2"])
    assert result.exit_code == 0, result.output


def test_silver_then_a_student(runner, model, tmp_path):
    raw = tmp_path / "raw.txt"
    raw.write_text("The dog barked. I saw a saw.\nShe has a cat.\n\nHi\n", encoding="utf-8")
    silver = tmp_path / "silver.conllu"
    args = ["silver", "-t", model, "-t", model, "--corpus", str(raw), "--min-prob", "0"]
    result = runner.invoke(main, [*args, "-o", str(silver)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote 3 sentences, 14 words to {silver}\n"
    assert "raw.txt: kept 3 of 4 sentences (14 words, 14 of them tagged)" in result.stderr
    assert [s.metadata["sent_id"] for s in conllu.parse(silver.read_text())] == [
        "raw.txt-1",
        "raw.txt-2",
        "raw.txt-3",
    ]
    again = runner.invoke(main, [*args, "-o", str(silver)])
    assert again.exit_code == 1 and "already exists; use --force" in again.output
    train, dev = write_data(tmp_path)
    student = tmp_path / "student"
    cli = tiny_cli_args(train, dev, student)
    result = runner.invoke(main, [*cli, "--silver", str(silver), "--silver-sentences", "2"])
    assert result.exit_code == 0, result.output
    meta = json.loads((student / "meta.json").read_text())
    assert meta["data"]["silver"]["sentences"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--corpus", "nosuch.txt"], "nosuch.txt: no such file, and not a dataset name"),
        (["--corpus", "yelp:nosplit"], "yelp has no split 'nosplit'"),
        (["--corpus", "README.md", "-t", "."], "not a seqnlp model"),
        (["--corpus", "README.md", "-t", "tagger", "-t", "nosuch"], "no such model directory"),
    ],
)
def test_silver_bad_input_is_one_line(runner, tmp_path, args, message):
    result = runner.invoke(main, ["silver", *args, "-o", str(tmp_path / "s.conllu")])
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "s.conllu").exists()
