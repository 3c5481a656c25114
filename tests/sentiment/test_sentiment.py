"""The sentiment classifier: normalisation, readers, labels, tiny training runs, storage."""

from __future__ import annotations

import json
import logging
import random

import numpy as np
import pytest
import torch

from seqnlp.corpus import LabeledText
from seqnlp.embeddings import WordVectors
from seqnlp.errors import DataError, ModelFileError, SeqnlpError
from seqnlp.layers.spec import CELLS, POOLINGS
from seqnlp.sentiment import SentimentClassifier, SentimentConfig, read_labeled, train
from seqnlp.sentiment.config import expected_shapes
from seqnlp.sentiment.data import check_labels, guess_format, label_set, to_example
from seqnlp.sentiment.ngrams import NgramModel, mark_negation
from seqnlp.sentiment.recipe import RECIPE
from seqnlp.training import TrainConfig
from seqnlp.vocab import Vocab

POSITIVE = ["good", "great", "funny", "moving", "gripping", "charming", "lovely"]
NEGATIVE = ["bad", "dull", "boring", "awful", "tedious", "lifeless", "clumsy"]
FILLER = ["a", "the", "film", "movie", "story", "is", "really", "and", "plot", "."]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def toy(n: int, seed: int, classes: int = 2) -> list[LabeledText]:
    """Sentences whose label is told by one cue word among filler (class k: cue list k)."""
    rng = random.Random(seed)
    cues = [POSITIVE, NEGATIVE, ["okay", "fine", "average"], ["masterpiece"], ["disaster"]]
    examples = []
    for i in range(n):
        label = i % classes
        words = [rng.choice(FILLER) for _ in range(rng.randint(2, 7))]
        words.insert(rng.randint(0, len(words)), rng.choice(cues[label]))
        examples.append(LabeledText(" ".join(words), str(label)))
    return examples


TINY = dict(word_dim=8, hidden=6, dropout=0.1, embedding_dropout=0.0)


def tiny_train(tmp_path=None, classes=2, epochs=2, n=60, extra=(), **config):
    """A tiny classifier of ``toy`` data (and ``extra`` examples)."""
    model_config = SentimentConfig(**{**TINY, **config})
    data, dev = toy(n, 1, classes), toy(20, 2, classes)
    return train(
        train=data + list(extra),
        dev=dev,
        config=model_config,
        train_config=TrainConfig(epochs=epochs, batch_size=8, lr=0.02, seed=3, device="cpu"),
        embeddings=None,
        output=None if tmp_path is None else tmp_path / "model",
        progress=False,
    )


# ---------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    "raw, sst",
    [
        ("It wasn't GOOD.", "it was n't good ."),
        ("A well-made film (really)!", "a well-made film -lrb- really -rrb- !"),
        ("I won't say \u201cbad\u201d", "i wo n't say `` bad ''"),
        ("the writer/director's best", "the writer\\/director 's best"),
    ],
)
def test_raw_text_reaches_the_tokens_of_sst(raw, sst):
    assert to_example(raw) == to_example(sst) == sst.split()


def test_sst_sentences_are_kept(shared_data):
    path = shared_data / "sst2" / "stsa.binary.dev"
    examples = read_labeled(path)
    same = sum(to_example(e.text) == e.text.split() for e in examples)
    assert same / len(examples) > 0.97


def test_long_texts_are_cut_and_empty_ones_have_no_tokens():
    assert len(to_example("word " * 5000)) == 400
    assert len(to_example("word " * 5000, max_tokens=None)) == 5000
    assert to_example("") == to_example("   \t") == []


# ---------------------------------------------------------------- readers


def test_guess_format():
    assert guess_format("x.csv") == "csv"
    assert guess_format("x.TSV") == "tsv"
    assert guess_format("x.tsv.gz") == "tsv"
    assert guess_format("stsa.binary.train") == "sst"


def test_sst2_dataset_splits(shared_data):
    assert len(read_labeled("sst2", "dev")) == 872
    path = shared_data / "sst2" / "glue_phrase_train_thirdparty" / "train.tsv"
    rows = read_labeled(path, format="glue")  # GLUE TSV: header, label first, CRLF
    assert len(rows) == 67349
    assert rows[0] == LabeledText("hide new secretions from the parental units", "0")
    # as a dataset split: labels by name, each text once, no text of a dev or test split
    phrases = read_labeled("sst2", "phrases")
    assert phrases[0] == LabeledText("hide new secretions from the parental units", "negative")
    assert 55_000 < len(phrases) < 60_000
    assert "what 's next ?" not in {p.text for p in phrases}  # an SST-2 test sentence


