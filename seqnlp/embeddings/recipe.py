"""The recipe of the shipped word vectors, as library data: ``seqnlp train-embeddings`` with
no options runs it, and the shipped vectors' ``meta.json`` records it (``recipe``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from seqnlp.embeddings.config import EmbeddingConfig
from seqnlp.training.config import run_record


@dataclasses.dataclass(frozen=True)
class EmbeddingsRecipe:
    """Corpus, gensim settings and what is kept of a vectors run."""

    corpus: tuple[str, ...]
    config: EmbeddingConfig
    top: int | None  # the most frequent words saved (None: all)
    dtype: str

    def record(self) -> dict[str, Any]:
        """What a run of this recipe records in ``meta.json``."""
        return run_record(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)})


RECIPE = EmbeddingsRecipe(
    # CBOW, 200-d, window 8, 15 negatives, sample 1e-4, 6 epochs on 77 M Wikipedia tokens
    corpus=("enwiki-2015",),
    config=EmbeddingConfig(),
    top=30_000,
    dtype="int8",
)
