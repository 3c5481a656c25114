"""How sure the tagger is: the probability of each tag it gave, and each head's likeliest
tags, per sentence (kept apart from :mod:`~seqnlp.tagger.model` so that it stays readable)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

Ranked = list[tuple[str, float]]  # (tag, probability), most probable first


@dataclasses.dataclass
class TagScores:
    """How sure the tagger is of one sentence's tags: the probability each head gives the
    tag a token got (the decoder picks the likeliest (UPOS, XPOS) pair seen in training,
    and emoji and foreign words are tagged by rule, so it is not always the head's top),
    and, when asked for, each head's ``k`` likeliest tags."""

    upos: list[float]
    xpos: list[float]
    upos_top: list[Ranked] | None = None
    xpos_top: list[Ranked] | None = None


def ranked_tags(
    ranked: tuple[np.ndarray, np.ndarray, Sequence[str]], i: int, n: int
) -> list[Ranked]:
    """Sentence ``i``'s first ``n`` tokens' (tag, probability) lists from a head's top-k."""
    best, probs, tags = ranked
    return [
        [(tags[t], p) for t, p in zip(ts, ps, strict=True)]
        for ts, ps in zip(best[i, :n].tolist(), probs[i, :n].tolist(), strict=True)
    ]


def extend(scores: TagScores, more: TagScores) -> None:
    """Append a window's scores to its sentence's."""
    scores.upos += more.upos
    scores.xpos += more.xpos
    if scores.upos_top is not None and scores.xpos_top is not None:
        scores.upos_top += more.upos_top or []
        scores.xpos_top += more.xpos_top or []
