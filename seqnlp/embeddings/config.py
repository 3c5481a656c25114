"""What decides how word vectors are trained and how words are looked up."""

from __future__ import annotations

from dataclasses import dataclass

from seqnlp.fields import check, setting

# the one lookup key of a word lives with the text; this module offered it before issue 28
from seqnlp.tokenize import normalize_token as normalize_token

ALGORITHMS = ("word2vec", "fasttext")
KIND = "vectors"  # saved as "embeddings" before issue 28 (serialization.KIND_ALIASES)


@dataclass
class EmbeddingConfig:
    """Everything that decides how vectors are trained and how words are looked up."""

    algorithm: str = setting(
        "word2vec",
        choices=ALGORITHMS,
        help="fasttext also learns sub-word vectors, so unknown words still get one.",
    )
    sg: bool = setting(False, negative="--cbow", help="Skip-gram or CBOW.")
    dim: int = setting(200, low=1, help="Vector size.")
    window: int = setting(8, low=1, help="Context words on each side.")
    negative: int = setting(15, low=1, help="Negative samples per word.")
    sample: float = setting(
        1e-4, low=0, high=1, help="Down-sampling threshold for frequent words (0: none)."
    )
    epochs: int = setting(6, low=1, help="Passes over the corpus.")
    min_count: int = setting(5, low=1, help="Ignore rarer words.")
    max_vocab: int | None = setting(
        None, low=1, help="Cap the training vocabulary (gensim max_final_vocab)."
    )
    lowercase: bool = setting(
        True,
        flag="--lower",
        negative="--case-sensitive",
        help="Lower-case the words and the queries (of words that then coincide, the most "
        "frequent is kept), or keep their case.",
    )
    min_n: int = 3
    max_n: int = 6
    bucket: int = 200_000
    seed: int = setting(1, low=0, help="Random seed (exact only with 1 worker).")

    def __post_init__(self) -> None:
        check(self)
