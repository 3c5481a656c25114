"""Figures written to files: embedding maps, confusion matrices and reliability diagrams
(matplotlib, Agg)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from seqnlp.errors import SeqnlpError

PROJECTIONS = ("pca", "tsne")
# What matplotlib's Agg, SVG, PDF and PS backends write, checked before any work is done.
IMAGE_SUFFIXES = (".png", ".svg", ".pdf", ".jpg", ".jpeg", ".eps", ".ps", ".tif", ".tiff")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: never needs a display
    import matplotlib.pyplot as plt

    return plt


def project_2d(vectors: np.ndarray, method: str = "pca", seed: int = 0) -> np.ndarray:
    """Project rows to 2-D: seqnlp's PCA (:func:`~seqnlp.embeddings.arithmetic.pca`, the
    server's word map too) or scikit-learn's t-SNE."""
    if method not in PROJECTIONS:
        raise SeqnlpError(f"method must be one of {PROJECTIONS}, got {method!r}")
    if len(vectors) < 3:
        raise SeqnlpError("a map needs at least 3 words")
    if method == "pca":
        from seqnlp.embeddings.arithmetic import pca

        return pca(np.asarray(vectors, dtype=np.float64), 2, fixed_signs=True)
    from sklearn.manifold import TSNE

    perplexity = min(30.0, (len(vectors) - 1) / 3)
    return TSNE(
        n_components=2, perplexity=perplexity, init="pca", metric="cosine", random_state=seed
    ).fit_transform(vectors)


def plot_words(
    words: Sequence[str],
    vectors: np.ndarray,
    output: str | Path,
    method: str = "pca",
    title: str = "",
) -> Path:
    """Draw a labelled 2-D map of word vectors into ``output`` (.png, .svg, .pdf)."""
    points = project_2d(np.asarray(vectors, dtype=np.float32), method)
    plt = _pyplot()
    size = 7 if len(words) <= 60 else 11
    fig, ax = plt.subplots(figsize=(size, size), dpi=130)
    ax.scatter(points[:, 0], points[:, 1], s=12, color="#1f77b4", alpha=0.7)
    fontsize = 9 if len(words) <= 100 else 6
    for word, (x, y) in zip(words, points, strict=True):
        ax.annotate(word, (x, y), xytext=(3, 2), textcoords="offset points", fontsize=fontsize)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    output = Path(output)
    fig.savefig(output)
    plt.close(fig)
    return output


def plot_confusion(
    matrix: np.ndarray, labels: Sequence[str], output: str | Path, title: str = ""
) -> Path:
    """Draw a confusion matrix (rows gold, columns predicted), row-normalised colours."""
    plt = _pyplot()
    matrix = np.asarray(matrix)
    rates = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    n = len(labels)
    fig, ax = plt.subplots(figsize=(max(4, 0.45 * n + 2), max(4, 0.45 * n + 1.5)), dpi=130)
    ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(n), labels, rotation=90, fontsize=8)
    ax.set_yticks(range(n), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    for i in range(n):
        for j in range(n):
            if matrix[i, j]:
                color = "white" if rates[i, j] > 0.5 else "black"
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=6, color=color)
    ax.set_title(title)
    fig.tight_layout()
    output = Path(output)
    fig.savefig(output)
    plt.close(fig)
    return output


def plot_reliability(table: Sequence[dict], ece: float, output: str | Path, title: str = ""):
    """Draw a reliability diagram (accuracy per confidence bin against the diagonal), with
    the ECE in the legend and each bin's share of predictions below, into ``output``.

    Args:
        table: :func:`seqnlp.calibration.reliability_bins`; ece: its expected calibration error.
    """
    bins = len(table)
    plt = _pyplot()
    fig, (ax, below) = plt.subplots(
        2, 1, figsize=(5, 6), dpi=130, sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    width = 1.0 / bins
    used = [b for b in table if b["count"]]
    ax.bar(
        [b["low"] for b in used],
        [b["accuracy"] for b in used],
        width=width,
        align="edge",
        edgecolor="black",
        color="#1f77b4",
        label=f"accuracy (ECE {100 * ece:.2f} %)",
    )
    ax.plot([0, 1], [0, 1], "--", color="gray", label="perfect calibration")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(title)
    total = sum(b["count"] for b in table)
    below.bar(
        [b["low"] for b in table],
        [b["count"] / total for b in table],
        width=width,
        align="edge",
        edgecolor="black",
        color="#999999",
    )
    below.set_xlabel("confidence (probability of the predicted label)")
    below.set_ylabel("share")
    below.set_xlim(0, 1)
    fig.tight_layout()
    output = Path(output)
    fig.savefig(output)
    plt.close(fig)
    return output