def test_every_format(tmp_path):
    (tmp_path / "a.txt").write_text("1 a good film\n0 a bad film\n")
    (tmp_path / "b.tsv").write_bytes(b"label\tsentence\r\n1\ta good film\r\n0\ta bad film\r\n")
    (tmp_path / "c.tsv").write_text("review\tstars\na good film\t5\na bad film\t1\n")
    (tmp_path / "d.csv").write_text('id,text,y\n1,"good, really",pos\n2,"bad, really",neg\n')
    assert [e.label for e in read_labeled(tmp_path / "a.txt")] == ["1", "0"]
    assert read_labeled(tmp_path / "b.tsv", format="glue")[0] == LabeledText("a good film", "1")
    got = read_labeled(tmp_path / "c.tsv", text_column="review", label_column="stars")
    assert got[1] == LabeledText("a bad film", "1")
    assert read_labeled(tmp_path / "d.csv", text_column="text", label_column="y")[0] == (
        LabeledText("good, really", "pos")
    )


def test_wrong_columns_list_the_found_ones(tmp_path):
    (tmp_path / "x.tsv").write_text("review\tstars\na good film\t5\n")
    with pytest.raises(DataError, match=r"no column named 'sentence'.*'review', 'stars'"):
        read_labeled(tmp_path / "x.tsv")


def test_invalid_utf8_names_the_line(tmp_path):
    (tmp_path / "x.txt").write_bytes(b"1 a good film\n0 a \xff bad film\n")
    with pytest.raises(DataError, match=r"x\.txt:2: not valid UTF-8"):
        read_labeled(tmp_path / "x.txt")
    assert "\ufffd" in read_labeled(tmp_path / "x.txt", errors="replace")[1].text


def test_unknown_format_and_empty_file(tmp_path):
    (tmp_path / "x.txt").write_text("\n\n")
    with pytest.raises(DataError, match="format must be one of"):
        read_labeled(tmp_path / "x.txt", format="json")
    with pytest.raises(DataError, match="no labelled examples"):
        read_labeled(tmp_path / "x.txt")


# ---------------------------------------------------------------- labels


def test_label_set_needs_two_classes():
    assert label_set(toy(10, 0)) == ["0", "1"]
    assert label_set([LabeledText("x", n) for n in ("10", "2", "1")]) == ["1", "2", "10"]
    with pytest.raises(DataError, match=r"1 label \(only '1'\).*at least two classes"):
        label_set([LabeledText("a good film", "1")] * 3)


def test_unknown_labels_are_named():
    with pytest.raises(DataError, match=r"labels the model does not know: '7' \(2x\)"):
        check_labels([LabeledText("x", "7")] * 2 + [LabeledText("y", "1")], ["0", "1"], "dev")


def test_config_lists_the_choices():
    with pytest.raises(SeqnlpError, match=r"cell must be one of \('rnn', 'lstm', 'gru'\)"):
        SentimentConfig(cell="transformer")
    with pytest.raises(SeqnlpError, match="pooling must be one of"):
        SentimentConfig(pooling="sum")
    with pytest.raises(SeqnlpError, match="dropout"):
        SentimentConfig(dropout=1.5)


# ---------------------------------------------------------------- training and storage


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("pooling", POOLINGS)
def test_two_epochs_save_reload_same_probabilities(tmp_path, cell, pooling):
    classifier, result = tiny_train(tmp_path, cell=cell, pooling=pooling)
    assert result.epochs == 2 and len(result.history) == 2
    texts = ["a really good film", "The plot is DULL.", "x"]
    before = classifier.probabilities(texts)
    reloaded = SentimentClassifier.load(tmp_path / "model")
    assert np.array_equal(reloaded.probabilities(texts), before)
    np.testing.assert_allclose(before.sum(axis=1), 1.0, rtol=1e-5)
    assert reloaded.config == classifier.config


