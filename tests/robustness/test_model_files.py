"""Every model loader fed truncated, bit-flipped, mistyped and pickle-bearing files.

A loader must answer with a :class:`ModelFileError` (one line, for the CLI to print), run no
code from the file (a pickle's ``__reduce__`` would create a marker file) and leave the model
directory exactly as it was. Bit flips that still make sense (a weight's digits, a JSON space)
may load: there is no checksum, and that is fine; anything else must be a ModelFileError.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import random
import shutil
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from seqnlp.cli import main
from seqnlp.embeddings import WordVectors
from seqnlp.errors import ModelFileError
from seqnlp.sentiment import SentimentClassifier
from seqnlp.serialization import MODEL_FILES, describe_model, load_model
from seqnlp.serialization.models import WEIGHTS_FILE
from seqnlp.tagger import Tagger
from seqnlp.training.checkpoints import CHECKPOINT_FILE, load_checkpoint

LOADERS: dict[str, tuple[str, Callable[[Path], Any]]] = {
    "Tagger.load": ("tagger", Tagger.load),
    "SentimentClassifier.load": ("sentiment", SentimentClassifier.load),
    "WordVectors.load": ("vectors", WordVectors.load),
    "describe_model": ("tagger", describe_model),
    "load_model": ("sentiment", load_model),
}
MISTYPED = [None, -1, 1.5, "x", [], {}, True, [None], ["x", 1]]


class _CreatesMarker:
    """Unpickling it creates ``path``: the proof that a loader ran code from a file."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "x"))


def _pickles(marker: Path) -> dict[str, bytes]:
    """Files that run code when unpickled, in the formats a careless loader might accept."""
    import torch

    payload = _CreatesMarker(marker)
    files = {f"pickle-{p}": pickle.dumps(payload, protocol=p) for p in (0, 2, 5)}
    buffer = io.BytesIO()
    torch.save({"weight": payload}, buffer)
    files["torch-zip"] = buffer.getvalue()
    buffer = io.BytesIO()
    np.save(buffer, np.array([payload], dtype=object), allow_pickle=True)
    files["npy-object-array"] = buffer.getvalue()
    return files


