"""The in-process engine: files read in chunks, the batch core, one Parquet directory out.

For jobs that fit one machine's one core, without Spark: the same inputs (Parquet, JSONL,
CSV, plain text; a path, a directory of part files or a glob) and the same output layout as
``seqnlp batch --engine spark`` (a directory of part files and ``_SUCCESS``), written
beside the target and renamed into place only when complete, so that a failed job never
leaves a half-written output under the output's name.
"""

from __future__ import annotations

import contextlib
import glob
import gzip
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from seqnlp.batch.core import ERROR_COLUMN, MAX_CHARS, check_columns, get_batch_task, predict_frames
from seqnlp.batch.stats import JobStats, counted
from seqnlp.errors import DataError, SeqnlpError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

FORMATS = ("parquet", "jsonl", "csv", "text")
OUTPUT_FORMATS = ("parquet", "lines")
SUFFIXES = {".parquet": "parquet", ".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl"}
SUFFIXES[".csv"] = "csv"
CHUNK_ROWS = 10_000  # rows per chunk: a "partition" of the in-process engine
# Spark SQL types of the result columns -> Arrow types
ARROW_TYPES = {
    "string": ("string",),
    "double": ("float64",),
    "float": ("float32",),
    "boolean": ("bool_",),
    "int": ("int32",),
    "array<string>": ("list_", "string"),
    "array<float>": ("list_", "float32"),
    "array<array<string>>": ("list_", "list_", "string"),
    "map<string,double>": ("map_", "string", "float64"),
}

# Called after each finished partition: (its number, the job's counts so far, how many
# partitions in all when known).
OnPartition = Callable[[int, JobStats, "int | None"], None]


def input_format(path: str, fmt: str = "auto") -> str:
    """The format of ``path`` (a file, directory or glob): a directory of ``.parquet``
    files, else by suffix (``.gz`` ignored), else plain text, one document per line."""
    if fmt != "auto":
        if fmt not in FORMATS:
            raise SeqnlpError(f"format must be auto or one of {', '.join(FORMATS)}, got {fmt!r}")
        return fmt
    if os.path.isdir(path) and glob.glob(os.path.join(path, "*.parquet")):
        return "parquet"  # e.g. a Spark job's output directory
    suffix = os.path.splitext(path.rstrip("/").removesuffix(".gz"))[1].lower()
    return SUFFIXES.get(suffix, "text")


def input_files(path: str) -> list[Path]:
    """The files that ``path`` names: itself, a glob's matches, or a directory's part files
    (names starting with ``_`` or ``.`` left out, as Spark does)."""
    files: list[Path] = []
    for match in sorted(glob.glob(path)) or [path]:
        where = Path(match)
        if where.is_dir():
            files += sorted(p for p in where.iterdir() if p.is_file() and p.name[0] not in "_.")
        elif where.is_file():
            files.append(where)
    if not files:
        raise DataError(f"{path}: no such file, or no file matches")
    return files


