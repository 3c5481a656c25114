"""The tokenizer: one case per EWT convention, the EWT dev score, SST mapping, the CLI."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqnlp.cli import main
from seqnlp.corpus import TaggedSentence, read_conllu
from seqnlp.errors import DataError
from seqnlp.evaluation import evaluate_tokenizer
from seqnlp.tokenize import (
    normalize,
    split_sentences,
    split_text,
    sst_normalize,
    sst_unescape,
    tokenize,
    word_tokenize,
)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        # punctuation is split off; runs of it stay whole
        ("Hello, world!", "Hello , world !"),
        ('"Hi," she said (twice).', '" Hi , " she said ( twice ) .'),
        ("Wait... What?! No!!!", "Wait ... What ?! No !!!"),
        ("so -- there ---", "so -- there ---"),
        # clitics, with straight and curly apostrophes, in any case
        ("I don't think it's here", "I do n't think it 's here"),
        ("We can't, won't, ain't", "We ca n't , wo n't , ai n't"),
        ("They’re sure I’ll go", "They ’re sure I ’ll go"),
        ("DON'T STOP", "DO N'T STOP"),
        ("O'Connell's dog", "O'Connell 's dog"),
        ("the 90's", "the 90's"),
        ("in the '70s, get 'em", "in the '70s , get 'em"),
        # contractions EWT splits although they have no apostrophe
        ("I'm gonna go, wanna come? cannot", "I 'm gon na go , wan na come ? can not"),
        ("i dont know, im sure", "i do nt know , i m sure"),
        ("its a mess but its roof is fine", "it s a mess but its roof is fine"),
        # abbreviations keep their period, except at the end of the sentence
        ("Mr. Smith met Dr. Jones on Sept. 11", "Mr. Smith met Dr. Jones on Sept. 11"),
        ("The U.S. economy, e.g. jobs", "The U.S. economy , e.g. jobs"),
        ("George W. Bush and Enron Corp. agreed", "George W. Bush and Enron Corp. agreed"),
        ("We left at 5 p.m.", "We left at 5 p.m ."),
        ("apples, pears, etc.", "apples , pears , etc ."),
        ("see No. 5", "see No. 5"),
        # numbers, times, dates, money, phone numbers
        ("It costs $1,000.50 or 3.5%", "It costs $ 1,000.50 or 3.5 %"),
        ("at 10:30 on 11/28/2000, 9/11 and 1/2", "at 10:30 on 11/28/2000 , 9/11 and 1 / 2"),
        ("the 1970s and the 20th century", "the 1970s and the 20th century"),
        ("call 713-853-3989 in 1969-1970", "call 713-853-3989 in 1969 - 1970"),
        # URLs, e-mail addresses, hosts and files
        ("see http://www.x.com/a?b=1.", "see http://www.x.com/a?b=1 ."),
        ("mail john.doe@enron.com or @Ryan", "mail john.doe@enron.com or @Ryan"),
        ("at www.juancole.com and Enron.com", "at www.juancole.com and Enron.com"),
        ("open ENRON.XLS", "open ENRON.XLS"),
        # emoticons
        ("great :) bad :-( ok ;)", "great :) bad :-( ok ;)"),
        # hyphens are split unless the first part is a prefix
        ("a long-term, well-known plan", "a long - term , well - known plan"),
        ("a non-profit e-mail re-read", "a non-profit e-mail re-read"),
        ("AT&T and PG&E", "AT&T and PG&E"),
    ],
)
def test_ewt_conventions(text, tokens):
    assert word_tokenize(text) == tokens.split()


@pytest.mark.parametrize(
    "text",
    ["", "   ", "a\tb\nc", "ünïcödé — “quotes” … ½", "!!!???", "http://", "@", "''"],
)
def test_tokens_spell_the_text(text):
    tokens = word_tokenize(text)
    assert "".join(tokens) == "".join(text.split())
    assert all(token and not any(c.isspace() for c in token) for token in tokens)


@pytest.mark.parametrize(
    "text, tokens",
    [
        # issue #16.7: 9 tokens, the variation selector alone, the family and the flag split
        ("I ❤️ NY 👨\u200d👩\u200d👧 🇫🇷", ["I", "❤️", "NY", "👨\u200d👩\u200d👧", "🇫🇷"]),
        ("👍🏽", ["👍🏽"]),  # a skin tone stays on its hand
        ("👍👍 🇫🇷🇩🇪 1️⃣", ["👍", "👍", "🇫🇷", "🇩🇪", "1️⃣"]),  # one token per emoji
        ("so good👍🏽!", ["so", "good", "👍🏽", "!"]),
        ("cafe\u0301s", ["cafe\u0301s"]),  # a combining accent stays on its letter
        ("नमस्ते दुनिया", ["नमस्ते", "दुनिया"]),  # vowel signs are marks
        ("東京は大きい", ["東京は大きい"]),
        # hashtags whole (EWT: "#audiobooks"), but "#1" and "No. #5" as EWT splits them
        ("#blessed", ["#blessed"]),
        (
            "join #audiobooks (#tbt) #2020vision",
            ["join", "#audiobooks", "(", "#tbt", ")", "#2020vision"],
        ),
        ("the #1 fan", ["the", "#", "1", "fan"]),
        ("F%#king ##", ["F", "%", "#", "king", "##"]),
    ],
)
def test_grapheme_clusters_emoji_and_hashtags(text, tokens):
    assert word_tokenize(text) == tokens
    normalized = [unicodedata.normalize("NFC", token) for token in tokens]
    assert [token for sentence in tokenize(text) for token in sentence] == normalized


def test_normalize_keeps_the_joiner_of_emoji_sequences_only():
    family = "👨\u200d👩\u200d👧"
    assert normalize(family) == family
    assert normalize("👩🏽\u200d🚀") == "👩🏽\u200d🚀"  # skin tone, then the joiner
    assert normalize("a\u200db \u200d👍 👍\u200d") == "ab 👍 👍"


def test_split_sentences():
    text = (
        "Mr. Smith went to Washington. He arrived at 5 p.m. on Sept. 11, right? "
        'Yes! "It was hot." Acme Inc. said so... Then it rained :) '
        "Really\n\nA new paragraph"
    )
    assert split_sentences(text) == [
        "Mr. Smith went to Washington.",
        "He arrived at 5 p.m. on Sept. 11, right?",
        "Yes!",
        '"It was hot."',
        "Acme Inc. said so...",
        "Then it rained :)",
        "Really",
        "A new paragraph",
    ]
    assert split_sentences("") == []
    assert split_sentences("no stop at all") == ["no stop at all"]


def test_tokenize_normalizes_then_splits():
    assert normalize("cafe\u0301\u00ad\ufeff") == "café"
    assert tokenize("It's late. Go home!") == [["It", "'s", "late", "."], ["Go", "home", "!"]]


def test_sst_normalize_matches_the_sst_vocabulary():
    tokens = word_tokenize("It isn't a well-made (or funny) \"film\"... I'm gonna cry")
    assert sst_normalize(tokens) == (
        "it is n't a well-made -lrb- or funny -rrb- `` film '' ... i 'm gonna cry".split()
    )
    assert sst_normalize(word_tokenize("a writer/director’s “dream” *")) == [
        "a",
        "writer\\/director",
        "'s",
        "``",
        "dream",
        "''",
        "\\*",
    ]
    assert sst_normalize([]) == []


def _sentence(words: str, text: str, sent_id: str) -> TaggedSentence:
    n = len(words.split())
    return TaggedSentence(words.split(), ["X"] * n, ["_"] * n, text, sent_id)


def test_evaluate_tokenizer_scores_spans_not_positions():
    gold = [
        _sentence("I do n't know .", "I don't know.", "doc-1"),
        _sentence("Bye !", "Bye!", "doc-2"),
    ]
    perfect = evaluate_tokenizer(gold)
    assert perfect["word_f1"] == perfect["sentence_f1"] == 1.0
    assert perfect["gold_words"] == 7 and perfect["documents"] == 1

    # "don't" left whole: only it is wrong; "know" and "." still align although they
    # sit one position earlier than in the gold words
    def unsplit(text):
        return ["I", "don't", "know", "."] if text.startswith("I") else ["Bye", "!"]

    scores = evaluate_tokenizer(gold, word_tokenizer=unsplit)
    assert scores["system_words"] == 6
    assert scores["word_recall"] == pytest.approx(5 / 7)
    assert scores["word_precision"] == pytest.approx(5 / 6)

    # one sentence for the whole document: no boundary right
    merged = evaluate_tokenizer(gold, sentence_splitter=lambda t: [t])
    assert merged["sentence_precision"] == 0.0 and merged["sentence_recall"] == 0.0


def test_evaluate_tokenizer_rejects_bad_input():
    with pytest.raises(DataError, match="no '# text'"):
        evaluate_tokenizer([_sentence("a", None, "d-1")])
    with pytest.raises(DataError, match="do not spell"):
        evaluate_tokenizer([_sentence("do not", "don't", "d-1")])
    with pytest.raises(ValueError, match="tokens do not spell"):
        evaluate_tokenizer([_sentence("a b", "a b", "d-1")], word_tokenizer=lambda t: ["a"])


def test_ewt_dev_scores(shared_data):
    """EWT r2.16 dev measures word F1 99.47 and sentence F1 75.05; floors catch regressions."""
    scores = evaluate_tokenizer(
        read_conllu(shared_data / "ud_english_ewt" / "en_ewt-ud-dev.conllu")
    )
    assert scores["gold_words"] == 25147 and scores["gold_sentences"] == 2001
    assert scores["word_f1"] >= 0.99
    assert scores["sentence_f1"] >= 0.72


# ----------------------------------------------------------------------------------- CLI


def test_cli_tokenize_text(runner):
    result = runner.invoke(main, ["tokenize", "I can't come, Mr. Smith.", "It's 10:30 p.m."])
    assert result.exit_code == 0, result.output
    assert result.output == "I ca n't come , Mr. Smith .\nIt 's 10:30 p.m .\n"


def test_cli_tokenize_input_file_and_stdin_as_json(runner, tmp_path):
    path = tmp_path / "text.txt"
    path.write_text("First line. Second!\n\nThird\n", encoding="utf-8")
    result = runner.invoke(main, ["tokenize", "--input", str(path), "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert lines == [["First", "line", "."], ["Second", "!"], ["Third"]]

    result = runner.invoke(main, ["tokenize", "-i", "-"], input="Don't.\n")
    assert result.exit_code == 0, result.output
    assert result.output == "Do n't .\n"


def test_cli_tokenize_errors(runner, tmp_path):
    # no TEXT and a stdin that is not a terminal: the text comes from stdin (issue #16)
    result = runner.invoke(main, ["tokenize"], input="I can't.\n")
    assert result.exit_code == 0 and result.output == "I ca n't .\n"

    result = runner.invoke(main, ["tokenize", "--input", str(tmp_path / "missing.txt")])
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path / 'missing.txt'}: no such file\n"


def test_cli_evaluate_tokenizer_on_dev(runner, shared_data):
    result = runner.invoke(main, ["evaluate-tokenizer", "--split", "dev"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].endswith("en_ewt-ud-dev.conllu: 2,001 sentences in 318 documents")
    assert lines[1].startswith("words      P  99.")
    assert lines[2].startswith("sentences  P ")


def test_cli_evaluate_tokenizer_on_a_file_as_json(runner, tmp_path):
    path = tmp_path / "tiny.conllu"
    rows = ["1-2\tdon't\t_", "1\tdo\tdo", "2\tn't\tnot", "3\t.\t."]
    lines = [r + "\t_" * (10 - r.count("\t") - 1) for r in rows]
    path.write_text("# sent_id = d-1\n# text = don't.\n" + "\n".join(lines) + "\n\n")
    result = runner.invoke(main, ["evaluate-tokenizer", "--data", str(path), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert scores["word_f1"] == 1.0 and scores["gold_words"] == 3

    result = runner.invoke(main, ["evaluate-tokenizer", "--data", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "no such file, and not a dataset name" in result.output


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_any_unicode_text_tokenizes_without_losing_characters(text):
    sentences = tokenize(text)
    assert tokenize(text) == sentences  # deterministic
    tokens = [token for sentence in sentences for token in sentence]
    assert all(token and not any(ch.isspace() for ch in token) for token in tokens)
    assert not any(unicodedata.category(ch) == "Cc" for token in tokens for ch in token)
    assert "".join(tokens) == "".join(normalize(text).split())  # nothing lost, nothing added


def test_split_text_keeps_sentence_texts():
    assert split_text("I saw a saw. It was sharp!  ") == [
        ("I saw a saw.", ["I", "saw", "a", "saw", "."]),
        ("It was sharp!", ["It", "was", "sharp", "!"]),
    ]
    assert split_text(" \n ") == []


def test_sst_escapes_both_ways_in_one_place():
    """SST's PTB escapes, undone for the classifier and redone for its vocabulary."""
    assert sst_unescape("a -LRB- very -rrb- good ``film'' , writer\\/director") == (
        'a ( very ) good "film" , writer/director'
    )
    tokens = word_tokenize(sst_unescape("-lrb- a `` good '' film -rrb-"))
    assert sst_normalize(tokens) == ["-lrb-", "a", "``", "good", "''", "film", "-rrb-"]


def test_one_lookup_key_for_a_word():
    from seqnlp.embeddings.config import normalize_token as old_home
    from seqnlp.tokenize import normalize_token

    assert normalize_token("Apple", lowercase=True) == "apple"
    assert normalize_token("Apple", lowercase=False) == "Apple"
    assert old_home is normalize_token


def test_tokenizer_scoring_moved_out_of_the_tokenizer():
    import seqnlp.tokenize

    with pytest.warns(DeprecationWarning, match="use seqnlp.evaluation.evaluate_tokenizer"):
        assert seqnlp.tokenize.evaluate_tokenizer is evaluate_tokenizer
