"""Silver data for uptraining (Petrov et al. 2010): raw text tagged by slower, stronger
taggers, keeping only the sentences they are sure of, for a fast tagger to learn from
beside the gold treebank.

Text goes the way prediction takes it (:func:`seqnlp.tokenize.split_text`), so the student
learns from sentences split and tokenised exactly as it will meet them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from seqnlp.corpus import TaggedSentence
from seqnlp.errors import DataError
from seqnlp.tagger.formats import SentenceTags, format_sentence
from seqnlp.tagger.model import Tagger
from seqnlp.tokenize import split_text

log = logging.getLogger("seqnlp")


@dataclass
class SilverStats:
    """What a silver run read and kept."""

    texts: int = 0
    sentences: int = 0
    kept: int = 0
    words_read: int = 0
    words_kept: int = 0
    tags_kept: int = 0
    sources: list[dict] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if isinstance(v, int)}

    def add(self, other: SilverStats) -> None:
        for name, value in other.counts().items():
            setattr(self, name, getattr(self, name) + value)


def silver_sentences(
    teacher: Tagger,
    texts: Iterable[str],
    *,
    min_prob: float = 0.95,
    min_share: float = 0.8,
    min_tokens: int = 3,
    max_tokens: int = 80,
    stats: SilverStats | None = None,
    batch_size: int = 256,
) -> Iterator[TaggedSentence]:
    """The sentences of ``texts`` as ``teacher`` tags them, streamed in text order: a
    token's tags are kept where the teacher gives its UPOS and its XPOS probability
    ``min_prob`` or more, and are None (learnt from as context only) elsewhere.

    A sentence is kept when ``min_share`` of its tokens keep their tags: whole sentences,
    so that the student reads every token in its context, without the ones the teacher
    cannot read (tables, other languages). A
    :class:`~seqnlp.tagger.ensemble.TaggerEnsemble` teacher averages its members'
    probabilities, so a high ``min_prob`` also asks the members to agree. Sentences shorter
    than ``min_tokens`` (titles, list items) or longer than ``max_tokens`` are skipped.
    """
    stats = stats if stats is not None else SilverStats()

    def sentences() -> Iterator[tuple[str, list[str]]]:
        for text in texts:
            stats.texts += 1
            yield from split_text(text)

    # counted as they come out, not as they are read ahead, so that a caller who stops
    # early gets the counts of what it saw
    for sentence, tokens, upos, xpos, scores in teacher.iter_scored(sentences(), batch_size, 0):
        assert scores is not None  # top_k 0: the chosen tags' probabilities
        stats.sentences += 1
        stats.words_read += len(tokens)
        if not min_tokens <= len(tokens) <= max_tokens:
            continue
        sure = [min(u, x) >= min_prob for u, x in zip(scores.upos, scores.xpos, strict=True)]
        if sum(sure) < min_share * len(tokens):
            continue
        stats.kept += 1
        stats.words_kept += len(tokens)
        stats.tags_kept += sum(sure)
        yield TaggedSentence(
            tokens,
            [u if ok else None for u, ok in zip(upos, sure, strict=True)],
            [x if ok else None for x, ok in zip(xpos, sure, strict=True)],
            text=sentence,
        )


def write_silver(
    teacher: Tagger,
    sources: Iterable[tuple[str, Iterable[str]]],
    output: str | os.PathLike,
    *,
    words: int,
    min_prob: float = 0.95,
    min_share: float = 0.8,
    progress: bool = True,
) -> SilverStats:
    """Tag each named source's texts with ``teacher`` and write the sentences kept
    (:func:`silver_sentences`, which ``min_prob`` and ``min_share`` go to) to ``output`` as
    CoNLL-U, a tag the teacher is unsure of written ``_``, up to ``words`` words kept from
    each source, so that one big source cannot crowd out the genres of the others.

    The file appears whole or not at all: it is written beside ``output`` and renamed.

    Raises:
        DataError: ``output``'s directory is missing; a source gave no sentence to keep.
    """
    from tqdm import tqdm

    from seqnlp.serialization.atomic import atomic_target

    output = Path(output)
    if not output.parent.is_dir():
        raise DataError(f"{output}: the directory {output.parent} does not exist")
    stats = SilverStats()
    with (
        atomic_target(output) as tmp,
        open(tmp, "w", encoding="utf-8", newline="\n") as out,
        tqdm(unit=" words", unit_scale=True, desc="silver", disable=not progress) as bar,
    ):
        for name, texts in sources:
            part = SilverStats()
            for n, sentence in enumerate(
                silver_sentences(
                    teacher, texts, min_prob=min_prob, min_share=min_share, stats=part
                ),
                start=1,
            ):
                # the tag command's CoNLL-U writer; an unsure tag is "_", CoNLL-U's none
                tags = [[t or "_" for t in ts] for ts in (sentence.upos, sentence.xpos)]
                block = SentenceTags(sentence.text or "", sentence.words, *tags, source=n)
                out.write(format_sentence(block, "conllu", "both", f"{name}-{n}") + "\n")
                bar.update(len(sentence.words))
                if part.words_kept >= words:
                    break
            if not part.kept:
                raise DataError(
                    f"{name}: no sentence with {min_share:.0%} of its tags at probability "
                    f"{min_prob} or more"
                )
            stats.add(part)
            stats.sources.append({"source": name, **part.counts()})
            log.info("%s: kept %d of %d sentences", name, part.kept, part.sentences)
    return stats
