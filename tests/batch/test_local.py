"""The in-process engine: every input format, Parquet out whole or not at all."""

from __future__ import annotations

import json

import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

from seqnlp import load  # noqa: E402
from seqnlp.batch import input_format, read_frames, run_local  # noqa: E402
from seqnlp.errors import DataError, SeqnlpError  # noqa: E402
from tests.batch.data import TEXTS  # noqa: E402


def write_inputs(directory):
    """The same rows as JSONL, CSV, Parquet (two files) and plain text."""
    frame = pd.DataFrame({"id": range(len(TEXTS)), "text": TEXTS})
    lines = [json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in enumerate(TEXTS)]
    (directory / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    frame.to_csv(directory / "in.csv", index=False)
    (directory / "parts").mkdir()
    frame[:5].to_parquet(directory / "parts" / "a.parquet")
    frame[5:].to_parquet(directory / "parts" / "b.parquet")
    (directory / "in.txt").write_text("\n".join(TEXTS) + "\n", encoding="utf-8")


@pytest.mark.parametrize("name", ["in.jsonl", "in.csv", "parts", "parts/*.parquet", "in.txt"])
def test_every_format_gives_the_same_rows(tmp_path, name):
    write_inputs(tmp_path)
    parts = []
    stats = run_local(
        "tag", str(tmp_path / name), tmp_path / "out", chunk_rows=4,
        on_partition=lambda p, s, total: parts.append((p, s.total_rows, total)),
    )  # fmt: skip
    out = pd.read_parquet(tmp_path / "out")
    assert (tmp_path / "out" / "_SUCCESS").exists()
    assert [int(i) for i in out["id"]] == list(range(len(TEXTS)))
    expected = [[upos for _, upos, _ in sentence] for sentence in load("tagger").predict(TEXTS)]
    assert [list(u) for u in out["upos"]] == expected
    assert [p for p, _, _ in parts] == sorted(stats.rows) and parts[-1][1] == len(TEXTS)
    assert stats.summary()["max_loads_per_worker"] <= 1


def test_format_detection():
    assert input_format("x/*.jsonl.gz") == "jsonl" and input_format("x.csv") == "csv"
    assert input_format("corpus.txt") == "text" and input_format("a.ndjson") == "jsonl"
    with pytest.raises(SeqnlpError, match="format must be auto or one of"):
        input_format("x", "xml")


def test_invalid_utf8_and_bad_json_name_file_and_line_and_leave_no_output(tmp_path):
    (tmp_path / "in.jsonl").write_bytes(b'{"id": 1, "text": "fine"}\n{"id": 2, "text": "\xff"}\n')
    with pytest.raises(DataError, match=r"in.jsonl:2: not UTF-8"):
        run_local("sentiment", str(tmp_path / "in.jsonl"), tmp_path / "out")
    (tmp_path / "in.jsonl").write_text('{"id": 1, "text": "fine"}\n[1, 2]\n')
    with pytest.raises(DataError, match=r"in.jsonl:2: not a JSON object"):
        run_local("sentiment", str(tmp_path / "in.jsonl"), tmp_path / "out", chunk_rows=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]  # no output, no temp dir


def test_missing_columns_and_files_are_clear_errors(tmp_path):
    (tmp_path / "in.jsonl").write_text('{"id": 1, "body": "fine"}\n')
    with pytest.raises(DataError, match=r"no text column 'text' \(its columns: body, id\)"):
        list(read_frames(str(tmp_path / "in.jsonl")))
    with pytest.raises(DataError, match="no such file"):
        list(read_frames(str(tmp_path / "missing-*.jsonl")))


def test_an_existing_output_needs_overwrite_and_is_replaced_whole(tmp_path):
    write_inputs(tmp_path)
    out = tmp_path / "out"
    run_local("sentiment", str(tmp_path / "in.txt"), out)
    with pytest.raises(SeqnlpError, match="already exists; use --overwrite"):
        run_local("tokenize", str(tmp_path / "in.txt"), out)
    assert "label" in pd.read_parquet(out).columns  # untouched
    run_local("tokenize", str(tmp_path / "in.txt"), out, overwrite=True)
    assert list(pd.read_parquet(out).columns) == ["id", "sentences", "error"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_tokenize_writes_line_sentence_text(tmp_path):
    write_inputs(tmp_path)
    (tmp_path / "in.txt").write_text("I saw a saw. It was big.\n\nNo.\n", encoding="utf-8")
    run_local("tokenize", str(tmp_path / "in.txt"), tmp_path / "lines", output_format="lines")
    text = (tmp_path / "lines" / "part-00000.txt").read_text(encoding="utf-8")
    assert text == "I saw a saw .\nIt was big .\nNo .\n"  # the empty line: an error row, left out
    with pytest.raises(SeqnlpError, match="only tokenize also writes lines"):
        run_local("tag", str(tmp_path / "in.txt"), tmp_path / "x", output_format="lines")
