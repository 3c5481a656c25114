"""What fixes a sentence classifier: :class:`SentimentConfig`, and the tensors a saved one
must hold (every ensemble member's network, the n-gram model), computed without torch."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seqnlp.errors import SeqnlpError
from seqnlp.fields import setting
from seqnlp.layers.config import EncoderConfig, encoder_field
from seqnlp.layers.spec import POOLINGS, Shapes, linear_shapes

KIND = "sentiment"
# Longer texts are cut (with a warning): a review of 10,000 words is still classified,
# and one pathological line cannot make a batch's padded tensor huge.
MAX_TOKENS = 400
# The rows of the words added after training (SentimentConfig.num_pretrained), shared by
# every member: their pretrained vectors, the same for all.
PRETRAINED = "pretrained.weight"
# Fields of removed experiments that a saved model may record, with the one value under
# which the model reads text as it does without them (negation-scope input, issue 28).
RETIRED_FIELDS = {"negation_scope": "none", "negators": [], "scope_ends": []}


@dataclass
class SentimentConfig(EncoderConfig):
    """Everything that fixes the network's shape and the text's preparation.

    ``SentimentConfig(**json.load(f))`` rebuilds the network of a saved model exactly.
    The recurrent encoder's settings are :class:`~seqnlp.layers.config.EncoderConfig`'s;
    here ``word_dim`` is at least 1 (the pretrained vectors' size when they are used), and
    ``dropout`` also falls before the output layer.

    Args:
        num_words: vocabulary size (ids 0 and 1 are padding and unknown).
        num_labels: classes.
        pooling: how the states become one vector: ``last`` (final states), ``max``,
            ``mean`` or ``attention`` over time.
        embedding_dropout: on the word embeddings.
        max_tokens: longer texts are cut here (with a warning).
        ngram_weight: the share of a TF-IDF 1-2-gram logistic regression
            (:class:`NgramModel`) in the predicted probabilities; 0 uses the network alone.
        ngram_negation: the n-gram model reads negated words as features of their own
            (:func:`~seqnlp.sentiment.ngrams.mark_negation`).
        num_ngrams: the n-gram model's features (set by training).
        members: networks trained with seeds ``seed``, ``seed + 1``...; their
            probabilities are averaged (an ensemble: steadier, and slower to predict).
        num_pretrained: the last words of the vocabulary, added after training with their
            pretrained vectors (:meth:`SentimentClassifier.add_words`); their rows are
            stored once (``pretrained.weight``) for every member.
    """

    cell: str = encoder_field("cell", "gru")
    hidden: int = encoder_field("hidden", 150)
    word_dim: int = encoder_field("word_dim", 200)
    dropout: float = encoder_field("dropout", 0.5)
    num_words: int = setting(2, low=1)
    num_labels: int = setting(2, low=1)
    pooling: str = setting(
        "max", choices=POOLINGS, help="How the states over time become one vector."
    )
    embedding_dropout: float = setting(
        0.3, low=0, high=1, high_open=True, help="Dropout on the word embeddings."
    )
    max_tokens: int = setting(MAX_TOKENS, low=1)
    ngram_weight: float = setting(
        0.0,
        low=0,
        high=1,
        high_open=True,
        help="Share of a TF-IDF 1-2-gram logistic regression in the probabilities (0: none), "
        "when --ngram-weights is 'none'.",
    )
    ngram_negation: bool = setting(
        False,
        negative="--no-ngram-negation",
        help="In the n-gram part, mark the words after a negator up to the next punctuation "
        "or 'but' ('not good' -> not good_NEG): 'good' under 'not' becomes a feature of its "
        "own.",
    )
    num_ngrams: int = setting(0, low=0)
    members: int = setting(
        1, low=1, help="Networks to train (seeds SEED, SEED+1...) and average: an ensemble."
    )
    num_pretrained: int = setting(0, low=0)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.word_dim < 1:  # the classifier reads nothing but words
            raise SeqnlpError(f"word_dim must be at least 1, got {self.word_dim!r}")
        if self.num_pretrained >= self.num_words:
            raise SeqnlpError(
                f"num_pretrained must be a count below num_words, got {self.num_pretrained!r}"
            )


def network_shapes(config: SentimentConfig) -> Shapes:
    """The ``state_dict`` of one ``SentimentNet(config)``."""
    shapes: Shapes = {"embedding.weight": (config.num_words, config.word_dim)}
    shapes.update(config.encoder_shapes())
    if config.pooling == "attention":
        shapes.update(linear_shapes("attention.", config.output_size, 1))
    shapes.update(linear_shapes("output.", config.output_size, config.num_labels))
    return shapes


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
    """One network's tensors, named as in the state_dict of
    :class:`seqnlp.sentiment.network.SentimentNet`; its embedding includes the shared rows
    of the words added after training."""
    prefix = member_prefix(member, members)
    own = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
    if PRETRAINED in tensors:
        own["embedding.weight"] = np.vstack([own["embedding.weight"], tensors[PRETRAINED]])
    return own