def test_a_model_saved_with_the_retired_scope_fields_still_loads(tmp_path):
    """Models saved before the negation-scope input left (issue 28) record it as unused."""
    classifier, _ = tiny_train(tmp_path)
    config_file = tmp_path / "model" / "config.json"
    saved = json.loads(config_file.read_text())
    texts = ["a really good film", "the plot is dull"]
    unused = {"negation_scope": "none", "negators": [], "scope_ends": []}
    config_file.write_text(json.dumps({**saved, **unused}))
    loaded = SentimentClassifier.load(tmp_path / "model")
    assert np.array_equal(loaded.probabilities(texts), classifier.probabilities(texts))
    config_file.write_text(json.dumps({**saved, **unused, "negation_scope": "flag"}))
    with pytest.raises(ModelFileError, match="negation_scope = 'flag' needs a feature"):
        SentimentClassifier.load(tmp_path / "model")


@pytest.mark.parametrize("dtype", ["float16", "int8"])
def test_smaller_embedding_storage(tmp_path, dtype):
    classifier, _ = tiny_train()
    classifier.save(tmp_path / "full")
    classifier.save(tmp_path / dtype, dtype=dtype)
    small = SentimentClassifier.load(tmp_path / dtype)
    assert small.meta["dtype"] == dtype
    assert set(small.tensors) == set(classifier.tensors)
    full_size = (tmp_path / "full" / "weights.safetensors").stat().st_size
    assert (tmp_path / dtype / "weights.safetensors").stat().st_size < full_size
    texts = ["a really good film", "the plot is dull"]
    np.testing.assert_allclose(
        small.probabilities(texts), classifier.probabilities(texts), atol=0.02
    )


@pytest.mark.parametrize("pooling", POOLINGS)
def test_numpy_prediction_matches_the_torch_network(pooling):
    from seqnlp.sentiment.model import pad
    from seqnlp.sentiment.network import SentimentNet

    classifier, _ = tiny_train(cell="lstm", pooling=pooling, layers=2)
    net = SentimentNet(classifier.config)
    net.load_state_dict({k: torch.from_numpy(v) for k, v in classifier.tensors.items()})
    net.eval()
    texts = ["good", "a bad , dull film .", "the story is really moving and the plot is great"]
    words, lengths = pad([classifier.encode(t) for t in texts])
    with torch.no_grad():
        expected = torch.softmax(net(torch.from_numpy(words), torch.from_numpy(lengths)), -1)
    np.testing.assert_allclose(classifier.probabilities(texts), expected.numpy(), atol=1e-5)


def test_learns_the_toy_task_and_repeats_with_the_seed():
    a, result = tiny_train(epochs=6, n=120)
    b, _ = tiny_train(epochs=6, n=120)
    assert result.best_metric >= 0.9
    assert [p.label for p in a.predict(["a good film", "a dull film"])] == ["0", "1"]
    assert all(np.array_equal(a.tensors[k], b.tensors[k]) for k in a.tensors)


def test_five_classes():
    classifier, _ = tiny_train(classes=5, epochs=4)
    assert classifier.labels == ["0", "1", "2", "3", "4"]
    (prediction,) = classifier.predict(["a film"])
    assert set(prediction.probabilities) == set(classifier.labels)
    assert prediction.probability == max(prediction.probabilities.values())
    scores = classifier.evaluate(toy(25, 5, classes=5))
    assert scores["n"] == 25 and len(scores["per_label"]) == 5


def test_label_names_and_evaluation_by_either_name(tmp_path):
    classifier, _ = train(
        train=toy(60, 1),
        dev=toy(20, 2),
        config=SentimentConfig(**TINY),
        train_config=TrainConfig(epochs=1, batch_size=8, device="cpu"),
        embeddings=None,
        label_names=["positive", "negative"],
        progress=False,
    )
    assert classifier.predict("a good film")[0].label in ("positive", "negative")
    renamed = [LabeledText(e.text, ["positive", "negative"][int(e.label)]) for e in toy(8, 3)]
    assert classifier.evaluate(renamed)["n"] == 8
    with pytest.raises(DataError, match="does not know: 'neutral'"):
        classifier.evaluate([LabeledText("a film", "neutral")])


def test_dev_labels_must_be_known():
    dev = [LabeledText("a film", "2")]
    with pytest.raises(DataError, match=r"dev data has labels the model does not know: '2'"):
        train(
            train=toy(20, 1),
            dev=dev,
            config=SentimentConfig(**TINY),
            embeddings=None,
            progress=False,
        )


def test_one_class_training_data():
    with pytest.raises(DataError, match="at least two classes"):
        train(
            train=[LabeledText("a good film", "1")] * 5,
            dev=toy(4, 1),
            embeddings=None,
            progress=False,
        )


