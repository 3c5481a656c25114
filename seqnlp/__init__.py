"""seqnlp: English sequence NLP with gensim embeddings and recurrent networks.

The whole API a user needs first::

    seqnlp.load("tagger").predict("I saw a saw")      # or "sentiment", "vectors", a directory
    seqnlp.load_vectors("GoogleNews.bin")             # a directory or a word2vec/GloVe file
    seqnlp.tokenize("It wasn't bad. Really!")         # [["It", "was", "n't", "bad", "."], ...]
    seqnlp.train_tagger(output="my-tagger")           # and train_sentiment, train_embeddings

Every model answers the same verbs: ``load``, ``save(path, dtype=...)``, ``predict`` (one
text or a list), ``predict_stream`` (an iterable, constant memory) and ``evaluate``.
Heavy modules (torch, gensim) are imported lazily so that ``import seqnlp`` and
``seqnlp --help`` stay fast.
"""

import logging as _logging
import os as _os
import typing as _typing

from seqnlp import deprecation as _deprecation
from seqnlp import tasks as _tasks
from seqnlp.errors import DataError, ModelFileError, SeqnlpError, UnknownWordError
from seqnlp.version import __version__

if _typing.TYPE_CHECKING:  # for the annotations only: importing them costs numpy's import
    from seqnlp.embeddings.vectors import WordVectors
    from seqnlp.sentiment.model import SentimentClassifier
    from seqnlp.tagger.model import Tagger

_logging.getLogger("seqnlp").addHandler(_logging.NullHandler())


def load(name_or_path: str | _os.PathLike) -> _typing.Any:
    """Any seqnlp model: a shipped one by name (``"tagger"``, ``"sentiment"``,
    ``"vectors"``) or a model directory of any kind, read from its ``config.json``; a
    word2vec/GloVe/fastText file is read as vectors (:func:`load_vectors`).

    A name is always the shipped model, whatever folders the working directory holds
    (write ``./tagger`` for a directory of that name).

    Raises:
        ModelFileError: no such model, or a directory that is not a seqnlp model.
    """
    from seqnlp import serialization

    directory = serialization.resolve_model(name_or_path)
    if directory.is_file():
        return load_vectors(directory)
    return _tasks.TASKS[serialization.model_kind(directory)].load(directory)


def load_vectors(path: str | _os.PathLike | None = None) -> "WordVectors":
    """Word vectors: a seqnlp vectors directory (default: the shipped ones) or a
    word2vec/GloVe/fastText file (see :meth:`seqnlp.embeddings.WordVectors.load`)."""
    return _tasks.TASKS["vectors"].load(path)


def tokenize(text: str) -> list[list[str]]:
    """Running text -> sentences of words, the tagger's conventions (UD English EWT)."""
    from seqnlp.tokenize import tokenize as split

    return split(text)


def train_tagger(*args: _typing.Any, **kwargs: _typing.Any) -> _typing.Any:
    """:func:`seqnlp.tagger.train`: with no arguments but ``output``, the shipped recipe."""
    return _tasks.TASKS["tagger"].resolve("train")(*args, **kwargs)


def train_sentiment(*args: _typing.Any, **kwargs: _typing.Any) -> _typing.Any:
    """:func:`seqnlp.sentiment.train`: with no arguments but ``output``, the shipped recipe."""
    return _tasks.TASKS["sentiment"].resolve("train")(*args, **kwargs)


def train_embeddings(*args: _typing.Any, **kwargs: _typing.Any) -> _typing.Any:
    """:func:`seqnlp.embeddings.train_embeddings`: word2vec or fastText vectors (gensim)."""
    return _tasks.TASKS["vectors"].resolve("train")(*args, **kwargs)


def _load_tagger(path: str | _os.PathLike | None = None) -> "Tagger":
    """Deprecated: ``seqnlp.load("tagger")`` or ``seqnlp.load(path)``."""
    return _tasks.TASKS["tagger"].load(path)


def _load_classifier(path: str | _os.PathLike | None = None) -> "SentimentClassifier":
    """Deprecated: ``seqnlp.load("sentiment")`` or ``seqnlp.load(path)``."""
    return _tasks.TASKS["sentiment"].load(path)


# old name -> (the function, what to write instead); reached through __getattr__ with a
# warning, so that they stay out of dir(seqnlp) and out of the documented API
_DEPRECATED = {
    "load_tagger": (_load_tagger, 'seqnlp.load("tagger") or seqnlp.load(path)'),
    "load_classifier": (_load_classifier, 'seqnlp.load("sentiment") or seqnlp.load(path)'),
}


def __getattr__(name: str) -> _typing.Any:
    if name in _DEPRECATED:
        function, instead = _DEPRECATED[name]
        _deprecation.warn(f"seqnlp.{name}", instead)
        return function
    raise AttributeError(f"module 'seqnlp' has no attribute {name!r}")


__all__ = [
    "DataError",
    "ModelFileError",
    "SeqnlpError",
    "UnknownWordError",
    "__version__",
    "load",
    "load_vectors",
    "tokenize",
    "train_embeddings",
    "train_sentiment",
    "train_tagger",
]
