"""Sentiment benchmarks, run on demand (not part of the test suite).

    SEQNLP_DATA_DIR=../shared/data python tests/benchmarks/bench_sentiment.py [--model DIR]

Writes tests/benchmarks/results/sentiment.json with:
- accuracy and macro F1 of the shipped classifier (or --model) on SST-2 dev and test;
- for a classifier that averages its network with an n-gram model, each part alone;
- the scikit-learn baseline, TF-IDF over word 1-2-grams + logistic regression, trained in
  the same run on the same data as the shipped recipe (SST-2 phrases + sentences, C chosen
  on dev), on the same tokens;
- the negation/contrast check list (data/samples/sentiment_checklist.tsv, 270 sentences in 12
  categories) scored per category for the classifier, its networks alone, the TF-IDF
  baseline, VADER and TextBlob (``pip install vaderSentiment==3.3.2 textblob==0.20.1``), and
  the two lexicon peers' SST-2 test accuracy, all in the same run;
- the same for the blind check list (data/samples/sentiment_checklist_blind.tsv, 144
  sentences in the same categories by an author who saw neither the first list nor the
  augmentation templates; nothing was chosen on it);
- prediction throughput of ``seqnlp sentiment --input FILE`` on 20,000 SST sentences
  (process start included) and of ``SentimentClassifier.predict`` in process, beside VADER's
  and TextBlob's on the same sentences in the same run (the ratio: ``predict_vs_peers``);
- cold start of ``seqnlp sentiment "a gripping, funny film"`` (median of 5 process runs).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.provenance import provenance  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "sentiment.json"
# written by a second author who saw neither the first check list nor the augmentation
# templates, and never used for choosing anything: the honest held-out check
BLIND_CHECKLIST = Path(__file__).parents[2] / "data" / "samples" / "sentiment_checklist_blind.tsv"
COLD_START_TEXT = "a gripping, funny film"


def training_data():
    """The shipped recipe's data: SST-2 phrases, then sentences, repeated pairs kept once."""
    from seqnlp.sentiment import read_labeled

    seen, examples = set(), []
    for split in ("phrases", "train"):
        for e in read_labeled("sst2", split):
            if (e.text, e.label) not in seen:
                seen.add((e.text, e.label))
                examples.append(e)
    return examples


def accuracy(model: str | None, dev, test) -> dict:
    from seqnlp.sentiment import SentimentClassifier

    classifier = SentimentClassifier.load(model)
    out = {"model": str(model or "default"), "config": classifier.meta.get("training")}
    out["network"] = vars(classifier.config)
    out["train_seconds"] = classifier.meta.get("train_seconds")
    out["parameters"] = classifier.meta.get("parameters")
    for name, data in (("dev", dev), ("test", test)):
        scores = classifier.evaluate(data)
        out[name] = {k: round(scores[k], 4) for k in ("accuracy", "macro_f1")} | {"n": len(data)}
    if classifier.config.ngram_weight:
        # the recurrent network alone, without its n-gram partner
        weight = classifier.config.ngram_weight
        classifier.config.ngram_weight = 0.0
        out["network_alone"] = {
            name: round(classifier.evaluate(data)["accuracy"], 4)
            for name, data in (("dev", dev), ("test", test))
        }
        classifier.config.ngram_weight = weight
        out["ngrams_alone"] = {}
        for name, data in (("dev", dev), ("test", test)):
            probs = classifier.ngram_model.probabilities([classifier.tokens(e.text) for e in data])
            gold = [classifier.label_index(e.label) for e in data]
            correct = sum(int(p.argmax()) == g for p, g in zip(probs, gold, strict=True))
            out["ngrams_alone"][name] = round(correct / len(data), 4)
    return out


class TfidfBaseline:
    """scikit-learn's TF-IDF over word 1-2-grams + LogisticRegression, C chosen on dev."""

    def __init__(self, train, dev, cs=(0.3, 1.0, 3.0, 10.0)) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.vectorizer = TfidfVectorizer(
            ngram_range=(1, 2),
            tokenizer=str.split,
            token_pattern=None,
            lowercase=False,
            sublinear_tf=True,
        )
        matrix = self.vectorizer.fit_transform(self._texts([e.text for e in train]))
        best = None
        for c in cs:
            self.model = LogisticRegression(C=c, max_iter=2000).fit(
                matrix, [e.label for e in train]
            )
            score = self.accuracy(dev)
            if best is None or score > best[0]:
                best = (score, c, self.model)
        _, self.c, self.model = best

    @staticmethod
    def _texts(texts):
        from seqnlp.sentiment.data import to_example

        return [" ".join(to_example(t, max_tokens=None)) for t in texts]

    def predict(self, texts):
        return list(self.model.predict(self.vectorizer.transform(self._texts(texts))))

    def accuracy(self, examples) -> float:
        predicted = self.predict([e.text for e in examples])
        return sum(p == e.label for p, e in zip(predicted, examples, strict=True)) / len(examples)


def baseline(train, dev, test) -> tuple[dict, TfidfBaseline]:
    start = time.perf_counter()
    model = TfidfBaseline(train, dev)
    seconds = time.perf_counter() - start
    return {
        "model": "TF-IDF word 1-2-grams (sublinear tf) + LogisticRegression, scikit-learn",
        "train_examples": len(train),
        "C": model.c,
        "train_seconds": round(seconds, 1),
        "dev": {"accuracy": round(model.accuracy(dev), 4)},
        "test": {"accuracy": round(model.accuracy(test), 4)},
    }, model


