"""WordVectors queries, evaluation, storage and gensim training."""

from __future__ import annotations

import gzip
import os

import numpy as np
import pytest

from seqnlp.embeddings import (
    EmbeddingConfig,
    WordVectors,
    default_workers,
    evaluate_analogies,
    evaluate_similarity,
    prepare_corpus,
    train,
    train_embeddings,
)
from seqnlp.errors import DataError, ModelFileError, SeqnlpError, UnknownWordError
from seqnlp.vocab import PAD_ID, UNK_ID, Vocab
from tests.conftest import TINY_VECTORS, TINY_WORDS


def test_analogy_add_and_mul_find_queen(tiny):
    assert tiny.analogy("king", "man", "woman", method="add")[0][0] == "queen"
    assert tiny.analogy("king", "man", "woman", method="mul")[0][0] == "queen"


def test_analogy_excludes_inputs_and_is_case_insensitive(tiny):
    answers = [w for w, _ in tiny.analogy("KING", "Man", "woman", topn=9)]
    assert not {"king", "man", "woman"} & set(answers)
    assert len(answers) == 7


def test_analogy_rejects_repeated_words_and_bad_method(tiny):
    with pytest.raises(SeqnlpError, match="three different words"):
        tiny.analogy("king", "King", "woman")
    with pytest.raises(SeqnlpError, match="method must be one of"):
        tiny.analogy("king", "man", "woman", method="div")


def test_similarity_distance_and_neighbours(tiny):
    assert tiny.similarity("king", "king") == pytest.approx(1.0)
    assert tiny.distance("man", "woman") == pytest.approx(1.0)
    assert tiny.similar("paris", topn=1)[0][0] == "rome"
    assert "paris" not in [w for w, _ in tiny.similar("paris")]


def test_unknown_word_suggests_spellings(tiny):
    with pytest.raises(UnknownWordError, match="queen") as info:
        tiny.similar("queeen")
    assert info.value.suggestions == ["queen"]


# gensim's most_similar_cosmul calls its own deprecated init_sims: its warning, not ours.
@pytest.mark.filterwarnings("ignore:Call to deprecated `init_sims`:DeprecationWarning")
def test_numpy_queries_match_gensim(tiny):
    kv = tiny.to_keyed_vectors()
    ours = tiny.analogy("paris", "france", "italy", topn=5)
    theirs = kv.most_similar(positive=["paris", "italy"], negative=["france"], topn=5)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)
    ours = tiny.analogy("paris", "france", "italy", method="mul", topn=5)
    theirs = kv.most_similar_cosmul(positive=["paris", "italy"], negative=["france"], topn=5)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)
    assert [w for w, _ in tiny.similar("cat", 4)] == [w for w, _ in kv.most_similar("cat", topn=4)]


def test_evaluate_analogies_counts_sections_and_coverage(tiny, tmp_path):
    questions = tmp_path / "q.txt"
    questions.write_text(
        ": capital-world\nFrance Paris Italy Rome\nItaly Rome France Paris\n"
        ": gram-gender\nman woman king queen\nman king woman zebra\n"
    )
    scores = evaluate_analogies(tiny, questions, restrict_vocab=None)
    assert scores["questions"] == 4 and scores["covered"] == 3
    assert scores["coverage"] == pytest.approx(0.75)
    assert scores["add"]["total"] == 1.0
    assert scores["add"]["semantic"] == 1.0 and scores["add"]["syntactic"] == 1.0
    # restricting to the 4 most frequent words leaves no complete question
    assert evaluate_analogies(tiny, questions, restrict_vocab=4)["covered"] == 0


def test_evaluate_analogies_matches_gensim(tiny, tmp_path):
    questions = tmp_path / "q.txt"
    questions.write_text(": a\nman woman king queen\nfrance paris italy rome\ncat the man king\n")
    ours = evaluate_analogies(tiny, questions, restrict_vocab=None)["add"]["total"]
    kv = tiny.to_keyed_vectors()
    theirs, _ = kv.evaluate_word_analogies(str(questions), restrict_vocab=len(TINY_WORDS))
    assert ours == pytest.approx(theirs)


