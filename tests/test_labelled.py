"""The registered sentiment datasets: formats, labels, seeded splits, no test text in training."""

from __future__ import annotations

import pytest

from seqnlp import datasets
from seqnlp import labelled as sources
from seqnlp.corpus import LabeledText
from seqnlp.datasets import DataFile
from seqnlp.errors import DataError
from seqnlp.sentiment.data import read_labeled

LINES = {
    "lines": ("great food\nslow service\n", {"label": "positive"}),
    "label_tab_text": ("1\tgreat phone .\n0\tbroke in a week .\n", {}),
    "label_text": ("1 fresh air\n0 \n0 failing to support\n", {}),
    "tweet_tsv": ("7\tpositive\tlove it @ann\n8\tneutral\tmeh\t\n", {}),
    "phrasebank": ("Profit rose 5 % .@positive\nSales fell .@negative\n", {}),
    "pros_cons": ("  <Pros>Easy to use</Pros>\n <Cons>Battery life</Cons>\n", {}),
}


def data_file(fmt: str, options: dict[str, str] | None = None) -> DataFile:
    return DataFile(
        dataset="mine",
        split="all",
        path="mine/file",
        url=None,
        sha256="0" * 64,
        size=0,
        license="",
        format=fmt,
        description="",
        not_downloadable="test",
        options=tuple((options or {}).items()),
    )


@pytest.mark.parametrize("fmt", sorted(LINES))
def test_each_format_reads_text_and_label(tmp_path, fmt):
    text, options = LINES[fmt]
    path = tmp_path / "file"
    path.write_text(text, encoding="utf-8")
    records = list(sources.read_file(data_file(fmt, options), path))
    assert len(records) == 2 and all(r.text and r.label for r in records)
    assert (
        records[0].text
        == {
            "lines": "great food",
            "label_tab_text": "great phone .",
            "label_text": "fresh air",
            "tweet_tsv": "love it @ann",
            "phrasebank": "Profit rose 5 % .",
            "pros_cons": "Easy to use",
        }[fmt]
    )
    if fmt == "pros_cons":
        assert [r.label for r in records] == ["positive", "negative"]


@pytest.mark.parametrize(
    ("fmt", "bad"),
    [
        ("label_tab_text", "1\tok\nno tab here\n"),
        ("tweet_tsv", "1\tpositive\tok\n2\tpositive\n"),
        ("phrasebank", "fine@neutral\nno label here\n"),
        ("pros_cons", "<Pros>ok</Pros>\n<Cons>never closed\n"),
    ],
)
def test_a_malformed_line_is_named_by_file_and_line(tmp_path, fmt, bad):
    path = tmp_path / "file"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(DataError, match=rf"{path}:2: not a {fmt} line"):
        list(sources.read_file(data_file(fmt), path))


def test_a_wrong_encoding_is_named_by_line(tmp_path):
    path = tmp_path / "file"
    path.write_bytes(b"1\tfine\n0\tbad \xff byte\n")
    with pytest.raises(DataError, match=rf"{path}:2: not valid UTF-8"):
        list(sources.read_file(data_file("label_tab_text"), path))
    latin = list(sources.read_file(data_file("label_tab_text", {"encoding": "latin-1"}), path))
    assert latin[1].text == "bad \xff byte"


@pytest.fixture
def registered(monkeypatch, tmp_path):
    """A dataset "mine" in a mirror of its own, registered for sentiment."""
    mirror = tmp_path / "mirror"
    (mirror / "mine").mkdir(parents=True)
    monkeypatch.setenv("SEQNLP_DATA_DIR", str(mirror))
    registry = datasets._registry()
    for cache in (sources.sentiment_datasets, sources._held_out_keys):
        cache.cache_clear()

    def register(text: str, labels=("negative", "positive"), **section) -> None:
        data = (mirror / "mine" / "reviews.tsv").write_text(text, encoding="utf-8")
        file = data_file("label_tab_text")
        file = DataFile(**{**vars(file), "path": "mine/reviews.tsv", "size": data})
        section = {"domain": "tests", "labels": list(labels), "pool": ["all"]} | section
        dataset = datasets.Dataset("mine", "", "", "", None, (file,), section)
        # the only sentiment dataset, so no other set's test texts are looked up
        for name in list(registry):
            monkeypatch.delitem(registry, name)
        monkeypatch.setitem(registry, "mine", dataset)
        for cache in (sources.sentiment_datasets, sources._held_out_keys):
            cache.cache_clear()

    yield register
    for cache in (sources.sentiment_datasets, sources._held_out_keys):
        cache.cache_clear()


