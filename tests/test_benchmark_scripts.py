"""The benchmark scripts' cheap parts, run by the default suite so that a script that can no
longer regenerate its figures fails here rather than after its expensive runs (issue #32)."""

from __future__ import annotations

import json

from seqnlp.sentiment.recipe import RECIPE
from tests.benchmarks import bench_training


def test_bench_training_summarizes_the_shipped_models(tmp_path):
    """It crashed (StatisticsError) on the shipped classifier's meta.json, after its runs."""
    shipped = bench_training.shipped()
    tagger, sentiment = shipped["tagger_shipped_cpu"], shipped["sentiment_shipped_cpu"]
    assert tagger["networks"] == 1 and sentiment["networks"] == RECIPE.config.members
    for summary in (tagger, sentiment):
        assert summary["epochs"] > 0 and summary["training_seconds"] > 0
        assert 0.8 < summary["dev"] < 1
    results = tmp_path / "training.json"
    results.write_text(json.dumps({"tagger_shipped_cpu": {"stale": True}, "other": 1}))
    bench_training.main(["--results", str(results), "shipped"])
    assert json.loads(results.read_text()) == {**shipped, "other": 1}


def test_bench_training_times_a_fresh_ensemble(tmp_path):
    """The path of ``device`` and ``distributed`` after training, on a tiny two-network run."""
    from tests.cli.test_sentiment import write
    from tests.sentiment.test_sentiment import toy

    args = ["--train", write(tmp_path / "train.txt", toy(60, 1))]
    args += ["--dev", write(tmp_path / "dev.txt", toy(20, 2)), "--embeddings", "none"]
    args += ["--hidden", "6", "--epochs", "2", "--members", "2", "--ngram-weight", "0"]
    summary = bench_training.train("sentiment", tmp_path / "model", args)
    assert summary["networks"] == 2 and summary["epochs"] == 4
    assert summary["wall_seconds"] >= summary["training_seconds"] > 0


def test_results_name_their_command_date_and_commit(monkeypatch):
    import re
    import subprocess

    from tests.benchmarks.provenance import ROOT, provenance

    monkeypatch.setattr("sys.argv", [str(ROOT / "tests/benchmarks/bench_x.py"), "part", "--n", "2"])
    monkeypatch.setenv("SEQNLP_DATA_DIR", "../shared/data")
    run = provenance()
    assert (
        run["command"]
        == "SEQNLP_DATA_DIR=../shared/data python tests/benchmarks/bench_x.py part --n 2"
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", run["date"])
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    assert head.stdout.startswith(run["commit"][:12])
    assert run["machine"]["cpus"] >= 1


def test_only_code_changes_flag_a_commit():
    from tests.benchmarks.provenance import changed_code

    status = " M tests/benchmarks/results/tagger_size.json\nM  seqnlp/tokenize.py\n M README.md"
    assert changed_code(status) == ["seqnlp/tokenize.py", "README.md"]


def test_bench_tagger_variants_on_tiny_data(tmp_path):
    """Every variant of the 'missing points' table trains and is scored (tiny data, 1 epoch)."""
    from tests.benchmarks import bench_tagger_variants
    from tests.tagger.data import write_data

    train, dev = write_data(tmp_path)
    extra = "--embeddings none --hidden 8 --word-dim 8 --char-features 4 --epochs 1"
    argv = ["--train", str(train), "--dev", str(dev), "--test", str(dev), "--extra", extra]
    argv += ["--only", "seed2", "train_dev", "--results", str(tmp_path / "variants.json")]
    result = bench_tagger_variants.main(argv)
    assert set(result["rows"]) == {"shipped", "seed2", "train_dev"}
    for row in result["rows"].values():
        assert 0 <= row["test_upos"] <= 100 and row["tokens_per_s"] > 0
    assert json.loads((tmp_path / "variants.json").read_text())["rows"] == result["rows"]


def test_bench_uptraining_describes_taggers_and_ensembles():
    """Its rows' training minutes, silver data and size, for one tagger and an ensemble."""
    from seqnlp.tagger import Tagger
    from seqnlp.tagger.ensemble import TaggerEnsemble
    from tests.benchmarks.bench_uptraining import _about

    one = _about(Tagger.load())
    assert one["silver"] is None and 1 < one["megabytes"] < 8 and one["training_minutes"] > 1
    two = _about(TaggerEnsemble([Tagger.load(), Tagger.load()]))
    assert two["training_minutes"] == 2 * one["training_minutes"]
    assert abs(two["megabytes"] - 2 * one["megabytes"]) < 0.11  # each rounded to 0.1 MB
