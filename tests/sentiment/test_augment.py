"""Negation and contrast augmentation (seqnlp.sentiment.augment): labels follow the templates."""

from __future__ import annotations

import pytest

from seqnlp.corpus import LabeledText
from seqnlp.errors import DataError
from seqnlp.sentiment.augment import (
    DISTANT_NEGATION_TEMPLATES,
    DOUBLE_NEGATION_TEMPLATES,
    NEGATION_TEMPLATES,
    SUBJECT_PLAIN_TEMPLATES,
    Augmentation,
    contrast_examples,
    negation_contrast_examples,
    negation_examples,
    polar_words,
    subject_phrases,
    tagger_adjectives,
    tagger_nouns,
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


def test_three_labels_are_refused_in_a_sentence_that_says_why():
    """A negation flips one label into the other: with a neutral class there is no other."""
    three = [*DATA, E("the film", "neutral")]
    with pytest.raises(DataError, match=r"need two labels.*has 3: 0, 1, neutral$"):
        negation_contrast_examples(three, 20, word_class=word_class)


def test_fragments_are_not_contrast_clauses():
    data = [E("the film is good", "1"), E("'s dull and slow", "0"), E("good film", "1")]
    assert contrast_examples(data, 5, ["0", "1"]) == []


def test_tagger_adjectives_asks_the_shipped_tagger():
    assert tagger_adjectives(["bad", "charm", "quickly"]) == ["ADJ", None, None]
    assert tagger_adjectives([]) == []


def noun_class(words):  # no tagger in unit tests
    return ["NOUN" if w in {"food", "staff", "best"} else None for w in words]


REVIEWS = [
    E("the food was great .", "1"),
    E("the food was cold .", "0"),
    E("honestly the food was fine", "1"),
    E("the staff were rude", "0"),
    E("the staff were lovely", "1"),
    E("the food is cheap", "1"),  # seen once: below min_count
    E("the best is yet to come", "1"),
    E("the best was the dessert", "1"),
    E("best", "1"),  # a word labelled on its own carries sentiment: no neutral subject
    E("the quickly was", "0"),  # not a noun
    E("the quickly was", "1"),
]


def test_subject_phrases_are_frequent_neutral_nouns_with_their_verb():
    assert subject_phrases(REVIEWS, 5, noun_class, min_count=2) == [
        "the food was",
        "the staff were",
    ]
    assert subject_phrases(REVIEWS, 1, noun_class, min_count=2) == ["the food was"]
    assert subject_phrases(REVIEWS, 5, noun_class, min_count=4) == []


def test_subject_templates_keep_or_flip_the_label_as_their_family():
    subjects = ["the food was", "the staff were"]
    words = {"good": "1", "dull": "0"}
    plain = negation_examples(
        words, 100, ["0", "1"], templates=SUBJECT_PLAIN_TEMPLATES, flip=False, subjects=subjects
    )
    assert len(plain) == 2 * len(SUBJECT_PLAIN_TEMPLATES)
    for e in plain:
        assert e.text.startswith(tuple(subjects)) or e.text.startswith("honestly , ")
        assert not {"not", "n't", "never"}.intersection(e.text.split())
        assert e.label == ("0" if "dull" in e.text.split() else "1")


def test_augmentation_with_subjects_negates_them_too():
    data = DATA + [E(f"the staff were {w}", y) for w, y in [("good", "1"), ("dull", "0")] * 3]
    aug = Augmentation(n=200, negation_share=0.5, subjects=5, plain_share=0.2)
    out = aug.examples(data, word_class=word_class, noun_class=lambda ws: ["NOUN"] * len(ws))
    with_subject = [e for e in out if "the staff were" in e.text]
    negated = [e for e in with_subject if {"not", "n't", "never"} & set(e.text.split())]
    # the plain ones, label kept: 40 asked, each template and word once (the pool runs out)
    assert len(with_subject) - len(negated) == 2 * len(SUBJECT_PLAIN_TEMPLATES)
    assert negated and all(
        e.label == ("1" if "dull" in e.text.split() else "0")
        for e in negated
        if "say" not in e.text.split() and "deny" not in e.text.split()  # double negations
    )
    # where no subject qualifies, the output is the one without subjects
    none = aug.examples(data, word_class=word_class, noun_class=lambda ws: [None] * len(ws))
    assert none == negation_contrast_examples(data, 200, negation_share=0.5, word_class=word_class)


def test_tagger_nouns_asks_the_shipped_tagger():
    assert tagger_nouns(["food", "quickly"]) == ["NOUN", None]
