"""Negation and contrast augmentation (seqnlp.sentiment.augment): labels follow the templates."""

from __future__ import annotations

from seqnlp.corpus import LabeledText
from seqnlp.sentiment.augment import (
    DISTANT_NEGATION_TEMPLATES,
    DOUBLE_NEGATION_TEMPLATES,
    NEGATION_TEMPLATES,
    contrast_examples,
    negation_contrast_examples,
    negation_examples,
    polar_words,
    tagger_adjectives,
)

E = LabeledText
NOUNS = {"plot", "mess", "charm"}


def word_class(words):  # no tagger in unit tests
    return ["NOUN" if w in NOUNS else "ADJ" for w in words]


DATA = [
    E("good", "1"),
    E("good acting", "1"),
    E("a good film", "1"),
    E("really good", "1"),
    E("dull", "0"),
    E("dull plot", "0"),
    E("so dull", "0"),
    E("a dull film", "0"),
    E("men", "1"),  # a one-word phrase whose neighbours disagree: not polar
    E("the men", "0"),
    E("men and women", "1"),
    E("angry men", "0"),
    E("good , warm and funny film", "1"),
    E("dull and lifeless dull story", "0"),
    E("this film is good and warm", "1"),
    E("this plot is dull and slow", "0"),
    E("not good", "0"),  # negators are never used as contrast clauses or polar evidence
    E("charm", "1"),
    E("such charm", "1"),
    E("its charm", "1"),
    E("great charm", "1"),
]


def test_polar_words_keeps_agreeing_words_only():
    words = polar_words(DATA, word_class=word_class)
    assert words == {"good": "1", "dull": "0"}  # "charm" agrees, but is no adjective


def test_polar_words_drops_words_of_no_class():
    words = polar_words(DATA, word_class=lambda ws: [None if w == "dull" else "ADJ" for w in ws])
    assert words == {"good": "1", "charm": "1"}


def test_negation_flips_the_label():
    words = {"good": "1", "dull": "0"}
    out = negation_examples(words, 1000, ["0", "1"])
    assert len(out) == 2 * len(NEGATION_TEMPLATES)
    assert len({e.text for e in out}) == len(out)
    negators = {"not", "n't", "never", "hardly", "nobody", "no", "without"}
    for e in out:
        (word,) = {"good", "dull"}.intersection(e.text.split())
        assert e.label == ("0" if word == "good" else "1")
        assert negators.intersection(e.text.split())


def test_double_negation_keeps_the_label():
    out = negation_contrast_examples(
        DATA, 40, double_share=0.25, negation_share=0.25, word_class=word_class
    )
    doubles = [e for e in out if e.text in _filled(DOUBLE_NEGATION_TEMPLATES)]
    assert len(doubles) == 10
    for e in doubles:
        assert e.label == ("0" if "dull" in e.text.split() else "1")


def test_distant_negation_flips_the_label():
    out = negation_contrast_examples(
        DATA, 40, distant_share=0.25, negation_share=0.25, word_class=word_class
    )
    distant = [e for e in out if e.text in _filled(DISTANT_NEGATION_TEMPLATES)]
    assert len(distant) == 10
    for e in distant:
        assert e.label == ("1" if "dull" in e.text.split() else "0")


def _filled(templates):
    return {t.format(x=w) for t in templates for w in ("good", "dull")}


def test_contrast_takes_the_label_of_the_carrying_clause():
    out = contrast_examples(DATA, 50, ["0", "1"], words={"good": "1", "dull": "0"})
    assert len(out) == 50
    positive = {"good , warm and funny film", "this film is good and warm"}
    negative = {"dull and lifeless dull story", "this plot is dull and slow"}
    phrases = positive | negative
    for e in out:
        text = e.text.removesuffix(" .")
        if text.startswith(("although ", "though ", "even though ", "while ")):
            carrier = [p for p in phrases if text.endswith(" , " + p)]
        elif " , although " in text or " , even though " in text:
            carrier = [p for p in phrases if text.startswith(p + " , ")]
        else:  # "a , but b", "a but b", "a . but b ."
            carrier = [p for p in phrases if text.endswith("but " + p)]
        assert len(carrier) == 1, text
        assert carrier[0] in (positive if e.label == "1" else negative), text


def test_negation_contrast_examples_is_reproducible():
    a = negation_contrast_examples(DATA, 20, seed=3, word_class=word_class)
    b = negation_contrast_examples(DATA, 20, seed=3, word_class=word_class)
    assert a == b and len(a) == 20
    assert {e.label for e in a} == {"0", "1"}


def test_fragments_are_not_contrast_clauses():
    data = [E("the film is good", "1"), E("'s dull and slow", "0"), E("good film", "1")]
    assert contrast_examples(data, 5, ["0", "1"]) == []


def test_tagger_adjectives_asks_the_shipped_tagger():
    assert tagger_adjectives(["bad", "charm", "quickly"]) == ["ADJ", None, None]
    assert tagger_adjectives([]) == []
