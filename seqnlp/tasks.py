"""The task registry: every kind of model seqnlp knows, and where each one's pieces live.

A model directory's ``config.json`` names its kind; the same name is the default model
shipped in ``seqnlp/pretrained/<kind>/``, the package that implements it, and the key here.
The CLI, ``seqnlp info``, the default-model table and the contract test over every task all
read this table. Entries name their classes as ``"module:attribute"`` and import them only
when asked, so reading the registry costs no torch, gensim or numpy import.
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any


@dataclasses.dataclass(frozen=True)
class Task:
    """One kind of model.

    Args:
        kind: the model kind (``config.json``), default model name and package name.
        summary: what the task does, for listings.
        model: the user-facing class, with ``load(path=None)`` and ``save(path, *, ...)``.
        config: the config dataclass that ``config.json`` rebuilds.
        train: the library's training function (its defaults run ``recipe``).
        recipe: the shipped model's recipe, as library data.
    """

    kind: str
    summary: str
    model: str
    config: str
    train: str
    recipe: str

    def resolve(self, field: str) -> Any:
        """Import what ``field`` names (``"model"``, ``"train"``...)."""
        module, attribute = getattr(self, field).split(":")
        return getattr(importlib.import_module(module), attribute)

    def load(self, path: Any = None) -> Any:
        """The model at ``path``; None loads the default model shipped with seqnlp."""
        return self.resolve("model").load(path)


TASKS: dict[str, Task] = {
    task.kind: task
    for task in (
        Task(
            kind="vectors",
            summary="word vectors: similarity, neighbours, analogies (gensim word2vec/fastText)",
            model="seqnlp.embeddings.vectors:WordVectors",
            config="seqnlp.embeddings.config:EmbeddingConfig",
            train="seqnlp.embeddings.training:train_embeddings",
            recipe="seqnlp.embeddings.recipe:RECIPE",
        ),
        Task(
            kind="sentiment",
            summary="sentence classification: SST-2 sentiment with recurrent networks",
            model="seqnlp.sentiment.model:SentimentClassifier",
            config="seqnlp.sentiment.config:SentimentConfig",
            train="seqnlp.sentiment.training:train",
            recipe="seqnlp.sentiment.recipe:RECIPE",
        ),
        Task(
            kind="tagger",
            summary="part-of-speech tagging: UPOS and PTB XPOS with a recurrent tagger",
            model="seqnlp.tagger.model:Tagger",
            config="seqnlp.tagger.config:TaggerConfig",
            train="seqnlp.tagger.training:train",
            recipe="seqnlp.tagger.recipe:RECIPE",
        ),
    )
}
