"""Word embeddings: gensim training, pickle-free storage, and fast queries.

gensim trains the vectors and scores word-pair benchmarks. Queries (``similar``,
``analogy``...) run on numpy over the same arithmetic as gensim's
``most_similar``/``most_similar_cosmul`` because importing gensim alone costs
about 1.3 s, more than a user should wait for one answer; a test keeps both in
agreement.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from seqnlp import serialization
from seqnlp.corpus import read_wikipedia
from seqnlp.errors import DataError, ModelFileError, SeqnlpError, UnknownWordError
from seqnlp.tokenize import word_tokenize

log = logging.getLogger("seqnlp")

ALGORITHMS = ("word2vec", "fasttext")
KIND = "embeddings"


@dataclass
class EmbeddingConfig:
    """Everything that decides how vectors are trained and how words are looked up."""

    algorithm: str = "word2vec"
    sg: bool = False
    dim: int = 200
    window: int = 8
    negative: int = 15
    sample: float = 1e-4
    epochs: int = 6
    min_count: int = 5
    max_vocab: int | None = None
    lowercase: bool = True
    min_n: int = 3
    max_n: int = 6
    bucket: int = 200_000
    seed: int = 1

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise SeqnlpError(f"algorithm must be one of {ALGORITHMS}, got {self.algorithm!r}")
        for name in ("dim", "window", "negative", "epochs", "min_count"):
            if getattr(self, name) < (0 if name == "negative" else 1):
                raise SeqnlpError(f"{name} must be positive, got {getattr(self, name)}")


def normalize_token(token: str, lowercase: bool) -> str:
    """The one lookup key for a token, shared by training, queries and the taggers."""
    return token.lower() if lowercase else token


# ---------------------------------------------------------------------------- corpus


@dataclass
class PreparedCorpus:
    """A tokenized corpus file in gensim's LineSentence format, one paragraph a line."""

    path: Path
    lines: int
    words: int
    sources: list[dict]


def prepare_corpus(
    sources: Sequence[str | Path], output: str | Path, lowercase: bool = True, progress: bool = True
) -> PreparedCorpus:
    """Tokenize text files (plain, WikiExtractor, .gz/.xz) into one space-separated file.

    Streams line by line, so memory does not grow with the corpus; gensim's
    ``corpus_file`` mode then reads the result with several workers.

    Raises:
        DataError: a source is missing, binary, not UTF-8, or holds no words.
    """
    from tqdm import tqdm

    output = Path(output)
    lines = words = 0
    described = []
    with (
        open(output, "w", encoding="utf-8") as out,
        tqdm(
            unit=" words", unit_scale=True, desc="tokenizing", disable=not progress, leave=False
        ) as bar,
    ):
        for source in sources:
            source = Path(source)
            before = words
            for line in read_wikipedia(source):
                if "\x00" in line:
                    raise DataError(f"{source}: contains NUL bytes; is it a text file?")
                tokens = word_tokenize(line)
                if not tokens:
                    continue
                if lowercase:
                    tokens = [t.lower() for t in tokens]
                out.write(" ".join(tokens))
                out.write("\n")
                lines += 1
                words += len(tokens)
                if lines % 2000 == 0:
                    bar.update(words - bar.n)
            if words == before:
                raise DataError(f"{source}: no words found (empty file?)")
            described.append(
                {"path": source.name, "sha256": _sha256(source), "words": words - before}
            )
        bar.update(words - bar.n)
    return PreparedCorpus(output, lines, words, described)


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


# -------------------------------------------------------------------------- training


def default_workers() -> int:
    """The CPU cores this process may use: gensim's ``corpus_file`` mode scales with them."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity masks
        return os.cpu_count() or 1


def tokenized_source(path: str | Path) -> dict:
    """Describe a file that is already in LineSentence format, so gensim may read it as it is.

    gensim's ``corpus_file`` mode opens the file itself (C++ streams, byte offsets split
    among the workers), so it must be one plain UTF-8 file, not compressed.

    Raises:
        DataError: the file is missing, empty, or binary/compressed.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    if not head.strip():
        raise DataError(f"{path}: no words found (empty file?)")
    if b"\x00" in head:
        raise DataError(
            f"{path}: contains NUL bytes; a tokenized corpus must be plain UTF-8 text "
            "(decompress it first)"
        )
    return {"path": path.name, "sha256": _sha256(path)}


