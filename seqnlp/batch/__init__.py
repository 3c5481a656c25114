"""Batch prediction over files and data frames of any size, on Spark or in process.

- :mod:`~seqnlp.batch.core`: the engine-agnostic core, pandas frames of (id, text) in and
  result frames out, for ``tokenize``, ``tag``, ``sentiment`` and ``vectors``;
- :mod:`~seqnlp.batch.models`: models loaded once per worker process, by path and content;
- :mod:`~seqnlp.batch.stats`: :class:`JobStats`, rows, errors, loads and memory of a job;
- :mod:`~seqnlp.batch.local`: the in-process engine, files in, a Parquet directory out.

:mod:`seqnlp.spark` runs the same core on Spark. Nothing here imports torch; pandas and
pyarrow come with ``pip install "seqnlp[batch]"`` (or ``[spark]``).
"""

from seqnlp.batch.core import (
    ERROR_COLUMN,
    MAX_CHARS,
    TASKS,
    BatchTask,
    check_columns,
    get_batch_task,
    predict_frames,
    row_error,
)
from seqnlp.batch.local import (
    FORMATS,
    OUTPUT_FORMATS,
    input_files,
    input_format,
    read_frames,
    run_local,
)
from seqnlp.batch.models import load_count, load_model
from seqnlp.batch.stats import JobStats, counted

__all__ = [
    "ERROR_COLUMN",
    "FORMATS",
    "MAX_CHARS",
    "OUTPUT_FORMATS",
    "TASKS",
    "BatchTask",
    "JobStats",
    "check_columns",
    "counted",
    "get_batch_task",
    "input_files",
    "input_format",
    "load_count",
    "load_model",
    "predict_frames",
    "read_frames",
    "row_error",
    "run_local",
]
