import re

import numpy as np
import pytest

from matching import assign, quality_report


def test_greedy_baseline_and_gain_on_a_tiny_case():
    weights = np.array([[0.9, 0.8], [0.85, 0.1]])
    optimal = assign(weights, [1, 1])
    report = quality_report(weights, [1, 1], optimal.mentor_of)
    assert report.total_score == pytest.approx(1.65)
    assert report.greedy_total_score == pytest.approx(1.0)
    assert report.gain_over_greedy == pytest.approx(0.65)
    assert (report.matched, report.greedy_matched, report.n_mentees) == (2, 2, 2)
    assert report.mean_score == pytest.approx(0.825)


@pytest.mark.parametrize(
    ("weights", "capacity", "mentor_of", "blocking"),
    [
        # Mentee 0 prefers mentor 0, who prefers mentee 0 to its mentee 1.
        ([[0.9, 0.5], [0.8, 0.1]], [1, 1], [1, 0], 1),
        # The greedy (stable) assignment has none.
        ([[0.9, 0.5], [0.8, 0.1]], [1, 1], [0, 1], 0),
        # An unmatched mentee and a mentor with a free place block.
        ([[0.9, 0.5]], [1, 1], [-1], 2),
        # Mentor 0 is full with better mentees: no blocking pair.
        ([[0.9], [0.8], [0.7]], [2], [0, 0, -1], 0),
        # Ties are not preferences.
        ([[0.5, 0.5], [0.5, 0.5]], [1, 1], [1, 0], 0),
    ],
)
def test_blocking_pairs(weights, capacity, mentor_of, blocking):
    assert quality_report(weights, capacity, mentor_of).blocking_pairs == blocking


def test_ineligible_pairs_never_block():
    report = quality_report([[0.9, 0.5]], [1, 1], [-1], eligible=[[False, True]])
    assert report.blocking_pairs == 1


def test_distribution_of_matched_scores():
    weights = np.array([[0.05], [0.55], [0.95], [0.0]])
    report = quality_report(weights, [4], [0, 0, 0, -1])
    assert report.histogram == (1, 0, 0, 0, 0, 1, 0, 0, 0, 1)
    assert report.quantiles[0] == pytest.approx(0.05)
    assert report.quantiles[3] == pytest.approx(0.55)
    assert report.quantiles[-1] == pytest.approx(0.95)


def test_empty_assignment_report():
    report = quality_report(np.zeros((0, 2)), [1, 1], np.zeros(0, np.int64))
    assert (report.matched, report.total_score, report.mean_score) == (0, 0.0, 0.0)
    assert report.histogram == (0,) * 10


@pytest.mark.parametrize(
    ("mentor_of", "eligible", "message"),
    [
        ([0], None, "mentor_of must have shape (2,), got (1,)"),
        ([0, 0], None, "mentor_of exceeds a capacity"),
        ([0, 1], [[False, True], [True, True]], "mentor_of assigns an ineligible pair"),
        ([0, 2], None, "mentor_of assigns an ineligible pair"),
    ],
)
def test_quality_report_rejects_bad_assignments(mentor_of, eligible, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        quality_report(np.ones((2, 2)), [1, 1], mentor_of, eligible)