class _GensimProgress(logging.Handler):
    """Turns gensim's progress log records into a tqdm bar.

    The vocabulary scan logs every 10,000 sentences and at its end; ``corpus_file``
    training logs once per epoch (its workers report only when they finish).
    """

    def __init__(self, bar, words_per_epoch: int = 0) -> None:
        super().__init__(logging.INFO)
        self.bar = bar
        self.words = words_per_epoch

    def emit(self, record: logging.LogRecord) -> None:
        msg = str(record.msg)
        if msg.startswith(("PROGRESS: at sentence #", "collected %i word types")):
            done = record.args[1]
        elif msg.startswith("EPOCH %i - PROGRESS") and record.args:
            epoch, percent = record.args[0], record.args[1]
            done = int((epoch + percent / 100) * self.words)
        elif msg.startswith("EPOCH %i:") or msg.startswith("EPOCH - %i :"):
            done = int((record.args[0] + 1) * self.words)
        else:
            return
        self.bar.update(max(0, done - self.bar.n))


@contextmanager
def _gensim_bar(progress: bool, words_per_epoch: int = 0, **tqdm_args) -> Iterator[None]:
    """A tqdm bar fed by gensim's log records while the block runs."""
    from tqdm import tqdm

    gensim_log = logging.getLogger("gensim.models.word2vec")
    with tqdm(unit=" words", unit_scale=True, disable=not progress, **tqdm_args) as bar:
        handler = _GensimProgress(bar, words_per_epoch)
        gensim_log.addHandler(handler)
        old_level = gensim_log.level
        gensim_log.setLevel(logging.INFO)
        try:
            yield
        finally:
            gensim_log.removeHandler(handler)
            gensim_log.setLevel(old_level)


def gensim_model(config: EmbeddingConfig, workers: int | None = None):
    """An untrained gensim ``Word2Vec`` or ``FastText`` model with ``config``'s settings."""
    from gensim.models import FastText, Word2Vec

    common = dict(
        vector_size=config.dim,
        window=config.window,
        negative=config.negative,
        sample=config.sample,
        sg=int(config.sg),
        min_count=config.min_count,
        max_final_vocab=config.max_vocab,
        epochs=config.epochs,
        workers=workers or default_workers(),
        seed=config.seed,
    )
    if config.algorithm == "fasttext":
        return FastText(min_n=config.min_n, max_n=config.max_n, bucket=config.bucket, **common)
    return Word2Vec(**common)


def train(
    corpus_file: str | Path,
    config: EmbeddingConfig,
    workers: int | None = None,
    progress: bool = True,
) -> WordVectors:
    """Train word2vec or fastText vectors with gensim on a LineSentence-format file.

    gensim's ``corpus_file`` mode gives each worker its own byte range of the file, so
    training scales with cores; an iterable corpus is fed by one Python thread and
    stops scaling after a few workers. The vocabulary scan before it is one
    single-threaded pass, timed apart in ``meta["training"]``.

    Args:
        corpus_file: one sentence per line, tokens separated by spaces (what
            :func:`prepare_corpus` writes).
        workers: training threads (default: :func:`default_workers`).

    Returns:
        The vectors, with ``meta["corpus"]`` (lines and words as gensim counted them)
        and ``meta["training"]`` (workers, seconds of each pass, words/s of training).
    """
    model = gensim_model(config, workers)
    path = str(corpus_file)
    start = time.perf_counter()
    with _gensim_bar(progress, desc="counting words"):
        model.build_vocab(corpus_file=path)
    scanned = time.perf_counter()
    words = model.corpus_total_words
    log.info("vocabulary: %d words kept of %d corpus words", len(model.wv), words)
    with _gensim_bar(
        progress,
        words,
        total=words * config.epochs,
        desc=f"training {config.algorithm} ({config.epochs} epochs)",
        smoothing=0.1,
    ):
        model.train(corpus_file=path, total_words=words, epochs=config.epochs)
    seconds = time.perf_counter() - scanned
    kv = model.wv
    counts = np.array([kv.get_vecattr(w, "count") for w in kv.index_to_key], dtype=np.int64)
    ngrams = np.asarray(kv.vectors_ngrams) if config.algorithm == "fasttext" else None
    meta = {
        "corpus": {"lines": model.corpus_count, "words": words},
        "training": {
            "workers": model.workers,
            "vocab_seconds": round(scanned - start, 1),
            "train_seconds": round(seconds, 1),
            "words_per_second": round(words * config.epochs / seconds),
        },
    }
    return WordVectors(list(kv.index_to_key), np.asarray(kv.vectors), config, counts, ngrams, meta)


