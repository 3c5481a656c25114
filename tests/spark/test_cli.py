"""``seqnlp batch`` on the test run's Spark session (getOrCreate finds it)."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("pyspark", reason='PySpark is not installed: pip install -e ".[spark]"')

from seqnlp import load  # noqa: E402
from seqnlp.cli import main  # noqa: E402
from tests.batch.data import TEXTS  # noqa: E402


def test_batch_sentiment_on_spark(spark, runner, tmp_path):
    lines = [json.dumps({"key": i, "body": t}) for i, t in enumerate(TEXTS)] + ['{"key": 99}']
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.parquet"
    args = ["batch", "sentiment", "-i", str(tmp_path / "in.jsonl"), "-o", str(out)]
    args += ["--text-column", "body", "--id-column", "key", "--partitions", "3"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert sum(line.startswith("partition ") for line in result.output.splitlines()) == 3
    assert f"Wrote 15 rows (1 errors) to {out}" in result.output
    rows = {row.key: row for row in spark.read.parquet(str(out)).collect()}
    expected = load("sentiment").predict(TEXTS)
    assert [rows[i].label for i in range(len(TEXTS))] == [p.label for p in expected]
    assert rows[99].error == "null text"
    again = runner.invoke(main, args)
    assert again.exit_code == 1 and "already exists; use --overwrite" in again.output


def test_spark_failures_are_one_line(spark, runner, tmp_path):
    (tmp_path / "in.jsonl").write_bytes(b'{"id": 1, "text": "\xff"}\n')
    result = runner.invoke(
        main, ["batch", "tag", "-i", str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "o")]
    )
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "Invalid UTF-8" in result.output and not (tmp_path / "o").exists()
    (tmp_path / "in.txt").write_text("fine\n")
    args = ["batch", "tag", "-i", str(tmp_path / "in.txt"), "-o", str(tmp_path / "o")]
    missing = runner.invoke(main, [*args, "-m", str(tmp_path / "nowhere")])
    assert missing.exit_code == 1 and "nowhere: no such model directory" in missing.output
