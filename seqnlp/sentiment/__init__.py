"""Sentence classification (SST-2 sentiment by default).

Data flows one way: a file or a user's string -> :func:`to_example` (the one normaliser for
training files and raw text) -> token ids -> the networks (and an n-gram model) -> label
probabilities. Prediction runs in numpy and never imports torch; training imports it lazily.

- :mod:`~seqnlp.sentiment.config`: :class:`SentimentConfig` and the tensor shapes it implies;
- :mod:`~seqnlp.sentiment.data`: readers of labelled files and datasets, labels, normalising;
- :mod:`~seqnlp.sentiment.network` (PyTorch) and :mod:`~seqnlp.sentiment.numpy_network`;
- :mod:`~seqnlp.sentiment.ngrams`: the TF-IDF 1-2-gram logistic regression;
- :mod:`~seqnlp.sentiment.model`: :class:`SentimentClassifier` (load, save, predict, evaluate);
- :mod:`~seqnlp.sentiment.training`: :func:`train`, the task's hooks for the shared driver;
- :mod:`~seqnlp.sentiment.recipe`: the shipped model's recipe (``train()``'s defaults).
"""

from seqnlp.sentiment.config import KIND, MAX_TOKENS, SentimentConfig, expected_shapes
from seqnlp.sentiment.data import (
    FORMATS,
    check_labels,
    guess_format,
    label_set,
    read_labeled,
    read_source,
    split_source,
    to_example,
)
from seqnlp.sentiment.model import Prediction, SentimentClassifier
from seqnlp.sentiment.ngrams import NgramModel
from seqnlp.sentiment.recipe import RECIPE, SST2_NAMES
from seqnlp.sentiment.training import read_examples, train

__all__ = [
    "FORMATS",
    "KIND",
    "MAX_TOKENS",
    "RECIPE",
    "SST2_NAMES",
    "NgramModel",
    "Prediction",
    "SentimentClassifier",
    "SentimentConfig",
    "check_labels",
    "expected_shapes",
    "guess_format",
    "label_set",
    "read_examples",
    "read_labeled",
    "read_source",
    "split_source",
    "to_example",
    "train",
]
