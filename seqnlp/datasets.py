"""The registry of named datasets: a manifest of files, found locally or downloaded.

Every file of a dataset is looked up, in order, in

1. ``$SEQNLP_DATA_DIR/<path>``: a local mirror laid out like ``../shared/data`` (the CLI's
   ``--data-dir`` option sets this variable);
2. ``<cache>/<path>``, where ``<cache>`` is :func:`cache_dir` (``$SEQNLP_CACHE_DIR/datasets``,
   by default ``~/.cache/seqnlp/datasets``), itself laid out like a mirror;
3. a download into the cache, only when asked for (:func:`download`, or ``download=True``).

A download streams into a temporary file next to its target, is checked against the
manifest's sha256 and only then renamed into place, so an interrupted or corrupted
download never takes the real file's place. Files found locally are checked by size
only, because hashing the 100 MB Wikipedia parts on every use is too slow;
:func:`verify` hashes them on demand (``seqnlp data verify``).

The manifest (``data/datasets.json``, installed as the ``seqnlp.data`` package) is read into
:class:`DataFile` and :class:`Dataset` records by :mod:`seqnlp.manifest`; this module finds,
downloads and verifies the files those records name.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from seqnlp.errors import DataError
from seqnlp.manifest import DataFile, Dataset, _registry, get_dataset, list_datasets
from seqnlp.manifest import _parse_manifest as _parse_manifest  # tests reach it here

log = logging.getLogger("seqnlp")

_CHUNK = 1 << 20
_TIMEOUT = 60.0
_MIRROR_HINT = "set SEQNLP_DATA_DIR (or --data-dir) to a local mirror that has the file"


@dataclass(frozen=True)
class Location:
    """Where a dataset file was found: ``where`` is "mirror", "cache" or "missing"."""

    file: DataFile
    path: Path | None
    where: str


@dataclass(frozen=True)
class FileCheck:
    """The result of hashing one local dataset file (``sha256`` is None when missing)."""

    file: DataFile
    path: Path | None
    sha256: str | None

    @property
    def status(self) -> str:
        """One of "ok", "missing" or "mismatch"."""
        if self.sha256 is None:
            return "missing"
        return "ok" if self.sha256 == self.file.sha256 else "mismatch"

    @property
    def ok(self) -> bool:
        return self.status == "ok"


# --------------------------------------------------------------------------- lookup


def data_dir() -> Path | None:
    """The local mirror named by ``SEQNLP_DATA_DIR``, or None when the variable is unset."""
    value = os.environ.get("SEQNLP_DATA_DIR", "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        raise DataError(f"SEQNLP_DATA_DIR={value}: not a directory")
    return path


def cache_root() -> Path:
    """seqnlp's cache: ``$SEQNLP_CACHE_DIR``, else ``~/.cache/seqnlp`` (``$XDG_CACHE_HOME``
    replaces ``~/.cache`` when set). The directory need not exist."""
    value = os.environ.get("SEQNLP_CACHE_DIR", "").strip()
    if value:
        return Path(value).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "seqnlp"


def cache_dir() -> Path:
    """Where downloads go: ``datasets`` under :func:`cache_root`."""
    return cache_root() / "datasets"


def _locate(file: DataFile) -> Location:
    mirror = data_dir()
    for where, root in (("mirror", mirror), ("cache", cache_dir())):
        if root is not None and (root / file.path).is_file():
            return Location(file, root / file.path, where)
    return Location(file, None, "missing")


def locate(name: str, split: str | None = None) -> list[Location]:
    """Where each file of ``name`` (one ``split``, or all) is, without raising when missing."""
    return [_locate(f) for f in get_dataset(name).select(split)]


def _check_size(location: Location) -> Path:
    assert location.path is not None
    file = location.file
    size = location.path.stat().st_size
    if size != file.size:
        raise DataError(
            f"{location.path}: {size} bytes, but the manifest expects {file.size} for "
            f"{file.label} (truncated or another version); run `seqnlp data verify "
            f"{file.dataset}`, or download it again with --force"
        )
    return location.path


def _missing(file: DataFile) -> DataError:
    mirror = data_dir()
    looked = f"mirror {mirror}" if mirror else "mirror (SEQNLP_DATA_DIR not set)"
    where = f"{file.label} ({file.path}) is in neither the {looked} nor the cache {cache_dir()}"
    if file.url is None:
        return DataError(f"{where}; it cannot be downloaded: {file.not_downloadable}")
    return DataError(
        f"{where}; run `seqnlp data download {file.dataset} {file.split}`, or {_MIRROR_HINT}"
    )


def dataset_paths(name: str, split: str | None = None, download: bool = False) -> list[Path]:
    """Local paths of the files of ``name``: one ``split``, or the whole dataset.

    Args:
        name: a registered dataset name (see :func:`list_datasets`).
        split: e.g. ``"train"``; None for every file of the dataset.
        download: fetch missing files into the cache instead of raising.

    Raises:
        DataError: unknown name or split, a missing file, or a local file of the wrong size.
    """
    files = get_dataset(name).select(split)
    locations = [_locate(f) for f in files]
    missing = [loc.file for loc in locations if loc.path is None]
    if missing and download:
        _download_files(missing, progress=None)
        locations = [_locate(f) for f in files]
    for loc in locations:
        if loc.path is None:
            raise _missing(loc.file)
    return [_check_size(loc) for loc in locations]


def dataset_path(name: str, split: str | None = None, download: bool = False) -> Path | list[Path]:
    """Like :func:`dataset_paths`, but a single file is returned as a plain ``Path``.

    ``dataset_path("ud-english-ewt", "train")`` is one ``Path``;
    ``dataset_path("enwiki-2015")`` is the list of both Wikipedia parts.
    """
    paths = dataset_paths(name, split, download)
    return paths[0] if len(paths) == 1 else paths


def resolve(
    name_or_path: str | os.PathLike, split: str | None = None, download: bool = False
) -> Path | list[Path]:
    """A user's file, or else a dataset's file(s): what ``--train NAME|FILE`` accepts.

    Args:
        name_or_path: an existing file (returned unchanged, ``split`` ignored) or a dataset name.
        split: the split to take when ``name_or_path`` is a dataset name.
        download: fetch a missing dataset file into the cache.

    Returns:
        A ``Path``, or a list of them for a multi-file dataset selection (see :func:`dataset_path`).
    """
    path = Path(name_or_path)
    if path.is_file():
        return path
    if path.expanduser().is_file():
        return path.expanduser()
    name = os.fspath(name_or_path)
    if name in _registry():
        return dataset_path(name, split, download)
    if path.exists():
        raise DataError(f"{path}: not a file")
    raise DataError(
        f"{name}: no such file, and not a dataset name; known datasets: {', '.join(_registry())}"
    )


# --------------------------------------------------------------------------- download


def download(
    name: str, split: str | None = None, force: bool = False, progress: bool | None = None
) -> Path | list[Path]:
    """Download the files of ``name`` (one ``split``, or all) into the cache.

    Files already present in the mirror or the cache are kept unless ``force``.

    Args:
        force: download again even when a local copy exists.
        progress: show a progress bar on stderr; None shows one only on a terminal.

    Returns:
        The local path(s), as :func:`dataset_path` gives them.

    Raises:
        DataError: unknown name/split, a file that cannot be downloaded, a network or
            HTTP error, or a checksum mismatch. Nothing is left behind on failure.
    """
    files = get_dataset(name).select(split)
    todo = files if force else [f for f in files if _locate(f).path is None]
    fetched = _download_files(todo, progress)
    paths = [fetched.get(f.path) or _check_size(_locate(f)) for f in files]
    return paths[0] if len(paths) == 1 else paths


def _download_files(files: list[DataFile], progress: bool | None) -> dict[str, Path]:
    """Fetch ``files`` into the cache; returns manifest path -> local path."""
    for file in files:  # refuse before fetching anything
        if file.url is None:
            raise DataError(f"{file.label} cannot be downloaded: {file.not_downloadable}")
    cache = cache_dir()
    fetched = {}
    for file in files:
        target = cache / file.path
        log.info("downloading %s from %s", file.label, file.url)
        _fetch(file, target, progress)
        log.info("saved %s", target)
        fetched[file.path] = target
    return fetched


def _progress_bar(total: int, description: str, progress: bool | None):
    from tqdm import tqdm  # lazy: only downloads pay for it

    return tqdm(
        total=total,
        desc=description,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        file=sys.stderr,
        disable=None if progress is None else not progress,
        leave=False,
    )


def _open(url: str):
    request = urllib.request.Request(url, headers={"User-Agent": "seqnlp"})
    try:
        return urllib.request.urlopen(request, timeout=_TIMEOUT)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise DataError(
            f"cannot download {url}: HTTP {exc.code} {exc.reason}; {_MIRROR_HINT}"
        ) from None
    except urllib.error.URLError as exc:
        raise DataError(f"cannot download {url}: {_describe(exc.reason)}; {_MIRROR_HINT}") from None
    except (OSError, http.client.HTTPException) as exc:
        raise DataError(f"cannot download {url}: {_describe(exc)}; {_MIRROR_HINT}") from None


def _describe(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, TimeoutError):
        return "timed out"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__


def _fetch(file: DataFile, target: Path, progress: bool | None) -> None:
    """Stream ``file.url`` to ``target``: temp file in the same directory, sha256, os.replace."""
    assert file.url is not None
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        received = 0
        with os.fdopen(fd, "wb") as out, _open(file.url) as response:
            with _progress_bar(file.size, file.label, progress) as bar:
                try:
                    while chunk := response.read(_CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        received += len(chunk)
                        bar.update(len(chunk))
                except (OSError, http.client.HTTPException) as exc:
                    raise DataError(
                        f"download of {file.url} broke off after {received} bytes "
                        f"({_describe(exc)}); try again, or {_MIRROR_HINT}"
                    ) from None
            out.flush()
            os.fsync(out.fileno())
        got = digest.hexdigest()
        if got != file.sha256:
            sizes = f"; got {received} of {file.size} bytes" if received != file.size else ""
            raise DataError(
                f"checksum mismatch for {file.url}: expected sha256 {file.sha256}, got {got}"
                f"{sizes}; the file was not saved"
            )
        os.replace(tmp, target)
    except BaseException:
        # also on KeyboardInterrupt: a partial download never stays behind
        tmp.unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- verify


def sha256(path: str | os.PathLike) -> str:
    """The sha256 of a file, read in chunks (the manifest's check, and what meta.json records)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify(name: str, split: str | None = None) -> list[FileCheck]:
    """Hash the local copy of each file of ``name`` (one ``split``, or all).

    Returns:
        One :class:`FileCheck` per file; ``check.ok`` is False for a missing or altered file.
    """
    checks = []
    for location in locate(name, split):
        got = sha256(location.path) if location.path is not None else None
        checks.append(FileCheck(location.file, location.path, got))
    return checks


__all__ = [
    "DataFile",
    "Dataset",
    "FileCheck",
    "Location",
    "cache_dir",
    "data_dir",
    "dataset_path",
    "dataset_paths",
    "download",
    "get_dataset",
    "list_datasets",
    "locate",
    "resolve",
    "sha256",
    "verify",
]
