"""Corpus readers: files in, plain records out (never imports torch).

Every reader streams, and every malformed line raises :class:`DataError` naming
``file:line`` so that a user can fix the file.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import lzma
import random
import re
import sys
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from seqnlp.errors import DataError

T = TypeVar("T")

_LINE_END = re.compile(rb"\r\n|\r|\n")
_OPENERS = {".xz": lzma.open, ".lzma": lzma.open, ".gz": gzip.open, ".bz2": bz2.open}


@dataclass(frozen=True)
class TaggedSentence:
    """One sentence of syntactic words with gold tags (multiword ranges already expanded)."""

    words: list[str]
    upos: list[str]
    xpos: list[str]
    text: str | None = None
    sent_id: str | None = None


@dataclass(frozen=True)
class LabeledText:
    """One text with its class label, kept as a string so that any label set works."""

    text: str
    label: str


def iter_lines(
    path: str | Path, errors: str = "strict", encoding: str = "utf-8"
) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, line)`` without line ends from plain, .gz, .xz or .bz2 text.

    Args:
        path: the file (compression chosen by suffix), or ``"-"`` for standard input.
        errors: ``"strict"`` raises on invalid UTF-8 naming the line, ``"replace"`` uses U+FFFD.
        encoding: of the file (UTF-8 unless a dataset's manifest says otherwise, e.g. latin-1).
    """
    if str(path) == "-":
        yield from _decode_lines(sys.stdin.buffer, "<stdin>", errors, encoding)
        return
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path}: a directory, not a file")
    if not path.exists():  # not is_file(): a pipe (<(cmd), mkfifo, /dev/stdin) reads too
        raise DataError(f"{path}: no such file")
    opener = _OPENERS.get(path.suffix.lower(), open)
    try:
        with opener(path, "rb") as raw:
            yield from _decode_lines(raw, str(path), errors, encoding)
    except (OSError, EOFError, lzma.LZMAError, zlib.error) as exc:
        if isinstance(exc, FileNotFoundError):
            raise DataError(f"{path}: no such file") from None
        raise DataError(f"{path}: cannot read ({exc})") from None


def _split_lines(raw: io.BufferedIOBase) -> Iterator[bytes]:
    """The lines of a binary stream without their ends, read in chunks of what is available.

    ``\\r\\n``, ``\\n`` and a lone ``\\r`` all end a line, as in Python's text mode: a file
    saved with old Mac line ends is many lines, not one line held whole in memory.
    """
    partial: list[bytes] = []
    after_cr = False
    while chunk := raw.read1(1 << 16):
        if after_cr and chunk.startswith(b"\n"):
            chunk = chunk[1:]  # the second half of a \r\n split between two reads
        after_cr = chunk.endswith(b"\r")
        *complete, rest = _LINE_END.split(chunk)
        if complete:
            yield b"".join([*partial, complete[0]])
            yield from complete[1:]
            partial = []
        partial.append(rest)
    if tail := b"".join(partial):
        yield tail


def _decode_lines(
    raw: io.BufferedIOBase, name: str, errors: str, encoding: str = "utf-8"
) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(_split_lines(raw), start=1):
        try:
            text = line.decode(encoding, errors=errors)
        except UnicodeDecodeError as exc:
            raise DataError(
                f"{name}:{number}: not valid {encoding.upper()} (byte {exc.start}); "
                "re-encode the file or use --errors replace"
            ) from None
        if number == 1 and text.startswith("\ufeff"):
            text = text[1:]  # a byte-order mark, as Windows editors write them
        yield number, text


def read_conllu(path: str | Path, errors: str = "strict") -> Iterator[TaggedSentence]:
    """Read a CoNLL-U file with the ``conllu`` library, one sentence at a time.

    Multiword-token ranges (``4-5``) and empty nodes (``8.1``) are skipped: taggers
    work on syntactic words. ``# text`` and ``# sent_id`` are kept.
    """
    import conllu
    from conllu.exceptions import ParseException

    block: list[str] = []
    start = 1
    for number, line in iter_lines(path, errors):
        if line.strip():
            if not block:
                start = number
            block.append(line)
            continue
        if block:
            yield _parse_block(conllu, ParseException, path, start, block)
            block = []
    if block:
        yield _parse_block(conllu, ParseException, path, start, block)


def _parse_block(conllu, parse_error, path, start: int, block: list[str]) -> TaggedSentence:
    for offset, line in enumerate(block):
        if not line.startswith("#") and line.count("\t") != 9:
            raise DataError(
                f"{path}:{start + offset}: expected 10 tab-separated CoNLL-U columns, "
                f"found {line.count(chr(9)) + 1}"
            )
    try:
        (sentence,) = conllu.parse("\n".join(block) + "\n\n")
    except (parse_error, ValueError) as exc:
        # name the offending token line, not just the sentence's first line
        line = start + _bad_token_line(conllu, parse_error, block)
        raise DataError(f"{path}:{line}: malformed CoNLL-U line ({exc})") from None
    words = [tok for tok in sentence if isinstance(tok["id"], int)]
    if not words:
        raise DataError(f"{path}:{start}: sentence has no words")
    return TaggedSentence(
        words=[tok["form"] for tok in words],
        upos=[tok["upos"] for tok in words],
        xpos=[tok["xpos"] or "_" for tok in words],
        text=sentence.metadata.get("text"),
        sent_id=sentence.metadata.get("sent_id"),
    )


