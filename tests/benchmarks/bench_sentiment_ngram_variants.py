"""The sentiment model's n-gram part with and without negation marks, run on demand.

    SEQNLP_DATA_DIR=../shared/data python tests/benchmarks/bench_sentiment_ngram_variants.py \\
        [--model DIR ...]

Each model's network stays fixed (default: the shipped general ``sentiment``; several
``--model`` compare the networks of other runs of the recipe) and the n-gram part is refitted
as the recipe fits it (:data:`seqnlp.sentiment.recipe.RECIPE`: every training text of its
sources plus its augmentation, the same n-gram count), once on plain tokens and once with
negation scope marked (:func:`seqnlp.sentiment.ngrams.mark_negation`, Das & Chen 2001: "not
bad" -> not bad_NEG). Each is mixed with each network at the recipe's shares and 0.5; for each
mix: accuracy on the recipe's dev sets (which choose the share) and on every text of them, on
each test split of ``bench_sentiment_domains.py`` and their mean over the gold-labelled ones
(the most probable label, as ``seqnlp evaluate-sentiment`` scores), and on both check lists,
per category. Only the n-gram features differ between the two rows of a share and network (the
n-gram part reads no network, so one fit of each variant serves every model). Writes
tests/benchmarks/results/sentiment_ngram_variants.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from bench_sentiment import BLIND_CHECKLIST
from bench_sentiment_domains import domain_tests, gold_domains
from provenance import provenance

from seqnlp.corpus import LabeledText
from seqnlp.sentiment import SentimentClassifier
from seqnlp.sentiment.checklist import read_checklist, score_by_category
from seqnlp.sentiment.ngrams import NgramModel
from seqnlp.sentiment.recipe import RECIPE
from seqnlp.sentiment.training import read_examples

RESULTS = Path(__file__).parent / "results" / "sentiment_ngram_variants.json"


def recipe_texts() -> tuple[list[LabeledText], list[LabeledText], list[LabeledText]]:
    """(every training text the recipe's n-gram part reads, the recipe's dev texts, every text
    of its dev sets: the recipe samples the large ones with its seed, so its dev texts are
    those that its own run chose its epoch on; networks of other seeds are fairer compared on
    every text)."""
    options = {"labels": RECIPE.labels, "seed": RECIPE.train_config.seed}
    sampled, _ = read_examples(RECIPE.train, "train", merge=True, sample=RECIPE.sample, **options)
    every, _ = read_examples(RECIPE.train, "train", merge=True, **options)
    every += RECIPE.augmentation.examples(sampled)  # drawn from the networks' sample, as in train
    dev, _ = read_examples(RECIPE.dev, "dev", sample=RECIPE.sample, **options)
    every_dev, _ = read_examples(RECIPE.dev, "dev", **options)
    return every, dev, every_dev


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model", action="append", help="classifier directory (default: the shipped one)"
    )
    args = parser.parse_args()
    names = args.model or ["sentiment"]
    classifiers = {
        name: SentimentClassifier.load(None if name == "sentiment" else name) for name in names
    }
    first = classifiers[names[0]]
    every, dev, every_dev = recipe_texts()
    data = {"dev": dev, "dev, every text": every_dev, **domain_tests()}
    checks = {"checklist": read_checklist(), "checklist_blind": read_checklist(BLIND_CHECKLIST)}
    data.update(checks)
    tokens = {name: [first.tokens(e.text) for e in texts] for name, texts in data.items()}
    gold = {
        name: np.array([first.label_index(e.label) for e in texts]) for name, texts in data.items()
    }
    networks, shares = {}, {}
    for model, classifier in classifiers.items():
        shares[model], classifier.config.ngram_weight = classifier.config.ngram_weight, 0.0
        networks[model] = {
            name: classifier.probabilities([e.text for e in texts]) for name, texts in data.items()
        }
    kept = [(first.tokens(e.text), first.label_index(e.label)) for e in every]
    kept = [(t, y) for t, y in kept if t]
    results: dict = {"training_texts": len(kept), "models": {}}
    for model in classifiers:
        results["models"][model] = {"its_share": shares[model], "variants": {}}
    for variant, negation in (("plain", False), ("negation marked", True)):
        start = time.perf_counter()
        ngrams = NgramModel.fit(
            [t for t, _ in kept],
            [y for _, y in kept],
            len(first.labels),
            max_features=RECIPE.max_ngrams,
            negation=negation,
        )
        fit = {"fit_seconds": round(time.perf_counter() - start, 1), "features": len(ngrams.ngrams)}
        probs = {name: ngrams.probabilities(ts) for name, ts in tokens.items()}
        for model in classifiers:
            rows = {**fit, **mixes(networks[model], probs, gold, checks, first.labels)}
            results["models"][model]["variants"][variant] = rows
            for share, row in rows.items():
                if share.startswith("share"):
                    brief = {k: v for k, v in row.items() if "category" not in k}
                    print(model, variant, share, brief, file=sys.stderr)
    results["provenance"] = provenance()
    RESULTS.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"written to {RESULTS}", file=sys.stderr)


def mixes(networks: dict, probs: dict, gold: dict, checks: dict, labels: list[str]) -> dict:
    """Scores of the network mixed with the n-gram part at each share (recipe's, and 0.5)."""
    out = {}
    for share in sorted({*(RECIPE.ngram_weights or ()), 0.5}):
        predicted = {
            name: ((1 - share) * networks[name] + share * probs[name]).argmax(axis=1)
            for name in gold
        }
        row = {
            name: round(100 * float((p == gold[name]).mean()), 2) for name, p in predicted.items()
        }
        row["test mean"] = round(float(np.mean([row[name] for name in gold_domains()])), 2)
        for name, items in checks.items():
            table = score_by_category(items, [labels[i] for i in predicted[name]])
            row[f"{name} by category"] = {
                c: round(100 * v["accuracy"], 1) for c, v in table["categories"].items()
            }
        out[f"share {share:g}"] = row
    return out


if __name__ == "__main__":
    main()