def _snapshot(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def _outcome(load: Callable[[Path], Any], target: Path, marker: Path, may_load: bool) -> str:
    """'' when ``load(target)`` behaved, else what went wrong."""
    watched = target if target.is_dir() else target.parent
    before = _snapshot(watched)
    problem = ""
    try:
        load(target)
        if not may_load:
            problem = "loaded without error"
    except ModelFileError as exc:
        if "\n" in str(exc).strip():
            problem = f"a multi-line message: {exc!r}"
    except Exception as exc:  # noqa: BLE001 - the point is to catch any other type
        problem = f"{type(exc).__name__}: {exc}"[:200]
    if marker.exists():
        problem += " ran code from the file"
    if _snapshot(watched) != before:
        problem += " changed the model directory"
    return problem


def _mutated(original: bytes, rng: random.Random) -> list[tuple[str, bytes, bool]]:
    """(label, content, may it still load) for truncations and single-bit flips."""
    n = len(original)
    cases = [  # cutting only the final newline of a JSON file leaves it whole
        (f"truncated to {k}", original[:k], not original[k:].strip())
        for k in sorted({0, 1, 8, n // 2, n - 1})
    ]
    spots = [rng.randrange(n) for _ in range(12)] + [rng.randrange(min(n, 200)) for _ in range(8)]
    for i in spots:
        flipped = bytearray(original)
        flipped[i] ^= 1 << rng.randrange(8)
        cases.append((f"bit flip at {i}", bytes(flipped), True))
    return cases


@pytest.fixture
def copy_of(tiny_models, tmp_path) -> Callable[[str], Path]:
    def copy(kind: str) -> Path:
        return Path(shutil.copytree(tiny_models[kind], tmp_path / kind))

    return copy


@pytest.mark.parametrize("loader", LOADERS)
def test_truncated_and_bit_flipped_files(loader, copy_of, tmp_path):
    kind, load = LOADERS[loader]
    directory, marker = copy_of(kind), tmp_path / "marker"
    rng = random.Random(loader)
    problems = []
    for name in MODEL_FILES:
        path = directory / name
        original = path.read_bytes()
        for label, content, may_load in _mutated(original, rng):
            path.write_bytes(content)
            if problem := _outcome(load, directory, marker, may_load):
                problems.append(f"{name} {label}: {problem}")
        path.write_bytes(original)
    assert problems == []


@pytest.mark.parametrize("loader", LOADERS)
def test_pickles_in_place_of_any_model_file(loader, copy_of, tmp_path):
    kind, load = LOADERS[loader]
    directory, marker = copy_of(kind), tmp_path / "marker"
    problems = []
    for name in MODEL_FILES:
        path = directory / name
        original = path.read_bytes()
        for label, content in _pickles(marker).items():
            path.write_bytes(content)
            if problem := _outcome(load, directory, marker, may_load=False):
                problems.append(f"{name} as {label}: {problem}")
        path.write_bytes(original)
    assert problems == []


@pytest.mark.parametrize("loader", LOADERS)
def test_pickles_beside_a_good_model_are_never_opened(loader, copy_of, tmp_path):
    kind, load = LOADERS[loader]
    directory, marker = copy_of(kind), tmp_path / "marker"
    for label, content in _pickles(marker).items():
        for name in ("model.pt", "weights.npy", "pytorch_model.bin", f"{label}.pkl"):
            (directory / name).write_bytes(content)
    assert _outcome(load, directory, marker, may_load=True) == ""


def _same_json_type(original: Any, value: Any) -> bool:
    """Whether ``value`` is of the JSON type of the ``original`` it replaces (an integer
    stands in for a float; a boolean is no number)."""
    if isinstance(original, bool) or isinstance(value, bool):
        return type(original) is type(value)
    if isinstance(original, float):
        return isinstance(value, int | float)
    return type(original) is type(value)


@pytest.mark.parametrize("loader", LOADERS)
def test_mistyped_json_values(loader, copy_of, tmp_path):
    """Every top-level value of config.json and vocab.json replaced by another JSON type.

    A model class's loader reads every value, so it must refuse one of another type than
    the value it replaces; it may take null (a value not recorded: a default, an older
    model's missing vocabulary parts) and a removed key. ``describe_model`` and
    ``load_model`` do not read the config's values: any value may load there.
    """
    kind, load = LOADERS[loader]
    reads_values = loader.endswith(".load")
    directory, marker = copy_of(kind), tmp_path / "marker"
    problems = []
    for name in ("config.json", "vocab.json"):
        path = directory / name
        original = path.read_text(encoding="utf-8")
        data = json.loads(original)
        variants = [(f"document {v!r}", v, False) for v in (None, 1, "x", [])]
        for key, old in data.items():
            removed = {k: v for k, v in data.items() if k != key}
            variants.append((f"{key} removed", removed, True))
            for v in MISTYPED:
                fits = v is None or old is None or _same_json_type(old, v)
                variants.append((f"{key}={v!r}", {**data, key: v}, fits or not reads_values))
        for label, variant, may_load in variants:
            path.write_text(json.dumps(variant), encoding="utf-8")
            if problem := _outcome(load, directory, marker, may_load=may_load):
                problems.append(f"{name} {label}: {problem}")
        path.write_text(original, encoding="utf-8")
    assert problems == []


def _with_config(directory: Path, **changes: Any) -> Path:
    config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    (directory / "config.json").write_text(json.dumps({**config, **changes}), encoding="utf-8")
    return directory


def test_fractional_layers_in_a_tagger_config(copy_of):
    with pytest.raises(ModelFileError):
        Tagger.load(_with_config(copy_of("tagger"), layers=1.5))


def test_values_of_the_right_type_but_impossible(copy_of):
    """What the type rule above lets through: an optional integer (null in the tiny
    vectors' config) given a string, a negative count of training words."""
    with pytest.raises(ModelFileError, match="max_vocab must be an int"):
        WordVectors.load(_with_config(copy_of("vectors"), max_vocab="x"))
    directory = copy_of("tagger")
    vocab = json.loads((directory / "vocab.json").read_text(encoding="utf-8"))
    (directory / "vocab.json").write_text(json.dumps({**vocab, "train_words": -1}))
    with pytest.raises(ModelFileError, match="train_words must be"):
        Tagger.load(directory)


def _tampered_headers(original: bytes) -> dict[str, bytes]:
    """safetensors files whose header lies: sizes, offsets, dtypes, metadata, JSON itself."""
    (length,) = struct.unpack("<Q", original[:8])
    header = json.loads(original[8 : 8 + length])
    data = original[8 + length :]
    name = next(k for k in header if k != "__metadata__")

    def rebuilt(change: Callable[[dict], Any], tail: bytes = data) -> bytes:
        new = json.loads(json.dumps(header))
        new = change(new) or new
        raw = json.dumps(new).encode()
        return struct.pack("<Q", len(raw)) + raw + tail

    def entry(**fields):
        return lambda h: h[name].update(fields)

    return {
        "header length 2**62": struct.pack("<Q", 2**62) + original[8:],
        "header length past the end": struct.pack("<Q", len(original)) + original[8:],
        "header not JSON": struct.pack("<Q", 5) + b"\x80\x04K\x01." + data,
        "header a JSON list": rebuilt(lambda h: [h]),
        "dtype object": rebuilt(entry(dtype="O")),
        "dtype unknown": rebuilt(entry(dtype="PICKLE")),
        "negative shape": rebuilt(entry(shape=[-1, 2])),
        "huge shape": rebuilt(entry(shape=[2**40, 2**40])),
        "offsets past the data": rebuilt(entry(data_offsets=[0, len(data) + 64])),
        "offsets reversed": rebuilt(entry(data_offsets=[8, 0])),
        "offsets overlapping": rebuilt(lambda h: [h[k].update(data_offsets=[0, 4]) for k in h]),
        "metadata not strings": rebuilt(lambda h: h.update(__metadata__={"format": [1]})),
        "data cut short": rebuilt(lambda h: None, data[: len(data) // 2]),
    }


@pytest.mark.parametrize("loader", LOADERS)
def test_tampered_safetensors_header(loader, copy_of, tmp_path):
    kind, load = LOADERS[loader]
    directory, marker = copy_of(kind), tmp_path / "marker"
    path = directory / WEIGHTS_FILE
    problems = []
    for label, content in _tampered_headers(path.read_bytes()).items():
        path.write_bytes(content)
        if problem := _outcome(load, directory, marker, may_load=False):
            problems.append(f"{label}: {problem}")
    assert problems == []


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    """A real training checkpoint of a tiny network after one Adam step."""
    import torch

    from seqnlp.training.checkpoints import save_checkpoint

    net = torch.nn.Linear(3, 2)
    optimizer = torch.optim.Adam(net.parameters())
    net(torch.ones(1, 3)).sum().backward()
    optimizer.step()
    path = tmp_path_factory.mktemp("checkpoint") / CHECKPOINT_FILE
    state = {"epoch": 1, "metric": "accuracy", "history": []}
    save_checkpoint(path, net, optimizer, net.state_dict(), state)
    return path


def test_broken_checkpoints(checkpoint, tmp_path):
    path, marker = tmp_path / CHECKPOINT_FILE, tmp_path / "marker"
    original = checkpoint.read_bytes()
    cases = _mutated(original, random.Random(7))
    cases += [(label, content, False) for label, content in _pickles(marker).items()]
    cases += [(label, content, False) for label, content in _tampered_headers(original).items()]
    problems = []
    for label, content, may_load in cases:
        path.write_bytes(content)
        if problem := _outcome(load_checkpoint, path, marker, may_load):
            problems.append(f"{label}: {problem}")
    assert problems == []


def test_checkpoint_header_that_is_not_ours(checkpoint, tmp_path):
    import safetensors.numpy

    tensors = safetensors.numpy.load_file(checkpoint)
    path = tmp_path / CHECKPOINT_FILE
    for metadata in (None, {"format": "np"}, {"checkpoint": "{"}, {"checkpoint": '{"format": 9}'}):
        safetensors.numpy.save_file(tensors, path, metadata=metadata)
        with pytest.raises(ModelFileError):
            load_checkpoint(path)


@pytest.mark.parametrize(
    "kind, key",
    [
        ("tagger", "layers"),
        ("sentiment", "layers"),
        ("sentiment", "members"),
        ("vectors", "dim"),
        ("tagger", "hidden"),
        ("sentiment", "hidden"),
    ],
)
def test_absurd_sizes_in_config_fail_fast(kind, key, copy_of):
    """A size of 10**30 must be refused at once, not looped over (subprocess, 256 MiB cap)."""
    directory = _with_config(copy_of(kind), **{key: 10**30})
    loader = {"tagger": "Tagger", "sentiment": "SentimentClassifier", "vectors": "WordVectors"}
    module = {"tagger": "tagger", "sentiment": "sentiment", "vectors": "embeddings"}[kind]
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 28, 1 << 28))\n"
        f"from seqnlp.{module} import {loader[kind]}\n"
        "from seqnlp.errors import ModelFileError\n"
        f"try:\n    {loader[kind]}.load(sys.argv[1])\n"
        "except ModelFileError:\n    print('refused')\n"
    )
    try:
        run = subprocess.run(
            [sys.executable, "-c", script, str(directory)],
            capture_output=True,
            text=True,
            timeout=15,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("still loading after 15 s")
    assert run.stdout.strip() == "refused", run.stderr[-500:]


@pytest.mark.parametrize(
    "command, kind",
    [
        (["tag", "I saw a saw", "-m"], "tagger"),
        (["sentiment", "a good film", "-m"], "sentiment"),
        (["similar", "king", "-m"], "vectors"),
        (["info"], "tagger"),
    ],
)
def test_cli_prints_one_line_and_no_traceback(command, kind, copy_of, runner, tmp_path):
    directory, marker = copy_of(kind), tmp_path / "marker"
    for name, content in [
        (WEIGHTS_FILE, (directory / WEIGHTS_FILE).read_bytes()[:100]),
        ("config.json", _pickles(marker)["pickle-2"]),
        ("vocab.json", b"[]"),
    ]:
        original = (directory / name).read_bytes()
        (directory / name).write_bytes(content)
        result = runner.invoke(main, [*command, str(directory)])
        (directory / name).write_bytes(original)
        assert result.exit_code == 1, (name, result.output)
        assert isinstance(result.exception, SystemExit), (name, result.exception)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), (name, result.output)
        assert str(directory) in lines[0] and not marker.exists()


@pytest.mark.parametrize("kind", ["tagger", "sentiment", "vectors"])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_weights_are_refused(kind, value, copy_of):
    """NaN or Inf in a weights file that still parses, with every shape right (issue #16.8):
    the model used to load and tag every word ADJ."""
    import safetensors.numpy

    loader = {"tagger": Tagger.load, "sentiment": SentimentClassifier.load}.get(
        kind, WordVectors.load
    )
    directory = copy_of(kind)
    path = directory / WEIGHTS_FILE
    tensors = safetensors.numpy.load_file(path)
    names = [name for name, t in tensors.items() if t.dtype.kind == "f"]
    assert names  # the int8 vectors keep float32 row scales
    for name in names:
        damaged = dict(tensors)
        damaged[name] = tensors[name].copy()
        damaged[name].flat[-1] = value
        safetensors.numpy.save_file(damaged, path)
        with pytest.raises(ModelFileError, match=f"tensor '{name}' holds 1 NaN or infinite"):
            loader(directory)
    safetensors.numpy.save_file(tensors, path)
    loader(directory)


def test_cli_refuses_a_tagger_with_nan_weights(copy_of, runner):
    import safetensors.numpy

    directory = copy_of("tagger")
    path = directory / WEIGHTS_FILE
    tensors = safetensors.numpy.load_file(path)
    name = next(n for n, t in tensors.items() if t.dtype.kind == "f")
    tensors[name] = np.full_like(tensors[name], np.nan)
    safetensors.numpy.save_file(tensors, path)
    result = runner.invoke(main, ["tag", "I saw a saw", "-m", str(directory)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and name in result.output
    assert len(result.output.strip().splitlines()) == 1
