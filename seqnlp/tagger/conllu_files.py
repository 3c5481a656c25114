"""CoNLL-U in and out: tag a treebank's own tokens and write it back with UPOS and XPOS
filled, every other column, comment and line (multiword ranges, empty nodes) as it was.

Blocks are parsed with the ``conllu`` library (to find the syntactic words: integer ids)
and written from their original lines, so nothing the library would re-spell changes.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from seqnlp.corpus import iter_lines
from seqnlp.errors import DataError
from seqnlp.tagger.formats import SentenceTags
from seqnlp.tagger.model import Tagger
from seqnlp.tagger.offsets import OffsetMap

# suffixes that mark a file as CoNLL-U for ``seqnlp tag --input`` (before .gz/.xz/.bz2)
CONLLU_SUFFIXES = (".conllu", ".conll")
_COMPRESSED = (".gz", ".xz", ".bz2", ".lzma")
_UPOS, _XPOS = 3, 4  # columns


@dataclass(frozen=True)
class ConlluBlock:
    """One sentence of a CoNLL-U file, as read."""

    lines: list[str]  # comments and token lines, without line ends
    word_lines: list[int]  # the positions in ``lines`` of the syntactic words
    words: list[str]  # their forms (column 2)
    text: str | None  # the ``# text`` comment
    first_line: int  # 1-based line number in the file


def is_conllu(path: str | os.PathLike) -> bool:
    """Whether ``path`` is named as a CoNLL-U file (``x.conllu``, ``x.conllu.gz``...)."""
    name = Path(path).name.lower()
    for suffix in _COMPRESSED:
        name = name.removesuffix(suffix)
    return name.endswith(CONLLU_SUFFIXES)


def read_blocks(path: str | os.PathLike, errors: str = "strict") -> Iterator[ConlluBlock]:
    """The sentences of a CoNLL-U file (plain or compressed, ``-`` for stdin), streamed.

    Raises:
        DataError: a line without 10 tab-separated columns, or a sentence that the
            ``conllu`` library cannot parse or that has no words (the message names the line).
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
        elif block:
            yield _parse(conllu, ParseException, path, start, block)
            block = []
    if block:
        yield _parse(conllu, ParseException, path, start, block)


def _parse(conllu, parse_error, path, start: int, block: list[str]) -> ConlluBlock:
    rows = [i for i, line in enumerate(block) if not line.startswith("#")]
    for i in rows:
        if block[i].count("\t") != 9:
            raise DataError(
                f"{path}:{start + i}: expected 10 tab-separated CoNLL-U columns, "
                f"found {block[i].count(chr(9)) + 1}"
            )
    try:
        (sentence,) = conllu.parse("\n".join(block) + "\n\n")
        tokens = list(zip(rows, sentence, strict=True))
    except (parse_error, ValueError) as exc:
        raise DataError(f"{path}:{start}: malformed CoNLL-U sentence ({exc})") from None
    # syntactic words: not multiword ranges (4-5) nor empty nodes (8.1)
    words = [(i, token["form"]) for i, token in tokens if isinstance(token["id"], int)]
    if not words:
        raise DataError(f"{path}:{start}: sentence has no words")
    return ConlluBlock(
        block, [i for i, _ in words], [f for _, f in words], sentence.metadata.get("text"), start
    )


def tag_blocks(
    tagger: Tagger,
    blocks: Iterable[ConlluBlock],
    *,
    batch_size: int = 256,
    top_k: int | None = None,
) -> Iterator[tuple[ConlluBlock, SentenceTags]]:
    """Tag each block's words as they are (no tokenizer), streaming, in order. The
    :class:`SentenceTags` text is the ``# text`` (the words joined where there is none), and
    the token offsets point into it."""
    items = ((block, block.words) for block in blocks)
    for block, tokens, upos, xpos, scores in tagger.iter_scored(items, batch_size, top_k):
        spans = OffsetMap(block.text).token_spans(tokens) if block.text else [None] * len(tokens)
        text = block.text or " ".join(tokens)
        yield block, SentenceTags(text, tokens, upos, xpos, block.first_line, spans, scores)


def filled(
    block: ConlluBlock, upos: Sequence[str], xpos: Sequence[str], tagset: str = "both"
) -> str:
    """The block with the words' UPOS (column 4) and/or XPOS (column 5) replaced, every
    other line and column as read; ends with a newline (a blank line separates blocks)."""
    lines = list(block.lines)
    for i, u, x in zip(block.word_lines, upos, xpos, strict=True):
        columns = lines[i].split("\t")
        if tagset in ("upos", "both"):
            columns[_UPOS] = u
        if tagset in ("xpos", "both"):
            columns[_XPOS] = x
        lines[i] = "\t".join(columns)
    return "\n".join(lines) + "\n"


def write_predictions(
    source: str | os.PathLike,
    output: str | os.PathLike,
    upos: Sequence[str],
    xpos: Sequence[str],
    errors: str = "strict",
) -> Path:
    """Write ``source`` again with these tags, one per word in file order (atomically)."""
    output = Path(output)
    if not output.parent.is_dir():
        raise DataError(f"{output}: the directory {output.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            done = 0
            for block in read_blocks(source, errors):
                n = len(block.words)
                if done + n > len(upos):
                    raise DataError(f"{source}: more words than the {len(upos)} predictions")
                out.write(filled(block, upos[done : done + n], xpos[done : done + n]) + "\n")
                done += n
        if done != len(upos):
            raise DataError(f"{source}: {done} words, but {len(upos)} predictions")
        os.replace(tmp, output)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return output
