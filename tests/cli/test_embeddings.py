"""The embedding commands through click's CliRunner, on small vectors saved to tmp."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from seqnlp.cli import main
from seqnlp.embeddings import WordVectors
from seqnlp.errors import DataError
from tests.conftest import TINY_WORDS


@pytest.fixture
def model(tiny_model):
    return tiny_model


def test_analogy(runner, model):
    result = runner.invoke(main, ["analogy", "king", "man", "woman", "-m", model, "--topn", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("queen\t")
    assert len(result.output.splitlines()) == 2


def test_analogy_json_mul(runner, model):
    args = ["analogy", "king", "man", "woman", "-m", model, "--method", "mul", "--json"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0
    answer = json.loads(result.output)
    assert answer["method"] == "mul" and answer["results"][0]["word"] == "queen"
    assert set(answer) == {"query", "method", "results", "subword"}  # no internal fields


@pytest.mark.parametrize(
    "words, message",
    [
        (["king", "man"], "takes 3 words, got 2"),
        (["king", "man", "woman", "cat"], "takes 3 words, got 4"),
    ],
)
def test_analogy_wrong_arity_is_usage_error(runner, model, words, message):
    result = runner.invoke(main, ["analogy", *words, "-m", model])
    assert result.exit_code == 2 and message in result.output


def test_analogy_same_word_twice(runner, model):
    result = runner.invoke(main, ["analogy", "king", "king", "woman", "-m", model])
    assert result.exit_code == 1
    assert "three different words" in result.output
    assert "Traceback" not in result.output


def test_unknown_word_names_close_spellings(runner, model):
    result = runner.invoke(main, ["similar", "quen", "-m", model])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: unknown word 'quen' (closest in the vocabulary: queen)"


def test_similarity_prints_cosine_and_euclidean(runner, model):
    result = runner.invoke(main, ["similarity", "man", "woman", "-m", model])
    assert result.exit_code == 0
    assert "cosine" in result.output and "euclidean\t1.0000" in result.output


def test_queries_from_stdin_keep_going_after_a_bad_line(runner, model):
    queries = "king man woman\nzzz man woman\n\nparis france italy\n"
    result = runner.invoke(
        main, ["analogy", "--input", "-", "-m", model, "--json", "--topn", "1"], input=queries
    )
    assert result.exit_code == 1  # one query failed
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    # one record per query line, in order, the failed one included with its line number
    assert [a["line"] for a in answers] == [1, 2, 4]
    assert [a["query"] for a in answers] == [q.split() for q in queries.split("\n") if q]
    assert answers[0]["results"][0]["word"] == "queen"
    assert answers[2]["results"][0]["word"] == "rome"
    assert "results" not in answers[1] and "unknown word 'zzz'" in answers[1]["error"]
    assert all(not k.startswith("_") for a in answers for k in a)
    assert "line 2: unknown word 'zzz'" in result.stderr


def test_batch_text_output_labels_each_block(runner, model):
    result = runner.invoke(
        main, ["similar", "--input", "-", "-m", model, "--topn", "2"], input="king\nzzz\nman\n"
    )
    assert result.exit_code == 1
    blocks = result.stdout.strip().split("\n\n")
    assert [b.splitlines()[0] for b in blocks] == [
        "# line 1: king",
        "# line 2: zzz",
        "# line 3: man",
    ]
    assert len(blocks[0].splitlines()) == 3 and blocks[1].splitlines()[1].startswith("error:")


@pytest.mark.parametrize("command", [["similar"], ["similarity"], ["analogy"]])
def test_invalid_utf8_input_is_one_line_or_replaced(runner, model, tmp_path, command):
    queries = tmp_path / "q.txt"
    queries.write_bytes(b"king man woman\nk\xffng man woman\n")
    result = runner.invoke(main, [*command, "--input", str(queries), "-m", model])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and f"{queries}:2" in result.stderr
    assert result.stderr.count("\n") == 1 or "Error:" in result.stderr.splitlines()[-1]
    result = runner.invoke(
        main, [*command, "--input", str(queries), "-m", model, "--errors", "replace", "--json"]
    )
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in records] == [1, 2] and "\ufffd" in records[1]["query"][0]


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_bad_input_path_is_one_line(runner, model, tmp_path, kind):
    path = tmp_path / "nope.txt" if kind == "missing" else tmp_path
    for command in (["similar"], ["similarity"], ["analogy"]):
        result = runner.invoke(main, [*command, "--input", str(path), "-m", model])
        assert result.exit_code == 1, result.output
        assert result.output.startswith("Error:") and str(path) in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_plot_embeddings_checks_the_suffix_first(runner, model, tmp_path, monkeypatch):
    import seqnlp.embeddings.vectors as vectors

    def fail(*args, **kwargs):
        raise AssertionError("loaded the vectors before checking the output name")

    monkeypatch.setattr(vectors.WordVectors, "load", fail)
    result = runner.invoke(main, ["plot-embeddings", "king", "queen", "-m", model, "-o", "p.txt"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert ".png" in result.output


def test_plot_top_takes_only_real_words():
    from seqnlp.cli.embeddings import is_real_word

    kept = [
        w
        for w in ["the", "'s", "s", "th", "of", "1990", "u.s.", "nd", "king", "mr"]
        if is_real_word(w)
    ]
    assert kept == ["the", "of", "king"]


def test_evaluate_reports_the_words_actually_used(runner, model, tmp_path):
    questions = tmp_path / "q.txt"
    questions.write_text(": capital\nfrance paris italy rome\n")
    args = ["evaluate-embeddings", "-m", model, "--analogies", str(questions)]
    pairs = tmp_path / "p"
    pairs.write_text("king\tqueen\t9\nman\twoman\t8\ncat\tparis\t1\n")
    result = runner.invoke(main, [*args, "--similarities", str(pairs)])
    assert result.exit_code == 0, result.output
    assert "top 10 words" in result.stdout and "30000" not in result.stdout


def test_evaluate_shows_progress(tiny, tmp_path, capsys):
    from seqnlp.embeddings.evaluation import evaluate_analogies

    questions = tmp_path / "q.txt"
    questions.write_text(": capital\nfrance paris italy rome\n")
    evaluate_analogies(tiny, questions, progress=True)
    assert "analogies" in capsys.readouterr().err


def test_model_that_is_not_a_model(runner, tmp_path):
    result = runner.invoke(main, ["similar", "king", "-m", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith("Error:") and "config.json" in result.output


def test_evaluate_embeddings_json(runner, model, tmp_path):
    questions = tmp_path / "q.txt"
    questions.write_text(": capital\nfrance paris italy rome\n: gram-x\nman woman king queen\n")
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("king\tqueen\t9\nman\twoman\t8\ncat\tparis\t1\n")
    args = [
        "evaluate-embeddings",
        "-m",
        model,
        "--analogies",
        str(questions),
        "--similarities",
        str(pairs),
        "--json",
    ]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["analogy"]["add"]["total"] == 1.0
    assert scores["analogy"]["mul"]["total"] == 1.0
    assert scores["analogy"]["coverage"] == 1.0
    assert scores["similarity"]["pairs"]["coverage"] == 1.0
    assert "spearman" in scores["similarity"]["pairs"]


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_plot_embeddings_writes_an_image(runner, model, tmp_path, method):
    out = tmp_path / "map.png"
    args = ["plot-embeddings", *TINY_WORDS, "-m", model, "--method", method, "-o", str(out)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 10_000
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_train_embeddings_cli(runner, tmp_path):
    from gensim.test.utils import datapath

    out = tmp_path / "trained"
    args = [
        "train-embeddings",
        "--corpus",
        datapath("lee_background.cor"),
        "--dim",
        "12",
        "--epochs",
        "1",
        "--min-count",
        "3",
        "--workers",
        "1",
        "--no-evaluate",
        "--top",
        "500",
        "--dtype",
        "float16",
        "-o",
        str(out),
    ]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    vectors = WordVectors.load(out)
    assert len(vectors) == 500 and vectors.vectors.dtype == np.float16
    assert vectors.meta["corpus"]["sources"][0]["sha256"]
    # an existing output is refused without --force, and left alone
    again = runner.invoke(main, args)
    assert again.exit_code == 1 and "--force" in again.output
    assert len(WordVectors.load(out)) == 500


def test_train_embeddings_cli_tokenized_with_workers(runner, tmp_path):
    corpus = tmp_path / "tokenized.txt"
    corpus.write_text("the king and the queen\nthe man and the woman\n" * 200)
    out = tmp_path / "trained"
    args = ["train-embeddings", "--corpus", str(corpus), "--tokenized", "--workers", "2"]
    args += ["--dim", "8", "--epochs", "1", "--min-count", "1", "--no-evaluate", "-o", str(out)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "2,000 corpus words" in result.output and "with 2 workers" in result.output
    assert set(WordVectors.load(out).words) == {"the", "king", "and", "queen", "man", "woman"}


def test_train_embeddings_cli_rejects_zero_workers(runner, tmp_path):
    result = runner.invoke(main, ["train-embeddings", "--workers", "0", "-o", str(tmp_path / "x")])
    assert result.exit_code == 2 and "--workers" in result.output


def test_train_embeddings_on_the_texts_of_a_sentiment_dataset(runner, tmp_path, shared_data):
    out = tmp_path / "reviews"
    args = ["train-embeddings", "--corpus", "financial-phrasebank:train", "--no-evaluate"]
    args += ["--dim", "8", "--epochs", "1", "--min-count", "2", "--workers", "1", "-o", str(out)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    vectors = WordVectors.load(out)
    assert {"profit", "sales"} <= set(vectors.words)
    [source] = vectors.meta["corpus"]["sources"]
    assert source["dataset"] == "financial-phrasebank:train" and source["texts"] > 1000
    bad = runner.invoke(main, ["train-embeddings", "--corpus", "yelp:all", "-o", str(out) + "2"])
    assert bad.exit_code == 1
    assert bad.output.strip().endswith("yelp has no split 'all'; splits: train, dev, test")


def test_train_embeddings_unknown_corpus(runner, tmp_path):
    result = runner.invoke(
        main, ["train-embeddings", "--corpus", "nope", "-o", str(tmp_path / "x")]
    )
    assert result.exit_code == 1 and "not a dataset name" in result.output


def test_tokenizing_progress_counts_words(tmp_path, capsys):
    from seqnlp.embeddings.training import prepare_corpus

    text = tmp_path / "t.txt"
    text.write_text("the king and the queen .\n" * 150)
    prepare_corpus([text], tmp_path / "out.txt", progress=True)
    err = capsys.readouterr().err
    assert re.search(r"tokenizing: [1-9][0-9.]*k? words", err), err[-300:]


def test_similarity_benchmark_with_no_pair_in_the_vocabulary(tiny, tmp_path):
    from seqnlp.embeddings.evaluation import evaluate_similarity

    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("tiger\tcat\t7\nbook\tpaper\t6\n")
    assert evaluate_similarity(tiny, pairs) == {"spearman": None, "pearson": None, "coverage": 0.0}
    pairs.write_text("not a pair file\n")
    with pytest.raises(DataError):
        evaluate_similarity(tiny, pairs)


def test_similar_with_several_positive_and_negative_words(runner, model, tiny):
    """gensim's most_similar from the command line and from --input lines (issue #30 B.4)."""
    result = runner.invoke(main, ["similar", "king", "woman", "-n", "man", "-m", model, "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["query"] == ["king", "woman"] and answer["negative"] == ["man"]
    assert answer["results"][0]["word"] == "queen"
    expected = tiny.most_similar(["king", "woman"], ["man"], topn=10, method="mul")
    result = runner.invoke(
        main, ["similar", "--input", "-", "-m", model, "--json", "--method", "mul"],
        input="king woman -man\nparis\n",
    )  # fmt: skip
    first, second = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["word"] for r in first["results"]] == [w for w, _ in expected]
    assert first["negative"] == ["man"] and "negative" not in second


def test_doesnt_match_and_n_similarity(runner, model, tiny):
    result = runner.invoke(main, ["doesnt-match", "king", "queen", "man", "paris", "-m", model])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == tiny.doesnt_match(["king", "queen", "man", "paris"])
    result = runner.invoke(main, ["n-similarity", "king man", "queen woman", "-m", model])
    assert result.exit_code == 0, result.output
    expected = tiny.n_similarity(["king", "man"], ["queen", "woman"])
    assert float(result.output) == pytest.approx(expected, abs=1e-4)
    result = runner.invoke(
        main, ["n-similarity", "--input", "-", "-m", model, "--json"],
        input="king man\tqueen woman\nking\n",
    )  # fmt: skip
    assert result.exit_code == 1  # the second line has one set
    first, second = [json.loads(line) for line in result.stdout.splitlines()]
    assert first["query"] == [["king", "man"], ["queen", "woman"]]
    assert first["cosine"] == pytest.approx(expected, abs=1e-4)
    assert "two sets of words" in second["error"]
    result = runner.invoke(main, ["doesnt-match", "king", "-m", model])
    assert result.exit_code == 2 and "takes 2 or more words" in result.output


def test_evaluate_progress_only_on_a_terminal(runner, model, tmp_path, monkeypatch):
    """As its --help says: a bar on a terminal's stderr, none in a pipe or a log."""
    import seqnlp.cli.embeddings as commands

    questions = tmp_path / "q.txt"
    questions.write_text(": capital\nfrance paris italy rome\n")
    args = ["evaluate-embeddings", "-m", model, "--analogies", str(questions)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0 and "analogies:" not in result.stderr
    monkeypatch.setattr(commands, "_interactive", lambda: True)
    assert "analogies:" in runner.invoke(main, args).stderr
    assert "analogies:" not in runner.invoke(main, ["-q", *args]).stderr


def test_train_embeddings_with_a_min_count_no_word_reaches(runner, tmp_path):
    corpus = tmp_path / "tokenized.txt"
    corpus.write_text("the king and the queen\n" * 20)
    args = ["train-embeddings", "--corpus", str(corpus), "--tokenized", "--no-evaluate"]
    result = runner.invoke(main, [*args, "--min-count", "100000", "-o", str(tmp_path / "v")])
    assert result.exit_code == 1 and "no word of the corpus" in result.output, result.output
    assert "min_count 100000" in result.output


def test_keeping_fewer_than_one_word_is_refused(tiny):
    from seqnlp.errors import SeqnlpError

    with pytest.raises(SeqnlpError, match="at least 1, got -3"):
        tiny.truncate(-3)


def test_the_analogy_help_examples_answer_right_on_the_shipped_vectors(runner):
    """The --help example 'paris germany france' answered berlin's opposite (issue #30 A.11):
    each three-word example of the help, run as written, finds the capital it asks for."""
    shown = runner.invoke(main, ["analogy", "--help"]).output
    examples = re.findall(r"^\s+seqnlp analogy (\w+ \w+ \w+)(.*)$", shown, re.MULTILINE)
    assert len(examples) == 2
    expected = {"king man woman": "queen", "berlin germany france": "paris"}
    for words, options in examples:
        result = runner.invoke(main, ["analogy", *words.split(), *options.split()])
        assert result.exit_code == 0, result.output
        answers = [line.split("\t")[0] for line in result.output.splitlines()]
        assert expected[words] in answers[:3], (words, answers)
