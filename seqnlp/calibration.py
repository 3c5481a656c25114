"""Calibration of predicted probabilities: expected calibration error, reliability bins.

Pure numpy, for any binary or multi-class classifier: pass the probability of the
predicted class (the confidence) and whether the prediction was right.
"""

from __future__ import annotations

import numpy as np


def reliability_bins(confidence, correct, bins: int = 15) -> list[dict]:
    """Equal-width confidence bins over [0, 1]: count, mean confidence and accuracy of each.

    A confidence of exactly 1.0 falls in the last bin; empty bins are kept (count 0).
    """
    confidence = np.asarray(confidence, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    if confidence.shape != correct.shape or confidence.ndim != 1:
        raise ValueError("confidence and correct must be 1-d arrays of the same length")
    if bins < 1:
        raise ValueError(f"bins must be positive, got {bins}")
    if confidence.size and (confidence.min() < 0 or confidence.max() > 1):
        raise ValueError("confidence must lie in [0, 1]")
    index = np.minimum((confidence * bins).astype(np.int64), bins - 1)
    out = []
    for b in range(bins):
        mask = index == b
        n = int(mask.sum())
        out.append(
            {
                "low": b / bins,
                "high": (b + 1) / bins,
                "count": n,
                "confidence": float(confidence[mask].mean()) if n else None,
                "accuracy": float(correct[mask].mean()) if n else None,
            }
        )
    return out


def expected_calibration_error(confidence, correct, bins: int = 15) -> float:
    """ECE (Guo et al., 2017): sum over equal-width bins of |accuracy - confidence| x share."""
    table = reliability_bins(confidence, correct, bins)
    total = sum(b["count"] for b in table)
    if not total:
        raise ValueError("no predictions")
    return float(
        sum(b["count"] * abs(b["accuracy"] - b["confidence"]) for b in table if b["count"]) / total
    )


def confidence_and_correct(probabilities, gold) -> tuple[np.ndarray, np.ndarray]:
    """(n, classes) probabilities and gold class ids -> confidence of the argmax, correctness."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    predicted = probabilities.argmax(axis=1)
    return probabilities.max(axis=1), predicted == np.asarray(gold)


def plot_reliability(confidence, correct, output, bins: int = 15, title: str = ""):
    """Draw a reliability diagram (accuracy per confidence bin against the diagonal), with
    the ECE in the legend and each bin's share of predictions below, into ``output``."""
    from pathlib import Path

    from seqnlp.plotting import _pyplot

    table = reliability_bins(confidence, correct, bins)
    ece = expected_calibration_error(confidence, correct, bins)
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


__all__ = [
    "confidence_and_correct",
    "expected_calibration_error",
    "plot_reliability",
    "reliability_bins",
]
