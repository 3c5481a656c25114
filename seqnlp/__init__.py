"""seqnlp: English sequence NLP with gensim embeddings and recurrent networks.

Heavy modules (torch, gensim) are imported lazily so that ``import seqnlp`` and
``seqnlp --help`` stay fast.
"""

import logging as _logging
import os as _os
import typing as _typing

from seqnlp import tasks as _tasks
from seqnlp.errors import DataError, ModelFileError, SeqnlpError, UnknownWordError
from seqnlp.version import __version__

if _typing.TYPE_CHECKING:  # for the annotations only: importing them costs numpy's import
    from seqnlp.sentiment.model import SentimentClassifier
    from seqnlp.tagger.model import Tagger

_logging.getLogger("seqnlp").addHandler(_logging.NullHandler())


def load_tagger(path: str | _os.PathLike | None = None) -> "Tagger":
    """The part-of-speech tagger at ``path`` (default: the one shipped with seqnlp).

    ``seqnlp.load_tagger().tag("I saw a saw")`` -> ``[[("I", "PRON", "PRP"), ...]]``.
    """
    return _tasks.TASKS["tagger"].load(path)


def load_classifier(path: str | _os.PathLike | None = None) -> "SentimentClassifier":
    """The sentiment classifier at ``path`` (default: the one shipped with seqnlp).

    ``seqnlp.load_classifier().predict(["a gripping, funny film"])`` -> label, probability.
    """
    return _tasks.TASKS["sentiment"].load(path)


__all__ = [
    "DataError",
    "ModelFileError",
    "SeqnlpError",
    "UnknownWordError",
    "__version__",
    "load_classifier",
    "load_tagger",
]