def test_empty_and_very_long_texts(caplog):
    classifier, _ = tiny_train()
    with caplog.at_level(logging.WARNING, logger="seqnlp"):
        (prediction,) = classifier.predict(["good " * 3000])
    assert "cut to its first 400" in caplog.text
    assert abs(sum(prediction.probabilities.values()) - 1) < 1e-5
    # predict refuses a blank text as the CLI does (issue #16.11); the array API answers
    with pytest.raises(DataError, match="^text 2 is empty$"):
        classifier.predict(["good", "   "])
    np.testing.assert_allclose(classifier.probabilities(["", "   "]).sum(axis=1), 1, rtol=1e-5)


def test_pretrained_vectors_initialise_the_embeddings(tiny_model, tiny):
    def run(**options):
        return train(
            train=toy(40, 1),
            dev=toy(10, 2),
            config=SentimentConfig(hidden=4),
            train_config=TrainConfig(epochs=1, batch_size=8, lr=1e-9, device="cpu"),
            embeddings=tiny_model,
            progress=False,
            **options,
        )[0]

    classifier = run(pretrained_words=0)
    assert classifier.config.word_dim == 5
    assert classifier.meta["embeddings"]["coverage"] > 0
    assert "queen" not in classifier.vocab
    # by default the vectors' words that training never saw are added after it
    added = run()
    unseen = [w for w in tiny.words if w not in classifier.vocab]
    assert "queen" in added.vocab and added.meta["pretrained_words"] == len(unseen)
    assert added.vocab.itos == classifier.vocab.itos + unseen


VECTOR_DIM = 6


def cue_vectors() -> WordVectors:
    """Vectors where the toy task's cues lie on one axis (positive +, negative -), with two
    words the toy data never uses, "superb" and "dreadful", beside them."""
    rng = np.random.default_rng(0)
    words = [*FILLER, *POSITIVE, *NEGATIVE, "superb", "dreadful", "sideways"]
    rows = rng.normal(0, 0.3, (len(words), VECTOR_DIM)).astype(np.float32)
    for i, word in enumerate(words):
        if word in POSITIVE or word == "superb":
            rows[i, 0] += 3.0
        if word in NEGATIVE or word == "dreadful":
            rows[i, 0] -= 3.0
    return WordVectors(words, rows)


def cue_classifier(tmp_path, epochs=6, **config):
    """A classifier of the toy task trained on :func:`cue_vectors` (kept fixed), no words added."""
    vectors = cue_vectors()
    vectors.save(tmp_path / "vectors")
    classifier, _ = train(
        train=toy(120, 1),
        dev=toy(20, 2),
        config=SentimentConfig(
            **{**TINY, "word_dim": VECTOR_DIM, "freeze_embeddings": True, **config}
        ),
        train_config=TrainConfig(epochs=epochs, batch_size=8, lr=0.02, seed=3, device="cpu"),
        embeddings=tmp_path / "vectors",
        pretrained_words=0,
        progress=False,
    )
    return classifier, vectors


def test_added_words_are_read_through_their_vectors(tmp_path):
    classifier, vectors = cue_classifier(tmp_path)
    texts = ["a superb film", "a dreadful film", "a good film"]
    before = classifier.probabilities(texts)
    np.testing.assert_allclose(before[0], before[1])  # both the unknown word

    added = classifier.add_words(vectors, limit=2)
    assert added.vocab.itos[-2:] == ["superb", "dreadful"]
    assert added.config.num_pretrained == 2 and added.config.num_words == len(added.vocab)
    assert [p.label for p in added.predict(texts)] == ["0", "1", "0"]
    np.testing.assert_array_equal(added.probabilities(texts)[2], before[2])  # seen: unchanged
    assert added.add_words(vectors).vocab.itos[-1] == "sideways"  # more on top
    assert len(classifier.vocab) == len(added.vocab) - 2  # the original is left as it was

    for dtype in ("float32", "int8"):
        added.save(tmp_path / dtype, dtype=dtype)
        reloaded = SentimentClassifier.load(tmp_path / dtype)
        assert reloaded.config == added.config
        np.testing.assert_allclose(
            reloaded.probabilities(texts),
            added.probabilities(texts),
            atol=1e-6 if dtype == "float32" else 0.02,
        )


