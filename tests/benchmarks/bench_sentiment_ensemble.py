"""What averaging saved sentiment classifiers would give: the ceiling of an ensemble of them,
or of one network distilled from it (issue #15), run on demand.

    SEQNLP_DATA_DIR=../shared/data python tests/benchmarks/bench_sentiment_ensemble.py \\
        shipped DIR1 DIR2 ...

``shipped`` names the shipped model; the others are directories from ``seqnlp
train-sentiment --output DIR``, named in the results by their last part. Every subset of
them is scored by the mean of its members' probabilities (each member with its own n-gram
share) on SST-2 dev and test, the check list and the blind check list. Writes
tests/benchmarks/results/sentiment_ensembles.json (or ``--output``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

import numpy as np

from seqnlp.sentiment import SentimentClassifier, read_labeled
from seqnlp.sentiment.checklist import read_checklist

RESULTS = Path(__file__).parent / "results" / "sentiment_ensembles.json"
BLIND = Path(__file__).parents[2] / "data" / "samples" / "sentiment_checklist_blind.tsv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="+", help="'shipped' or classifier directories")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    sets = {
        "sst2_dev": read_labeled("sst2", "dev"),
        "sst2_test": read_labeled("sst2", "test"),
        "checklist": read_checklist(),
        "checklist_blind": read_checklist(BLIND),
    }
    labels, probs, described = None, {}, {}
    names = [m if m == "shipped" else Path(m).name for m in args.models]
    if len(set(names)) < len(names):
        sys.exit(f"two models with the same name: {names}")
    for name, path in zip(names, args.models, strict=True):
        model = SentimentClassifier.load(None if name == "shipped" else path)
        if labels not in (None, model.labels):
            sys.exit(f"{name}: labels {model.labels}, not {labels} like the others")
        labels = model.labels
        recipe = model.meta["recipe"]
        described[name] = {
            "seed": recipe["train_config"]["seed"],
            "ngram_share": model.config.ngram_weight,
        }
        probs[name] = {k: model.probabilities([e.text for e in d]) for k, d in sets.items()}
        print(f"scored {name}", file=sys.stderr)
    gold = {k: np.array([labels.index(str(e.label)) for e in d]) for k, d in sets.items()}
    rows = []
    for size in range(1, len(names) + 1):
        for members in itertools.combinations(names, size):
            row = {"models": list(members)}
            for k in sets:
                mean = np.mean([probs[m][k] for m in members], axis=0)
                row[k] = round(100 * float((mean.argmax(axis=1) == gold[k]).mean()), 2)
            rows.append(row)
            print(" ".join(f"{k} {v}" for k, v in row.items()), file=sys.stderr)
    results = {
        "what": __doc__.split("\n\n")[0].replace("\n", " "),
        "models": described,
        "rows": rows,
    }
    args.output.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"written to {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
