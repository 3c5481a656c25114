"""One model protocol (issue 28): every kind answers load, save(path, dtype=), evaluate, and
the predicting kinds predict / predict_stream; ``seqnlp.load`` opens any kind by name or
directory; the names they replace still work for one release, with a DeprecationWarning."""

from __future__ import annotations

import inspect
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

import seqnlp
from seqnlp.corpus import LabeledText
from seqnlp.embeddings import EmbeddingConfig, WordVectors
from seqnlp.errors import DataError, ModelFileError
from seqnlp.serialization import default_model, model_kind
from seqnlp.tasks import TASKS
from tests.conftest import TINY_VECTORS, TINY_WORDS

CLASSES = {"tagger": "Tagger", "sentiment": "SentimentClassifier", "vectors": "WordVectors"}


@pytest.fixture(scope="module")
def tagger():
    return seqnlp.load("tagger")


@pytest.fixture(scope="module")
def classifier():
    return seqnlp.load("sentiment")


@pytest.mark.parametrize("kind", sorted(TASKS))
def test_every_kind_answers_the_same_verbs_with_the_same_arguments(kind):
    model = TASKS[kind].resolve("model")
    load = inspect.signature(model.load).parameters
    assert next(iter(load)) == "path" and load["path"].default is None
    save = inspect.signature(model.save).parameters
    assert list(save)[:2] == ["self", "path"]
    assert save["dtype"].kind is inspect.Parameter.KEYWORD_ONLY
    assert save["overwrite"].default is False
    assert callable(model.evaluate)
    if kind != "vectors":  # vectors answer queries (similar, analogy), not predictions
        for name in ("predict", "predict_stream"):
            params = inspect.signature(getattr(model, name)).parameters
            assert list(params)[:2] == ["self", "texts"] and params["batch_size"].default == 256


@pytest.mark.parametrize("name", ["tagger", "sentiment", "vectors", "embeddings"])
def test_load_opens_a_shipped_model_by_name_and_any_directory_by_its_kind(name, tmp_path):
    kind = "vectors" if name == "embeddings" else name  # the vectors' name before issue 28
    by_name = seqnlp.load(name)
    assert type(by_name).__name__ == CLASSES[kind]
    copy = shutil.copytree(default_model(kind), tmp_path / "some model")
    assert model_kind(copy) == kind
    assert type(seqnlp.load(copy)).__name__ == CLASSES[kind]
    assert type(seqnlp.load(str(copy))).__name__ == CLASSES[kind]


def test_load_reads_the_model_a_save_moved_aside(tmp_path):
    """Between the two renames of a save's swap (or after a kill there) the directory is
    missing and the previous model sits beside it: load reads that one, as Tagger.load."""
    shutil.copytree(default_model("tagger"), tmp_path / ".tagger.old-123")
    assert model_kind(tmp_path / "tagger") == "tagger"
    assert seqnlp.load(tmp_path / "tagger").predict("I saw")[0][1] == ("saw", "VERB", "VBD")