def _bad_token_line(conllu, parse_error, block: list[str]) -> int:
    """Offset in ``block`` of the first token line that fails to parse (0 if none does)."""
    for offset, line in enumerate(block):
        if line.startswith("#"):
            continue
        try:
            conllu.parser.parse_line(line, conllu.parser.DEFAULT_FIELDS)
        except (parse_error, ValueError):
            return offset
    return 0


def read_sst(path: str | Path, errors: str = "strict") -> Iterator[LabeledText]:
    """Read SST ``stsa`` lines: ``<label><space><sentence>`` (split on the first space)."""
    for number, line in iter_lines(path, errors):
        if not line.strip():
            continue
        label, sep, text = line.strip().partition(" ")
        if not sep or not text.strip() or not label.lstrip("-").isdigit():
            raise DataError(
                f"{path}:{number}: expected '<label> <sentence>' with a whole number for the "
                f"label (SST format: '1 a gripping film'), got {line[:60]!r}; other files "
                "are read as tsv/csv by their suffix (.tsv, .csv) or --format"
            )
        yield LabeledText(text=text.strip(), label=label)


def read_table(
    path: str | Path,
    text_column: str = "sentence",
    label_column: str = "label",
    delimiter: str | None = None,
    errors: str = "strict",
) -> Iterator[LabeledText]:
    """Read a headed TSV/CSV (GLUE style: header, CRLF or LF) by column name.

    Args:
        delimiter: ``"\\t"`` or ``","``; by default from the suffix (.csv is comma, else tab).
    """
    if delimiter is None:
        delimiter = "," if str(path).lower().endswith(".csv") else "\t"
    lines = iter_lines(path, errors)
    numbers: list[int] = []

    def texts() -> Iterator[str]:
        for number, line in lines:
            numbers.append(number)
            yield line

    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = _rows(csv.reader(texts(), delimiter=delimiter, quoting=quoting), path, numbers)
    header = next((row for row in reader if row), None)
    if header is None:
        raise DataError(f"{path}: empty file")
    header = [name.strip() for name in header]
    missing = [c for c in (text_column, label_column) if c not in header]
    if missing:
        raise DataError(
            f"{path}:{numbers[-1]}: no column named {', '.join(map(repr, missing))}; "
            f"columns found: {', '.join(map(repr, header))}"
        )
    t, lab = header.index(text_column), header.index(label_column)
    for row in reader:
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise DataError(
                f"{path}:{numbers[-1]}: expected {len(header)} columns, found {len(row)}"
            )
        text, label = row[t].strip(), row[lab].strip()
        if not text or not label:
            raise DataError(f"{path}:{numbers[-1]}: empty text or label")
        yield LabeledText(text=text, label=label)


def _rows(reader, path: str | Path, numbers: list[int]) -> Iterator[list[str]]:
    """csv rows, with the csv module's own errors (e.g. an oversized field) as DataError."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise DataError(f"{path}:{numbers[-1] if numbers else 1}: {exc}") from None
        yield row


def read_wikipedia(path: str | Path, errors: str = "strict") -> Iterator[str]:
    """Yield the text lines (titles and paragraphs) of a WikiExtractor dump, streamed.

    ``<doc ...>`` and ``</doc>`` lines and blank lines are dropped; ``.xz`` streams
    through :mod:`lzma` so the 400 MB text never sits in memory.
    """
    for _, line in iter_lines(path, errors):
        if not line or line.startswith("<doc ") or line == "</doc>":
            continue
        yield line


def hold_out(records: Sequence[T], fraction: float = 0.1, seed: int = 1) -> tuple[list[T], list[T]]:
    """Split ``records`` into (kept, held out): a seeded ``fraction`` (at least one record)
    held out, e.g. as the dev set of a user's own training data.

    Raises:
        DataError: fewer than two records, so nothing can be held out.
    """
    if len(records) < 2:
        raise DataError(f"{len(records)} training examples: too few to hold out a dev set")
    order = list(range(len(records)))
    random.Random(seed).shuffle(order)
    held = set(order[: max(1, round(fraction * len(records)))])
    return (
        [r for i, r in enumerate(records) if i not in held],
        [r for i, r in enumerate(records) if i in held],
    )


def read_text_lines(path: str | Path, errors: str = "strict") -> Iterator[str]:
    """Yield non-empty lines of a plain text file (one text per line)."""
    for _, line in iter_lines(path, errors):
        if line.strip():
            yield line


__all__ = [
    "LabeledText",
    "TaggedSentence",
    "hold_out",
    "iter_lines",
    "read_conllu",
    "read_sst",
    "read_table",
    "read_text_lines",
    "read_wikipedia",
]
