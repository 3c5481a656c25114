"""The recipe of the shipped sentiment model, as library data: ``seqnlp.sentiment.train()``
and ``seqnlp train-sentiment`` with no options both run it, and the shipped model's
``meta.json`` records it (``recipe``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from seqnlp.sentiment.augment import Augmentation
from seqnlp.sentiment.config import SentimentConfig
from seqnlp.training.config import TrainConfig, run_record

SST2_NAMES = ("negative", "positive")  # SST-2's labels 0 and 1


@dataclasses.dataclass(frozen=True)
class SentimentRecipe:
    """Data, network and training settings of a classifier run (the defaults of ``train``)."""

    train: tuple[str, ...]
    dev: str
    config: SentimentConfig
    train_config: TrainConfig
    test: str
    embeddings: str | None
    min_count: int
    dtype: str
    augmentation: Augmentation | None
    ngram_weights: tuple[float, ...] | None
    pretrained_words: int | None

    def record(self) -> dict[str, Any]:
        """What a run of this recipe records in ``meta.json``."""
        return run_record(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)})


RECIPE = SentimentRecipe(
    # SST-2's phrase-level train set plus its sentences; the sentence dev set picks epochs
    train=("sst2:phrases", "sst2:train"),
    dev="sst2:dev",
    # two BiGRUs with attention pooling (seeds 1 and 2), averaged, then mixed with a TF-IDF
    # 1-2-gram logistic regression at the weight that scores best on dev (ngram_weights)
    config=SentimentConfig(pooling="attention", ngram_weight=0.0, members=2),
    train_config=TrainConfig(epochs=6, batch_size=64, lr=1e-3, lr_decay=0.7, patience=3),
    test="auto",
    embeddings="default",
    min_count=1,
    dtype="int8",
    # 14,000 negation and contrast examples built from SST's own polar phrases (issue #15)
    augmentation=Augmentation(
        n=14_000, seed=0, negation_share=0.43, double_share=0.1, distant_share=0.1
    ),
    ngram_weights=(0.0, 0.2, 0.35, 0.5),
    # words of the vectors that SST lacks ("staff", "app", "laptop"), most frequent first,
    # added after training (SentimentClassifier.add_words); 10,000 of the 21,404 keep the
    # weights file under 10 MB, 9.9 (tests/benchmarks/bench_sentiment_words.py: every count)
    pretrained_words=10_000,
)
