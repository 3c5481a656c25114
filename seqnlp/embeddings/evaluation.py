"""Benchmarks of word vectors: Google analogies (3CosAdd and 3CosMul) and word-pair
similarity (WordSim353, SimLex-999), with the files that ship inside gensim's wheel."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from seqnlp.embeddings.arithmetic import cosmul, unit_rows
from seqnlp.errors import DataError


class WordVectors(Protocol):
    """What the benchmarks read of a :class:`seqnlp.embeddings.WordVectors`, which calls
    them from its ``evaluate`` (a protocol, so that this module need not import it)."""

    words: Sequence[str]
    vectors: np.ndarray
    unit: np.ndarray
    is_mapped: bool

    def __len__(self) -> int: ...

    def truncate(self, size: int) -> Any: ...

    def to_keyed_vectors(self) -> Any: ...


# Word-pair benchmarks go through gensim's KeyedVectors, a copy of the vectors: a big mapped
# table lends it only its most frequent words (rare words are not in these benchmarks).
SIMILARITY_WORDS = 300_000


def benchmark_path(name: str) -> Path:
    """A benchmark file shipped inside gensim's wheel, e.g. ``questions-words.txt``."""
    from gensim.test.utils import datapath

    return Path(datapath(name))


def evaluate_analogies(
    wv: WordVectors,
    path: str | Path,
    restrict_vocab: int | None = 30_000,
    batch: int = 512,
    progress: bool = False,
) -> dict:
    """Score a Google-style analogy file with 3CosAdd and 3CosMul at once.

    The protocol is gensim's ``evaluate_word_analogies``: only the
    ``restrict_vocab`` most frequent words are candidates, a question with any word
    outside them is skipped (and lowers coverage), the three question words are
    never an answer, and matching is case-insensitive. gensim's 3CosMul ignores
    ``restrict_vocab`` (FIELD-NOTES), hence this batched numpy version.

    Args:
        progress: show a progress bar (tqdm, on stderr) over the questions.

    Returns:
        ``{"add": {"total", "semantic", "syntactic", "sections"}, "mul": {...},
        "coverage", "questions", "covered"}`` with accuracies in [0, 1].
    """
    from tqdm import tqdm

    from seqnlp.corpus import iter_lines

    size = min(restrict_vocab or len(wv), len(wv))
    lookup: dict[str, int] = {}
    for i, word in enumerate(wv.words[:size]):
        lookup.setdefault(word.lower(), i)
    sections: dict[str, list[tuple[int, int, int, int]]] = {}
    current, total = None, 0
    for number, line in iter_lines(path):
        if line.startswith(":"):
            current = line[1:].strip()
            sections.setdefault(current, [])
            continue
        parts = line.lower().split()
        if not parts:
            continue
        if len(parts) != 4 or current is None:
            raise DataError(f"{path}:{number}: expected ': section' or four words")
        total += 1
        if all(p in lookup for p in parts):
            sections[current].append(tuple(lookup[p] for p in parts))
    if total == 0:
        raise DataError(f"{path}: no analogy questions found")

    unit = unit_rows(wv.vectors[:size]) if wv.is_mapped else wv.unit[:size]
    correct = {"add": {}, "mul": {}}
    covered = sum(len(q) for q in sections.values())
    bar = tqdm(
        total=covered, unit=" questions", desc="analogies", disable=not progress, leave=False
    )
    for name, questions in sections.items():
        q = np.array(questions, dtype=np.int64).reshape(-1, 4)
        hits = {"add": 0, "mul": 0}
        for start in range(0, len(q), batch):
            a, b, c, expected = q[start : start + batch].T
            # question "a b c d" means b - a + c = d
            sim_a, sim_b, sim_c = unit @ unit[a].T, unit @ unit[b].T, unit @ unit[c].T
            add = sim_b - sim_a + sim_c  # same ranking as gensim's normalised mean
            mul = cosmul(sim_b, sim_c, sim_a)
            cols = np.arange(len(a))
            for method, scores in (("add", add), ("mul", mul)):
                for banned in (a, b, c):
                    scores[banned, cols] = -np.inf
                hits[method] += int((scores.argmax(axis=0) == expected).sum())
            bar.update(len(a))
        for method in hits:
            correct[method][name] = (hits[method], len(q))
    bar.close()
    result: dict = {"questions": total, "covered": covered, "coverage": covered / total}
    for method, per_section in correct.items():
        semantic = [n for n in per_section if not n.startswith("gram")]
        syntactic = [n for n in per_section if n.startswith("gram")]
        result[method] = {
            "total": _accuracy(per_section, list(per_section)),
            "semantic": _accuracy(per_section, semantic),
            "syntactic": _accuracy(per_section, syntactic),
            "sections": {n: _accuracy(per_section, [n]) for n in per_section},
        }
    return result


def _accuracy(per_section: dict[str, tuple[int, int]], names: list[str]) -> float:
    right = sum(per_section[n][0] for n in names)
    seen = sum(per_section[n][1] for n in names)
    return right / seen if seen else 0.0


def evaluate_similarity(wv: WordVectors, path: str | Path) -> dict:
    """Spearman correlation with human judgements (gensim's ``evaluate_word_pairs``).

    Returns:
        ``{"spearman", "pearson", "coverage"}``; coverage is the share of pairs whose
        two words both have vectors; the correlations are None when no pair has.
    """
    import warnings

    if wv.is_mapped and len(wv) > SIMILARITY_WORDS:
        wv = wv.truncate(SIMILARITY_WORDS)
    kv = wv.to_keyed_vectors()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pearson, spearman, oov = kv.evaluate_word_pairs(
                str(path), restrict_vocab=len(wv), case_insensitive=True
            )
    except ValueError as exc:
        if _has_pairs(path):  # valid pairs, none of them in the vocabulary (a tiny model)
            return {"spearman": None, "pearson": None, "coverage": 0.0}
        raise DataError(f"{path}: {exc}") from None
    return {
        "spearman": float(spearman[0]),
        "pearson": float(pearson[0]),
        "coverage": 1 - oov / 100,
    }


def _has_pairs(path: str | Path) -> bool:
    """Whether a word-pair file holds a line gensim accepts (``word word score``)."""
    from seqnlp.corpus import iter_lines

    for _, line in iter_lines(path, "replace"):
        parts = line.split("\t") if "\t" in line else line.split()
        if not line.startswith("#") and len(parts) == 3:
            try:
                float(parts[2])
            except ValueError:
                continue
            return True
    return False


DEFAULT_SIMILARITIES = ("wordsim353.tsv", "simlex999.txt")


def evaluate(
    wv: WordVectors,
    analogies: str | Path | None = None,
    similarities: Sequence[str | Path] | None = None,
    restrict_vocab: int | None = 30_000,
    progress: bool = False,
) -> dict:
    """Google analogies plus word-pair similarity benchmarks (gensim's files by default).

    Returns:
        ``{"analogy": {...}, "similarity": {name: {...}}, "restrict_vocab": N}`` (see the
        two functions above); ``restrict_vocab`` is the number of candidate words actually
        used (never more than the vectors hold).
    """
    analogies = analogies or benchmark_path("questions-words.txt")
    if similarities is None:
        similarities = [benchmark_path(name) for name in DEFAULT_SIMILARITIES]
    return {
        "analogy": evaluate_analogies(wv, analogies, restrict_vocab, progress=progress),
        "similarity": {Path(p).stem: evaluate_similarity(wv, p) for p in similarities},
        "restrict_vocab": min(restrict_vocab or len(wv), len(wv)),
    }
