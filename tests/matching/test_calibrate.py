"""Calibration recovers planted weights, says how well weights predict, refuses thin data."""

import re

import numpy as np
import pytest

from matching import COMPONENTS, Weights, calibrate
from matching._calibrate import auc


def synthetic(seed: int, n: int, planted: dict[str, float], sharpness: float = 12.0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, len(COMPONENTS)))
    w = np.array([planted[c] for c in COMPONENTS])
    p = 1 / (1 + np.exp(-sharpness * (x @ w - w.sum() / 2)))
    return x, rng.random(n) < p


@pytest.mark.parametrize(
    "planted",
    [
        {"sector": 0.1, "skills": 0.6, "region": 0.2, "experience": 0.1},
        {"sector": 0.4, "skills": 0.2, "region": 0.0, "experience": 0.4},
    ],
)
def test_recovers_planted_weights(planted):
    x, good = synthetic(0, 4000, planted)
    result = calibrate(x, good)
    for component in COMPONENTS:
        assert getattr(result.weights, component) == pytest.approx(planted[component], abs=0.05)
    assert result.n_pairings == 4000
    assert result.n_good == int(good.sum())
    low, high = result.auc_fitted_interval
    assert low < result.auc_fitted < high


def test_fitted_weights_predict_better_than_wrong_ones():
    planted = {"sector": 0.0, "skills": 1.0, "region": 0.0, "experience": 0.0}
    x, good = synthetic(1, 1500, planted)
    wrong = Weights(skills=0.0, sector=1.0, region=1.0, experience=1.0)
    result = calibrate(x, good, current=wrong)
    assert result.auc_fitted_interval[0] > result.auc_current_interval[1]
    assert result.auc_current == pytest.approx(0.5, abs=0.06)


def test_auc_counts_ties_as_half():
    assert auc([1, 2, 3, 4], [False, False, True, True]) == 1.0
    assert auc([1, 1], [False, True]) == 0.5
    assert auc([3, 1, 2], [True, False, False]) == 1.0


@pytest.mark.parametrize(
    ("n", "n_good", "message"),
    [
        (39, 20, "too little data: 39 finished pairings (20 good, 19 poor)"),
        (200, 9, "too little data: 200 finished pairings (9 good, 191 poor)"),
        (200, 191, "too little data: 200 finished pairings (191 good, 9 poor)"),
    ],
)
def test_refuses_too_little_data(n, n_good, message):
    x = np.random.default_rng(0).random((n, 4))
    good = np.arange(n) < n_good
    expected = f"{message}; at least 40, with 10 of each outcome, are needed"
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        calibrate(x, good)


@pytest.mark.parametrize(
    ("x", "good", "folds", "message"),
    [
        (np.zeros((50, 3)), np.zeros(50, bool), 5, r"components must have shape \(n, 4\)"),
        (np.zeros((50, 4)), np.zeros(49, bool), 5, r"good must have shape \(50,\)"),
        (np.zeros((50, 4)), np.zeros(50, bool), 1, "folds must be between 2 and 20"),
    ],
)
def test_rejects_bad_input(x, good, folds, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        calibrate(x, good, folds=folds)
