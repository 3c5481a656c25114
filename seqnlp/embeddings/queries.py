"""gensim's word queries (similar, most_similar, analogy, doesnt_match, n_similarity),
written once over the row primitives a vectors class provides.

:class:`WordQueries` is the word-level half of :class:`~seqnlp.embeddings.vectors.WordVectors`:
that class owns the table (storage, lookup, the chunked cosine scan over in-memory and mapped
rows); the arithmetic of a query over words lives here, apart from where the rows are kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from seqnlp.errors import SeqnlpError

METHODS = ("add", "mul")  # 3CosAdd (gensim most_similar), 3CosMul (most_similar_cosmul)


class WordQueries:
    """Similarity, neighbours and analogies over words, as gensim's ``KeyedVectors`` answers
    them. A subclass provides the rows and the words: ``vector(word)``, ``cosines(units,
    size)``, ``key(word)``, ``dim``, and the attributes below."""

    words: Sequence[str]
    index: Mapping[str, int]
    ann: object | None  # an approximate index with ``search(unit_vector, k)``, if any

    def _unit_vector(self, word: str) -> np.ndarray:
        vec = self.vector(word)
        return vec / max(float(np.linalg.norm(vec)), 1e-12)

    def similarity(self, word1: str, word2: str) -> float:
        """Cosine similarity of two words."""
        return float(self._unit_vector(word1) @ self._unit_vector(word2))

    def distance(self, word1: str, word2: str) -> float:
        """Euclidean distance between the raw vectors of two words."""
        return float(np.linalg.norm(self.vector(word1) - self.vector(word2)))

    def similar(
        self,
        word: str | Sequence[str],
        topn: int = 10,
        restrict_vocab: int | None = None,
        approximate: bool = False,
        *,
        negative: str | Sequence[str] = (),
    ) -> list[tuple[str, float]]:
        """The ``topn`` nearest words by cosine similarity, the query words excluded.

        Args:
            word: a word, or several (gensim's ``positive``: the mean of their unit vectors).
            negative: words whose direction is taken away (gensim's ``negative``).
            restrict_vocab: only rank the N most frequent words (gensim's ``restrict_vocab``).
            approximate: ask the approximate index built at import (see
                :mod:`seqnlp.embeddings.index`) instead of scanning every row; with
                ``restrict_vocab`` the first N rows are ranked exactly instead.
        """
        if not (approximate and restrict_vocab is None):  # the first N rows are cheap: exact
            return self.most_similar(word, negative, topn, restrict_vocab=restrict_vocab)
        if self.ann is None:
            raise SeqnlpError(
                "these vectors have no approximate index; build one with "
                "`seqnlp vectors import FILE -o DIR --index` (or `seqnlp vectors index DIR`)"
            )
        if topn < 1:
            raise SeqnlpError(f"topn must be at least 1, got {topn}")
        positive, negative = _word_lists(word, negative)
        banned = {self.index[k] for k in map(self.key, positive + negative) if k in self.index}
        found = self.ann.search(self._mean_direction(positive, negative), topn + len(banned))
        return [(self.words[i], s) for i, s in found if i not in banned][:topn]

    def most_similar(
        self,
        positive: str | Sequence[str],
        negative: str | Sequence[str] = (),
        topn: int = 10,
        method: str = "add",
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """gensim's ``most_similar`` (``method="add"``) and ``most_similar_cosmul``
        (``"mul"``): the words nearest the ``positive`` words and away from the ``negative``
        ones, the query words excluded. ``most_similar(["king", "woman"], ["man"])`` is
        :meth:`analogy` ``("king", "man", "woman")``.
        """
        _check_restrict(restrict_vocab)
        if method not in METHODS:
            raise SeqnlpError(f"method must be one of {METHODS}, got {method!r}")
        positive, negative = _word_lists(positive, negative)
        if method == "add":
            scores = self.cosines(self._mean_direction(positive, negative), restrict_vocab)
        else:  # 3CosMul over cosines shifted to [0, 1]
            units = np.stack([self._unit_vector(w) for w in positive + negative])
            shifted = (1 + self.cosines(units, restrict_vocab)) / 2  # (words, queries)
            p = len(positive)
            scores = shifted[:, :p].prod(axis=1) / (shifted[:, p:].prod(axis=1) + 1e-6)
        return self._rank(scores, positive + negative, topn)

    def analogy(
        self,
        a: str,
        b: str,
        c: str,
        method: str = "add",
        topn: int = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """Words closest to ``a - b + c`` (king - man + woman -> queen).

        Args:
            method: ``"add"`` is 3CosAdd (gensim ``most_similar``), ``"mul"`` is
                3CosMul (Levy & Goldberg 2014, gensim ``most_similar_cosmul``).
            restrict_vocab: only rank the N most frequent words.
        """
        queries = [a, b, c]
        if len({self.key(w) for w in queries}) < 3:
            shown = ", ".join(repr(w) for w in queries)
            raise SeqnlpError(f"an analogy needs three different words, got {shown}")
        return self.most_similar([a, c], [b], topn, method, restrict_vocab)

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word furthest from the mean direction of ``words`` (gensim's
        ``doesnt_match``): ``["breakfast", "cereal", "dinner", "lunch"]`` -> ``"cereal"``."""
        words, _ = _word_lists(words, ())
        if len({self.key(w) for w in words}) < 2:
            raise SeqnlpError(f"doesnt_match needs two different words or more, got {words}")
        units = np.stack([self._unit_vector(w) for w in words])
        mean = units.mean(axis=0)
        cosines = units @ (mean / max(float(np.linalg.norm(mean)), 1e-12))
        return min(zip(cosines.tolist(), words, strict=True))[1]

    def n_similarity(self, words1: Sequence[str], words2: Sequence[str]) -> float:
        """Cosine similarity of two sets of words: of the means of their vectors (gensim's
        ``n_similarity``), e.g. ``["sushi", "shop"]`` and ``["japanese", "restaurant"]``."""
        means = []
        for words in (words1, words2):
            words, _ = _word_lists(words, ())
            mean = np.mean([self.vector(w) for w in words], axis=0)
            means.append(mean / max(float(np.linalg.norm(mean)), 1e-12))
        return float(means[0] @ means[1])

    def _mean_direction(self, positive: Sequence[str], negative: Sequence[str]) -> np.ndarray:
        """The unit mean of the positive words' unit vectors minus the negative ones'."""
        query = np.zeros(self.dim, dtype=np.float32)
        for sign, words in ((1.0, positive), (-1.0, negative)):
            for w in words:
                query += sign * self._unit_vector(w)
        return query / max(float(np.linalg.norm(query)), 1e-12)

    def _rank(
        self, scores: np.ndarray, exclude: Iterable[str], topn: int
    ) -> list[tuple[str, float]]:
        if topn < 1:
            raise SeqnlpError(f"topn must be at least 1, got {topn}")
        banned = {self.index[k] for k in map(self.key, exclude) if k in self.index}
        k = min(len(scores), topn + len(banned))
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.words[i], float(scores[i])) for i in best if i not in banned][:topn]


def _word_lists(
    positive: str | Sequence[str], negative: str | Sequence[str]
) -> tuple[list[str], list[str]]:
    """Query words as two lists (a lone string is one word, not its letters)."""
    lists = [[words] if isinstance(words, str) else list(words) for words in (positive, negative)]
    if not lists[0] and not lists[1]:
        raise SeqnlpError("give at least one query word")
    return lists[0], lists[1]


def _check_restrict(restrict_vocab: int | None) -> None:
    if restrict_vocab is not None and restrict_vocab < 1:
        raise SeqnlpError(f"restrict_vocab must be at least 1, got {restrict_vocab}")