def test_vectors_of_another_space_are_refused(tmp_path):
    classifier, vectors = cue_classifier(tmp_path, epochs=1)
    with pytest.raises(SeqnlpError, match="the vectors have 5 dimensions"):
        classifier.add_words(WordVectors(["x"], np.ones((1, 5), np.float32)))
    # the same words, other directions: "superb" would mean nothing to the network
    rng = np.random.default_rng(1)
    other = WordVectors(vectors.words, rng.normal(size=vectors.vectors.shape).astype(np.float32))
    with pytest.raises(SeqnlpError, match=r"not the ones the classifier was trained from.*cosine"):
        classifier.add_words(other)
    with pytest.raises(SeqnlpError, match="over the 0 training words they share"):
        classifier.add_words(WordVectors(["superb"], np.ones((1, VECTOR_DIM), np.float32)))


def test_an_ensemble_stores_the_added_words_once(tmp_path):
    classifier, vectors = cue_classifier(tmp_path, epochs=1, members=2)
    cased = WordVectors(
        [*vectors.words, "Paris", "new york"],
        np.vstack([vectors.vectors, np.ones((2, VECTOR_DIM), np.float32)]),
    )
    added = classifier.add_words(cased)
    assert added.vocab.itos[-3:] == ["superb", "dreadful", "sideways"]  # not "Paris", a phrase
    shapes = expected_shapes(added.config)
    assert shapes["pretrained.weight"] == (3, VECTOR_DIM)
    assert shapes["member0.embedding.weight"] == shapes["member1.embedding.weight"]
    assert shapes["member0.embedding.weight"][0] == len(classifier.vocab)
    added.save(tmp_path / "model")
    reloaded = SentimentClassifier.load(tmp_path / "model")
    texts = ["a superb film", "a dreadful film"]
    np.testing.assert_array_equal(reloaded.probabilities(texts), added.probabilities(texts))


def test_a_tagger_directory_is_refused(tmp_path):
    from seqnlp.serialization import save_model

    save_model(tmp_path / "tagger", kind="tagger", config={}, tensors={"w": np.zeros(2)})
    with pytest.raises(ModelFileError, match="is a tagger model, not a sentiment model"):
        SentimentClassifier.load(tmp_path / "tagger")


def test_existing_output_is_not_replaced(tmp_path):
    (tmp_path / "model").mkdir()
    with pytest.raises(ModelFileError, match="already exists"):
        tiny_train(tmp_path)


@pytest.mark.parametrize("classes", [2, 3])
def test_ngram_model_matches_scikit_learn(classes):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    tokens = [to_example(e.text) for e in toy(90, 1, classes)]
    labels = [int(e.label) for e in toy(90, 1, classes)]
    model = NgramModel.fit(tokens, labels, classes, c=3.0, min_df=1)
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2),
        tokenizer=str.split,
        token_pattern=None,
        lowercase=False,
        sublinear_tf=True,
    )
    matrix = vectorizer.fit_transform([" ".join(t) for t in tokens])
    reference = LogisticRegression(C=3.0, max_iter=2000).fit(matrix, labels)
    test = [to_example(e.text) for e in toy(30, 4, classes)] + [["unheard", "of"]]
    expected = reference.predict_proba(vectorizer.transform([" ".join(t) for t in test]))
    np.testing.assert_allclose(model.probabilities(test), expected, atol=1e-5)


@pytest.mark.parametrize(
    ("text", "marked"),
    [
        ("not bad", "not bad_NEG"),
        (
            "i do n't like it , but the end is good .",
            "i do n't like_NEG it_NEG , but the end is good .",
        ),
        ("it was never not funny", "it was never not funny"),
        ("nothing about it disappointed me", "nothing about_NEG it_NEG disappointed_NEG me_NEG"),
        ("good", "good"),
    ],
)
def test_negation_scope_runs_from_the_negator_to_punctuation_or_but(text, marked):
    assert " ".join(mark_negation(text.split())) == marked


def test_negated_words_are_features_of_their_own():
    # "good" is positive and "not good" negative: without marks, both are read as "good"
    texts = ["good", "very good", "good fun", "not good", "not good fun", "never good"] * 5
    labels = [1, 1, 1, 0, 0, 0] * 5
    tokens = [t.split() for t in texts]
    marked = NgramModel.fit(tokens, labels, 2, min_df=1, negation=True)
    assert {"good_NEG", "not good_NEG"} <= set(marked.ngrams)
    plain = NgramModel.fit(tokens, labels, 2, min_df=1)
    assert "good_NEG" not in plain.ngrams
    # "nothing" never came before "good" in training: marked, "good" still reads negated
    probe = [["nothing", "good"]]
    assert marked.probabilities(probe)[0, 0] > 0.5 > plain.probabilities(probe)[0, 0]


