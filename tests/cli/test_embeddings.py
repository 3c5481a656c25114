"""The embedding commands through click's CliRunner, on small vectors saved to tmp."""

from __future__ import annotations

import json

import numpy as np
import pytest

from seqnlp.cli import main
from seqnlp.embeddings import WordVectors
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
    queries = "king man woman\nzzz man woman\nparis france italy\n"
    result = runner.invoke(
        main, ["analogy", "--input", "-", "-m", model, "--json", "--topn", "1"], input=queries
    )
    assert result.exit_code == 1  # one query failed
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["results"][0]["word"] for a in answers] == ["queen", "rome"]
    assert "unknown word 'zzz'" in result.stderr


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
    scores = json.loads(result.output)
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


def test_train_embeddings_unknown_corpus(runner, tmp_path):
    result = runner.invoke(
        main, ["train-embeddings", "--corpus", "nope", "-o", str(tmp_path / "x")]
    )
    assert result.exit_code == 1 and "not a dataset name" in result.output