def _open(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of a UTF-8 file; a line that is not UTF-8 stops with its number."""
    with _open(path) as f:
        for number, raw in enumerate(f, 1):
            try:
                yield number, raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as exc:
                raise DataError(f"{path}:{number}: not UTF-8 ({exc.reason})") from None


def _records(path: Path, fmt: str, text_col: str, id_col: str, first_id: int) -> Iterator[dict]:
    if fmt == "text":
        for number, line in _lines(path):
            yield {id_col: first_id + number - 1, text_col: line}
        return
    for number, line in _lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}:{number}: not JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise DataError(f"{path}:{number}: not a JSON object")
        yield {id_col: record.get(id_col), text_col: record.get(text_col), "_keys": record}


def _line_frames(path, fmt, text_col, id_col, first_id, chunk_rows) -> Iterator[pd.DataFrame]:
    import pandas as pd

    records = _records(path, fmt, text_col, id_col, first_id)
    first = True
    while chunk := [r for _, r in zip(range(chunk_rows), records, strict=False)]:
        if first and fmt == "jsonl":
            keys = {k for r in chunk for k in r.pop("_keys")}
            check_columns(sorted(keys), text_col, id_col, f"{path} (its first records)")
        for r in chunk:
            r.pop("_keys", None)
        first = False
        yield pd.DataFrame.from_records(chunk, columns=[id_col, text_col])


def read_frames(
    path: str,
    fmt: str = "auto",
    *,
    text_col: str = "text",
    id_col: str = "id",
    chunk_rows: int = CHUNK_ROWS,
) -> Iterator[pd.DataFrame]:
    """(id, text) frames of at most ``chunk_rows`` rows from the files at ``path``.

    Plain text gets ids: the line number over all files, from 0.

    Raises:
        DataError: no such file, a missing column, a line that is not UTF-8 or not JSON.
    """
    import pandas as pd

    fmt = input_format(path, fmt)
    next_id = 0
    for file in input_files(path):
        if fmt == "parquet":
            import pyarrow.parquet as pq

            parquet = pq.ParquetFile(file)
            check_columns(parquet.schema_arrow.names, text_col, id_col, str(file))
            for batch in parquet.iter_batches(chunk_rows, columns=[id_col, text_col]):
                yield batch.to_pandas()
        elif fmt == "csv":
            with _open(file) as f:
                try:
                    reader = pd.read_csv(f, dtype=str, chunksize=chunk_rows, encoding="utf-8")
                    for number, frame in enumerate(reader):
                        if number == 0:
                            check_columns(list(frame.columns), text_col, id_col, str(file))
                        yield frame[[id_col, text_col]]
                except UnicodeDecodeError as exc:
                    raise DataError(f"{file}: not UTF-8 ({exc.reason})") from None
        else:
            for frame in _line_frames(file, fmt, text_col, id_col, next_id, chunk_rows):
                if fmt == "text":
                    next_id += len(frame)
                yield frame


def arrow_schema(task: str, id_type: pa.DataType, id_col: str) -> pa.Schema:
    """The Arrow schema of ``task``'s result frames, with the id column of ``id_type``."""
    import pyarrow as pa

    def build(names: tuple[str, ...]) -> pa.DataType:
        head, *rest = names
        if head == "list_":
            return pa.list_(build(tuple(rest)))
        if head == "map_":
            return pa.map_(getattr(pa, rest[0])(), getattr(pa, rest[1])())
        return getattr(pa, head)()

    spec = get_batch_task(task)
    columns = (*spec.columns, ("error", "string"))
    return pa.schema([(id_col, id_type)] + [(n, build(ARROW_TYPES[t])) for n, t in columns])


@contextlib.contextmanager
def atomic_directory(output: str | os.PathLike, overwrite: bool) -> Iterator[Path]:
    """A fresh directory beside ``output`` that becomes ``output`` (with ``_SUCCESS``) when
    the block ends normally and is deleted when it raises.

    Raises:
        SeqnlpError: ``output`` exists and ``overwrite`` is False.
    """
    target = Path(output)
    if target.exists() and not overwrite:
        raise SeqnlpError(f"{output} already exists; use --overwrite to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex[:8]}"
    work.mkdir()
    try:
        yield work
        (work / "_SUCCESS").touch()
        if target.exists():
            old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
            target.rename(old)
            work.rename(target)
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        else:
            work.rename(target)
    finally:
        if work.exists():
            shutil.rmtree(work)


def _write_parquet(results: Iterator[pd.DataFrame], path: Path, task: str, id_col: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    try:
        for result in results:
            if writer is None:  # the id column's type: the input's
                id_type = pa.Array.from_pandas(result[id_col]).type
                writer = pq.ParquetWriter(path, arrow_schema(task, id_type, id_col))
            writer.write_table(pa.Table.from_pandas(result, writer.schema, preserve_index=False))
    finally:
        if writer is not None:
            writer.close()
    if writer is None:  # no input row: an empty file, with the result columns
        pq.write_table(arrow_schema(task, pa.string(), id_col).empty_table(), path)


def _write_lines(results: Iterator[pd.DataFrame], path: Path) -> None:
    """gensim ``LineSentence`` text: a sentence a line, tokens joined by spaces."""
    with open(path, "w", encoding="utf-8") as f:
        for result in results:
            for sentences in result["sentences"][result[ERROR_COLUMN].isna()]:
                f.writelines(" ".join(sentence) + "\n" for sentence in sentences)


def run_local(
    task: str,
    input_path: str,
    output: str | os.PathLike,
    *,
    fmt: str = "auto",
    output_format: str = "parquet",
    text_col: str = "text",
    id_col: str = "id",
    model: str | os.PathLike | None = None,
    batch_size: int = 256,
    max_chars: int = MAX_CHARS,
    overwrite: bool = False,
    chunk_rows: int = CHUNK_ROWS,
    on_partition: OnPartition | None = None,
) -> JobStats:
    """Run ``task`` over the files at ``input_path`` in this process, writing the directory
    ``output``: ``part-00000.parquet`` (or, for ``output_format="lines"`` and tokenize,
    ``part-00000.txt``, gensim ``LineSentence`` text of the rows without error) and
    ``_SUCCESS``.

    Raises:
        SeqnlpError: ``output`` exists without ``overwrite``; DataError: see
            :func:`read_frames`. Nothing is left at ``output`` when one is raised.
    """
    if output_format not in OUTPUT_FORMATS or (output_format == "lines" and task != "tokenize"):
        raise SeqnlpError(f"{task} writes {OUTPUT_FORMATS[0]}; only tokenize also writes lines")
    stats = JobStats()

    def report(done: JobStats) -> None:
        nonlocal stats
        stats = stats.merge(done)
        if on_partition is not None:
            on_partition(len(stats.rows) - 1, stats, None)

    frames = read_frames(input_path, fmt, text_col=text_col, id_col=id_col, chunk_rows=chunk_rows)
    options = dict(text_col=text_col, id_col=id_col, model=model, batch_size=batch_size)
    results = (
        result
        for number, frame in enumerate(frames)
        for result in counted(
            predict_frames(task, [frame], max_chars=max_chars, **options), number, report
        )
    )
    with atomic_directory(output, overwrite) as work:
        if output_format == "lines":
            _write_lines(results, work / "part-00000.txt")
        else:
            _write_parquet(results, work / "part-00000.parquet", task, id_col)
    return stats