def test_evaluate_analogies_rejects_malformed_file(tiny, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text(": s\nonly three words\n")
    with pytest.raises(DataError, match="bad.txt:2"):
        evaluate_analogies(tiny, bad)


def test_evaluate_similarity_reports_coverage(tiny, tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("# header\nking\tqueen\t9\nman\twoman\t8\ncat\tparis\t1\nzebra\tcat\t3\n")
    scores = evaluate_similarity(tiny, pairs)
    assert scores["coverage"] == pytest.approx(0.75)
    assert -1 <= scores["spearman"] <= 1


def test_save_load_round_trip_int8(tiny, tmp_path):
    tiny.save(tmp_path / "q", dtype="int8")
    back = WordVectors.load(tmp_path / "q")
    assert back.vectors.dtype == np.float32
    np.testing.assert_allclose(back.vectors, tiny.vectors, atol=1 / 127)
    assert back.analogy("king", "man", "woman")[0][0] == "queen"


def test_save_load_round_trip_float16(tiny, tmp_path):
    tiny.save(tmp_path / "v", dtype="float16")
    back = WordVectors.load(tmp_path / "v")
    assert back.words == tiny.words
    assert back.vectors.dtype == np.float16
    np.testing.assert_allclose(back.vectors, tiny.vectors, atol=1e-3)
    assert back.analogy("king", "man", "woman")[0][0] == "queen"
    with pytest.raises(ModelFileError):
        tiny.save(tmp_path / "v")  # exists, no overwrite


def test_load_rejects_a_directory_that_is_not_a_model(tmp_path):
    with pytest.raises(ModelFileError):
        WordVectors.load(tmp_path)


def test_truncate_keeps_most_frequent(tiny):
    small = tiny.truncate(4)
    assert small.words == TINY_WORDS[:4] and len(small.counts) == 4


def test_embedding_matrix_rows(tiny):
    vocab = Vocab(["King", "queen", "unseen"])
    matrix, coverage = tiny.embedding_matrix(vocab)
    assert matrix.shape == (5, 5)
    assert not matrix[PAD_ID].any()
    np.testing.assert_allclose(matrix[vocab["King"]], TINY_VECTORS["king"])
    assert matrix[UNK_ID].any() and matrix[vocab["unseen"]].any()
    assert coverage == pytest.approx(2 / 3)


@pytest.fixture(scope="module")
def lee_corpus(tmp_path_factory):
    from gensim.test.utils import datapath

    out = tmp_path_factory.mktemp("corpus") / "lee.txt"
    return prepare_corpus([datapath("lee_background.cor")], out, progress=False)


@pytest.mark.parametrize("algorithm", ["word2vec", "fasttext"])
def test_train_on_small_corpus(lee_corpus, algorithm, tmp_path):
    config = EmbeddingConfig(
        algorithm=algorithm, dim=16, epochs=2, min_count=2, bucket=2000, window=3
    )
    vectors = train(lee_corpus.path, config, workers=1, progress=False)
    assert len(vectors) > 1000 and vectors.dim == 16
    assert vectors.meta["corpus"]["words"] == lee_corpus.words
    assert vectors.words[0] == "the"  # most frequent first, lower-cased
    vectors.save(tmp_path / "m")
    back = WordVectors.load(tmp_path / "m")
    assert back.similar("government", 3)
    if algorithm == "fasttext":
        assert back.is_subword_only("governmentalish")
        assert back.vector("governmentalish").shape == (16,)
    else:
        with pytest.raises(UnknownWordError):
            back.vector("governmentalish")


def test_train_with_two_workers_reads_the_corpus_file(lee_corpus):
    config = EmbeddingConfig(dim=8, epochs=1, min_count=2, window=3)
    vectors = train(lee_corpus.path, config, workers=2, progress=False)
    training = vectors.meta["training"]
    assert training["workers"] == 2 and training["words_per_second"] > 0
    assert vectors.meta["corpus"] == {"lines": lee_corpus.lines, "words": lee_corpus.words}


def test_default_workers_is_the_usable_cores():
    assert 1 <= default_workers() <= (os.cpu_count() or 1)


def test_train_embeddings_on_a_tokenized_file_as_it_is(lee_corpus, tmp_path):
    config = EmbeddingConfig(dim=8, epochs=1, min_count=2, window=3)
    vectors = train_embeddings([lee_corpus.path], config, 1, progress=False, tokenized=True)
    assert vectors.meta["corpus"]["words"] == lee_corpus.words
    assert vectors.meta["corpus"]["sources"][0]["path"] == "lee.txt"
    cased = tmp_path / "cased.txt"
    cased.write_text("The Cat sat\nThe Cat ran\n")
    vectors = train_embeddings([cased], EmbeddingConfig(dim=4, min_count=1), 1, False, True)
    assert "Cat" in vectors.words  # tokens are taken as they are


def test_train_embeddings_rejects_unusable_tokenized_input(lee_corpus, tmp_path):
    config = EmbeddingConfig(dim=8, epochs=1)
    with pytest.raises(DataError, match="one file"):
        train_embeddings([lee_corpus.path] * 2, config, progress=False, tokenized=True)
    packed = tmp_path / "corpus.txt.gz"
    packed.write_bytes(gzip.compress(b"a b c\n" * 100))
    with pytest.raises(DataError, match="decompress it first"):
        train_embeddings([packed], config, progress=False, tokenized=True)
    with pytest.raises(DataError, match="no such file"):
        train_embeddings([tmp_path / "nope.txt"], config, progress=False, tokenized=True)


def test_prepare_corpus_rejects_empty_and_binary_files(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    with pytest.raises(DataError, match="no words"):
        prepare_corpus([empty], tmp_path / "out.txt", progress=False)
    binary = tmp_path / "blob.bin"
    binary.write_bytes(b"\x00\x01\x02abc\x00\n")
    with pytest.raises(DataError, match="NUL"):
        prepare_corpus([binary], tmp_path / "out.txt", progress=False)
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("caf\xe9 ol\xe9\n".encode("latin-1"))
    with pytest.raises(DataError, match="latin1.txt:1: not valid UTF-8"):
        prepare_corpus([latin1], tmp_path / "out.txt", progress=False)


@pytest.mark.filterwarnings("ignore:Call to deprecated `init_sims`:DeprecationWarning")
@pytest.mark.parametrize(
    ("positive", "negative"),
    [(["king", "woman"], ["man"]), (["paris", "italy", "woman"], ["france", "man"]), (["cat"], [])],
)
def test_several_positive_and_negative_words_match_gensim(tiny, positive, negative):
    """gensim's query verbs over any number of words (issue #30 B.4)."""
    kv = tiny.to_keyed_vectors()
    for method, theirs in (("add", kv.most_similar), ("mul", kv.most_similar_cosmul)):
        ours = tiny.most_similar(positive, negative, topn=4, method=method)
        expected = theirs(positive=positive, negative=negative, topn=4)
        assert [w for w, _ in ours] == [w for w, _ in expected], method
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in expected], atol=1e-5)
    assert tiny.similar(positive, 4, negative=negative) == tiny.most_similar(
        positive, negative, topn=4
    )


def test_doesnt_match_and_n_similarity_match_gensim(tiny):
    kv = tiny.to_keyed_vectors()
    for words in (["king", "queen", "man", "paris"], ["paris", "rome", "france", "cat"]):
        assert tiny.doesnt_match(words) == kv.doesnt_match(words)
    for one, two in ((["king", "man"], ["queen", "woman"]), (["paris"], ["rome", "italy", "cat"])):
        assert tiny.n_similarity(one, two) == pytest.approx(kv.n_similarity(one, two), abs=1e-6)
    with pytest.raises(SeqnlpError, match="two different words"):
        tiny.doesnt_match(["king", "King"])
    with pytest.raises(UnknownWordError):
        tiny.n_similarity(["king"], ["qween"])
    with pytest.raises(SeqnlpError, match="at least one"):
        tiny.n_similarity([], ["king"])
