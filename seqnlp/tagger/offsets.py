"""Character offsets of tokens in the text a user gave, before normalisation.

Tokens are substrings of :func:`seqnlp.tokenize.normalize`'s output, which differs from
the user's text where it composed characters (NFC: "e" + U+0301 is one "é") or removed
invisible ones (a zero-width space, a stray joiner). :class:`OffsetMap` maps positions in
the normalised text back to the original, so that ``text[start:end]`` is the token as the
user wrote it, ready to highlight.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from seqnlp.tokenize import normalize, split_sentences, word_tokenize

Span = tuple[int, int]
# the longest run of original characters that NFC composes into one (a letter and its marks)
_MAX_COMPOSED = 32


class OffsetMap:
    """Positions in ``normalize(original)`` -> positions in ``original``."""

    def __init__(self, original: str) -> None:
        self.original = original
        self.text = normalize(original)
        # the original span [starts[j], ends[j]) of each normalised character; None when
        # normalisation changed nothing (nearly always): positions are then the same
        self._starts: list[int] | None = None
        self._ends: list[int] | None = None
        if self.text != original:
            self._align()

    def _align(self) -> None:
        original, text = self.original, self.text
        starts, ends = [], []
        i = 0
        for j, char in enumerate(text):
            # characters that normalisation removed (invisible ones) are skipped
            while i < len(original) and original[i] != char and not normalize(original[i]):
                i += 1
            start = i
            if i < len(original) and (original[i] == char or normalize(original[i]) == " "):
                i += 1  # the same character, or a control character made a space
            else:  # composed: the shortest run whose NFC is this character
                for length in range(1, _MAX_COMPOSED + 1):
                    piece = original[start : start + length]
                    if unicodedata.normalize("NFC", piece) == char:
                        i = start + length
                        break
                else:
                    i = min(start + 1, len(original))
                # marks that follow in the original belong to this character unless the
                # normalised text has them next
                while (
                    i < len(original)
                    and unicodedata.combining(original[i])
                    and (j + 1 >= len(text) or original[i] != text[j + 1])
                ):
                    i += 1
            starts.append(start)
            ends.append(max(i, start))
        self._starts, self._ends = starts, ends

    def span(self, start: int, end: int) -> Span:
        """The original span of the normalised ``text[start:end]`` (``end > start``)."""
        if self._starts is None or self._ends is None:
            return start, end
        return self._starts[start], self._ends[end - 1]

    def token_spans(self, tokens: Sequence[str], cursor: int = 0) -> list[Span | None]:
        """The original span of each token, found in order from ``cursor`` in the normalised
        text; None for a token that is not there (it never happens for the tokenizer's)."""
        spans: list[Span | None] = []
        for token in tokens:
            found = self.text.find(token, cursor) if token else -1
            if found < 0:
                spans.append(None)
                continue
            cursor = found + len(token)
            spans.append(self.span(found, cursor))
        return spans


def split_with_spans(text: str) -> list[tuple[str, list[str], list[Span | None]]]:
    """Raw text -> (sentence text, tokens, each token's span in ``text``) triples: the
    sentences and tokens of :func:`seqnlp.tokenize.tokenize`, the sentence texts (for
    CoNLL-U's ``# text``) as normalised."""
    offsets = OffsetMap(text)
    out = []
    cursor = 0
    for sentence in split_sentences(offsets.text):
        tokens = word_tokenize(sentence)
        if not tokens:
            continue
        cursor = max(offsets.text.find(sentence, cursor), cursor)
        out.append((sentence, tokens, offsets.token_spans(tokens, cursor)))
        cursor += len(sentence)
    return out
