"""Start-up time of the CLI, run on demand: ``python tests/benchmarks/bench_startup.py``.

Median of 7 process runs of ``seqnlp --help`` and ``seqnlp --version`` beside a bare
``python -c pass`` in the same run (the floor no CLI can beat), written to
tests/benchmarks/results/startup.json.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "startup.json"


def median_seconds(cmd: list[str], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 3)


def main() -> None:
    # the console script beside this interpreter, not a shell shim that adds its own start-up
    seqnlp = Path(sys.executable).with_name("seqnlp")
    seqnlp = str(seqnlp) if seqnlp.exists() else shutil.which("seqnlp")
    results = {
        "python_pass_s": median_seconds([sys.executable, "-c", "pass"]),
        "seqnlp_help_s": median_seconds([seqnlp, "--help"]),
        "seqnlp_version_s": median_seconds([seqnlp, "--version"]),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
