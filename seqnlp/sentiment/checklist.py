"""Behavioural check lists for classifiers (CheckList-style, Ribeiro et al., 2020).

A check list is a headed TSV: ``sentence<TAB>label<TAB>category`` (label as in the
training data, e.g. 1 = positive, 0 = negative). The shipped one for sentiment is
``data/samples/sentiment_checklist.tsv`` (negation, contrast, intensifiers, comparisons,
product and service reviews...). :func:`score_by_category` turns predictions into the
per-category table that the benchmark and ``evaluate-sentiment`` print.
"""

from __future__ import annotations

import csv
import importlib.resources
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from seqnlp.errors import DataError


@dataclass(frozen=True)
class CheckItem:
    """One check: the text, the expected label and its category."""

    text: str
    label: str
    category: str


def sentiment_checklist_path() -> Path:
    """The sentiment check list shipped with seqnlp."""
    return Path(
        str(importlib.resources.files("seqnlp.data") / "samples" / "sentiment_checklist.tsv")
    )


def read_checklist(path: str | Path | None = None) -> list[CheckItem]:
    """Read a check list (default: the shipped sentiment one).

    A file without a ``category`` column is read with every item in category "all".

    Raises:
        DataError: missing file or columns, or a row with the wrong number of cells
            (naming the line).
    """
    path = Path(path) if path is not None else sentiment_checklist_path()
    if not path.is_file():
        raise DataError(f"{path}: no such check list")
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows:
        raise DataError(f"{path}: empty file")
    header = [h.strip() for h in rows[0]]
    for column in ("sentence", "label"):
        if column not in header:
            raise DataError(f"{path}: no {column!r} column (header: {header})")
    text_at, label_at = header.index("sentence"), header.index("label")
    category_at = header.index("category") if "category" in header else None
    items = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise DataError(f"{path}:{number}: {len(row)} cells, the header has {len(header)}")
        category = row[category_at].strip() if category_at is not None else "all"
        items.append(CheckItem(row[text_at], row[label_at].strip(), category))
    if not items:
        raise DataError(f"{path}: no checks")
    return items


def has_categories(path: str | Path) -> bool:
    """Whether ``path`` is a tab-separated file whose header names a ``category`` column."""
    path = Path(path)
    if not path.is_file():
        return False
    with path.open(encoding="utf-8", errors="replace") as f:
        header = f.readline().rstrip("\r\n").split("\t")
    return "category" in (h.strip() for h in header)


def score_by_category(items: Sequence[CheckItem], predicted: Sequence[str]) -> dict:
    """Accuracy overall and per category (in order of first appearance).

    Returns:
        ``{"n", "correct", "accuracy", "categories": {name: {"n", "correct", "accuracy"}},
        "worst": (name, accuracy), "failures": [{"text", "label", "predicted",
        "category"}]}``.
    """
    if len(items) != len(predicted):
        raise ValueError(f"{len(items)} checks but {len(predicted)} predictions")
    if not items:
        raise ValueError("no checks")
    categories: dict[str, dict] = {}
    failures = []
    for item, label in zip(items, predicted, strict=True):
        row = categories.setdefault(item.category, {"n": 0, "correct": 0})
        row["n"] += 1
        if str(label) == item.label:
            row["correct"] += 1
        else:
            failures.append(
                {
                    "text": item.text,
                    "label": item.label,
                    "predicted": str(label),
                    "category": item.category,
                }
            )
    for row in categories.values():
        row["accuracy"] = row["correct"] / row["n"]
    correct = sum(row["correct"] for row in categories.values())
    worst = min(categories.items(), key=lambda kv: kv[1]["accuracy"])
    return {
        "n": len(items),
        "correct": correct,
        "accuracy": correct / len(items),
        "categories": categories,
        "worst": (worst[0], worst[1]["accuracy"]),
        "failures": failures,
    }


__all__ = [
    "CheckItem",
    "has_categories",
    "read_checklist",
    "score_by_category",
    "sentiment_checklist_path",
]
