"""A user's text in, tagged sentences out: streaming lines through the tagger, and the
``text``, ``conllu`` and ``json`` output formats."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from seqnlp.errors import SeqnlpError
from seqnlp.tagger.model import Tagger
from seqnlp.tokenize import normalize, split_sentences, word_tokenize

TAGSETS = ("upos", "xpos", "both")
FORMATS = ("text", "conllu", "json")
# Characters that end a line for str.splitlines(): never inside a CoNLL-U comment.
_LINE_BREAKS = dict.fromkeys(map(ord, "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"), " ")


@dataclasses.dataclass
class SentenceTags:
    """One tagged sentence of a user's text, ready to be written out."""

    text: str
    tokens: list[str]
    upos: list[str]
    xpos: list[str]
    source: int  # 1-based number of the input line (or command-line text) it came from


def split_text(text: str) -> list[tuple[str, list[str]]]:
    """Raw text -> (sentence text, tokens) pairs: :func:`seqnlp.tokenize.tokenize`, keeping
    each sentence's text for CoNLL-U's ``# text``."""
    out = []
    for sentence in split_sentences(normalize(text)):
        tokens = word_tokenize(sentence)
        if tokens:
            out.append((sentence, tokens))
    return out


def tag_lines(
    tagger: Tagger,
    lines: Iterable[tuple[int, str]],
    *,
    pretokenized: bool = False,
    batch_size: int = 256,
) -> Iterator[SentenceTags]:
    """Tag numbered lines of text, streaming, in order.

    Args:
        lines: (line number, text) pairs, e.g. from :func:`seqnlp.corpus.iter_lines`.
        pretokenized: each line is one sentence of space-separated tokens (normalized as
            raw text is); otherwise each line is raw text, split into sentences and tokens.
    """

    def sentences() -> Iterator[tuple[tuple[int, str], list[str]]]:
        for number, line in lines:
            if pretokenized:
                tokens = normalize(line).split()
                if tokens:
                    yield (number, " ".join(tokens)), tokens
            else:
                for piece in _pieces(line):
                    for text, tokens in split_text(piece):
                        yield (number, text), tokens

    for (number, text), tokens, upos, xpos in tagger.iter_tag(sentences(), batch_size):
        yield SentenceTags(text, tokens, upos, xpos, number)


# Characters of raw text split into sentences at once: a longer line (a book without line
# ends, text without sentence ends) is cut at a space first, so that the tokenizer's work
# (about 80 bytes a character) stays bounded; a sentence running across a cut is split there.
MAX_PIECE = 20_000


def _pieces(line: str, size: int = MAX_PIECE) -> Iterator[str]:
    """``line`` in pieces of at most about ``size`` characters, cut after whitespace."""
    start = 0
    while len(line) - start > size:
        cut = line.rfind(" ", start + size // 2, start + size) + 1 or start + size
        yield line[start:cut]
        start = cut
    yield line[start:]


def _space_after(text: str, tokens: Sequence[str]) -> list[bool | None]:
    """Whether whitespace follows each token in ``text`` (None where a token is not found)."""
    flags: list[bool | None] = []
    cursor = 0
    for token in tokens:
        start = text.find(token, cursor)
        if start < 0:
            flags.append(None)
            continue
        cursor = start + len(token)
        flags.append(cursor >= len(text) or text[cursor].isspace())
    return flags


def format_sentence(sentence: SentenceTags, fmt: str, tagset: str, sent_id: int) -> str:
    """One sentence as ``text`` (``word/TAG ...``), ``conllu`` or ``json`` (one line).

    Args:
        fmt: one of :data:`FORMATS`.
        tagset: ``upos``, ``xpos`` or ``both`` (``word/UPOS/XPOS`` in text).
        sent_id: the CoNLL-U ``# sent_id`` / JSON ``sent_id``.
    """
    upos = tagset in ("upos", "both")
    xpos = tagset in ("xpos", "both")
    if fmt == "text":
        if tagset == "both":
            return " ".join(
                f"{w}/{u}/{x}"
                for w, u, x in zip(sentence.tokens, sentence.upos, sentence.xpos, strict=True)
            )
        tags = sentence.upos if upos else sentence.xpos
        return " ".join(f"{w}/{t}" for w, t in zip(sentence.tokens, tags, strict=True))
    if fmt == "json":
        record: dict[str, Any] = {
            "sent_id": sent_id,
            "line": sentence.source,
            "text": sentence.text,
            "tokens": sentence.tokens,
        }
        if upos:
            record["upos"] = sentence.upos
        if xpos:
            record["xpos"] = sentence.xpos
        return json.dumps(record, ensure_ascii=False)
    if fmt == "conllu":
        rows = [f"# sent_id = {sent_id}", f"# text = {sentence.text.translate(_LINE_BREAKS)}"]
        spaces = _space_after(sentence.text, sentence.tokens)
        for i, token in enumerate(sentence.tokens):
            misc = "SpaceAfter=No" if spaces[i] is False and i + 1 < len(spaces) else "_"
            u = sentence.upos[i] if upos else "_"
            x = sentence.xpos[i] if xpos else "_"
            rows.append(f"{i + 1}\t{token}\t_\t{u}\t{x}\t_\t_\t_\t_\t{misc}")
        return "\n".join(rows) + "\n"
    raise SeqnlpError(f"format must be one of {FORMATS}, got {fmt!r}")
