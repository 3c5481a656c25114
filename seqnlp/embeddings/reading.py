"""Reading vectors files: word2vec text and binary streamed and checked row by row, and any
supported file (fastText ``.bin`` too) read whole into a :class:`Table`.

The word2vec reader streams in chunks, so that importing GoogleNews (3 M x 300, 3.6 GB)
never holds the table twice, and checks every row: a header that lies, a truncated file, a
row of the wrong width, a repeated word or a word that is not UTF-8 is a
:class:`~seqnlp.errors.DataError` naming the file and the line (text) or byte offset (binary).
Which format a file is in, and the fastText reader, are in :mod:`~seqnlp.embeddings.formats`.
"""

from __future__ import annotations

import logging
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from seqnlp.embeddings import formats
from seqnlp.embeddings.config import EmbeddingConfig
from seqnlp.errors import DataError
from seqnlp.tokenize import normalize_token

log = logging.getLogger("seqnlp")

ERRORS = ("strict", "replace")
CHUNK_ROWS = 1 << 16


@dataclass
class ReadStats:
    """What a reader saw: rows in the file, kept, and dropped as duplicates."""

    rows: int = 0
    kept: int = 0
    merged: int = 0  # words that became equal to an earlier one by --lower / --errors replace
    replaced: int = 0  # words with bytes that were not UTF-8
    sources: list[str] = field(default_factory=list)


