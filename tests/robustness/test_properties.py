"""The shipped tagger and classifier on arbitrary Unicode (hypothesis).

The tokenizer's own property (no character lost or added, deterministic) lives in
tests/test_tokenize.py; here the tagger must agree with it token for token.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seqnlp
from seqnlp.errors import DataError
from seqnlp.tokenize import tokenize

# Any code point UTF-8 can carry (control characters, NUL, RTL marks, emoji, combining marks).
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=200)
TOKEN = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=30)


@pytest.fixture(scope="module")
def tagger():
    return seqnlp.load("tagger")


@pytest.fixture(scope="module")
def classifier():
    return seqnlp.load("sentiment")


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(TEXT, max_size=4))
def test_tagger_one_tag_per_token_and_repeatable(tagger, texts):
    tagged = tagger.predict(texts)
    pairs = set(tagger.pairs)
    assert len(tagged) == len(texts)
    for text, tokens in zip(texts, tagged, strict=True):
        assert [word for word, _, _ in tokens] == [t for s in tokenize(text) for t in s]
        assert all((u, x) in pairs for _, u, x in tokens)  # only pairs seen in training
    assert tagger.predict(texts) == tagged


@settings(max_examples=100, deadline=None)
@given(sentences=st.lists(st.lists(TOKEN, max_size=40), max_size=4))
def test_tagger_on_any_pretokenized_tokens(tagger, sentences):
    """Tokens the tokenizer would never make (spaces inside, lone marks) still get a tag each."""
    tagged = tagger.predict_tokens(sentences)
    assert [[word for word, _, _ in s] for s in tagged] == sentences
    assert tagger.predict_tokens(sentences) == tagged


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(TEXT, min_size=1, max_size=4))
def test_classifier_probabilities_sum_to_one_and_repeat(classifier, texts):
    probs = classifier.probabilities(texts)
    assert probs.shape == (len(texts), len(classifier.labels))
    assert np.isfinite(probs).all() and (probs >= 0).all()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert np.array_equal(classifier.probabilities(texts), probs)
    alone = np.concatenate([classifier.probabilities([t]) for t in texts])
    np.testing.assert_allclose(alone, probs, atol=1e-5)  # a batch's neighbours do not matter
    if not all(t.strip() for t in texts):  # predict refuses a blank text, as the CLI does
        with pytest.raises(DataError, match="is empty"):
            classifier.predict(texts)
        return
    for p, best in zip(classifier.predict(texts), probs.argmax(1), strict=True):
        if p.known:
            assert p.label == classifier.label_names[best]
        else:  # no evidence: said, not guessed
            assert p.label == "unknown" and set(p.probabilities.values()) == {0.5}
