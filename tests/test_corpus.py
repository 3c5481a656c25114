"""Corpus readers on the real files of the mirror and on malformed input."""

from __future__ import annotations

import bz2
import gzip
import lzma
from collections import Counter
from itertools import islice
from pathlib import Path

import pytest

from seqnlp.corpus import (
    LabeledText,
    iter_lines,
    read_conllu,
    read_sst,
    read_table,
    read_text_lines,
    read_wikipedia,
)
from seqnlp.errors import DataError

UPOS = set("ADJ ADP ADV AUX CCONJ DET INTJ NOUN NUM PART PRON PROPN PUNCT SCONJ SYM VERB X".split())

# --------------------------------------------------------------------------- real files


@pytest.fixture(scope="module")
def ewt_dev(shared_data):
    return list(read_conllu(shared_data / "ud_english_ewt" / "en_ewt-ud-dev.conllu"))


def test_ewt_dev_counts_match_the_data_readme(ewt_dev):
    # multiword ranges (359) and empty nodes (4) are skipped: only syntactic words count
    assert len(ewt_dev) == 2001
    assert sum(len(s.words) for s in ewt_dev) == 25147
    assert {tag for s in ewt_dev for tag in s.upos} == UPOS
    assert all(len(s.words) == len(s.upos) == len(s.xpos) for s in ewt_dev)


def test_ewt_keeps_text_and_sent_id(ewt_dev):
    first = ewt_dev[0]
    assert first.sent_id.endswith("ENG_20041117_172713-0001")
    assert first.text == "From the AP comes this story :"
    assert first.words == ["From", "the", "AP", "comes", "this", "story", ":"]
    assert first.upos[:3] == ["ADP", "DET", "PROPN"]
    assert first.xpos[:3] == ["IN", "DT", "NNP"]
    assert all(s.text and s.sent_id for s in ewt_dev)


def test_ewt_multiword_tokens_become_their_words(ewt_dev):
    # "don't" is a range 1-2 over the words "do" and "n't"
    assert any("n't" in s.words and "don't" in s.text for s in ewt_dev)
    assert not any("don't" in s.words for s in ewt_dev)


def test_sst_train_counts(shared_data):
    rows = list(read_sst(shared_data / "sst2" / "stsa.binary.train"))
    assert len(rows) == 6920
    assert Counter(r.label for r in rows) == {"0": 3310, "1": 3610}
    assert rows[0].text.startswith("a stirring , funny and finally transporting")
    assert not rows[0].text.endswith(" ")  # the file's trailing spaces are dropped


@pytest.mark.parametrize("split, count", [("dev", 872), ("test", 1821)])
def test_sst_dev_and_test_counts(shared_data, split, count):
    assert sum(1 for _ in read_sst(shared_data / "sst2" / f"stsa.binary.{split}")) == count


def test_glue_phrases_counts(shared_data):
    path = shared_data / "sst2" / "glue_phrase_train_thirdparty" / "train.tsv"
    rows = list(read_table(path))
    assert len(rows) == 67349
    assert Counter(r.label for r in rows) == {"0": 29780, "1": 37569}
    assert rows[0] == LabeledText("hide new secretions from the parental units", "0")
    assert not any(r.text.endswith("\r") or r.label.endswith("\r") for r in rows)


@pytest.mark.parametrize(
    "part, title, opening",
    [
        ("part1_AA-AB", "Anarchism", "Anarchism is a political philosophy"),
        ("part2_AC-AD", "Royal Navy", "The Royal Navy (RN) is"),
    ],
)
def test_wikipedia_first_lines(shared_data, part, title, opening):
    path = shared_data / "wikipedia_en" / f"enwiki_extract_{part}.txt.xz"
    first = list(islice(read_wikipedia(path), 3))  # streamed: never the whole 200 MB
    assert first[0] == title
    assert first[1].startswith(opening)
    assert not any(line.startswith("<doc") or not line for line in first)


