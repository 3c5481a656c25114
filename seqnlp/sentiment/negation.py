"""Negation cues and their scope, shared by the augmentation and the networks' scope input.

A negator governs the tokens after it up to punctuation or a contrast word (Das & Chen 2001,
Pang et al. 2002); a second negator in the same stretch undoes the first ("nothing i did
n't like"). Marking that scope tells a network which polar words to read reversed, so that
"not greasy" can be learnt from "not bad" even when "greasy" was never negated in training.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

NEGATORS = frozenset({"not", "n't", "no", "never", "nothing", "hardly", "nobody", "none", "nor"})
CONTRASTS = frozenset({"but", "although", "though", "however", "despite", "yet", "while"})
SCOPE_ENDS = frozenset(". , ; : ! ? --".split()) | CONTRASTS


def negation_scope(
    tokens: Sequence[str],
    negators: Collection[str] = NEGATORS,
    ends: Collection[str] = SCOPE_ENDS,
) -> list[int]:
    """1 for each token under an odd number of negators since the last scope end, else 0
    (negators and scope ends themselves are 0): "it is n't bad , but dull" -> 0 0 0 1 0 0 0.

    A saved model passes the cue lists it was trained with (``SentimentConfig.negators``),
    so that changing the lists here never changes how an existing model reads text."""
    out, negated = [], False
    for token in tokens:
        if token in negators:
            negated = not negated
            out.append(0)
        elif token in ends:
            negated = False
            out.append(0)
        else:
            out.append(int(negated))
    return out


__all__ = ["CONTRASTS", "NEGATORS", "SCOPE_ENDS", "negation_scope"]
