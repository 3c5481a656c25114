"""Spark jobs end to end: the session, input files to a DataFrame, results to Parquet.

:func:`write_output` writes into a hidden directory beside the output and renames it into
place only when every task has finished (through Hadoop's FileSystem, so the same code runs
on local disks, HDFS or object stores): a failed job leaves nothing under the output's name,
and an existing output is replaced only with ``overwrite``. Spark's own failures (a worker's
exception, a malformed input file) become one :class:`~seqnlp.errors.SeqnlpError` line.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import uuid
from collections.abc import Iterator

from py4j.protocol import Py4JJavaError
from pyspark.accumulators import Accumulator
from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from seqnlp import errors
from seqnlp.batch.core import ERROR_COLUMN, check_columns
from seqnlp.batch.local import OUTPUT_FORMATS, OnPartition, input_format
from seqnlp.batch.stats import JobStats
from seqnlp.errors import SeqnlpError

POLL_SECONDS = 0.5


def session(master: str | None = None, *, app_name: str = "seqnlp") -> SparkSession:
    """``SparkSession.builder.getOrCreate()``: under ``spark-submit`` the cluster's session.

    A local master (or none given) runs the Python workers on this interpreter
    (``PYSPARK_PYTHON``, unless set), where seqnlp is installed.
    """
    if master is None or master.startswith("local"):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name).config("spark.ui.showConsoleProgress", False)
    if master:
        builder = builder.master(master)
    return builder.getOrCreate()


def spark_error(exc: Exception) -> SeqnlpError:
    """One line for a failed Spark call: a seqnlp error raised on a worker keeps its class
    and message; otherwise Spark's headline and its root cause."""
    text = str(exc)
    found = re.search(r"seqnlp\.errors\.(\w+): (.*)", text)
    if found:
        return getattr(errors, found[1], SeqnlpError)(found[2].strip())
    if "thrown from the Python worker" in text:  # a traceback: its last line says it
        raised = re.findall(r"^\s*((?:\w+\.)*\w+: \S.*)$", text, re.MULTILINE)
        if raised:
            return SeqnlpError(f"the Spark job failed on a worker: {raised[-1][:300]}")
    # Spark's messages carry an error class: "[MALFORMED_RECORD_IN_PARSING...] Malformed..."
    classified = re.findall(r"\[[A-Z][A-Z_.]+\] ([^\n]+)", text)
    headline = classified[-1] if classified else text.strip().splitlines()[0]
    causes = re.findall(r"Caused by: (?:[\w$]+\.)*([\w$]+: [^\n]+)", text)
    cause = f" (cause: {causes[-1][:300]})" if causes else ""
    return SeqnlpError(f"the Spark job failed: {headline[:300]}{cause}")


@contextlib.contextmanager
def spark_errors() -> Iterator[None]:
    """Turn Spark's and Py4J's exceptions raised in the block into :func:`spark_error`."""
    try:
        yield
    except (PySparkException, Py4JJavaError) as exc:
        raise spark_error(exc) from exc


def read_input(
    spark: SparkSession, path: str, fmt: str = "auto", *, text_col: str = "text", id_col: str = "id"
) -> DataFrame:
    """A DataFrame of the Parquet, JSONL, CSV (with a header) or text files at ``path`` (a
    file, directory or glob; see :func:`seqnlp.batch.input_format`).

    Plain text has one document per line, with ids from ``monotonically_increasing_id``
    (stable for the same files). A JSONL or CSV line Spark cannot parse (e.g. not UTF-8)
    stops the job.

    Raises:
        DataError: a missing text or id column; SeqnlpError: a file Spark cannot read.
    """
    fmt = input_format(path, fmt)
    reader = spark.read.option("mode", "FAILFAST")
    with spark_errors():
        if fmt == "parquet":
            df = reader.parquet(path)
        elif fmt == "jsonl":
            df = reader.json(path)
        elif fmt == "csv":
            df = reader.options(header=True, multiLine=True, escape='"').csv(path)
        else:
            df = spark.read.text(path).withColumnRenamed("value", text_col)
            df = df.withColumn(id_col, F.monotonically_increasing_id())
    check_columns(df.columns, text_col, id_col, path)
    return df


