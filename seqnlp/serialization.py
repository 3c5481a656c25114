"""Model files: weights as safetensors, config/vocab/meta as JSON, written atomically.

A model is a directory::

    my-model/
      config.json          {"kind": "tagger", "format_version": 1, ...config dataclass fields}
      weights.safetensors  every tensor, written with ``safetensors.numpy``
      vocab.json           vocabularies and label sets as plain data (optional per kind)
      meta.json            training data, metrics, versions, date, parameter count

Saving builds the whole directory beside the target and swaps it in with ``os.replace``, so
a reader never sees a half-written model and an interrupted save leaves the previous one in
place. Loading validates every piece and never unpickles: tensors come only from
safetensors and everything else from JSON. Neither direction imports torch.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import importlib.metadata
import json
import logging
import os
import re
import secrets
import shutil
import stat
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import safetensors
import safetensors.numpy

from seqnlp import __version__
from seqnlp.errors import ModelFileError, SeqnlpError

log = logging.getLogger("seqnlp")

FORMAT_VERSION = 1
SUPPORTED_FORMAT_VERSIONS = frozenset({1})

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.safetensors"
VOCAB_FILE = "vocab.json"
META_FILE = "meta.json"
MODEL_FILES = (CONFIG_FILE, WEIGHTS_FILE, VOCAB_FILE, META_FILE)

# Keys that save_model adds to config.json; a config dataclass must not use them as fields.
RESERVED_CONFIG_KEYS = ("kind", "format_version")

# Default models shipped inside the package, in seqnlp/models/<name>/.
DEFAULT_MODELS = ("embeddings", "sentiment", "tagger")
DEFAULT_MODELS_DIR = Path(__file__).resolve().parent / "models"

_PICKLE_MAGIC = b"\x80"  # PROTO opcode: every pickle of protocol 2 or later starts with it
_ZIP_MAGIC = b"PK\x03\x04"  # torch.save's default format is a zip archive holding a pickle
_LOAD_ATTEMPTS = 5  # reads of a model directory that keeps being replaced meanwhile


@dataclasses.dataclass(frozen=True)
class LoadedModel:
    """A validated model directory.

    ``config`` is config.json without ``kind`` and ``format_version``, ready for
    ``SomeConfig(**config)``; ``vocab`` is None when the model has no vocab.json and
    ``meta`` is empty when it has no meta.json.
    """

    kind: str
    config: dict[str, Any]
    tensors: dict[str, np.ndarray]
    vocab: dict[str, Any] | None
    meta: dict[str, Any]
    path: Path


@dataclasses.dataclass(frozen=True)
class TensorInfo:
    """A tensor as described by a safetensors header: no data is read."""

    dtype: str  # numpy-style name, e.g. "float32"; "bfloat16" for BF16
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))


# ---------------------------------------------------------------- atomic writes


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
def _atomic_target(path: str | os.PathLike) -> Iterator[Path]:
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
    with _atomic_target(path) as tmp, open(tmp, "wb") as f:
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
    with _atomic_target(path) as tmp:
        safetensors.numpy.save_file(arrays, tmp, metadata=dict(metadata) if metadata else None)


# ---------------------------------------------------------------- saving models


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
    aside = _moved_aside(target) if not target.exists() else None
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
        kind: what the model is, e.g. "tagger", "sentiment", "embeddings".
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
    full_meta = {"created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
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


# ---------------------------------------------------------------- loading models


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ModelFileError(f"{path} is not a UTF-8 JSON file") from None
    except OSError as exc:
        raise ModelFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelFileError(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None


def _read_json_object(path: Path) -> dict[str, Any]:
    obj = _read_json(path)
    if not isinstance(obj, dict):
        raise ModelFileError(f"{path} must hold a JSON object, not {type(obj).__name__}")
    return obj


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


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _read_config(directory: Path, expected_kind: str | None) -> tuple[str, int, dict[str, Any]]:
    """Check that ``directory`` is a model of a supported format and the expected kind."""
    if not directory.exists():
        raise ModelFileError(f"{directory} does not exist")
    if not directory.is_dir():
        hint = ""
        if directory.name in MODEL_FILES:
            hint = f"; pass the directory that holds it, {directory.parent}"
        raise ModelFileError(f"{directory} is a file, not a seqnlp model directory{hint}")
    config_path = directory / CONFIG_FILE
    if not config_path.is_file():
        raise ModelFileError(f"{directory} is not a seqnlp model directory (no {CONFIG_FILE})")
    config = _read_json_object(config_path)
    version = config.pop("format_version", None)
    if version is None:
        raise ModelFileError(f"{config_path} has no format_version; it is not a seqnlp model")
    if type(version) is not int or version not in SUPPORTED_FORMAT_VERSIONS:  # not bool, list
        supported = ", ".join(str(v) for v in sorted(SUPPORTED_FORMAT_VERSIONS))
        newer = isinstance(version, int) and version > max(SUPPORTED_FORMAT_VERSIONS)
        raise ModelFileError(
            f"{directory} has model format version {version!r}; this seqnlp {__version__} reads "
            f"version {supported}" + (" (upgrade seqnlp to load it)" if newer else "")
        )
    kind = config.pop("kind", None)
    if not isinstance(kind, str) or not kind:
        raise ModelFileError(f"{config_path} does not say which kind of model it is (no 'kind')")
    if expected_kind is not None and kind != expected_kind:
        raise ModelFileError(
            f"{directory} is {_article(kind)} {kind} model, "
            f"not {_article(expected_kind)} {expected_kind} model"
        )
    return kind, version, config


def _read_optional(directory: Path, name: str) -> dict[str, Any] | None:
    path = directory / name
    return _read_json_object(path) if path.exists() else None


def _require_weights(directory: Path) -> Path:
    path = directory / WEIGHTS_FILE
    if not path.is_file():
        raise ModelFileError(f"{directory} is missing {WEIGHTS_FILE}")
    return path


def config_from_dict(
    cls: type, data: Mapping[str, Any], source: str | os.PathLike, *, strict: bool = True
) -> Any:
    """Rebuild a config dataclass from config.json, checking every value's type first.

    A field's default says its type (``True`` a bool, ``1`` an int that is no bool, ``0.5``
    a number), so ``"layers": 1.5`` or ``"layers": "2"`` is refused before the network's
    shapes are worked out from it.

    Args:
        cls: the config dataclass; its ``__post_init__`` checks values' ranges.
        strict: unknown keys are an error (a newer or foreign model); else ignored.

    Raises:
        ModelFileError: unknown keys, a value of the wrong type, or one the config refuses.
    """
    what = f"{source}: invalid {cls.__name__}"
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown and strict:
        raise ModelFileError(f"{what}: unknown fields {unknown}")
    values = {k: v for k, v in data.items() if k in fields}
    for name, value in values.items():
        default = fields[name].default
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, int | float):
            ok = isinstance(value, type(default) | int) and not isinstance(value, bool)
        elif isinstance(default, str):
            ok = isinstance(value, str)
        else:
            ok = True
        if not ok:
            kind = type(default).__name__
            raise ModelFileError(f"{what}: {name} must be {_article(kind)} {kind}, got {value!r}")
    try:
        return cls(**values)
    except (TypeError, SeqnlpError) as exc:
        raise ModelFileError(f"{what}: {exc}") from None


def check_repeats(tensors: Mapping[str, Any], source: str | os.PathLike, **counts: int) -> None:
    """Refuse a config whose layer (or member) count exceeds the tensors the file holds.

    The expected shapes are built by looping over such counts, so an absurd value in a
    tampered config.json must be caught before that loop, not by running out of memory.
    """
    for name, count in counts.items():
        if count > len(tensors):
            raise ModelFileError(
                f"{source}: config.json says {name} = {count}, but the weights hold only "
                f"{len(tensors)} tensors"
            )


def load_model(directory: str | os.PathLike, expected_kind: str | None = None) -> LoadedModel:
    """Load and validate a model directory written by :func:`save_model`.

    Shapes are the model class's business: it calls :func:`check_shapes` with the shapes its
    config implies, since only it knows them.

    Args:
        directory: the model directory.
        expected_kind: raise unless the model is of this kind (e.g. "tagger").

    Raises:
        ModelFileError: with a one-line message, for anything missing, corrupted, of another
            kind or of an unsupported format version.
    """
    directory = Path(directory)
    # save_model replaces a model by renaming a new directory into place; a reader that
    # straddles the swap would mix files of two models, so it reads again.
    for _ in range(_LOAD_ATTEMPTS):
        source = directory if directory.exists() else _moved_aside(directory) or directory
        before = _identity(source)
        try:
            kind, _version, config = _read_config(source, expected_kind)
            tensors = load_tensors(_require_weights(source))
            vocab = _read_optional(source, VOCAB_FILE)
            meta = _read_optional(source, META_FILE) or {}
        except ModelFileError:
            if _identity(source) == before:
                raise
            continue
        if _identity(source) == before:
            return LoadedModel(kind, config, tensors, vocab, meta, directory)
    raise ModelFileError(f"{directory} kept being replaced while it was read; try again")


def _moved_aside(target: Path) -> Path | None:
    """The previous model that a save moved aside, while ``target`` itself is missing.

    That is the moment between the two renames of :func:`_swap_in`, or after a process was
    killed there (the next training run puts it back): the previous model is the answer.
    """
    olds = [p for p in target.parent.glob(f".{target.name}.old-*") if (p / CONFIG_FILE).is_file()]
    return max(olds, key=lambda p: p.stat().st_mtime, default=None)


def _identity(directory: Path) -> tuple[int, int, int] | None:
    """Which directory ``directory`` names now: a replaced model gets a new one."""
    try:
        st = directory.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_ctime_ns


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


# ---------------------------------------------------------------- finding and describing models


def resolve_model(name_or_path: str | os.PathLike) -> Path:
    """Turn a model argument into a directory: an existing path, else a default model name.

    Raises:
        ModelFileError: neither an existing path nor an installed default model.
    """
    path = Path(name_or_path)
    if path.exists() or _moved_aside(path) is not None:
        return path
    name = str(name_or_path)
    if name in DEFAULT_MODELS:
        default = DEFAULT_MODELS_DIR / name
        if not (default / CONFIG_FILE).is_file():
            raise ModelFileError(
                f"the default {name} model is not installed (expected it in {default})"
            )
        return default
    raise ModelFileError(
        f"{name}: no such model directory, and not a default model ({', '.join(DEFAULT_MODELS)})"
    )


# PyTorch names recurrent weights weight_ih_l{layer}[_reverse]; gates per cell type.
_RNN_TENSOR = re.compile(
    r"^(?:(?P<module>.*)\.)?(?P<param>weight_ih|weight_hh|weight_hr|bias_ih|bias_hh)"
    r"_l(?P<layer>\d+)(?P<reverse>_reverse)?$"
)
_CELLS_BY_GATES = {4: "lstm", 3: "gru", 1: "rnn"}


def _vocab_size(value: Any) -> int | None:
    if isinstance(value, list):
        return len(value)
    if isinstance(value, dict):
        for key in ("itos", "tokens", "words", "labels", "items", "index_to_token"):
            if isinstance(value.get(key), list):
                return len(value[key])
        return len(value)
    return None


def _rnn_direction(p: Mapping[str, TensorInfo]) -> dict[str, Any] | None:
    """Sizes of one layer and direction of a PyTorch RNN/GRU/LSTM, or None if unrecognised."""
    ih, hh = p.get("weight_ih"), p.get("weight_hh")
    if ih is None or hh is None or len(ih.shape) != 2 or len(hh.shape) != 2:
        return None
    hidden = p["weight_hr"].shape[1] if "weight_hr" in p else hh.shape[1]
    if not hidden or ih.shape[0] % hidden or ih.shape[0] // hidden not in _CELLS_BY_GATES:
        return None
    gates = ih.shape[0] // hidden
    real = sum(t.size for t in p.values())
    # The textbook cell has one bias per gate; PyTorch stores two, b_ih and b_hh (cuDNN's
    # layout), so it holds gates * hidden more parameters than the textbook formula.
    two_biases = "bias_ih" in p and "bias_hh" in p
    return {
        "gates": gates,
        "input_size": ih.shape[1],
        "hidden_size": hidden,
        "parameters": real,
        "textbook_parameters": real - gates * hidden if two_biases else real,
    }


def _recurrent_layers(infos: Mapping[str, TensorInfo]) -> list[dict[str, Any]]:
    """Find PyTorch RNN/GRU/LSTM weights and compare their size with the textbook count."""
    found: dict[str, dict[tuple[int, bool], dict[str, TensorInfo]]] = {}
    for name, info in infos.items():
        m = _RNN_TENSOR.match(name)
        if m:
            directions = found.setdefault(m["module"] or "", {})
            directions.setdefault((int(m["layer"]), bool(m["reverse"])), {})[m["param"]] = info
    modules = []
    for module, directions in sorted(found.items()):
        sizes = {key: _rnn_direction(p) for key, p in sorted(directions.items())}
        if any(s is None for s in sizes.values()) or len({s["gates"] for s in sizes.values()}) != 1:
            log.debug("tensors of %r look recurrent but do not fit RNN/GRU/LSTM", module)
            continue
        rows: dict[int, dict[str, Any]] = {}
        for (layer, _reverse), s in sizes.items():
            gates = s.pop("gates")
            row = rows.setdefault(layer, {"layer": layer, "directions": 0, **s})
            row["directions"] += 1
        layers = list(rows.values())
        modules.append(
            {
                "module": module,
                "cell": _CELLS_BY_GATES[gates],
                "gates": gates,
                "bidirectional": any(r["directions"] == 2 for r in layers),
                "layers": layers,
                "parameters": sum(r["parameters"] * r["directions"] for r in layers),
                "textbook_parameters": sum(
                    r["textbook_parameters"] * r["directions"] for r in layers
                ),
            }
        )
    return modules


def describe_model(directory: str | os.PathLike, *, depth: int = 1) -> dict[str, Any]:
    """Summarise a model from its JSON files and the safetensors header (no tensor data read).

    Args:
        directory: the model directory.
        depth: how many leading parts of a tensor name form a layer group
            (``encoder.lstm.weight_ih_l0`` is ``encoder`` at depth 1, ``encoder.lstm`` at 2).

    Returns:
        Plain data: kind, format_version, config, vocab sizes, meta, tensors, parameter
        groups, recurrent layers (PyTorch vs textbook counts), total parameters, file sizes.

    Raises:
        ModelFileError: as :func:`load_model`.
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    directory = Path(directory)
    kind, version, config = _read_config(directory, None)
    infos = read_tensor_info(_require_weights(directory))
    vocab = _read_optional(directory, VOCAB_FILE)
    meta = _read_optional(directory, META_FILE) or {}

    groups: dict[str, dict[str, Any]] = {}
    for name, info in infos.items():
        parts = name.split(".")
        key = ".".join(parts[: min(depth, max(len(parts) - 1, 1))])
        group = groups.setdefault(key, {"name": key, "tensors": 0, "parameters": 0, "dtypes": []})
        group["tensors"] += 1
        group["parameters"] += info.size
        if info.dtype not in group["dtypes"]:
            group["dtypes"].append(info.dtype)

    files = {
        name: (directory / name).stat().st_size
        for name in MODEL_FILES
        if (directory / name).is_file()
    }
    return {
        "path": str(directory),
        "kind": kind,
        "format_version": version,
        "config": config,
        "vocab_sizes": {k: _vocab_size(v) for k, v in (vocab or {}).items()},
        "meta": meta,
        "tensors": [
            {"name": n, "dtype": i.dtype, "shape": list(i.shape), "parameters": i.size}
            for n, i in sorted(infos.items())
        ],
        "groups": sorted(groups.values(), key=lambda g: g["name"]),
        "recurrent": _recurrent_layers(infos),
        "parameters": sum(i.size for i in infos.values()),
        "files": files,
        "size": sum(files.values()),
    }
