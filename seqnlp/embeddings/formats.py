"""Vectors trained elsewhere: word2vec text and binary, GloVe, fastText ``.vec``/``.bin``.

word2vec text and binary (plain or ``.gz``, with or without the ``rows dim`` header line that
GloVe and Spark MLlib's text output lack) are streamed here in chunks, so that importing
GoogleNews (3 M x 300, 3.6 GB) never holds the table twice, and every row is checked: a
header that lies, a truncated file, a row of the wrong width, a repeated word or a word
that is not UTF-8 is a :class:`~seqnlp.errors.DataError` naming the file and the line (text)
or byte offset (binary). fastText ``.bin`` files are read by gensim's pickle-free
``load_facebook_vectors`` (they keep sub-word vectors, so unknown words get vectors).

Nothing here ever calls ``KeyedVectors.load``: gensim's own files are pickles.

Size: the readers and writers of the word2vec family share its header and row checks;
apart, each would need the other's.
"""

from __future__ import annotations

import gzip
import logging
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from seqnlp.errors import DataError
from seqnlp.tokenize import normalize_token

log = logging.getLogger("seqnlp")

FORMATS = ("auto", "text", "binary", "fasttext")
ERRORS = ("strict", "replace")
FASTTEXT_MAGIC = 793712314  # first int32 of every fastText .bin model
CHUNK_ROWS = 1 << 16


def _open(path: Path):
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")
    return open(path, "rb")


def _stem_suffix(path: Path) -> str:
    """``.bin`` for ``x.bin`` and ``x.bin.gz``."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def spark_parts(path: Path) -> list[Path]:
    """The ``part-*`` files of a directory written by Spark (``df.write.text``), in order."""
    return sorted(p for p in path.glob("part-*") if p.is_file() and p.stat().st_size)


def is_vectors_file(path: str | os.PathLike) -> bool:
    """True for a file (or a Spark output directory) that this module can read."""
    path = Path(path)
    if path.is_file():
        return True
    return path.is_dir() and not (path / "config.json").exists() and bool(spark_parts(path))


@dataclass
class _Header:
    format: str  # "text", "binary" or "fasttext"
    rows: int | None  # None: no header line (GloVe, Spark)
    dim: int | None
    start: int  # byte offset of the first row


def _parse_header(line: bytes) -> tuple[int, int] | None:
    parts = line.split()
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return int(parts[0]), int(parts[1])
    return None


def sniff(path: str | os.PathLike, fmt: str = "auto") -> _Header:
    """Which format ``path`` is in, from its first bytes (and its suffix for ``.bin``).

    Raises:
        DataError: empty, unreadable, or a ``.bin`` that is neither fastText nor word2vec.
    """
    path = Path(path)
    if fmt not in FORMATS:
        raise DataError(f"format must be one of {FORMATS}, got {fmt!r}")
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a directory, not a vectors file")
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
        if len(magic) == 4 and int.from_bytes(magic, "little") == FASTTEXT_MAGIC:
            if fmt not in ("auto", "fasttext"):
                raise DataError(f"{path}: is a fastText .bin model, not word2vec {fmt}")
            return _Header("fasttext", None, None, 0)
        if fmt == "fasttext":
            raise DataError(f"{path}: not a fastText .bin model (byte 0: no fastText magic number)")
        with _open(path) as f:
            head = f.read(1 << 16)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: cannot read ({exc})") from None
    if not head.strip():
        raise DataError(f"{path}: empty file (byte 0: no vectors)")
    first, newline, _ = head.partition(b"\n")
    header = _parse_header(first) if newline else None
    suffix = _stem_suffix(path)
    if header is None:
        if fmt == "binary" or suffix == ".bin":
            raise DataError(
                f"{path}: byte 0: neither a fastText .bin (no magic number) nor a word2vec "
                f"binary (the first line is not 'rows dim')"
            )
        return _Header("text", None, None, 0)
    rows, dim = header
    if dim < 1:
        raise DataError(f"{path}:1: the header says dimension {dim}")
    start = len(first) + 1
    if fmt in ("text", "binary"):
        return _Header(fmt, rows, dim, start)
    if suffix == ".bin":
        return _Header("binary", rows, dim, start)
    body = head[start:]
    text_like = b"\x00" not in body and _mostly_text(body)
    return _Header("text" if text_like else "binary", rows, dim, start)


def _mostly_text(data: bytes) -> bool:
    if not data:
        return True
    printable = sum(1 for b in data if b >= 0x20 or b in b"\t\n\r")
    return printable / len(data) > 0.99


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
        self.files = spark_parts(self.path) if self.path.is_dir() else [self.path]
        if self.path.is_dir() and not self.files:
            raise DataError(f"{self.path}: a directory with no part-* files")
        self.header = sniff(self.files[0], fmt) if not self.path.is_dir() else None
        if self.header is None:
            self.header = _Header("text", None, None, 0)
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
                with _open(file) as f:
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
            with _open(path) as f:
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


# --------------------------------------------------------------------------- fastText .bin


def read_fasttext(path: str | os.PathLike):
    """A fastText ``.bin`` model's vectors via gensim's pickle-free ``load_facebook_vectors``.

    Returns:
        gensim's ``FastTextKeyedVectors`` (whole vectors, sub-word buckets and counts).

    Raises:
        DataError: not a fastText model (checked before gensim reads it) or unreadable.
    """
    path = Path(path)
    header = sniff(path, "fasttext")
    assert header.format == "fasttext"
    from gensim.models.fasttext import load_facebook_vectors

    try:
        return load_facebook_vectors(str(path))
    except (ValueError, OSError, EOFError, AssertionError, NotImplementedError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise DataError(f"{path}: not a readable fastText .bin model ({reason})") from None


# --------------------------------------------------------------------------- writing


def write_word2vec(
    path: str | os.PathLike,
    words: Iterator[str],
    rows: Iterator[np.ndarray],
    count: int,
    dim: int,
    *,
    binary: bool = False,
) -> Path:
    """Write word2vec text (``%.9g``: float32 values read back exactly) or binary format.

    Args:
        words: the ``count`` words, in the order of ``rows``.
        rows: float32 blocks of rows (e.g. 65,536 at a time), so a big table is never
            copied whole.

    The file appears complete or not at all (temporary file, then rename); ``.gz``
    compresses.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    words = iter(words)
    written = 0
    try:
        with opener(tmp, "wb") as f:
            f.write(f"{count} {dim}\n".encode("ascii"))
            for block in rows:
                block = np.asarray(block, dtype="<f4")
                lines = []
                for row in block:
                    word = next(words).encode("utf-8")
                    if binary:
                        lines.append(word + b" " + row.tobytes() + b"\n")
                    else:
                        values = " ".join([f"{v:.9g}" for v in row.tolist()])
                        lines.append(word + b" " + values.encode("ascii") + b"\n")
                f.write(b"".join(lines))
                written += len(block)
        if written != count:
            raise ValueError(f"wrote {written} rows, expected {count}")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
