"""Label scores against scikit-learn, CoNLL 2018 span alignment, the tagger's evaluation."""

from __future__ import annotations

import numpy as np
import pytest

from seqnlp.evaluation import (
    accuracy,
    aligned_counts,
    classification_report,
    confusion_matrix,
    label_set,
    macro_f1,
    per_label_scores,
)

GOLD = ["NOUN", "VERB", "NOUN", "DET", "ADJ", "NOUN", "VERB", "DET"]
PRED = ["NOUN", "NOUN", "NOUN", "DET", "NOUN", "VERB", "VERB", "PRON"]


def test_accuracy_and_confusion():
    assert accuracy(GOLD, PRED) == 4 / 8
    assert accuracy([], []) == 0.0
    labels = label_set(GOLD, PRED)
    assert labels == ["ADJ", "DET", "NOUN", "PRON", "VERB"]
    matrix = confusion_matrix(GOLD, PRED, labels)
    assert matrix.sum() == 8 and np.trace(matrix) == 4
    assert matrix[labels.index("VERB"), labels.index("NOUN")] == 1
    with pytest.raises(ValueError, match="8 gold labels but 2 predicted"):
        accuracy(GOLD, PRED[:2])


def test_per_label_scores_and_macro_f1_match_scikit_learn():
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    labels = label_set(GOLD, PRED)
    p, r, f, s = precision_recall_fscore_support(GOLD, PRED, labels=labels, zero_division=0)
    scores = per_label_scores(GOLD, PRED)
    for i, label in enumerate(labels):
        assert scores[label]["precision"] == pytest.approx(p[i])
        assert scores[label]["recall"] == pytest.approx(r[i])
        assert scores[label]["f1"] == pytest.approx(f[i])
        assert scores[label]["support"] == s[i]
    want = f1_score(GOLD, PRED, labels=labels, average="macro", zero_division=0)
    assert macro_f1(GOLD, PRED) == pytest.approx(want)
    report = classification_report(GOLD, PRED)
    assert report["n"] == 8 and report["macro_f1"] == pytest.approx(want)
    assert set(report["per_label"]) == set(labels)


def test_a_prediction_outside_the_labels_is_wrong_and_keeps_its_support():
    """A classifier's "unknown" answer: its gold label's recall counts it as a miss (it was
    left out of the support, which raised the recall)."""
    gold = ["pos", "pos", "neg", "neg"]
    predicted = ["pos", "unknown", "neg", "pos"]
    report = classification_report(gold, predicted, labels=["neg", "pos"])
    assert report["per_label"]["pos"] == {
        "precision": 0.5,
        "recall": 0.5,
        "f1": 0.5,
        "support": 2,
    }
    assert report["macro_recall"] == 0.5


def test_span_alignment_as_in_conll_2018():
    gold = ["I", "do", "n't", "know", "."]
    tags = ["PRON", "AUX", "PART", "VERB", "PUNCT"]
    # the same words, one tag wrong
    assert aligned_counts(gold, tags, gold, ["PRON", "AUX", "PART", "NOUN", "PUNCT"]) == (
        5,
        5,
        5,
        4,
    )
    # "don't" kept whole aligns with neither "do" nor "n't"; "know." glued aligns with nothing
    system = ["I", "don't", "know."]
    assert aligned_counts(gold, tags, system, ["PRON", "AUX", "VERB"]) == (5, 3, 1, 1)
    # spaces inside the text do not matter, only the characters of the words
    assert aligned_counts(["New York"], ["PROPN"], ["New", "York"], ["PROPN", "PROPN"]) == (
        1,
        2,
        0,
        0,
    )
