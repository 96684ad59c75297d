import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import assign, greedy_assign

from .reference import brute_force

SOLVERS = ("dense", "sparse")


def check_feasible(mentor_of, eligible, capacity):
    matched = np.flatnonzero(mentor_of >= 0)
    assert eligible[matched, mentor_of[matched]].all()
    assert (np.bincount(mentor_of[matched], minlength=capacity.shape[0]) <= capacity).all()


@st.composite
def instances(draw):
    n = draw(st.integers(0, 7))
    m = draw(st.integers(0, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    # Scores on a coarse grid make ties common, the hard case for tie-breaking.
    weights = np.round(rng.random((n, m)) * draw(st.sampled_from([4, 100])), 0) / 100
    capacity = rng.integers(0, 4, size=m)
    forbidden = rng.random((n, m)) < draw(st.sampled_from([0.0, 0.2, 0.5]))
    min_score = draw(st.sampled_from([0.0, 0.01, 0.02]))
    eligible = ~forbidden & (weights >= min_score)
    return weights, capacity, eligible


@settings(max_examples=150, derandomize=True, deadline=None)
@given(
    instance=instances(),
    objective=st.sampled_from(["max_matched", "max_score"]),
    solver=st.sampled_from(SOLVERS),
)
def test_assign_is_optimal_against_brute_force(instance, objective, solver):
    weights, capacity, eligible = instance
    # top_k=4 keeps every mentor, so the sparse machinery must be exact too.
    result = assign(weights, capacity, eligible, objective=objective, solver=solver, top_k=4)
    check_feasible(result.mentor_of, eligible, capacity)
    count, total = brute_force(weights, eligible, capacity, objective)
    if objective == "max_matched":
        assert result.matched == count
    assert result.total == pytest.approx(total, abs=1e-9)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(instance=instances())
def test_sparse_with_short_lists_matches_as_many_as_brute_force(instance):
    weights, capacity, eligible = instance
    result = assign(weights, capacity, eligible, solver="sparse", top_k=1)
    check_feasible(result.mentor_of, eligible, capacity)
    assert result.matched == brute_force(weights, eligible, capacity, "max_matched")[0]


def solver_objective(weights, mentor_of, bonus, balance, capacity):
    matched = np.flatnonzero(mentor_of >= 0)
    load = np.bincount(mentor_of[matched], minlength=capacity.shape[0])
    gain = weights[matched, mentor_of[matched]] + bonus[matched]
    return gain.sum() - balance * (load * (load - 1) / 2).sum()


@settings(max_examples=80, derandomize=True, deadline=None)
@given(instance=instances(), balance=st.sampled_from([0.0, 0.05, 0.3]))
def test_sparse_equals_dense_with_balance_and_bonus(instance, balance):
    weights, capacity, eligible = instance
    bonus = np.arange(weights.shape[0]) % 2 * 0.5
    kwargs = {"objective": "max_matched", "balance": balance, "bonus": bonus}
    dense = assign(weights, capacity, eligible, solver="dense", **kwargs)
    sparse = assign(weights, capacity, eligible, solver="sparse", top_k=4, **kwargs)
    assert dense.matched == sparse.matched
    assert solver_objective(weights, dense.mentor_of, bonus, balance, capacity) == pytest.approx(
        solver_objective(weights, sparse.mentor_of, bonus, balance, capacity), abs=1e-9
    )


def random_instance(seed, n, m, density=0.3):
    rng = np.random.default_rng(seed)
    weights = rng.random((n, m))
    eligible = rng.random((n, m)) < density
    capacity = rng.integers(0, 4, size=m)
    return weights, capacity, eligible


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("objective", ["max_matched", "max_score"])
def test_dense_and_sparse_agree_on_medium_instances(seed, objective):
    weights, capacity, eligible = random_instance(seed, 300, 120, density=0.15)
    dense = assign(weights, capacity, eligible, objective=objective, solver="dense")
    sparse = assign(weights, capacity, eligible, objective=objective, solver="sparse", top_k=5)
    check_feasible(sparse.mentor_of, eligible, capacity)
    assert sparse.matched == dense.matched
    assert sparse.total == pytest.approx(dense.total, rel=1e-3)


def test_sparse_widens_lists_of_mentees_it_would_leave_out():
    # Every mentee prefers mentor 0 (capacity 1); only widening finds the others.
    n = 6
    weights = np.tile(np.linspace(1.0, 0.5, n), (n, 1))
    capacity = np.ones(n, np.int64)
    result = assign(weights, capacity, solver="sparse", top_k=1)
    assert result.matched == n


def test_max_matched_prefers_more_pairs_over_score():
    weights = np.array([[1.0, 0.0], [0.9, 0.0]])
    eligible = np.array([[True, False], [True, True]])
    result = assign(weights, [1, 1], eligible)
    assert result.mentor_of.tolist() == [0, 1]
    assert result.total == 1.0


def test_max_score_ignores_count():
    weights = np.array([[0.9, 0.0], [0.5, 0.05]])
    result = assign(weights, [1, 1], objective="max_score")
    assert result.total == pytest.approx(0.95)


def test_bonus_decides_who_is_matched_under_scarcity():
    weights = np.array([[0.8], [0.7]])
    assert assign(weights, [1]).mentor_of.tolist() == [0, -1]
    assert assign(weights, [1], bonus=[0.0, 0.2]).mentor_of.tolist() == [-1, 0]


def test_balance_spreads_mentees_over_mentors():
    weights = np.array([[0.9, 0.8], [0.9, 0.8]])
    assert assign(weights, [2, 2]).mentor_of.tolist() == [0, 0]
    assert sorted(assign(weights, [2, 2], balance=0.2).mentor_of.tolist()) == [0, 1]


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    ("shape", "capacity"),
    [((0, 3), [1, 1, 1]), ((3, 0), []), ((0, 0), []), ((4, 2), [0, 0])],
)
def test_empty_and_zero_capacity_give_no_pairs(solver, shape, capacity):
    result = assign(np.ones(shape), np.array(capacity, np.int64), solver=solver)
    assert result.mentor_of.shape == (shape[0],)
    assert result.matched == 0
    assert result.total == 0.0


@pytest.mark.parametrize("solver", SOLVERS)
def test_everything_forbidden_gives_no_pairs(solver):
    result = assign(np.ones((3, 2)), [2, 2], np.zeros((3, 2), bool), solver=solver)
    assert result.mentor_of.tolist() == [-1, -1, -1]


@pytest.mark.parametrize("solver", SOLVERS)
def test_one_mentor_with_capacity_beyond_the_cohort_takes_everyone(solver):
    result = assign(np.full((5, 1), 0.5), [100], solver=solver)
    assert result.mentor_of.tolist() == [0] * 5
    assert result.total == pytest.approx(2.5)


@pytest.mark.parametrize("solver", SOLVERS)
def test_ties_everywhere_are_broken_deterministically(solver):
    weights = np.full((8, 5), 0.5)
    first = assign(weights, [1, 1, 2, 1, 1], solver=solver, top_k=2)
    assert first.matched == 6
    for _ in range(3):
        again = assign(weights.copy(), [1, 1, 2, 1, 1], solver=solver, top_k=2)
        assert again.mentor_of.tolist() == first.mentor_of.tolist()


def test_same_input_gives_same_pairs():
    weights, capacity, eligible = random_instance(7, 60, 20)
    runs = [assign(weights, capacity, eligible, solver="sparse").mentor_of for _ in range(3)]
    assert all((r == runs[0]).all() for r in runs)


def test_auto_picks_dense_for_small_problems():
    assert assign(np.ones((3, 2)), [1, 1]).solver == "dense"


def test_greedy_takes_best_pair_first():
    weights = np.array([[0.9, 0.8], [0.85, 0.1]])
    result = greedy_assign(weights, [1, 1])
    assert result.mentor_of.tolist() == [0, 1]
    assert result.total == pytest.approx(1.0)
    assert assign(weights, [1, 1]).total == pytest.approx(1.65)


def test_greedy_respects_capacity_and_eligibility():
    weights = np.array([[0.9, 0.8], [0.95, 0.7], [0.3, 0.2]])
    eligible = np.array([[True, True], [True, False], [True, True]])
    result = greedy_assign(weights, [1, 2], eligible)
    assert result.mentor_of.tolist() == [1, 0, 1]


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (([1.0, 2.0], [1]), {}, "weights must be a 2-D array"),
        ((np.ones((2, 3)), [1, 1]), {}, "capacity must have shape (3,), got (2,)"),
        (
            (np.ones((2, 2)), [1, 1], np.ones((3, 2), bool)),
            {},
            "eligible must have shape (2, 2), got (3, 2)",
        ),
        ((np.ones((2, 2)), [1, 1], np.ones((2, 2))), {}, "eligible must be a boolean array"),
        (([[np.nan, 1.0]], [1, 1]), {}, "weights contain NaN"),
        (([[np.inf, 1.0]], [1, 1]), {}, "weights contain infinite values"),
        ((np.ones((2, 2)), [1, -1]), {}, "capacity must be non-negative"),
        ((np.ones((2, 2)), [1.5, 1]), {}, "capacity must be integers"),
        (
            (np.ones((2, 2)), [1, 1]),
            {"objective": "most"},
            "unknown objective 'most'; expected 'max_matched' or 'max_score'",
        ),
        (
            (np.ones((2, 2)), [1, 1]),
            {"solver": "x"},
            "unknown solver 'x'; expected 'auto', 'dense', 'sparse' or 'flow'",
        ),
        ((np.ones((2, 2)), [1, 1]), {"balance": -1}, "balance must be finite and non-negative"),
        ((np.ones((2, 2)), [1, 1]), {"top_k": 0}, "top_k must be at least 1"),
        ((np.ones((2, 2)), [1, 1]), {"bonus": [1.0]}, "bonus must have shape (2,), got (1,)"),
    ],
)
def test_assign_rejects_bad_input_with_exact_messages(args, kwargs, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        assign(*args, **kwargs)


def test_flow_solver_agrees_with_scipy():
    pytest.importorskip("ortools")
    for seed in range(3):
        weights, capacity, eligible = random_instance(seed, 200, 80, density=0.2)
        for objective in ("max_matched", "max_score"):
            dense = assign(weights, capacity, eligible, objective=objective, solver="dense")
            flow = assign(weights, capacity, eligible, objective=objective, solver="flow")
            check_feasible(flow.mentor_of, eligible, capacity)
            assert flow.matched == dense.matched or objective == "max_score"
            assert flow.total == pytest.approx(dense.total, abs=1e-4)
