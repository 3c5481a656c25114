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


__all__ = [
    "confidence_and_correct",
    "expected_calibration_error",
    "reliability_bins",
]
