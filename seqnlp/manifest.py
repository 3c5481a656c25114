"""The dataset manifest: ``data/datasets.json`` read, checked, and turned into records.

A :class:`Dataset` names its :class:`DataFile` s, each with its split, path (relative to a
mirror or the cache), url, sha256, size, license and reader; :mod:`seqnlp.datasets` finds,
downloads and verifies them. Errors name the manifest entry at fault.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from seqnlp.errors import DataError

MANIFEST = "datasets.json"
MANIFEST_VERSION = 1
_SHA256 = re.compile(r"[0-9a-f]{64}")
_READER_OPTIONS = ("label", "encoding", "text_column", "label_column")


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset, as the manifest describes it."""

    dataset: str
    split: str
    path: str  # relative to a mirror or the cache, "/"-separated
    url: str | None  # None: not downloadable, see ``not_downloadable``
    sha256: str
    size: int
    license: str
    format: str  # the reader: seqnlp.corpus.read_<format>
    description: str
    not_downloadable: str | None = None
    # how the reader takes this file: a fixed label, an encoding, column names (reader options)
    options: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        return f"{self.dataset} {self.split}"


@dataclass(frozen=True)
class Dataset:
    """A named dataset: its files, each belonging to one split."""

    name: str
    description: str
    license: str
    source: str
    homepage: str | None
    files: tuple[DataFile, ...]
    # labelled text: its domain, classes and how train/dev/test are made (seqnlp.labelled)
    sentiment: dict | None = None

    @property
    def splits(self) -> list[str]:
        """Split names in manifest order."""
        return list(dict.fromkeys(f.split for f in self.files))

    @property
    def size(self) -> int:
        """Total size in bytes of all files."""
        return sum(f.size for f in self.files)

    def select(self, split: str | None = None) -> list[DataFile]:
        """The files of ``split``, or of the whole dataset when ``split`` is None.

        Raises:
            DataError: the dataset has no such split (the message lists its splits).
        """
        if split is None:
            return list(self.files)
        chosen = [f for f in self.files if f.split == split]
        if not chosen:
            raise DataError(
                f"dataset {self.name!r} has no split {split!r}; splits: {', '.join(self.splits)}"
            )
        return chosen


def _parse_manifest(data: dict) -> dict[str, Dataset]:
    """Validate the manifest's JSON and build the datasets (errors name the entry)."""

    def fail(where: str, what: str) -> DataError:
        return DataError(f"dataset manifest {MANIFEST}: {where}: {what}")

    if not isinstance(data, dict) or data.get("manifest_version") != MANIFEST_VERSION:
        raise fail("top level", f"expected manifest_version {MANIFEST_VERSION}")
    registry: dict[str, Dataset] = {}
    for name, entry in data.get("datasets", {}).items():
        files = []
        for number, raw in enumerate(entry.get("files", []), start=1):
            where = f"{name} file {number}"
            try:
                file = DataFile(
                    dataset=name,
                    split=str(raw["split"]),
                    path=str(raw["path"]),
                    url=raw["url"],
                    sha256=str(raw["sha256"]),
                    size=int(raw["size"]),
                    license=str(raw["license"]),
                    format=str(raw["format"]),
                    description=str(raw["description"]),
                    not_downloadable=raw.get("not_downloadable"),
                    options=tuple((k, str(raw[k])) for k in _READER_OPTIONS if k in raw),
                )
            except KeyError as exc:
                raise fail(where, f"missing key {exc}") from None
            except (TypeError, ValueError) as exc:
                raise fail(where, str(exc)) from None
            relative = PurePosixPath(file.path)
            if not file.split or relative.is_absolute() or ".." in relative.parts:
                raise fail(where, f"split and a relative path are required, got {file.path!r}")
            if not _SHA256.fullmatch(file.sha256):
                raise fail(where, f"sha256 must be 64 lower-case hex digits, got {file.sha256!r}")
            if file.url is None and not file.not_downloadable:
                raise fail(where, "a file without url needs a not_downloadable message")
            files.append(file)
        if not files:
            raise fail(name, "no files")
        registry[name] = Dataset(
            name=name,
            description=str(entry.get("description", "")),
            license=str(entry.get("license", "")),
            source=str(entry.get("source", "")),
            homepage=entry.get("homepage"),
            files=tuple(files),
            sentiment=entry.get("sentiment"),
        )
    return registry


@functools.cache
def _registry() -> dict[str, Dataset]:
    # Tests patch entries of this (cached, mutable) dict with monkeypatch.setitem.
    text = importlib.resources.files("seqnlp.data").joinpath(MANIFEST).read_text("utf-8")
    return _parse_manifest(json.loads(text))


def list_datasets() -> list[str]:
    """Names of the registered datasets, in manifest order."""
    return list(_registry())


def get_dataset(name: str) -> Dataset:
    """The manifest entry of ``name``.

    Raises:
        DataError: unknown name (the message lists the known names).
    """
    registry = _registry()
    if name not in registry:
        raise DataError(f"unknown dataset {name!r}; known datasets: {', '.join(registry)}")
    return registry[name]
