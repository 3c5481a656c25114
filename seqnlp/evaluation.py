"""Scores: plain functions over label lists (accuracy, P/R/F1, confusion, aligned spans),
and a tokenizer's word and sentence F1 against gold text (CoNLL 2018's way).

The label functions take two equally long sequences (gold, predicted) of any hashable labels
and use numpy only, so that evaluation on the command line does not pay scikit-learn's
import; ``tests/test_evaluation.py`` checks them against scikit-learn.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

import numpy as np

from seqnlp.corpus import TaggedSentence
from seqnlp.errors import DataError
from seqnlp.tokenize import split_sentences, word_tokenize

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
    convention of scikit-learn's ``zero_division=0``). A prediction outside ``labels``
    (a classifier's "unknown") is wrong: it still counts in its gold label's support.
    """
    labels = label_set(gold, predicted) if labels is None else list(labels)
    correct = np.diag(confusion_matrix(gold, predicted, labels)).astype(float)
    gold_counts, predicted_counts = Counter(gold), Counter(predicted)
    scores = {}
    for i, label in enumerate(labels):
        p = correct[i] / predicted_counts[label] if predicted_counts[label] else 0.0
        r = correct[i] / gold_counts[label] if gold_counts[label] else 0.0
        scores[label] = {
            "precision": float(p),
            "recall": float(r),
            "f1": float(2 * p * r / (p + r)) if p + r else 0.0,
            "support": gold_counts[label],
        }
    return scores


def macro_f1(gold: Labels, predicted: Labels, labels: Sequence | None = None) -> float:
    """Unweighted mean of the per-label F1 over ``labels`` (default: gold and predicted)."""
    scores = per_label_scores(gold, predicted, labels)
    return float(np.mean([s["f1"] for s in scores.values()])) if scores else 0.0


def classification_report(
    gold: Labels, predicted: Labels, labels: Sequence | None = None
) -> dict[str, Any]:
    """``accuracy``, ``macro_f1``, ``macro_recall`` (SemEval-2017 Task 4A's measure, which a
    majority class cannot game), ``n`` and ``per_label`` scores in one plain dict."""
    per_label = per_label_scores(gold, predicted, labels)

    def macro(score: str) -> float:
        return float(np.mean([s[score] for s in per_label.values()])) if per_label else 0.0

    return {
        "accuracy": accuracy(gold, predicted),
        "macro_f1": macro("f1"),
        "macro_recall": macro("recall"),
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


# -------------------------------------------------------------------- tokenizers


def _ewt_document(sentence: TaggedSentence) -> str:
    """EWT sentence ids are ``<document>-<number>``."""
    return (sentence.sent_id or "").rsplit("-", 1)[0]


def _bare(pieces: Iterable[str]) -> str:
    return "".join("".join(piece.split()) for piece in pieces)


def _spans(pieces: Iterable[str]) -> set[tuple[int, int]]:
    """Character spans of ``pieces`` in their concatenation with all whitespace removed."""
    spans = set()
    offset = 0
    for piece in pieces:
        length = len(_bare([piece]))
        spans.add((offset, offset + length))
        offset += length
    return spans


def evaluate_tokenizer(
    sentences: Iterable[TaggedSentence],
    word_tokenizer: Callable[[str], list[str]] = word_tokenize,
    sentence_splitter: Callable[[str], list[str]] = split_sentences,
    document: Callable[[TaggedSentence], str] = _ewt_document,
) -> dict[str, float | int]:
    """Score a tokenizer against gold words the way the CoNLL 2018 shared task does.

    Words: each gold sentence's ``text`` is tokenized and a system word counts as correct
    when its character span equals a gold word's span, both taken over the text with
    whitespace removed (so "don't" must come out as "do" + "n't", as in the gold
    syntactic words). Sentences: the texts of each document (consecutive sentences with
    the same ``document(sentence)``) are joined by spaces, split, and scored by span.

    Args:
        sentences: gold sentences with ``words``, ``text`` and ``sent_id``, e.g. from
            :func:`seqnlp.corpus.read_conllu`.
        word_tokenizer, sentence_splitter: the tokenizer under test.
        document: the document key; by default the EWT sent_id without its number.

    Returns:
        ``word_precision/recall/f1``, ``sentence_precision/recall/f1`` (fractions) and the
        counts ``gold_words``, ``system_words``, ``gold_sentences``, ``system_sentences``,
        ``documents``.

    Raises:
        DataError: a sentence has no text, or its words do not spell its text.
        ValueError: the tokenizer changed, dropped or added characters.
    """
    # unit -> [gold, system, correct]
    counts = {"word": [0, 0, 0], "sentence": [0, 0, 0]}
    documents = 0

    def add(unit: str, gold: list[str], system: list[str]) -> None:
        gold_spans = _spans(gold)
        counts[unit][0] += len(gold_spans)
        counts[unit][1] += len(system)
        counts[unit][2] += len(gold_spans & _spans(system))

    for _, group in itertools.groupby(sentences, key=document):
        documents += 1
        texts = []
        for sentence in group:
            name = sentence.sent_id or "?"
            if sentence.text is None:
                raise DataError(f"sentence {name} has no '# text' to tokenize")
            bare = _bare([sentence.text])
            if _bare(sentence.words) != bare:
                raise DataError(f"sentence {name}: the words do not spell {sentence.text!r}")
            system = word_tokenizer(sentence.text)
            if _bare(system) != bare:
                raise ValueError(f"sentence {name}: the tokens do not spell {sentence.text!r}")
            add("word", sentence.words, system)
            texts.append(sentence.text)
        system = sentence_splitter(" ".join(texts))
        if _bare(system) != _bare(texts):
            raise ValueError(f"document of {name}: the sentences do not spell the text")
        add("sentence", texts, system)

    scores: dict[str, float | int] = {}
    for unit, (gold, system, correct) in counts.items():
        scores[f"{unit}_precision"] = correct / system if system else 0.0
        scores[f"{unit}_recall"] = correct / gold if gold else 0.0
        scores[f"{unit}_f1"] = 2 * correct / (gold + system) if gold + system else 0.0
    for unit, (gold, system, _) in counts.items():
        scores[f"gold_{unit}s"] = gold
        scores[f"system_{unit}s"] = system
    scores["documents"] = documents
    return scores


__all__ = [
    "accuracy",
    "aligned_counts",
    "classification_report",
    "confusion_matrix",
    "evaluate_tokenizer",
    "label_set",
    "macro_f1",
    "per_label_scores",
    "span_f1",
]
