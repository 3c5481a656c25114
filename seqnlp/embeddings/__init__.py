"""Word embeddings: the vectors, how they are trained, and how they are scored.

- :mod:`~seqnlp.embeddings.config`: :class:`EmbeddingConfig` and the lookup key of a token;
- :mod:`~seqnlp.embeddings.vectors`: :class:`WordVectors`, queries in numpy, pickle-free storage;
- :mod:`~seqnlp.embeddings.training`: gensim Word2Vec/FastText on tokenized corpus files;
- :mod:`~seqnlp.embeddings.evaluation`: analogy and word-similarity benchmarks;
- :mod:`~seqnlp.embeddings.formats`: word2vec text/binary, GloVe, fastText files, checked;
- :mod:`~seqnlp.embeddings.importing`: such files converted once into a directory that
  opens in milliseconds, and exported again;
- :mod:`~seqnlp.embeddings.index`: an approximate nearest-neighbour index (annoy).
"""

from seqnlp.embeddings.config import ALGORITHMS, KIND, EmbeddingConfig, normalize_token
from seqnlp.embeddings.evaluation import (
    DEFAULT_SIMILARITIES,
    benchmark_path,
    evaluate,
    evaluate_analogies,
    evaluate_similarity,
)
from seqnlp.embeddings.importing import export_vectors, import_vectors
from seqnlp.embeddings.training import (
    PreparedCorpus,
    default_workers,
    gensim_model,
    prepare_corpus,
    tokenized_source,
    train,
    train_embeddings,
)
from seqnlp.embeddings.vectors import WordVectors, read_vectors

__all__ = [
    "ALGORITHMS",
    "DEFAULT_SIMILARITIES",
    "KIND",
    "EmbeddingConfig",
    "PreparedCorpus",
    "WordVectors",
    "benchmark_path",
    "default_workers",
    "evaluate",
    "evaluate_analogies",
    "evaluate_similarity",
    "export_vectors",
    "gensim_model",
    "import_vectors",
    "normalize_token",
    "prepare_corpus",
    "read_vectors",
    "tokenized_source",
    "train",
    "train_embeddings",
]
