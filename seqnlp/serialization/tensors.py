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

    Raises:
        ModelFileError: a value is not finite, or becomes infinite in float16 (a training
            run that diverged): such weights are never written.
    """
    check_storage_dtype(dtype)
    other = "float32" if dtype == "float32" else "float16"
    out: dict[str, np.ndarray] = {}
    with np.errstate(over="ignore", invalid="ignore"):
        for name, tensor in tensors.items():
            if name in rows:
                out.update(quantize_rows(name, tensor, dtype))
            else:
                out[name] = np.ascontiguousarray(tensor, dtype=other)
        try:
            check_finite(out)
        except ModelFileError as exc:
            stored = f" once stored as {other} (largest value 65504)" if other == "float16" else ""
            raise ModelFileError(
                f"not saved: {exc.args[0].split('; ')[0]}{stored}; the training has diverged: "
                "train with a smaller learning rate"
            ) from None
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


def dequantize(rows: Any, scale: Any = None) -> np.ndarray:
    """Stored rows (int8 with one ``scale`` each, or float16) as float32: the one way back
    from :func:`quantize_rows`, for whole tables (:func:`dequantize_rows`) and for the rows
    a mapped table reads on demand (:class:`seqnlp.embeddings.storage.QuantizedRows`)."""
    out = np.asarray(rows, dtype=np.float32)
    if scale is None:
        return out
    scale = np.asarray(scale, dtype=np.float32)
    return out * (scale[..., None] if out.ndim > scale.ndim else scale)


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
            tensor = dequantize(tensor, tensors[f"{name}_scale"])
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


# ------------------------------------------------------------------ memory-mapped reading

_SAFETENSORS_DTYPES = {
    "BOOL": np.bool_,
    "U8": np.uint8,
    "I8": np.int8,
    "U16": np.uint16,
    "I16": np.int16,
    "U32": np.uint32,
    "I32": np.int32,
    "U64": np.uint64,
    "I64": np.int64,
    "F16": np.float16,
    "F32": np.float32,
    "F64": np.float64,
}


class MappedTensors:
    """The tensors of a safetensors file as read-only numpy views of one memory map.

    Opening reads only the header; a tensor's pages are read from disk (or the page cache)
    when they are touched, so a 3.6 GB table opens in milliseconds. Nothing is unpickled:
    the format is an 8-byte little-endian header length, a JSON header (dtype, shape,
    data_offsets of each tensor) and the raw data.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        import json
        import mmap
        import struct

        self.path = Path(path)
        if not self.path.is_file():
            raise ModelFileError(f"{self.path} does not exist")
        size = self.path.stat().st_size
        try:
            with open(self.path, "rb") as f:
                (length,) = struct.unpack("<Q", f.read(8))
                if not 2 <= length <= min(size - 8, 100 << 20):
                    raise ValueError(f"header length {length} does not fit a {size}-byte file")
                header = json.loads(f.read(length).decode("utf-8"))
                if not isinstance(header, dict):
                    raise ValueError("the header is not a JSON object")
                self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else None
        except (OSError, ValueError, struct.error, UnicodeDecodeError) as exc:
            raise _safetensors_error(self.path, exc) from None
        start = 8 + length
        self.arrays: dict[str, np.ndarray] = {}
        self.offsets: dict[str, int] = {}
        metadata = header.get("__metadata__", {})
        if not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
        ):
            raise _safetensors_error(self.path, ValueError("metadata must map strings to strings"))
        spans = []
        for name, spec in header.items():
            if name == "__metadata__":
                continue
            try:
                dtype = np.dtype(_SAFETENSORS_DTYPES[spec["dtype"]]).newbyteorder("<")
                shape = tuple(int(d) for d in spec["shape"])
                begin, end = (int(x) for x in spec["data_offsets"])
                count = int(np.prod(shape, dtype=np.int64))
                if begin < 0 or end != begin + count * dtype.itemsize or start + end > size:
                    raise ValueError(f"tensor {name!r} lies outside the file or has a bad size")
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                if isinstance(exc, KeyError):
                    exc = ValueError(f"tensor {name!r}: a missing field or an unknown dtype")
                raise _safetensors_error(self.path, exc) from None
            spans.append((begin, end))
            self.offsets[name] = start + begin
            self.arrays[name] = np.frombuffer(
                self._map, dtype=dtype, count=count, offset=start + begin
            ).reshape(shape)

        spans.sort()
        covered = 0
        for begin, end in spans:  # the data must be the tensors, back to back, nothing else
            if begin != covered:
                raise _safetensors_error(self.path, ValueError("tensors overlap or leave gaps"))
            covered = end
        if start + covered != size:
            raise _safetensors_error(
                self.path,
                ValueError(f"{size - start} bytes of data, the header describes {covered}"),
            )

    @property
    def map_bytes(self):
        """The whole file as a read-only buffer with ``find`` (an ``mmap``), or b"" if empty."""
        return self._map if self._map is not None else b""

    def release(self, name: str, first_row: int, end_row: int) -> None:
        """Drop the pages of rows ``[first_row, end_row)`` of ``name`` from this process.

        They stay in the page cache, so reading them again is cheap, but they stop counting
        in this process's resident memory: a scan over a 3.6 GB table stays at one chunk.
        """
        import mmap

        array = self.arrays[name]
        if self._map is None or not hasattr(self._map, "madvise") or not array.size:
            return
        row = array.strides[0]
        page = mmap.PAGESIZE
        begin = -(-(self.offsets[name] + first_row * row) // page) * page  # round up
        end = (self.offsets[name] + end_row * row) // page * page  # round down
        if end > begin:
            self._map.madvise(mmap.MADV_DONTNEED, begin, end - begin)


def map_tensors(path: str | os.PathLike) -> MappedTensors:
    """Memory-map a safetensors file without reading its data or unpickling anything.

    Raises:
        ModelFileError: the file is missing, truncated, corrupted or a renamed pickle.
    """
    return MappedTensors(path)
