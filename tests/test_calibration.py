"""Expected calibration error and reliability bins (seqnlp.calibration)."""

from __future__ import annotations

import numpy as np
import pytest

from seqnlp.calibration import (
    confidence_and_correct,
    expected_calibration_error,
    reliability_bins,
)


def test_perfectly_calibrated_is_zero():
    # 10 predictions at 0.8 of which 8 are right, 10 at 0.6 of which 6 are right
    confidence = [0.8] * 10 + [0.6] * 10
    correct = [1] * 8 + [0] * 2 + [1] * 6 + [0] * 4
    assert expected_calibration_error(confidence, correct) == pytest.approx(0.0)


def test_overconfident_by_known_amount():
    # all at 0.9, half right: the gap is 0.4 in the one occupied bin
    assert expected_calibration_error([0.9] * 4, [1, 0, 1, 0]) == pytest.approx(0.4)


def test_weighted_by_bin_share():
    confidence = [0.95] * 3 + [0.55]
    correct = [1, 1, 1, 0]  # gaps 0.05 (3 of 4) and 0.55 (1 of 4)
    assert expected_calibration_error(confidence, correct, bins=10) == pytest.approx(
        0.75 * 0.05 + 0.25 * 0.55
    )


def test_bins_are_equal_width_and_one_goes_last():
    table = reliability_bins([0.0, 0.5, 1.0], [1, 1, 0], bins=15)
    assert len(table) == 15
    assert table[0]["count"] == 1 and table[7]["count"] == 1 and table[14]["count"] == 1
    assert table[14]["accuracy"] == 0.0 and table[14]["high"] == 1.0
    assert table[3]["count"] == 0 and table[3]["accuracy"] is None


def test_matches_a_direct_computation():
    rng = np.random.default_rng(0)
    confidence = rng.uniform(0.5, 1.0, 1000)
    correct = rng.uniform(size=1000) < confidence**2
    edges = np.linspace(0, 1, 16)
    expected = 0.0
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        mask = (confidence >= low) & (confidence < high)
        if mask.any():
            expected += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    assert expected_calibration_error(confidence, correct) == pytest.approx(expected)


def test_confidence_and_correct():
    confidence, correct = confidence_and_correct([[0.2, 0.8], [0.7, 0.3]], [1, 1])
    assert confidence.tolist() == [0.8, 0.7] and correct.tolist() == [True, False]


def test_rejects_bad_input():
    with pytest.raises(ValueError):
        expected_calibration_error([1.2], [1])
    with pytest.raises(ValueError):
        expected_calibration_error([], [])
    with pytest.raises(ValueError):
        reliability_bins([0.5, 0.6], [1])


def test_plot_reliability_writes_a_png(tmp_path):
    from seqnlp.plotting import plot_reliability

    rng = np.random.default_rng(1)
    confidence = rng.uniform(0.5, 1.0, 200)
    correct = rng.uniform(size=200) < confidence
    table = reliability_bins(confidence, correct)
    ece = expected_calibration_error(confidence, correct)
    out = plot_reliability(table, ece, tmp_path / "r.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
