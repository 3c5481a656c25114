"""The Python API a new user meets first (issue #16.11): the shipped models through the
``seqnlp`` facade, mistakes refused with a message that names the fix, readable reprs."""

from __future__ import annotations

import inspect
import typing

import pytest

import seqnlp
from seqnlp.errors import DataError


@pytest.fixture(scope="module")
def tagger():
    return seqnlp.load("tagger")


@pytest.fixture(scope="module")
def classifier():
    return seqnlp.load("sentiment")


@pytest.mark.parametrize("sentences", [["I saw"], ["I", "saw"], "I saw", [["I"], "saw"]])
def test_predict_tokens_refuses_strings_and_names_the_fix(tagger, sentences):
    """A string is a sequence too: ``predict_tokens(["I saw"])`` tagged its characters."""
    match = r"predict_tokens\(\[\['I', 'saw'\]\]\).*predict\(\)"
    with pytest.raises(TypeError, match=match):
        tagger.predict_tokens(sentences)


def test_predict_tokens_still_takes_token_lists_and_tuples(tagger):
    lists = tagger.predict_tokens([["I", "saw", "a", "saw"], ("It", "works")])
    assert [w for w, _, _ in lists[0]] == ["I", "saw", "a", "saw"]
    assert [w for w, _, _ in lists[1]] == ["It", "works"]
    assert tagger.predict_tokens([[]]) == [[]]


@pytest.mark.parametrize("texts, number", [([""], 1), (["a good film", "  \n"], 2), ("", 1)])
def test_predict_refuses_empty_texts_as_the_cli_does(classifier, runner, texts, number):
    from seqnlp.cli import main

    with pytest.raises(DataError, match=f"^text {number} is empty$"):
        classifier.predict(texts)
    result = runner.invoke(main, ["sentiment", *([texts] if isinstance(texts, str) else texts)])
    assert result.exit_code == 1 and f"text {number} is empty" in result.output


def test_predict_stream_numbers_empty_texts_in_the_whole_stream(classifier):
    texts = ["a good film"] * 5 + [""]
    with pytest.raises(DataError, match="^text 6 is empty$"):
        list(classifier.predict_stream(iter(texts), batch_size=1))


def test_readable_reprs(tagger, classifier):
    from seqnlp.embeddings import WordVectors

    vectors = WordVectors.load()
    assert repr(vectors).startswith(f"<WordVectors {len(vectors):,} words x {vectors.dim}-d")
    assert " object at 0x" not in repr(vectors)
    assert repr(classifier).startswith("<SentimentClassifier bi-gru 1x128, attention pooling")
    assert repr(tagger).startswith("<Tagger bi-")


def test_facade_has_type_hints_and_only_public_names():
    from seqnlp.embeddings import WordVectors
    from seqnlp.sentiment import SentimentClassifier
    from seqnlp.tagger import Tagger

    # the return types are imported for type checkers only (numpy's import stays lazy)
    names = {"Tagger": Tagger, "SentimentClassifier": SentimentClassifier}
    names["WordVectors"] = WordVectors
    with pytest.warns(DeprecationWarning, match="seqnlp.load_tagger is deprecated"):
        load_tagger = seqnlp.load_tagger
    with pytest.warns(DeprecationWarning, match="seqnlp.load_classifier is deprecated"):
        load_classifier = seqnlp.load_classifier
    for load, returns in (
        (load_tagger, Tagger),
        (load_classifier, names["SentimentClassifier"]),
        (seqnlp.load_vectors, WordVectors),
    ):
        hints = typing.get_type_hints(load, localns=names)
        assert hints["return"] is returns and set(hints) == {"path", "return"}
        assert inspect.signature(load).parameters["path"].default is None
    public = {name for name in dir(seqnlp) if not name.startswith("_")}
    assert not public & {"annotations", "logging", "os", "typing"}
    others = {
        name
        for name in public - set(seqnlp.__all__)
        if not getattr(getattr(seqnlp, name), "__name__", "").startswith("seqnlp.")
    }
    assert others == set()  # besides __all__, only seqnlp's own subpackages once imported
