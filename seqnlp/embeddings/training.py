"""Training word vectors with gensim: tokenized corpus files, ``corpus_file`` mode, progress.

gensim's ``corpus_file`` mode gives each worker its own byte range of one LineSentence file,
so training scales with cores; seqnlp tokenizes the sources into such a file first (or
takes one already tokenized) and turns gensim's log records into a progress bar.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seqnlp.corpus import read_wikipedia
from seqnlp.datasets import sha256
from seqnlp.embeddings.config import EmbeddingConfig
from seqnlp.embeddings.vectors import WordVectors
from seqnlp.errors import DataError
from seqnlp.tokenize import normalize_token, word_tokenize

log = logging.getLogger("seqnlp")


@dataclass(frozen=True)
class DatasetTexts:
    """The texts of a labelled dataset split as corpus lines (``yelp:train``): review and
    tweet words for vectors that a classifier of such text starts from."""

    name: str
    split: str

    def __str__(self) -> str:
        return f"{self.name}:{self.split}"


Source = str | os.PathLike | DatasetTexts


def corpus_sources(names: Sequence[str | os.PathLike]) -> list[Path | DatasetTexts]:
    """What ``--corpus`` names, as :func:`prepare_corpus` reads it: a file as it is, a
    registered corpus's files (``enwiki-2015``) or one of them (``enwiki-2015:part1``), and
    the texts of a registered sentiment dataset's split (``yelp:train``; a training split
    holds no dev or test text of any registered set).

    Raises:
        DataError: no such file, dataset or split.
    """
    from seqnlp import datasets, labelled

    sources: list[Path | DatasetTexts] = []
    for name in names:
        spec = os.fspath(name)
        base, _, split = spec.partition(":")
        if split and not Path(spec).exists() and labelled.is_sentiment_dataset(base):
            known = labelled.sentiment_datasets()[base].splits
            if split not in known:
                raise DataError(
                    f"{spec}: {base} has no split {split!r}; splits: {', '.join(known)}"
                )
            sources.append(DatasetTexts(base, split))
            continue
        if split and not Path(spec).exists():
            found = datasets.resolve(base, split)
        else:
            found = datasets.resolve(spec)
        sources.extend(found if isinstance(found, list) else [found])
    return sources


def source_lines(source: Source) -> tuple[Iterator[str], Callable[[], dict]]:
    """The text lines of a source, and what the vectors' ``meta.json`` says of it once read."""
    if isinstance(source, DatasetTexts):
        from seqnlp import labelled

        texts = labelled.read_split(source.name, source.split)
        return (t.text for t in texts), lambda: {"dataset": str(source), "texts": len(texts)}
    path = Path(source)
    return read_wikipedia(path), lambda: {"path": path.name, "sha256": sha256(path)}


@dataclass
class PreparedCorpus:
    """A tokenized corpus file in gensim's LineSentence format, one paragraph a line."""

    path: Path
    lines: int
    words: int
    sources: list[dict]


def prepare_corpus(
    sources: Sequence[Source], output: str | Path, lowercase: bool = True, progress: bool = True
) -> PreparedCorpus:
    """Tokenize text files (plain, WikiExtractor, .gz/.xz) and dataset texts
    (:class:`DatasetTexts`) into one space-separated file.

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
        tqdm(unit=" words", unit_scale=True, desc="tokenizing", disable=not progress) as bar,
    ):
        for source in sources:
            before = words
            lines_of, describe = source_lines(source)
            for line in lines_of:
                if "\x00" in line:
                    raise DataError(f"{source}: contains NUL bytes; is it a text file?")
                tokens = word_tokenize(line)
                if not tokens:
                    continue
                tokens = [normalize_token(t, lowercase) for t in tokens]
                out.write(" ".join(tokens))
                out.write("\n")
                lines += 1
                words += len(tokens)
                if lines % 100 == 0:  # tqdm itself redraws at most 10 times a second
                    bar.update(words - bar.n)
            if words == before:
                raise DataError(f"{source}: no words found (empty file?)")
            described.append({**describe(), "words": words - before})
        bar.update(words - bar.n)
    return PreparedCorpus(output, lines, words, described)


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
    return {"path": path.name, "sha256": sha256(path)}


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
    if not len(model.wv):
        raise DataError(
            f"no word of the corpus ({words:,} words) occurs min_count {config.min_count} "
            "times: nothing to train; lower min_count or add text"
        )
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
    sources: Sequence[Source],
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
