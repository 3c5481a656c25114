"""The user-facing :class:`Tagger`: tokens or raw text in, (word, UPOS, XPOS) out, in numpy.

A saved tagger is a model directory of kind ``"tagger"`` (see :mod:`seqnlp.serialization`):
``config.json`` is a :class:`~seqnlp.tagger.config.TaggerConfig`, ``vocab.json`` holds the
word, character and tag vocabularies (and the UPOS/XPOS pairs seen in training),
``weights.safetensors`` the PyTorch ``state_dict`` (the recipe stores float16, word rows int8).
"""

from __future__ import annotations

import dataclasses
import importlib
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from seqnlp import deprecation, serialization
from seqnlp.batching import batch_schedule, chunks
from seqnlp.errors import ModelFileError, SeqnlpError
from seqnlp.layers.numpy_layers import softmax
from seqnlp.tagger.config import KIND, TaggerConfig, expected_shapes
from seqnlp.tagger.encoding import KindRules, TokenEncoder, decode_tags, pair_ids
from seqnlp.tagger.numpy_network import TaggerNumpy
from seqnlp.tagger.offsets import split_with_spans
from seqnlp.tagger.scores import Ranked, TagScores, extend, ranked_tags
from seqnlp.tokenize import split_text
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


@dataclasses.dataclass(frozen=True)
class Token:
    """One token of :meth:`Tagger.annotate`: tags, confidence and where it is in the text
    (``text[start:end]``, as the user wrote it; None where it cannot be found)."""

    word: str
    upos: str
    xpos: str
    start: int | None
    end: int | None
    upos_prob: float
    xpos_prob: float
    upos_top: Ranked | None = None
    xpos_top: Ranked | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data, without the top-k lists that were not asked for.

        Field by field, not ``dataclasses.asdict``: its deep copy of every token took the
        server a third of a tagging call's time."""
        out = {name: getattr(self, name) for name in _TOKEN_FIELDS}
        for name in ("upos_top", "xpos_top"):
            if out[name] is None:
                del out[name]
            else:
                out[name] = list(out[name])  # the caller may cut its copy to its own k
        return out


_TOKEN_FIELDS = tuple(f.name for f in dataclasses.fields(Token))


