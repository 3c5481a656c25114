"""Labelled text in: SST, GLUE and headed TSV/CSV files or dataset splits, label sets, and
:func:`to_example`, the one normaliser for training files and a user's raw text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from seqnlp.corpus import LabeledText, read_sst, read_table
from seqnlp.errors import DataError
from seqnlp.sentiment.config import MAX_TOKENS
from seqnlp.tokenize import normalize, sst_normalize, sst_unescape, word_tokenize

FORMATS = ("sst", "glue", "tsv", "csv")


def to_example(text: str, max_tokens: int | None = MAX_TOKENS) -> list[str]:
    """The tokens the classifier sees for ``text``: SST's convention, from any text.

    SST is lower-cased and PTB-tokenised (``wo n't``, ``-lrb-``); a user types
    "It wasn't GOOD (really).". Both go through the same steps, so that training files and
    raw text can never disagree: undo PTB escapes (:func:`~seqnlp.tokenize.sst_unescape`), then
    :func:`seqnlp.tokenize.normalize`, :func:`~seqnlp.tokenize.word_tokenize` and
    :func:`~seqnlp.tokenize.sst_normalize`, which maps the tokens back into SST's
    conventions. SST's own sentences come out as they went in (98 % exactly; the rest
    differ in details such as ``'70s``).

    Args:
        text: one sentence or review.
        max_tokens: keep only the first tokens (None keeps all).

    Returns:
        The tokens; empty when ``text`` holds none.
    """
    tokens = sst_normalize(word_tokenize(normalize(sst_unescape(text))))
    if max_tokens is not None and len(tokens) > max_tokens:
        tokens = tokens[:max_tokens]
    return tokens


# --------------------------------------------------------------------------- reading data


def guess_format(path: str | Path) -> str:
    """The reader for a file: .csv is csv, .tsv is tsv, anything else SST ``stsa`` lines."""
    suffixes = [s.lower() for s in Path(path).suffixes if s.lower() not in (".gz", ".xz", ".bz2")]
    suffix = suffixes[-1] if suffixes else ""
    return {".csv": "csv", ".tsv": "tsv"}.get(suffix, "sst")


def read_labeled(
    source: str | Path,
    split: str = "train",
    format: str | None = None,
    text_column: str = "sentence",
    label_column: str = "label",
    errors: str = "strict",
) -> list[LabeledText]:
    """Read a labelled file or a registered dataset split into memory.

    Args:
        source: a file, or a dataset name such as ``"sst2"`` (``split`` picks the file).
        split: the split of a dataset name (``train``, ``dev``, ``test``, ``phrases``).
        format: ``sst`` (``<label> <sentence>`` lines), ``glue`` (headed TSV with
            ``sentence`` and ``label`` columns), ``tsv`` or ``csv`` (headed, columns by
            name); None guesses from the dataset manifest or the file name.
        text_column, label_column: the columns of ``tsv``/``csv`` files.
        errors: ``"strict"`` fails on invalid UTF-8 naming the line; ``"replace"``.

    Raises:
        DataError: missing file, unknown format, malformed line (file:line), no examples.
    """
    from seqnlp import datasets  # the registry costs a few imports: on use

    path = datasets.resolve(source, split)
    if isinstance(path, list):
        if len(path) != 1:
            raise DataError(f"{source} {split}: expected one file, found {len(path)}")
        path = path[0]
    if format is None:
        format = _manifest_format(source, split) or guess_format(path)
    if format not in FORMATS:
        raise DataError(f"format must be one of {FORMATS}, got {format!r}")
    if format == "sst":
        records = read_sst(path, errors=errors)
    elif format == "glue":
        records = read_table(path, "sentence", "label", delimiter="\t", errors=errors)
    else:
        delimiter = "\t" if format == "tsv" else ","
        records = read_table(path, text_column, label_column, delimiter=delimiter, errors=errors)
    examples = list(records)
    if not examples:
        raise DataError(f"{path}: no labelled examples")
    return examples


def _manifest_format(source: str | Path, split: str) -> str | None:
    """The format a dataset's manifest gives for ``split`` (GLUE TSVs are "glue")."""
    from seqnlp import datasets

    if Path(source).is_file() or str(source) not in datasets.list_datasets():
        return None
    for file in datasets.get_dataset(str(source)).select(split):
        if file.format in FORMATS:
            return file.format
        if file.format in ("tsv", "table", "glue_tsv"):
            return "glue"
    return None


def label_set(examples: Iterable[LabeledText], source: str = "training data") -> list[str]:
    """The sorted labels of training data (numerically when all are integers).

    Raises:
        DataError: fewer than two classes, because a classifier needs something to tell apart.
    """
    counts = Counter(e.label for e in examples)
    if len(counts) < 2:
        only = f" (only {next(iter(counts))!r})" if counts else ""
        raise DataError(
            f"{source} has {len(counts)} label{'s' * (len(counts) != 1)}{only}; "
            "a classifier needs at least two classes"
        )
    labels = list(counts)
    if all(_is_int(label) for label in labels):
        return sorted(labels, key=int)
    return sorted(labels)


def _is_int(text: str) -> bool:
    return text.lstrip("-").isdigit()


def check_labels(examples: Iterable[LabeledText], labels: Sequence[str], source: str) -> None:
    """Raise DataError when ``examples`` use labels the model does not have."""
    known = set(labels)
    unknown = Counter(e.label for e in examples if e.label not in known)
    if unknown:
        shown = ", ".join(f"{label!r} ({n}x)" for label, n in unknown.most_common(5))
        raise DataError(
            f"{source} has labels the model does not know: {shown}; "
            f"the model's labels are {', '.join(map(repr, labels))}"
        )


def split_source(spec: str | Path, default_split: str) -> tuple[str | Path, str]:
    """``sst2:phrases`` -> ("sst2", "phrases"); an existing file or a bare name keeps the split."""
    if Path(spec).exists() or ":" not in str(spec):
        return spec, default_split
    name, split = str(spec).rsplit(":", 1)
    return name, split


def read_source(spec: str | Path, split: str, **options: str | None) -> list[LabeledText]:
    """:func:`read_labeled` of a ``NAME[:SPLIT]`` spec or a file (``options``: format,
    text_column, label_column, errors)."""
    name, split = split_source(spec, split)
    return read_labeled(name, split, **options)
