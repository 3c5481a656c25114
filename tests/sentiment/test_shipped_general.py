"""The shipped classifiers read people's text beyond film (issue #27): the sentences a new user
tried first, three classes, and an honest answer where a text holds no evidence."""

from __future__ import annotations

import pytest

from seqnlp import load

# What a new user typed, and what the film-only model answered wrongly (issue #27).
# Two are still answered wrongly by the shipped general model: kept as strict expected
# failures, so the day a retrained model gets them right this file says so (XPASS fails).
MISSED = "the shipped general model still reads this negative (issue #27 stays open)"
USER_SENTENCES = [
    pytest.param(
        "Customer support solved my problem in minutes.",
        "positive",
        marks=pytest.mark.xfail(reason=MISSED, strict=True),
    ),
    pytest.param(
        "The nurses were kind.", "positive", marks=pytest.mark.xfail(reason=MISSED, strict=True)
    ),
    ("I will never use this company again.", "negative"),
    ("No complaints at all.", "positive"),
    (
        "@jessedee Know about @fludapp ? Awesome iPad/iPhone app that you'll likely appreciate "
        "for its design.",
        "positive",
    ),
    ("@swonderlin Can not wait for #iPad 2 also.", "positive"),
]


@pytest.fixture(scope="module")
def general():
    return load("sentiment")


@pytest.mark.parametrize(("text", "label"), USER_SENTENCES)
def test_the_general_model_reads_reviews_and_tweets(general, text, label):
    (prediction,) = general.predict([text])
    assert prediction.label == label, prediction


@pytest.mark.parametrize("text", ["@ann @bob", "https://t.co/x @ann", "😍🔥", "#"])
def test_mentions_links_and_emoji_alone_are_no_evidence(general, text):
    (prediction,) = general.predict([text])
    assert not prediction.known and prediction.label == "unknown"


def test_the_three_class_model_answers_neutral():
    three = load("sentiment-3")
    assert three.labels == ["negative", "neutral", "positive"]
    answers = three.predict(
        [
            "The company will publish its quarterly report on Tuesday.",
            "Operating profit rose to EUR 13.1 mn from EUR 8.7 mn.",
            "@united my bag is lost again, worst airline ever",
        ]
    )
    assert [a.label for a in answers] == ["neutral", "positive", "negative"]


def test_the_film_model_is_kept_under_its_name():
    film = load("sentiment-film")
    assert film.meta["train"][0]["source"] == "sst2:phrases"
    assert film.predict(["a gripping, funny film"])[0].label == "positive"
