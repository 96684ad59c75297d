"""Fitting component weights to the outcomes of finished pairings.

A pairing's outcome (good or poor) is modelled as a logistic function of its four
components, with non-negative coefficients (a component never counts against a
pair) and an L2 penalty. The normalised coefficients are weights in the sense of
`Weights`: a run scoring with them ranks pairs as the model does. How well a set
of weights predicts outcomes is the AUC of its scores (the chance that a good
pairing outscores a poor one), out of fold for fitted weights, with a bootstrap
confidence interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize
from scipy.sparse import csr_matrix
from scipy.special import expit
from scipy.stats import rankdata

from ._model import Weights
from ._scores import COMPONENTS

F64 = npt.NDArray[np.float64]
MIN_PAIRINGS = 40
MIN_PER_OUTCOME = 10
_BOOTSTRAP = 1000


@dataclass(frozen=True)
class Calibration:
    """What `calibrate` found.

    ``auc_*`` are AUCs of the current and the fitted weights, each with a 95%
    bootstrap interval ``(low, high)``; the fitted ones are out of fold.
    """

    n_pairings: int
    n_good: int
    weights: Weights
    auc_current: float
    auc_current_interval: tuple[float, float]
    auc_fitted: float
    auc_fitted_interval: tuple[float, float]
    folds: int


def auc(scores: npt.ArrayLike, good: npt.ArrayLike) -> float:
    """Probability that a good pairing outscores a poor one (ties count half)."""
    s, g = np.asarray(scores, np.float64), np.asarray(good, bool)
    n_good, n_poor = int(g.sum()), int((~g).sum())
    if not n_good or not n_poor:
        return float("nan")
    ranks = rankdata(s)
    return float((ranks[g].sum() - n_good * (n_good + 1) / 2) / (n_good * n_poor))


def _fit(x: F64, y: F64, l2: float) -> F64:
    """Intercept and non-negative coefficients of an L2-penalised logistic regression."""
    n, d = x.shape
    design = np.hstack([np.ones((n, 1)), x])

    def loss(theta: F64) -> tuple[float, F64]:
        z = design @ theta
        p = expit(z)
        # log(1 + e^z) - y z, written to stay finite for large |z|.
        value = float(np.sum(np.logaddexp(0.0, z) - y * z) / n + l2 * theta[1:] @ theta[1:] / 2)
        grad = design.T @ (p - y) / n
        grad[1:] += l2 * theta[1:]
        return value, grad

    bounds = [(None, None)] + [(0.0, None)] * d
    result = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", bounds=bounds)
    theta: F64 = result.x
    return theta


def _interval(
    scores: F64, good: npt.NDArray[np.bool_], rng: np.random.Generator
) -> tuple[float, float]:
    """95% bootstrap interval of the AUC.

    A resample is a vector of counts per pairing; with the pairings grouped by
    distinct score, each resample's AUC is a few matrix operations, not a sort.
    """
    n = scores.shape[0]
    distinct, group = np.unique(scores, return_inverse=True)
    u = distinct.shape[0]
    pick = rng.integers(0, n, (_BOOTSTRAP, n)) + n * np.arange(_BOOTSTRAP)[:, None]
    counts = np.bincount(pick.ravel(), minlength=_BOOTSTRAP * n).reshape(_BOOTSTRAP, n)
    counts = counts.astype(np.float64)
    by_score = csr_matrix((np.ones(n), (np.arange(n), group.reshape(-1))), shape=(n, u))
    good_w = np.asarray((counts * good) @ by_score)
    poor_w = np.asarray((counts * ~good) @ by_score)
    below = np.cumsum(poor_w, axis=1) - poor_w
    n_good, n_poor = good_w.sum(axis=1), poor_w.sum(axis=1)
    both = (n_good > 0) & (n_poor > 0)
    wins = (good_w * (below + 0.5 * poor_w)).sum(axis=1)
    values = wins[both] / (n_good[both] * n_poor[both])
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def calibrate(
    components: npt.ArrayLike,
    good: npt.ArrayLike,
    current: Weights | None = None,
    folds: int = 5,
    l2: float = 0.001,
    seed: int = 0,
) -> Calibration:
    """Fit component weights to outcomes and say how well they predict them.

    Parameters
    ----------
    components : array_like, shape (n, 4)
        Each finished pairing's components, in `COMPONENTS` order.
    good : array_like of bool, shape (n,)
        True for a good outcome (completed, a good fit), False for a poor one.
    current : Weights, optional
        The weights to compare with; the defaults when omitted.
    folds : int
        Cross-validation folds for the fitted weights' AUC.
    l2 : float
        L2 penalty on the coefficients.
    seed : int
        Seed of the folds and the bootstrap.

    Returns
    -------
    Calibration

    Raises
    ------
    ValueError
        ``components must have shape (n, 4)``, ``good must have shape (n,)``,
        ``folds must be between 2 and 20``, and ``too little data: ...`` for fewer
        than 40 pairings or fewer than 10 of either outcome.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.random((400, 4))
    >>> good = rng.random(400) < 1 / (1 + np.exp(-12 * (x @ [0.1, 0.7, 0.1, 0.1] - 0.5)))
    >>> round(calibrate(x, good).weights.skills, 1)
    0.7
    """
    x = np.asarray(components, np.float64)
    y = np.asarray(good, bool)
    if x.ndim != 2 or x.shape[1] != len(COMPONENTS):
        raise ValueError(f"components must have shape (n, {len(COMPONENTS)})")
    if y.shape != (x.shape[0],):
        raise ValueError(f"good must have shape ({x.shape[0]},)")
    if not 2 <= folds <= 20:
        raise ValueError("folds must be between 2 and 20")
    n, n_good = x.shape[0], int(y.sum())
    if n < MIN_PAIRINGS or min(n_good, n - n_good) < MIN_PER_OUTCOME:
        raise ValueError(
            f"too little data: {n} finished pairings ({n_good} good, {n - n_good} poor); "
            f"at least {MIN_PAIRINGS}, with {MIN_PER_OUTCOME} of each outcome, are needed"
        )
    current = current if current is not None else Weights()
    w_current = np.array([getattr(current, c) for c in COMPONENTS], np.float64)
    current_scores = x @ (w_current / w_current.sum())

    rng = np.random.default_rng(seed)
    # Folds stratified by outcome, so that each holds both.
    fold_of = np.empty(n, np.int64)
    for label in (True, False):
        members = rng.permutation(np.flatnonzero(y == label))
        fold_of[members] = np.arange(members.shape[0]) % folds
    out_of_fold = np.empty(n, np.float64)
    for k in range(folds):
        test = fold_of == k
        theta = _fit(x[~test], y[~test].astype(np.float64), l2)
        out_of_fold[test] = x[test] @ theta[1:]
    theta = _fit(x, y.astype(np.float64), l2)
    coefficients = theta[1:]
    if coefficients.sum() <= 0:
        # No component predicts the outcome: nothing better than equal weights to offer.
        coefficients = np.ones(len(COMPONENTS))
    fitted = coefficients / coefficients.sum()
    return Calibration(
        n_pairings=n,
        n_good=n_good,
        weights=Weights(**{c: float(round(v, 4)) for c, v in zip(COMPONENTS, fitted, strict=True)}),
        auc_current=auc(current_scores, y),
        auc_current_interval=_interval(current_scores, y, rng),
        auc_fitted=auc(out_of_fold, y),
        auc_fitted_interval=_interval(out_of_fold, y, rng),
        folds=folds,
    )
