"""Model directories: their layout, loaded with every piece validated, and the shipped ones.

A model is a directory::

    my-model/
      config.json          {"kind": "tagger", "format_version": 1, ...config dataclass fields}
      weights.safetensors  every tensor, written with ``safetensors.numpy``
      vocab.json           vocabularies and label sets as plain data (optional per kind)
      meta.json            training data, metrics, versions, date, parameter count

This module owns the layout and reading: loading validates every piece and never unpickles
(tensors come only from safetensors and everything else from JSON), reads again when a save
replaces the directory under it, and finds the models shipped in the package. Writing is in
:mod:`~seqnlp.serialization.saving`, which builds the whole directory beside the target and
swaps it in, moving the previous model aside (:func:`moved_aside` finds it). Neither
direction imports torch.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from seqnlp.errors import ModelFileError, SeqnlpError
from seqnlp.serialization.tensors import (
    MappedTensors,
    check_finite,
    check_shapes,
    dequantize_rows,
    expect_row_scales,
    load_tensors,
    map_tensors,
)
from seqnlp.tasks import TASKS
from seqnlp.version import __version__

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
# Older names of a kind, read as the current one (vectors were saved as "embeddings" until
# issue 28 gave the kind one name): a model saved under the old name still loads.
KIND_ALIASES = {"embeddings": "vectors"}

# Default models shipped inside the package, in seqnlp/pretrained/<kind>/: one per task.
DEFAULT_MODELS = tuple(TASKS)
# Every model shipped there, by name: the defaults, and the sentiment classifiers for three
# classes and for film reviews alone.
SHIPPED_MODELS = (*DEFAULT_MODELS, "sentiment-3", "sentiment-film")
DEFAULT_MODELS_DIR = Path(__file__).resolve().parents[1] / "pretrained"
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
    # with load_model(..., mapped=True): the memory map that ``tensors`` are views of
    mapped: MappedTensors | None = None

    def build_config(
        self,
        cls: type,
        *,
        strict: bool = True,
        repeats: tuple[str, ...] = (),
        retired: Mapping[str, Any] | None = None,
    ) -> Any:
        """config.json as a ``cls`` dataclass, each value type-checked (:func:`config_from_dict`,
        which also explains ``retired``).

        ``repeats`` names the count fields (layers, members) that shape loops run over: each
        must not exceed the tensors the file holds (:func:`check_repeats`).
        """
        config = config_from_dict(
            cls, self.config, self.path / CONFIG_FILE, strict=strict, retired=retired
        )
        check_repeats(self.tensors, self.path, **{name: getattr(config, name) for name in repeats})
        return config

    def checked_tensors(self, expected: Mapping[str, tuple[int | None, ...]]) -> dict[str, Any]:
        """The tensors, once their names and shapes match ``expected`` (int8 rows may bring
        their scales) and every value is finite, with int8 rows turned back into float32."""
        expected = expect_row_scales(expected, self.tensors)
        check_shapes(self.tensors, expected, source=self.path)
        check_finite(self.tensors, source=self.path)
        return dequantize_rows(self.tensors)


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


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _read_config(directory: Path, expected_kind: str | None) -> tuple[str, int, dict[str, Any]]:
    """Check that ``directory`` is a model of a supported format and the expected kind."""
    if not directory.exists():
        raise ModelFileError(f"{directory} does not exist: no such model directory")
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
    kind = KIND_ALIASES.get(kind, kind)
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
    cls: type,
    data: Mapping[str, Any],
    source: str | os.PathLike,
    *,
    strict: bool = True,
    retired: Mapping[str, Any] | None = None,
) -> Any:
    """Rebuild a config dataclass from config.json, checking every value's type first.

    A field's default says its type (``True`` a bool, ``1`` an int that is no bool, ``0.5``
    a number), so ``"layers": 1.5`` or ``"layers": "2"`` is refused before the network's
    shapes are worked out from it.

    Args:
        cls: the config dataclass; its ``__post_init__`` checks values' ranges.
        strict: unknown keys are an error (a newer or foreign model); else ignored.
        retired: fields of removed features with the value under which a model never used
            them; such a field is dropped, any other value of it refused (the model needs
            the feature).

    Raises:
        ModelFileError: unknown keys, a value of the wrong type, one the config refuses,
            or a retired feature in use.
    """
    what = f"{source}: invalid {cls.__name__}"
    for name, unused in (retired or {}).items():
        if name in data and data[name] != unused:
            raise ModelFileError(
                f"{source}: {name} = {data[name]!r} needs a feature this seqnlp no longer has; "
                "load the model with the seqnlp version that trained it"
            )
    data = {k: v for k, v in data.items() if k not in (retired or {})}
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown and strict:
        raise ModelFileError(f"{what}: unknown fields {unknown}")
    values = {k: v for k, v in data.items() if k in fields}
    for name, value in values.items():
        default = fields[name].default
        if default is None:  # an optional value (``int | None``): null, or its type's
            if value is None:
                continue
            default = _optional_sample(cls, name)
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


def _optional_sample(cls: type, name: str) -> Any:
    """A value of the type that an optional field ``name: X | None = None`` admits when not
    null (``X()``: 0, 0.0, "" or False), for :func:`config_from_dict`'s type rules."""
    hint = typing.get_type_hints(cls)[name]
    types = [t for t in typing.get_args(hint) if t is not type(None)]
    return types[0]() if len(types) == 1 and types[0] in (bool, int, float, str) else None


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


