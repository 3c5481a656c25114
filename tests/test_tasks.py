"""One contract over every task in the registry (flair's ``BaseModelTest``): train two epochs,
save, reload, same predictions; refuse a model of another kind; every storage dtype; resume
an interrupted run. Plus: a recipe is what ``train()``, the CLI and the shipped model agree on.
"""

from __future__ import annotations

import dataclasses
import inspect

import click
import numpy as np
import pytest

from seqnlp.errors import ModelFileError
from seqnlp.serialization import STORAGE_DTYPES
from seqnlp.tasks import TASKS
from seqnlp.training import TrainConfig
from seqnlp.training.checkpoints import checkpoint_dir_for
from tests.sentiment.test_sentiment import TINY, toy
from tests.tagger.data import tiny_config, write_data

pytestmark = pytest.mark.usefixtures("one_torch_thread")
TRAINED = [kind for kind in TASKS if kind != "vectors"]  # vectors train with gensim


def _train_args(kind: str, tmp_path) -> dict:
    """Arguments of ``TASKS[kind].train`` for a tiny run of about a second."""
    tiny = TrainConfig(epochs=2, batch_size=8, lr=0.02, patience=0, seed=3, device="cpu")
    if kind == "tagger":
        train, dev = write_data(tmp_path)
        return dict(train=train, dev=dev, config=tiny_config(), train_config=tiny, embeddings=None)
    from seqnlp.sentiment import SentimentConfig

    config = SentimentConfig(**TINY, ngram_weight=0.3, members=2)
    return dict(train=toy(60, 1), dev=toy(20, 2), config=config, train_config=tiny, embeddings=None)


def _predict(kind: str, model):
    if kind == "tagger":
        return model.predict_tokens([["I", "saw", "a", "saw", "."], ["zorblax"]])
    if kind == "sentiment":
        return model.probabilities(["a really good film", "the plot is dull", "x"])
    return model.similar("king", 3)


def _assert_predicts(kind: str, model) -> None:
    """``_predict`` gives one well-formed answer per input, in the model's own labels."""
    if kind == "tagger":
        tagged = _predict(kind, model)
        assert [[w for w, _, _ in s] for s in tagged] == [
            ["I", "saw", "a", "saw", "."],
            ["zorblax"],
        ]
        assert {(u, x) for s in tagged for _, u, x in s} <= set(model.pairs)
    else:
        probabilities = _predict(kind, model)
        assert probabilities.shape == (3, len(model.label_names))
        np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)


def _tag_scores(tagger) -> np.ndarray:
    """The UPOS and XPOS heads' scores for ``_predict``'s sentences, side by side."""
    arrays = tagger.encoder.encode([["I", "saw", "a", "saw", "."], ["zorblax"]])
    return np.concatenate(tagger._network(**arrays), axis=-1)


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict:
    """A tiny model of every kind, saved in its default storage: kind -> (model, directory)."""
    import torch

    from tests.conftest import TINY_VECTORS, TINY_WORDS

    models = {}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for kind in TRAINED:
            root = tmp_path_factory.mktemp(kind)
            train = TASKS[kind].resolve("train")
            model, result = train(**_train_args(kind, root), output=root / "model", progress=False)
            assert result.epochs == 2
            models[kind] = (model, root / "model")
    finally:
        torch.set_num_threads(threads)
    vectors_class = TASKS["vectors"].resolve("model")
    config = TASKS["vectors"].resolve("config")(dim=5)
    matrix = np.array([TINY_VECTORS[w] for w in TINY_WORDS], dtype=np.float32)
    vectors = vectors_class(TINY_WORDS, matrix, config, counts=np.arange(10, 0, -1))
    root = tmp_path_factory.mktemp("vectors")
    vectors.save(root / "model")
    models["vectors"] = (vectors, root / "model")
    return models


@pytest.mark.parametrize("kind", sorted(TASKS))
def test_saved_model_reloads_with_the_same_predictions(trained, kind):
    model, directory = trained[kind]
    reloaded = TASKS[kind].load(directory)
    assert reloaded.config == model.config
    got, expected = _predict(kind, reloaded), _predict(kind, model)
    assert np.array_equal(got, expected) if kind == "sentiment" else got == expected
    if kind in TRAINED:
        assert not checkpoint_dir_for(directory).exists()  # removed when done
        assert reloaded.meta["training"]["epochs"] == 2
        assert reloaded.meta["epoch"] == reloaded.meta["training"]["best_epoch"]
        assert "accuracy" in reloaded.meta["dev"]
        assert reloaded.meta["recipe"]["train_config"]["epochs"] == 2


