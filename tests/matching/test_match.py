import re

import numpy as np
import pytest

from matching import (
    UNMATCHED_CODES,
    MatchParameters,
    MenteeProfile,
    MentorProfile,
    Weights,
    assign,
    encode_cohort,
    match,
    score_cohort,
)

from .reference import VOCAB, random_cohort, reference_components, reference_total


def mentee(**changes):
    base = {
        "primary_sector": "care",
        "needs": (("boards", 3), ("bids", 2), ("people", 1)),
        "region": "north",
        "meeting_mode": "remote",
        "legal_form": "cic",
        "stage": "spinning_out",
    }
    return MenteeProfile(**{**base, **changes})


def mentor(**changes):
    base = {
        "sectors": ("care",),
        "skills": ("boards", "bids"),
        "legal_forms": ("cic",),
        "led_spin_out": True,
        "years_experience": 8,
        "home_region": "south",
        "meeting_mode": "remote",
        "capacity": 1,
    }
    return MentorProfile(**{**base, **changes})


def test_reason_names_sector_needs_and_meeting():
    result = match([mentee()], [mentor()], VOCAB)
    (pair,) = result.pairs
    assert pair.reason == (
        "same sector: adult social care; "
        "covers 2 of 3 needs: governance and boards, bid writing and tendering; both remote"
    )


@pytest.mark.parametrize(
    ("changes", "mentee_changes", "expected"),
    [
        ({"sectors": ("mental",)}, {}, "related sector: health and care"),
        ({"sectors": ("youth",)}, {}, "no shared sector"),
        (
            {"skills": ("finance",)},
            {},
            "covers 0 of 3 needs; related skills for: bid writing and tendering",
        ),
        (
            {"home_region": "north", "meeting_mode": "in_person"},
            {"meeting_mode": "in_person"},
            "in person in North East",
        ),
        (
            {"home_region": "north", "meeting_mode": "either"},
            {"meeting_mode": "either"},
            "in person or remote in North East",
        ),
    ],
)
def test_reason_parts(changes, mentee_changes, expected):
    (pair,) = match([mentee(**mentee_changes)], [mentor(**changes)], VOCAB).pairs
    assert expected in pair.reason


def test_pair_carries_true_components_and_score():
    a, b = mentee(), mentor(skills=("finance", "boards"))
    (pair,) = match([a], [b], VOCAB, parameters=MatchParameters(waiting_bonus=1.0)).pairs
    expected, _ = reference_components(a, b)
    assert (pair.sector, pair.skills, pair.region, pair.experience) == pytest.approx(
        tuple(expected[c] for c in ("sector", "skills", "region", "experience"))
    )
    assert pair.score == pytest.approx(reference_total(expected, Weights()))


def test_runner_up_is_best_other_eligible_mentor():
    mentors = [
        mentor(skills=("boards",)),
        mentor(skills=("boards", "bids", "people")),
        mentor(skills=()),
        mentor(meeting_mode="in_person"),  # incompatible
    ]
    result = match([mentee()], mentors, VOCAB)
    (pair,) = result.pairs
    assert (pair.mentor, pair.runner_up) == (1, 0)
    assert pair.runner_up_score < pair.score


def test_no_runner_up_when_alone():
    (pair,) = match([mentee()], [mentor()], VOCAB).pairs
    assert pair.runner_up is None
    assert pair.runner_up_score is None


def codes(result):
    return {u.mentee: u.code for u in result.unmatched}


