"""Writing a model directory (:mod:`~seqnlp.serialization.models` gives its layout): saved
whole and swapped in atomically.

The whole directory is built beside the target and swapped in with ``os.replace``, so a reader
never sees a half-written model and an interrupted save leaves the previous one in place (moved
aside, where :func:`~seqnlp.serialization.models.moved_aside` finds it). Never imports torch.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import importlib.metadata
import logging
import os
import re
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from seqnlp.errors import ModelFileError
from seqnlp.serialization.atomic import (
    _as_arrays,
    _fsync_dir,
    _temp_name,
    save_tensors_atomic,
    write_json_atomic,
)
from seqnlp.serialization.models import (
    CONFIG_FILE,
    FORMAT_VERSION,
    META_FILE,
    RESERVED_CONFIG_KEYS,
    VOCAB_FILE,
    WEIGHTS_FILE,
    moved_aside,
)
from seqnlp.version import __version__

log = logging.getLogger("seqnlp")


def _versions() -> dict[str, str]:
    versions = {"seqnlp": __version__, "python": sys.version.split()[0]}
    for dist in ("torch", "gensim", "numpy", "safetensors"):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            pass
    return versions


def _make_temp_dir(target: Path) -> Path:
    # os.mkdir honours the umask; tempfile.mkdtemp would leave the model directory 0700.
    while True:
        tmp = _temp_name(target)
        try:
            tmp.mkdir()
            return tmp
        except FileExistsError:
            continue


def _swap_in(tmp: Path, target: Path) -> None:
    """Move the finished directory ``tmp`` to ``target``, replacing an existing model.

    POSIX cannot atomically exchange two directories, so the old model is renamed aside
    first; if moving the new one in fails, the old one is put back. Between the two renames
    (microseconds) ``target`` does not exist: a reader then gets a clear "no such model"
    error, never a mix of old and new files.
    """
    old = None
    if target.exists():
        old = _temp_name(target, "old")
        os.replace(target, old)
    try:
        os.replace(tmp, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    _fsync_dir(target.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def recover_interrupted_save(target: str | os.PathLike) -> None:
    """Tidy up after a process killed (``kill -9``) while saving ``target``.

    An interrupted write leaves ``.<name>.tmp-*`` files or directories beside ``target``;
    a model swap cut between its two renames leaves no ``target`` and the previous model
    at ``.<name>.old-*``. The previous model is put back and the leftovers removed. Call it
    only where this process is the one writer of ``target`` (training owns its output).
    """
    target = Path(target)
    if not target.parent.is_dir():
        return
    aside = moved_aside(target) if not target.exists() else None
    if aside is not None:
        os.replace(aside, target)
        log.warning("%s: put back the model that an interrupted save had moved aside", target)
    olds = target.parent.glob(f".{target.name}.old-*")
    for leftover in [*olds, *target.parent.glob(f".{target.name}.tmp-*")]:
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


def save_model(
    directory: str | os.PathLike,
    *,
    kind: str,
    config: Mapping[str, Any] | Any,
    tensors: Mapping[str, Any],
    vocab: Mapping[str, Any] | None = None,
    meta: Mapping[str, Any] | None = None,
    overwrite: bool = False,
) -> Path:
    """Save a model directory atomically.

    Args:
        directory: the model directory to create (parents are created too).
        kind: what the model is, e.g. "tagger", "sentiment", "vectors".
        config: the config dataclass (or its ``asdict``); it must rebuild the network exactly.
        tensors: name -> array, e.g. a state_dict converted to numpy.
        vocab: vocabularies and label sets as plain data; no vocab.json when None.
        meta: e.g. ``{"data": [{"name": ..., "sha256": ...}], "metrics": {...}}``;
            ``created``, ``versions`` and ``parameters`` are filled in (``parameters`` always
            from the tensors).
        overwrite: replace an existing model at ``directory``. A directory that is not a
            seqnlp model (and not empty) is never replaced.

    Returns:
        The model directory.

    Raises:
        ModelFileError: ``directory`` exists and may not be replaced.
        TypeError, ValueError: the config, vocab or meta are not JSON (NaN included), or a
            tensor is not an array; an existing model at ``directory`` is left untouched.
    """
    target = Path(directory)
    if not isinstance(kind, str) or not re.fullmatch(r"[a-z][a-z0-9_-]*", kind):
        raise ValueError(f"kind must be a lower-case name such as 'tagger', got {kind!r}")
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        config = dataclasses.asdict(config)
    if not isinstance(config, Mapping):
        raise TypeError(f"config must be a dataclass or a mapping, not {type(config).__name__}")
    clash = [key for key in RESERVED_CONFIG_KEYS if key in config]
    if clash:
        raise ValueError(f"config must not contain the reserved keys {clash}")
    _check_target(target, overwrite)

    arrays = _as_arrays(tensors)
    full_meta = {"created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")}
    full_meta["versions"] = _versions()
    full_meta.update(meta or {})
    full_meta["parameters"] = sum(int(a.size) for a in arrays.values())
    full_config = {"kind": kind, "format_version": FORMAT_VERSION, **config}

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _make_temp_dir(target)
    try:
        save_tensors_atomic(tmp / WEIGHTS_FILE, arrays, metadata={"format": "np"})
        if vocab is not None:
            write_json_atomic(tmp / VOCAB_FILE, vocab)
        write_json_atomic(tmp / META_FILE, full_meta)
        # config.json last: it is what marks a directory as a model.
        write_json_atomic(tmp / CONFIG_FILE, full_config)
        _fsync_dir(tmp)
        _check_target(target, overwrite)  # another process may have created it meanwhile
        _swap_in(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("saved %s model to %s (%s parameters)", kind, target, f"{full_meta['parameters']:,}")
    return target


def _check_target(target: Path, overwrite: bool) -> None:
    if not target.exists() and not target.is_symlink():
        return
    if not target.is_dir() or target.is_symlink():
        raise ModelFileError(
            f"{target} exists and is not a model directory; refusing to replace it"
        )
    if not overwrite:
        raise ModelFileError(f"{target} already exists; choose another name or overwrite it")
    if not (target / CONFIG_FILE).is_file() and any(target.iterdir()):
        raise ModelFileError(
            f"{target} is not a seqnlp model directory (no {CONFIG_FILE}); refusing to replace it"
        )