@pytest.mark.parametrize("kind", sorted(TASKS))
def test_a_model_of_another_kind_is_refused(trained, kind):
    other = next(k for k in sorted(TASKS) if k != kind)
    with pytest.raises(ModelFileError, match=f"is an? {other} model, not an? {kind} model"):
        TASKS[kind].load(trained[other][1])


@pytest.mark.parametrize("dtype", STORAGE_DTYPES)
@pytest.mark.parametrize("kind", sorted(TASKS))
def test_every_storage_dtype(trained, kind, dtype, tmp_path):
    model, _ = trained[kind]
    model.save(tmp_path / dtype, dtype=dtype)
    stored = TASKS[kind].load(tmp_path / dtype)
    assert stored.meta["dtype"] == dtype
    if kind == "sentiment":
        np.testing.assert_allclose(_predict(kind, stored), _predict(kind, model), atol=0.02)
    elif kind == "tagger":  # the scores behind the tags, as the tiny model's tags may tie
        np.testing.assert_allclose(_tag_scores(stored), _tag_scores(model), atol=0.01)
        assert _predict(kind, stored) == _predict(kind, model)
    else:
        assert [w for w, _ in _predict(kind, stored)] == [w for w, _ in _predict(kind, model)]


@pytest.mark.parametrize("kind", TRAINED)
def test_an_interrupted_run_resumes_to_the_end(kind, tmp_path):
    train = TASKS[kind].resolve("train")
    args = dict(_train_args(kind, tmp_path), output=tmp_path / "model", progress=False)
    args["train_config"] = dataclasses.replace(args["train_config"], epochs=3)

    def stop(record: dict) -> None:
        if record["epoch"] == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(**args, on_epoch=stop)
    meanwhile = TASKS[kind].load(tmp_path / "model")  # usable: the best epoch so far
    assert meanwhile.meta["epoch"] in (1, 2)
    _assert_predicts(kind, meanwhile)
    assert checkpoint_dir_for(tmp_path / "model").is_dir()
    model, result = train(**args, resume=True)
    assert result.epochs == 3 and model.meta["training"]["epochs"] == 3
    assert not checkpoint_dir_for(tmp_path / "model").exists()
    with pytest.raises(ModelFileError, match="already exists"):
        train(**args)


@pytest.mark.parametrize("kind", sorted(TASKS))
def test_the_recipe_is_the_library_default_and_the_shipped_models_record(kind):
    task = TASKS[kind]
    recipe = task.resolve("recipe")
    shipped = task.load()
    assert shipped.meta["recipe"] == recipe.record()
    if kind == "vectors":
        return
    train = inspect.signature(task.resolve("train")).parameters
    assert train["recipe"].default is recipe  # data, network and schedule: one value
    assert recipe.changed(train=recipe.train) == recipe
    # other data keeps the network and the schedule, never the recipe's dev set
    moved = recipe.changed(train="my-data")
    assert moved.dev is None and moved.config == recipe.config
    assert dataclasses.replace(moved.train_config, min_steps=None) == recipe.train_config


@pytest.mark.parametrize("kind", TRAINED)
def test_the_train_command_defaults_are_the_recipe(kind):
    from seqnlp.cli import main

    command = main.get_command(click.Context(main), f"train-{kind}")
    recipe = TASKS[kind].resolve("recipe")
    # get_default, not .default: click >= 8.3 keeps a flag's unset default as a sentinel
    context = click.Context(command)
    defaults = {p.name: p.get_default(context) for p in command.params}
    expected = {
        **dataclasses.asdict(recipe.train_config),
        **{k: v for k, v in dataclasses.asdict(recipe.config).items() if k in defaults},
        "dtype": recipe.dtype,
    }
    expected.pop("weight_decay")  # not a command-line option
    assert not command.params[[p.name for p in command.params].index("dev")].required
    for name, value in expected.items():
        assert defaults[name] == (list(value) if isinstance(value, tuple) else value), name