def train_embeddings(
    sources: Sequence[str | Path],
    config: EmbeddingConfig,
    workers: int | None = None,
    progress: bool = True,
    tokenized: bool = False,
) -> WordVectors:
    """Tokenize ``sources`` into a temporary corpus file and train vectors on it.

    The temporary file lives in ``tempfile``'s directory (``TMPDIR``): about 6 bytes
    a word.

    Args:
        tokenized: ``sources`` is one file already in LineSentence format (tokens as
            they are; lower-case them when ``config.lowercase`` is set): train on it
            directly, with no tokenizing pass and no copy.

    Raises:
        DataError: a source cannot be read, or ``tokenized`` with more than one file.
    """
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="seqnlp-corpus-") as tmp:
        if tokenized:
            if len(sources) != 1:
                raise DataError(
                    f"a tokenized corpus is one file (gensim reads one), got {len(sources)}; "
                    "concatenate them first"
                )
            corpus_file, described = Path(sources[0]), [tokenized_source(sources[0])]
        else:
            corpus = prepare_corpus(sources, Path(tmp) / "corpus.txt", config.lowercase, progress)
            corpus_file, described = corpus.path, corpus.sources
            log.info("tokenized %d words in %.0f s", corpus.words, time.perf_counter() - start)
        prepared = time.perf_counter()
        vectors = train(corpus_file, config, workers, progress)
    vectors.meta["corpus"]["sources"] = described
    vectors.meta["training"]["prepare_seconds"] = round(prepared - start, 1)
    return vectors


