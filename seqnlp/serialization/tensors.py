"""Tensors on disk: safetensors headers and data read without pickle, shapes checked, and
compact storage (float16, int8 rows with one scale each)."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import safetensors
import safetensors.numpy

from seqnlp.errors import ModelFileError, SeqnlpError

_PICKLE_MAGIC = b"\x80"  # PROTO opcode: every pickle of protocol 2 or later starts with it
_ZIP_MAGIC = b"PK\x03\x04"  # torch.save's default format is a zip archive holding a pickle


@dataclass(frozen=True)
class TensorInfo:
    """A tensor as described by a safetensors header: no data is read."""

    dtype: str  # numpy-style name, e.g. "float32"; "bfloat16" for BF16
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))


def _sniff_unsafe(path: Path) -> str | None:
    """Name the format of a file that is plainly not safetensors but a pickle in disguise."""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        return None
    if head.startswith(_ZIP_MAGIC):
        return "a zip archive (e.g. a torch.save checkpoint)"
    if head.startswith(_PICKLE_MAGIC):
        return "a pickle (e.g. a torch.save or pickle.dump file)"
    return None


def _safetensors_error(path: Path, exc: Exception) -> ModelFileError:
    unsafe = _sniff_unsafe(path)
    if unsafe:
        return ModelFileError(
            f"{path} is not a safetensors file but {unsafe}; seqnlp never unpickles model files"
        )
    reason = " ".join(str(exc).split()) or type(exc).__name__
    return ModelFileError(f"{path} is not a valid safetensors file ({reason})")


_DTYPE_NAMES = {
    "BOOL": "bool",
    "U8": "uint8",
    "I8": "int8",
    "U16": "uint16",
    "I16": "int16",
    "U32": "uint32",
    "I32": "int32",
    "U64": "uint64",
    "I64": "int64",
    "F16": "float16",
    "BF16": "bfloat16",
    "F32": "float32",
    "F64": "float64",
}


def read_tensor_info(path: str | os.PathLike) -> dict[str, TensorInfo]:
    """Names, dtypes and shapes from a safetensors header, without reading tensor data.

    Raises:
        ModelFileError: the file is missing, truncated, corrupted or a renamed pickle.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path} does not exist")
    try:
        with safetensors.safe_open(path, framework="numpy") as f:
            infos = {}
            for name in f.keys():
                sl = f.get_slice(name)
                dtype = str(sl.get_dtype())
                infos[name] = TensorInfo(_DTYPE_NAMES.get(dtype, dtype), tuple(sl.get_shape()))
            return infos
    except (safetensors.SafetensorError, OSError, ValueError, TypeError) as exc:
        raise _safetensors_error(path, exc) from None


def load_tensors(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read every tensor of a safetensors file as numpy arrays.

    Raises:
        ModelFileError: the file is missing, truncated, corrupted, a renamed pickle, or holds
            a dtype numpy lacks (bfloat16).
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path} does not exist")
    try:
        return safetensors.numpy.load_file(path)
    except (safetensors.SafetensorError, OSError, ValueError, TypeError) as exc:
        raise _safetensors_error(path, exc) from None


# ------------------------------------------------------------------ compact weight storage

STORAGE_DTYPES = ("float32", "float16", "int8")


def check_storage_dtype(dtype: str) -> None:
    """Raise a user-facing error unless ``dtype`` is one of :data:`STORAGE_DTYPES`."""
    if dtype not in STORAGE_DTYPES:
        raise SeqnlpError(f"dtype must be one of {STORAGE_DTYPES}, got {dtype!r}")


def quantize_rows(name: str, matrix: Any, dtype: str) -> dict[str, np.ndarray]:
    """The tensors that store ``matrix`` as ``dtype``.

    ``float32``/``float16`` are a cast; ``int8`` keeps one int8 row per word with a float32
    scale each (``<name>_scale``), a quarter of float32 for embedding tables at a cost the
    benchmarks cannot measure (see the README).
    """
    check_storage_dtype(dtype)
    if dtype != "int8":
        return {name: np.ascontiguousarray(matrix, dtype=dtype)}
    matrix = np.asarray(matrix, dtype=np.float32)
    scale = np.abs(matrix).max(axis=1) / 127
    scale[scale == 0] = 1.0
    quantized = np.round(matrix / scale[:, None]).astype(np.int8)
    return {name: quantized, f"{name}_scale": scale.astype(np.float32)}


