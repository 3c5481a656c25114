"""Labelled text datasets: the registered sentiment sets (``data/datasets.json``, each with a
``sentiment`` section), their file formats, one label vocabulary, and the seeded
train/dev/test splits made where the source has none. Plain records out: no numpy, no torch.

Labels come out as ``negative``, ``neutral`` and ``positive`` whatever the source writes
(``0``/``1``, a file per class, ``<Pros>``). A split is chosen from a hash of the text's
:func:`text_key`, so a text repeated inside a dataset can never sit in two splits, and no
text of any registered dev or test split enters a training split (:func:`held_out_keys`):
scores on every dataset's test split are honest however the training sets are mixed.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from seqnlp.corpus import LabeledText, iter_lines, read_sst, read_table
from seqnlp.datasets import (
    DataFile,
    cache_dir,
    data_dir,
    dataset_paths,
    get_dataset,
    list_datasets,
)
from seqnlp.errors import DataError

log = logging.getLogger("seqnlp")

SPLITS = ("train", "dev", "test")
# the manifest formats read_file knows
FORMATS = ("sst", "table", "csv", "lines", "label_tab_text", "label_text", "tweet_tsv",
           "pros_cons", "phrasebank")  # fmt: skip
LABELS = ("negative", "neutral", "positive")
_KEY = re.compile(r"\W+")
_PROS_CONS = re.compile(r"\s*<(Pros|Cons)>(.*?)</(?:Pros|Cons)>\s*$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class SentimentDataset:
    """The ``sentiment`` section of a registered dataset.

    Attributes:
        name: the registry name (``yelp``).
        domain: what kind of text it holds (``restaurants and services``).
        labels: its classes, from :data:`LABELS`.
        label_map: the source's labels as written (``"0"``) -> ours (``"negative"``).
        pool: the file splits that train and dev (and test, without ``test``) are drawn from;
            empty when the files' own splits are train/dev/test (SST-2).
        test: the source's own test files, when it has them.
        dev_share, test_share: the hashed shares of ``pool`` held out.
        noisy: labels from distant supervision (emoticons): not a gold benchmark.
    """

    name: str
    domain: str
    labels: tuple[str, ...]
    label_map: dict[str, str]
    pool: tuple[str, ...] = ()
    test: tuple[str, ...] = ()
    dev_share: float = 0.0
    test_share: float = 0.0
    noisy: bool = False

    @property
    def splits(self) -> tuple[str, ...]:
        return SPLITS if self.pool else tuple(get_dataset(self.name).splits)


@functools.cache
def sentiment_datasets() -> dict[str, SentimentDataset]:
    """Every registered dataset with a ``sentiment`` section, by name, in manifest order."""
    found = {}
    for name in list_datasets():
        section = get_dataset(name).sentiment
        if section is None:
            continue
        found[name] = SentimentDataset(
            name=name,
            domain=section["domain"],
            labels=tuple(section["labels"]),
            label_map=dict(section.get("label_map", {})),
            pool=tuple(section.get("pool", ())),
            test=tuple(section.get("test", ())),
            dev_share=float(section.get("dev_share", 0.0)),
            test_share=float(section.get("test_share", 0.0)),
            noisy=bool(section.get("noisy", False)),
        )
    return found


def is_sentiment_dataset(name: str) -> bool:
    return name in sentiment_datasets()


def text_key(text: str) -> str:
    """What makes two texts the same for splitting and deduplicating: lower-cased words only,
    so that ``It's GREAT!`` and SST-style ``it 's great !`` are one text."""
    return _KEY.sub(" ", text.lower()).strip()


def _bucket(key: str) -> float:
    """A fixed number in [0, 1) for a text: its split does not depend on order or seed."""
    return int(hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest(), 16) / 2.0**64


def read_split(name: str, split: str, errors: str = "strict") -> list[LabeledText]:
    """The labelled texts of one split of a registered sentiment dataset, deduplicated.

    Args:
        name: a dataset of :func:`sentiment_datasets`.
        split: ``train``, ``dev`` or ``test`` (or a file split, e.g. ``sst2:phrases``).
        errors: ``strict`` fails on undecodable bytes naming file and line; ``replace``.

    Raises:
        DataError: unknown split, missing file, malformed line.
    """
    dataset = sentiment_datasets()[name]
    if split not in dataset.splits:
        raise DataError(
            f"dataset {name!r} has no split {split!r}; splits: {', '.join(dataset.splits)}"
        )
    if not dataset.pool:
        texts = _unique(_read_files(dataset, (split,), errors))
    elif split == "test" and dataset.test:  # the source's benchmark, row for row
        texts = list(_read_files(dataset, dataset.test, errors))
    else:
        texts = [t for t in _unique(_read_files(dataset, dataset.pool, errors)) if
                 _pool_split(dataset, text_key(t.text)) == split]  # fmt: skip
    if split not in ("dev", "test"):  # a training split (sst2's phrases too)
        held = held_out_keys()
        kept = [t for t in texts if text_key(t.text) not in held]
        if len(kept) < len(texts):
            log.info("%s %s: %d texts of dev or test splits left out", name, split,
                     len(texts) - len(kept))  # fmt: skip
        texts = kept
    if not texts:
        raise DataError(f"{name} {split}: no labelled texts")
    return texts


def _pool_split(dataset: SentimentDataset, key: str) -> str:
    bucket = _bucket(key)
    test_share = 0.0 if dataset.test else dataset.test_share
    if bucket < test_share:
        return "test"
    return "dev" if bucket < test_share + dataset.dev_share else "train"


def _unique(texts: Iterator[LabeledText]) -> list[LabeledText]:
    """Each text once (its first label), as the sources repeat tweets and sentences."""
    seen: set[str] = set()
    unique = []
    for text in texts:
        key = text_key(text.text)
        if key and key not in seen:
            seen.add(key)
            unique.append(text)
    return unique


def held_out_keys() -> frozenset[str]:
    """The :func:`text_key` of every dev and test text of the registered sentiment datasets
    found locally (those missing cannot leak into training either)."""
    return _held_out_keys(str(data_dir()), str(cache_dir()))


@functools.cache
def _held_out_keys(mirror: str, cache: str) -> frozenset[str]:
    """:func:`held_out_keys`, computed once per place the datasets are read from."""
    keys: set[str] = set()
    for name, dataset in sentiment_datasets().items():
        for split in ("dev", "test"):
            if split not in dataset.splits:
                continue
            try:
                texts = read_split(name, split, errors="replace")
            except DataError as exc:
                log.debug("%s %s not held out: %s", name, split, exc)
                continue
            keys.update(text_key(t.text) for t in texts)
    return frozenset(keys)


def _read_files(
    dataset: SentimentDataset, splits: tuple[str, ...], errors: str
) -> Iterator[LabeledText]:
    registered = get_dataset(dataset.name)
    for split in splits:
        for file in registered.select(split):
            (path,) = dataset_paths(dataset.name, file.split)
            for record in read_file(file, path, errors):
                label = dataset.label_map.get(record.label, record.label)
                if label not in dataset.labels:
                    raise DataError(
                        f"{path}: label {record.label!r} is not one of {', '.join(dataset.labels)}"
                    )
                yield LabeledText(record.text, label)


def read_file(file: DataFile, path: Path, errors: str = "strict") -> Iterator[LabeledText]:
    """The records of one dataset file in its manifest ``format`` (labels as written there).

    Formats: ``sst`` (``<label> <text>``), ``table`` (GLUE's headed TSV), ``csv`` (headed,
    the manifest names the columns), ``lines`` (a text per line, the file's ``label``),
    ``label_tab_text``, ``label_text`` (``<label> <text>``, lines without text skipped),
    ``tweet_tsv`` (``id<TAB>label<TAB>text``), ``pros_cons`` (``<Pros>text</Pros>``) and
    ``phrasebank`` (``text@label``).
    """
    options = dict(file.options)
    encoding = options.get("encoding", "utf-8")
    fixed = options.get("label")
    if file.format == "sst":
        yield from read_sst(path, errors=errors)
        return
    if file.format in ("table", "csv"):
        delimiter = "\t" if file.format == "table" else ","
        text_column = options.get("text_column", "sentence")
        label_column = options.get("label_column", "label")
        yield from read_table(path, text_column, label_column, delimiter, errors=errors)
        return
    for number, line in iter_lines(path, errors, encoding):
        if not line.strip():
            continue
        text, label = _parse(file.format, line, fixed)
        if text is None or not label:
            raise DataError(f"{path}:{number}: not a {file.format} line: {line[:60]!r}")
        if text.strip():
            yield LabeledText(text.strip(), label)


def _parse(format: str, line: str, fixed: str | None) -> tuple[str | None, str | None]:
    """(text, label) of one line, text None when the line does not fit the format."""
    if format == "lines":
        return line, fixed
    if format in ("label_tab_text", "label_text"):
        label, sep, text = line.partition("\t" if format == "label_tab_text" else " ")
        return (text, label.strip()) if sep else (None, None)
    if format == "tweet_tsv":
        fields = line.split("\t")
        return (fields[2], fields[1].strip()) if len(fields) >= 3 else (None, None)
    if format == "phrasebank":
        text, at, label = line.rpartition("@")
        return (text, label.strip()) if at else (None, None)
    if format == "pros_cons":
        match = _PROS_CONS.match(line)
        if match is None:
            return None, None
        return match.group(2), "positive" if match.group(1).lower() == "pros" else "negative"
    raise DataError(f"unknown sentiment file format {format!r}")
