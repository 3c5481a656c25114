"""Words a classifier never saw in training, added through their pretrained vectors.

The networks learn from the words of their training data; "staff", "app" or "laptop" would
reach a film-review model as the unknown word. Training barely moves the pretrained rows
(cosine 0.996 between a word's row before and after, in the shipped model), so an unseen
word's pretrained vector lies where the networks expect its neighbours: it is appended to
the shared pretrained rows (:data:`~seqnlp.sentiment.config.PRETRAINED`) and the vocabulary.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from seqnlp.errors import SeqnlpError
from seqnlp.sentiment.config import PRETRAINED, SentimentConfig, member_prefix
from seqnlp.vocab import Vocab

if TYPE_CHECKING:
    from seqnlp.embeddings import WordVectors

# The least mean cosine between the vectors and the trained rows for which the vectors count
# as the ones trained from (shipped: 0.996; vectors of another space: about 0, as for random
# directions)
MIN_AGREEMENT = 0.5


def add_words(
    config: SentimentConfig,
    vocab: Vocab,
    tensors: dict[str, np.ndarray],
    vectors: WordVectors,
    limit: int | None = None,
) -> tuple[SentimentConfig, Vocab, dict[str, np.ndarray]]:
    """The config, vocabulary and tensors of a classifier that also reads the first ``limit``
    words of ``vectors`` (the most frequent) that it lacks, each through its vector.

    Raises:
        SeqnlpError: ``vectors`` are not of the classifier's ``word_dim``, or not the
            vectors it was trained from (their rows for the words both know disagree).
    """
    if vectors.dim != config.word_dim:
        raise SeqnlpError(
            f"the vectors have {vectors.dim} dimensions, the classifier's word "
            f"embeddings {config.word_dim}"
        )
    check_same_space(config, vocab, tensors, vectors)
    stoi = vocab.stoi
    # lower-case words only, as the classifier's tokens are (a cased table like
    # GoogleNews' would add "Paris" beside "paris", never read)
    unseen = (w for w in vectors.words if w == w.lower() and w.split() == [w])
    new = list(itertools.islice((w for w in unseen if w not in stoi), limit))
    rows = np.asarray([vectors.vector(word) for word in new], dtype=np.float32).reshape(
        len(new), vectors.dim
    )
    tensors = dict(tensors)
    if PRETRAINED in tensors:
        rows = np.vstack([tensors[PRETRAINED], rows])
    if len(rows):
        tensors[PRETRAINED] = rows
    config = replace(config, num_words=len(vocab) + len(new), num_pretrained=len(rows))
    return config, Vocab(vocab.itos[2:] + new), tensors


def check_same_space(
    config: SentimentConfig,
    vocab: Vocab,
    tensors: dict[str, np.ndarray],
    vectors: WordVectors,
    sample: int = 5_000,
) -> None:
    """Refuse vectors other than those the networks were trained from: in another space
    (GloVe beside word2vec, or another run) an added word's vector means nothing to them.
    The test: the mean cosine between the vectors and the first network's rows over the
    training words both know (0.996 for the shipped model and vectors)."""
    trained = vocab.itos[2 : config.num_words - config.num_pretrained]
    shared = [w for w in trained if w in vectors][:sample]
    rows = tensors[member_prefix(0, config.members) + "embedding.weight"]
    cosine = 0.0
    if shared:
        a = np.asarray([vectors.vector(w) for w in shared], dtype=np.float32)
        b = rows[[vocab.stoi[w] for w in shared]]
        norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
        cosine = float(((a * b).sum(axis=1) / np.maximum(norms, 1e-12)).mean())
    if cosine < MIN_AGREEMENT:
        raise SeqnlpError(
            f"these vectors are not the ones the classifier was trained from: over the "
            f"{len(shared)} training words they share, their vectors and the classifier's "
            f"rows have a mean cosine of {cosine:.2f} (at least {MIN_AGREEMENT} expected); "
            "add words from the vectors given to training (--embeddings)"
        )
