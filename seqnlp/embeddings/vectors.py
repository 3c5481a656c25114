"""``WordVectors``: similarity, distance, neighbours and analogies over a table of vectors.

Queries run on numpy over the same arithmetic as gensim's ``most_similar`` and
``most_similar_cosmul`` because importing gensim alone costs about 1.3 s, more than a user
should wait for one answer; a test keeps both in agreement. Storage is seqnlp's pickle-free
model directory (safetensors + JSON).

A big table (GoogleNews: 3 M x 300, 3.6 GB as float32) is memory-mapped, not read: opening
it reads the header, the row norms and the word list's offsets; an exact query scans the
rows in chunks and hands each chunk's pages back, so the process stays small; an
approximate index (:mod:`~seqnlp.embeddings.index`) touches only a few thousand rows.

This module owns the table: storage, lookup and the chunked scan over in-memory and mapped
rows alike. The word queries built on it are in :mod:`~seqnlp.embeddings.queries`, the
on-disk pieces in :mod:`~seqnlp.embeddings.storage`, reading files in
:mod:`~seqnlp.embeddings.reading`.
"""

from __future__ import annotations

import difflib
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from seqnlp import serialization
from seqnlp.embeddings import storage
from seqnlp.embeddings.arithmetic import unit_rows
from seqnlp.embeddings.config import KIND, EmbeddingConfig
from seqnlp.embeddings.queries import WordQueries
from seqnlp.embeddings.storage import (
    WordIndex,
    WordList,
    in_memory,
    mapped_words,
    stored_rows,
    word_tensors,
)
from seqnlp.errors import DataError, ModelFileError, SeqnlpError, UnknownWordError
from seqnlp.tokenize import normalize_token
from seqnlp.vocab import PAD_ID, Vocab

log = logging.getLogger("seqnlp")

# Tables up to this many numbers are read into memory as float32 (the shipped vectors: 6 M);
# bigger ones are memory-mapped and scanned in chunks of SCAN_ROWS rows.
EAGER_ELEMENTS = 20_000_000
SCAN_ROWS = 1 << 15


