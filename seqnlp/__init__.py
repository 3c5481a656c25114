"""seqnlp: English sequence NLP with gensim embeddings and recurrent networks.

Heavy modules (torch, gensim) are imported lazily so that ``import seqnlp`` and
``seqnlp --help`` stay fast.
"""

from __future__ import annotations

import logging

from seqnlp.errors import DataError, ModelFileError, SeqnlpError, UnknownWordError
from seqnlp.version import __version__

logging.getLogger("seqnlp").addHandler(logging.NullHandler())


def load_tagger(path=None):
    """The part-of-speech tagger at ``path`` (default: the one shipped with seqnlp).

    ``seqnlp.load_tagger().tag(["I saw a saw"])`` -> ``[[("I", "PRON", "PRP"), ...]]``.
    """
    from seqnlp.tagger import Tagger

    return Tagger.load(path)


def load_classifier(path=None):
    """The sentiment classifier at ``path`` (default: the one shipped with seqnlp).

    ``seqnlp.load_classifier().predict(["a gripping, funny film"])`` -> label, probability.
    """
    from seqnlp.sentiment import SentimentClassifier

    return SentimentClassifier.load(path)


__all__ = [
    "DataError",
    "ModelFileError",
    "SeqnlpError",
    "UnknownWordError",
    "__version__",
    "load_classifier",
    "load_tagger",
]
