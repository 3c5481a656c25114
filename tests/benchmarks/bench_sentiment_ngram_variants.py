"""Variants of the sentiment model's n-gram part, on the shipped networks, run on demand.

    SEQNLP_DATA_DIR=../shared/data python tests/benchmarks/bench_sentiment_ngram_variants.py

Issue #15 asked whether a better n-gram partner fixes negation: the shipped networks stay
fixed and the n-gram part is refitted on the recipe's training data (SST-2 phrases and
sentences plus the augmentation) either as shipped, or with negation scope marked (Das & Chen
2001, Pang et al. 2002: every token after a negator, up to punctuation or a contrast word,
becomes NOT_token; a second negator ends the scope). Each is mixed with the networks at one
share for texts without a negation or contrast cue and another for texts with one (the
shipped model: one share for all), the pair chosen on SST-2 dev; SST-2 test and both check
lists are reported for the choice. Writes tests/benchmarks/results/sentiment_ngram_variants.json.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

from seqnlp.sentiment import SentimentClassifier, read_labeled
from seqnlp.sentiment.augment import CONTRASTS, NEGATORS
from seqnlp.sentiment.checklist import read_checklist
from seqnlp.sentiment.ngrams import NgramModel
from seqnlp.sentiment.recipe import RECIPE
from seqnlp.sentiment.training import read_examples

RESULTS = Path(__file__).parent / "results" / "sentiment_ngram_variants.json"
BLIND = Path(__file__).parents[2] / "data" / "samples" / "sentiment_checklist_blind.tsv"
SHARES = (0.0, 0.2, 0.35, 0.5)


SCOPE_ENDS = frozenset(". , ; : ! ? --".split()) | CONTRASTS


def mark_negation(tokens: list[str]) -> list[str]:
    """Tokens in a negator's scope prefixed NOT_ ("not a bad film" -> not NOT_a NOT_bad ...):
    the tokens after an odd number of negators since the last scope end."""
    out, negated = [], False
    for token in tokens:
        if token in NEGATORS:
            negated = not negated
        elif token in SCOPE_ENDS:
            negated = False
        out.append("NOT_" + token if negated and token not in NEGATORS else token)
    return out


def has_cue(tokens: list[str]) -> bool:
    return bool(NEGATORS.intersection(tokens) or CONTRASTS.intersection(tokens))


def main() -> None:
    classifier = SentimentClassifier.load()
    classifier.config.ngram_weight = 0.0  # the networks alone; the n-gram part is mixed here
    train, _ = read_examples(list(RECIPE.train), "train", merge=True)
    train += RECIPE.augmentation.examples(train)
    train_tokens = [classifier.tokens(e.text) for e in train]
    kept = [(t, classifier.label_index(e.label)) for t, e in zip(train_tokens, train, strict=True)]
    kept = [(t, y) for t, y in kept if t]
    data = {
        "dev": read_labeled("sst2", "dev"),
        "test": read_labeled("sst2", "test"),
        "checklist": read_checklist(),
        "checklist_blind": read_checklist(BLIND),
    }
    texts = {name: [e.text for e in examples] for name, examples in data.items()}
    tokens = {name: [classifier.tokens(t) for t in ts] for name, ts in texts.items()}
    gold = {
        name: np.array([classifier.label_index(e.label) for e in examples])
        for name, examples in data.items()
    }
    cue = {name: np.array([has_cue(t) for t in ts]) for name, ts in tokens.items()}
    networks = {name: classifier.probabilities(ts) for name, ts in texts.items()}

    def accuracy(probs: np.ndarray, name: str) -> float:
        return round(100 * float((probs.argmax(axis=1) == gold[name]).mean()), 2)

    results: dict = {
        "networks_alone": {name: accuracy(p, name) for name, p in networks.items()},
        "cue_share": {name: round(float(c.mean()), 3) for name, c in cue.items()},
        "variants": {},
    }
    for variant, prepare in (("as shipped", list), ("negation scope marked", mark_negation)):
        start = time.perf_counter()
        ngrams = NgramModel.fit([prepare(t) for t, _ in kept], [y for _, y in kept], 2)
        seconds = round(time.perf_counter() - start, 1)
        probs = {
            name: ngrams.probabilities([prepare(t) for t in ts]) for name, ts in tokens.items()
        }
        mixes = {}
        for plain, cued in itertools.product(SHARES, SHARES):
            mixed = {}
            for name in data:
                share = np.where(cue[name], cued, plain)[:, None]
                mixed[name] = accuracy((1 - share) * networks[name] + share * probs[name], name)
            mixes[f"{plain}/{cued}"] = mixed
        # dev picks; ties go to the smaller shares, as the recipe's choice does
        best = max(mixes, key=lambda k: (mixes[k]["dev"], -sum(map(float, k.split("/")))))
        results["variants"][variant] = {
            "fit_seconds": seconds,
            "features": len(ngrams.ngrams),
            "alone": {name: accuracy(p, name) for name, p in probs.items()},
            "chosen_on_dev": {"shares (no cue/cue)": best, **mixes[best]},
            "one_share_0.35": mixes["0.35/0.35"],
            "every_mix": mixes,
        }
        print(variant, json.dumps(results["variants"][variant]["chosen_on_dev"]), file=sys.stderr)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"written to {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