def test_load_reads_a_vectors_file_as_vectors(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text(
        "3 5\n" + "".join(f"{w} {' '.join(map(str, TINY_VECTORS[w]))}\n" for w in TINY_WORDS[:3])
    )
    vectors = seqnlp.load(path)
    assert type(vectors) is WordVectors and vectors.words[:3] == TINY_WORDS[:3]
    (tmp_path / "notes.txt").write_text("not vectors\n")
    with pytest.raises(DataError, match="notes.txt:1: 'vectors' is not a number"):
        seqnlp.load(tmp_path / "notes.txt")  # read as GloVe text, refused at its first row


def test_load_refuses_what_is_no_model(tmp_path):
    with pytest.raises(ModelFileError, match="no such model directory, and not a shipped model"):
        seqnlp.load(tmp_path / "nowhere")
    with pytest.raises(ModelFileError, match="is not a seqnlp model directory"):
        seqnlp.load(tmp_path)


def test_vectors_saved_under_the_old_kind_name_still_load(tmp_path):
    matrix = np.array([TINY_VECTORS[w] for w in TINY_WORDS], dtype=np.float32)
    vectors = WordVectors(TINY_WORDS, matrix, EmbeddingConfig(dim=5))
    path = vectors.save(tmp_path / "v")
    config = json.loads((path / "config.json").read_text())
    assert config["kind"] == "vectors"  # the one name, in new files
    (path / "config.json").write_text(json.dumps({**config, "kind": "embeddings"}))
    for loaded in (WordVectors.load(path), seqnlp.load(path), seqnlp.load_vectors(path)):
        assert loaded.similar("king", 1) == vectors.similar("king", 1)


def test_the_shipped_vectors_and_the_vectors_loader():
    assert json.loads((default_model("vectors") / "config.json").read_text())["kind"] == "vectors"
    assert seqnlp.load_vectors().dim == seqnlp.load("vectors").dim == 200


def test_every_loader_takes_a_shipped_name(tmp_path, monkeypatch):
    """``load_vectors("vectors")`` as ``load("vectors")`` and ``Tagger.load("tagger")``: the
    name, not a folder of that name in the working directory."""
    monkeypatch.chdir(tmp_path)
    assert seqnlp.load_vectors("vectors").words[:5] == seqnlp.load_vectors().words[:5]
    shipped = seqnlp.load("vectors")
    assert WordVectors.load("vectors").similar("king", 3) == shipped.similar("king", 3)


def test_tokenize_at_the_top_before_and_after_its_module_is_imported():
    expected = [["It", "was", "n't", "bad", "."], ["Really", "!"]]
    assert seqnlp.tokenize("It wasn't bad. Really!") == expected
    code = (
        "import sys, seqnlp\n"
        "assert 'seqnlp.tokenize' not in sys.modules\n"  # still the lazy function
        "print(seqnlp.tokenize('It wasn\\'t bad. Really!'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == repr(expected)


def test_the_train_entry_points_are_the_libraries():
    from seqnlp.embeddings import train_embeddings
    from seqnlp.sentiment import train as train_sentiment
    from seqnlp.tagger import train as train_tagger

    assert TASKS["tagger"].resolve("train") is train_tagger
    assert TASKS["sentiment"].resolve("train") is train_sentiment
    assert TASKS["vectors"].resolve("train") is train_embeddings
    with pytest.raises(TypeError, match="unexpected keyword argument 'nonsense'"):
        seqnlp.train_tagger(nonsense=1)
    with pytest.raises(TypeError, match="unexpected keyword argument 'nonsense'"):
        seqnlp.train_sentiment(nonsense=1)
    with pytest.raises(TypeError, match="unexpected keyword argument 'nonsense'"):
        seqnlp.train_embeddings(nonsense=1)


def test_tagger_predict_stream_is_predict_in_constant_memory(tagger):
    texts = ["I saw a saw. It was sharp!", "", "   ", "The dog barked."] * 50
    streamed = list(tagger.predict_stream(iter(texts), batch_size=4))
    assert [text for text, _ in streamed] == texts
    assert [tagged for _, tagged in streamed] == tagger.predict(texts)
    assert streamed[1] == ("", []) and len(streamed[0][1]) == 9
    read = []

    def lines():
        for i in range(10_000):
            read.append(i)
            yield "The dog barked."

    assert next(tagger.predict_stream(lines(), batch_size=4))[1][0] == ("The", "DET", "DT")
    assert len(read) <= 8 * 4 + 1  # one chunk of sentences read, not the whole input


def test_tagger_evaluate_is_evaluate_tagger(tagger, tmp_path):
    from seqnlp.tagger.evaluation import evaluate_tagger

    conllu = tmp_path / "gold.conllu"
    conllu.write_text(
        "# text = I saw a saw.\n1\tI\tI\tPRON\tPRP\t_\t_\t_\t_\t_\n"
        "2\tsaw\tsee\tVERB\tVBD\t_\t_\t_\t_\t_\n"
        "3\ta\ta\tDET\tDT\t_\t_\t_\t_\t_\n4\tsaw\tsaw\tNOUN\tNN\t_\t_\t_\t_\tSpaceAfter=No\n"
        "5\t.\t.\tPUNCT\t.\t_\t_\t_\t_\t_\n\n",
        encoding="utf-8",
    )
    scores = tagger.evaluate(conllu)
    assert scores == evaluate_tagger(tagger, conllu)
    assert scores["upos_accuracy"] == 1.0 and scores["raw_text"]["upos_f1"] == 1.0


def test_classifier_evaluate_takes_examples_or_a_file(classifier, tmp_path):
    examples = [
        LabeledText("a gripping, funny film", "positive"),
        LabeledText("dull and tedious", "negative"),
    ]
    path = tmp_path / "data.tsv"
    path.write_text("sentence\tlabel\n" + "".join(f"{e.text}\t{e.label}\n" for e in examples))
    assert classifier.evaluate(path) == classifier.evaluate(examples)
    assert classifier.evaluate(examples)["accuracy"] == 1.0


def test_vectors_evaluate_is_the_benchmark_function(tmp_path):
    from seqnlp.embeddings import evaluate

    matrix = np.array([TINY_VECTORS[w] for w in TINY_WORDS], dtype=np.float32)
    vectors = WordVectors(TINY_WORDS, matrix, EmbeddingConfig(dim=5))
    analogies = tmp_path / "analogies.txt"
    analogies.write_text(": capital-common-countries\nfrance paris italy rome\n")
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("king queen 8\nman woman 7\ncat paris 1\n")
    scores = vectors.evaluate(analogies, [pairs], restrict_vocab=None)
    assert scores == evaluate(vectors, analogies, [pairs], None)
    assert scores["analogy"]["add"]["total"] == 1.0


def test_old_names_warn_and_answer_as_the_new(tagger, classifier, tmp_path):
    from seqnlp.sentiment import SentimentClassifier
    from seqnlp.tagger import Tagger

    with pytest.warns(DeprecationWarning, match=r"Tagger.tag is deprecated.*use Tagger.predict"):
        assert tagger.tag("I saw a saw") == tagger.predict("I saw a saw")
    with pytest.warns(DeprecationWarning, match="use Tagger.predict_tokens$"):
        assert tagger.tag_tokens([["I", "saw"]]) == tagger.predict_tokens([["I", "saw"]])
    with pytest.warns(DeprecationWarning, match="use Tagger.predict_tokens_stream$"):
        old = list(tagger.iter_tag([(7, ["I", "saw"])]))
    assert old == list(tagger.predict_tokens_stream([(7, ["I", "saw"])]))
    with pytest.warns(DeprecationWarning, match=r"Tagger.save\(directory=...\) is deprecated"):
        tagger.save(directory=tmp_path / "t")
    with pytest.warns(DeprecationWarning, match=r"Tagger.load\(directory=...\) is deprecated"):
        assert Tagger.load(directory=tmp_path / "t").predict("I saw") == tagger.predict("I saw")
    with pytest.warns(DeprecationWarning, match=r"SentimentClassifier.load\(directory=...\)"):
        SentimentClassifier.load(directory=None)
    examples = [LabeledText("a gripping, funny film", "positive")]
    with pytest.warns(DeprecationWarning, match=r"evaluate\(examples=...\) is deprecated"):
        assert classifier.evaluate(examples=examples) == classifier.evaluate(examples)
    with pytest.warns(DeprecationWarning, match="seqnlp.load_tagger is deprecated"):
        assert type(seqnlp.load_tagger()) is Tagger
    with pytest.raises(AttributeError, match="no attribute 'load_nothing'"):
        seqnlp.load_nothing  # noqa: B018


@pytest.mark.parametrize("package", ["tagger", "sentiment", "embeddings", "serialization"])
def test_a_package_exports_what_users_call_and_its_old_internals_warn(package):
    import importlib
    import types

    module = importlib.import_module(f"seqnlp.{package}")
    public = {name for name in dir(module) if not name.startswith("_")}
    others = {
        n for n in public - set(module.__all__) if type(getattr(module, n)) is not types.ModuleType
    }
    assert others == set()  # besides __all__, only its own submodules once imported
    old = {
        "tagger": "pair_ids",
        "sentiment": "to_example",
        "embeddings": "gensim_model",
        "serialization": "config_from_dict",
    }[package]
    assert old not in module.__all__ and old not in public
    with pytest.warns(DeprecationWarning, match=rf"seqnlp.{package}.{old} is deprecated.*seqnlp"):
        assert callable(getattr(module, old))
