"""The vector arithmetic that queries (:mod:`~seqnlp.embeddings.vectors`) and benchmarks
(:mod:`~seqnlp.embeddings.evaluation`) share, so that both score words the same way."""

from __future__ import annotations

import numpy as np


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (float32; a zero row stays zero)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


def cosmul(positive1: np.ndarray, positive2: np.ndarray, negative: np.ndarray) -> np.ndarray:
    """3CosMul over cosines shifted to [0, 1], exactly as gensim's most_similar_cosmul."""
    return ((1 + positive1) / 2) * ((1 + positive2) / 2) / ((1 + negative) / 2 + 1e-6)
