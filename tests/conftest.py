"""Shared fixtures: the real datasets mirror and a CLI runner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SEQNLP_DATA_DIR", ROOT.parent / "shared" / "data"))


def in_ci() -> bool:
    """Whether this run is CI's (``CI`` set and not false; ``.ci/run`` sets ``CI=true``)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require(missing: bool, reason: str) -> None:
    """Skip the test when something it needs is missing, but fail under CI: a skipped quality
    check there would pass a run that checked nothing."""
    if not missing:
        return
    if in_ci():
        pytest.fail(f"CI must run this test, but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The local mirror of the real datasets (../shared/data); tests skip without it (and
    fail under CI)."""
    missing = not (SHARED_DATA / "ud_english_ewt").is_dir()
    require(missing, f"the dataset mirror is not at {SHARED_DATA} (set SEQNLP_DATA_DIR)")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _data_dir_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory):
    """Point the library at the mirror (an empty one where the clone has none, as the CLI
    refuses a SEQNLP_DATA_DIR that is not a directory) and keep any download cache in tmp."""
    base = tmp_path_factory.getbasetemp()
    mirror = SHARED_DATA if SHARED_DATA.is_dir() else base / "no-mirror"
    mirror.mkdir(exist_ok=True)
    monkeypatch.setenv("SEQNLP_DATA_DIR", str(mirror))
    monkeypatch.setenv("SEQNLP_CACHE_DIR", str(base / "cache"))


@pytest.fixture
def one_torch_thread():
    """Tiny tensors: with 2 threads on a busy 2-core machine OpenMP spins 10-50x slower."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def runner():
    from click.testing import CliRunner

    return CliRunner()


# Hand-built vectors where king - man + woman is exactly queen.
TINY_WORDS = ["the", "man", "woman", "king", "queen", "paris", "france", "rome", "italy", "cat"]
TINY_VECTORS = {
    "the": [0, 0, 0, 0, 1],
    "man": [1, 0, 0, 0, 0.1],
    "woman": [1, 1, 0, 0, 0.1],
    "king": [1, 0, 1, 0, 0.1],
    "queen": [1, 1, 1, 0, 0.1],
    "paris": [0, 0, 0.2, 1, 0.3],
    "france": [0, 0, -0.8, 1, 0.3],
    "rome": [0, 0.5, 0.2, 1, 0.3],
    "italy": [0, 0.5, -0.8, 1, 0.3],
    "cat": [0.1, -1, 0, -1, 0],
}


@pytest.fixture
def tiny():
    """Ten words in 5-d, most frequent first."""
    import numpy as np

    from seqnlp.embeddings import EmbeddingConfig, WordVectors

    vectors = np.array([TINY_VECTORS[w] for w in TINY_WORDS], dtype=np.float32)
    return WordVectors(TINY_WORDS, vectors, EmbeddingConfig(dim=5), counts=np.arange(10, 0, -1))


@pytest.fixture
def tiny_model(tiny, tmp_path) -> str:
    """The tiny vectors saved as a model directory."""
    tiny.save(tmp_path / "vectors")
    return str(tmp_path / "vectors")
