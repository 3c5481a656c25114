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


def pca(
    matrix: np.ndarray, dim: int, fit: np.ndarray | None = None, *, fixed_signs: bool = False
) -> np.ndarray:
    """``matrix`` (rows) on the ``dim`` directions of largest variance of ``fit`` (default:
    the rows themselves), centred on ``fit``'s mean: the one PCA of seqnlp (the tagger's
    smaller word embedding, the server's word map, ``seqnlp plot-embeddings``).

    Args:
        fixed_signs: flip each axis so that its largest coordinate (by size) is positive:
            an SVD's signs are arbitrary, and the same words should always draw one map.
    """
    fit = matrix if fit is None else fit
    mean = fit.mean(axis=0)
    _, _, vt = np.linalg.svd(fit - mean, full_matrices=False)
    points = (matrix - mean) @ vt[:dim].T
    if fixed_signs and len(points):
        largest = points[np.abs(points).argmax(axis=0), np.arange(points.shape[1])]
        points *= np.where(largest < 0, -1.0, 1.0)
    return points
