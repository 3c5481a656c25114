"""Sentiment across domains, run on demand (not part of the test suite).

    SEQNLP_DATA_DIR=../shared/data python tests/benchmarks/bench_sentiment_domains.py \\
        [--model sentiment] [--film sentiment-film] [--three sentiment-3]

Scores, in one run and on the same test splits (every registered sentiment dataset's test
split, three-class sets read for their positive and negative texts):
- the shipped general classifier (or --model) and the film-only one (--film);
- VADER and TextBlob (these and fastText: ``pip install -e .[bench]``);
- TF-IDF word 1-2-grams + LogisticRegression (C chosen on the recipe's dev sets) and fastText
  (fasttext-wheel 0.9.2; wordNgrams 2, 5 epochs, 200k buckets), both trained here on
  exactly the texts the recipe's n-gram part reads (every training text of the recipe's
  sources, before the networks' sample), tokenised by the same ``to_example``;
accuracy per domain and the mean over the gold-labelled domains (Sentiment140's emoticon
labels are noisy: reported, not averaged). Then three classes: macro-averaged recall on the
SemEval-2017 Task 4A test set (the task's metric) for --three, VADER (compound within +-0.05 is
neutral), and TF-IDF+LR and fastText trained on the three-class recipe's data.
Writes tests/benchmarks/results/sentiment_domains.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from bench_sentiment import TfidfBaseline, lexicon_peers
from provenance import provenance

from seqnlp.evaluation import classification_report
from seqnlp.labelled import sentiment_datasets
from seqnlp.sentiment import SentimentClassifier
from seqnlp.sentiment.data import to_example
from seqnlp.sentiment.recipe import RECIPE, THREE_CLASS_RECIPE
from seqnlp.sentiment.training import read_examples

RESULTS = Path(__file__).parent / "results" / "sentiment_domains.json"
BINARY = ("negative", "positive")


def recipe_data(recipe, labels):
    """(train, dev) of a recipe as its n-gram part reads them: every text, no sample."""
    train, _ = read_examples(recipe.train, "train", merge=True, labels=labels)
    dev, _ = read_examples(recipe.dev, "dev", labels=labels)
    return train, dev


def gold_domains() -> list[str]:
    """The registered sets whose labels are people's (Sentiment140's emoticons are not):
    the ones a mean over domains averages."""
    return [name for name, dataset in sentiment_datasets().items() if not dataset.noisy]


def domain_tests() -> dict[str, list]:
    """Each registered dataset's test split, positive and negative texts."""
    return {
        name: read_examples(f"{name}:test", "test", labels=BINARY)[0]
        for name in sentiment_datasets()
    }


class FastTextPeer:
    """fastText supervised (Joulin et al. 2017) on the same tokens as the other models."""

    def __init__(self, train, epochs: int = 5) -> None:
        import tempfile

        import fasttext

        # fastText reads its file in order while its learning rate decays: shuffled, or the
        # last source in the file dominates (a seeded shuffle, as the networks' batches)
        train = random.Random(0).sample(list(train), len(train))
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            for e in train:
                f.write(f"__label__{e.label} {self._text(e.text)}\n")
        self.model = fasttext.train_supervised(
            f.name, wordNgrams=2, epoch=epochs, bucket=200_000, verbose=0, thread=2
        )
        Path(f.name).unlink()
        # a text with no tokens gets no label from fastText: answer the commonest one
        self.fallback = Counter(e.label for e in train).most_common(1)[0][0]

    @staticmethod
    def _text(text: str) -> str:
        return " ".join(to_example(text, max_tokens=None))

    def predict(self, texts):
        # model.predict fails under numpy 2 (FIELD-NOTES): the C++ binding directly
        answers = (self.model.f.predict(self._text(t), 1, 0.0, "strict") for t in texts)
        return [a[0][1][9:] if a else self.fallback for a in answers]


def report(predict, examples, labels) -> dict:
    """seqnlp.evaluation's report of ``predict`` on ``examples``: an "unknown" is wrong."""
    predicted = predict([e.text for e in examples])
    return classification_report([e.label for e in examples], predicted, labels)


def classifier_predict(path: str):
    model = SentimentClassifier.load(path)
    return lambda texts: [p.label for p in model.predict(texts)]


def binary_section(args) -> dict:
    tests = domain_tests()
    gold = gold_domains()
    train, dev = recipe_data(RECIPE, BINARY)
    systems = {}
    for name, path in (("seqnlp", args.model), ("seqnlp-film", args.film)):
        systems[name] = classifier_predict(path)
    for name, label in lexicon_peers(BINARY).items():  # a label function per text
        systems[name] = lambda texts, label=label: [label(t) for t in texts]
    start = time.perf_counter()
    tfidf = TfidfBaseline(train, dev)
    tfidf_seconds = time.perf_counter() - start
    systems["tfidf-lr"] = tfidf.predict
    start = time.perf_counter()
    systems["fasttext"] = FastTextPeer(train).predict
    fasttext_seconds = time.perf_counter() - start
    scores: dict[str, dict[str, float]] = {}
    for system, predict in systems.items():
        scores[system] = {d: round(report(predict, tests[d], BINARY)["accuracy"], 4) for d in tests}
        scores[system]["mean"] = round(float(np.mean([scores[system][d] for d in gold])), 4)
        print(system, scores[system], file=sys.stderr)
    return {
        "domains": {
            d: {"dataset": d, "domain": sentiment_datasets()[d].domain, "test_texts": len(t)}
            for d, t in tests.items()
        },
        "mean_over": gold,
        "peer_training": {
            "texts": len(train),
            "dev_texts": len(dev),
            "tfidf_C": tfidf.c,
            "tfidf_seconds": round(tfidf_seconds, 1),
            "fasttext_seconds": round(fasttext_seconds, 1),
        },
        "accuracy": scores,
    }


def three_class_section(args) -> dict:
    labels = ("negative", "neutral", "positive")
    test = read_examples(THREE_CLASS_RECIPE.test, "test")[0]
    train, dev = recipe_data(THREE_CLASS_RECIPE, None)
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()

    def vader_label(text: str) -> str:
        compound = vader.polarity_scores(text)["compound"]
        return "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"

    systems = {
        "seqnlp-3": classifier_predict(args.three),
        "vader": lambda texts: [vader_label(t) for t in texts],
        "tfidf-lr": TfidfBaseline(train, dev).predict,
        "fasttext": FastTextPeer(train).predict,
    }
    recall = {
        name: round(report(p, test, labels)["macro_recall"], 4) for name, p in systems.items()
    }
    print("three classes", recall, file=sys.stderr)
    return {
        "test": {"source": THREE_CLASS_RECIPE.test, "texts": len(test)},
        "train_texts": len(train),
        "macro_recall": recall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="sentiment")
    parser.add_argument("--film", default="sentiment-film")
    parser.add_argument("--three", default="sentiment-3")
    args = parser.parse_args()
    binary, three = binary_section(args), three_class_section(args)
    results = {**provenance(), "binary": binary, "three_classes": three}
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
