"""Check lists: the shipped sentiment list's shape, reading, per-category scoring."""

from __future__ import annotations

from collections import Counter

import pytest

from seqnlp.errors import DataError
from seqnlp.sentiment.checklist import (
    CheckItem,
    read_checklist,
    score_by_category,
    sentiment_checklist_path,
)
from seqnlp.sentiment.data import to_example


def test_shipped_sentiment_checklist_is_balanced_and_large_enough():
    items = read_checklist()
    assert len(items) >= 240
    per_category = Counter(item.category for item in items)
    assert len(per_category) >= 10
    assert min(per_category.values()) >= 20
    assert {item.label for item in items} == {"negative", "positive"}
    assert len({item.text for item in items}) == len(items)  # no repeats
    # the sentences of issue #15 are in it, positive
    issue = {
        "not bad at all",
        "This phone is not bad at all.",
        "I can't complain about the service.",
        "Never a dull moment in this film.",
        "Hardly a flaw in the whole performance.",
        "The staff couldn't have been friendlier.",
    }
    assert issue <= {item.text for item in items if item.label == "positive"}
    assert all(to_example(item.text) for item in items)


def test_blind_checklist_has_the_same_categories_and_no_shared_sentence():
    """The second, blind list (benchmark only) covers every category of the first, with both
    labels, and shares no sentence with it."""
    shipped = read_checklist()
    blind = read_checklist(sentiment_checklist_path().with_name("sentiment_checklist_blind.tsv"))
    per_category = Counter(item.category for item in blind)
    assert set(per_category) == {item.category for item in shipped}
    assert min(per_category.values()) >= 10
    assert {item.label for item in blind} == {"negative", "positive"}
    texts = {item.text.lower() for item in blind}
    assert len(texts) == len(blind)
    assert not texts & {item.text.lower() for item in shipped}


def test_read_checklist_without_categories(tmp_path):
    path = tmp_path / "c.tsv"
    path.write_text("sentence\tlabel\ngood\t1\nbad\t0\n", encoding="utf-8")
    assert read_checklist(path) == [CheckItem("good", "1", "all"), CheckItem("bad", "0", "all")]


def test_read_checklist_errors(tmp_path):
    with pytest.raises(DataError, match="no such"):
        read_checklist(tmp_path / "missing.tsv")
    bad = tmp_path / "bad.tsv"
    bad.write_text("sentence\tlabel\tcategory\ngood\t1\n", encoding="utf-8")
    with pytest.raises(DataError, match="bad.tsv:2"):
        read_checklist(bad)
    nolabel = tmp_path / "nolabel.tsv"
    nolabel.write_text("sentence\tcategory\ngood\tplain\n", encoding="utf-8")
    with pytest.raises(DataError, match="label"):
        read_checklist(nolabel)


def test_score_by_category():
    items = [
        CheckItem("not bad", "1", "negation"),
        CheckItem("not good", "0", "negation"),
        CheckItem("good", "1", "plain"),
    ]
    scores = score_by_category(items, ["0", "0", "1"])
    assert scores["correct"] == 2 and scores["accuracy"] == pytest.approx(2 / 3)
    assert scores["categories"]["negation"] == {"n": 2, "correct": 1, "accuracy": 0.5}
    assert scores["categories"]["plain"]["accuracy"] == 1.0
    assert scores["worst"] == ("negation", 0.5)
    assert scores["failures"] == [
        {"text": "not bad", "label": "1", "predicted": "0", "category": "negation"}
    ]
    with pytest.raises(ValueError):
        score_by_category(items, ["1"])