class Word2VecReader:
    """Streams a word2vec text or binary file as ``(words, float32 matrix)`` chunks.

    Args:
        limit: read only the first N rows (the N most frequent words in word2vec files).
        lowercase: lower-case words; a word that then equals an earlier one is dropped
            (the earlier, more frequent one is kept) and counted.
        errors: ``strict``: a word that is not UTF-8 is an error; ``replace``: U+FFFD.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        fmt: str = "auto",
        *,
        limit: int | None = None,
        lowercase: bool = False,
        errors: str = "strict",
    ) -> None:
        if errors not in ERRORS:
            raise DataError(f"errors must be one of {ERRORS}, got {errors!r}")
        if limit is not None and limit < 1:
            raise DataError(f"limit must be at least 1, got {limit}")
        self.path = Path(path)
        self.files = formats.spark_parts(self.path) if self.path.is_dir() else [self.path]
        if self.path.is_dir() and not self.files:
            raise DataError(f"{self.path}: a directory with no part-* files")
        self.header = formats.sniff(self.files[0], fmt) if not self.path.is_dir() else None
        if self.header is None:
            self.header = formats.Header("text", None, None, 0)
        if self.header.format == "fasttext":
            raise DataError(f"{self.path}: is a fastText .bin model; read it with read_fasttext")
        self.limit = limit
        self.lowercase = lowercase
        self.errors = errors
        self.dim = self.header.dim
        self.stats = ReadStats(sources=[p.name for p in self.files])
        self._seen: set[str] = set()
        self._raw_seen: set[str] | None = set() if (lowercase or errors != "strict") else None

    @property
    def format(self) -> str:
        return self.header.format

    # ----------------------------------------------------------------- shared checks
    def _accept(self, raw: bytes, where: str) -> str | None:
        """The word to keep for ``raw`` at ``where``, or None when it merges with an earlier one."""
        try:
            word = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if self.errors == "strict":
                raise DataError(
                    f"{where}: word {raw!r} is not UTF-8 (byte {exc.start} of it); "
                    "use --errors replace"
                ) from None
            word = raw.decode("utf-8", "replace")
            self.stats.replaced += 1
        self.stats.rows += 1
        if self._raw_seen is not None:
            if raw in self._raw_seen:
                raise DataError(f"{where}: duplicate word {word!r}")
            self._raw_seen.add(raw)
            key = normalize_token(word, self.lowercase)
            if key in self._seen:
                self.stats.merged += 1
                return None
        else:
            key = word
            if key in self._seen:
                raise DataError(f"{where}: duplicate word {word!r}")
        self._seen.add(key)
        self.stats.kept += 1
        return key

    def _done(self) -> bool:
        return self.limit is not None and self.stats.rows >= self.limit

    # ----------------------------------------------------------------- reading
    def chunks(self, size: int = CHUNK_ROWS) -> Iterator[tuple[list[str], np.ndarray]]:
        """The kept rows, ``size`` at a time (float32)."""
        reader = self._binary_rows() if self.format == "binary" else self._text_rows()
        words: list[str] = []
        block: np.ndarray | None = None
        for word, row in reader:
            if block is None:
                block = np.empty((size, self.dim), dtype=np.float32)
            block[len(words)] = row
            words.append(word)
            if len(words) == size:
                yield words, block
                words, block = [], None
        if words:
            yield words, block[: len(words)]
        if self.stats.kept == 0:
            raise DataError(f"{self.path}: no vectors found")
        if self.stats.merged:
            log.warning(
                "%s: %d words equal to a more frequent one after %s were dropped",
                self.path,
                self.stats.merged,
                "lower-casing" if self.lowercase else "replacing bad bytes",
            )

    def _text_rows(self) -> Iterator[tuple[str, np.ndarray]]:
        dim, expected = self.dim, self.header.rows
        number = 0
        for file in self.files:
            try:
                with formats.open_binary(file) as f:
                    skip = self.header.rows is not None
                    for number, line in enumerate(f, start=1):
                        if skip:
                            skip = False
                            continue
                        parts = line.split()
                        if not parts:
                            continue
                        where = f"{file}:{number}"
                        if expected is not None and self.stats.rows >= expected:
                            raise DataError(
                                f"{where}: more rows than the {expected:,} the header announces"
                            )
                        if dim is None:
                            dim = self.dim = len(parts) - 1
                            if dim < 1:
                                raise DataError(f"{where}: a word with no numbers")
                        if len(parts) != dim + 1:
                            said = "the header says" if expected is not None else "line 1 has"
                            raise DataError(
                                f"{where}: {len(parts) - 1} numbers after the word, "
                                f"expected {dim} ({said} {dim})"
                            )
                        try:
                            row = np.array(parts[1:], dtype=np.float32)
                        except ValueError:
                            bad = next(p for p in parts[1:] if not _is_number(p))
                            bad = bad[:40].decode("utf-8", "replace")
                            raise DataError(f"{where}: {bad!r} is not a number") from None
                        word = self._accept(parts[0], where)
                        if word is not None:
                            yield word, row
                        if self._done():
                            return
            except (OSError, EOFError, zlib.error) as exc:
                raise DataError(f"{file}: cannot read ({exc}; truncated?)") from None
        if expected is not None and self.stats.rows < expected:
            raise DataError(
                f"{self.path}:{number}: the file ends here, after {self.stats.rows:,} rows; "
                f"the header announces {expected:,} (truncated?)"
            )

    def _binary_rows(self) -> Iterator[tuple[str, np.ndarray]]:
        path, dim, expected = self.path, self.dim, self.header.rows
        width = 4 * dim
        gz = " of the uncompressed data" if path.suffix.lower() == ".gz" else ""
        try:
            with formats.open_binary(path) as f:
                stream = _Stream(f, self.header.start)
                for row_number in range(1, expected + 1):
                    start = stream.offset
                    raw = stream.read_word()
                    where = f"{path}: row {row_number:,} (byte {start:,}{gz})"
                    if raw is None:
                        raise DataError(
                            f"{where}: the file ends after {row_number - 1:,} rows; the header "
                            f"announces {expected:,} (truncated?)"
                        )
                    if not raw or any(b < 0x20 for b in raw) or len(raw) > 1000:
                        raise DataError(
                            f"{where}: no word where a row should start; is the header's "
                            f"dimension ({dim}) right, or is the file corrupt?"
                        )
                    data = stream.read(width)
                    if len(data) < width:
                        raise DataError(
                            f"{where}: the file ends inside this row ({len(data)} of {width} "
                            f"bytes); the header announces {expected:,} rows of {dim} (truncated?)"
                        )
                    word = self._accept(raw, where)
                    if word is not None:
                        yield word, np.frombuffer(data, dtype="<f4")
                    if self._done():
                        return
                rest = stream.read(64)
                if rest.strip():
                    raise DataError(
                        f"{path}: byte {stream.offset - len(rest):,}{gz}: the file goes on after "
                        f"the {expected:,} rows of {dim} numbers the header announces; is the "
                        "header right?"
                    )
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(f"{path}: cannot read ({exc}; truncated?)") from None


def _is_number(text: bytes) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class _Stream:
    """Buffered reads with the byte offset of the next byte (word2vec binary rows)."""

    def __init__(self, raw, start: int) -> None:
        self.raw = raw
        raw.read(start) if start else None
        self.base = start
        self.data = b""
        self.cur = 0

    @property
    def offset(self) -> int:
        return self.base + self.cur

    def _more(self) -> bool:
        chunk = self.raw.read(1 << 22)
        if not chunk:
            return False
        self.base += self.cur
        self.data = self.data[self.cur :] + chunk
        self.cur = 0
        return True

    def read_word(self) -> bytes | None:
        """Bytes up to the next space (skipped), leading newlines dropped; None at the end."""
        while True:
            end = self.data.find(b" ", self.cur)
            if end >= 0:
                word = self.data[self.cur : end].lstrip(b"\n\r")
                self.cur = end + 1
                return word
            if len(self.data) - self.cur > 4096 or not self._more():
                if not self.data[self.cur :].strip():
                    return None
                word = self.data[self.cur : self.cur + 4096]
                return word if len(self.data) - self.cur > 1000 else b"\x00"

    def read(self, n: int) -> bytes:
        while len(self.data) - self.cur < n and self._more():
            pass
        out = self.data[self.cur : self.cur + n]
        self.cur += len(out)
        return out


# --------------------------------------------------------------------------- whole files


class Table(NamedTuple):
    """A vectors file read whole: :class:`~seqnlp.embeddings.vectors.WordVectors`'s
    arguments, in its order."""

    words: list[str]
    vectors: np.ndarray
    config: EmbeddingConfig
    counts: np.ndarray | None
    ngram_vectors: np.ndarray | None
    meta: dict


def read_table(
    path: str | os.PathLike,
    fmt: str = "auto",
    *,
    limit: int | None = None,
    lowercase: bool = False,
    errors: str = "strict",
) -> Table:
    """Read a word2vec text/binary, GloVe, Spark or fastText ``.bin`` file into memory.

    Raises:
        DataError: the file is unreadable or malformed (the message names the position).
    """
    path = Path(path)
    header = formats.sniff(path, fmt) if path.is_file() else None
    if header is not None and header.format == "fasttext":
        return _fasttext_table(path, limit, lowercase)
    reader = Word2VecReader(path, fmt, limit=limit, lowercase=lowercase, errors=errors)
    words: list[str] = []
    blocks = []
    for chunk_words, block in reader.chunks():
        words.extend(chunk_words)
        blocks.append(block)
    config = EmbeddingConfig(dim=reader.dim, lowercase=lowercase)
    meta = {"source": source_meta(path, reader.format, reader.stats, limit, lowercase)}
    return Table(words, np.concatenate(blocks), config, None, None, meta)


def source_meta(path: Path, fmt: str, stats: ReadStats, limit, lowercase) -> dict:
    """Where vectors came from and what reading them kept, for ``meta.json``."""
    size = path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.iterdir())
    return {
        "file": path.name,
        "format": fmt,
        "bytes": size,
        "rows_read": stats.rows,
        "rows_kept": stats.kept,
        "merged_duplicates": stats.merged,
        "non_utf8_words": stats.replaced,
        "limit": limit,
        "lowercase": lowercase,
    }


def _fasttext_table(path: Path, limit: int | None, lowercase: bool) -> Table:
    kv = formats.read_fasttext(path)
    words = list(kv.index_to_key)
    vectors = np.asarray(kv.vectors, dtype=np.float32)
    counts = np.array([kv.get_vecattr(w, "count") for w in words], dtype=np.int64)
    keep = list(range(len(words)))
    stats = ReadStats(rows=len(words))
    if lowercase:
        seen: set[str] = set()
        keep = []
        for i, w in enumerate(words):
            if w.lower() not in seen:
                seen.add(w.lower())
                keep.append(i)
        stats.merged = len(words) - len(keep)
        words = [words[i].lower() for i in keep]
    if limit:
        keep, words = keep[:limit], words[:limit]
    stats.kept = len(words)
    config = EmbeddingConfig(
        algorithm="fasttext",
        dim=kv.vector_size,
        lowercase=lowercase,
        min_n=kv.min_n,
        max_n=kv.max_n,
        bucket=kv.bucket,
    )
    meta = {"source": source_meta(path, "fasttext", stats, limit, lowercase)}
    ngrams = np.asarray(kv.vectors_ngrams, dtype=np.float32)
    return Table(words, vectors[keep], config, counts[keep], ngrams, meta)
