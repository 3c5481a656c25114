"""Models for batch jobs: loaded once per process, keyed by path and content hash.

A Spark, Dask or Ray worker process runs many tasks (partitions) one after another; each
asks for its model here and only the first pays for the load. The key holds a hash of the
files, so a model replaced at the same path is loaded again rather than served stale; the
hash itself is computed once per file version (size and modification time).
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from seqnlp import serialization
from seqnlp.errors import ModelFileError
from seqnlp.tasks import TASKS

# (kind, directory, content hash) -> model; a new hash at a path evicts the old entry
_MODELS: dict[tuple[str, str, str], Any] = {}
# (path, stat signature) -> content hash
_HASHES: dict[tuple[str, tuple], str] = {}
_LOADS: Counter[str] = Counter()


def model_path(kind: str, path: str | os.PathLike | None) -> Path:
    """The absolute model path for ``kind``; None is the model shipped with seqnlp.

    Raises:
        ModelFileError: nothing at ``path`` (on a cluster: not readable from this worker).
    """
    if path is None:
        return serialization.default_model(kind)
    where = Path(path).expanduser().absolute()
    if not where.exists():
        raise ModelFileError(
            f"{where}: no such model directory on {os.uname().nodename} (pid {os.getpid()}); "
            "every worker must read it, or ship it with SparkContext.addFile"
        )
    return where


def content_hash(path: Path) -> str:
    """sha256 over the names and bytes of the files at ``path`` (a directory or a file)."""
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    signature = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    key = (str(path), signature)
    if key not in _HASHES:
        digest = hashlib.sha256()
        for file in files:
            digest.update(str(file.relative_to(path) if path.is_dir() else file.name).encode())
            with open(file, "rb") as f:
                while block := f.read(1 << 20):
                    digest.update(block)
        _HASHES[key] = digest.hexdigest()
    return _HASHES[key]


def load_model(kind: str, path: str | os.PathLike | None = None) -> Any:
    """The ``kind`` model at ``path`` (None: the shipped one), loaded at most once per
    process for each content of that path.

    Raises:
        ModelFileError: a missing, unreadable or foreign model.
    """
    where = model_path(kind, path)
    key = (kind, str(where), content_hash(where))
    model = _MODELS.get(key)
    if model is None:
        for stale in [k for k in _MODELS if k[:2] == key[:2]]:
            del _MODELS[stale]
        model = _MODELS[key] = TASKS[kind].load(where)
        _LOADS[kind] += 1
    return model


def load_count() -> int:
    """How many models this process has loaded (the load counter of the job statistics)."""
    return sum(_LOADS.values())


def one_blas_thread():
    """numpy's matrix products on one thread, for the duration of a ``with`` block.

    A batch job runs one worker per core; a second BLAS thread per worker only fights the
    other workers for the cores (OpenBLAS threads spin while they wait).
    """
    return threadpool_limits(limits=1, user_api="blas")


def resident_bytes() -> int:
    """This process's resident memory now (Linux), else its peak (other systems)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # pragma: no cover - not Linux
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024
