"""seqnlp's predictions as lazy Spark DataFrames, built on ``mapInPandas`` and the batch core.

Models reach the workers as files, never as pickled objects: by a path that every worker
reads (a shared or identically installed file system; None, the shipped model, is in every
worker's seqnlp install), or shipped with ``SparkContext.addFile`` (``ship_model=True``).
Each Python worker loads a model once and keeps it for the tasks it runs
(:func:`seqnlp.batch.load_model`); a :func:`stats_accumulator` passed as ``stats`` counts
the loads, rows and memory of each worker.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from pyspark import SparkFiles, TaskContext
from pyspark.accumulators import Accumulator, AccumulatorParam
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructField, StructType

from seqnlp.batch.core import MAX_CHARS, check_columns, check_id_column, get_batch_task
from seqnlp.batch.core import predict_frames as _predict_frames
from seqnlp.batch.models import load_model, model_path
from seqnlp.batch.stats import JobStats, counted

if TYPE_CHECKING:
    import pandas as pd


class _StatsParam(AccumulatorParam):
    """Merges the :class:`JobStats` of finished tasks on the driver."""

    def zero(self, value: JobStats) -> JobStats:
        return JobStats()

    def addInPlace(self, value1: JobStats, value2: JobStats) -> JobStats:  # noqa: N802
        return value1.merge(value2)


def stats_accumulator(spark: SparkSession) -> Accumulator:
    """An accumulator of :class:`JobStats` to pass as ``stats``; read ``.value`` after an
    action (or during one: it grows as tasks finish)."""
    return spark.sparkContext.accumulator(JobStats(), _StatsParam())


@dataclasses.dataclass(frozen=True)
class ModelRef:
    """Where a worker finds the model: ``path`` (None: the shipped default) or the name
    of a directory added with ``SparkContext.addFile``."""

    path: str | None = None
    shipped: str | None = None

    def local_path(self) -> str | None:
        return SparkFiles.get(self.shipped) if self.shipped else self.path


def model_ref(
    spark: SparkSession, kind: str, model: str | os.PathLike | None, ship: bool
) -> ModelRef:
    """Check on the driver that the model loads (a clear error before any task runs), and
    say how workers find it; ``ship`` adds the directory to the job's files."""
    where = model_path(kind, model)
    load_model(kind, where)
    if ship:
        spark.sparkContext.addFile(str(where), recursive=where.is_dir())
        return ModelRef(shipped=where.name)
    return ModelRef(path=None if model is None else str(where))


def _run_partition(
    frames: Iterator[pd.DataFrame], *, task: str, ref: ModelRef, stats, **options
) -> Iterator[pd.DataFrame]:
    results = _predict_frames(task, frames, model=ref.local_path(), **options)
    if stats is None:
        yield from results
    else:
        yield from counted(results, TaskContext.get().partitionId(), stats.add)


def predict_dataframe(
    df: DataFrame,
    task: str,
    *,
    text_col: str = "text",
    id_col: str = "id",
    model: str | os.PathLike | None = None,
    batch_size: int = 256,
    max_chars: int = MAX_CHARS,
    ship_model: bool = False,
    stats: Accumulator | None = None,
) -> DataFrame:
    """A lazy DataFrame of ``task``'s results for ``df``'s rows: the id column, the task's
    columns (:attr:`seqnlp.batch.BatchTask.columns`) and ``error``, one row per input row,
    in the partitions of ``df``.

    Args:
        task: ``tokenize``, ``tag``, ``sentiment`` or ``vectors``.
        model: a model directory every worker can read (None: the shipped model).
        ship_model: send ``model`` to the workers with ``SparkContext.addFile``.
        stats: a :func:`stats_accumulator`, filled as the tasks finish.

    Raises:
        DataError: ``df`` lacks the text or id column; ModelFileError: the model does not
            load on the driver.
    """
    spec = get_batch_task(task)
    check_columns(df.columns, text_col, id_col, "the DataFrame")
    check_id_column(spec, id_col)
    ref = model_ref(df.sparkSession, spec.kind, model, ship_model) if spec.kind else ModelRef()
    id_field = StructField(id_col, df.schema[id_col].dataType, True)
    schema = StructType([id_field, *StructType.fromDDL(spec.ddl).fields])
    run = functools.partial(
        _run_partition,
        task=task,
        ref=ref,
        stats=stats,
        text_col=text_col,
        id_col=id_col,
        batch_size=batch_size,
        max_chars=max_chars,
    )
    source = df.select(F.col(id_col), F.col(text_col).cast("string").alias(text_col))
    return source.mapInPandas(run, schema)


def tokenize_dataframe(df: DataFrame, **options) -> DataFrame:
    """Sentences of tokens (``sentences``: array<array<string>>) for each text of ``df``;
    options as :func:`predict_dataframe`."""
    return predict_dataframe(df, "tokenize", **options)


def tag_dataframe(df: DataFrame, **options) -> DataFrame:
    """``tokens``, ``upos`` and ``xpos`` (arrays, a text's sentences one after another) for
    each text of ``df``, as :meth:`seqnlp.tagger.Tagger.tag`; options as
    :func:`predict_dataframe`."""
    return predict_dataframe(df, "tag", **options)


def sentiment_dataframe(df: DataFrame, **options) -> DataFrame:
    """``label``, ``probability``, ``probabilities`` (label -> probability), ``known`` and
    ``reason`` for each text of ``df``, as :meth:`seqnlp.sentiment.SentimentClassifier.predict`
    (``known`` False: label "unknown"); options as :func:`predict_dataframe`."""
    return predict_dataframe(df, "sentiment", **options)


def vectors_dataframe(df: DataFrame, **options) -> DataFrame:
    """``vector``, the mean of the word vectors of a text's tokens, and ``words``, how many
    had one, for each text of ``df``; options as :func:`predict_dataframe`."""
    return predict_dataframe(df, "vectors", **options)
