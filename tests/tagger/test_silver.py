"""Uptraining: an ensemble of teachers, silver data from raw text, a student trained on both."""

from __future__ import annotations

import numpy as np
import pytest

from seqnlp.corpus import read_conllu
from seqnlp.errors import DataError, SeqnlpError
from seqnlp.tagger import Tagger
from seqnlp.tagger.ensemble import TaggerEnsemble
from seqnlp.tagger.silver import silver_sentences, write_silver
from tests.tagger.data import SENTENCES, train_tiny

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TEXTS = ["I saw a saw.", "The dog barked. John lives in Paris.", "Hi", "She has a cat."]


@pytest.fixture(scope="module")
def teachers(tmp_path_factory) -> list[Tagger]:
    """Two tiny taggers of different seeds and sizes, trained to learn the sentences."""
    made = [
        train_tiny(tmp_path_factory.mktemp(f"teacher{seed}"), epochs=15, seed=seed, hidden=hidden)
        for seed, hidden in ((1, 24), (2, 32))
    ]
    return [tagger for tagger, _ in made]


def _probs(tagger: Tagger, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
    from seqnlp.layers.numpy_layers import softmax

    _, (upos, xpos) = tagger._scores([tokens])
    return softmax(upos)[0], softmax(xpos)[0]


def test_an_ensemble_averages_its_members_probabilities(teachers):
    ensemble = TaggerEnsemble(teachers)
    tokens = "I saw a saw .".split()
    first, second = (_probs(teacher, tokens) for teacher in teachers)
    mean = [(a + b) / 2 for a, b in zip(first, second, strict=True)]
    got = _probs(ensemble, tokens)
    for head, expected in zip(got, mean, strict=True):
        np.testing.assert_allclose(head, expected, atol=1e-5)
    [tagged] = ensemble.predict_tokens([tokens])
    assert [u for _, u, _ in tagged] == ["PRON", "VERB", "DET", "NOUN", "PUNCT"]


def test_an_ensemble_of_one_tags_as_its_member(teachers):
    sentences = [s.split() for s in ["The dog barked .", "A saw cuts wood .", "We like Paris ."]]
    assert TaggerEnsemble(teachers[:1]).predict_tokens(sentences) == teachers[0].predict_tokens(
        sentences
    )


def test_an_ensemble_needs_members_with_the_same_tags(teachers, tmp_path):
    with pytest.raises(SeqnlpError, match="at least one"):
        TaggerEnsemble([])
    other, _ = train_tiny(tmp_path)
    other.upos_tags = [*other.upos_tags, "INTJ"]
    with pytest.raises(SeqnlpError, match="different tag sets"):
        TaggerEnsemble([teachers[0], other])
    with pytest.raises(SeqnlpError, match="not saved"):
        TaggerEnsemble(teachers).save(tmp_path / "ensemble")


def test_silver_keeps_the_sentences_the_teacher_is_sure_of(teachers):
    from seqnlp.tagger.silver import SilverStats

    stats = SilverStats()
    kept = list(silver_sentences(teachers[0], TEXTS, min_prob=0.0, stats=stats))
    # "Hi" is shorter than min_tokens; every other sentence is kept at min_prob 0
    assert [s.text for s in kept] == ["I saw a saw.", "The dog barked.", "John lives in Paris."] + [
        "She has a cat."
    ]
    assert kept[0].words == ["I", "saw", "a", "saw", "."]
    assert kept[0].upos == ["PRON", "VERB", "DET", "NOUN", "PUNCT"]
    assert (stats.texts, stats.sentences, stats.kept) == (4, 5, 4)
    assert stats.words_kept == sum(len(s.words) for s in kept)
    assert stats.tags_kept == stats.words_kept
    # no tag is sure enough: every sentence is kept as context only, or none is kept
    unsure = list(silver_sentences(teachers[0], TEXTS, min_prob=1.01, min_share=0.0))
    assert [s.words for s in unsure] == [s.words for s in kept]
    assert all(t is None for s in unsure for t in s.upos + s.xpos)
    assert not list(silver_sentences(teachers[0], TEXTS, min_prob=1.01))
    # at 0.9 a token keeps both its tags or neither, as the teacher's probabilities say
    stats = SilverStats()
    some = list(silver_sentences(teachers[0], TEXTS, min_prob=0.9, min_share=0.0, stats=stats))
    for sentence in some:
        [(_, _, upos, xpos, scores)] = teachers[0].iter_scored([(0, sentence.words)])
        for i, (u, x) in enumerate(zip(scores.upos, scores.xpos, strict=True)):
            sure = min(u, x) >= 0.9
            assert (sentence.upos[i], sentence.xpos[i]) == (
                (upos[i], xpos[i]) if sure else (None, None)
            )
    assert stats.tags_kept == sum(u is not None for s in some for u in s.upos)


def test_write_silver_caps_each_source_and_writes_conllu(teachers, tmp_path):
    output = tmp_path / "silver.conllu"
    sources = [("a", ["The dog barked. The dog barked. The dog barked."]), ("b", TEXTS)]
    stats = write_silver(teachers[0], sources, output, words=4, min_prob=0.0, progress=False)
    back = list(read_conllu(output))
    # source a stops at its first sentence of 4 words; b gives one sentence too
    assert [s.words for s in back] == [["The", "dog", "barked", "."], ["I", "saw", "a", "saw", "."]]
    assert [s.sent_id for s in back] == ["a-1", "b-1"]
    assert [s["words_kept"] for s in stats.sources] == [4, 5]
    assert back[1].xpos == ["PRP", "VBD", "DT", "NN", "."]
    unsure = tmp_path / "unsure.conllu"
    write_silver(teachers[0], sources, unsure, words=4, min_prob=1.01, min_share=0.0)
    [first, _] = read_conllu(unsure)
    assert first.upos == first.xpos == ["_"] * 4  # "_": no tag, as CoNLL-U writes it


def test_write_silver_leaves_nothing_when_it_fails(teachers, tmp_path):
    output = tmp_path / "silver.conllu"
    with pytest.raises(DataError, match="b: no sentence with 80% of its tags"):
        write_silver(teachers[0], [("a", TEXTS), ("b", ["Hi"])], output, words=9, min_prob=0.0)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(DataError, match="does not exist"):
        write_silver(teachers[0], [("a", TEXTS)], tmp_path / "no" / "s.conllu", words=9)


def test_a_student_learns_from_gold_and_silver(teachers, tmp_path):
    silver = tmp_path / "silver.conllu"
    texts = ["The cat sleeps.", "John sleeps.", "A dog runs fast!", "We saw two dogs."] * 3
    write_silver(teachers[0], [("raw", texts)], silver, words=1000, min_prob=0.0, progress=False)
    run = {"silver": silver, "silver_sentences": 5}
    student, _ = train_tiny(tmp_path, output=tmp_path / "student", run=run)
    # silver tags the teacher was unsure of add no tag: the tag sets are gold's
    untagged = tmp_path / "untagged.conllu"
    write_silver(teachers[0], [("raw", texts)], untagged, words=99, min_prob=1.01, min_share=0)
    tags = (student.upos_tags, student.xpos_tags)
    context_only, _ = train_tiny(tmp_path, output=tmp_path / "ctx", run={"silver": untagged})
    assert (context_only.upos_tags, context_only.xpos_tags) == tags
    assert context_only.seen_in_training("sleeps")  # silver words join the vocabulary
    data = student.meta["data"]
    assert data["silver"]["file"] == "silver.conllu"
    assert data["silver"]["sentences"] == 5
    assert data["dev"]["sentences"] == 6  # the gold dev file: silver never enters dev
    assert student.meta["recipe"]["silver"] == str(silver)
    assert student.meta["recipe"]["silver_sentences"] == 5
    reloaded = Tagger.load(tmp_path / "student")
    assert reloaded.predict_tokens([SENTENCES[0].split()[:1]])  # tags, whatever they are
    (tmp_path / "plain").mkdir()
    plain, _ = train_tiny(tmp_path / "plain")
    assert "silver" not in plain.meta["recipe"] and "silver" not in plain.meta["data"]


def test_silver_that_is_not_conllu_is_a_clear_error(tmp_path):
    bad = tmp_path / "silver.conllu"
    bad.write_text("not conllu at all\n", encoding="utf-8")
    with pytest.raises(DataError, match="silver.conllu"):
        train_tiny(tmp_path, run={"silver": bad})
    with pytest.raises(SeqnlpError, match="give silver"):
        train_tiny(tmp_path, run={"silver_sentences": 3})


def test_a_silver_sample_is_seeded_not_the_files_head(tmp_path):
    """write_silver writes source after source: the file's head would be one source only."""
    from tests.tagger.data import conllu

    silver = tmp_path / "silver.conllu"
    names = [f"Name{i}" for i in range(12)]
    silver.write_text(conllu([f"{n}/PROPN/NNP sleeps/VERB/VBZ ./PUNCT/." for n in names]))

    def sampled(seed: int) -> set[str]:
        run = {"silver": silver, "silver_sentences": 3}
        (tmp_path / str(seed)).mkdir()
        tagger, _ = train_tiny(tmp_path / str(seed), seed=seed, epochs=1, run=run)
        return {n for n in names if tagger.seen_in_training(n.lower())}

    first = sampled(1)
    assert len(first) == 3 and first != set(names[:3])
    assert sampled(1 + 1) != first
