"""seqnlp: English sequence NLP with gensim embeddings and recurrent networks.

Heavy modules (torch, gensim) are imported lazily so that ``import seqnlp`` and
``seqnlp --help`` stay fast.
"""

from __future__ import annotations

import logging

from seqnlp.errors import DataError, ModelFileError, SeqnlpError, UnknownWordError

__version__ = "0.1.0"

logging.getLogger("seqnlp").addHandler(logging.NullHandler())

__all__ = [
    "DataError",
    "ModelFileError",
    "SeqnlpError",
    "UnknownWordError",
    "__version__",
]
