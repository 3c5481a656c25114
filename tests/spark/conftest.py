"""One local Spark session for the whole test run (starting one costs 10-20 s here)."""

from __future__ import annotations

import os
import shutil
import sys

import pytest

from tests.conftest import ROOT

# two cores, and a second attempt for a failed task (tests/spark/test_frames.py fails one)
MASTER = "local[2,2]"


@pytest.fixture(scope="session")
def spark():
    """A ``local[2,2]`` session with the UI off; skipped where Java or PySpark is missing."""
    pytest.importorskip("pyspark", reason='PySpark is not installed: pip install -e ".[spark]"')
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        pytest.skip("Java is not installed (Debian: apt-get install openjdk-17-jre-headless)")
    from pyspark.sql import SparkSession

    # the workers run this interpreter and import these tests' functions by name
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    )
    session = (
        SparkSession.builder.master(MASTER)
        .appName("seqnlp-tests")
        .config("spark.ui.enabled", False)
        .config("spark.ui.showConsoleProgress", False)
        .config("spark.sql.shuffle.partitions", 2)
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("OFF")
    yield session
    session.stop()
