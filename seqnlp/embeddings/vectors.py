"""``WordVectors``: similarity, distance, neighbours and analogies over a table of vectors.

Queries run on numpy over the same arithmetic as gensim's ``most_similar`` and
``most_similar_cosmul`` because importing gensim alone costs about 1.3 s, more than a user
should wait for one answer; a test keeps both in agreement. Storage is seqnlp's pickle-free
model directory (safetensors + JSON).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

import numpy as np

from seqnlp import serialization
from seqnlp.embeddings.config import KIND, EmbeddingConfig, normalize_token
from seqnlp.errors import ModelFileError, SeqnlpError, UnknownWordError
from seqnlp.vocab import PAD_ID, Vocab


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


class WordVectors:
    """Word vectors with similarity, distance and analogy queries.

    Words are ordered by corpus frequency (most frequent first), as gensim keeps
    them, so ``restrict_vocab=N`` means "the N most frequent words".
    """

    def __init__(
        self,
        words: list[str],
        vectors: np.ndarray,
        config: EmbeddingConfig | None = None,
        counts: np.ndarray | None = None,
        ngram_vectors: np.ndarray | None = None,
        meta: dict | None = None,
    ) -> None:
        if len(words) != len(vectors):
            raise ModelFileError(f"{len(words)} words but {len(vectors)} vectors")
        self.words = list(words)
        self.vectors = vectors
        self.config = config or EmbeddingConfig(dim=vectors.shape[1])
        self.counts = counts
        self.ngram_vectors = ngram_vectors
        self.meta = dict(meta or {})
        self.index = {w: i for i, w in enumerate(self.words)}
        self._unit: np.ndarray | None = None

    # ------------------------------------------------------------------ storage
    @classmethod
    def load(cls, path: str | Path | None = None) -> WordVectors:
        """Load a vectors directory (default: the vectors shipped with seqnlp)."""
        model = serialization.read_model(path, KIND)
        config = model.build_config(EmbeddingConfig, strict=False)
        vocab = model.vocab or {}
        words, counts = vocab.get("words"), vocab.get("counts")
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise ModelFileError(f"{model.path}: vocab.json needs 'words', a list of strings")
        if counts is not None and not (
            isinstance(counts, list)
            and len(counts) == len(words)
            and all(type(c) is int for c in counts)
        ):
            raise ModelFileError(f"{model.path}: vocab.json 'counts' must hold one integer a word")
        expected = {"vectors": (len(words), config.dim)}
        if config.algorithm == "fasttext":
            expected["ngram_vectors"] = (config.bucket, config.dim)
        tensors = model.checked_tensors(expected)
        return cls(
            words,
            tensors["vectors"],
            config,
            None if counts is None else np.asarray(counts, dtype=np.int64),
            tensors.get("ngram_vectors"),
            model.meta,
        )

    def save(self, path: str | Path, *, overwrite: bool = False, dtype: str = "float32") -> Path:
        """Save as safetensors + JSON (no pickle).

        Args:
            dtype: ``float16`` halves the file and ``int8`` (one scale per row) quarters
                it; on the benchmarks both cost under 0.05 points (see the README).
        """
        tensors = {"vectors": self.vectors}
        if self.ngram_vectors is not None:
            tensors["ngram_vectors"] = self.ngram_vectors
        vocab = {"words": self.words}
        if self.counts is not None:
            vocab["counts"] = [int(c) for c in self.counts]
        return serialization.save_model(
            path,
            kind=KIND,
            config=asdict(self.config),
            tensors=serialization.compact(tensors, dtype, rows=tensors),
            vocab=vocab,
            meta={**self.meta, "dtype": dtype},
            overwrite=overwrite,
        )

    def truncate(self, size: int) -> WordVectors:
        """Keep only the ``size`` most frequent words (sub-word vectors are kept)."""
        counts = None if self.counts is None else self.counts[:size]
        return WordVectors(
            self.words[:size],
            self.vectors[:size],
            self.config,
            counts,
            self.ngram_vectors,
            self.meta,
        )

    # ------------------------------------------------------------------ lookup
    def __len__(self) -> int:
        return len(self.words)

    def __repr__(self) -> str:
        c = self.config
        subwords = " + subword n-grams" if self.ngram_vectors is not None else ""
        case = ", lower-cased" if c.lowercase else ""
        where = f" from {self.meta['path']}" if self.meta.get("path") else ""
        return (
            f"<WordVectors {len(self):,} words x {self.dim}-d {c.algorithm}{subwords}{case}{where}>"
        )

    def __contains__(self, word: str) -> bool:
        return self.key(word) in self.index

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @property
    def unit(self) -> np.ndarray:
        """Rows scaled to length 1 (float32), computed once."""
        if self._unit is None:
            self._unit = _unit_rows(self.vectors)
        return self._unit

    def key(self, word: str) -> str:
        return normalize_token(word, self.config.lowercase)

    def is_subword_only(self, word: str) -> bool:
        """True when ``word`` has no vector of its own but fastText can build one."""
        return word not in self and self.ngram_vectors is not None

    def vector(self, word: str) -> np.ndarray:
        """The vector of ``word``; fastText vectors build unknown words from sub-words."""
        key = self.key(word)
        if key in self.index:
            return np.asarray(self.vectors[self.index[key]], dtype=np.float32)
        if self.ngram_vectors is not None:
            from gensim.models.fasttext import ft_ngram_hashes

            ids = ft_ngram_hashes(key, self.config.min_n, self.config.max_n, self.config.bucket)
            if ids:
                return np.asarray(self.ngram_vectors[ids], dtype=np.float32).mean(axis=0)
        raise UnknownWordError(word, self.suggest(key))

    def suggest(self, word: str, n: int = 3) -> list[str]:
        """Close spellings of an unknown word among the 50,000 most frequent words."""
        return difflib.get_close_matches(word, self.words[:50_000], n=n, cutoff=0.75)

    def _unit_vector(self, word: str) -> np.ndarray:
        vec = self.vector(word)
        return vec / max(float(np.linalg.norm(vec)), 1e-12)

    # ------------------------------------------------------------------ queries
    def similarity(self, word1: str, word2: str) -> float:
        """Cosine similarity of two words."""
        return float(self._unit_vector(word1) @ self._unit_vector(word2))

    def distance(self, word1: str, word2: str) -> float:
        """Euclidean distance between the raw vectors of two words."""
        return float(np.linalg.norm(self.vector(word1) - self.vector(word2)))

    def similar(self, word: str, topn: int = 10) -> list[tuple[str, float]]:
        """The ``topn`` nearest words by cosine similarity, ``word`` itself excluded."""
        return self._rank(self.unit @ self._unit_vector(word), [word], topn)

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
        keys = [self.key(w) for w in queries]
        if len(set(keys)) < 3:
            raise SeqnlpError(f"an analogy needs three different words, got {' '.join(queries)}")
        ua, ub, uc = (self._unit_vector(w) for w in queries)
        unit = self.unit[:restrict_vocab] if restrict_vocab else self.unit
        if method == "add":
            query = ua - ub + uc
            scores = unit @ (query / max(float(np.linalg.norm(query)), 1e-12))
        elif method == "mul":
            scores = cosmul(unit @ ua, unit @ uc, unit @ ub)
        else:
            raise SeqnlpError(f"method must be one of ('add', 'mul'), got {method!r}")
        return self._rank(scores, queries, topn)

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

    # ------------------------------------------------------------------ export
    def embedding_matrix(self, vocab: Vocab) -> tuple[np.ndarray, float]:
        """Rows for an ``nn.Embedding`` over ``vocab`` (a :class:`seqnlp.vocab.Vocab`).

        Known words get their vector; the padding row is zero; the unknown row and
        words without a vector get small random vectors of the same scale.

        Returns:
            The (len(vocab), dim) float32 matrix and the fraction of words found.
        """
        rng = np.random.default_rng(0)
        scale = float(np.asarray(self.vectors[:10_000], np.float32).std())
        matrix = rng.normal(0.0, scale, size=(len(vocab), self.dim)).astype(np.float32)
        matrix[PAD_ID] = 0.0
        found = 0
        for i, word in enumerate(vocab.itos):
            if vocab.specials and i < 2:
                continue
            key = self.key(word)
            if key in self.index:
                matrix[i] = self.vectors[self.index[key]]
                found += 1
        real = len(vocab) - (2 if vocab.specials else 0)
        return matrix, found / max(real, 1)

    def to_keyed_vectors(self):
        """The same vectors as a gensim ``KeyedVectors`` (imports gensim)."""
        from gensim.models import KeyedVectors

        kv = KeyedVectors(self.dim)
        kv.add_vectors(self.words, np.asarray(self.vectors, dtype=np.float32))
        return kv


def cosmul(positive1: np.ndarray, positive2: np.ndarray, negative: np.ndarray) -> np.ndarray:
    """3CosMul over cosines shifted to [0, 1], exactly as gensim's most_similar_cosmul."""
    return ((1 + positive1) / 2) * ((1 + positive2) / 2) / ((1 + negative) / 2 + 1e-6)
