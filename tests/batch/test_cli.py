"""``seqnlp batch --engine local``, and the one-line answer where PySpark is missing."""

from __future__ import annotations

import importlib.util

import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

from seqnlp.cli import main  # noqa: E402
from tests.batch.data import TEXTS  # noqa: E402


def test_local_engine_writes_parquet_with_a_line_per_partition(runner, tmp_path):
    (tmp_path / "in.txt").write_text("\n".join(TEXTS) + "\n\n", encoding="utf-8")
    out = tmp_path / "out.parquet"
    args = ["batch", "sentiment", "-i", str(tmp_path / "in.txt"), "-o", str(out)]
    result = runner.invoke(main, [*args, "--engine", "local"])
    assert result.exit_code == 0, result.output
    assert "partition 0 done (1): 15 rows; 15 rows, 1 errors in all" in result.output
    assert f"Wrote 15 rows (1 errors) to {out}" in result.output
    frame = pd.read_parquet(out)
    assert frame["error"].tolist() == [None] * len(TEXTS) + ["empty text"]
    again = runner.invoke(main, [*args, "--engine", "local"])
    assert again.exit_code == 1 and "already exists; use --overwrite" in again.output
    spark_only = runner.invoke(main, [*args, "--engine", "local", "--partitions", "2"])
    assert spark_only.exit_code == 2 and "--partitions: Spark options" in spark_only.output


def test_bad_input_is_one_line(runner, tmp_path):
    (tmp_path / "in.jsonl").write_bytes(b'{"id": 1, "text": "\xff"}\n')
    out = tmp_path / "out"
    result = runner.invoke(
        main,
        ["batch", "tag", "-i", str(tmp_path / "in.jsonl"), "-o", str(out), "--engine", "local"],
    )
    assert result.exit_code == 1 and result.output.strip().endswith(
        "in.jsonl:1: not UTF-8 (invalid start byte)"
    )
    assert not out.exists()


def test_without_pyspark_the_error_says_how_to_install_it(runner, tmp_path, monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "pyspark" else find_spec(name, *a),
    )
    (tmp_path / "in.txt").write_text("hello\n")
    result = runner.invoke(
        main, ["batch", "tag", "-i", str(tmp_path / "in.txt"), "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    assert result.output == (
        'Error: seqnlp batch needs pyspark: pip install "seqnlp[spark]" '
        "(or in this process: --engine local)\n"
    )


def test_tokenize_lines_for_gensim(runner, tmp_path):
    (tmp_path / "in.txt").write_text("I saw a saw. It was big.\n", encoding="utf-8")
    out = tmp_path / "corpus"
    args = ["batch", "tokenize", "-i", str(tmp_path / "in.txt"), "-o", str(out), "--lines"]
    result = runner.invoke(main, [*args, "--engine", "local"])
    assert result.exit_code == 0, result.output
    assert (out / "part-00000.txt").read_text() == "I saw a saw .\nIt was big .\n"
