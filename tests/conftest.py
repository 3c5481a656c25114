"""Shared fixtures: the real datasets mirror and a CLI runner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SEQNLP_DATA_DIR", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The local mirror of the real datasets (../shared/data); tests skip without it."""
    if not (SHARED_DATA / "ud_english_ewt").is_dir():
        pytest.skip(f"dataset mirror not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _data_dir_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory):
    """Point the library at the mirror and keep any download cache inside tmp."""
    monkeypatch.setenv("SEQNLP_DATA_DIR", str(SHARED_DATA))
    monkeypatch.setenv("SEQNLP_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture
def runner():
    from click.testing import CliRunner

    return CliRunner()