class Tagger:
    """A trained part-of-speech tagger: tokens or raw text in, (word, UPOS, XPOS) out.

    Load one with :meth:`load` (or ``seqnlp.load("tagger")``), train one with
    :func:`seqnlp.train_tagger`. The verbs every seqnlp model answers: :meth:`load`,
    :meth:`save`, :meth:`predict` (one text or a list), :meth:`predict_stream` (an
    iterable, in constant memory) and :meth:`evaluate`.
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
    @deprecation.renamed_keywords(directory="path")
    def load(cls, path: str | os.PathLike | None = None) -> Tagger:
        """Load a tagger directory; None loads the tagger shipped with seqnlp.

        Raises:
            ModelFileError: not a tagger (e.g. a sentiment model), corrupted, or incomplete.
        """
        model = serialization.read_model(path, KIND)
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
        if train_words is not None and (type(train_words) is not int or train_words < 0):
            raise ModelFileError(f"{path}: vocab.json train_words must be a count of words")
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

    @deprecation.renamed_keywords(directory="path")
    def save(
        self, path: str | os.PathLike, *, overwrite: bool = False, dtype: str = "float32"
    ) -> Path:
        """Save as a model directory (atomically).

        ``dtype`` is every model's choice (default float32, exactly what is in memory):
        ``"float16"`` halves the file; ``"int8"`` also stores the word embedding, most of the
        model, as int8 rows with one scale each (a quarter of float32).
        """
        return serialization.save_model(
            path,
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
        return [(u, x) for u, x, _ in self._predict(sentences, None)]

    def _scores(
        self, sentences: Sequence[Sequence[str]]
    ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Each sentence's length and the two heads' scores for one batch of token lists:
        ``(batch, seq, UPOS tags)`` and ``(batch, seq, XPOS tags)``, softmax to come."""
        arrays = self.encoder.encode(sentences)
        return arrays["lengths"], self._network(**arrays)

    def _predict(
        self, sentences: Sequence[Sequence[str]], top_k: int | None
    ) -> list[tuple[np.ndarray, np.ndarray, TagScores | None]]:
        """:meth:`predict_ids`, and with ``top_k`` (0: none) each sentence's scores."""
        if not sentences:
            return []
        lengths, scores = self._scores(sentences)
        upos, xpos = decode_tags(*scores, self._pair_ids)
        self._kind_rules.apply(sentences, upos, xpos)  # emoji SYM, non-Latin words X
        if top_k is None:
            return [(upos[i, :n], xpos[i, :n], None) for i, n in enumerate(lengths)]
        heads = []
        for head_scores, ids, tags in zip(
            scores, (upos, xpos), (self.upos_tags, self.xpos_tags), strict=True
        ):
            probs = softmax(head_scores).astype(np.float64)  # (batch, seq, tags)
            chosen = np.round(np.take_along_axis(probs, ids[..., None], axis=-1)[..., 0], 4)
            ranked = None
            if top_k:
                best = np.argsort(-probs, axis=-1, kind="stable")[..., :top_k]
                ranked = (best, np.round(np.take_along_axis(probs, best, axis=-1), 4), tags)
            heads.append((chosen, ranked))
        out = []
        for i, n in enumerate(lengths):
            (u_prob, u_top), (x_prob, x_top) = (
                (chosen[i, :n].tolist(), None if ranked is None else ranked_tags(ranked, i, n))
                for chosen, ranked in heads
            )
            out.append((upos[i, :n], xpos[i, :n], TagScores(u_prob, x_prob, u_top, x_top)))
        return out

    def predict_tokens_stream(
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
        for key, tokens, u, x, _ in self.iter_scored(items, batch_size, None):
            yield key, tokens, u, x

    def iter_scored(
        self,
        items: Iterable[tuple[Any, Sequence[str]]],
        batch_size: int = 256,
        top_k: int | None = 0,
    ) -> Iterator[tuple[Any, list[str], list[str], list[str], TagScores | None]]:
        """:meth:`predict_tokens_stream`, each sentence with its :class:`TagScores` (None
        when ``top_k`` is None; each head's ``top_k`` likeliest tags when it is over 0)."""
        if batch_size < 1:
            raise SeqnlpError(f"batch size must be at least 1, got {batch_size}")
        if top_k is not None and top_k < 0:
            raise SeqnlpError(f"top_k must be at least 0, got {top_k}")
        for chunk in chunks(items, 8 * batch_size, lambda item: len(item[1]), 32 * MAX_TOKENS):
            windows: list[tuple[int, Sequence[str]]] = []
            for i, (key, tokens) in enumerate(chunk):
                if isinstance(tokens, str):
                    raise TypeError(
                        f"sentence {key!r} is the string {tokens[:40]!r}, not a list of tokens: "
                        "give predict_tokens token lists (predict_tokens([['I', 'saw']])) "
                        "or give raw text to predict() (predict(['I saw']))"
                    )
                windows += [(i, w) for w in _windows(tokens)]
            tags: list[Any] = [None] * len(windows)
            lengths = [len(w) for _, w in windows]
            for batch in batch_schedule(lengths, batch_size, shuffle=False, max_tokens=MAX_TOKENS):
                results = self._predict([windows[j][1] for j in batch], top_k)
                for j, result in zip(batch, results, strict=True):
                    tags[j] = result
            upos: list[list[str]] = [[] for _ in chunk]
            xpos: list[list[str]] = [[] for _ in chunk]
            scores: list[TagScores | None] = [
                None
                if top_k is None
                else TagScores([], [], [] if top_k else None, [] if top_k else None)
                for _ in chunk
            ]
            for (i, _), (u, x, scored) in zip(windows, tags, strict=True):
                upos[i] += [self.upos_tags[k] for k in u]
                xpos[i] += [self.xpos_tags[k] for k in x]
                if scored is not None:
                    extend(scores[i], scored)
            for (key, tokens), u, x, scored in zip(chunk, upos, xpos, scores, strict=True):
                yield key, list(tokens), u, x, scored

    def predict_tokens(
        self, sentences: Sequence[Sequence[str]], batch_size: int = 256
    ) -> list[list[TaggedToken]]:
        """Tag pre-tokenized sentences: ``[["I", "saw", "a", "saw"]]`` ->
        ``[[("I", "PRON", "PRP"), ("saw", "VERB", "VBD"), ...]]``.

        Raises:
            TypeError: a sentence is a string, not a list of tokens (raw text goes to
                :meth:`predict`); a string would otherwise be tagged character by character.
        """
        if isinstance(sentences, str):
            raise TypeError(
                f"predict_tokens takes a list of token lists, not the string "
                f"{sentences[:40]!r}: predict_tokens([['I', 'saw']]), or predict() for raw text"
            )
        tagged = self.predict_tokens_stream(enumerate(sentences), batch_size)
        return [list(zip(tokens, u, x, strict=True)) for _, tokens, u, x in tagged]

    def predict(self, texts: Sequence[str] | str, batch_size: int = 256) -> list[list[TaggedToken]]:
        """Tokenize raw texts (sentences and words, EWT conventions) and tag them.

        Returns one list of (word, UPOS, XPOS) per text, its sentences one after another;
        an empty or blank text gives an empty list. A single string is one text, as for
        :meth:`seqnlp.sentiment.SentimentClassifier.predict`.
        """
        if isinstance(texts, str):
            texts = [texts]
        return [tagged for _, tagged in self.predict_stream(texts, batch_size)]

    def predict_stream(
        self, texts: Iterable[str], batch_size: int = 256
    ) -> Iterator[tuple[str, list[TaggedToken]]]:
        """Tag a stream of raw texts (e.g. a file's lines) in constant memory, in order:
        ``(text, [(word, UPOS, XPOS), ...])`` for each, as :meth:`predict` tags it."""

        def sentences() -> Iterator[tuple[tuple[str, bool], list[str]]]:
            """Each text's sentences, keyed by the text and whether it is its last."""
            for n, text in enumerate(texts, start=1):
                if not isinstance(text, str):
                    raise TypeError(
                        f"text {n} is a {type(text).__name__}, not a string: predict reads raw "
                        "text; predict_tokens([['I', 'saw']]) tags tokenized sentences"
                    )
                # the one raw-text path (the tag command's too); a text without words
                # becomes one empty sentence, which tags as []
                tokenized = [tokens for _, tokens in split_text(text)] or [[]]
                for j, tokens in enumerate(tokenized):
                    yield (text, j == len(tokenized) - 1), tokens

        tagged: list[TaggedToken] = []
        for (text, last), tokens, u, x in self.predict_tokens_stream(sentences(), batch_size):
            tagged += zip(tokens, u, x, strict=True)
            if last:
                yield text, tagged
                tagged = []

    def evaluate(
        self,
        data: str | os.PathLike,
        *,
        batch_size: int = 256,
        raw_text: bool = True,
        errors: str = "strict",
        output: str | os.PathLike | None = None,
    ) -> dict[str, Any]:
        """Scores on a CoNLL-U file or a dataset's test split (``ud-english-ewt``): see
        :func:`seqnlp.tagger.evaluation.evaluate_tagger`."""
        # imported by name at call time: the scorer's CoNLL-U writer imports this module,
        # so a static import either way would be a cycle (tests/test_layering.py)
        evaluate_tagger = importlib.import_module("seqnlp.tagger.evaluation").evaluate_tagger
        return evaluate_tagger(
            self, data, batch_size=batch_size, raw_text=raw_text, errors=errors, output=output
        )

    tag = deprecation.alias("predict", "tag")
    tag_tokens = deprecation.alias("predict_tokens", "tag_tokens")
    iter_tag = deprecation.alias("predict_tokens_stream", "iter_tag")

    def annotate(
        self, texts: Sequence[str] | str, top_k: int = 0, batch_size: int = 256
    ) -> list[list[Token]]:
        """:meth:`predict` with more to each token: its character offsets in the text, the
        probability of each tag, and with ``top_k`` each head's ``top_k`` likeliest tags.

        ``annotate("I saw")[0][1]`` -> ``Token(word='saw', upos='VERB', xpos='VBD', start=2,
        end=5, upos_prob=0.99..., xpos_prob=0.98...)``.
        """
        if isinstance(texts, str):
            texts = [texts]
        sentences = (
            ((i, spans), tokens)
            for i, text in enumerate(texts)
            for _, tokens, spans in split_with_spans(text)
        )
        result: list[list[Token]] = [[] for _ in texts]
        for (i, spans), tokens, u, x, scored in self.iter_scored(sentences, batch_size, top_k):
            result[i] += sentence_tokens(tokens, u, x, spans, scored)
        return result

    def __repr__(self) -> str:
        c = self.config
        where = f" from {self.path}" if self.path else ""
        return (
            f"<Tagger {'bi' if c.bidirectional else 'uni'}-{c.cell} {c.layers}x{c.hidden}, "
            f"{len(self.upos_tags)} UPOS, {len(self.xpos_tags)} XPOS tags{where}>"
        )


def sentence_tokens(
    tokens: Sequence[str],
    upos: Sequence[str],
    xpos: Sequence[str],
    spans: Sequence[tuple[int, int] | None],
    scores: TagScores,
) -> list[Token]:
    """One sentence's :class:`Token` objects from its parts."""
    n = len(tokens)
    upos_top = scores.upos_top or [None] * n
    xpos_top = scores.xpos_top or [None] * n
    return [
        Token(w, u, x, *(span or (None, None)), up, xp, ut, xt)
        for w, u, x, span, up, xp, ut, xt in zip(
            tokens, upos, xpos, spans, scores.upos, scores.xpos, upos_top, xpos_top, strict=True
        )
    ]