def test_wikipedia_drops_doc_lines_and_blanks(tmp_path):
    path = tmp_path / "wiki.txt"
    path.write_text(
        '<doc id="1" url="http://x" title="A">\nA\n\nFirst paragraph.\n</doc>\n'
        '<doc id="2" url="http://y" title="B">\nB\n\nSecond.\n</doc>\n'
    )
    assert list(read_wikipedia(path)) == ["A", "First paragraph.", "B", "Second."]


# --------------------------------------------------------------------------- malformed input

SENTENCE = (
    "# sent_id = s1\n"
    "# text = I don't\n"
    "1\tI\tI\tPRON\tPRP\t_\t3\tnsubj\t_\t_\n"
    "2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_\n"
    "2\tdo\tdo\tAUX\tVBP\t_\t0\troot\t_\t_\n"
    "3\tn't\tnot\tPART\tRB\t_\t2\tadvmod\t_\t_\n"
    "3.1\tgo\tgo\tVERB\tVB\t_\t_\t_\t2:conj\t_\n"
    "\n"
)


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def test_conllu_skips_ranges_and_empty_nodes(tmp_path):
    (sentence,) = read_conllu(_write(tmp_path, "a.conllu", SENTENCE))
    assert sentence.words == ["I", "do", "n't"]
    assert sentence.upos == ["PRON", "AUX", "PART"]
    assert (sentence.text, sentence.sent_id) == ("I don't", "s1")


def test_conllu_line_with_missing_column_names_file_and_line(tmp_path):
    broken = SENTENCE + SENTENCE.replace("\tPRP\t", "\t")
    path = _write(tmp_path, "broken.conllu", broken)
    with pytest.raises(DataError, match=r"broken.conllu:11: expected 10 .* found 9$"):
        list(read_conllu(path))


def test_conllu_unparsable_field_names_its_line(tmp_path):
    path = _write(tmp_path, "bad-head.conllu", SENTENCE.replace("\t2\tadvmod", "\tx\tadvmod"))
    with pytest.raises(DataError, match=r"bad-head.conllu:6: malformed CoNLL-U line .*head"):
        list(read_conllu(path))


def test_conllu_with_crlf_and_without_final_blank_line(tmp_path):
    path = _write(tmp_path, "crlf.conllu", SENTENCE.rstrip("\n").replace("\n", "\r\n"))
    (sentence,) = read_conllu(path)
    assert sentence.words == ["I", "do", "n't"]
    assert sentence.text == "I don't"


def test_byte_order_mark_is_ignored(tmp_path):
    bom = b"\xef\xbb\xbf"
    (sentence,) = read_conllu(_write(tmp_path, "bom.conllu", bom + SENTENCE.encode()))
    assert sentence.sent_id == "s1"
    rows = read_table(_write(tmp_path, "bom.tsv", bom + b"label\tsentence\n1\tgood\n"))
    assert list(rows) == [LabeledText("good", "1")]


def test_invalid_utf8_names_the_line_and_replace_reads_on(tmp_path):
    path = _write(tmp_path, "latin1.txt", b"1 fine\n0 caf\xe9 au lait\n")
    with pytest.raises(DataError, match=r"latin1.txt:2: not valid UTF-8"):
        list(read_sst(path))
    rows = list(read_sst(path, errors="replace"))
    assert rows[1] == LabeledText("caf\ufffd au lait", "0")


def test_sst_malformed_line(tmp_path):
    path = _write(tmp_path, "sst.txt", "1 good\n\npositive great\n")
    with pytest.raises(DataError, match=r"sst.txt:3: expected '<label> <sentence>'"):
        list(read_sst(path))
    with pytest.raises(DataError, match=r"only-label.txt:1: expected"):
        list(read_sst(_write(tmp_path, "only-label.txt", "1\n")))


def test_sst_with_crlf(tmp_path):
    rows = list(read_sst(_write(tmp_path, "crlf.txt", "1 good film\r\n0 bad\r\n")))
    assert rows == [LabeledText("good film", "1"), LabeledText("bad", "0")]