def lexicon_peers(labels: tuple[str, str] = ("negative", "positive")) -> dict:
    """The lexicon tools users reach for first, as label functions (``labels``: negative,
    positive) where installed: VADER (compound >= 0 is positive) and TextBlob (polarity >= 0),
    as in FIELD-NOTES."""
    negative, positive = labels
    peers = {}
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        vader = SentimentIntensityAnalyzer()
        peers["vader"] = lambda text: (
            positive if vader.polarity_scores(text)["compound"] >= 0 else negative
        )
    except ImportError:
        print("vaderSentiment not installed: pip install vaderSentiment==3.3.2", file=sys.stderr)
    try:
        from textblob import TextBlob

        peers["textblob"] = lambda text: (
            positive if TextBlob(text).sentiment.polarity >= 0 else negative
        )
    except ImportError:
        print("textblob not installed: pip install textblob==0.20.1", file=sys.stderr)
    return peers


def checklist(model: str | None, tfidf, test, path: Path | None = None) -> dict:
    """A check list (default: the shipped one) by category for the classifier, its networks
    alone, the TF-IDF baseline and the lexicon peers, all in this run; the peers' SST-2 test
    accuracy too, unless ``test`` is None (it was scored with another list)."""
    from seqnlp.sentiment import SentimentClassifier
    from seqnlp.sentiment.checklist import read_checklist, score_by_category

    classifier = SentimentClassifier.load(model)
    items = read_checklist(path)
    texts = [item.text for item in items]

    answers = {}
    answers["model"] = [
        classifier.labels[int(i)] for i in classifier.probabilities(texts).argmax(axis=1)
    ]
    weight = classifier.config.ngram_weight
    classifier.config.ngram_weight = 0.0  # the recurrent network(s) alone
    answers["network_alone"] = [
        classifier.labels[int(i)] for i in classifier.probabilities(texts).argmax(axis=1)
    ]
    classifier.config.ngram_weight = weight
    if tfidf is not None:
        answers["tfidf"] = tfidf.predict(texts)
    peers = lexicon_peers()
    sst2_test = {}
    for name, predict in peers.items():
        answers[name] = [predict(text) for text in texts]
        if test is not None:
            sst2_test[name] = sum(predict(e.text) == e.label for e in test) / len(test)
    scores = {}
    for name, labels in answers.items():
        scored = score_by_category(items, [str(label) for label in labels])
        scores[name] = {
            "accuracy": scored["accuracy"],
            "correct": scored["correct"],
            "n": scored["n"],
            "worst": scored["worst"],
            "categories": {k: v["accuracy"] for k, v in scored["categories"].items()},
            "failures": [f["text"] for f in scored["failures"]],
        }
    return {"scores": scores, "peers_sst2_test": sst2_test}


def throughput(model: str | None, sentences: list[str], n: int = 20_000) -> dict:
    """Sentences/s of the command on a file (start-up included) and of predict in process."""
    from seqnlp.sentiment import SentimentClassifier

    lines = [sentences[i % len(sentences)] for i in range(n)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "texts.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        cmd = ["seqnlp", "sentiment", "--input", str(path)] + (["-m", model] if model else [])
        times = []
        for _ in range(3):
            start = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True, check=True)
            times.append(time.perf_counter() - start)
            assert len(done.stdout.splitlines()) == n
    classifier = SentimentClassifier.load(model)
    start = time.perf_counter()
    classifier.predict(lines)
    in_process = time.perf_counter() - start
    peers = {}
    for name, label in lexicon_peers().items():  # the same lines, in the same process
        start = time.perf_counter()
        for line in lines:
            label(line)
        peers[name] = round(n / (time.perf_counter() - start))
    best = min(times)
    return {
        "sentences": n,
        "command_seconds": [round(t, 2) for t in times],
        "command_sentences_per_s": round(n / best),
        "predict_sentences_per_s": round(n / in_process),
        "peers_sentences_per_s": peers,
        "predict_vs_peers": {name: round(n / in_process / rate, 2) for name, rate in peers.items()},
    }


def cold_start(model: str | None, runs: int = 5) -> dict:
    """Seconds from process start to the answer, as a user sees it."""
    cmd = ["seqnlp", "sentiment", COLD_START_TEXT] + (["-m", model] if model else [])
    times, answer = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        answer = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        times.append(time.perf_counter() - start)
    return {
        "command": " ".join(cmd),
        "answer": answer.strip(),
        "seconds": [round(t, 3) for t in times],
        "median_seconds": round(statistics.median(times), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="classifier directory (default: the shipped one)")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()

    from seqnlp.sentiment import read_labeled

    dev, test = read_labeled("sst2", "dev"), read_labeled("sst2", "test")
    results = provenance()
    results["classifier"] = accuracy(args.model, dev, test)
    print(json.dumps(results["classifier"], indent=1), file=sys.stderr)
    tfidf = None
    if not args.skip_baseline:
        results["tfidf_baseline"], tfidf = baseline(training_data(), dev, test)
        print(json.dumps(results["tfidf_baseline"], indent=1), file=sys.stderr)
    results["checklist"] = checklist(args.model, tfidf, test)
    results["checklist_blind"] = checklist(args.model, tfidf, None, BLIND_CHECKLIST)
    results["throughput"] = throughput(args.model, [e.text for e in test])
    results["cold_start"] = cold_start(args.model)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    lists = ("checklist", "checklist_blind")
    summary = {k: v for k, v in results.items() if k not in lists}
    for key in lists:
        summary[key] = {
            name: {"accuracy": round(s["accuracy"], 4), "worst": s["worst"]}
            for name, s in results[key]["scores"].items()
        }
    summary["peers_sst2_test"] = results["checklist"]["peers_sst2_test"]
    print(json.dumps(summary, indent=2))
    print(f"written to {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
