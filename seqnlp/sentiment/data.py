"""Labelled text in: SST, GLUE and headed TSV/CSV files or dataset splits, label sets, and
:func:`to_example`, the one normaliser for training files and a user's raw text."""

from __future__ import annotations

import os
import random
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from seqnlp.corpus import LabeledText, read_sst, read_table
from seqnlp.errors import DataError
from seqnlp.sentiment.config import MAX_TOKENS
from seqnlp.tokenize import normalize, sst_normalize, word_tokenize

FORMATS = ("sst", "glue", "tsv", "csv")

# The PTB escapes of SST's text, undone before tokenising so that a training file and a
# user's raw text reach the same tokens (and the embeddings, trained on raw text, know them).
_PTB_ESCAPES = {
    "-lrb-": "(",
    "-rrb-": ")",
    "-lsb-": "[",
    "-rsb-": "]",
    "-lcb-": "{",
    "-rcb-": "}",
    "``": '"',
    "''": '"',
    "\\/": "/",
    "\\*": "*",
}
_PTB_PATTERN = re.compile("|".join(re.escape(k) for k in _PTB_ESCAPES), re.IGNORECASE)


def to_example(text: str, max_tokens: int | None = MAX_TOKENS) -> list[str]:
    """The tokens the classifier sees for ``text``: SST's convention, from any text.

    SST is lower-cased and PTB-tokenised (``wo n't``, ``-lrb-``); a user types
    "It wasn't GOOD (really)." and a tweet "@ann sooo goood #blessed http://t.co/x". All go
    through the same steps, so that training files and
    raw text can never disagree: undo PTB escapes (``-lrb-`` -> "("), then
    :func:`seqnlp.tokenize.normalize`, :func:`~seqnlp.tokenize.word_tokenize` and
    :func:`~seqnlp.tokenize.sst_normalize`, which maps the tokens back into SST's
    conventions. SST's own sentences come out as they went in (98 % exactly; the rest
    differ in details such as ``'70s``). Tweets' own tokens are read by what they say:
    every @mention is ``@user`` and every web address ``<url>`` (a name or a link carries no
    sentiment, and one shared token is learnt), a hashtag is its word (``#blessed`` ->
    ``blessed``), and a letter repeated three times or more counts twice (``goood`` ->
    ``good``, ``sooo`` -> ``soo``).

    Args:
        text: one sentence or review.
        max_tokens: keep only the first tokens (None keeps all).

    Returns:
        The tokens; empty when ``text`` holds none.
    """
    text = _PTB_PATTERN.sub(lambda m: _PTB_ESCAPES[m.group(0).lower()], text)
    tokens = [_social(token) for token in sst_normalize(word_tokenize(normalize(text)))]
    if max_tokens is not None and len(tokens) > max_tokens:
        tokens = tokens[:max_tokens]
    return tokens


# What every mention and web address reads as: never evidence of sentiment on their own.
MENTION, URL = "@user", "<url>"
PLACEHOLDERS = frozenset({MENTION, URL})
_URL = re.compile(r"(?:https?:|www\.)\S+", re.IGNORECASE)
_HASHTAG = re.compile(r"#(\w+)")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")


def _social(token: str) -> str:
    """A token as a sentence classifier reads it: mentions, links, hashtags, elongations."""
    if len(token) > 1 and token[0] == "@":
        return MENTION
    if _URL.match(token):
        return URL
    if hashtag := _HASHTAG.fullmatch(token):
        token = hashtag.group(1)
    return _REPEATS.sub(r"\1\1", token)


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
    from seqnlp import (
        datasets,  # the registry costs a few imports: on use
        labelled,
    )

    if format is None and not Path(source).is_file() and labelled.is_sentiment_dataset(str(source)):
        return labelled.read_split(str(source), split, errors=errors)
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


Source = str | os.PathLike | Sequence[str | os.PathLike] | Sequence[LabeledText]


def specs_of(source: Source) -> list[str | os.PathLike] | None:
    """The file or dataset specs of ``source``, or None when it is labelled texts in memory."""
    if isinstance(source, str | os.PathLike):
        return [source]
    if source and all(isinstance(s, str | os.PathLike) for s in source):
        return list(source)
    return None


def read_examples(
    source: Source,
    split: str,
    *,
    merge: bool = False,
    labels: Sequence[str] | None = None,
    sample: Mapping[str, int] | None = None,
    seed: int = 1,
    **options: str | None,
) -> tuple[list[LabeledText], list[dict[str, Any]]]:
    """Labelled texts from specs (``NAME[:SPLIT]`` or files) or in memory, and a record of
    each source; with ``merge`` a text repeated (with its label) across sources is kept once.

    Args:
        labels: keep only texts with these labels (a three-class set read for two classes).
        sample: at most this many texts of a spec (a seeded sample), so that one large
            source does not drown the others in a mix.

    Raises:
        DataError: a source is missing, malformed, or holds no examples.
    """
    specs = specs_of(source)
    if specs is None:
        examples = _keep(list(source), labels)
        if not examples:
            raise DataError(f"no {split} examples")
        return examples, [{"source": None, "examples": len(examples)}]
    examples, seen, record = [], set(), []
    for spec in specs:
        read = _keep(read_source(spec, split, **options), labels)
        cap = (sample or {}).get(os.fspath(spec))
        if cap is not None and cap < len(read):
            read = random.Random(seed).sample(read, cap)
        added = 0
        for example in read:
            if merge and (example.text, example.label) in seen:
                continue
            seen.add((example.text, example.label))
            examples.append(example)
            added += 1
        if not added:
            raise DataError(f"{os.fspath(spec)}: no {split} examples with the labels {labels}")
        record.append({"source": os.fspath(spec), "examples": added})
    return examples, record


def _keep(examples: list[LabeledText], labels: Sequence[str] | None) -> list[LabeledText]:
    return examples if labels is None else [e for e in examples if e.label in labels]
