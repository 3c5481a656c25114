"""seqnlp on Apache Spark: tags, sentiment, vectors and tokens for DataFrames of any size.

``pip install "seqnlp[spark]"`` (PySpark 4). Every function returns a lazy DataFrame built
with ``mapInPandas`` over the engine-agnostic core of :mod:`seqnlp.batch`::

    from seqnlp.spark import session, tag_dataframe
    spark = session()
    tags = tag_dataframe(spark.read.parquet("reviews.parquet"), text_col="body", id_col="id")
    tags.write.parquet("tags.parquet")

- :mod:`~seqnlp.spark.frames`: the DataFrame functions, how models reach the workers, and
  the accumulator of job statistics;
- :mod:`~seqnlp.spark.jobs`: the session, reading input files, writing Parquet whole or not
  at all, with a progress callback per partition.
"""

try:
    import pyspark  # noqa: F401
except ImportError as exc:  # pragma: no cover - the extra is installed where tests run
    raise ImportError('seqnlp.spark needs PySpark: pip install "seqnlp[spark]"') from exc

from seqnlp.spark.frames import (
    ModelRef,
    predict_dataframe,
    sentiment_dataframe,
    stats_accumulator,
    tag_dataframe,
    tokenize_dataframe,
    vectors_dataframe,
)
from seqnlp.spark.jobs import read_input, session, spark_error, spark_errors, write_output

__all__ = [
    "ModelRef",
    "predict_dataframe",
    "read_input",
    "sentiment_dataframe",
    "session",
    "spark_error",
    "spark_errors",
    "stats_accumulator",
    "tag_dataframe",
    "tokenize_dataframe",
    "vectors_dataframe",
    "write_output",
]
