"""How a table of word vectors lies on disk and is read without copying it: rows stored as
float16 or int8 read as float32 a block at a time, and the word list as one UTF-8 blob with
offsets, searched in the mapped file until it is small enough to become a dict."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence

import numpy as np

from seqnlp.errors import ModelFileError
from seqnlp.serialization.tensors import dequantize

log = logging.getLogger("seqnlp")

# Word lists up to this size become a Python list and dict; bigger ones stay in the mapped
# file (a dict of 3 M words costs 2 s and 200 MB) and are searched there.
EAGER_WORDS = 200_000


class QuantizedRows:
    """float16 or int8 rows (one scale each) of a mapped table, float32 when indexed."""

    def __init__(self, raw: np.ndarray, scale: np.ndarray | None = None) -> None:
        self.raw, self.scale = raw, scale
        self.shape = raw.shape
        self.ndim = 2
        self.dtype = np.dtype(np.float32)
        self.storage = str(raw.dtype)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, index) -> np.ndarray:
        return dequantize(self.raw[index], None if self.scale is None else self.scale[index])

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        out = self[:]
        return out if dtype is None else out.astype(dtype, copy=False)


class WordList(Sequence):
    """The words of a mapped table: UTF-8, each ended by a newline, with their offsets.

    Indexing decodes only what is asked for; :meth:`find` searches the mapped bytes
    (memchr speed, about 10 ms for 3 M words) instead of keeping a 3 M-entry dict.
    """

    def __init__(self, blob: np.ndarray, offsets: np.ndarray, mapped) -> None:
        self.blob, self.offsets, self.mapped = blob, offsets, mapped
        self.start = mapped.offsets["words"]
        self.end = self.start + len(blob)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def _decode(self, first: int, stop: int) -> list[str]:
        if stop <= first:
            return []
        data = self.blob[self.offsets[first] : self.offsets[stop]].tobytes()
        return data.decode("utf-8").split("\n")[:-1]

    def __getitem__(self, index):
        if isinstance(index, slice):
            first, stop, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(first, stop, step)]
            return self._decode(first, stop)
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(index)
        return self._decode(index, index + 1)[0]

    def __iter__(self) -> Iterator[str]:
        for first in range(0, len(self), 1 << 16):
            yield from self._decode(first, min(first + (1 << 16), len(self)))

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and len(other) == len(self) and list(self) == list(other)

    def find(self, word: str) -> int | None:
        """The row of ``word``, or None."""
        data = self.mapped.map_bytes
        needle = word.encode("utf-8") + b"\n"
        if "\n" in word or not word:
            return None
        if data[self.start : self.start + len(needle)] == needle:
            return 0
        at = data.find(b"\n" + needle, self.start, self.end)
        if at < 0:
            return None
        row = int(np.searchsorted(self.offsets, at + 1 - self.start))
        return row if self.offsets[row] == at + 1 - self.start else None


class WordIndex(Mapping):
    """word -> row over a :class:`WordList`; it becomes a dict after many lookups."""

    LOOKUPS_BEFORE_DICT = 200

    def __init__(self, words: WordList) -> None:
        self.words = words
        self.lookups = 0
        self.table: dict[str, int] | None = None

    def _row(self, word: str) -> int | None:
        if self.table is None:
            self.lookups += 1
            if self.lookups <= self.LOOKUPS_BEFORE_DICT:
                return self.words.find(word)
            log.info("building the index of %s words", f"{len(self.words):,}")
            self.table = {}
            for i, w in enumerate(self.words):
                self.table.setdefault(w, i)
        return self.table.get(word)

    def __getitem__(self, word: str) -> int:
        row = self._row(word) if isinstance(word, str) else None
        if row is None:
            raise KeyError(word)
        return row

    def __contains__(self, word) -> bool:
        return isinstance(word, str) and self._row(word) is not None

    def __len__(self) -> int:
        return len(self.words)

    def __iter__(self) -> Iterator[str]:
        return iter(self.words)


def word_tensors(words: Sequence[str]) -> dict[str, np.ndarray]:
    """``words`` (uint8, each word's UTF-8 and a newline) and ``word_offsets`` (int64, n + 1)."""
    encoded = [w.encode("utf-8") + b"\n" for w in words]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return {"words": blob, "word_offsets": offsets}


def stored_rows(tensors: Mapping[str, np.ndarray], name: str):
    """A stored table as float32 rows: a mapped float32 array as it is, else dequantised."""
    raw = tensors[name]
    if raw.dtype == np.int8:
        return QuantizedRows(raw, tensors[f"{name}_scale"])
    if raw.dtype != np.float32:
        return QuantizedRows(raw)
    return raw


def in_memory(tensors: Mapping[str, np.ndarray], name: str) -> np.ndarray:
    raw = tensors[name]
    if raw.dtype == np.int8:
        return raw.astype(np.float32) * tensors[f"{name}_scale"][:, None]
    return raw.copy()


def mapped_words(where, tensors, mapped) -> Sequence[str]:
    blob, offsets = tensors["words"], tensors["word_offsets"]
    if blob.dtype != np.uint8 or offsets.dtype != np.int64:
        raise ModelFileError(f"{where}: the words tensors must be uint8 and int64")
    size = len(offsets) - 1
    if (
        offsets[0] != 0
        or offsets[-1] != len(blob)
        or (size and not (np.diff(offsets) > 1).all())
        or int(np.count_nonzero(blob == 10)) != size
        or (size and blob[-1] != 10)
    ):
        raise ModelFileError(f"{where}: the word list in the weights is corrupted")
    words = WordList(blob, offsets, mapped)
    if size <= EAGER_WORDS:
        try:
            return words[:]
        except UnicodeDecodeError:
            raise ModelFileError(f"{where}: the word list in the weights is not UTF-8") from None
    return words
