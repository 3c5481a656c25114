"""The shipped models' headline figures, pinned (issue #32.4): a change that moves any of them
fails here, so a README figure cannot go stale unnoticed. Each evaluation takes seconds.

Figures are percentages, compared after rounding to two decimals. Retrained a shipped model?
Run this file, and copy the measured figures that the failure prints into the EXPECTED dict
of that model (and into the README).
"""

from __future__ import annotations

from pathlib import Path

import pytest

# ---- the shipped sentiment classifiers: UPDATE HERE after retraining one ---------------
# the general model ("sentiment"), the film-only one ("sentiment-film"), each by name
EXPECTED_SENTIMENT = {
    "sentiment": {
        "sst2 dev accuracy": 86.12,
        "sst2 test accuracy": 87.26,
        "sst2 test ECE": 1.78,  # expected calibration error, 15 bins
        "yelp test accuracy": 95.83,
        "check list accuracy": 84.07,  # data/samples/sentiment_checklist.tsv, 270 sentences
        "check list, odd rows (used for choices)": 78.52,
        "check list, even rows (held out)": 89.63,
        "blind check list accuracy": 77.78,  # sentiment_checklist_blind.tsv, 144 sentences
    },
    "sentiment-film": {
        "sst2 dev accuracy": 87.04,
        "sst2 test accuracy": 87.59,
        "sst2 test ECE": 2.72,
        "yelp test accuracy": 90.61,
        "check list accuracy": 86.30,
        "check list, odd rows (used for choices)": 80.74,
        "check list, even rows (held out)": 91.85,
        "blind check list accuracy": 75.69,
    },
}
# the three-class model: macro-averaged recall on the SemEval-2017 Task 4A test set
EXPECTED_THREE_CLASS = {"semeval2017 test macro recall": 63.82, "semeval2017 test accuracy": 64.19}
SENTIMENT_TOLERANCE = 0.0  # points: the evaluation is deterministic

# ---- the shipped tagger and the tokenizer ------------------------------------------------
EXPECTED_TAGGER = {
    "EWT test UPOS accuracy": 96.10,
    "EWT test XPOS accuracy": 95.53,
    "EWT test UPOS accuracy on words unseen in training": 83.95,
    "EWT test UPOS F1 from raw text, gold sentence boundaries": 95.50,
    # whole documents, sentences split by seqnlp (as Stanza's 95.40 is measured)
    "EWT test UPOS F1 from raw documents": 95.24,
    "EWT test XPOS F1 from raw documents": 94.54,
}
EXPECTED_TOKENIZER = {
    "EWT test word F1": 99.22,
    "EWT test sentence F1": 68.90,
    "EWT dev word F1": 99.48,
    "EWT dev sentence F1": 75.05,
}
TOLERANCE = 0.0


def _check(measured: dict[str, float], expected: dict[str, float], tolerance: float) -> None:
    got = {name: round(100 * value, 2) for name, value in measured.items()}
    wrong = {k: (got[k], v) for k, v in expected.items() if abs(got[k] - v) > tolerance + 1e-9}
    assert not wrong, (
        "measured (got, expected): "
        + ", ".join(f"{k!r}: {g} vs {e}" for k, (g, e) in wrong.items())
        + f"\nall measured figures: {got}"
    )


def _ewt(shared_data: Path, split: str) -> Path:
    return shared_data / "ud_english_ewt" / f"en_ewt-ud-{split}.conllu"


@pytest.mark.parametrize("name", sorted(EXPECTED_SENTIMENT))
def test_shipped_sentiment_figures(shared_data, name):
    from seqnlp import load
    from seqnlp.corpus import LabeledText
    from seqnlp.sentiment.checklist import read_checklist, sentiment_checklist_path
    from seqnlp.sentiment.data import read_labeled

    classifier = load(name)

    def accuracy(items) -> float:
        return classifier.evaluate([LabeledText(i.text, i.label) for i in items])["accuracy"]

    dev = classifier.evaluate(read_labeled("sst2", "dev"))
    test = classifier.evaluate(read_labeled("sst2", "test"))
    checks = read_checklist()
    blind = read_checklist(sentiment_checklist_path().with_name("sentiment_checklist_blind.tsv"))
    measured = {
        "sst2 dev accuracy": dev["accuracy"],
        "sst2 test accuracy": test["accuracy"],
        "sst2 test ECE": test["calibration"]["ece"],
        "yelp test accuracy": classifier.evaluate(read_labeled("yelp", "test"))["accuracy"],
        "check list accuracy": accuracy(checks),
        "check list, odd rows (used for choices)": accuracy(checks[0::2]),
        "check list, even rows (held out)": accuracy(checks[1::2]),
        "blind check list accuracy": accuracy(blind),
    }
    _check(measured, EXPECTED_SENTIMENT[name], SENTIMENT_TOLERANCE)


def test_shipped_three_class_figures(shared_data):
    from seqnlp import load
    from seqnlp.sentiment.data import read_labeled

    report = load("sentiment-3").evaluate(read_labeled("semeval2017", "test"))
    measured = {
        "semeval2017 test macro recall": report["macro_recall"],
        "semeval2017 test accuracy": report["accuracy"],
    }
    _check(measured, EXPECTED_THREE_CLASS, SENTIMENT_TOLERANCE)


def test_shipped_tagger_figures(shared_data):
    from seqnlp import load
    from seqnlp.tagger.evaluation import evaluate_tagger
    from tests.benchmarks.bench_tagger import document_scores

    tagger = load("tagger")
    scores = evaluate_tagger(tagger, _ewt(shared_data, "test"))
    assert scores["tokens"] == 25094 and scores["oov_tokens"] == 1882
    documents = document_scores(tagger, _ewt(shared_data, "test"))
    assert documents["documents"] == 316
    measured = {
        "EWT test UPOS accuracy": scores["upos_accuracy"],
        "EWT test XPOS accuracy": scores["xpos_accuracy"],
        "EWT test UPOS accuracy on words unseen in training": scores["oov_upos_accuracy"],
        "EWT test UPOS F1 from raw text, gold sentence boundaries": scores["raw_text"]["upos_f1"],
        "EWT test UPOS F1 from raw documents": documents["upos_f1"],
        "EWT test XPOS F1 from raw documents": documents["xpos_f1"],
    }
    _check(measured, EXPECTED_TAGGER, TOLERANCE)


def test_tokenizer_figures(shared_data):
    from seqnlp.corpus import read_conllu
    from seqnlp.evaluation import evaluate_tokenizer

    measured = {}
    for split in ("test", "dev"):
        scores = evaluate_tokenizer(read_conllu(_ewt(shared_data, split)))
        measured[f"EWT {split} word F1"] = scores["word_f1"]
        measured[f"EWT {split} sentence F1"] = scores["sentence_f1"]
    _check(measured, EXPECTED_TOKENIZER, TOLERANCE)


@pytest.mark.parametrize("figure", [96.10, 96.11])
def test_a_moved_figure_fails_and_names_it(figure):
    measured = {"UPOS": 0.961026}
    if figure == 96.10:
        _check(measured, {"UPOS": figure}, 0.0)
    else:
        with pytest.raises(AssertionError, match="'UPOS': 96.1 vs 96.11"):
            _check(measured, {"UPOS": figure}, 0.0)
