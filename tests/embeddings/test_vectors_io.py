"""Outside vectors: every format read, imported, queried, exported; bad files refused."""

from __future__ import annotations

import gzip
import json
import random
import struct

import numpy as np
import pytest

from seqnlp.cli import main
from seqnlp.embeddings import WordVectors, export_vectors, import_vectors, read_vectors
from seqnlp.embeddings import storage as storage_module
from seqnlp.embeddings import vectors as vectors_module
from seqnlp.errors import DataError, SeqnlpError

DIM = 12
WORDS = [f"w{i}" for i in range(300)] + ["Café", "naïve", "King", "king"]


@pytest.fixture(scope="module")
def kv():
    from gensim.models import KeyedVectors

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(10, DIM))
    vecs = centres[rng.integers(0, 10, len(WORDS))] + 0.3 * rng.normal(size=(len(WORDS), DIM))
    kv = KeyedVectors(DIM)
    kv.add_vectors(WORDS, vecs.astype(np.float32))
    return kv


def gensim_files(kv, directory):
    """The word2vec variants, each written by gensim's own writer."""
    files = {
        "text": (directory / "v.txt", dict(binary=False)),
        "binary": (directory / "v.bin", dict(binary=True)),
        "text-gz": (directory / "v.txt.gz", dict(binary=False)),
        "binary-gz": (directory / "v.bin.gz", dict(binary=True)),
        "glove": (directory / "glove.txt", dict(binary=False, write_header=False)),
        "fasttext-vec": (directory / "cc.vec", dict(binary=False)),
    }
    for path, kwargs in files.values():
        kv.save_word2vec_format(str(path), **kwargs)
    return {name: path for name, (path, _) in files.items()}


def top(wv, word, n=5):
    return [w for w, _ in wv.similar(word, n)]


@pytest.mark.parametrize(
    "name", ["text", "binary", "text-gz", "binary-gz", "glove", "fasttext-vec"]
)
def test_every_word2vec_variant_reads_imports_and_agrees_with_gensim(kv, tmp_path, name):
    path = gensim_files(kv, tmp_path)[name]
    raw = WordVectors.load(path)  # a FILE directly
    assert raw.words == WORDS
    np.testing.assert_array_equal(np.asarray(raw.vectors), kv.vectors)
    imported = import_vectors(path, tmp_path / "dir")
    for word in ["w1", "w77", "Café", "king"]:
        expected = [w for w, _ in kv.most_similar(word, topn=5)]
        assert top(raw, word) == top(imported, word) == expected
    assert imported.meta["source"]["format"] == ("binary" if "binary" in name else "text")
    assert "King" in imported and "KING" not in imported  # case kept unless --lower


def test_spark_part_files(kv, tmp_path):
    spark = tmp_path / "spark-out"
    spark.mkdir()
    lines = [f"{w} {' '.join(f'{v:.9g}' for v in kv[w])}\n" for w in WORDS]
    (spark / "part-00000").write_text("".join(lines[:150]), encoding="utf-8")
    (spark / "part-00001").write_text("".join(lines[150:]), encoding="utf-8")
    (spark / "_SUCCESS").write_text("")
    wv = WordVectors.load(spark)
    assert wv.words == WORDS
    assert top(wv, "w3") == [w for w, _ in kv.most_similar("w3", topn=5)]


@pytest.mark.parametrize("dtype", ["float32", "float16", "int8"])
def test_import_dtypes_and_mapped_access(kv, tmp_path, dtype, monkeypatch):
    path = gensim_files(kv, tmp_path)["binary"]
    eager = import_vectors(path, tmp_path / "v", dtype=dtype)
    monkeypatch.setattr(vectors_module, "EAGER_ELEMENTS", 0)
    monkeypatch.setattr(storage_module, "EAGER_WORDS", 0)
    monkeypatch.setattr(vectors_module, "SCAN_ROWS", 7)  # many blocks, one partial
    mapped = WordVectors.load(tmp_path / "v")
    assert mapped.is_mapped and not eager.is_mapped
    assert isinstance(mapped.words, storage_module.WordList)
    assert mapped.words == WORDS and mapped.words[-2:] == ["King", "king"]
    assert mapped.index["naïve"] == WORDS.index("naïve") and "nope" not in mapped
    for word in ["w0", "w299", "Café", "king"]:
        assert top(mapped, word, 8) == top(eager, word, 8)
    a = mapped.analogy("w1", "w2", "w3", method="mul", restrict_vocab=100)
    b = eager.analogy("w1", "w2", "w3", method="mul", restrict_vocab=100)
    assert [w for w, _ in a] == [w for w, _ in b]
    np.testing.assert_allclose([s for _, s in a], [s for _, s in b], rtol=1e-5)
    assert all(WORDS.index(w) < 100 for w, _ in a)
    np.testing.assert_allclose(mapped.vector("w5"), eager.vector("w5"))
    tolerance = {"float32": 0, "float16": 1e-2, "int8": 2e-2}[dtype]
    np.testing.assert_allclose(mapped.vector("w5"), kv["w5"], atol=tolerance * 3)


