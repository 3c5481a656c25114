"""A user's text in, tagged sentences out: streaming lines through the tagger, and the
``text``, ``conllu`` and ``json`` output formats."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from seqnlp.errors import SeqnlpError
from seqnlp.tagger.model import Tagger
from seqnlp.tagger.offsets import OffsetMap, Span, split_with_spans
from seqnlp.tagger.scores import TagScores

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
    # each token's characters in that line (None: not found there, as in CoNLL-U input)
    spans: list[Span | None] | None = None
    scores: TagScores | None = None  # only when tag_lines is asked for them


def tag_lines(
    tagger: Tagger,
    lines: Iterable[tuple[int, str]],
    *,
    pretokenized: bool = False,
    batch_size: int = 256,
    top_k: int | None = None,
) -> Iterator[SentenceTags]:
    """Tag numbered lines of text, streaming, in order.

    Args:
        lines: (line number, text) pairs, e.g. from :func:`seqnlp.corpus.iter_lines`.
        pretokenized: each line is one sentence of space-separated tokens (normalized as
            raw text is); otherwise each line is raw text, split into sentences and tokens.
        top_k: None: no :class:`~seqnlp.tagger.scores.TagScores`; 0: each tag's
            probability; over 0: also each head's ``top_k`` likeliest tags.
    """

    def sentences() -> Iterator[tuple[tuple[int, str, list], list[str]]]:
        for number, line in lines:
            if pretokenized:
                offsets = OffsetMap(line)
                tokens = offsets.text.split()
                if tokens:
                    yield (number, " ".join(tokens), offsets.token_spans(tokens)), tokens
            else:
                for start, piece in _pieces(line):
                    for text, tokens, spans in split_with_spans(piece):
                        spans = [None if s is None else (s[0] + start, s[1] + start) for s in spans]
                        yield (number, text, spans), tokens

    tagged = tagger.iter_scored(sentences(), batch_size, top_k)
    for (number, text, spans), tokens, upos, xpos, scores in tagged:
        yield SentenceTags(text, tokens, upos, xpos, number, spans, scores)


# Characters of raw text split into sentences at once: a longer line (a book without line
# ends, text without sentence ends) is cut at a space first, so that the tokenizer's work
# (about 80 bytes a character) stays bounded; a sentence running across a cut is split there.
MAX_PIECE = 20_000


def _pieces(line: str, size: int = MAX_PIECE) -> Iterator[tuple[int, str]]:
    """``line`` in pieces of at most about ``size`` characters, cut after whitespace, each
    with its offset in ``line``."""
    start = 0
    while len(line) - start > size:
        cut = line.rfind(" ", start + size // 2, start + size) + 1 or start + size
        yield start, line[start:cut]
        start = cut
    yield start, line[start:]


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


def format_sentence(sentence: SentenceTags, fmt: str, tagset: str, sent_id: int | str) -> str:
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
        if sentence.spans is not None:  # characters of the input line: line[start:end]
            record["start"] = [None if s is None else s[0] for s in sentence.spans]
            record["end"] = [None if s is None else s[1] for s in sentence.spans]
        if sentence.scores is not None:
            record.update(_score_fields(sentence.scores, upos, xpos))
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


def _score_fields(scores: TagScores, upos: bool, xpos: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, wanted, probs, top in (
        ("upos", upos, scores.upos, scores.upos_top),
        ("xpos", xpos, scores.xpos, scores.xpos_top),
    ):
        if wanted:
            fields[f"{name}_prob"] = probs
            if top is not None:
                fields[f"{name}_top"] = [[list(pair) for pair in ranked] for ranked in top]
    return fields