def test_network_and_ngrams_together(tmp_path):
    classifier, result = tiny_train(tmp_path, ngram_weight=0.5)
    assert classifier.config.num_ngrams == len(classifier.ngrams) > 10
    texts = ["a really good film", "", "the plot is dull"]
    probs = classifier.probabilities(texts)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    reloaded = SentimentClassifier.load(tmp_path / "model")
    assert np.array_equal(reloaded.probabilities(texts), probs)
    assert reloaded.ngrams == classifier.ngrams


def test_a_saved_model_reads_its_ngrams_with_negation_marks(tmp_path):
    negated = [
        LabeledText(f"the film is not {word}", "1" if word in NEGATIVE else "0")
        for word in POSITIVE + NEGATIVE
    ] * 2  # n-grams seen in two texts at least are kept
    classifier, _ = tiny_train(tmp_path, ngram_weight=0.5, ngram_negation=True, extra=negated)
    assert any(g.endswith("_NEG") for g in classifier.ngrams)
    reloaded = SentimentClassifier.load(tmp_path / "model")
    assert reloaded.config.ngram_negation and reloaded.ngram_model.negation
    texts = ["not a good film", "never dull"]
    assert np.array_equal(reloaded.probabilities(texts), classifier.probabilities(texts))


def test_interrupted_training_resumes_to_the_same_model(tmp_path):
    def stop_after_first(record):
        if record["epoch"] == 1:
            raise KeyboardInterrupt

    def run(output, **kwargs):
        return train(
            train=toy(60, 1),
            dev=toy(20, 2),
            config=SentimentConfig(**TINY),
            train_config=TrainConfig(
                epochs=3, batch_size=8, lr=0.02, seed=5, patience=0, device="cpu"
            ),
            embeddings=None,
            output=output,
            progress=False,
            **kwargs,
        )

    with pytest.raises(KeyboardInterrupt):
        run(tmp_path / "model", on_epoch=stop_after_first)
    assert SentimentClassifier.load(tmp_path / "model").meta["dev"]["accuracy"] > 0
    assert (tmp_path / "model.checkpoint" / "checkpoint.safetensors").is_file()
    resumed, result = run(tmp_path / "model", resume=True)
    assert result.epochs == 3
    assert not (tmp_path / "model.checkpoint").exists()  # removed once training finished
    straight, _ = run(tmp_path / "other")
    assert all(np.array_equal(resumed.tensors[k], straight.tensors[k]) for k in resumed.tensors)


def test_ngram_share_ties_on_dev_accuracy_are_broken_by_log_loss():
    from types import SimpleNamespace

    from seqnlp.sentiment.training import _choose_ngram_weight

    class Stub:
        """Networks and n-grams both right on both texts, the n-grams more surely."""

        config = SimpleNamespace(ngram_weight=0.0)
        meta: dict = {}
        ngram_model = SimpleNamespace(
            probabilities=lambda tokens: np.array([[0.9, 0.1], [0.1, 0.9]])
        )

        def probabilities(self, texts):
            return np.array([[0.6, 0.4], [0.4, 0.6]])

        def tokens(self, text):
            return text.split()

        def label_index(self, label):
            return int(label)

    dev = [LabeledText("a", "0"), LabeledText("b", "1")]
    chosen = _choose_ngram_weight(Stub(), dev, (0.0, 0.2, 0.5))
    record = chosen.meta["ngram_weight_chosen"]
    assert set(record["dev_accuracy"].values()) == {1.0}
    assert chosen.config.ngram_weight == record["weight"] == 0.5
    assert record["dev_log_loss"][0.0] == pytest.approx(-np.log(0.6))


