"""Corpora for word vectors: registered corpora, dataset texts, and a recipe's vectors trained
once into the cache."""

from __future__ import annotations

import dataclasses

import pytest

from seqnlp.embeddings import EmbeddingConfig
from seqnlp.embeddings.recipe import EmbeddingsRecipe, pretrained_vectors
from seqnlp.embeddings.training import DatasetTexts, corpus_sources, prepare_corpus
from seqnlp.errors import DataError
from seqnlp.labelled import read_split, text_key


def test_corpus_names_become_files_and_dataset_texts(shared_data, tmp_path):
    own = tmp_path / "own.txt"
    own.write_text("One line of my own.\n")
    sources = corpus_sources([str(own), "enwiki-2015:part1", "financial-phrasebank:train"])
    assert sources[0] == own
    assert sources[1].name == "enwiki_extract_part1_AA-AB.txt.xz"
    assert sources[2] == DatasetTexts("financial-phrasebank", "train")
    assert len(corpus_sources(["enwiki-2015"])) == 2  # both parts


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("yelp:everything", "yelp has no split 'everything'; splits: train, dev, test"),
        ("no-such-corpus", "no-such-corpus: no such file, and not a dataset name"),
    ],
)
def test_a_wrong_corpus_name_says_what_exists(shared_data, name, message):
    with pytest.raises(DataError, match=message):
        corpus_sources([name])


def test_dataset_texts_are_corpus_lines_without_any_held_out_text(shared_data, tmp_path):
    source = DatasetTexts("financial-phrasebank", "train")
    corpus = prepare_corpus([source], tmp_path / "corpus.txt", progress=False)
    texts = read_split("financial-phrasebank", "train")
    assert corpus.lines == len(texts) and corpus.sources[0]["texts"] == len(texts)
    assert corpus.sources[0]["dataset"] == "financial-phrasebank:train"
    lines = {text_key(line) for line in (tmp_path / "corpus.txt").read_text().splitlines()}
    test_keys = {text_key(t.text) for t in read_split(source.name, "test")}
    assert len(lines) > 1000 and not lines & test_keys


def tiny_recipe(corpus: str) -> EmbeddingsRecipe:
    config = EmbeddingConfig(dim=8, epochs=1, min_count=1, window=2, negative=2)
    return EmbeddingsRecipe(corpus=(corpus,), config=config, top=None, dtype="float16")


def test_a_recipe_s_vectors_are_trained_once_into_the_cache(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the film was good .\nthe staff were kind .\n" * 50)
    recipe = tiny_recipe(str(corpus))
    first = recipe.cached(progress=False)
    assert {"film", "staff"} <= set(first.words)
    assert first.meta["recipe"] == recipe.record()

    def no_training(*args, **kwargs):
        raise AssertionError("trained again")

    monkeypatch.setattr(EmbeddingsRecipe, "train", no_training)
    again = recipe.cached(progress=False)
    assert again.words == first.words
    assert (again.vectors == first.vectors).all()
    # another setting is other vectors
    other = dataclasses.replace(recipe, config=dataclasses.replace(recipe.config, dim=4))
    assert other.digest() != recipe.digest()
    with pytest.raises(AssertionError, match="trained again"):
        other.cached(progress=False)


def test_a_model_names_its_vectors_by_setting_directory_or_recipe(tmp_path, tiny_model):
    """One reading of a model's ``embeddings`` setting, for the tagger and the classifier."""
    shipped, name = pretrained_vectors("default")
    assert name == "default" and shipped.dim == 200
    mine, name = pretrained_vectors(tiny_model)
    assert name == tiny_model and "queen" in mine.words
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the film was good .\n" * 50)
    recipe = tiny_recipe(str(corpus))
    vectors, name = pretrained_vectors(recipe, progress=False)
    assert name == f"recipe {recipe.digest()}" and "film" in vectors.words