def test_unmatched_reasons_in_constructed_cases():
    mentees = [
        mentee(meeting_mode="in_person"),  # 0: nobody meets in person in the north
        mentee(primary_sector="libraries", needs=(("law", 1),), legal_form="charity"),  # 1: low
        mentee(),  # 2: eligible, but mentee 3 fits mentor 0 better
        mentee(needs=(("boards", 1),)),  # 3: a perfect fit for mentor 0
    ]
    mentors = [mentor(sectors=("care",), skills=("boards", "bids"))]
    params = MatchParameters(min_score=0.6)
    result = match(mentees, mentors, VOCAB, parameters=params)
    assert [p.mentee for p in result.pairs] == [3]
    assert codes(result) == {
        0: "no_eligible_mentor",
        1: "below_min_score",
        2: "mentors_at_capacity",
    }
    reasons = {u.mentee: u.reason for u in result.unmatched}
    assert reasons[1].startswith("best score 0.")
    assert reasons[1].endswith("is below the minimum score 0.60")
    assert reasons[2] == "the only eligible mentor is at capacity"
    assert set(codes(result).values()) <= set(UNMATCHED_CODES)


def test_capacity_zero_and_forbidden_name_the_exclusion():
    result = match(
        [mentee(), mentee()], [mentor(), mentor()], VOCAB, capacities=[0, 1], forbidden=[[1, 1]]
    )
    assert [(p.mentee, p.mentor) for p in result.pairs] == [(0, 1)]
    assert codes(result) == {1: "all_excluded"}
    (left,) = result.unmatched
    assert (left.closest, left.obstacle) == (1, "excluded")
    assert left.reason == "every mentor who could meet this mentee is excluded for them"


def test_capacity_zero_and_meeting_modes_mean_no_eligible_mentor():
    result = match([mentee(meeting_mode="in_person")], [mentor(), mentor(capacity=0)], VOCAB)
    assert codes(result) == {0: "no_eligible_mentor"}
    assert result.unmatched[0].closest is None


def test_not_selected_when_the_balance_penalty_outweighs_the_score():
    mentees = [mentee(), mentee()]
    params = MatchParameters(objective="max_score", balance=1.0)
    result = match(mentees, [mentor(capacity=2)], VOCAB, parameters=params)
    assert codes(result) == {1: "not_selected"}


def test_forbidden_mask_and_pairs_are_equivalent():
    mentees, mentors = random_cohort(3, 30, 12)
    rng = np.random.default_rng(0)
    mask = rng.random((30, 12)) < 0.2
    by_mask = match(mentees, mentors, VOCAB, forbidden=mask)
    by_pairs = match(mentees, mentors, VOCAB, forbidden=np.argwhere(mask))
    assert by_mask.mentor_of.tolist() == by_pairs.mentor_of.tolist()
    matched = by_mask.mentor_of >= 0
    assert not mask[np.flatnonzero(matched), by_mask.mentor_of[matched]].any()


def test_waiting_bonus_matches_the_mentee_who_waited():
    waited, fresh = mentee(waited=2), mentee(needs=(("boards", 1),))
    assert [p.mentee for p in match([waited, fresh], [mentor()], VOCAB).pairs] == [1]
    params = MatchParameters(waiting_bonus=0.2)
    (pair,) = match([waited, fresh], [mentor()], VOCAB, parameters=params).pairs
    assert pair.mentee == 0
    assert pair.score < 1.0  # the true score, without the bonus


@pytest.mark.parametrize("objective", ["max_matched", "max_score"])
def test_match_equals_assign_on_the_score_matrix(objective):
    mentees, mentors = random_cohort(11, 50, 15)
    params = MatchParameters(objective=objective, min_score=0.3)
    result = match(mentees, mentors, VOCAB, parameters=params)
    scores = score_cohort(encode_cohort(mentees, mentors, VOCAB))
    capacity = np.array([b.capacity for b in mentors])
    # By default a mentor must cover a need: a positive skills component.
    eligible = scores.compatible & (scores.skills > 0) & (scores.total >= 0.3 - 1e-6)
    expected = assign(scores.total, capacity, eligible, objective=objective)
    assert result.report.matched == expected.matched
    assert result.report.total_score == pytest.approx(expected.total, abs=1e-4)