def test_lookups_become_a_dict_after_many(kv, tmp_path, monkeypatch):
    import_vectors(gensim_files(kv, tmp_path)["binary"], tmp_path / "v")
    monkeypatch.setattr(storage_module, "EAGER_WORDS", 0)
    monkeypatch.setattr(vectors_module.WordIndex, "LOOKUPS_BEFORE_DICT", 3)
    wv = WordVectors.load(tmp_path / "v")
    found = [wv.index.get(w) for w in ["w1", "w2", "w3", "w4", "zz", "king"]]
    assert found == [1, 2, 3, 4, None, WORDS.index("king")] and wv.index.table is not None


def test_limit_lower_and_merged_duplicates(kv, tmp_path):
    path = gensim_files(kv, tmp_path)["text"]
    wv = import_vectors(path, tmp_path / "v", lowercase=True)
    assert "café" in wv and wv.words.count("king") == 1
    assert wv.index["king"] == WORDS.index("King")  # the first (more frequent) one is kept
    assert wv.meta["source"]["merged_duplicates"] == 1
    assert wv.config.lowercase and "KING" in wv  # queries are lower-cased too
    small = import_vectors(path, tmp_path / "small", limit=10)
    assert small.words == WORDS[:10]


def test_fasttext_bin_keeps_subwords(tmp_path):
    from gensim.models import FastText
    from gensim.models.fasttext import save_facebook_model
    from gensim.test.utils import common_texts

    model = FastText(vector_size=8, min_count=1, bucket=2000, epochs=2, seed=1, workers=1)
    model.build_vocab(common_texts)
    model.train(common_texts, total_examples=len(common_texts), epochs=2)
    path = tmp_path / "ft.bin"
    save_facebook_model(model, str(path))
    wv = import_vectors(path, tmp_path / "ft", dtype="float16")
    assert wv.config.algorithm == "fasttext" and wv.ngram_vectors.shape == (2000, 8)
    assert wv.is_subword_only("computerized")
    from gensim.models.fasttext import load_facebook_vectors

    reference = load_facebook_vectors(str(path))
    np.testing.assert_allclose(
        wv.vector("computerized"), reference["computerized"], rtol=1e-2, atol=1e-3
    )
    assert top(wv, "computer", 3) == [w for w, _ in reference.most_similar("computer", topn=3)]
    export_vectors(tmp_path / "ft", tmp_path / "ft.txt")
    assert WordVectors.load(tmp_path / "ft.txt").words == wv.words


@pytest.mark.parametrize("binary", [False, True])
def test_shipped_vectors_round_trip_and_gensim_agrees(tmp_path, binary):
    from gensim.models import KeyedVectors

    shipped = WordVectors.load()
    out = tmp_path / ("v.bin" if binary else "v.txt")
    export_vectors(None, out, binary=binary)
    again = import_vectors(out, tmp_path / "again")
    assert again.words == shipped.words
    np.testing.assert_array_equal(np.asarray(again.vectors), np.asarray(shipped.vectors))
    kv = KeyedVectors.load_word2vec_format(str(out), binary=binary)
    words = random.Random(0).sample(shipped.words[:20_000], 100)
    for word in words:
        mine = shipped.similar(word, 10)
        assert [w for w, _ in again.similar(word, 10)] == [w for w, _ in mine]
        theirs = kv.most_similar(word, topn=10)
        assert [w for w, _ in theirs] == [w for w, _ in mine]
        np.testing.assert_allclose([s for _, s in theirs], [s for _, s in mine], atol=1e-5)
    assert again.analogy("king", "man", "woman", topn=3) == shipped.analogy(
        "king", "man", "woman", topn=3
    )