def test_an_ensemble_averages_its_networks(tmp_path):
    from seqnlp.sentiment.config import member_tensors

    classifier, _ = tiny_train(tmp_path, members=2, ngram_weight=0.3)
    assert classifier.config.members == 2 and len(classifier.meta["runs"]) == 2
    assert {k.split(".")[0] for k in classifier.tensors} == {"member0", "member1", "ngrams"}
    texts = ["a really good film", "the plot is dull"]
    reloaded = SentimentClassifier.load(tmp_path / "model")
    assert np.array_equal(reloaded.probabilities(texts), classifier.probabilities(texts))
    single = SentimentConfig(
        **{**vars(classifier.config), "members": 1, "ngram_weight": 0.0, "num_ngrams": 0}
    )
    parts = [
        SentimentClassifier(
            single, classifier.vocab, classifier.labels, member_tensors(classifier.tensors, m, 2)
        ).probabilities(texts)
        for m in range(2)
    ]
    ngrams = classifier.ngram_model.probabilities([classifier.tokens(t) for t in texts])
    expected = 0.7 * (parts[0] + parts[1]) / 2 + 0.3 * ngrams
    np.testing.assert_allclose(classifier.probabilities(texts), expected, rtol=1e-5)


def test_an_interrupted_ensemble_resumes(tmp_path):
    calls = []

    def stop_in_second_network(record):
        calls.append(record["epoch"])
        if len(calls) == 3:  # epoch 1 of the second network
            raise KeyboardInterrupt

    def run(output, **kwargs):
        return train(
            train=toy(60, 1),
            dev=toy(20, 2),
            config=SentimentConfig(**TINY, members=2),
            train_config=TrainConfig(
                epochs=2, batch_size=8, lr=0.02, seed=5, patience=0, device="cpu"
            ),
            embeddings=None,
            output=output,
            progress=False,
            **kwargs,
        )

    with pytest.raises(KeyboardInterrupt):
        run(tmp_path / "model", on_epoch=stop_in_second_network)
    assert (tmp_path / "model.checkpoint" / "member0.safetensors").is_file()
    assert SentimentClassifier.load(tmp_path / "model").config.members == 2  # best so far
    # what a kill -9 while writing the second network's file leaves behind
    (tmp_path / "model.checkpoint" / ".member1.safetensors.tmp-1234").write_bytes(b"half")
    resumed, _ = run(tmp_path / "model", resume=True)
    assert not (tmp_path / "model.checkpoint").exists()
    straight, _ = run(tmp_path / "other")
    assert all(np.array_equal(resumed.tensors[k], straight.tensors[k]) for k in resumed.tensors)


def test_the_shipped_classifier():
    import seqnlp

    classifier = seqnlp.load("sentiment")
    assert classifier.config.members == RECIPE.config.members
    assert classifier.label_names == ["negative", "positive"]
    good, bad = classifier.predict(["A gripping, funny film!", "It wasn't good at all."])
    assert (good.label, bad.label) == ("positive", "negative")
    assert good.probability > 0.9
    # the same sentence raw and as SST writes it gets the same answer
    raw, sst = classifier.probabilities(["It's a well-made film (really).", SST_FORM])
    np.testing.assert_allclose(raw, sst)


SST_FORM = "it 's a well-made film -lrb- really -rrb- ."


@pytest.mark.parametrize(
    "text, reason",
    [
        ("!!!", "no known word"),
        ("👍", "no known word"),
        ("東京は大きい", "no known word"),
        ("a", "only common words"),
        ("The, of and a.", "only common words"),
    ],
)
def test_no_evidence_is_said_not_guessed(text, reason):
    """Issue #16.7: "!!!", an emoji or CJK answered positive 0.556 (one unknown word), and
    "a" positive 0.924; the shipped classifier now says it has no evidence."""
    import seqnlp

    classifier = seqnlp.load("sentiment")
    (prediction,) = classifier.predict(text)
    assert (prediction.label, prediction.known, prediction.reason) == ("unknown", False, reason)
    assert prediction.probability == 0.5
    assert prediction.probabilities == {"negative": 0.5, "positive": 0.5}
    assert prediction.to_dict()["known"] is False and prediction.to_dict()["reason"] == reason
    # the array API still gives the networks' output
    assert classifier.probabilities([text]).shape == (1, 2)


def test_evidence_needs_one_known_uncommon_word():
    import seqnlp

    classifier = seqnlp.load("sentiment")
    assert {"the", "a", "of", "and", "is", ","} <= classifier.stop_words
    assert not classifier.stop_words & {"good", "bad", "not", "funny", "boring", "film"}
    good, film, bad = classifier.predict(["a good film 👍", "the film", "it is not good !!!"])
    assert (good.label, good.known, good.reason) == ("positive", True, None)
    assert film.known and bad.label == "negative"


