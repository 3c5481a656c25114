"""A recipe is a value (issue 28): ``train(recipe)`` runs it, ``train(**changes)`` changes
its fields, other data leaves behind what was tuned on the recipe's own, and the calls made
before recipes were values still work, with a warning."""

from __future__ import annotations

import pytest

from seqnlp.embeddings.recipe import EmbeddingsRecipe
from seqnlp.sentiment import SentimentConfig
from seqnlp.sentiment import train as train_sentiment
from seqnlp.sentiment.recipe import FILM_RECIPE, RECIPE, THREE_CLASS_RECIPE
from seqnlp.tagger import train as train_tagger
from seqnlp.tagger.recipe import RECIPE as TAGGER_RECIPE
from seqnlp.training import TrainConfig
from seqnlp.training.config import SMALL_DATA_MIN_STEPS
from tests.sentiment.test_sentiment import TINY, toy
from tests.tagger.data import tiny_config, write_data

pytestmark = pytest.mark.usefixtures("one_torch_thread")
TINY_SCHEDULE = TrainConfig(epochs=1, batch_size=8, lr=0.02, seed=3, device="cpu")


def test_other_data_leaves_the_recipes_data_settings_behind():
    moved = RECIPE.changed(train=["reviews.tsv"], max_words=500)
    assert (moved.dev, moved.test, moved.sample, moved.labels) == (None, None, None, None)
    assert (moved.augmentation, moved.ngram_weights, moved.min_count) == (None, None, 1)
    assert moved.max_words == 500  # a change beside the data is kept
    assert moved.train_config.min_steps == SMALL_DATA_MIN_STEPS
    assert moved.config == RECIPE.config
    # vectors made from the recipe's data need that data: the shipped ones instead; other
    # vectors go with the network
    assert isinstance(RECIPE.embeddings, EmbeddingsRecipe) and moved.embeddings == "default"
    assert FILM_RECIPE.changed(train=["reviews.tsv"]).embeddings == FILM_RECIPE.embeddings
    assert RECIPE.changed(train="x", embeddings="my-vectors").embeddings == "my-vectors"
    # SST-2 alone is scored on SST-2 test; a recipe's own sources as a list are its data
    assert RECIPE.changed(train="sst2:train").test == "sst2:test"
    assert RECIPE.changed(train=list(RECIPE.train)).sample == RECIPE.sample
    assert FILM_RECIPE.changed(dev="sst2:test").train == FILM_RECIPE.train
    # a schedule given with other data still gets the small-data minimum unless it sets one
    assert RECIPE.changed(train="x", train_config=TINY_SCHEDULE).train_config.min_steps == (
        SMALL_DATA_MIN_STEPS
    )
    assert TAGGER_RECIPE.changed(train="my.conllu").dev is None
    assert TAGGER_RECIPE.changed(train="my.conllu", dev="d.conllu").dev == "d.conllu"


def test_a_change_that_names_no_field_is_refused():
    with pytest.raises(TypeError, match=r"'epochs': not a field of SentimentRecipe \(train, dev,"):
        RECIPE.changed(epochs=3)
    with pytest.raises(TypeError, match="argument 'hidden': not a field of TaggerRecipe"):
        train_tagger(hidden=3)


def test_a_recipe_value_runs_as_its_fields_given_one_by_one():
    recipe = THREE_CLASS_RECIPE.for_data(
        toy(60, 1),
        dev=toy(20, 2),
        config=SentimentConfig(**TINY),
        train_config=TINY_SCHEDULE,
        embeddings=None,
        pretrained_words=0,
    )
    by_value, _ = train_sentiment(recipe, progress=False)
    by_fields, _ = train_sentiment(
        train=toy(60, 1),
        dev=toy(20, 2),
        config=SentimentConfig(**TINY),
        train_config=TINY_SCHEDULE,
        embeddings=None,
        pretrained_words=0,
        progress=False,
    )
    assert by_value.meta["recipe"] == by_fields.meta["recipe"] == recipe.record()
    assert by_value.vocab.itos == by_fields.vocab.itos
    assert all((by_value.tensors[k] == by_fields.tensors[k]).all() for k in by_value.tensors)


def test_the_calls_made_before_recipes_were_values_warn_and_work(tmp_path):
    data = dict(embeddings=None, pretrained_words=0, progress=False)
    with pytest.deprecated_call(match=r"train\(train, dev, config, train_config\) by position"):
        old, _ = train_sentiment(
            toy(60, 1), toy(20, 2), SentimentConfig(**TINY), TINY_SCHEDULE, **data
        )
    with pytest.warns(DeprecationWarning) as warned:
        placeholders, _ = train_sentiment(
            train=toy(60, 1),
            dev=toy(20, 2),
            config=SentimentConfig(**TINY),
            train_config=TINY_SCHEDULE,
            augmentation="recipe",
            ngram_weights="recipe",
            test="auto",
            **data,
        )
    assert [str(w.message).split(" is ")[0] for w in warned] == [
        "train(augmentation='recipe')",
        "train(ngram_weights='recipe')",
        "train(test='auto')",
    ]
    assert {w.filename for w in warned} == {__file__}  # the caller's line
    assert old.meta["recipe"] == placeholders.meta["recipe"]
    assert placeholders.meta["recipe"]["augmentation"] is None
    train, dev = write_data(tmp_path)
    with pytest.deprecated_call(match=r"train\(train, dev\) by position"):
        tagger, _ = train_tagger(
            str(train), str(dev), config=tiny_config(), train_config=TINY_SCHEDULE,
            embeddings=None, progress=False,
        )  # fmt: skip
    assert tagger.meta["recipe"]["train"] == str(train)


def test_the_general_models_vectors_read_its_training_texts_and_wikipedia():
    """REVIEW_VECTORS writes its sources out (their order fixes the vectors' cache name);
    they must stay the general recipe's training sets plus Wikipedia's first half."""
    from seqnlp.sentiment.recipe import GENERAL_TRAIN, REVIEW_VECTORS

    assert RECIPE.embeddings is REVIEW_VECTORS and RECIPE.train == GENERAL_TRAIN
    corpus = REVIEW_VECTORS.corpus
    assert len(corpus) == len(set(corpus)) == len(GENERAL_TRAIN) + 1
    assert set(corpus) == {"enwiki-2015:part1", *GENERAL_TRAIN}


def test_each_shipped_sentiment_model_has_its_recipe_by_name():
    """`train-sentiment --recipe NAME` offers every shipped sentiment model, and the models
    trained since recipes were recorded record theirs (sentiment-film's meta.json predates
    the fields added later, ngram_negation and the augmentation's subjects)."""
    import json

    from seqnlp.sentiment import SentimentClassifier
    from seqnlp.sentiment.recipe import RECIPES
    from seqnlp.serialization.models import DEFAULT_MODELS_DIR

    shipped = {
        path.parent.name
        for path in DEFAULT_MODELS_DIR.glob("*/config.json")
        if json.loads(path.read_text())["kind"] == "sentiment"
    }
    assert set(RECIPES) == shipped
    assert RECIPES["sentiment"] is RECIPE and RECIPES["sentiment-3"] is THREE_CLASS_RECIPE
    for name in ("sentiment", "sentiment-3"):
        assert SentimentClassifier.load(name).meta["recipe"] == RECIPES[name].record()
