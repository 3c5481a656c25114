"""What the missing UPOS points would cost: variants of the tagger recipe, each one
``seqnlp train-tagger`` run, scored on EWT test (gold tokens), run on demand.

    SEQNLP_DATA_DIR=../shared/data python tests/benchmarks/bench_tagger_variants.py \\
        [--only seed2 2x256 ...] [--keep DIR]

About 11 minutes per variant on the 2-core CPU (the 2x256 network: about 25); on a GPU add
``--extra "--device cuda"``. Each variant trains into a temporary directory (or DIR/NAME
with ``--keep``); the row records the test UPOS and XPOS, the weights' size and the
in-process tagging speed on the EWT test sentences, best of 3, beside the same figure for
the shipped tagger measured in the same run (speed is only comparable within one run).
``--train/--dev/--test`` and ``--extra`` (more train-tagger options) let a test run it on
tiny data. Writes tests/benchmarks/results/tagger_variants.json.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.provenance import provenance  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "tagger_variants.json"
# name -> train-tagger options beyond the recipe's defaults; "train_dev" also trains on dev
VARIANTS = {
    "seed1": ["--seed", "1"],
    "seed2": ["--seed", "2"],
    "seed3": ["--seed", "3"],
    "train_dev": ["--epochs", "18", "--patience", "0"],
    "2x256": ["--layers", "2", "--hidden", "256", "--epochs", "14"],
}


def score(model: Path | None, test: Path) -> dict:
    """EWT test UPOS/XPOS (gold tokens), weights bytes, tokens/s in process (best of 3)."""
    from seqnlp.corpus import read_conllu
    from seqnlp.tagger import Tagger, evaluate_tagger

    tagger = Tagger.load(model)
    scores = evaluate_tagger(tagger, test, raw_text=False)
    sentences = [s.words for s in read_conllu(test)]
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        tagger.predict_tokens(sentences)
        best = min(best, time.perf_counter() - start)
    return {
        "test_upos": round(100 * scores["upos_accuracy"], 2),
        "test_xpos": round(100 * scores["xpos_accuracy"], 2),
        "weights_bytes": (tagger.path / "weights.safetensors").stat().st_size,
        "tokens_per_s": round(sum(map(len, sentences)) / best),
        "best_epoch": tagger.meta.get("epoch"),
    }


def train(name: str, output: Path, data: dict[str, Path], extra: list[str]) -> None:
    train_file = data["train"]
    if name == "train_dev":  # EWT train + dev as training data; dev still picks nothing
        train_file = output.parent / f"{name}-train.conllu"
        train_file.write_bytes(data["train"].read_bytes() + data["dev"].read_bytes())
    command = [sys.executable, "-m", "seqnlp", "train-tagger", "--train", str(train_file)]
    command += ["--dev", str(data["dev"]), *VARIANTS[name], *extra]
    subprocess.run([*command, "--no-progress", "--output", str(output)], check=True)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--keep", type=Path, help="keep each model in DIR/NAME")
    parser.add_argument("--extra", default="", help="more train-tagger options, quoted")
    parser.add_argument("--results", type=Path, default=RESULTS)
    for split in ("train", "dev", "test"):
        parser.add_argument(f"--{split}", type=Path, help=f"CoNLL-U (default: EWT {split})")
    args = parser.parse_args(argv)
    from seqnlp.datasets import dataset_path

    data = {
        s: getattr(args, s) or dataset_path("ud-english-ewt", s) for s in ("train", "dev", "test")
    }
    rows = {"shipped": score(None, data["test"])}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only:
            output = (args.keep or Path(tmp)) / name
            output.parent.mkdir(parents=True, exist_ok=True)
            start = time.perf_counter()
            train(name, output, data, shlex.split(args.extra))
            rows[name] = {"options": VARIANTS[name], "train_seconds": None}
            rows[name].update(score(output, data["test"]))
            rows[name]["train_seconds"] = round(time.perf_counter() - start)
            print(name, json.dumps(rows[name]), file=sys.stderr)
    result = {"rows": rows, **provenance()}
    args.results.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