def test_a_classifier_without_ngrams_has_no_stop_words():
    classifier, _ = tiny_train()
    assert classifier.config.num_ngrams == 0 and classifier.stop_words == frozenset()
    (known, unknown) = classifier.predict(["a", "zzzz !!!"])
    assert known.known and (unknown.label, unknown.reason) == ("unknown", "no known word")


def finished_run(tmp_path, output, **kwargs):
    """A tiny run with every finishing step: words of the vectors added, the n-gram share
    chosen on dev, dev and test scored."""
    if not (tmp_path / "vectors").is_dir():
        cue_vectors().save(tmp_path / "vectors")
    return train(
        train=toy(60, 1),
        dev=toy(20, 2),
        test=toy(20, 3),
        config=SentimentConfig(**{**TINY, "word_dim": VECTOR_DIM, "freeze_embeddings": True}),
        train_config=TrainConfig(epochs=2, batch_size=8, lr=0.02, seed=3, device="cpu"),
        embeddings=tmp_path / "vectors",
        pretrained_words=2,
        ngram_weights=(0.0, 0.5),
        dtype="int8",
        output=output,
        progress=False,
        **kwargs,
    )


def test_the_finishing_steps_run_before_one_final_save(tmp_path, monkeypatch):
    saves = []
    real_save = SentimentClassifier.save
    monkeypatch.setattr(
        SentimentClassifier,
        "save",
        lambda self, *a, **k: saves.append(1) or real_save(self, *a, **k),
    )
    after_training = []
    classifier, _ = finished_run(
        tmp_path, tmp_path / "model", on_epoch=lambda record: after_training.append(len(saves))
    )
    assert len(saves) - after_training[-1] == 1  # the finished model, written once
    saved = SentimentClassifier.load(tmp_path / "model")
    assert saved.vocab.itos[-2:] == ["superb", "dreadful"] and saved.meta["pretrained_words"] == 2
    assert saved.config.ngram_weight == saved.meta["ngram_weight_chosen"]["weight"]
    texts = [e.text for e in toy(20, 3)]
    assert saved.meta["test"]["accuracy"] == saved.evaluate(toy(20, 3))["accuracy"]
    np.testing.assert_array_equal(classifier.probabilities(texts), saved.probabilities(texts))


def test_a_run_interrupted_in_a_finishing_step_resumes_into_it(tmp_path, monkeypatch):
    from seqnlp.sentiment import training

    choose = training._choose_ngram_weight

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(training, "_choose_ngram_weight", interrupted)
    with pytest.raises(KeyboardInterrupt):
        finished_run(tmp_path, tmp_path / "model")
    assert "pretrained_words" not in SentimentClassifier.load(tmp_path / "model").meta
    monkeypatch.setattr(training, "_choose_ngram_weight", choose)
    resumed, _ = finished_run(tmp_path, tmp_path / "model", resume=True)
    straight, _ = finished_run(tmp_path, tmp_path / "other")
    assert not (tmp_path / "model.checkpoint").exists()
    assert resumed.meta["ngram_weight_chosen"] == straight.meta["ngram_weight_chosen"]
    assert resumed.vocab.itos == straight.vocab.itos
    assert all(np.array_equal(resumed.tensors[k], straight.tensors[k]) for k in resumed.tensors)


def test_a_resumed_run_keeps_its_saved_vocabularies(tmp_path):
    """As the tagger does: the checkpoint's rows are those of the saved words and labels,
    so a corpus that changed, or is read in another order, must not rebuild them."""

    def run(data, **kwargs):
        return train(
            train=data,
            dev=toy(20, 2),
            config=SentimentConfig(**TINY, ngram_weight=0.3),
            train_config=TrainConfig(epochs=2, batch_size=8, lr=0.02, seed=5, device="cpu"),
            embeddings=None,
            output=tmp_path / "model",
            progress=False,
            **kwargs,
        )

    def stop(record):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(toy(60, 1), on_epoch=stop)
    interrupted = SentimentClassifier.load(tmp_path / "model")
    changed = [*reversed(toy(60, 1)), LabeledText("a splendid splendid film", "0")]
    assert Vocab.build(t for e in changed for t in to_example(e.text)).itos != (
        interrupted.vocab.itos
    )
    resumed, result = run(changed, resume=True)
    assert result.epochs == 2
    assert resumed.vocab.itos == interrupted.vocab.itos and "splendid" not in resumed.vocab
    assert (resumed.labels, resumed.ngrams) == (interrupted.labels, interrupted.ngrams)