class WordVectors(WordQueries):
    """Word vectors with similarity, distance and analogy queries.

    Words are ordered by corpus frequency (most frequent first), as gensim keeps
    them, so ``restrict_vocab=N`` means "the N most frequent words".
    """

    def __init__(
        self,
        words: Sequence[str],
        vectors: np.ndarray,
        config: EmbeddingConfig | None = None,
        counts: np.ndarray | None = None,
        ngram_vectors: np.ndarray | None = None,
        meta: dict | None = None,
        *,
        norms: np.ndarray | None = None,
        mapped=None,
    ) -> None:
        if len(words) != len(vectors):
            raise ModelFileError(f"{len(words)} words but {len(vectors)} vectors")
        self.words = words if isinstance(words, WordList) else list(words)
        self.vectors = vectors
        self.config = config or EmbeddingConfig(dim=vectors.shape[1])
        self.counts = counts
        self.ngram_vectors = ngram_vectors
        self.meta = dict(meta or {})
        if isinstance(self.words, WordList):
            self.index: Mapping[str, int] = WordIndex(self.words)
        else:
            self.index = {}
            for i, w in enumerate(self.words):
                self.index.setdefault(w, i)
        self._norms = norms
        self._mapped = mapped  # the MappedTensors behind a big table, for releasing pages
        self._unit: np.ndarray | None = None
        self.ann = None  # an approximate index (seqnlp.embeddings.index.AnnoyIndex), if any

    # ------------------------------------------------------------------ storage
    @classmethod
    def load(cls, path: str | os.PathLike | None = None, *, errors: str = "strict") -> WordVectors:
        """Load vectors: a seqnlp directory (default: the vectors shipped with seqnlp) or a
        word2vec/GloVe/fastText file, which is parsed whole (import it once to open it in
        milliseconds: :func:`seqnlp.embeddings.import_vectors`).

        Args:
            errors: for a file, ``replace`` keeps words that are not UTF-8 (U+FFFD).

        Raises:
            ModelFileError: a broken or foreign model directory.
            DataError: a vectors file that cannot be read (the message names the position).
        """
        from seqnlp.embeddings import formats

        if path is not None:
            path = Path(path)
            if path.name not in serialization.MODEL_FILES and formats.is_vectors_file(path):
                log.warning(
                    "%s: reading every row of a vectors file; `seqnlp vectors import %s -o DIR` "
                    "once makes later runs open it in milliseconds",
                    path,
                    path,
                )
                return read_vectors(path, errors=errors)
        return cls._load_dir(path)

    @classmethod
    def _load_dir(cls, path: Path | None) -> WordVectors:
        model = serialization.read_model(path, KIND, mapped=True)
        config = model.build_config(EmbeddingConfig, strict=False)
        return cls._from_mapped(model.path, config, model.mapped, model.vocab, model.meta)

    @classmethod
    def _from_mapped(cls, where, config, mapped, vocab, meta) -> WordVectors:
        tensors = mapped.arrays
        vocab = vocab or {}
        words, counts = vocab.get("words"), vocab.get("counts")
        if "words" in tensors:
            size = len(tensors.get("word_offsets", ())) - 1
        else:
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise ModelFileError(f"{where}: vocab.json needs 'words', a list of strings")
            size = len(words)
        if counts is not None and not (
            isinstance(counts, list) and len(counts) == size and all(type(c) is int for c in counts)
        ):
            raise ModelFileError(f"{where}: vocab.json 'counts' must hold one integer a word")
        expected: dict[str, tuple[int | None, ...]] = {"vectors": (size, config.dim)}
        if config.algorithm == "fasttext":
            expected["ngram_vectors"] = (config.bucket, config.dim)
        if "words" in tensors:
            expected.update(words=(None,), word_offsets=(size + 1,))
        if "norms" in tensors:
            expected["norms"] = (size,)
        expected = serialization.expect_row_scales(expected, tensors)
        serialization.check_shapes(tensors, expected, source=where)
        for name in ("vectors", "ngram_vectors"):
            dtype = tensors[name].dtype if name in tensors else np.dtype(np.float32)
            if dtype.kind != "f" and dtype != np.int8:
                raise ModelFileError(f"{where}: tensor {name!r} has dtype {tensors[name].dtype}")
        if "words" in tensors:
            words = mapped_words(where, tensors, mapped)
        norms = tensors.get("norms")
        table = {
            name: stored_rows(tensors, name)
            for name in ("vectors", "ngram_vectors")
            if name in tensors
        }
        eager = size * config.dim <= EAGER_ELEMENTS
        # a table read whole is checked whole (as stored: int8 rows and their scales); a
        # mapped one is too big to read for it, and only its norms are checked
        stored = {k: v for k, v in tensors.items() if eager or k == "norms"}
        serialization.check_finite(stored, source=where)
        if eager:  # as stored (float16 stays float16), int8 rows dequantised
            table["vectors"] = in_memory(tensors, "vectors")
            norms = None
        ngrams = table.get("ngram_vectors")
        if ngrams is not None and int(np.prod(ngrams.shape)) <= EAGER_ELEMENTS:
            ngrams = in_memory(tensors, "ngram_vectors")
        wv = cls(
            words,
            table["vectors"],
            config,
            None if counts is None else np.asarray(counts, dtype=np.int64),
            ngrams,
            meta,
            norms=None if norms is None else np.asarray(norms, dtype=np.float32),
            mapped=None if eager else mapped,
        )
        from seqnlp.embeddings.index import open_index

        wv.ann = open_index(where, wv)
        return wv

    def save(self, path: str | Path, *, overwrite: bool = False, dtype: str = "float32") -> Path:
        """Save as safetensors + JSON (no pickle).

        Args:
            dtype: ``float16`` halves the file and ``int8`` (one scale per row) quarters
                it; on the benchmarks both cost under 0.05 points (see the README).
        """
        tensors = {"vectors": self.vectors}
        if self.ngram_vectors is not None:
            tensors["ngram_vectors"] = self.ngram_vectors
        tensors = serialization.compact(
            {k: np.asarray(v, dtype=np.float32) for k, v in tensors.items()}, dtype, rows=tensors
        )
        vocab: dict | None = {}
        if len(self) > storage.EAGER_WORDS:
            tensors.update(word_tensors(self.words))
        else:
            vocab["words"] = list(self.words)
        if self.counts is not None:
            vocab["counts"] = [int(c) for c in self.counts]
        return serialization.save_model(
            path,
            kind=KIND,
            config=asdict(self.config),
            tensors=tensors,
            vocab=vocab or None,
            meta={**self.meta, "dtype": dtype},
            overwrite=overwrite,
        )

    def evaluate(
        self,
        analogies: str | os.PathLike | None = None,
        similarities: Sequence[str | os.PathLike] | None = None,
        *,
        restrict_vocab: int | None = 30_000,
        progress: bool = False,
    ) -> dict:
        """Google analogies (3CosAdd, 3CosMul) and word-pair similarity (WordSim353,
        SimLex-999), gensim's files by default: see :func:`seqnlp.embeddings.evaluate`."""
        from seqnlp.embeddings.evaluation import evaluate

        return evaluate(self, analogies, similarities, restrict_vocab, progress)

    def truncate(self, size: int) -> WordVectors:
        """Keep only the ``size`` most frequent words (sub-word vectors are kept).

        Raises:
            SeqnlpError: ``size`` below 1 (a negative slice would keep all but a few).
        """
        if size < 1:
            raise SeqnlpError(f"the number of words to keep must be at least 1, got {size}")
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
    def is_mapped(self) -> bool:
        """True for a big table read from disk as it is needed (never whole)."""
        return self._mapped is not None

    @property
    def unit(self) -> np.ndarray:
        """Rows scaled to length 1 (float32), computed once: the whole table in memory, so
        big mapped tables answer queries with :meth:`cosines` instead."""
        if self._unit is None:
            self._unit = unit_rows(self.vectors)
        return self._unit

    @property
    def norms(self) -> np.ndarray:
        """The length of every row (float32), computed once unless stored."""
        if self._norms is None:
            self._norms = np.concatenate(
                [np.linalg.norm(block, axis=1) for _, _, block in self._blocks(len(self))]
                or [np.zeros(0, np.float32)]
            ).astype(np.float32)
        return self._norms

    def _blocks(self, size: int) -> Iterator[tuple[int, int, np.ndarray]]:
        """``(start, stop, float32 rows)`` over the first ``size`` rows; a mapped table's
        pages are released after each block, so a full scan stays at one block of memory."""
        for start in range(0, size, SCAN_ROWS):
            stop = min(start + SCAN_ROWS, size)
            yield start, stop, np.asarray(self.vectors[start:stop], dtype=np.float32)
            if self._mapped is not None:
                self._mapped.release("vectors", start, stop)

    def cosines(self, queries: np.ndarray, size: int | None = None) -> np.ndarray:
        """Cosine of each of the first ``size`` rows with unit ``queries`` (dim,) or (k, dim).

        Returns:
            (size,) or (size, k) float32.
        """
        size = len(self) if size is None else min(size, len(self))
        queries = np.asarray(queries, dtype=np.float32)
        if self._mapped is None:
            return self.unit[:size] @ queries.T
        out = np.empty((size, *queries.shape[:-1]), dtype=np.float32)
        for start, stop, block in self._blocks(size):
            out[start:stop] = block @ queries.T
        norms = np.maximum(self.norms[:size], 1e-12)
        return out / (norms[:, None] if out.ndim == 2 else norms)

    def nearest_rows(
        self, queries: np.ndarray, k: int, size: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Exact top-``k`` rows by cosine for many unit ``queries`` (q, dim) in one scan.

        Returns:
            (q, k) row numbers and (q, k) cosines, best first; memory stays at one block.
        """
        size = len(self) if size is None else min(size, len(self))
        queries = np.asarray(queries, dtype=np.float32)
        best_ids = np.zeros((len(queries), 0), dtype=np.int64)
        best = np.zeros((len(queries), 0), dtype=np.float32)
        norms = self.norms if self._mapped is not None else None
        for start, stop, block in self._blocks(size):
            scores = queries @ block.T  # (q, rows of the block)
            if norms is not None:
                scores /= np.maximum(norms[start:stop], 1e-12)
            else:
                scores /= np.maximum(np.linalg.norm(block, axis=1), 1e-12)
            keep = min(k, scores.shape[1])
            top = np.argpartition(-scores, keep - 1, axis=1)[:, :keep]
            best_ids = np.concatenate([best_ids, top + start], axis=1)
            best = np.concatenate([best, np.take_along_axis(scores, top, axis=1)], axis=1)
            if best.shape[1] > k:
                cut = np.argpartition(-best, k - 1, axis=1)[:, :k]
                best_ids = np.take_along_axis(best_ids, cut, axis=1)
                best = np.take_along_axis(best, cut, axis=1)
        order = np.argsort(-best, axis=1, kind="stable")
        return np.take_along_axis(best_ids, order, axis=1), np.take_along_axis(best, order, axis=1)

    def key(self, word: str) -> str:
        return normalize_token(word, self.config.lowercase)

    def is_subword_only(self, word: str) -> bool:
        """True when ``word`` has no vector of its own but fastText can build one."""
        return word not in self and self.ngram_vectors is not None

    def vector(self, word: str) -> np.ndarray:
        """The vector of ``word``; fastText vectors build unknown words from sub-words."""
        if not word.strip():
            raise SeqnlpError(f"a query word is empty or blank: {word!r}")
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

    # ------------------------------------------------------------------ export
    def embedding_matrix(self, vocab: Vocab) -> tuple[np.ndarray, float]:
        """Rows for an ``nn.Embedding`` over ``vocab`` (a :class:`seqnlp.vocab.Vocab`).

        Known words get their vector; the padding row is zero; the unknown row and
        words without a vector get small random vectors of the same scale. Only the
        rows of ``vocab``'s words are read, so a mapped 3 M-word table costs little.

        Returns:
            The (len(vocab), dim) float32 matrix and the fraction of words found.

        Raises:
            DataError: not one word of ``vocab`` has a vector (other vectors' language or
                casing): starting from them would be starting from random rows.
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
        if real and not found:
            source = self.meta.get("path") or "the vectors"
            raise DataError(
                f"{source} has a vector for none of the {real:,} training words (another "
                "language or casing?): pass other vectors, or none (--embeddings none)"
            )
        return matrix, found / max(real, 1)

    def to_keyed_vectors(self):
        """The same vectors as a gensim ``KeyedVectors`` (imports gensim)."""
        from gensim.models import KeyedVectors

        kv = KeyedVectors(self.dim)
        kv.add_vectors(list(self.words), np.asarray(self.vectors, dtype=np.float32))
        return kv

    def export(self, path: str | os.PathLike, *, binary: bool = False) -> Path:
        """Write word2vec text or binary format (``.gz`` compresses) for other tools."""
        from seqnlp.embeddings.formats import write_word2vec

        blocks = (block for _, _, block in self._blocks(len(self)))
        return write_word2vec(path, iter(self.words), blocks, len(self), self.dim, binary=binary)


def read_vectors(
    path: str | os.PathLike,
    fmt: str = "auto",
    *,
    limit: int | None = None,
    lowercase: bool = False,
    errors: str = "strict",
) -> WordVectors:
    """Read a word2vec text/binary, GloVe, Spark or fastText ``.bin`` file into memory.

    Raises:
        DataError: the file is unreadable or malformed (the message names the position).
    """
    from seqnlp.embeddings.reading import read_table

    return WordVectors(*read_table(path, fmt, limit=limit, lowercase=lowercase, errors=errors))
