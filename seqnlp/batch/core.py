"""The engine-agnostic batch core: pandas frames of (id, text) in, result frames out.

Every engine (Spark's ``mapInPandas``, the in-process runner, a Dask or Ray adapter) hands
:func:`predict_frames` an iterator of pandas DataFrames and gets one result frame back for
each, in order: the id column, the task's columns (:attr:`BatchTask.columns`) and
``error``. A row that cannot be predicted (null, empty or overlong text, or no word with a
vector) gets nulls in the task's columns and says why in ``error``; ``error`` is null
otherwise. The output is a function of the rows alone, so a retried task gives the same rows.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from seqnlp.batch.models import load_model, one_blas_thread
from seqnlp.errors import DataError, SeqnlpError
from seqnlp.tokenize import tokenize

if TYPE_CHECKING:
    import pandas as pd

# The longest text predicted: about 20,000 tokens; a longer one is almost always a scraping
# accident (a whole page or a binary blob), and it would hold up its batch.
MAX_CHARS = 100_000
ERROR_COLUMN = "error"

# rows in, columns out: (model, texts, batch size) -> ({column: values}, per-row errors)
Predict = Callable[[Any, list[str], int], tuple[dict[str, list], list[str | None]]]


@dataclasses.dataclass(frozen=True)
class BatchTask:
    """One kind of batch prediction.

    Args:
        name: the task's name (``seqnlp batch NAME``).
        kind: the model kind it loads (:data:`seqnlp.tasks.TASKS`), None for none.
        columns: its result columns as (name, Spark SQL type), after the id column.
        predict: the function from texts to those columns.
    """

    name: str
    kind: str | None
    columns: tuple[tuple[str, str], ...]
    predict: Predict

    @property
    def ddl(self) -> str:
        """The result columns (with ``error``) as a Spark DDL schema string."""
        return ", ".join(f"`{n}` {t}" for n, t in (*self.columns, (ERROR_COLUMN, "string")))

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns] + [ERROR_COLUMN]


def _tokenize(model: None, texts: list[str], batch_size: int):
    return {"sentences": [tokenize(text) for text in texts]}, [None] * len(texts)


def _tag(tagger, texts: list[str], batch_size: int):
    tagged = tagger.predict(texts, batch_size)
    columns = {
        name: [[token[i] for token in sentence] for sentence in tagged]
        for i, name in enumerate(("tokens", "upos", "xpos"))
    }
    return columns, [None] * len(texts)


def _sentiment(classifier, texts: list[str], batch_size: int):
    predictions = classifier.predict(texts, batch_size)
    columns = {
        field: [getattr(p, field) for p in predictions]
        for field in ("label", "probability", "probabilities", "known", "reason")
    }
    return columns, [None] * len(texts)


def _vectors(vectors, texts: list[str], batch_size: int):
    """The mean of the vectors of a text's tokens (fastText: sub-words for unknown words)."""
    out: list[list[float] | None] = []
    counts: list[int | None] = []
    errors: list[str | None] = []
    for text in texts:
        rows = [
            vectors.vector(token)
            for sentence in tokenize(text)
            for token in sentence
            if token in vectors or vectors.is_subword_only(token)
        ]
        out.append(
            np.mean(rows, axis=0, dtype=np.float64).astype(np.float32).tolist() if rows else None
        )
        counts.append(len(rows) if rows else None)
        errors.append(None if rows else "no word with a vector")
    return {"vector": out, "words": counts}, errors


TASKS: dict[str, BatchTask] = {
    task.name: task
    for task in (
        BatchTask("tokenize", None, (("sentences", "array<array<string>>"),), _tokenize),
        BatchTask(
            "tag",
            "tagger",
            (("tokens", "array<string>"), ("upos", "array<string>"), ("xpos", "array<string>")),
            _tag,
        ),
        BatchTask(
            "sentiment",
            "sentiment",
            (
                ("label", "string"),
                ("probability", "double"),
                ("probabilities", "map<string,double>"),
                ("known", "boolean"),
                ("reason", "string"),
            ),
            _sentiment,
        ),
        BatchTask("vectors", "vectors", (("vector", "array<float>"), ("words", "int")), _vectors),
    )
}


