"""The user-facing :class:`Tagger`: tokens or raw text in, (word, UPOS, XPOS) out, in numpy.

A saved tagger is a model directory of kind ``"tagger"`` (see :mod:`seqnlp.serialization`):
``config.json`` is a :class:`~seqnlp.tagger.config.TaggerConfig`, ``vocab.json`` holds the
word, character and tag vocabularies (and the UPOS/XPOS pairs seen in training),
``weights.safetensors`` the PyTorch ``state_dict`` (float16, word rows int8 by default).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from seqnlp import serialization
from seqnlp.batching import batch_schedule, chunks
from seqnlp.errors import ModelFileError, SeqnlpError
from seqnlp.tagger.config import KIND, TaggerConfig, expected_shapes
from seqnlp.tagger.encoding import KindRules, TokenEncoder, decode_tags, pair_ids
from seqnlp.tagger.numpy_network import TaggerNumpy
from seqnlp.tokenize import tokenize
from seqnlp.vocab import UNK_ID, Vocab

# Sentences longer than this are tagged in windows of this many tokens: a 100,000-token line
# then costs what 500 sentences cost, not 100,000 sequential RNN steps.
MAX_WINDOW = 200
# Padded tokens per batch when tagging: the forward pass holds about 20 KB a padded token
# (character scores, four LSTM gates each way), so 256 sentences of 97 tokens took 230 MB
# and a batch is now at most about 80 MB (tests/benchmarks/bench_tag_memory.py).
MAX_TOKENS = 4096
# The tensor stored as int8 rows when saved as int8: most of the model.
ROW_TENSORS = ("word_embedding.weight",)

TaggedToken = tuple[str, str, str]  # (word, UPOS, XPOS)
# vocab.json's vocabularies and the config field that holds each one's size
VOCAB_SIZES = {"words": "num_words", "chars": "num_chars", "upos": "num_upos", "xpos": "num_xpos"}


def _windows(tokens: Sequence[str]) -> list[Sequence[str]]:
    return [tokens[i : i + MAX_WINDOW] for i in range(0, len(tokens), MAX_WINDOW)]


class Tagger:
    """A trained part-of-speech tagger: tokens or raw text in, (word, UPOS, XPOS) out.

    Load one with :meth:`load` (or ``seqnlp.load_tagger()``), train one with
    :func:`seqnlp.tagger.train`.
    """

    def __init__(
        self,
        config: TaggerConfig,
        vocabs: dict[str, Vocab],
        tensors: dict[str, np.ndarray],
        meta: dict[str, Any] | None = None,
        path: Path | None = None,
        train_words: int | None = None,
        pairs: Sequence[tuple[str, str]] | None = None,
    ) -> None:
        self.config = config
        self.vocabs = vocabs
        # the word vocabulary lists the training words first: ids 2 .. 2 + train_words - 1
        self.train_words = train_words
        # (UPOS, XPOS) pairs seen in training; None (older models): the heads decide alone
        self.pairs = None if pairs is None else [tuple(p) for p in pairs]
        self._pair_ids = None if pairs is None else pair_ids(pairs, vocabs["upos"], vocabs["xpos"])
        self._kind_rules = KindRules(vocabs["upos"], vocabs["xpos"], self.pairs)
        self.tensors = tensors
        self.meta = dict(meta or {})
        self.path = path
        self.encoder = TokenEncoder(config, vocabs["words"], vocabs["chars"])
        self.upos_tags = vocabs["upos"].itos
        self.xpos_tags = vocabs["xpos"].itos
        self._network = TaggerNumpy(config, tensors)

    # ------------------------------------------------------------------ files
    @classmethod
    def load(cls, directory: str | os.PathLike | None = None) -> Tagger:
        """Load a tagger directory; None loads the tagger shipped with seqnlp.

        Raises:
            ModelFileError: not a tagger (e.g. a sentiment model), corrupted, or incomplete.
        """
        model = serialization.read_model(directory, KIND)
        path = model.path
        config = model.build_config(TaggerConfig, repeats=("layers",))
        if not model.vocab:
            raise ModelFileError(f"{path} has no {serialization.VOCAB_FILE}")
        try:
            vocabs = {name: Vocab.from_dict(model.vocab[name]) for name in VOCAB_SIZES}
        except (KeyError, TypeError) as exc:
            raise ModelFileError(f"{path}: vocab.json lacks a vocabulary ({exc})") from None
        sizes = {field: len(vocabs[name]) for name, field in VOCAB_SIZES.items()}
        wrong = {k: v for k, v in sizes.items() if getattr(config, k) != v}
        if wrong:
            raise ModelFileError(f"{path}: vocab.json does not match config.json ({wrong})")
        tensors = model.checked_tensors(expected_shapes(config))
        train_words = model.vocab.get("train_words")
        if train_words is not None and not isinstance(train_words, int):
            raise ModelFileError(f"{path}: vocab.json train_words must be an integer")
        pairs = model.vocab.get("tag_pairs")
        if pairs is not None and not (
            isinstance(pairs, list)
            and all(
                isinstance(p, list)
                and len(p) == 2
                and p[0] in vocabs["upos"].stoi
                and p[1] in vocabs["xpos"].stoi
                for p in pairs
            )
        ):
            raise ModelFileError(f"{path}: vocab.json tag_pairs must list known [UPOS, XPOS] pairs")
        return cls(config, vocabs, tensors, model.meta, path, train_words, pairs)

    def save(
        self, directory: str | os.PathLike, *, overwrite: bool = False, dtype: str = "float16"
    ) -> Path:
        """Save as a model directory (atomically).

        ``dtype="float16"`` halves the file; ``"int8"`` also stores the word embedding, most
        of the model, as int8 rows with one scale each (a quarter of float32).
        """
        return serialization.save_model(
            directory,
            kind=KIND,
            config=self.config,
            tensors=serialization.compact(self.tensors, dtype, rows=ROW_TENSORS),
            vocab={
                **{k: v.to_dict() for k, v in self.vocabs.items()},
                "train_words": self.train_words,
                "tag_pairs": self.pairs,
            },
            meta={**self.meta, "dtype": dtype},
            overwrite=overwrite,
        )

    def seen_in_training(self, word: str) -> bool:
        """Whether ``word`` (as the word vocabulary keys it) occurred in the training data.

        Falls back to "has its own embedding" for taggers saved without that record.
        """
        index = self.encoder.word_id(word)
        if self.train_words is None:
            return index != UNK_ID
        return 2 <= index < 2 + self.train_words

    # ------------------------------------------------------------------ tagging
    def predict_ids(
        self, sentences: Sequence[Sequence[str]]
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """UPOS and XPOS ids for one batch of non-empty token lists, in input order."""
        if not sentences:
            return []
        arrays = self.encoder.encode(sentences)
        upos, xpos = decode_tags(*self._network(**arrays), self._pair_ids)
        self._kind_rules.apply(sentences, upos, xpos)  # emoji SYM, non-Latin words X
        return [(upos[i, :n], xpos[i, :n]) for i, n in enumerate(arrays["lengths"])]

    def iter_tag(
        self,
        items: Iterable[tuple[Any, Sequence[str]]],
        batch_size: int = 256,
    ) -> Iterator[tuple[Any, list[str], list[str], list[str]]]:
        """Tag a stream of ``(key, tokens)`` pairs, yielding ``(key, tokens, upos, xpos)``.

        Order is preserved and memory stays constant: pairs are read ``8 * batch_size`` (or
        ``32 * MAX_TOKENS`` tokens) at a time, sorted by length into batches of at most
        :data:`MAX_TOKENS` padded tokens (little padding), and yielded in input order.
        Empty token lists yield empty tags.
        """
        if batch_size < 1:
            raise SeqnlpError(f"batch size must be at least 1, got {batch_size}")
        for chunk in chunks(items, 8 * batch_size, lambda item: len(item[1]), 32 * MAX_TOKENS):
            windows: list[tuple[int, Sequence[str]]] = []
            for i, (key, tokens) in enumerate(chunk):
                if isinstance(tokens, str):
                    raise TypeError(
                        f"sentence {key!r} is the string {tokens[:40]!r}, not a list of tokens: "
                        "give tag_tokens token lists (tag_tokens([['I', 'saw']])) "
                        "or give raw text to tag() (tag(['I saw']))"
                    )
                windows += [(i, w) for w in _windows(tokens)]
            tags: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(windows)
            lengths = [len(w) for _, w in windows]
            for batch in batch_schedule(lengths, batch_size, shuffle=False, max_tokens=MAX_TOKENS):
                results = self.predict_ids([windows[j][1] for j in batch])
                for j, result in zip(batch, results, strict=True):
                    tags[j] = result
            upos: list[list[str]] = [[] for _ in chunk]
            xpos: list[list[str]] = [[] for _ in chunk]
            for (i, _), (u, x) in zip(windows, tags, strict=True):
                upos[i] += [self.upos_tags[k] for k in u]
                xpos[i] += [self.xpos_tags[k] for k in x]
            for (key, tokens), u, x in zip(chunk, upos, xpos, strict=True):
                yield key, list(tokens), u, x

    def tag_tokens(
        self, sentences: Sequence[Sequence[str]], batch_size: int = 256
    ) -> list[list[TaggedToken]]:
        """Tag pre-tokenized sentences: ``[["I", "saw", "a", "saw"]]`` ->
        ``[[("I", "PRON", "PRP"), ("saw", "VERB", "VBD"), ...]]``.

        Raises:
            TypeError: a sentence is a string, not a list of tokens (raw text goes to
                :meth:`tag`); a string would otherwise be tagged character by character.
        """
        if isinstance(sentences, str):
            raise TypeError(
                f"tag_tokens takes a list of token lists, not the string {sentences[:40]!r}: "
                "tag_tokens([['I', 'saw']]), or tag() for raw text"
            )
        tagged = self.iter_tag(enumerate(sentences), batch_size)
        return [list(zip(tokens, u, x, strict=True)) for _, tokens, u, x in tagged]

    def tag(self, texts: Sequence[str] | str, batch_size: int = 256) -> list[list[TaggedToken]]:
        """Tokenize raw texts (sentences and words, EWT conventions) and tag them.

        Returns one list of (word, UPOS, XPOS) per text, its sentences one after another;
        an empty or blank text gives an empty list. A single string is one text, as for
        :meth:`seqnlp.sentiment.SentimentClassifier.predict`.
        """
        if isinstance(texts, str):
            texts = [texts]
        sentences = ((i, s) for i, text in enumerate(texts) for s in tokenize(text))
        result: list[list[TaggedToken]] = [[] for _ in texts]
        for i, tokens, u, x in self.iter_tag(sentences, batch_size):
            result[i] += zip(tokens, u, x, strict=True)
        return result

    def __repr__(self) -> str:
        c = self.config
        where = f" from {self.path}" if self.path else ""
        return (
            f"<Tagger {'bi' if c.bidirectional else 'uni'}-{c.cell} {c.layers}x{c.hidden}, "
            f"{len(self.upos_tags)} UPOS, {len(self.xpos_tags)} XPOS tags{where}>"
        )
