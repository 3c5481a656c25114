"""What every results file records about its run, so that a figure can be traced and redone:
the command, the date, the commit (marked when the code differed from it) and the machine."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.rstrip("\n")  # a status line starts with a space: keep it


def changed_code(status: str) -> list[str]:
    """The files that ``git status --porcelain`` lists ("XY path"), results files aside."""
    paths = [line[3:] for line in status.splitlines() if line.strip()]
    return [path for path in paths if not path.startswith("tests/benchmarks/results/")]


def provenance() -> dict:
    """The run's command line, date (UTC), commit and machine, as plain data."""
    changed = changed_code(_git("status", "--porcelain", "--untracked-files=no"))
    script = os.path.relpath(os.path.abspath(sys.argv[0]), ROOT)
    data_dir = os.environ.get("SEQNLP_DATA_DIR")
    return {
        "command": " ".join(
            [*([f"SEQNLP_DATA_DIR={data_dir}"] if data_dir else []), "python", script]
            + sys.argv[1:]
        ),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": _git("rev-parse", "--short=12", "HEAD")
        + (f" with uncommitted changes to {', '.join(changed)}" if changed else ""),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_1min": round(os.getloadavg()[0], 2),
        },
    }