def test_table_with_wrong_column_names_lists_the_columns_found(tmp_path):
    path = _write(tmp_path, "cols.tsv", "text\tpolarity\nnice\tpos\n")
    with pytest.raises(
        DataError, match=r"cols.tsv:1: .*'sentence', 'label'.*found: 'text', 'polarity'"
    ):
        list(read_table(path))
    rows = list(read_table(path, text_column="text", label_column="polarity"))
    assert rows == [LabeledText("nice", "pos")]


def test_table_row_with_wrong_column_count_names_the_line(tmp_path):
    path = _write(tmp_path, "short.tsv", "label\tsentence\r\n1\tgood\r\n\r\n0\r\n")
    with pytest.raises(DataError, match=r"short.tsv:4: expected 2 columns, found 1"):
        list(read_table(path))


def test_table_quotes_are_text_in_tsv_and_quoting_in_csv(tmp_path):
    tsv = _write(tmp_path, "q.tsv", 'sentence\tlabel\n"quoted" words\t1\n')
    assert list(read_table(tsv)) == [LabeledText('"quoted" words', "1")]
    csv_path = _write(tmp_path, "q.csv", 'sentence,label\n"one, two",0\n')
    assert list(read_table(csv_path)) == [LabeledText("one, two", "0")]


def test_csv_error_becomes_data_error(tmp_path):
    path = _write(tmp_path, "huge.csv", 'sentence,label\n"' + "x" * 200_000 + '",1\n')
    with pytest.raises(DataError, match=r"huge.csv:2: field larger than field limit"):
        list(read_table(path))


def test_empty_files(tmp_path):
    empty = _write(tmp_path, "empty.txt", b"")
    assert list(read_conllu(empty)) == []
    assert list(read_sst(empty)) == []
    assert list(read_wikipedia(empty)) == []
    assert list(read_text_lines(empty)) == []
    with pytest.raises(DataError, match=r"empty.txt: empty file"):
        list(read_table(empty))
    with pytest.raises(DataError, match=r"blank.tsv: empty file"):
        list(read_table(_write(tmp_path, "blank.tsv", "\n\r\n")))


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"nope.conllu: no such file"):
        list(read_conllu(tmp_path / "nope.conllu"))


@pytest.mark.parametrize("suffix, compress", [(".gz", gzip.compress), (".bz2", bz2.compress)])
def test_compressed_text(tmp_path, suffix, compress):
    path = _write(tmp_path, f"lines{suffix}", compress(b"one\n\ntwo\r\n"))
    assert list(read_text_lines(path)) == ["one", "two"]
    assert list(iter_lines(path)) == [(1, "one"), (2, ""), (3, "two")]


def test_corrupt_compressed_file(tmp_path):
    good = lzma.compress(b"1 fine\n" * 1000)
    path = _write(tmp_path, "cut.xz", good[: len(good) // 2])
    with pytest.raises(DataError, match=r"cut.xz: cannot read"):
        list(read_sst(path))
    damaged = bytearray(gzip.compress(b"hello world " * 1000))
    damaged[20:40] = b"x" * 20  # inside the deflate stream: zlib.error, not OSError
    with pytest.raises(DataError, match=r"damaged.gz: cannot read"):
        list(read_text_lines(_write(tmp_path, "damaged.gz", bytes(damaged))))


def test_iter_lines_reads_stdin_and_names_it(monkeypatch):
    import io
    import sys

    from seqnlp.corpus import iter_lines

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"one\r\ntwo\n")))
    assert list(iter_lines("-")) == [(1, "one"), (2, "two")]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"ok\n\xff\n")))
    with pytest.raises(DataError, match="<stdin>:2: not valid UTF-8"):
        list(iter_lines("-"))


def test_hold_out_is_seeded_and_keeps_every_record_once():
    from seqnlp.corpus import hold_out

    kept, held = hold_out(list(range(50)), fraction=0.1, seed=3)
    assert len(held) == 5 and sorted(kept + held) == list(range(50))
    assert hold_out(list(range(50)), seed=3) == (kept, held)
    assert hold_out(list(range(50)), seed=4)[1] != held
    assert len(hold_out([1, 2])[1]) == 1
    with pytest.raises(DataError, match="too few"):
        hold_out([1])