@pytest.mark.parametrize("seed", range(2))
def test_dense_and_sparse_match_agree_on_medium_cohorts(seed):
    mentees, mentors = random_cohort(seed, 300, 120)
    dense = match(mentees, mentors, VOCAB, parameters=MatchParameters(solver="dense"))
    sparse = match(mentees, mentors, VOCAB, parameters=MatchParameters(solver="sparse", top_k=5))
    assert (dense.solver, sparse.solver) == ("dense", "sparse")
    assert sparse.report.matched == dense.report.matched
    assert sparse.report.total_score == pytest.approx(dense.report.total_score, rel=1e-3)


def test_match_is_deterministic():
    mentees, mentors = random_cohort(5, 80, 30)
    runs = [match(mentees, mentors, VOCAB).pairs for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]


def test_identical_profiles_tie_everywhere():
    result = match([mentee()] * 6, [mentor(capacity=2)] * 2, VOCAB)
    assert result.report.matched == 4
    assert len({p.score for p in result.pairs}) == 1
    assert match([mentee()] * 6, [mentor(capacity=2)] * 2, VOCAB).pairs == result.pairs


@pytest.mark.parametrize(("n", "m"), [(0, 2), (2, 0), (0, 0)])
def test_empty_cohorts(n, m):
    result = match([mentee()] * n, [mentor()] * m, VOCAB)
    assert result.pairs == ()
    assert len(result.unmatched) == n
    assert all(u.code == "no_eligible_mentor" for u in result.unmatched)
    assert result.report.matched == 0


def test_report_and_timings_are_filled():
    mentees, mentors = random_cohort(2, 40, 10)
    result = match(mentees, mentors, VOCAB)
    report = result.report
    assert report.matched == len(result.pairs)
    assert report.total_score == pytest.approx(sum(p.score for p in result.pairs))
    assert report.gain_over_greedy >= -1e-9 or report.matched > report.greedy_matched
    assert sum(report.histogram) == report.matched
    assert set(result.timings) == {"encode", "score", "solve", "explain", "report"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"capacities": [1]}, "capacities must have shape (2,), got (1,)"),
        ({"capacities": [1, -1]}, "capacity must be non-negative"),
        (
            {"forbidden": np.zeros((3, 2), bool)},
            "forbidden mask must have shape (1, 2), got (3, 2)",
        ),
        ({"forbidden": [[0, 2]]}, "forbidden pair index out of range"),
        (
            {"forbidden": [[0.5, 1.0]]},
            "forbidden must be a boolean mask or an array of (mentee, mentor) index pairs",
        ),
    ],
)
def test_match_rejects_bad_input_with_exact_messages(kwargs, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        match([mentee()], [mentor(), mentor()], VOCAB, **kwargs)


def test_flow_solver_needs_ortools_or_agrees_with_scipy():
    mentees, mentors = random_cohort(4, 120, 40)
    dense = match(mentees, mentors, VOCAB, parameters=MatchParameters(solver="dense"))
    try:
        import ortools  # noqa: F401
    except ImportError:
        with pytest.raises(
            ValueError, match=r"^solver 'flow' needs ortools; install mentormatch\[fast\]$"
        ):
            match(mentees, mentors, VOCAB, parameters=MatchParameters(solver="flow"))
        return
    flow = match(mentees, mentors, VOCAB, parameters=MatchParameters(solver="flow", top_k=5))
    assert flow.report.matched == dense.report.matched
    assert flow.report.total_score == pytest.approx(dense.report.total_score, rel=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize("solver", ["sparse", "flow"])
def test_top_k_solvers_match_the_dense_optimum_on_a_larger_cohort(solver):
    if solver == "flow":
        pytest.importorskip("ortools")
    mentees, mentors = random_cohort(21, 2000, 700)
    forbidden = np.column_stack([np.arange(2000), np.arange(2000) % 700])
    dense = match(
        mentees, mentors, VOCAB, forbidden=forbidden, parameters=MatchParameters(solver="dense")
    )
    params = MatchParameters(solver=solver, top_k=20)
    fast = match(mentees, mentors, VOCAB, forbidden=forbidden, parameters=params)
    assert fast.report.matched == dense.report.matched
    assert fast.report.total_score == pytest.approx(dense.report.total_score, rel=1e-3)
