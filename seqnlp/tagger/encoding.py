"""Tokens to ids and scores to tags: the one path between strings and arrays, for training
batches and a user's text alike, and the joint decoding of the UPOS and XPOS heads."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from seqnlp.corpus import TaggedSentence
from seqnlp.layers.numpy_layers import log_softmax
from seqnlp.tagger.config import TaggerConfig
from seqnlp.tokenize import normalize_token
from seqnlp.unicode import token_kind
from seqnlp.vocab import PAD_ID, UNK_ID, Vocab

BOW, EOW = "<w>", "</w>"  # character-level word boundaries
# Distinct word forms whose character ids are cached; the cache is emptied when full so that
# tagging a huge stream runs in constant memory. An entry costs about 150 bytes: 200,000 of
# them held 37 MB more than a stream of few words needs; 50,000 still hold Zipf's head.
_CHAR_CACHE_SIZE = 50_000


def tag_pairs(sentences: Iterable[TaggedSentence]) -> list[tuple[str, str]]:
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


# The tags of tokens that EWT cannot teach, having no emoji and no word in another script in
# its training split, decided by what the token is made of (seqnlp.unicode.token_kind):
# EWT's tags for their nearest kin, emoticons (":)" is SYM/NFP 36 times) and foreign words
# (X/FW). The networks guessed "❤/AUX", "👍/PART", "東京は大きい/PUNCT".
KIND_TAGS = {"emoji": ("SYM", "NFP"), "non-latin": ("X", "FW")}


class KindRules:
    """Overrides the decoded tags of emoji and non-Latin tokens with :data:`KIND_TAGS`, for
    each pair the model knows (and, when ``pairs`` is given, saw in training)."""

    def __init__(
        self, upos: Vocab, xpos: Vocab, pairs: Sequence[tuple[str, str]] | None = None
    ) -> None:
        allowed = None if pairs is None else {tuple(p) for p in pairs}
        self.ids = {
            kind: (upos.stoi[u], xpos.stoi[x])
            for kind, (u, x) in KIND_TAGS.items()
            if u in upos.stoi and x in xpos.stoi and (allowed is None or (u, x) in allowed)
        }

    def apply(self, sentences: Sequence[Sequence[str]], upos: np.ndarray, xpos: np.ndarray) -> None:
        """Rewrite ``upos``/``xpos`` ((batch, seq) ids of ``sentences``) in place."""
        if not self.ids:
            return
        for i, tokens in enumerate(sentences):
            if "".join(tokens).isascii():  # nearly every sentence: no rule can apply
                continue
            for j, token in enumerate(tokens):
                ids = self.ids.get(token_kind(token))
                if ids is not None:
                    upos[i, j], xpos[i, j] = ids


class TokenEncoder:
    """Tokens -> the id arrays that :class:`~seqnlp.tagger.network.TaggerNet` and its twin take.

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
        key = normalize_token(token, self.config.lowercase)
        index = stoi.get(key) or stoi.get(token.lower(), UNK_ID)  # the cased form's fallback
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


def build_vocabs(
    sentences: Sequence[TaggedSentence],
    *,
    lowercase: bool,
    vectors: Any = None,
    max_words: int = 30_000,
    min_count: int = 1,
    tags_from: Sequence[TaggedSentence] | None = None,
) -> tuple[dict[str, Vocab], int]:
    """Vocabularies of a new tagger, and how many of its words come from the training data.

    The tag sets are those of ``tags_from`` (default: ``sentences``): with silver data
    among the sentences, the gold ones, so that a silver tag left out (None) is no tag.

    Words: training words seen ``min_count`` times or known to the pretrained ``vectors``,
    most frequent first, then the vectors' most frequent words, up to ``max_words``. Every
    other word is unknown and tagged from its spelling. Characters: all in the training data.
    """
    counts = Counter(normalize_token(w, lowercase) for s in sentences for w in s.words)
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
        "upos": Vocab(sorted({t for s in tags_from or sentences for t in s.upos}), specials=False),
        "xpos": Vocab(sorted({t for s in tags_from or sentences for t in s.xpos}), specials=False),
    }
    return vocabs, train_words


# Scale of the word embedding at the start of training (standard deviation of its entries).