def test_seeded_splits_are_disjoint_and_stable(registered):
    rows = [f"{'1' if i % 3 else '0'}\treview number {i} ." for i in range(2000)]
    registered(
        "\n".join(rows) + "\n",
        label_map={"0": "negative", "1": "positive"},
        dev_share=0.1,
        test_share=0.2,
    )
    splits = {s: read_labeled("mine", s) for s in sources.SPLITS}
    keys = {s: {sources.text_key(t.text) for t in texts} for s, texts in splits.items()}
    assert not keys["train"] & keys["test"] and not keys["train"] & keys["dev"]
    assert sum(len(k) for k in keys.values()) == 2000
    assert 300 < len(keys["test"]) < 500 and 120 < len(keys["dev"]) < 280
    assert {t.label for t in splits["train"]} == {"negative", "positive"}
    assert read_labeled("mine", "test") == splits["test"]  # no seed, no order: the text decides


def test_a_text_repeated_with_other_case_or_spacing_sits_in_one_split(registered):
    rows = [f"1\tGreat Food {i}!" for i in range(300)] + [
        f"1\tgreat food {i} !" for i in range(300)
    ]
    registered("\n".join(rows) + "\n", label_map={"1": "positive", "0": "negative"},
               dev_share=0.2, test_share=0.2)  # fmt: skip
    total = sum(len(read_labeled("mine", s)) for s in sources.SPLITS)
    assert total == 300


def test_a_label_outside_the_dataset_is_named(registered):
    registered("1\tok\n5\tstars\n", label_map={"1": "positive"}, test_share=0.5)
    with pytest.raises(DataError, match=r"label '5' is not one of negative, positive"):
        read_labeled("mine", "train")


def test_an_empty_dataset_says_so(registered):
    registered("\n\n", label_map={}, test_share=0.5)
    with pytest.raises(DataError, match="mine train: no labelled texts"):
        read_labeled("mine", "train")


def test_an_unknown_split_lists_the_splits(registered):
    registered("1\tok\n", label_map={"1": "positive"})
    with pytest.raises(DataError, match="no split 'phrases'; splits: train, dev, test"):
        read_labeled("mine", "phrases")


# ------------------------------------------------------------------ the real datasets


@pytest.fixture(scope="module")
def every_split(shared_data):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEQNLP_DATA_DIR", str(shared_data))
        return {
            (name, split): read_labeled(name, split)
            for name, dataset in sources.sentiment_datasets().items()
            for split in dataset.splits
        }


def test_every_registered_dataset_reads_with_its_labels(every_split):
    names = {name for name, _ in every_split}
    assert {"yelp", "amazon-reviews", "semeval2017", "pros-cons", "airline-tweets"} <= names
    assert {"sentiment140", "financial-phrasebank", "mpqa", "sst2"} <= names
    for (name, _), texts in every_split.items():
        labels = set(sources.sentiment_datasets()[name].labels)
        assert texts and {t.label for t in texts} <= labels, name
        assert all(isinstance(t, LabeledText) and t.text.strip() for t in texts)


def test_no_dev_or_test_text_of_any_dataset_is_in_a_training_split(every_split):
    held = {
        sources.text_key(t.text)
        for (_, split), texts in every_split.items()
        if split in ("dev", "test")
        for t in texts
    }
    for (name, split), texts in every_split.items():
        if split not in ("dev", "test"):
            leaked = [t.text for t in texts if sources.text_key(t.text) in held]
            assert not leaked, f"{name}:{split} holds {len(leaked)} held-out texts: {leaked[:3]}"


def test_the_official_test_sets_are_read_whole(every_split):
    semeval = every_split["semeval2017", "test"]
    assert len(semeval) == 12_284  # the SemEval-2017 Task 4A test set, row for row
    assert len(every_split["amazon-reviews", "test"]) == 6_000
    assert len(every_split["sst2", "test"]) == 1_821
