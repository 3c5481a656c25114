"""The recipe of the shipped tagger, as library data: ``seqnlp.tagger.train()`` and
``seqnlp train-tagger`` with no options both run it, and the shipped model's ``meta.json``
records it (``recipe``). Another recipe is a value too:
``train(dataclasses.replace(RECIPE, config=...))``."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import Any

from seqnlp.corpus import TaggedSentence
from seqnlp.tagger.config import TaggerConfig
from seqnlp.training.config import Recipe, TrainConfig

Data = str | os.PathLike | Sequence[TaggedSentence]  # a dataset name, a CoNLL-U file, sentences


@dataclasses.dataclass(frozen=True)
class TaggerRecipe(Recipe):
    """Data, network and training settings of a tagger run (what ``train`` runs).

    ``dev`` None holds a seeded 10 % of ``train`` out (never of ``silver``); the other fields
    are ``train``'s arguments of the same name.
    """

    train: Data
    dev: Data | None
    config: TaggerConfig
    train_config: TrainConfig
    embeddings: str | os.PathLike | None
    max_words: int
    dtype: str
    # uptraining: a CoNLL-U file of teacher-tagged raw text (``seqnlp silver``) learnt from
    # beside ``train``, or a seeded sample of ``silver_sentences`` of its sentences
    silver: str | os.PathLike | None = None
    silver_sentences: int | None = None

    def record(self) -> dict[str, Any]:
        """What a run records in ``meta.json``; without silver data, as runs made before
        uptraining existed recorded it (so the shipped tagger's record stays its recipe's)."""
        record = super().record()
        if self.silver is None:
            del record["silver"], record["silver_sentences"]
        return record

    def for_data(self, train: Data, **changes: Any) -> TaggerRecipe:
        """This recipe's network, vectors and schedule on other data, with no dev set
        (10 % of ``train`` held out) unless ``changes`` name one."""
        return dataclasses.replace(self, **{"dev": None, **changes, "train": train})


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
