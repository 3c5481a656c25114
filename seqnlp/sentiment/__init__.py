"""Sentence classification (SST-2 sentiment by default).

Data flows one way: a file or a user's string -> :func:`to_example` (the one normaliser for
training files and raw text) -> token ids -> the networks (and an n-gram model) -> label
probabilities. Prediction runs in numpy and never imports torch; training imports it lazily.

- :mod:`~seqnlp.sentiment.config`: :class:`SentimentConfig` and the tensor shapes it implies;
- :mod:`~seqnlp.sentiment.data`: readers of labelled files and datasets, labels, normalising;
- :mod:`~seqnlp.sentiment.network` (PyTorch) and :mod:`~seqnlp.sentiment.numpy_network`;
- :mod:`~seqnlp.sentiment.ngrams`: the TF-IDF 1-2-gram logistic regression;
- :mod:`~seqnlp.sentiment.model`: :class:`SentimentClassifier` (load, save, predict, evaluate);
- :mod:`~seqnlp.sentiment.added_words`: words added after training through their vectors;
- :mod:`~seqnlp.sentiment.training`: :func:`train`, the task's hooks for the shared driver;
- :mod:`~seqnlp.sentiment.recipe`: the shipped model's recipe (``train()``'s defaults).
"""

from seqnlp import deprecation as _deprecation
from seqnlp.sentiment.config import SentimentConfig
from seqnlp.sentiment.data import FORMATS, read_labeled, read_source
from seqnlp.sentiment.model import Prediction, SentimentClassifier
from seqnlp.sentiment.recipe import RECIPE
from seqnlp.sentiment.training import train

__all__ = [
    "FORMATS",
    "RECIPE",
    "Prediction",
    "SentimentClassifier",
    "SentimentConfig",
    "read_labeled",
    "read_source",
    "train",
]

# exported until issue 28; each still resolves, with a warning naming its module
__getattr__ = _deprecation.moved_names(
    __name__,
    {
        "KIND": "seqnlp.sentiment.config",
        "MAX_TOKENS": "seqnlp.sentiment.config",
        "expected_shapes": "seqnlp.sentiment.config",
        "check_labels": "seqnlp.sentiment.data",
        "guess_format": "seqnlp.sentiment.data",
        "label_set": "seqnlp.sentiment.data",
        "split_source": "seqnlp.sentiment.data",
        "to_example": "seqnlp.sentiment.data",
        "NgramModel": "seqnlp.sentiment.ngrams",
        "SST2_NAMES": "seqnlp.sentiment.recipe",
        "read_examples": "seqnlp.sentiment.training",
    },
)
