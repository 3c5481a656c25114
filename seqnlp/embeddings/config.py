"""What decides how word vectors are trained and how words are looked up."""

from __future__ import annotations

from dataclasses import dataclass

from seqnlp.errors import SeqnlpError

# the one lookup key of a word lives with the text; this module offered it before issue 28
from seqnlp.tokenize import normalize_token as normalize_token

ALGORITHMS = ("word2vec", "fasttext")
KIND = "vectors"  # saved as "embeddings" before issue 28 (serialization.KIND_ALIASES)


@dataclass
class EmbeddingConfig:
    """Everything that decides how vectors are trained and how words are looked up."""

    algorithm: str = "word2vec"
    sg: bool = False
    dim: int = 200
    window: int = 8
    negative: int = 15
    sample: float = 1e-4
    epochs: int = 6
    min_count: int = 5
    max_vocab: int | None = None
    lowercase: bool = True
    min_n: int = 3
    max_n: int = 6
    bucket: int = 200_000
    seed: int = 1

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise SeqnlpError(f"algorithm must be one of {ALGORITHMS}, got {self.algorithm!r}")
        for name in ("dim", "window", "negative", "epochs", "min_count"):
            if getattr(self, name) < (0 if name == "negative" else 1):
                raise SeqnlpError(f"{name} must be positive, got {getattr(self, name)}")
        if self.max_vocab is not None and self.max_vocab < 1:
            raise SeqnlpError(f"max_vocab must be at least 1 (or None), got {self.max_vocab}")