def test_approximate_index(kv, tmp_path, monkeypatch):
    path = gensim_files(kv, tmp_path)["binary"]
    wv = import_vectors(path, tmp_path / "v", index_trees=10)
    meta = json.loads((tmp_path / "v" / "index.json").read_text())
    assert meta["library"] == "annoy" and meta["recall_at_10"] >= 0.95
    monkeypatch.setattr(vectors_module, "EAGER_ELEMENTS", 0)
    again = WordVectors.load(tmp_path / "v")
    assert again.ann is not None
    for word in ["w1", "w50", "king"]:
        exact = set(top(again, word, 10))
        approximate = {w for w, _ in again.similar(word, 10, approximate=True)}
        assert word not in approximate and len(exact & approximate) >= 8
        score = dict(again.similar(word, 10, approximate=True))
        for w, s in again.similar(word, 10):
            if w in score:
                assert abs(score[w] - s) < 1e-4  # annoy's distance turned back into a cosine
    restricted = again.similar("w1", 5, restrict_vocab=40, approximate=True)
    assert restricted == again.similar("w1", 5, restrict_vocab=40)
    with pytest.raises(SeqnlpError, match="no approximate index"):
        wv_plain = import_vectors(path, tmp_path / "plain")
        wv_plain.similar("w1", approximate=True)
    assert wv.ann is not None


def test_train_tagger_from_a_vectors_file(kv, tmp_path):
    """A raw FILE as a tagger's --embeddings: the library side of train-tagger."""
    from seqnlp.tagger import train as train_tagger
    from seqnlp.training import TrainConfig
    from tests.tagger.data import tiny_config, write_data

    train, dev = write_data(tmp_path)
    from gensim.models import KeyedVectors

    words = ["the", "a", "dog", "cat", "saw", "runs"]
    small = KeyedVectors(16)
    small.add_vectors(words, np.random.default_rng(1).normal(size=(6, 16)).astype(np.float32))
    vectors_file = tmp_path / "outside.txt"
    small.save_word2vec_format(str(vectors_file))
    tagger, _ = train_tagger(
        output=tmp_path / "tagger",
        train=train,
        dev=dev,
        embeddings=vectors_file,
        config=tiny_config(word_dim=8),
        train_config=TrainConfig(epochs=1, batch_size=8, lr=0.01, patience=0),
        progress=False,
    )
    assert tagger.meta["embeddings"]["dim"] == 16 and tagger.meta["embeddings"]["coverage"] > 0


# --------------------------------------------------------------------------- bad input


def _binary(rows, dim, body_rows=None, header=None):
    out = (header or f"{rows} {dim}\n").encode()
    for i in range(rows if body_rows is None else body_rows):
        out += f"w{i} ".encode() + struct.pack(f"<{dim}f", *range(dim)) + b"\n"
    return out