class _Progress(threading.Thread):
    """Calls ``on_partition`` for each partition that the accumulator reports finished."""

    def __init__(self, stats: Accumulator, on_partition: OnPartition, total: int) -> None:
        super().__init__(daemon=True)
        self.stats, self.on_partition, self.total = stats, on_partition, total
        self.seen: set[int] = set()
        self.stopped = threading.Event()

    def poll(self) -> None:
        current: JobStats = self.stats.value
        for partition in sorted(set(current.rows) - self.seen):
            self.seen.add(partition)
            self.on_partition(partition, current, self.total)

    def run(self) -> None:
        while not self.stopped.wait(POLL_SECONDS):
            self.poll()

    def stop(self) -> None:
        self.stopped.set()
        self.join()
        self.poll()


def _hadoop(spark: SparkSession, path: str):
    """(file system, qualified Hadoop path, hidden work path beside it), through the JVM."""
    make_path = spark.sparkContext._jvm.org.apache.hadoop.fs.Path
    fs = make_path(path).getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    target = fs.makeQualified(make_path(path))
    work = make_path(target.getParent(), f".{target.getName()}.tmp-{uuid.uuid4().hex[:8]}")
    return fs, target, work


def sentence_lines(df: DataFrame) -> DataFrame:
    """A tokenize result as gensim ``LineSentence`` lines: one sentence a line, its tokens
    joined by spaces; rows with an error are left out."""
    if "sentences" not in df.columns:
        raise SeqnlpError("sentence lines are written from a tokenize result (its sentences)")
    sentences = df.where(F.col(ERROR_COLUMN).isNull()).select(F.explode("sentences").alias("s"))
    return sentences.select(F.concat_ws(" ", "s").alias("value"))


def write_output(
    df: DataFrame,
    output: str,
    *,
    fmt: str = "parquet",
    overwrite: bool = False,
    stats: Accumulator | None = None,
    on_partition: OnPartition | None = None,
) -> None:
    """Write ``df`` to the directory ``output``, whole or not at all.

    Args:
        fmt: ``parquet``, or ``lines``: a tokenize result as text part files of
            :func:`sentence_lines` (gensim's ``LineSentence``, ``corpus_file``).
        stats: the :func:`~seqnlp.spark.stats_accumulator` that ``df`` fills: with
            ``on_partition``, called (on a thread of the driver) as each partition finishes.

    Raises:
        SeqnlpError: ``output`` exists and ``overwrite`` is False, or the job failed; the
            output is then untouched and the partial files deleted.
    """
    if fmt not in OUTPUT_FORMATS:
        raise SeqnlpError(f"output format must be one of {', '.join(OUTPUT_FORMATS)}, got {fmt!r}")
    if fmt == "lines":
        df = sentence_lines(df)
    spark = df.sparkSession
    fs, target, work = _hadoop(spark, output)
    if fs.exists(target) and not overwrite:
        raise SeqnlpError(f"{output} already exists; use --overwrite to replace it")
    progress = None
    if stats is not None and on_partition is not None:
        progress = _Progress(stats, on_partition, df.rdd.getNumPartitions())
        progress.start()
    try:
        with spark_errors():
            (df.write.parquet if fmt == "parquet" else df.write.text)(work.toString())
        if progress is not None:
            progress.stop()
        if fs.exists(target):
            if not overwrite:
                raise SeqnlpError(f"{output} appeared while the job ran; it was left as it is")
            fs.delete(target, True)
        if not fs.rename(work, target):
            raise SeqnlpError(f"could not rename {work.toString()} to {output}")
    finally:
        if progress is not None and progress.is_alive():
            progress.stopped.set()
        if fs.exists(work):
            fs.delete(work, True)