def load_model(
    directory: str | os.PathLike, expected_kind: str | None = None, *, mapped: bool = False
) -> LoadedModel:
    """Load and validate a model directory written by :func:`save_model`.

    Shapes are the model class's business: it calls :func:`check_shapes` with the shapes its
    config implies, since only it knows them.

    Args:
        directory: the model directory.
        expected_kind: raise unless the model is of this kind (e.g. "tagger").
        mapped: memory-map the weights (:func:`map_tensors`) instead of reading them: a
            big table opens in milliseconds and its pages are read when touched.

    Raises:
        ModelFileError: with a one-line message, for anything missing, corrupted, of another
            kind or of an unsupported format version.
    """
    directory = Path(directory)
    # save_model replaces a model by renaming a new directory into place; a reader that
    # straddles the swap would mix files of two models, so it reads again.
    for _ in range(_LOAD_ATTEMPTS):
        source = directory if directory.exists() else moved_aside(directory) or directory
        before = _identity(source)
        try:
            kind, _version, config = _read_config(source, expected_kind)
            weights = _require_weights(source)
            memory_map = map_tensors(weights) if mapped else None
            tensors = memory_map.arrays if memory_map else load_tensors(weights)
            vocab = _read_optional(source, VOCAB_FILE)
            meta = _read_optional(source, META_FILE) or {}
        except ModelFileError:
            if _identity(source) == before:
                raise
            continue
        if _identity(source) == before:
            parameters = sum(int(t.size) for t in tensors.values())
            log.info("loaded the %s model %s (%s parameters)", kind, directory, f"{parameters:,}")
            return LoadedModel(kind, config, tensors, vocab, meta, directory, memory_map)
    raise ModelFileError(f"{directory} kept being replaced while it was read; try again")


def moved_aside(target: Path) -> Path | None:
    """The previous model that a save moved aside, while ``target`` itself is missing.

    That is the moment between the two renames of a save's swap
    (:mod:`~seqnlp.serialization.saving`), or after a process was killed there (the next
    training run puts it back): the previous model is the answer.
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


# ---------------------------------------------------------------- finding and describing models


def default_model(name: str) -> Path:
    """The directory of a model shipped inside the package: the default ``kind`` model, or
    another of :data:`SHIPPED_MODELS` (``sentiment-3``).

    Raises:
        ModelFileError: that model is not installed.
    """
    default = DEFAULT_MODELS_DIR / name
    if not (default / CONFIG_FILE).is_file():
        raise ModelFileError(
            f"the shipped {name} model is not installed (expected it in {default})"
        )
    return default


def resolve_model(name_or_path: str | os.PathLike) -> Path:
    """Turn a command-line model argument into a directory: a default model's name (``tagger``,
    ``sentiment``, ``vectors``) is always the shipped model, whatever folders the working
    directory holds (write ``./tagger`` for a directory of that name); anything else is a path.

    Raises:
        ModelFileError: a path that does not exist, or a default model that is not installed.
    """
    name = os.fspath(name_or_path)
    name = KIND_ALIASES.get(name, name)
    if name in SHIPPED_MODELS:
        return default_model(name)
    path = Path(name_or_path)
    if path.exists() or moved_aside(path) is not None:
        return path
    raise ModelFileError(
        f"{name}: no such model directory, and not a shipped model ({', '.join(SHIPPED_MODELS)})"
    )


def model_kind(directory: str | os.PathLike) -> str:
    """The kind a model directory's ``config.json`` names (an older name read as the current);
    while a save swaps the directory, the kind of the model it moved aside, as
    :func:`load_model` reads that one.

    Raises:
        ModelFileError: not a seqnlp model directory, or of an unsupported format version.
    """
    directory = Path(directory)
    source = directory if directory.exists() else moved_aside(directory) or directory
    return _read_config(source, None)[0]


def read_model(
    directory: str | os.PathLike | None, kind: str, *, mapped: bool = False
) -> LoadedModel:
    """The ``kind`` model at ``directory``; None reads the default model shipped with seqnlp,
    and a name of :data:`SHIPPED_MODELS` that is no existing path that shipped model
    (``mapped`` as :func:`load_model`).
    """
    if directory is None:
        return load_model(default_model(kind), kind, mapped=mapped)
    if os.fspath(directory) in SHIPPED_MODELS and not Path(directory).exists():
        return load_model(default_model(os.fspath(directory)), kind, mapped=mapped)
    return load_model(Path(directory), kind, mapped=mapped)
