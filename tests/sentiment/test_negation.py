"""Negation scope: which tokens a negator governs."""

from __future__ import annotations

import pytest

from seqnlp.sentiment.negation import negation_scope


@pytest.mark.parametrize(
    "text, scope",
    [
        ("a good film", "0 0 0"),
        ("it is n't bad at all", "0 0 0 1 1 1"),
        # punctuation and contrast words end the scope
        ("not long , but bad", "0 1 0 0 0"),
        ("not dull . boring", "0 1 0 0"),
        # a second negator undoes the first: "there was nothing i did n't like"
        ("nothing i did n't like", "0 1 1 0 0"),
        ("", ""),
    ],
)
def test_negation_scope(text, scope):
    assert negation_scope(text.split()) == [int(s) for s in scope.split()]
