"""Scores: plain functions over label lists, and the tagger's evaluation on CoNLL-U data.

The label functions take two equally long sequences (gold, predicted) of any hashable labels
and use numpy only, so that evaluation on the command line does not pay scikit-learn's
import; ``tests/test_evaluation.py`` checks them against scikit-learn.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np

from seqnlp.errors import DataError

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


def _f1(gold: int, system: int, correct: int) -> dict[str, float]:
    return {
        "precision": correct / system if system else 0.0,
        "recall": correct / gold if gold else 0.0,
        "f1": 2 * correct / (gold + system) if gold + system else 0.0,
    }


def evaluate_tagger(
    tagger: Any,
    data: str | os.PathLike,
    *,
    batch_size: int = 256,
    raw_text: bool = True,
    errors: str = "strict",
) -> dict[str, Any]:
    """Evaluate a :class:`seqnlp.tagger.Tagger` on a CoNLL-U file or a dataset's test split.

    Gold tokens: UPOS and XPOS accuracy, accuracy on words not seen in training, per-tag
    precision/recall/F1 and macro F1. Raw text (when ``raw_text`` and the sentences have
    ``# text``): each text is tokenized and tagged, and words aligned to the gold words by
    character span give UPOS (and XPOS) precision, recall and F1, as in CoNLL 2018, plus
    the tokenizer's word F1. Sentence boundaries are the gold ones.

    Returns:
        A plain dict; keys include ``upos_accuracy``, ``xpos_accuracy``,
        ``oov_upos_accuracy``, ``tokens``, ``oov_tokens``, ``upos`` (per tag, macro F1,
        confusion matrix), and ``raw_text`` (``upos_f1``...) when scored.
    """
    from seqnlp.corpus import read_conllu
    from seqnlp.datasets import resolve

    path = resolve(data, "test")
    if isinstance(path, list):
        if len(path) != 1:
            raise DataError(f"{data}: {len(path)} test files; pass one file")
        path = path[0]
    sentences = list(read_conllu(path, errors=errors))
    if not sentences:
        raise DataError(f"{path}: no sentences")
    tagged = tagger.tag_tokens([s.words for s in sentences], batch_size=batch_size)
    gold_upos = [t for s in sentences for t in s.upos]
    gold_xpos = [t for s in sentences for t in s.xpos]
    upos = [u for sent in tagged for _, u, _ in sent]
    xpos = [x for sent in tagged for _, _, x in sent]
    seen = [tagger.seen_in_training(w) for s in sentences for w in s.words]
    oov = [i for i, known in enumerate(seen) if not known]
    labels = list(tagger.upos_tags)
    labels += [t for t in label_set(gold_upos) if t not in labels]
    per_tag = per_label_scores(gold_upos, upos, labels)
    result: dict[str, Any] = {
        "data": str(path),
        "sentences": len(sentences),
        "tokens": len(gold_upos),
        "upos_accuracy": accuracy(gold_upos, upos),
        "xpos_accuracy": accuracy(gold_xpos, xpos),
        "oov_tokens": len(oov),
        "oov_upos_accuracy": accuracy([gold_upos[i] for i in oov], [upos[i] for i in oov]),
        "oov_xpos_accuracy": accuracy([gold_xpos[i] for i in oov], [xpos[i] for i in oov]),
        "upos": {
            "macro_f1": float(np.mean([s["f1"] for s in per_tag.values()])),
            "per_tag": per_tag,
            "confusion": {
                "labels": labels,
                "matrix": confusion_matrix(gold_upos, upos, labels).tolist(),
            },
        },
        "xpos": {"macro_f1": macro_f1(gold_xpos, xpos)},
    }
    with_text = [s for s in sentences if s.text]
    if raw_text and with_text:
        system = tagger.tag([s.text for s in with_text], batch_size=batch_size)
        totals = np.zeros((3, 4), dtype=np.int64)  # rows: words, upos, xpos
        for s, out in zip(with_text, system, strict=True):
            words = [w for w, _, _ in out]
            u = aligned_counts(s.words, s.upos, words, [t for _, t, _ in out])
            x = aligned_counts(s.words, s.xpos, words, [t for _, _, t in out])
            totals[0] += (u[0], u[1], u[2], u[2])
            totals[1] += u
            totals[2] += x
        gold_n, system_n = int(totals[0, 0]), int(totals[0, 1])
        raw = {"sentences": len(with_text), "gold_words": gold_n, "system_words": system_n}
        for name, row in (("word", 0), ("upos", 1), ("xpos", 2)):
            for key, value in _f1(gold_n, system_n, int(totals[row, 3])).items():
                raw[f"{name}_{key}"] = value
        result["raw_text"] = raw
    return result


__all__ = [
    "accuracy",
    "aligned_counts",
    "classification_report",
    "confusion_matrix",
    "evaluate_tagger",
    "label_set",
    "macro_f1",
    "per_label_scores",
]
