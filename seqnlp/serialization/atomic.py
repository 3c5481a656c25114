"""Atomic writes: a reader sees the old file or the new one, never a half-written one.

Each write goes to a temporary file beside its target, is fsynced and renamed over it with
``os.replace``; :mod:`seqnlp.serialization.models` builds model directories the same way.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import safetensors.numpy


def _fsync_dir(path: Path) -> None:
    """Make a rename inside ``path`` durable (POSIX only; Windows cannot open directories)."""
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _temp_name(path: Path, tag: str = "tmp") -> Path:
    return path.with_name(f".{path.name}.{tag}-{secrets.token_hex(4)}")


@contextmanager
def atomic_target(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a fresh temp path beside ``path``; on success fsync it and rename it over ``path``.

    The temp file is created with ``os.open(..., 0o666)`` rather than ``tempfile.mkstemp``,
    whose 0600 mode would survive the rename and make shipped model files unreadable to others.
    """
    path = Path(path)
    while True:
        tmp = _temp_name(path)
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:
            continue
    mode = stat.S_IMODE(tmp.stat().st_mode)  # 0o666 less the umask
    try:
        yield tmp
        if stat.S_IMODE(tmp.stat().st_mode) != mode:  # a writer that recreated the file 0600
            os.chmod(tmp, mode)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see either the old file or the new one.

    Args:
        path: destination file; its directory must exist.
        data: the complete new content.
    """
    with atomic_target(path) as tmp, open(tmp, "wb") as f:
        f.write(data)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.floating) and obj.dtype.itemsize < 8:
        return float(str(obj))  # shortest repr: float32(0.9) -> 0.9, not 0.8999999761581421
    if isinstance(obj, np.generic | np.ndarray):
        return obj.tolist()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if isinstance(obj, set | frozenset):
        return sorted(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


def write_json_atomic(path: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as UTF-8 JSON to ``path`` atomically (temp file, fsync, ``os.replace``).

    NumPy scalars and arrays, paths and dataclasses are converted to plain JSON. NaN and
    infinity are refused (``ValueError``) because they are not JSON and other readers choke
    on them; the file is left untouched when encoding fails.

    Args:
        path: destination file; its directory must exist.
        obj: a JSON-compatible object.
    """
    text = json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False, default=_json_default)
    write_bytes_atomic(path, (text + "\n").encode("utf-8"))


def _as_arrays(tensors: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Contiguous NumPy arrays: ``safetensors.numpy`` copies raw memory from the data pointer,
    so a non-contiguous view (e.g. a transpose) would be saved scrambled without this."""
    arrays: dict[str, np.ndarray] = {}
    for name, value in tensors.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"tensor names must be non-empty strings, got {name!r}")
        if not isinstance(value, np.ndarray) and hasattr(value, "detach"):
            value = value.detach().cpu().numpy()  # a torch tensor; no torch import needed
        if not isinstance(value, np.ndarray):
            raise TypeError(f"tensor {name!r} is a {type(value).__name__}, not a numpy array")
        if value.dtype.hasobject:
            raise TypeError(f"tensor {name!r} has dtype object, which safetensors cannot store")
        arrays[name] = np.ascontiguousarray(value)
    return arrays


def save_tensors_atomic(
    path: str | os.PathLike,
    tensors: Mapping[str, Any],
    metadata: Mapping[str, str] | None = None,
) -> None:
    """Write tensors to a safetensors file atomically (used for weights and checkpoints).

    Args:
        path: destination file; its directory must exist.
        tensors: name -> numpy array (a torch tensor is converted with ``.detach().cpu()``).
        metadata: optional string -> string entries for the safetensors header.
    """
    arrays = _as_arrays(tensors)
    with atomic_target(path) as tmp:
        safetensors.numpy.save_file(arrays, tmp, metadata=dict(metadata) if metadata else None)