def compact(
    tensors: Mapping[str, Any], dtype: str, rows: Collection[str] = ()
) -> dict[str, np.ndarray]:
    """The tensors to write for a model saved as ``dtype`` (one of :data:`STORAGE_DTYPES`).

    The ``rows`` tensors (embedding tables: most of a model) are stored as ``dtype`` by
    :func:`quantize_rows`; every other tensor is float32 when ``dtype`` is float32 and
    float16 otherwise. Prediction computes in float32 whatever is stored.
    """
    check_storage_dtype(dtype)
    other = "float32" if dtype == "float32" else "float16"
    out: dict[str, np.ndarray] = {}
    for name, tensor in tensors.items():
        if name in rows:
            out.update(quantize_rows(name, tensor, dtype))
        else:
            out[name] = np.ascontiguousarray(tensor, dtype=other)
    return out


def expect_row_scales(
    expected: Mapping[str, tuple[int | None, ...]], tensors: Mapping[str, Any]
) -> dict[str, tuple[int | None, ...]]:
    """``expected`` plus the scale vector of every expected tensor stored as int8 rows."""
    shapes = dict(expected)
    for name, shape in expected.items():
        if name in tensors and tensors[name].dtype == np.int8:
            shapes[f"{name}_scale"] = tuple(shape[:1])
    return shapes


def dequantize_rows(tensors: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The tensors with int8 rows turned back into float32 and their scales dropped.

    Call it after :func:`check_shapes` with :func:`expect_row_scales`, which guarantees
    that every int8 table has its scale.
    """
    out = {}
    for name, tensor in tensors.items():
        if name.endswith("_scale") and name[: -len("_scale")] in tensors:
            continue
        if tensor.dtype == np.int8:
            tensor = tensor.astype(np.float32) * tensors[f"{name}_scale"][:, None]
        out[name] = tensor
    return out


def check_shapes(
    tensors: Mapping[str, Any],
    expected: Mapping[str, tuple[int | None, ...]],
    *,
    source: str | os.PathLike | None = None,
) -> None:
    """Check tensor names and shapes against what a model's config implies.

    Args:
        tensors: name -> array (or anything with ``.shape``, or a shape tuple).
        expected: name -> shape; ``None`` in a shape matches any size.
        source: the file or directory to name in the message.

    Raises:
        ModelFileError: one line listing every wrong shape, missing and unexpected tensor.
    """
    problems = []
    for name, want in expected.items():
        if name not in tensors:
            problems.append(f"missing tensor {name!r}")
            continue
        value = tensors[name]
        found = tuple(int(d) for d in (value.shape if hasattr(value, "shape") else value))
        want = tuple(want)
        if len(found) != len(want) or any(
            w is not None and w != f for w, f in zip(want, found, strict=True)
        ):
            shown = "(" + ", ".join("*" if w is None else str(w) for w in want) + ")"
            problems.append(f"tensor {name!r} has shape {found}, expected {shown}")
    problems += [f"unexpected tensor {name!r}" for name in tensors if name not in expected]
    if problems:
        where = f"{source}: " if source is not None else ""
        raise ModelFileError(where + "; ".join(problems))


def check_finite(tensors: Mapping[str, Any], *, source: str | os.PathLike | None = None) -> None:
    """Check that no floating-point tensor holds a NaN or an infinity.

    A damaged or badly trained weights file can still parse and have the right shapes; its
    NaNs would then reach every score (a tagger answering one tag for every word). One
    float64 sum per tensor is finite exactly when every value is, and costs no temporary
    array (milliseconds for the shipped vectors).

    Raises:
        ModelFileError: one line naming the first tensor with a non-finite value.
    """
    for name, tensor in tensors.items():
        array = np.asarray(tensor)
        if array.dtype.kind != "f" or np.isfinite(np.sum(array, dtype=np.float64)):
            continue
        count = int(array.size - np.isfinite(array).sum())
        if not count:  # float64 values so large that their sum overflows
            continue
        where = f"{source}: " if source is not None else ""
        raise ModelFileError(
            f"{where}tensor {name!r} holds {count} NaN or infinite value"
            f"{'s' if count != 1 else ''}; the weights file is damaged"
        )
