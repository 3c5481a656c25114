"""Scores: plain functions over label lists (accuracy, P/R/F1, confusion, aligned spans).

The label functions take two equally long sequences (gold, predicted) of any hashable labels
and use numpy only, so that evaluation on the command line does not pay scikit-learn's
import; ``tests/test_evaluation.py`` checks them against scikit-learn.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np

Labels = Sequence[Hashable]


def _check(gold: Labels, predicted: Labels) -> None:
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predicted")


def label_set(gold: Labels, predicted: Labels = ()) -> list:
    """Every label in ``gold`` and ``predicted``, sorted (as ``str`` when types mix)."""
    labels = set(gold) | set(predicted)
    try:
        return sorted(labels)
    except TypeError:
        return sorted(labels, key=str)


def accuracy(gold: Labels, predicted: Labels) -> float:
    """Fraction of positions where the prediction equals the gold label (0.0 when empty)."""
    _check(gold, predicted)
    if not gold:
        return 0.0
    return sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)


def confusion_matrix(gold: Labels, predicted: Labels, labels: Sequence | None = None) -> np.ndarray:
    """Counts with gold labels as rows and predicted labels as columns.

    Args:
        labels: row/column order; by default :func:`label_set`. Pairs with a label outside
            ``labels`` are left out.
    """
    _check(gold, predicted)
    labels = label_set(gold, predicted) if labels is None else list(labels)
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    rows = [index.get(g, -1) for g in gold]
    cols = [index.get(p, -1) for p in predicted]
    pairs = np.array([(r, c) for r, c in zip(rows, cols, strict=True) if r >= 0 and c >= 0])
    if len(pairs):
        np.add.at(matrix, (pairs[:, 0], pairs[:, 1]), 1)
    return matrix


def per_label_scores(
    gold: Labels, predicted: Labels, labels: Sequence | None = None
) -> dict[Hashable, dict[str, float]]:
    """Precision, recall, F1 and support (gold count) of every label.

    A label never predicted has precision 0; one absent from gold has recall 0 (the
    convention of scikit-learn's ``zero_division=0``).
    """
    labels = label_set(gold, predicted) if labels is None else list(labels)
    matrix = confusion_matrix(gold, predicted, labels)
    correct = np.diag(matrix).astype(float)
    predicted_counts = matrix.sum(axis=0)
    gold_counts = matrix.sum(axis=1)
    scores = {}
    for i, label in enumerate(labels):
        p = correct[i] / predicted_counts[i] if predicted_counts[i] else 0.0
        r = correct[i] / gold_counts[i] if gold_counts[i] else 0.0
        scores[label] = {
            "precision": float(p),
            "recall": float(r),
            "f1": float(2 * p * r / (p + r)) if p + r else 0.0,
            "support": int(gold_counts[i]),
        }
    return scores


def macro_f1(gold: Labels, predicted: Labels, labels: Sequence | None = None) -> float:
    """Unweighted mean of the per-label F1 over ``labels`` (default: gold and predicted)."""
    scores = per_label_scores(gold, predicted, labels)
    return float(np.mean([s["f1"] for s in scores.values()])) if scores else 0.0


def classification_report(
    gold: Labels, predicted: Labels, labels: Sequence | None = None
) -> dict[str, Any]:
    """``accuracy``, ``macro_f1``, ``n`` and ``per_label`` scores in one plain dict."""
    per_label = per_label_scores(gold, predicted, labels)
    return {
        "accuracy": accuracy(gold, predicted),
        "macro_f1": float(np.mean([s["f1"] for s in per_label.values()])) if per_label else 0.0,
        "n": len(gold),
        "per_label": {str(k): v for k, v in per_label.items()},
    }


# ---------------------------------------------------------------- raw text, CoNLL 2018 style


def _span_index(words: Iterable[str]) -> dict[tuple[int, int], int]:
    """Span of each word in the concatenation of all words with whitespace removed."""
    spans: dict[tuple[int, int], int] = {}
    offset = 0
    for i, word in enumerate(words):
        length = len("".join(word.split()))
        spans.setdefault((offset, offset + length), i)
        offset += length
    return spans


def aligned_counts(
    gold_words: Sequence[str],
    gold_tags: Sequence[str],
    system_words: Sequence[str],
    system_tags: Sequence[str],
) -> tuple[int, int, int, int]:
    """Align system words to gold words by character span, as the CoNLL 2018 shared task.

    Spans are taken over the text with whitespace removed, so "don't" tokenized as "do" +
    "n't" aligns with the gold syntactic words "do" + "n't", and "dont" as one word aligns
    with nothing.

    Returns:
        (gold words, system words, aligned words, aligned words with the same tag).
    """
    gold = _span_index(gold_words)
    aligned = same = 0
    for span, j in _span_index(system_words).items():
        i = gold.get(span)
        if i is not None:
            aligned += 1
            same += gold_tags[i] == system_tags[j]
    return len(gold_words), len(system_words), aligned, same


def span_f1(gold: int, system: int, correct: int) -> dict[str, float]:
    """Precision, recall and F1 of ``system`` items, ``correct`` of which match ``gold`` ones."""
    return {
        "precision": correct / system if system else 0.0,
        "recall": correct / gold if gold else 0.0,
        "f1": 2 * correct / (gold + system) if gold + system else 0.0,
    }


__all__ = [
    "accuracy",
    "aligned_counts",
    "classification_report",
    "confusion_matrix",
    "label_set",
    "macro_f1",
    "per_label_scores",
    "span_f1",
]
