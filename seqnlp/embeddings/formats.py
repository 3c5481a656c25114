"""Vectors trained elsewhere: word2vec text and binary, GloVe, fastText ``.vec``/``.bin``.

This module tells the formats apart from a file's first bytes (:func:`sniff`): word2vec
text and binary, plain or ``.gz``, with or without the ``rows dim`` header line that GloVe and
Spark MLlib's text output lack (streamed and checked by :mod:`~seqnlp.embeddings.reading`),
and fastText ``.bin``, read here by gensim's pickle-free ``load_facebook_vectors`` (those
files keep sub-word vectors, so unknown words get vectors).

Nothing here ever calls ``KeyedVectors.load``: gensim's own files are pickles.
It also writes word2vec files for other tools.
"""

from __future__ import annotations

import gzip
import logging
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seqnlp.errors import DataError

log = logging.getLogger("seqnlp")

FORMATS = ("auto", "text", "binary", "fasttext")
FASTTEXT_MAGIC = 793712314  # first int32 of every fastText .bin model


def open_binary(path: Path):
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
class Header:
    """What :func:`sniff` found at the start of a vectors file."""

    format: str  # "text", "binary" or "fasttext"
    rows: int | None  # None: no header line (GloVe, Spark)
    dim: int | None
    start: int  # byte offset of the first row


def _parse_header(line: bytes) -> tuple[int, int] | None:
    parts = line.split()
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return int(parts[0]), int(parts[1])
    return None


def sniff(path: str | os.PathLike, fmt: str = "auto") -> Header:
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
            return Header("fasttext", None, None, 0)
        if fmt == "fasttext":
            raise DataError(f"{path}: not a fastText .bin model (byte 0: no fastText magic number)")
        with open_binary(path) as f:
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
        return Header("text", None, None, 0)
    rows, dim = header
    if dim < 1:
        raise DataError(f"{path}:1: the header says dimension {dim}")
    start = len(first) + 1
    if fmt in ("text", "binary"):
        return Header(fmt, rows, dim, start)
    if suffix == ".bin":
        return Header("binary", rows, dim, start)
    body = head[start:]
    text_like = b"\x00" not in body and _mostly_text(body)
    return Header("text" if text_like else "binary", rows, dim, start)


def _mostly_text(data: bytes) -> bool:
    if not data:
        return True
    printable = sum(1 for b in data if b >= 0x20 or b in b"\t\n\r")
    return printable / len(data) > 0.99


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
