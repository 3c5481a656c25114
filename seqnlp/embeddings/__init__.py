"""Word embeddings: the vectors, how they are trained, and how they are scored.

- :mod:`~seqnlp.embeddings.config`: :class:`EmbeddingConfig` and the lookup key of a token;
- :mod:`~seqnlp.embeddings.vectors`: :class:`WordVectors`, queries in numpy, pickle-free storage;
- :mod:`~seqnlp.embeddings.training`: gensim Word2Vec/FastText on tokenized corpus files;
- :mod:`~seqnlp.embeddings.evaluation`: analogy and word-similarity benchmarks;
- :mod:`~seqnlp.embeddings.queries`: gensim's word queries over those vectors;
- :mod:`~seqnlp.embeddings.formats`: word2vec text/binary, GloVe, fastText files told apart;
- :mod:`~seqnlp.embeddings.reading`: such files read and checked row by row;
- :mod:`~seqnlp.embeddings.importing`: such files converted once into a directory that
  opens in milliseconds, and exported again;
- :mod:`~seqnlp.embeddings.index`: an approximate nearest-neighbour index (annoy).
"""

from seqnlp import deprecation as _deprecation
from seqnlp.embeddings.config import EmbeddingConfig
from seqnlp.embeddings.evaluation import evaluate
from seqnlp.embeddings.importing import export_vectors, import_vectors
from seqnlp.embeddings.training import train_embeddings
from seqnlp.embeddings.vectors import WordVectors, read_vectors

__all__ = [
    "EmbeddingConfig",
    "WordVectors",
    "evaluate",
    "export_vectors",
    "import_vectors",
    "read_vectors",
    "train_embeddings",
]

# exported until issue 28; each still resolves, with a warning naming its module
__getattr__ = _deprecation.moved_names(
    __name__,
    {
        "ALGORITHMS": "seqnlp.embeddings.config",
        "KIND": "seqnlp.embeddings.config",
        "normalize_token": "seqnlp.tokenize",
        "DEFAULT_SIMILARITIES": "seqnlp.embeddings.evaluation",
        "benchmark_path": "seqnlp.embeddings.evaluation",
        "evaluate_analogies": "seqnlp.embeddings.evaluation",
        "evaluate_similarity": "seqnlp.embeddings.evaluation",
        "PreparedCorpus": "seqnlp.embeddings.training",
        "default_workers": "seqnlp.embeddings.training",
        "gensim_model": "seqnlp.embeddings.training",
        "prepare_corpus": "seqnlp.embeddings.training",
        "tokenized_source": "seqnlp.embeddings.training",
        "train": "seqnlp.embeddings.training",
    },
)
