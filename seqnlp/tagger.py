"""Part-of-speech tagging: a recurrent tagger of UPOS and PTB XPOS tags.

Text goes one way: raw text -> :mod:`seqnlp.tokenize` -> tokens -> ids (:class:`TokenEncoder`)
-> scores -> tags. Training and prediction share :class:`TokenEncoder`, so they can never
disagree on normalisation. Prediction runs in numpy (:class:`seqnlp.inference.TaggerNumpy`)
and never imports torch; training (:func:`train_tagger`) imports it on demand.

A saved tagger is a model directory of kind ``"tagger"`` (see :mod:`seqnlp.serialization`):
``config.json`` is a :class:`TaggerConfig`, ``vocab.json`` holds the word, character and
tag vocabularies (and the UPOS/XPOS pairs seen in training), ``weights.safetensors`` the
PyTorch ``state_dict`` (float16 by default).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from seqnlp import serialization
from seqnlp.errors import DataError, ModelFileError, SeqnlpError
from seqnlp.inference import CELLS, CHAR_ENCODERS, GATES, TaggerNumpy, log_softmax
from seqnlp.vocab import PAD_ID, UNK_ID, Vocab

if TYPE_CHECKING:
    from seqnlp import corpus
    from seqnlp.training import TrainConfig, TrainResult

log = logging.getLogger("seqnlp")

KIND = "tagger"
BOW, EOW = "<w>", "</w>"  # character-level word boundaries
# Weights on disk: float16/float32 everywhere, or int8 word embedding rows (one float32
# scale per row, as the shipped vectors) with float16 elsewhere.
_QUANTIZED = "word_embedding.weight"  # the tensor that int8 applies to: most of the model
# Sentences longer than this are tagged in windows of this many tokens: a 100,000-token line
# then costs what 500 sentences cost, not 100,000 sequential RNN steps.
MAX_WINDOW = 200
# Distinct word forms whose character ids are cached; the cache is emptied when full so that
# tagging a huge stream runs in constant memory.
_CHAR_CACHE_SIZE = 200_000

TaggedToken = tuple[str, str, str]  # (word, UPOS, XPOS)


def tag_pairs(sentences: Iterable[corpus.TaggedSentence]) -> list[tuple[str, str]]:
    """The (UPOS, XPOS) pairs that occur in ``sentences``, sorted: the ones a tagger may give."""
    return sorted({p for s in sentences for p in zip(s.upos, s.xpos, strict=True)})


def pair_ids(pairs: Sequence[tuple[str, str]], upos: Vocab, xpos: Vocab) -> np.ndarray:
    """``pairs`` as a (P, 2) array of (UPOS id, XPOS id); pairs with an unknown tag are dropped."""
    ids = [(upos.stoi[u], xpos.stoi[x]) for u, x in pairs if u in upos.stoi and x in xpos.stoi]
    return np.array(ids, dtype=np.int64).reshape(-1, 2)


def decode_tags(
    upos_scores: np.ndarray, xpos_scores: np.ndarray, pairs: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """UPOS and XPOS ids from the two heads' scores (``(..., tags)`` arrays).

    With ``pairs`` (from :func:`pair_ids`) each token gets the most probable pair seen in
    training, ``argmax p(upos) * p(xpos)``: the two heads decide independently otherwise, and
    0.7 % of EWT dev tokens then got a pair that never occurs in training.
    """
    if pairs is None or not len(pairs):
        return upos_scores.argmax(-1), xpos_scores.argmax(-1)
    u, x = pairs[:, 0], pairs[:, 1]
    joint = log_softmax(upos_scores)[..., u] + log_softmax(xpos_scores)[..., x]
    best = joint.argmax(-1)
    return u[best], x[best]


@dataclasses.dataclass
class TaggerConfig:
    """Everything that fixes the network's shape and how tokens become ids.

    ``TaggerNet(TaggerConfig(**json.load(open("config.json"))))`` rebuilds a saved network.

    Args:
        cell: recurrent cell, one of ``rnn``, ``lstm``, ``gru``.
        bidirectional: read each sentence both ways.
        layers: stacked recurrent layers.
        hidden: units per direction.
        word_dim: word embedding size (0: no word embeddings, spelling only).
        freeze_embeddings: keep the (pretrained) word embeddings fixed while training.
        char_encoder: how a word's characters become features: ``cnn`` (n-gram detectors,
            max-pooled) or ``lstm`` (a bidirectional LSTM's final states).
        char_dim: character embedding size.
        char_features: size of the character features (0: no character features).
        char_kernel: characters per detector (``cnn``).
        dropout: dropout on the inputs, between layers and on the encoder's outputs.
        word_dropout: training-time probability of replacing any word by the unknown word.
        rare_word_dropout: alpha: a training word seen c times is replaced by the unknown
            word with probability alpha / (alpha + c), teaching the network to tag from
            spelling the rare words that stand for the unknown ones.
        label_smoothing: spread this much of each target's probability over the other tags.
        lowercase: one word embedding row per lower-cased form; otherwise per form as
            written, with the lower-cased form as fallback (rows start from the pretrained
            vectors either way).
        max_word_chars: longer words keep their first and last ``max_word_chars // 2`` chars.
        num_words, num_chars, num_upos, num_xpos: vocabulary sizes (set when training).
    """

    cell: str = "lstm"
    bidirectional: bool = True
    layers: int = 1
    hidden: int = 160
    word_dim: int = 128
    freeze_embeddings: bool = False
    char_encoder: str = "cnn"
    char_dim: int = 32
    char_features: int = 128
    char_kernel: int = 3
    dropout: float = 0.33
    word_dropout: float = 0.0
    rare_word_dropout: float = 0.25
    label_smoothing: float = 0.0
    lowercase: bool = True
    max_word_chars: int = 20
    num_words: int = 0
    num_chars: int = 0
    num_upos: int = 0
    num_xpos: int = 0

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise SeqnlpError(f"cell must be one of {CELLS}, got {self.cell!r}")
        for name in ("layers", "hidden", "char_kernel", "max_word_chars"):
            if getattr(self, name) < 1:
                raise SeqnlpError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.char_encoder not in CHAR_ENCODERS:
            raise SeqnlpError(
                f"char_encoder must be one of {CHAR_ENCODERS}, got {self.char_encoder!r}"
            )
        if self.char_encoder == "lstm" and self.char_features % 2:
            raise SeqnlpError(f"char_features must be even for an LSTM, got {self.char_features}")
        if self.char_kernel % 2 == 0:
            raise SeqnlpError(f"char_kernel must be odd, got {self.char_kernel}")
        if self.word_dim < 0 or self.char_features < 0 or self.char_dim < 1:
            raise SeqnlpError(
                "word_dim and char_features cannot be negative, char_dim must be >= 1"
            )
        if not self.word_dim and not self.char_features:
            raise SeqnlpError("a tagger needs word embeddings or character features (or both)")
        if not (0 <= self.dropout < 1 and 0 <= self.word_dropout < 1):
            raise SeqnlpError("dropout and word_dropout must be in [0, 1)")
        if self.rare_word_dropout < 0 or not 0 <= self.label_smoothing < 1:
            raise SeqnlpError("need rare_word_dropout >= 0 and label_smoothing in [0, 1)")


def _rnn_shapes(
    prefix: str, cell: str, layers: int, bidirectional: bool, inputs: int, hidden: int
) -> dict[str, tuple[int, ...]]:
    """Tensor shapes of ``torch.nn.RNN/LSTM/GRU`` (biases included), named as in PyTorch."""
    gates = GATES[cell]
    directions = 2 if bidirectional else 1
    shapes: dict[str, tuple[int, ...]] = {}
    for layer in range(layers):
        size = inputs if layer == 0 else directions * hidden
        for suffix in ("", "_reverse")[:directions]:
            name = f"{prefix}{{}}_l{layer}{suffix}"
            shapes[name.format("weight_ih")] = (gates * hidden, size)
            shapes[name.format("weight_hh")] = (gates * hidden, hidden)
            shapes[name.format("bias_ih")] = (gates * hidden,)
            shapes[name.format("bias_hh")] = (gates * hidden,)
    return shapes


def expected_shapes(config: TaggerConfig) -> dict[str, tuple[int, ...]]:
    """The ``state_dict`` of ``TaggerNet(config)``: tensor names and shapes, without torch."""
    shapes: dict[str, tuple[int, ...]] = {}
    features = 0
    if config.word_dim:
        shapes["word_embedding.weight"] = (config.num_words, config.word_dim)
        features += config.word_dim
    if config.char_features:
        shapes["char_encoder.embedding.weight"] = (config.num_chars, config.char_dim)
        if config.char_encoder == "lstm":
            rnn = _rnn_shapes(
                "char_encoder.encoder.rnn.",
                "lstm",
                1,
                True,
                config.char_dim,
                config.char_features // 2,
            )
            shapes.update(rnn)
        else:
            shapes["char_encoder.conv.weight"] = (
                config.char_features,
                config.char_dim,
                config.char_kernel,
            )
            shapes["char_encoder.conv.bias"] = (config.char_features,)
        features += config.char_features
    hidden = config.hidden
    directions = 2 if config.bidirectional else 1
    shapes.update(
        _rnn_shapes(
            "encoder.rnn.", config.cell, config.layers, config.bidirectional, features, hidden
        )
    )
    for head, size in (("upos", config.num_upos), ("xpos", config.num_xpos)):
        shapes[f"{head}_head.weight"] = (size, directions * hidden)
        shapes[f"{head}_head.bias"] = (size,)
    return shapes


class TokenEncoder:
    """Tokens -> the id arrays that :class:`seqnlp.nn.TaggerNet` and its numpy twin take.

    The one path from strings to ids, for training batches and for a user's text alike.
    """

    def __init__(self, config: TaggerConfig, words: Vocab, chars: Vocab) -> None:
        self.config = config
        self.words = words
        self.chars = chars
        self._bow, self._eow = chars[BOW], chars[EOW]
        self._char_cache: dict[str, list[int]] = {}

    def word_id(self, token: str) -> int:
        """``token``'s row in the word embedding: its lower-cased form with ``lowercase``,
        else the form as written, falling back to the lower-cased form ("Apple" and "apple"
        then have rows of their own, and an unseen "APPLE" gets "apple"'s)."""
        stoi = self.words.stoi
        lower = token.lower()
        if self.config.lowercase or lower == token:
            index = stoi.get(lower, UNK_ID)
        else:
            index = stoi.get(token) or stoi.get(lower, UNK_ID)
        return index if index >= 2 else UNK_ID  # a literal "<pad>" in the text is unknown

    def char_ids(self, token: str) -> list[int]:
        """``<w>`` + characters + ``</w>``; an over-long word keeps its two ends."""
        ids = self._char_cache.get(token)
        if ids is None:
            limit = self.config.max_word_chars
            text = token if len(token) <= limit else token[: limit // 2] + token[-(limit // 2) :]
            stoi = self.chars.stoi
            ids = [self._bow, *(stoi.get(c, UNK_ID) for c in text), self._eow]
            if len(self._char_cache) >= _CHAR_CACHE_SIZE:
                self._char_cache.clear()
            self._char_cache[token] = ids
        return ids

    def encode(self, sentences: Sequence[Sequence[str]]) -> dict[str, np.ndarray]:
        """Pad a batch of non-empty token lists.

        Returns:
            ``words`` (batch, seq), ``chars`` (forms, max_chars) for the distinct forms,
            ``char_index`` (batch, seq) into ``chars``, ``lengths`` (batch,), all int64.
        """
        lengths = np.array([len(s) for s in sentences], dtype=np.int64)
        if len(lengths) and lengths.min() < 1:
            raise ValueError("cannot encode an empty sentence")
        steps = int(lengths.max()) if len(lengths) else 0
        words = np.full((len(sentences), steps), PAD_ID, dtype=np.int64)
        char_index = np.zeros((len(sentences), steps), dtype=np.int64)
        forms: dict[str, int] = {}
        for i, sentence in enumerate(sentences):
            char_index[i, : len(sentence)] = [forms.setdefault(t, len(forms)) for t in sentence]
        form_words = np.array([self.word_id(form) for form in forms], dtype=np.int64)
        real = np.arange(steps)[None, :] < lengths[:, None]
        if len(form_words):
            words[real] = form_words[char_index[real]]
        spelled = [self.char_ids(form) for form in forms]
        width = max((len(s) for s in spelled), default=1)
        chars = np.zeros((max(len(spelled), 1), width), dtype=np.int64)
        for row, ids in enumerate(spelled):
            chars[row, : len(ids)] = ids
        return {"words": words, "chars": chars, "char_index": char_index, "lengths": lengths}


def _windows(tokens: Sequence[str]) -> list[Sequence[str]]:
    return [tokens[i : i + MAX_WINDOW] for i in range(0, len(tokens), MAX_WINDOW)]


class Tagger:
    """A trained part-of-speech tagger: tokens or raw text in, (word, UPOS, XPOS) out.

    Load one with :meth:`load` (or ``seqnlp.load_tagger()``), train one with :meth:`train`.
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
        path = serialization.resolve_model(directory if directory is not None else KIND)
        model = serialization.load_model(path, KIND)
        config = serialization.config_from_dict(
            TaggerConfig, model.config, path / serialization.CONFIG_FILE
        )
        serialization.check_repeats(model.tensors, path, layers=config.layers)
        if not model.vocab:
            raise ModelFileError(f"{path} has no {serialization.VOCAB_FILE}")
        try:
            vocabs = {
                "words": Vocab.from_dict(model.vocab["words"]),
                "chars": Vocab.from_dict(model.vocab["chars"]),
                "upos": Vocab.from_dict(model.vocab["upos"]),
                "xpos": Vocab.from_dict(model.vocab["xpos"]),
            }
        except (KeyError, TypeError) as exc:
            raise ModelFileError(f"{path}: vocab.json lacks a vocabulary ({exc})") from None
        sizes = {
            "num_words": len(vocabs["words"]),
            "num_chars": len(vocabs["chars"]),
            "num_upos": len(vocabs["upos"]),
            "num_xpos": len(vocabs["xpos"]),
        }
        wrong = {k: v for k, v in sizes.items() if getattr(config, k) != v}
        if wrong:
            raise ModelFileError(f"{path}: vocab.json does not match config.json ({wrong})")
        expected = expected_shapes(config)
        expected = serialization.expect_row_scales(expected, model.tensors)
        serialization.check_shapes(model.tensors, expected, source=path)
        tensors = serialization.dequantize_rows(model.tensors)
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
        serialization.check_storage_dtype(dtype)
        cast = "float16" if dtype == "int8" else dtype
        tensors = {k: np.asarray(v, dtype=cast) for k, v in self.tensors.items()}
        if _QUANTIZED in tensors:
            tensors.update(serialization.quantize_rows(_QUANTIZED, self.tensors[_QUANTIZED], dtype))
        return serialization.save_model(
            directory,
            kind=KIND,
            config=self.config,
            tensors=tensors,
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
        return [(upos[i, :n], xpos[i, :n]) for i, n in enumerate(arrays["lengths"])]

    def iter_tag(
        self,
        items: Iterable[tuple[Any, Sequence[str]]],
        batch_size: int = 256,
    ) -> Iterator[tuple[Any, list[str], list[str], list[str]]]:
        """Tag a stream of ``(key, tokens)`` pairs, yielding ``(key, tokens, upos, xpos)``.

        Order is preserved and memory stays constant: pairs are read ``8 * batch_size`` at a
        time, sorted by length into batches (little padding), and yielded in input order.
        Empty token lists yield empty tags.
        """
        if batch_size < 1:
            raise SeqnlpError(f"batch size must be at least 1, got {batch_size}")
        items = iter(items)
        while chunk := list(islice(items, 8 * batch_size)):
            windows: list[tuple[int, Sequence[str]]] = []
            for i, (_, tokens) in enumerate(chunk):
                windows += [(i, w) for w in _windows(tokens)]
            order = sorted(range(len(windows)), key=lambda j: len(windows[j][1]))
            tags: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(windows)
            for start in range(0, len(order), batch_size):
                batch = order[start : start + batch_size]
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
        ``[[("I", "PRON", "PRP"), ("saw", "VERB", "VBD"), ...]]``."""
        tagged = self.iter_tag(enumerate(sentences), batch_size)
        return [list(zip(tokens, u, x, strict=True)) for _, tokens, u, x in tagged]

    def tag(self, texts: Sequence[str], batch_size: int = 256) -> list[list[TaggedToken]]:
        """Tokenize raw texts (sentences and words, EWT conventions) and tag them.

        Returns one list of (word, UPOS, XPOS) per text, its sentences one after another;
        an empty or blank text gives an empty list.
        """
        from seqnlp.tokenize import tokenize

        if isinstance(texts, str):
            raise TypeError("tag() takes a list of texts; wrap a single text in a list")
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

    # ------------------------------------------------------------------ training
    @classmethod
    def train(cls, **kwargs: Any) -> Tagger:
        """Train a tagger; the arguments are those of :func:`train_tagger`."""
        return train_tagger(**kwargs)[0]


# ---------------------------------------------------------------------------- text streams

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
    from seqnlp.tokenize import normalize, split_sentences, word_tokenize

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

    from seqnlp.tokenize import normalize

    def sentences() -> Iterator[tuple[tuple[int, str], list[str]]]:
        for number, line in lines:
            if pretokenized:
                tokens = normalize(line).split()
                if tokens:
                    yield (number, " ".join(tokens)), tokens
            else:
                for text, tokens in split_text(line):
                    yield (number, text), tokens

    for (number, text), tokens, upos, xpos in tagger.iter_tag(sentences(), batch_size):
        yield SentenceTags(text, tokens, upos, xpos, number)


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
        import json

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


# ---------------------------------------------------------------------------- training


def _read_tagged(
    name_or_path: str | os.PathLike, split: str
) -> tuple[list[corpus.TaggedSentence], Path]:
    from seqnlp.corpus import read_conllu
    from seqnlp.datasets import resolve

    path = resolve(name_or_path, split)
    if isinstance(path, list):
        if len(path) != 1:
            raise DataError(f"{name_or_path}: {split} has {len(path)} files; pass one file")
        path = path[0]
    sentences = list(read_conllu(path))
    if not sentences:
        raise DataError(f"{path}: no sentences")
    return sentences, Path(path)


def _data_record(name_or_path: Any, path: Path, sentences: int) -> dict[str, Any]:
    """What a model was trained on, in a form that means something on another machine."""
    from seqnlp.datasets import sha256

    digest = sha256(path)
    named = str(name_or_path) if not Path(name_or_path).exists() else None
    return {"dataset": named, "file": path.name, "sha256": digest, "sentences": sentences}


def build_vocabs(
    sentences: Sequence[corpus.TaggedSentence],
    *,
    lowercase: bool,
    vectors: Any = None,
    max_words: int = 30_000,
    min_count: int = 1,
) -> tuple[dict[str, Vocab], int]:
    """Vocabularies of a new tagger, and how many of its words come from the training data.

    Words: training words seen ``min_count`` times or known to the pretrained ``vectors``,
    most frequent first, then the vectors' most frequent words, up to ``max_words``. Every
    other word is unknown and tagged from its spelling. Characters: all in the training data.
    """
    counts = Counter(w.lower() if lowercase else w for s in sentences for w in s.words)
    known = vectors.index if vectors is not None else {}
    items = [w for w, c in counts.most_common() if c >= min_count or w in known]
    items = items[: max(max_words - 2, 0)]
    train_words = len(items)
    if vectors is not None and len(items) < max_words - 2:
        seen = set(items)
        for word in vectors.words:
            if len(items) >= max_words - 2:
                break
            if word not in seen:
                seen.add(word)
                items.append(word)
    char_counts = Counter(c for s in sentences for w in s.words for c in w)
    vocabs = {
        "words": Vocab(items),
        "chars": Vocab([BOW, EOW, *(c for c, _ in char_counts.most_common())]),
        "upos": Vocab(sorted({t for s in sentences for t in s.upos}), specials=False),
        "xpos": Vocab(sorted({t for s in sentences for t in s.xpos}), specials=False),
    }
    return vocabs, train_words


# Scale of the word embedding at the start of training (standard deviation of its entries).
# word2vec's raw vectors are far larger (about 1.8 for the shipped ones): fed as they are,
# they drown the character features (tanh, within [-1, 1]) and saturate the LSTM gates.
EMBEDDING_STD = 0.5


def _embedding_init(vectors: Any, vocab: Vocab, dim: int) -> tuple[np.ndarray, float]:
    """Rows for the word embedding from pretrained vectors, PCA-reduced to ``dim`` and
    scaled to :data:`EMBEDDING_STD`; returns them and the share of words found."""
    matrix, coverage = vectors.embedding_matrix(vocab)
    if dim > matrix.shape[1]:
        raise SeqnlpError(f"word_dim {dim} is larger than the vectors' {matrix.shape[1]}")
    if dim < matrix.shape[1]:
        # Keep the directions of largest variance: most of what the tagger can use, in a
        # smaller model (the shipped tagger's size is mostly this matrix).
        known = matrix[2:]
        mean = known.mean(axis=0)
        _, _, vt = np.linalg.svd(known - mean, full_matrices=False)
        matrix = (matrix - mean) @ vt[:dim].T
    matrix = matrix * (EMBEDDING_STD / max(float(matrix[2:].std()), 1e-12))
    matrix[PAD_ID] = 0.0
    return matrix.astype(np.float32), coverage


def checkpoint_dir_for(output: str | os.PathLike) -> Path:
    """Where training into ``output`` keeps its checkpoint: ``<output>.checkpoint``."""
    output = Path(output)
    return output.with_name(output.name + ".checkpoint")


def train_tagger(
    *,
    output: str | os.PathLike,
    train: str | os.PathLike = "ud-english-ewt",
    dev: str | os.PathLike = "ud-english-ewt",
    embeddings: str | os.PathLike | None = "default",
    config: TaggerConfig | None = None,
    train_config: TrainConfig | None = None,
    max_words: int = 30_000,
    dtype: str = "int8",
    resume: bool = False,
    overwrite: bool = False,
    keep_checkpoint: bool = False,
    progress: bool = True,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[Tagger, TrainResult]:
    """Train a tagger on CoNLL-U data, keeping the best epoch on dev in ``output``.

    Args:
        output: model directory; the best model so far is saved there after every epoch that
            improves on dev, so an interrupted run still leaves a usable tagger.
        train, dev: dataset names (their train/dev split) or CoNLL-U files.
        embeddings: pretrained word vectors: ``"default"`` (shipped), a vectors directory,
            or None for randomly initialised word embeddings.
        config: the network (vocabulary sizes are filled in); default :class:`TaggerConfig`.
        train_config: epochs, batch size, learning rate... (:class:`seqnlp.training.TrainConfig`).
        max_words: word vocabulary size, which dominates the model's size.
        dtype: weights on disk: ``int8`` (word embedding rows) + float16, ``float16`` or
            ``float32``.
        resume: continue from ``<output>.checkpoint``; the network and vocabularies come from
            the model saved in ``output``, not from ``config``.
        overwrite: replace an existing ``output``.
        keep_checkpoint: keep ``<output>.checkpoint`` after training finishes.
        progress: tqdm bars per epoch.
        on_epoch: called with every epoch's record (loss, dev accuracies, seconds).

    Returns:
        The best tagger (also saved in ``output``) and the :class:`TrainResult`.
    """
    import torch

    from seqnlp.nn import IGNORE_INDEX, TaggerNet
    from seqnlp.training import (
        CHECKPOINT_FILE,
        Batch,
        TrainConfig,
        fit,
        is_main_process,
        seed_everything,
    )

    serialization.check_storage_dtype(dtype)
    train_config = train_config or TrainConfig()
    output = Path(output)
    checkpoint_dir = checkpoint_dir_for(output)
    if is_main_process():
        serialization.recover_interrupted_save(output)
    if not resume and output.exists() and not overwrite:
        raise SeqnlpError(f"{output} already exists; choose another name or overwrite it")
    train_sents, train_path = _read_tagged(train, "train")
    dev_sents, dev_path = _read_tagged(dev, "dev")
    meta: dict[str, Any] = {
        "data": {
            "train": _data_record(train, train_path, len(train_sents)),
            "dev": _data_record(dev, dev_path, len(dev_sents)),
        },
        "train_config": dataclasses.asdict(train_config),
    }
    init = init_state = None
    if resume:
        if not (output / serialization.CONFIG_FILE).is_file():
            raise SeqnlpError(f"nothing to resume: {output} holds no model yet")
        saved = Tagger.load(output)
        config, vocabs, train_words = saved.config, saved.vocabs, saved.train_words
        meta.update({k: v for k, v in saved.meta.items() if k == "embeddings"})
        if not (checkpoint_dir / CHECKPOINT_FILE).is_file():
            if "training" in saved.meta:
                epochs = saved.meta["training"].get("epochs")
                raise ModelFileError(
                    f"nothing to resume: {output} is a finished model (its run ended after "
                    f"{epochs} epochs) and {checkpoint_dir} holds no checkpoint"
                )
            # stopped after saving its first model but before the first checkpoint
            log.warning("no checkpoint yet: training goes on from the saved model's weights")
            resume, init_state = False, saved.tensors
    else:
        config = dataclasses.replace(config or TaggerConfig())
        vectors = None
        if embeddings is not None:
            from seqnlp.embeddings import WordVectors

            vectors = WordVectors.load(None if str(embeddings) == "default" else embeddings)
        vocabs, train_words = build_vocabs(
            train_sents, lowercase=config.lowercase, vectors=vectors, max_words=max_words
        )
        config.num_words = len(vocabs["words"])
        config.num_chars = len(vocabs["chars"])
        config.num_upos = len(vocabs["upos"])
        config.num_xpos = len(vocabs["xpos"])
        if vectors is not None and config.word_dim:
            init, coverage = _embedding_init(vectors, vocabs["words"], config.word_dim)
            meta["embeddings"] = {
                "source": str(vectors.meta.get("path", embeddings)),
                "dim": vectors.dim,
                "coverage": round(coverage, 4),
            }
            log.info("pretrained vectors cover %.1f%% of the word vocabulary", 100 * coverage)
        elif config.word_dim:
            meta["embeddings"] = None

    counts = Counter(w.lower() if config.lowercase else w for s in train_sents for w in s.words)
    word_counts = [counts.get(w, 0) for w in vocabs["words"].itos]
    seed_everything(train_config.seed)
    network = TaggerNet(config, word_counts)
    if init_state is not None:
        network.load_state_dict({k: torch.from_numpy(v) for k, v in init_state.items()})
    elif network.word_embedding is not None:
        with torch.no_grad():
            if init is not None:
                network.word_embedding.weight.copy_(torch.from_numpy(init))
            else:  # the same scale as pretrained rows, for a fair comparison
                network.word_embedding.weight.normal_(0.0, EMBEDDING_STD)
                network.word_embedding.weight[0] = 0.0

    encoder = TokenEncoder(config, vocabs["words"], vocabs["chars"])
    upos_vocab, xpos_vocab = vocabs["upos"], vocabs["xpos"]
    pairs = tag_pairs(train_sents)
    dev_pairs = pair_ids(pairs, upos_vocab, xpos_vocab)

    def example(s: corpus.TaggedSentence) -> tuple[list[str], list[int], list[int]]:
        upos = [upos_vocab.stoi.get(t, IGNORE_INDEX) for t in s.upos]
        xpos = [xpos_vocab.stoi.get(t, IGNORE_INDEX) for t in s.xpos]
        return s.words, upos, xpos

    train_examples = [example(s) for s in train_sents]
    dev_examples = [example(s) for s in dev_sents]

    def collate(examples: list[tuple[list[str], list[int], list[int]]]) -> Batch:
        arrays = encoder.encode([words for words, _, _ in examples])
        steps = arrays["words"].shape[1]
        targets = {}
        for k, key in ((1, "upos"), (2, "xpos")):
            padded = np.full((len(examples), steps), IGNORE_INDEX, dtype=np.int64)
            for i, ex in enumerate(examples):
                padded[i, : len(ex[k])] = ex[k]
            targets[key] = torch.from_numpy(padded)
        inputs = {k: torch.from_numpy(v) for k, v in arrays.items()}
        return Batch(inputs, targets, int(arrays["lengths"].sum()))

    def evaluate(net: Any, examples: Sequence[Any]) -> dict[str, float]:
        device = next(net.parameters()).device
        correct_u = correct_x = total = 0
        order = sorted(range(len(examples)), key=lambda i: len(examples[i][0]))
        for start in range(0, len(order), 256):
            batch = collate([examples[i] for i in order[start : start + 256]]).to(device)
            scores = [t.float().cpu().numpy() for t in net(**batch.inputs)]
            upos, xpos = decode_tags(*scores, dev_pairs)  # as the saved tagger will decode
            gold_u, gold_x = (batch.targets[k].cpu().numpy() for k in ("upos", "xpos"))
            mask = gold_u != IGNORE_INDEX
            correct_u += int(((upos == gold_u) & mask).sum())
            correct_x += int(((xpos == gold_x) & mask).sum())
            total += int(mask.sum())
        upos_acc, xpos_acc = correct_u / max(total, 1), correct_x / max(total, 1)
        return {
            "upos_accuracy": upos_acc,
            "xpos_accuracy": xpos_acc,
            "accuracy": (upos_acc + xpos_acc) / 2,
        }

    def on_best(net: Any, metrics: dict[str, float], epoch: int) -> None:
        meta_now = {**meta, "dev": metrics, "epoch": epoch}
        tagger = _from_network(net, config, vocabs, meta_now, train_words, pairs)
        tagger.save(output, overwrite=True, dtype=dtype)

    result = fit(
        network,
        train_examples,
        dev_examples,
        collate=collate,
        evaluate=evaluate,
        metric="accuracy",
        config=train_config,
        length=lambda ex: len(ex[0]),
        checkpoint_dir=checkpoint_dir,
        resume=resume,
        on_best=on_best,
        on_epoch=on_epoch,
        progress=progress,
    )
    tagger = Tagger.load(output)
    tagger.meta["training"] = {
        "epochs": result.epochs,
        "best_epoch": result.best_epoch,
        "stopped_early": result.stopped_early,
        "seconds": round(result.seconds, 1),
        "history": result.history,
    }
    if is_main_process():  # in a torchrun job the other ranks only read
        tagger.save(output, overwrite=True, dtype=dtype)
        if not keep_checkpoint:
            shutil.rmtree(checkpoint_dir, ignore_errors=True)
    return tagger, result


def _from_network(
    network: Any,
    config: TaggerConfig,
    vocabs: dict[str, Vocab],
    meta: dict[str, Any],
    train_words: int,
    pairs: list[tuple[str, str]],
) -> Tagger:
    tensors = {k: v.detach().cpu().float().numpy() for k, v in network.state_dict().items()}
    return Tagger(config, vocabs, tensors, meta, train_words=train_words, pairs=pairs)


__all__ = [
    "FORMATS",
    "KIND",
    "MAX_WINDOW",
    "TAGSETS",
    "SentenceTags",
    "TaggedToken",
    "Tagger",
    "TaggerConfig",
    "TokenEncoder",
    "build_vocabs",
    "checkpoint_dir_for",
    "decode_tags",
    "expected_shapes",
    "format_sentence",
    "pair_ids",
    "split_text",
    "tag_lines",
    "tag_pairs",
    "train_tagger",
]