# --------------------------------------------------------------------------- vectors


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
        model = serialization.load_model(serialization.resolve_model(path or KIND), KIND)
        config = serialization.config_from_dict(
            EmbeddingConfig, model.config, model.path / serialization.CONFIG_FILE, strict=False
        )
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
        expected = serialization.expect_row_scales(expected, model.tensors)
        serialization.check_shapes(model.tensors, expected, source=model.path)
        tensors = serialization.dequantize_rows(model.tensors)
        return cls(
            words,
            tensors["vectors"],
            config,
            None if counts is None else np.asarray(counts, dtype=np.int64),
            tensors.get("ngram_vectors"),
            model.meta,
        )

    def save(self, path: str | Path, dtype: str = "float32", overwrite: bool = False) -> None:
        """Save as safetensors + JSON (no pickle).

        Args:
            dtype: ``float16`` halves the file and ``int8`` (one scale per row) quarters
                it; on the benchmarks both cost under 0.05 points (see the README).
        """
        tensors = serialization.quantize_rows("vectors", self.vectors, dtype)
        if self.ngram_vectors is not None:
            tensors.update(serialization.quantize_rows("ngram_vectors", self.ngram_vectors, dtype))
        vocab = {"words": self.words}
        if self.counts is not None:
            vocab["counts"] = [int(c) for c in self.counts]
        serialization.save_model(
            path,
            kind=KIND,
            config=asdict(self.config),
            tensors=tensors,
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
            scores = _cosmul(unit @ ua, unit @ uc, unit @ ub)
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
    def embedding_matrix(
        self, vocab, scale_unknown: float | None = None
    ) -> tuple[np.ndarray, float]:
        """Rows for an ``nn.Embedding`` over ``vocab`` (a :class:`seqnlp.vocab.Vocab`).

        Known words get their vector; the padding row is zero; the unknown row and
        words without a vector get small random vectors of the same scale.

        Returns:
            The (len(vocab), dim) float32 matrix and the fraction of words found.
        """
        from seqnlp.vocab import PAD_ID

        rng = np.random.default_rng(0)
        scale = scale_unknown or float(np.asarray(self.vectors[:10_000], np.float32).std())
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


def _cosmul(positive1: np.ndarray, positive2: np.ndarray, negative: np.ndarray) -> np.ndarray:
    """3CosMul over cosines shifted to [0, 1], exactly as gensim's most_similar_cosmul."""
    return ((1 + positive1) / 2) * ((1 + positive2) / 2) / ((1 + negative) / 2 + 1e-6)


# ------------------------------------------------------------------------ evaluation


def benchmark_path(name: str) -> Path:
    """A benchmark file shipped inside gensim's wheel, e.g. ``questions-words.txt``."""
    from gensim.test.utils import datapath

    return Path(datapath(name))


def evaluate_analogies(
    wv: WordVectors, path: str | Path, restrict_vocab: int | None = 30_000, batch: int = 512
) -> dict:
    """Score a Google-style analogy file with 3CosAdd and 3CosMul at once.

    The protocol is gensim's ``evaluate_word_analogies``: only the
    ``restrict_vocab`` most frequent words are candidates, a question with any word
    outside them is skipped (and lowers coverage), the three question words are
    never an answer, and matching is case-insensitive. gensim's 3CosMul ignores
    ``restrict_vocab`` (FIELD-NOTES), hence this batched numpy version.

    Returns:
        ``{"add": {"total", "semantic", "syntactic", "sections"}, "mul": {...},
        "coverage", "questions", "covered"}`` with accuracies in [0, 1].
    """
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

    unit = wv.unit[:size]
    correct = {"add": {}, "mul": {}}
    for name, questions in sections.items():
        q = np.array(questions, dtype=np.int64).reshape(-1, 4)
        hits = {"add": 0, "mul": 0}
        for start in range(0, len(q), batch):
            a, b, c, expected = q[start : start + batch].T
            # question "a b c d" means b - a + c = d
            sim_a, sim_b, sim_c = unit @ unit[a].T, unit @ unit[b].T, unit @ unit[c].T
            add = sim_b - sim_a + sim_c  # same ranking as gensim's normalised mean
            mul = _cosmul(sim_b, sim_c, sim_a)
            cols = np.arange(len(a))
            for method, scores in (("add", add), ("mul", mul)):
                for banned in (a, b, c):
                    scores[banned, cols] = -np.inf
                hits[method] += int((scores.argmax(axis=0) == expected).sum())
        for method in hits:
            correct[method][name] = (hits[method], len(q))

    covered = sum(len(q) for q in sections.values())
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
        ``{"spearman", "pearson", "coverage", "pairs"}``; coverage is the share of
        pairs whose two words both have vectors.
    """
    import warnings

    kv = wv.to_keyed_vectors()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pearson, spearman, oov = kv.evaluate_word_pairs(
                str(path), restrict_vocab=len(wv), case_insensitive=True
            )
    except ValueError as exc:
        raise DataError(f"{path}: {exc}") from None
    return {
        "spearman": float(spearman[0]),
        "pearson": float(pearson[0]),
        "coverage": 1 - oov / 100,
    }


DEFAULT_SIMILARITIES = ("wordsim353.tsv", "simlex999.txt")


def evaluate(
    wv: WordVectors,
    analogies: str | Path | None = None,
    similarities: Sequence[str | Path] | None = None,
    restrict_vocab: int | None = 30_000,
) -> dict:
    """Google analogies plus word-pair similarity benchmarks (gensim's files by default).

    Returns:
        ``{"analogy": {...}, "similarity": {name: {...}}}`` (see the two functions above).
    """
    analogies = analogies or benchmark_path("questions-words.txt")
    if similarities is None:
        similarities = [benchmark_path(name) for name in DEFAULT_SIMILARITIES]
    return {
        "analogy": evaluate_analogies(wv, analogies, restrict_vocab),
        "similarity": {Path(p).stem: evaluate_similarity(wv, p) for p in similarities},
        "restrict_vocab": restrict_vocab,
    }
