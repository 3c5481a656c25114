"""The suite's own promise: under CI nothing it needs may be missing quietly (issue #32.5)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, in_ci, require


def test_ci_run_sets_ci_itself():
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert any(line.split("#")[0].split() == ["export", "CI=true"] for line in lines)


@pytest.mark.parametrize(
    ("value", "ci"), [("true", True), ("1", True), ("false", False), ("", False)]
)
def test_in_ci_reads_the_ci_variable(monkeypatch, value, ci):
    monkeypatch.setenv("CI", value)
    assert in_ci() is ci


def test_require_skips_outside_ci_and_fails_under_it(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    require(False, "present")  # nothing missing: nothing happens
    with pytest.raises(pytest.skip.Exception, match="no data"):
        require(True, "no data")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run this test, but no data"):
        require(True, "no data")


def test_a_data_test_fails_under_ci_without_the_mirror(tmp_path):
    """End to end: a real data-backed test, the mirror pointed at an empty directory."""
    env = {**os.environ, "CI": "true", "SEQNLP_DATA_DIR": str(tmp_path)}
    test = "tests/test_tokenize.py::test_ewt_dev_scores"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 error" in done.stdout and "CI must run this test" in done.stdout
