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


TREEBANK = (
    "# newdoc id = d1\n"
    "# sent_id = d1-1\n"
    "# text = I can't see it.\n"
    "# a comment of our own\n"
    "1\tI\tI\t_\t_\tCase=Nom|Number=Sing\t3\tnsubj\t3:nsubj\t_\n"
    "2-3\tcan't\t_\t_\t_\t_\t_\t_\t_\t_\n"
    "2\tca\tcan\t_\t_\tVerbForm=Fin\t4\taux\t4:aux\t_\n"
    "3\tn't\tnot\t_\t_\t_\t4\tadvmod\t4:advmod\t_\n"
    "4\tsee\tsee\t_\t_\tVerbForm=Inf\t0\troot\t0:root\t_\n"
    "4.1\tsaw\tsee\t_\t_\t_\t_\t_\t2:ref\t_\n"
    "5\tit\tit\t_\t_\t_\t4\tobj\t4:obj\tSpaceAfter=No\n"
    "6\t.\t.\t_\t_\t_\t4\tpunct\t4:punct\t_\n"
    "\n"
    "# sent_id = d1-2\n"
    "1\tSaw\tsaw\tX\tXX\t_\t0\troot\t0:root\tGloss=cut\n"
    "2\tthem\tthey\t_\t_\t_\t1\tobj\t1:obj\t_\n"
    "\n"
)


def _blocks(text: str) -> list[list[str]]:
    return [b.splitlines() for b in text.strip("\n").split("\n\n")]


def _check_filled(out: str, tagger) -> None:
    """Only columns 4 and 5 of the syntactic words changed, to the tagger's tags."""
    words = [["I", "ca", "n't", "see", "it", "."], ["Saw", "them"]]
    tags = tagger.tag_tokens(words)
    for before, after, expected in zip(_blocks(TREEBANK), _blocks(out), tags, strict=True):
        assert len(before) == len(after)
        rows = []
        for old, new in zip(before, after, strict=True):
            first = old.split("\t")[0]
            if old.startswith("#") or not first.isdigit():
                assert new == old  # comments, the 2-3 range and the 4.1 empty node
                continue
            a, b = old.split("\t"), new.split("\t")
            assert a[:3] + a[5:] == b[:3] + b[5:]
            rows.append((b[1], b[3], b[4]))
        assert rows == [tuple(t) for t in expected]


def test_tag_reads_and_writes_conllu(runner, tmp_path, tagger):
    """`tag --input x.conllu`: the words of column 2, tagged as they stand, written back
    with every other column and comment kept (issue #30 B.1: they were tagged as prose,
    "#/SYM sent_id/NOUN")."""
    path = tmp_path / "corpus.conllu"
    path.write_text(TREEBANK, encoding="utf-8")
    result = runner.invoke(main, ["tag", "--input", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("\n\n") and "SYM" not in result.stdout
    _check_filled(result.stdout, tagger)
    # stdin needs the format named; json and text read the same words
    piped = runner.invoke(main, ["tag", "-i", "-", "--input-format", "conllu"], input=TREEBANK)
    assert piped.stdout == result.stdout
    records = [
        json.loads(line)
        for line in runner.invoke(main, ["tag", "-i", str(path), "-f", "json"]).stdout.split("\n")
        if line
    ]
    assert records[0]["tokens"] == ["I", "ca", "n't", "see", "it", "."]
    assert records[0]["text"] == "I can't see it." and records[0]["start"][:3] == [0, 2, 4]
    assert records[1]["start"] == [None, None]  # no '# text' to point into
    upos_only = runner.invoke(main, ["tag", "-i", str(path), "--tagset", "upos"]).stdout
    assert "\tX\tXX\t" not in upos_only and "\tXX\t" in upos_only  # XPOS kept as it was
    refused = runner.invoke(main, ["tag", "-i", str(path), "--pretokenized"])
    assert refused.exit_code == 2


def test_bad_conllu_names_its_line(runner, tmp_path):
    path = tmp_path / "bad.conllu"
    path.write_text("# text = x\n1\tx\tx\n", encoding="utf-8")
    result = runner.invoke(main, ["tag", "-i", str(path)])
    assert result.exit_code == 1 and f"{path}:2: expected 10" in result.output


def test_evaluate_tagger_writes_predictions(runner, tmp_path, tagger):
    gold = "\n".join(  # every word needs a gold tag
        "\t".join([*c[:3], "NOUN", "NN", *c[5:]]) if c[0].isdigit() else line
        for line in TREEBANK.split("\n")
        for c in [line.split("\t")]
    )
    data = tmp_path / "gold.conllu"
    data.write_text(gold, encoding="utf-8")
    out = tmp_path / "pred.conllu"
    args = ["evaluate-tagger", "--data", str(data), "--output", str(out), "--no-raw-text"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert f"Predicted tags written to {out}" in result.output
    predicted = out.read_text(encoding="utf-8")
    assert predicted.count("\n") == gold.count("\n") and "# a comment of our own" in predicted
    words = [["I", "ca", "n't", "see", "it", "."], ["Saw", "them"]]
    tags = tagger.tag_tokens(words)
    rows = [
        tuple(line.split("\t")[1:2] + line.split("\t")[3:5])
        for line in predicted.splitlines()
        if line and line.split("\t")[0].isdigit()
    ]
    assert rows == [tuple(t) for sentence in tags for t in sentence]
    missing = runner.invoke(main, [*args[:3], "--output", str(tmp_path / "no" / "p.conllu")])
    assert missing.exit_code == 1 and "does not exist" in missing.output
