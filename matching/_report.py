"""Quality of an assignment: totals, the greedy baseline, blocking pairs, distribution."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ._solve import Edges, _check_arrays, edges_from_matrix, greedy_edges

I64 = npt.NDArray[np.int64]
QUANTILES: tuple[float, ...] = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)
HISTOGRAM_BINS = 10
# Scores closer than this are a tie, not a preference.
_PREFERENCE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class QualityReport:
    """How good an assignment is.

    ``blocking_pairs`` counts eligible pairs (i, j), j not i's mentor, where i
    scores j above its own mentor (or is unmatched) and j has a free place or
    scores i above its worst mentee. ``quantiles`` are the matched scores at
    ``QUANTILES``; ``histogram`` counts matched scores in ten equal bins of [0, 1].
    The greedy baseline runs on the same eligible pairs and capacities.
    """

    n_mentees: int
    matched: int
    total_score: float
    mean_score: float
    greedy_matched: int
    greedy_total_score: float
    gain_over_greedy: float
    blocking_pairs: int
    quantiles: tuple[float, ...]
    histogram: tuple[int, ...]


def count_blocking_pairs(edges: Edges, capacity: I64, mentor_of: I64) -> int:
    n = mentor_of.shape[0]
    matched = mentor_of >= 0
    own = np.full(n, -np.inf)
    load = np.bincount(mentor_of[matched], minlength=capacity.shape[0])
    worst = np.full(capacity.shape[0], np.inf)
    if edges.rows.size:
        is_own = mentor_of[edges.rows] == edges.cols
        own[edges.rows[is_own]] = edges.vals[is_own]
        np.minimum.at(worst, edges.cols[is_own], edges.vals[is_own])
    tol = _PREFERENCE_TOLERANCE
    wants = edges.vals > own[edges.rows] + tol
    free = load[edges.cols] < capacity[edges.cols]
    accepts = free | (edges.vals > worst[edges.cols] + tol)
    return int(np.count_nonzero(wants & accepts))


def report_from_edges(
    edges: Edges, capacity: I64, mentor_of: I64, scores: npt.ArrayLike
) -> QualityReport:
    """Report on ``mentor_of`` whose matched pairs score ``scores`` (mentee order)."""
    n = mentor_of.shape[0]
    s = np.asarray(scores, np.float64)
    greedy = greedy_edges(edges, n, capacity)
    chosen = greedy[edges.rows] == edges.cols
    greedy_total = float(edges.vals[chosen].sum())
    total = float(s.sum())
    if s.size:
        quantiles = tuple(float(q) for q in np.quantile(s, QUANTILES))
    else:
        quantiles = tuple(float("nan") for _ in QUANTILES)
    histogram, _ = np.histogram(np.clip(s, 0.0, 1.0), bins=HISTOGRAM_BINS, range=(0.0, 1.0))
    return QualityReport(
        n_mentees=n,
        matched=int(np.count_nonzero(mentor_of >= 0)),
        total_score=total,
        mean_score=total / s.size if s.size else 0.0,
        greedy_matched=int(np.count_nonzero(greedy >= 0)),
        greedy_total_score=greedy_total,
        gain_over_greedy=total - greedy_total,
        blocking_pairs=count_blocking_pairs(edges, capacity, mentor_of),
        quantiles=quantiles,
        histogram=tuple(int(h) for h in histogram),
    )


def quality_report(
    weights: npt.ArrayLike,
    capacity: npt.ArrayLike,
    mentor_of: npt.ArrayLike,
    eligible: npt.ArrayLike | None = None,
) -> QualityReport:
    """Measure an assignment against the greedy baseline and for stability.

    Parameters
    ----------
    weights : array_like, shape (n_mentees, n_mentors)
        Pair scores.
    capacity : array_like of int, shape (n_mentors,)
    mentor_of : array_like of int, shape (n_mentees,)
        The assignment, -1 for unmatched mentees.
    eligible : array_like of bool, shape (n_mentees, n_mentors), optional

    Returns
    -------
    QualityReport

    Raises
    ------
    ValueError
        As `assign` for malformed arrays; ``mentor_of must have shape (n,), got
        (...)``; ``mentor_of assigns an ineligible pair``; ``mentor_of exceeds a
        capacity``.

    Examples
    --------
    >>> report = quality_report([[0.9, 0.5], [0.8, 0.1]], [1, 1], [1, 0])
    >>> report.total_score, report.greedy_total_score, report.blocking_pairs
    (1.3, 1.0, 1)
    """
    w, cap, ok = _check_arrays(weights, capacity, eligible)
    n = w.shape[0]
    assigned = np.asarray(mentor_of)
    if assigned.shape != (n,):
        raise ValueError(f"mentor_of must have shape ({n},), got {assigned.shape}")
    assigned = assigned.astype(np.int64)
    matched = np.flatnonzero(assigned >= 0)
    if (assigned >= w.shape[1]).any() or not ok[matched, assigned[matched]].all():
        raise ValueError("mentor_of assigns an ineligible pair")
    if (np.bincount(assigned[matched], minlength=w.shape[1]) > cap).any():
        raise ValueError("mentor_of exceeds a capacity")
    return report_from_edges(edges_from_matrix(w, ok), cap, assigned, w[matched, assigned[matched]])
