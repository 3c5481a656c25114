"""How many words of the pretrained vectors the shipped classifier should add after training
(``RECIPE.pretrained_words``, :meth:`SentimentClassifier.add_words`), run on demand.

    SEQNLP_DATA_DIR=../shared/data python tests/benchmarks/bench_sentiment_words.py
    PATH=.venv/bin:$PATH python tests/benchmarks/bench_sentiment_words.py speed   # 2 minutes

The shipped networks are fixed; only the number of added words changes, so every row is a
paired comparison on the same networks (a retrained network moves SST-2 test by +-1 point
by its seed alone). The words come from the recipe's vectors. For each count: the n-gram
share chosen on the recipe's dev sets as the recipe does, then test accuracy on every
registered set's test split (and their mean, as bench_sentiment_domains.py takes it), the
check list and the blind check list (per category), and the size of the model directory.
Also: how far training moved the pretrained rows (the reason the added words' vectors fit).
Writes tests/benchmarks/results/sentiment_words.json. ``speed`` measures only what the
added words cost in speed: ``seqnlp sentiment --input`` throughput and cold start
(bench_sentiment.py's) of the networks without and with the recipe's added words, saved
side by side and run in alternation, twice; it replaces the file's ``speed`` entry only.
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from seqnlp.embeddings import WordVectors
from seqnlp.embeddings.recipe import pretrained_vectors
from seqnlp.labelled import sentiment_datasets
from seqnlp.sentiment import SentimentClassifier, read_labeled
from seqnlp.sentiment.checklist import read_checklist, score_by_category
from seqnlp.sentiment.config import PRETRAINED, member_prefix
from seqnlp.sentiment.recipe import RECIPE
from seqnlp.sentiment.training import _choose_ngram_weight, read_examples
from seqnlp.vocab import Vocab

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.bench_sentiment import cold_start, throughput  # noqa: E402
from tests.benchmarks.bench_sentiment_domains import BINARY, domain_tests, report  # noqa: E402
from tests.benchmarks.provenance import provenance  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "sentiment_words.json"
BLIND = Path(__file__).parents[2] / "data" / "samples" / "sentiment_checklist_blind.tsv"
COUNTS = (0, 5_000, 10_000, 15_000, 20_000, 30_000, None)  # None: every unseen word


def trained_only(classifier: SentimentClassifier) -> SentimentClassifier:
    """The classifier as training left it: without the words added afterwards."""
    kept = classifier.config.num_words - classifier.config.num_pretrained
    tensors = {k: v for k, v in classifier.tensors.items() if k != PRETRAINED}
    config = replace(classifier.config, num_words=kept, num_pretrained=0)
    vocab = Vocab(classifier.vocab.itos[2:kept])
    return SentimentClassifier(
        config, vocab, classifier.labels, tensors, classifier.label_names, {}, classifier.ngrams
    )


def row_drift(classifier: SentimentClassifier, vectors: WordVectors) -> list[float]:
    """Mean cosine, per member, between a training word's pretrained vector and its row."""
    words = [w for w in classifier.vocab.itos[2:] if w in vectors]
    before = np.stack([vectors.vector(w) for w in words])
    ids = [classifier.vocab.stoi[w] for w in words]
    out = []
    for m in range(classifier.config.members):
        after = classifier.tensors[member_prefix(m, classifier.config.members) + "embedding.weight"]
        after = after[ids]
        cos = (
            (before * after).sum(1) / np.linalg.norm(before, axis=1) / np.linalg.norm(after, axis=1)
        )
        out.append(round(float(cos.mean()), 4))
    return out


def accuracy(classifier: SentimentClassifier, examples) -> float:
    """As bench_sentiment_domains.py scores: an ``unknown`` answer (no evidence, e.g. an
    unseen word alone) is a miss."""
    predicted = report(lambda texts: [p.label for p in classifier.predict(texts)], examples, BINARY)
    return round(100 * predicted["accuracy"], 2)


