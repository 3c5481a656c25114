"""What users of spaCy, Stanza and Flair expect from a tagger's output (issue #30 B):
character offsets into the original text, each tag's probability and the top-k tags, and
CoNLL-U in and out. On the shipped tagger (no training)."""

from __future__ import annotations

import json
import unicodedata

import pytest

import seqnlp
from seqnlp.cli import main
from seqnlp.tagger import MAX_WINDOW
from seqnlp.tagger.offsets import OffsetMap
from seqnlp.tokenize import normalize

# decomposed accents, a zero-width space, a soft hyphen, a control character, an emoji
# sequence with joiners and a stray joiner: normalisation changes all of them
AWKWARD = (
    "Cafe\u0301 au lait\u200b is nice. The re\u0301sume\u0301 was\u00ad great!\x07 "
    "👨\u200d👩\u200d👧 \u200dhere"
)


@pytest.fixture(scope="module")
def tagger():
    return seqnlp.load_tagger()


@pytest.mark.parametrize("text", ["I saw a saw. It was sharp!", "  two  spaces  ", AWKWARD])
def test_offsets_point_into_the_original_text(tagger, text):
    tokens = tagger.annotate(text)[0]
    assert [t.word for t in tokens] == [w for w, _, _ in tagger.tag(text)[0]]
    ends = [-1]
    for t in tokens:
        assert t.start is not None and t.start >= ends[-1]  # in order, never overlapping
        assert normalize(text[t.start : t.end]) == t.word  # the token as the user wrote it
        ends.append(t.end)


def test_offsets_of_composed_characters_cover_the_marks():
    text = "re\u0301sume\u0301 x"
    offsets = OffsetMap(text)
    assert offsets.text == unicodedata.normalize("NFC", text)
    assert offsets.token_spans(["résumé", "x"]) == [(0, 8), (9, 10)]


def test_probabilities_and_top_k(tagger):
    tokens = tagger.annotate(["I saw a saw.", "Time flies."], top_k=3)
    assert [t.upos for t in tokens[0]] == ["PRON", "VERB", "DET", "NOUN", "PUNCT"]
    for t in tokens[0] + tokens[1]:
        assert 0 < t.upos_prob <= 1 and 0 < t.xpos_prob <= 1
        assert len(t.upos_top) == len(t.xpos_top) == 3
        probs = [p for _, p in t.upos_top]
        assert probs == sorted(probs, reverse=True) and sum(probs) <= 1 + 1e-3
        assert t.upos_top[0] == (t.upos, t.upos_prob)  # the likeliest, for these words
    every = tagger.annotate("I saw", top_k=len(tagger.upos_tags))[0][1]
    assert sum(p for _, p in every.upos_top) == pytest.approx(1, abs=2e-3)
    assert "upos_top" not in tagger.annotate("I saw")[0][0].to_dict()
    with pytest.raises(seqnlp.SeqnlpError, match="top_k"):
        tagger.annotate("I saw", top_k=-1)


def test_scores_survive_windows(tagger):
    words = "the dog saw a cat ." * (MAX_WINDOW // 3)
    tokens = tagger.annotate(words, top_k=2)[0]
    assert len(tokens) == 6 * (MAX_WINDOW // 3) > MAX_WINDOW
    assert all(len(t.upos_top) == 2 and t.upos_prob > 0 for t in tokens)


def test_tag_json_has_offsets_probabilities_and_top_k(runner, tmp_path):
    path = tmp_path / "in.txt"
    path.write_text(f"I saw a saw. It cut wood.\n{AWKWARD}\n", encoding="utf-8")
    result = runner.invoke(main, ["tag", "-i", str(path), "-f", "json", "--top-k", "2"])
    assert result.exit_code == 0, result.output
    lines = path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[1]["start"][0] == lines[0].index("It")  # offsets into the line
    for r in records:
        line = lines[r["line"] - 1]
        found = [normalize(line[a:b]) for a, b in zip(r["start"], r["end"], strict=True)]
        assert found == r["tokens"]
        assert len(r["upos_prob"]) == len(r["xpos_prob"]) == len(r["tokens"])
        assert all(len(top) == 2 and top[0][1] >= top[1][1] for top in r["upos_top"])
    plain = json.loads(runner.invoke(main, ["tag", "-f", "json", "I saw"]).stdout)
    assert "upos_top" not in plain and plain["start"] == [0, 2] and plain["upos_prob"]
    pretokenized = runner.invoke(main, ["tag", "-f", "json", "--pretokenized", " I  saw "])
    assert json.loads(pretokenized.stdout)["start"] == [1, 4]
    refused = runner.invoke(main, ["tag", "--top-k", "2", "I saw"])
    assert refused.exit_code == 2 and "--format json" in refused.output