def get_batch_task(name: str) -> BatchTask:
    """The batch task ``name``; an unknown name lists the known ones."""
    try:
        return TASKS[name]
    except KeyError:
        raise SeqnlpError(f"unknown batch task {name!r}; choose from {', '.join(TASKS)}") from None


def row_error(text: Any, max_chars: int = MAX_CHARS) -> str | None:
    """Why ``text`` gets no prediction, or None when it does."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return "null text"
    if not isinstance(text, str):
        return f"not a text but {type(text).__name__}"
    if not text.strip():
        return "empty text"
    if len(text) > max_chars:
        return f"text of {len(text):,} characters, over the limit of {max_chars:,}"
    return None


def check_columns(columns: Sequence[str], text_col: str, id_col: str, where: str = "the input"):
    """Raise DataError when ``columns`` lack the text or id column (naming those present)."""
    for role, name in (("text", text_col), ("id", id_col)):
        if name not in columns:
            raise DataError(
                f"{where} has no {role} column {name!r} (its columns: {', '.join(columns)}); "
                f"name it with --{role}-column"
            )


def check_id_column(spec: BatchTask, id_col: str) -> None:
    """Raise DataError when the id column would clash with one of ``spec``'s columns."""
    if id_col in spec.column_names:
        raise DataError(
            f"the id column {id_col!r} has the name of a {spec.name} result column; rename it"
        )


def predict_frames(
    task: str,
    frames: Iterable[pd.DataFrame],
    *,
    text_col: str = "text",
    id_col: str = "id",
    model: str | os.PathLike | None = None,
    batch_size: int = 256,
    max_chars: int = MAX_CHARS,
) -> Iterator[pd.DataFrame]:
    """Predict ``task`` for each frame of (id, text) rows, yielding one result frame each.

    The model is loaded on the first frame with a text to predict, once per process
    (:func:`seqnlp.batch.load_model`); numpy runs on one BLAS thread.

    Args:
        task: ``tokenize``, ``tag``, ``sentiment`` or ``vectors`` (:data:`TASKS`).
        model: the model directory (None: the one shipped with seqnlp; unused by tokenize).
        batch_size: texts per network batch.
        max_chars: longer texts get an error instead of a result.

    Raises:
        DataError: a frame lacks the text or id column.
    """
    import pandas as pd

    spec = get_batch_task(task)
    if batch_size < 1:
        raise SeqnlpError(f"batch size must be at least 1, got {batch_size}")
    check_id_column(spec, id_col)
    for frame in frames:
        check_columns(list(frame.columns), text_col, id_col)
        column = frame[text_col]
        texts = column.astype(object).where(column.notna(), None).tolist()  # NaN, NA: None
        errors = [row_error(text, max_chars) for text in texts]
        good = [i for i, error in enumerate(errors) if error is None]
        result: dict[str, list] = {name: [None] * len(texts) for name, _ in spec.columns}
        if good:
            loaded = load_model(spec.kind, model) if spec.kind else None
            with one_blas_thread():
                columns, row_errors = spec.predict(loaded, [texts[i] for i in good], batch_size)
            for name, values in columns.items():
                for i, value in zip(good, values, strict=True):
                    result[name][i] = value
            for i, error in zip(good, row_errors, strict=True):
                errors[i] = error
        ids = frame[id_col].reset_index(drop=True)
        # object columns: an int column with nulls stays ints (pandas would make it float)
        columns = {name: pd.Series(values, dtype=object) for name, values in result.items()}
        yield pd.DataFrame({id_col: ids, **columns, ERROR_COLUMN: errors})