BAD_FILES = {
    "truncated binary": (
        "v.bin",
        lambda: _binary(5, 4)[:-9],
        r":? row 5 \(byte [\d,]+\).*truncated",
    ),
    "header: too many rows (binary)": ("v.bin", lambda: _binary(6, 4, body_rows=5), r"row 6"),
    "header: too few rows (binary)": ("v.bin", lambda: _binary(4, 4, body_rows=5), r"byte [\d,]+"),
    "header: wrong dimension (binary)": ("v.bin", lambda: _binary(5, 4, header="5 3\n"), r"byte"),
    "header: too many rows (text)": (
        "v.txt",
        lambda: b"3 2\na 1 2\nb 3 4\n",
        r"v.txt:3: the file ends",
    ),
    "header: too few rows (text)": ("v.txt", lambda: b"1 2\na 1 2\nb 3 4\n", r"v.txt:3"),
    "header: wrong dimension (text)": ("v.txt", lambda: b"2 3\na 1 2\nb 3 4\n", r"v.txt:2"),
    "row of the wrong width": ("v.txt", lambda: b"a 1 2 3\nb 3 4\n", r"v.txt:2: 2 numbers"),
    "not a number": ("v.txt", lambda: b"a 1 2\nb 3 x4\n", r"v.txt:2: .*x4"),
    "duplicate word (text)": ("v.txt", lambda: b"a 1 2\nb 3 4\na 5 6\n", r"v.txt:3: duplicate"),
    "duplicate word (binary)": (
        "v.bin",
        lambda: _binary(2, 2, header="3 2\n") + b"w0 " + struct.pack("<2f", 1, 2),
        r"row 3 .*duplicate word 'w0'",
    ),
    "non-UTF-8 word": ("v.txt", lambda: b"a 1 2\nb\xff 3 4\n", r"v.txt:2: .*not UTF-8"),
    "empty file": ("v.txt", lambda: b"", r"empty file"),
    "blank file": ("v.vec", lambda: b"\n\n", r"empty file"),
    ".bin that is not fastText": ("v.bin", lambda: b"hello world 1 2\n" * 3, r"byte 0: neither"),
    "truncated gzip": (
        "v.txt.gz",
        lambda: gzip.compress(b"2 2\na 1 2\nb 3 4\n" * 50)[:-30],
        r"cannot read|truncated",
    ),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_files_are_one_line_errors_and_leave_nothing(tmp_path, runner, case):
    name, content, pattern = BAD_FILES[case]
    work = tmp_path / "work"
    work.mkdir()
    path = work / name
    path.write_bytes(content())
    with pytest.raises(DataError, match=pattern) as error:
        import_vectors(path, work / "out")
    assert str(path) in str(error.value) and "\n" not in str(error.value)
    assert sorted(p.name for p in work.iterdir()) == [name]  # no output, no temporary
    result = runner.invoke(main, ["vectors", "import", str(path), "-o", str(work / "out")])
    assert result.exit_code == 1 and result.output.startswith("Error:")
    assert len(result.output.strip().splitlines()) == 1 and str(path) in result.output
    assert sorted(p.name for p in work.iterdir()) == [name]


def test_non_utf8_words_replaced_on_request(tmp_path):
    path = tmp_path / "v.bin"
    path.write_bytes(_binary(2, 2, header="3 2\n") + b"caf\xe9 " + struct.pack("<2f", 1, 2))
    with pytest.raises(DataError, match="--errors replace"):
        read_vectors(path)
    wv = read_vectors(path, errors="replace")
    assert wv.words[-1] == "caf\ufffd" and wv.meta["source"]["non_utf8_words"] == 1


# --------------------------------------------------------------------------- CLI


def test_cli_import_query_export(kv, tmp_path, runner):
    path = gensim_files(kv, tmp_path)["binary"]
    out = tmp_path / "imported"
    result = runner.invoke(
        main, ["vectors", "import", str(path), "-o", str(out), "--dtype", "float16"]
    )
    assert result.exit_code == 0, result.output
    assert f"Imported {len(WORDS)} vectors of {DIM} dimensions (binary)" in result.output
    for vectors in (str(path), str(out)):  # a raw FILE or the directory
        result = runner.invoke(main, ["similar", "w1", "--vectors", vectors, "--topn", "3"])
        assert result.exit_code == 0, result.output
        assert [line.split("\t")[0] for line in result.stdout.splitlines()] == [
            w for w, _ in kv.most_similar("w1", topn=3)
        ]
    result = runner.invoke(main, ["similar", "w1", "--vectors", str(out), "--restrict", "50"])
    assert all(WORDS.index(line.split("\t")[0]) < 50 for line in result.stdout.splitlines())
    again = runner.invoke(main, ["vectors", "import", str(path), "-o", str(out)])
    assert again.exit_code == 1 and "already exists" in again.output
    exported = tmp_path / "out.bin"
    result = runner.invoke(main, ["vectors", "export", str(out), "-o", str(exported), "--binary"])
    assert result.exit_code == 0, result.output
    assert WordVectors.load(exported).words == WORDS
    result = runner.invoke(main, ["similar", "w1", "--vectors", str(out), "--approximate"])
    assert result.exit_code == 1 and "no approximate index" in result.output


@pytest.mark.parametrize(
    "command",
    [
        ["similarity", "w1", "w2"],
        ["analogy", "w1", "w2", "w3", "--restrict", "100"],
        ["evaluate-embeddings", "--analogies", "Q", "--similarities", "P"],
        ["plot-embeddings", "w1", "w2", "w3", "-o", "OUT"],
    ],
)
def test_every_query_command_takes_a_vectors_file(kv, tmp_path, runner, command):
    path = gensim_files(kv, tmp_path)["text-gz"]
    (tmp_path / "q.txt").write_text(": x\nw1 w2 w3 w4\n")
    (tmp_path / "p.tsv").write_text("w1\tw2\t5\nw3\tw4\t2\nw5\tw6\t1\n")
    replace = {"Q": str(tmp_path / "q.txt"), "P": str(tmp_path / "p.tsv")}
    replace["OUT"] = str(tmp_path / "map.png")
    args = [replace.get(a, a) for a in command]
    result = runner.invoke(main, [*args, "--vectors", str(path)])
    assert result.exit_code == 0, result.output
    assert "seqnlp vectors import" in result.stderr  # the hint to import it once


def test_cli_index_command(kv, tmp_path, runner):
    path = gensim_files(kv, tmp_path)["binary"]
    out = tmp_path / "v"
    assert runner.invoke(main, ["vectors", "import", str(path), "-o", str(out)]).exit_code == 0
    result = runner.invoke(main, ["vectors", "index", str(out), "--trees", "5"])
    assert result.exit_code == 0, result.output
    assert "recall@10" in result.output and (out / "index.annoy").is_file()
    result = runner.invoke(main, ["similar", "w1", "--vectors", str(out), "--approximate"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 10
