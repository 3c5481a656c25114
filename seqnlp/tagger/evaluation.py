"""Scoring a tagger on gold CoNLL-U: gold tokens, unseen words, and raw text aligned to the
gold words by character span as in the CoNLL 2018 shared task."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from seqnlp.corpus import TaggedSentence, read_conllu
from seqnlp.errors import DataError
from seqnlp.evaluation import (
    accuracy,
    aligned_counts,
    confusion_matrix,
    label_set,
    macro_f1,
    per_label_scores,
    span_f1,
)
from seqnlp.tagger.conllu_files import write_predictions
from seqnlp.tagger.model import Tagger


def _tag_gold_tokens(
    tagger: Tagger, sentences: Sequence[TaggedSentence], batch_size: int
) -> tuple[list[str], list[str], list[str], list[str]]:
    """Gold UPOS, gold XPOS, predicted UPOS, predicted XPOS over every token of ``sentences``."""
    tagged = tagger.tag_tokens([s.words for s in sentences], batch_size=batch_size)
    gold_upos = [t for s in sentences for t in s.upos]
    gold_xpos = [t for s in sentences for t in s.xpos]
    upos = [u for sent in tagged for _, u, _ in sent]
    xpos = [x for sent in tagged for _, _, x in sent]
    return gold_upos, gold_xpos, upos, xpos


def _accuracies(
    gold_upos: list[str], gold_xpos: list[str], upos: list[str], xpos: list[str]
) -> dict[str, float]:
    return {"upos_accuracy": accuracy(gold_upos, upos), "xpos_accuracy": accuracy(gold_xpos, xpos)}


def tag_accuracies(
    tagger: Tagger, sentences: Sequence[TaggedSentence], batch_size: int = 256
) -> dict[str, float]:
    """UPOS and XPOS accuracy on gold tokens and their mean (``accuracy``), scored exactly as
    :func:`evaluate_tagger` scores them: the dev score that training records and prints.

    Every gold token counts, tags the tagger never saw in training included (it cannot
    predict them, so they count as errors).
    """
    scores = _accuracies(*_tag_gold_tokens(tagger, sentences, batch_size))
    return {**scores, "accuracy": (scores["upos_accuracy"] + scores["xpos_accuracy"]) / 2}


def evaluate_tagger(
    tagger: Tagger,
    data: str | os.PathLike,
    *,
    batch_size: int = 256,
    raw_text: bool = True,
    errors: str = "strict",
    output: str | os.PathLike | None = None,
) -> dict[str, Any]:
    """Evaluate a :class:`seqnlp.tagger.Tagger` on a CoNLL-U file or a dataset's test split.

    Gold tokens: UPOS and XPOS accuracy, accuracy on words not seen in training, per-tag
    precision/recall/F1 and macro F1. Raw text (when ``raw_text`` and the sentences have
    ``# text``): each text is tokenized and tagged, and words aligned to the gold words by
    character span give UPOS (and XPOS) precision, recall and F1, as in CoNLL 2018, plus
    the tokenizer's word F1. Sentence boundaries are the gold ones.

    Args:
        output: also write the data again as CoNLL-U with the predicted UPOS and XPOS
            (gold tokens), every other column and comment kept.

    Returns:
        A plain dict; keys include ``upos_accuracy``, ``xpos_accuracy``,
        ``oov_upos_accuracy``, ``tokens``, ``oov_tokens``, ``upos`` (per tag, macro F1,
        confusion matrix), and ``raw_text`` (``upos_f1``...) when scored.
    """
    from seqnlp.datasets import resolve  # the registry costs a few imports: on use

    path = resolve(data, "test")
    if isinstance(path, list):
        if len(path) != 1:
            raise DataError(f"{data}: {len(path)} test files; pass one file")
        path = path[0]
    sentences = list(read_conllu(path, errors=errors))
    if not sentences:
        raise DataError(f"{path}: no sentences")
    gold_upos, gold_xpos, upos, xpos = _tag_gold_tokens(tagger, sentences, batch_size)
    if output is not None:
        write_predictions(path, output, upos, xpos, errors)
    seen = [tagger.seen_in_training(w) for s in sentences for w in s.words]
    oov = [i for i, known in enumerate(seen) if not known]
    labels = list(tagger.upos_tags)
    labels += [t for t in label_set(gold_upos) if t not in labels]
    per_tag = per_label_scores(gold_upos, upos, labels)
    result: dict[str, Any] = {
        "data": str(path),
        "sentences": len(sentences),
        "tokens": len(gold_upos),
        **_accuracies(gold_upos, gold_xpos, upos, xpos),
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
            for key, value in span_f1(gold_n, system_n, int(totals[row, 3])).items():
                raw[f"{name}_{key}"] = value
        result["raw_text"] = raw
    return result
