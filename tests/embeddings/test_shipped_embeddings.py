"""The vectors shipped inside the package (fixed, so exact answers can be asserted)."""

from __future__ import annotations

import pytest

from seqnlp.cli import main
from seqnlp.embeddings import WordVectors
from seqnlp.embeddings.evaluation import benchmark_path, evaluate_analogies


@pytest.fixture(scope="module")
def shipped() -> WordVectors:
    return WordVectors.load()


def test_king_man_woman_is_queen(shipped):
    assert shipped.analogy("king", "man", "woman")[0][0] == "queen"


def test_neighbours_and_similarity(shipped):
    assert "italy" in [w for w, _ in shipped.similar("france", topn=10)]
    assert shipped.similarity("cat", "dog") > shipped.similarity("cat", "democracy")


def test_capitals_section_above_floor(shipped, tmp_path):
    lines = benchmark_path("questions-words.txt").read_text().splitlines()
    end = next(i for i, line in enumerate(lines[1:], 1) if line.startswith(":"))
    section = tmp_path / "capitals.txt"
    section.write_text("\n".join(lines[:end]) + "\n")
    scores = evaluate_analogies(shipped, section)
    assert scores["coverage"] > 0.9
    assert scores["add"]["total"] > 0.7 and scores["mul"]["total"] > 0.7  # 75.7 % when shipped


def test_cli_analogy_on_shipped_vectors(runner):
    result = runner.invoke(main, ["analogy", "king", "man", "woman", "--topn", "1"])
    assert result.exit_code == 0
    assert result.output.startswith("queen\t")