def check(classifier: SentimentClassifier, items) -> dict:
    probs = classifier.probabilities([item.text for item in items])
    scored = score_by_category(items, [classifier.labels[int(i)] for i in probs.argmax(axis=1)])
    return {
        "accuracy": round(100 * scored["accuracy"], 2),
        "categories": {k: round(100 * v["accuracy"], 1) for k, v in scored["categories"].items()},
    }


def speed(rounds: int = 2) -> dict:
    """Throughput and cold start without and with the added words, alternating."""
    shipped = SentimentClassifier.load()
    models = {"without_added_words": trained_only(shipped), "with_added_words": shipped}
    texts = [e.text for e in read_labeled("sst2", "test")]
    out: dict = {name: [] for name in models}
    with tempfile.TemporaryDirectory() as tmp:
        for name, model in models.items():
            model.save(Path(tmp) / name, dtype=RECIPE.dtype)
        for _ in range(rounds):
            for name in models:
                directory = str(Path(tmp) / name)
                run = {**throughput(directory, texts), "cold_start": cold_start(directory)}
                print(name, json.dumps(run), file=sys.stderr)
                out[name].append(run)
    rate = {n: max(r["command_sentences_per_s"] for r in runs) for n, runs in out.items()}
    out["ratio_with_to_without"] = round(rate["with_added_words"] / rate["without_added_words"], 3)
    return out


def main() -> None:
    if sys.argv[1:] == ["speed"]:
        results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
        results["speed"] = {**speed(), "run": provenance()}
        RESULTS.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        return
    base = trained_only(SentimentClassifier.load())
    vectors, _ = pretrained_vectors(RECIPE.embeddings)
    options = {"labels": RECIPE.labels, "sample": RECIPE.sample}
    dev = read_examples(RECIPE.dev, "dev", **options)[0]
    tests = domain_tests()
    gold = [n for n, d in sentiment_datasets().items() if not d.noisy]
    lists = {"checklist": read_checklist(), "checklist_blind": read_checklist(BLIND)}
    unseen = sum(1 for w in vectors.words if w not in base.vocab)
    rows = []
    for count in COUNTS:
        classifier = base.add_words(vectors, count) if count != 0 else base
        classifier = _choose_ngram_weight(classifier, dev, RECIPE.ngram_weights)
        test = {name: accuracy(classifier, examples) for name, examples in tests.items()}
        test["mean"] = round(float(np.mean([test[n] for n in gold])), 2)
        with tempfile.TemporaryDirectory() as tmp:
            classifier.save(Path(tmp) / "m", dtype=RECIPE.dtype)
            size = sum(f.stat().st_size for f in (Path(tmp) / "m").iterdir())
        row = {
            "added_words": classifier.config.num_pretrained,
            "ngram_share": classifier.config.ngram_weight,
            "dev_by_share": {
                str(k): round(100 * v, 2)
                for k, v in classifier.meta["ngram_weight_chosen"]["dev_accuracy"].items()
            },
            "test": test,
            **{name: check(classifier, items) for name, items in lists.items()},
            "model_bytes": size,
            "shipped": count == RECIPE.pretrained_words,
        }
        rows.append(row)
        print(
            f"{row['added_words']:>6} words  share {row['ngram_share']:.2f}  dev "
            f"{row['dev_by_share'][str(row['ngram_share'])]:.2f}  mean {test['mean']:.2f}  "
            f"sst2 {test['sst2']:.2f}  mpqa {test['mpqa']:.2f}  "
            f"check {row['checklist']['accuracy']:.2f}  blind "
            f"{row['checklist_blind']['accuracy']:.2f}  {size / 1e6:.1f} MB",
            file=sys.stderr,
        )
    results = {
        "what": "words of the recipe's vectors added to the shipped networks after training",
        "trained_words": len(base.vocab),
        "unseen_vector_words": unseen,
        "row_cosine_before_after_training": row_drift(base, vectors),
        "rows": rows,
        **provenance(),
    }
    RESULTS.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"written to {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
