"""The recipe of the shipped tagger, as library data: ``seqnlp.tagger.train()`` and
``seqnlp train-tagger`` with no options both run it, and the shipped model's ``meta.json``
records it (``recipe``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from seqnlp.tagger.config import TaggerConfig
from seqnlp.training.config import TrainConfig, run_record


@dataclasses.dataclass(frozen=True)
class TaggerRecipe:
    """Data, network and training settings of a tagger run (the defaults of ``train``)."""

    train: str
    dev: str
    config: TaggerConfig
    train_config: TrainConfig
    embeddings: str | None
    max_words: int
    dtype: str

    def record(self) -> dict[str, Any]:
        """What a run of this recipe records in ``meta.json``."""
        return run_record(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)})


RECIPE = TaggerRecipe(
    train="ud-english-ewt",
    dev="ud-english-ewt",
    # one BiLSTM layer of 160 over 128-d word vectors (PCA of the shipped 200-d ones) and
    # 128 character n-gram features
    config=TaggerConfig(),
    train_config=TrainConfig(epochs=20, batch_size=32, lr=2e-3, lr_decay=0.9, patience=4),
    embeddings="default",
    max_words=30_000,
    dtype="int8",
)
