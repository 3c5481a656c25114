"""What fixes a sentence classifier: :class:`SentimentConfig`, and the tensors a saved one
must hold (every ensemble member's network, the n-gram model), computed without torch."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from seqnlp.errors import SeqnlpError
from seqnlp.layers.spec import CELLS, POOLINGS, Shapes, directions, linear_shapes, rnn_shapes
from seqnlp.sentiment.negation import NEGATORS, SCOPE_ENDS, negation_scope

KIND = "sentiment"
# Longer texts are cut (with a warning): a review of 10,000 words is still classified,
# and one pathological line cannot make a batch's padded tensor huge.
MAX_TOKENS = 400
# The rows of the words added after training (SentimentConfig.num_pretrained), shared by
# every member: their pretrained vectors, the same for all.
PRETRAINED = "pretrained.weight"
# What the encoder reads about negation scope besides each word's vector (SentimentConfig).
SCOPE_INPUTS = ("none", "flag", "words")


@dataclass
class SentimentConfig:
    """Everything that fixes the network's shape and the text's preparation.

    ``SentimentConfig(**json.load(f))`` rebuilds the network of a saved model exactly.

    Args:
        num_words: vocabulary size (ids 0 and 1 are padding and unknown).
        num_labels: classes.
        word_dim: embedding size (the pretrained vectors' size when they are used).
        hidden: recurrent units per direction.
        cell: one of :data:`CELLS`.
        layers: stacked recurrent layers.
        bidirectional: read left to right and right to left.
        pooling: how the states become one vector: ``last`` (final states), ``max``,
            ``mean`` or ``attention`` over time.
        dropout: before the output layer (and between stacked layers).
        embedding_dropout: on the word embeddings.
        word_dropout: during training, replace this fraction of words by the unknown word.
        freeze_embeddings: keep the pretrained vectors fixed.
        max_tokens: longer texts are cut here (with a warning).
        ngram_weight: the share of a TF-IDF 1-2-gram logistic regression
            (:class:`NgramModel`) in the predicted probabilities; 0 uses the network alone.
        num_ngrams: the n-gram model's features (set by training).
        members: networks trained with seeds ``seed``, ``seed + 1``...; their
            probabilities are averaged (an ensemble: steadier, and slower to predict).
        num_pretrained: the last words of the vocabulary, added after training with their
            pretrained vectors (:meth:`SentimentClassifier.add_words`); their rows are
            stored once (``pretrained.weight``) for every member.
        negation_scope: what the encoder reads besides each word's vector about the
            negator's scope it is in (:func:`seqnlp.sentiment.negation.negation_scope`):
            ``none``; ``flag``, one input, 1 in scope; ``words``, the flag and the word's
            vector again, zero out of scope, so that one linear map can read every negated
            word reversed, also words never seen negated in training.
        negators, scope_ends: the cue lists of that scope rule, recorded with a model that
            reads scope (the library's lists when not given), so that a later change of the
            library's lists does not change how a saved model reads text; empty without one.
    """

    num_words: int = 2
    num_labels: int = 2
    word_dim: int = 200
    hidden: int = 150
    cell: str = "gru"
    layers: int = 1
    bidirectional: bool = True
    pooling: str = "max"
    dropout: float = 0.5
    embedding_dropout: float = 0.3
    word_dropout: float = 0.0
    freeze_embeddings: bool = False
    max_tokens: int = MAX_TOKENS
    ngram_weight: float = 0.0
    num_ngrams: int = 0
    members: int = 1
    num_pretrained: int = 0
    negation_scope: str = "none"
    negators: tuple[str, ...] = ()
    scope_ends: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise SeqnlpError(f"cell must be one of {CELLS}, got {self.cell!r}")
        if self.pooling not in POOLINGS:
            raise SeqnlpError(f"pooling must be one of {POOLINGS}, got {self.pooling!r}")
        if self.negation_scope not in SCOPE_INPUTS:
            raise SeqnlpError(
                f"negation_scope must be one of {SCOPE_INPUTS}, got {self.negation_scope!r}"
            )
        self._check_cues()
        positive = ("num_words", "num_labels", "word_dim", "hidden", "layers", "max_tokens")
        for name in (*positive, "members"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise SeqnlpError(f"{name} must be a positive integer, got {getattr(self, name)!r}")
        for name in ("dropout", "embedding_dropout", "word_dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise SeqnlpError(f"{name} must be in [0, 1), got {getattr(self, name)!r}")
        if not 0.0 <= self.ngram_weight < 1.0:
            raise SeqnlpError(f"ngram_weight must be in [0, 1), got {self.ngram_weight!r}")
        if not isinstance(self.num_ngrams, int) or self.num_ngrams < 0:
            raise SeqnlpError(f"num_ngrams must be a count, got {self.num_ngrams!r}")
        pretrained = self.num_pretrained
        if not isinstance(pretrained, int) or not 0 <= pretrained < self.num_words:
            raise SeqnlpError(
                f"num_pretrained must be a count below num_words, got {self.num_pretrained!r}"
            )

    def _check_cues(self) -> None:
        """Record the library's cue lists for a scope model given none; refuse lists that
        cannot be read (a JSON config holds them as lists of strings)."""
        for name, default in (("negators", NEGATORS), ("scope_ends", SCOPE_ENDS)):
            cues = getattr(self, name)
            words = isinstance(cues, list | tuple) and all(isinstance(c, str) and c for c in cues)
            if not words:
                raise SeqnlpError(f"{name} must be a list of words, got {cues!r}")
            if self.negation_scope == "none" and cues:
                raise SeqnlpError(f"{name} are read only with a negation_scope of flag or words")
            if self.negation_scope != "none" and not cues:
                cues = sorted(default)
            setattr(self, name, tuple(cues))

    def scope(self, tokens: Sequence[str]) -> list[int]:
        """The negation-scope flags of ``tokens`` under this model's own cue lists."""
        return negation_scope(tokens, *_cue_sets(self.negators, self.scope_ends))


@functools.lru_cache(maxsize=16)
def _cue_sets(*lists: tuple[str, ...]) -> tuple[frozenset[str], ...]:
    """Cue lists as sets, built once per model rather than scanned for every token."""
    return tuple(frozenset(cues) for cues in lists)


def network_shapes(config: SentimentConfig) -> Shapes:
    """The ``state_dict`` of one ``SentimentNet(config)``."""
    states = directions(config.bidirectional) * config.hidden
    shapes: Shapes = {"embedding.weight": (config.num_words, config.word_dim)}
    shapes.update(
        rnn_shapes(
            "encoder.rnn.",
            config.cell,
            config.layers,
            config.bidirectional,
            input_size(config),
            config.hidden,
        )
    )
    if config.pooling == "attention":
        shapes.update(linear_shapes("attention.", states, 1))
    shapes.update(linear_shapes("output.", states, config.num_labels))
    return shapes


def input_size(config: SentimentConfig) -> int:
    """What the encoder reads per word: its embedding, and its scope inputs when used."""
    extra = {"none": 0, "flag": 1, "words": 1 + config.word_dim}[config.negation_scope]
    return config.word_dim + extra


def expected_shapes(config: SentimentConfig) -> Shapes:
    """Every tensor of a saved classifier: each member's network (its embedding without the
    words added after training), those words' shared rows, then the n-gram model's."""
    shapes: Shapes = {}
    network = network_shapes(config)
    network["embedding.weight"] = (config.num_words - config.num_pretrained, config.word_dim)
    for m in range(config.members):
        prefix = member_prefix(m, config.members)
        shapes |= {prefix + k: v for k, v in network.items()}
    if config.num_pretrained:
        shapes[PRETRAINED] = (config.num_pretrained, config.word_dim)
    if config.num_ngrams:
        shapes["ngrams.idf"] = (config.num_ngrams,)
        shapes["ngrams.coef"] = (config.num_labels, config.num_ngrams)
        shapes["ngrams.intercept"] = (config.num_labels,)
    return shapes


def member_prefix(member: int, members: int) -> str:
    """Tensor-name prefix of one network of an ensemble ("" for a single network)."""
    return f"member{member}." if members > 1 else ""


def member_tensors(
    tensors: dict[str, np.ndarray], member: int, members: int
) -> dict[str, np.ndarray]:
    """One network's tensors, named as in :class:`seqnlp.nn.SentimentNet`'s state_dict; its
    embedding includes the shared rows of the words added after training."""
    prefix = member_prefix(member, members)
    own = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
    if PRETRAINED in tensors:
        own["embedding.weight"] = np.vstack([own["embedding.weight"], tensors[PRETRAINED]])
    return own
