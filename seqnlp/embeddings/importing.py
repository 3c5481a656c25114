"""Import vectors trained elsewhere into a seqnlp directory, and export them again.

Import streams the file (see :mod:`~seqnlp.embeddings.formats`) into a raw temporary table
beside the output, so a 3 M x 300 file is checked row by row without being held twice,
then saves one model directory atomically (``serialization.save_model``): a file that
turns out bad leaves no output behind. The directory holds the table in the requested
dtype, the row norms (so that queries on a mapped table need no normalised copy) and the
word list as a byte blob with offsets (so that opening reads no 3 M-entry JSON).
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from seqnlp import serialization
from seqnlp.embeddings.config import KIND, EmbeddingConfig
from seqnlp.embeddings.reading import Word2VecReader, source_meta
from seqnlp.embeddings.vectors import SCAN_ROWS, WordVectors, read_vectors, word_tensors

log = logging.getLogger("seqnlp")


def import_vectors(
    source: str | os.PathLike,
    output: str | os.PathLike,
    *,
    fmt: str = "auto",
    limit: int | None = None,
    dtype: str = "float32",
    lowercase: bool = False,
    errors: str = "strict",
    overwrite: bool = False,
    index_trees: int = 0,
    progress: bool = False,
) -> WordVectors:
    """Convert a word2vec/GloVe/fastText/Spark file into a vectors directory.

    Args:
        fmt: ``auto`` (by content and suffix), ``text``, ``binary`` or ``fasttext``.
        limit: keep the first N rows (the N most frequent words in word2vec files).
        dtype: ``float32``, ``float16`` (half the disk) or ``int8`` (a quarter).
        lowercase: lower-case the words; a word equal to an earlier one after that is
            dropped (the earlier is the more frequent) and queries are lower-cased too.
        errors: ``replace`` keeps words that are not UTF-8 (with U+FFFD) instead of failing.
        index_trees: build an approximate index of this many annoy trees (0: none).
        progress: show tqdm bars of the rows read (and the index built) on stderr: a
            GoogleNews-sized file takes a minute.

    Returns:
        The imported vectors, opened from ``output``.

    Raises:
        DataError: the file is malformed (the message names file and line or byte);
            nothing is written then.
        ModelFileError: ``output`` exists and ``overwrite`` is not set.
    """
    from tqdm.auto import tqdm

    from seqnlp.embeddings import formats

    serialization.check_storage_dtype(dtype)
    source, output = Path(source), Path(output)
    serialization.saving._check_target(output, overwrite)
    start = time.perf_counter()
    header = formats.sniff(source, fmt) if source.is_file() else None
    if header is not None and header.format == "fasttext":
        vectors = read_vectors(source, "fasttext", limit=limit, lowercase=lowercase)
        tensors = _table_tensors(np.asarray(vectors.vectors), dtype)
        ngrams = serialization.quantize_rows("ngram_vectors", vectors.ngram_vectors, dtype)
        tensors.update(ngrams)
        _save(
            output,
            vectors.config,
            vectors.words,
            tensors,
            vectors.meta,
            dtype,
            overwrite,
            start,
            vectors.counts,
        )
    else:
        reader = Word2VecReader(source, fmt, limit=limit, lowercase=lowercase, errors=errors)
        output.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(
            dir=output.parent, prefix=f".{output.name}.import-"
        ) as tmp:
            raw_path = Path(tmp) / "rows.f32"
            words: list[str] = []
            rows = reader.header.rows
            total = min(rows, limit) if rows and limit else rows or limit
            bar = tqdm(total=total, unit=" rows", unit_scale=True, disable=not progress)
            with open(raw_path, "wb") as raw, bar:
                for chunk_words, block in reader.chunks():
                    raw.write(np.ascontiguousarray(block, dtype="<f4").tobytes())
                    words.extend(chunk_words)
                    bar.update(len(block))
            read = time.perf_counter()
            log.info("read %s rows in %.1f s", f"{len(words):,}", read - start)
            table = np.memmap(raw_path, dtype="<f4", mode="r", shape=(len(words), reader.dim))
            tensors = _table_tensors(table, dtype)
            config = EmbeddingConfig(dim=reader.dim, lowercase=lowercase)
            meta = {
                "source": source_meta(source, reader.format, reader.stats, limit, lowercase),
                "read_seconds": round(read - start, 1),
            }
            _save(output, config, words, tensors, meta, dtype, overwrite, start)
            del table, tensors
    vectors = WordVectors.load(output)
    if index_trees:
        from seqnlp.embeddings.index import build_index

        build_index(vectors, output, trees=index_trees, progress=progress)
    return vectors


def _table_tensors(table: np.ndarray, dtype: str) -> dict[str, np.ndarray]:
    """``vectors`` (+ ``vectors_scale``) in ``dtype`` and the ``norms`` of the stored rows,
    converted block by block so that a mapped table is not copied whole as float32."""
    n, dim = table.shape
    store = np.empty((n, dim), dtype=np.int8 if dtype == "int8" else dtype)
    if dtype == "float32" and isinstance(table, np.memmap):
        store = table
    scale = np.empty(n, dtype=np.float32) if dtype == "int8" else None
    norms = np.empty(n, dtype=np.float32)
    for start in range(0, n, SCAN_ROWS):
        stop = min(start + SCAN_ROWS, n)
        block = np.asarray(table[start:stop], dtype=np.float32)
        stored = serialization.quantize_rows("v", block, dtype)
        if store is not table:
            store[start:stop] = stored["v"]
        if scale is not None:
            scale[start:stop] = stored["v_scale"]
        back = serialization.dequantize_rows(stored)["v"].astype(np.float32)
        norms[start:stop] = np.linalg.norm(back, axis=1)
    tensors = {"vectors": store, "norms": norms}
    if scale is not None:
        tensors["vectors_scale"] = scale
    return tensors


def _save(output, config, words, tensors, meta, dtype, overwrite, start, counts=None) -> None:
    tensors = {**tensors, **word_tensors(words)}
    vocab = {"counts": [int(c) for c in counts]} if counts is not None else None
    meta = {**meta, "dtype": dtype, "import_seconds": round(time.perf_counter() - start, 1)}
    serialization.save_model(
        output,
        kind=KIND,
        config=asdict(config),
        tensors=tensors,
        vocab=vocab,
        meta=meta,
        overwrite=overwrite,
    )


def export_vectors(
    vectors: str | os.PathLike | WordVectors | None,
    path: str | os.PathLike,
    *,
    binary: bool = False,
) -> Path:
    """Write vectors (a directory, a file, or loaded vectors) in word2vec format."""
    if not isinstance(vectors, WordVectors):
        vectors = WordVectors.load(vectors)
    return vectors.export(path, binary=binary)
