import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import MenteeProfile, MentorProfile, Weights, encode_cohort, score_cohort

from .reference import VOCAB, random_cohort, reference_components, reference_total

COMPONENTS = ("sector", "skills", "region", "experience")


def mentee(**changes):
    base = {
        "primary_sector": "care",
        "needs": (("bids", 3), ("boards", 1)),
        "region": "north",
        "meeting_mode": "either",
        "legal_form": "cic",
        "stage": "exploring",
    }
    return MenteeProfile(**{**base, **changes})


def mentor(**changes):
    base = {
        "sectors": ("care",),
        "skills": ("bids",),
        "legal_forms": ("cic",),
        "led_spin_out": True,
        "years_experience": 12,
        "home_region": "north",
        "meeting_mode": "either",
    }
    return MentorProfile(**{**base, **changes})


def scores_of(a, b, weights=None):
    s = score_cohort(encode_cohort([a], [b], VOCAB), weights)
    return {name: float(getattr(s, name)[0, 0]) for name in (*COMPONENTS, "total")}, bool(
        s.compatible[0, 0]
    )


def assert_matches_reference(mentees, mentors, weights):
    scores = score_cohort(encode_cohort(mentees, mentors, VOCAB), weights)
    assert scores.total.dtype == np.float32
    for i, a in enumerate(mentees):
        for j, b in enumerate(mentors):
            expected, compatible = reference_components(a, b)
            for name in COMPONENTS:
                assert getattr(scores, name)[i, j] == pytest.approx(expected[name], abs=1e-6)
            assert scores.total[i, j] == pytest.approx(reference_total(expected, weights), abs=1e-6)
            assert scores.compatible[i, j] == compatible


@pytest.mark.parametrize("seed", range(5))
def test_vectorised_scores_equal_reference_on_random_cohorts(seed):
    mentees, mentors = random_cohort(seed, 40, 25)
    assert_matches_reference(mentees, mentors, Weights())


@settings(max_examples=40, derandomize=True, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 6),
    m=st.integers(0, 6),
    weights=st.tuples(*[st.sampled_from([0.0, 0.1, 0.5, 1.0, 3.0])] * 4).filter(any),
)
def test_vectorised_scores_equal_reference_property(seed, n, m, weights):
    mentees, mentors = random_cohort(seed, n, m)
    assert_matches_reference(mentees, mentors, Weights(*weights))


@pytest.mark.parametrize(
    ("mentor_sectors", "expected"),
    [(("care",), 1.0), (("mental",), 0.5), (("youth", "libraries"), 0.0), ((), 0.0)],
)
def test_sector_component(mentor_sectors, expected):
    assert scores_of(mentee(), mentor(sectors=mentor_sectors))[0]["sector"] == expected


@pytest.mark.parametrize(
    ("mentor_skills", "expected"),
    [
        (("bids", "boards"), 1.0),
        (("bids",), 0.75),
        (("finance",), 0.375),  # bids' group only: 0.5 * 3 / 4
        (("finance", "law"), 0.5),
        (("people",), 0.0),
    ],
)
def test_skills_component_weights_needs_by_priority(mentor_skills, expected):
    assert scores_of(mentee(), mentor(skills=mentor_skills))[0]["skills"] == expected


# (mentee mode, mentor mode, mentor regions, region score, compatible)
REGION_CASES = [
    ("in_person", "in_person", "north", 1.0, True),
    ("in_person", "either", "north", 1.0, True),
    ("remote", "remote", "north", 1.0, True),
    ("either", "remote", "south", 0.5, True),
    ("remote", "either", "south", 0.5, True),
    ("either", "either", "south", 0.5, True),
    ("in_person", "either", "south", 0.0, False),
    ("either", "in_person", "south", 0.0, False),
    ("in_person", "remote", "north", 1.0, False),
    ("remote", "in_person", "north", 1.0, False),
    ("remote", "in_person", "south", 0.0, False),
]


@pytest.mark.parametrize(("mode_i", "mode_j", "home", "region", "compatible"), REGION_CASES)
def test_region_component_and_meeting_compatibility(mode_i, mode_j, home, region, compatible):
    got, ok = scores_of(mentee(meeting_mode=mode_i), mentor(meeting_mode=mode_j, home_region=home))
    assert got["region"] == region
    assert ok is compatible


def test_regions_served_count_as_shared():
    got, ok = scores_of(
        mentee(meeting_mode="in_person"),
        mentor(home_region="south", regions_served=("north",), meeting_mode="in_person"),
    )
    assert (got["region"], ok) == (1.0, True)


@pytest.mark.parametrize(
    ("stage", "forms", "spin", "years", "expected"),
    [
        ("exploring", ("cic",), True, 0, 1.0),
        ("spinning_out", ("coop",), True, 30, 0.5),
        ("spun_out", ("cic",), False, 30, 0.5),
        ("established", ("cic",), True, 5, 0.75),
        ("established", (), False, 20, 0.5),
    ],
)
def test_experience_component_depends_on_stage(stage, forms, spin, years, expected):
    got, _ = scores_of(
        mentee(stage=stage),
        mentor(legal_forms=forms, led_spin_out=spin, years_experience=years),
    )
    assert got["experience"] == pytest.approx(expected)


def test_total_is_weighted_mean_of_components():
    got, _ = scores_of(mentee(), mentor(skills=("finance",)), Weights(1, 1, 1, 1))
    assert got["total"] == pytest.approx((1.0 + 0.375 + 1.0 + 1.0) / 4)


def test_empty_cohorts_give_empty_matrices():
    scores = score_cohort(encode_cohort([], [mentor()], VOCAB))
    assert scores.total.shape == (0, 1)
    scores = score_cohort(encode_cohort([mentee()], [], VOCAB))
    assert scores.total.shape == (1, 0)


@pytest.mark.parametrize(
    ("who", "profile", "message"),
    [
        ("mentee", {"primary_sector": "space"}, "mentee 0: unknown sector 'space'"),
        ("mentee", {"needs": (("juggling", 1),)}, "mentee 0: unknown skill 'juggling'"),
        ("mentee", {"needs": ()}, "mentee 0: needs must list 1 to 8 skills"),
        ("mentee", {"needs": (("bids", 1), ("bids", 2))}, "mentee 0: skill 'bids' is listed twice"),
        ("mentee", {"needs": (("bids", 4),)}, "mentee 0: priority must be 1, 2 or 3, got 4"),
        ("mentee", {"region": "mars"}, "mentee 0: unknown region 'mars'"),
        ("mentee", {"meeting_mode": "phone"}, "mentee 0: unknown meeting mode 'phone'"),
        ("mentee", {"legal_form": "plc"}, "mentee 0: unknown legal form 'plc'"),
        ("mentee", {"stage": "dreaming"}, "mentee 0: unknown stage 'dreaming'"),
        ("mentee", {"waited": -1}, "mentee 0: waited must be non-negative"),
        ("mentor", {"skills": ("juggling",)}, "mentor 0: unknown skill 'juggling'"),
        ("mentor", {"kind": "guru"}, "mentor 0: unknown mentor kind 'guru'"),
        ("mentor", {"capacity": -1}, "mentor 0: capacity must be non-negative"),
        ("mentor", {"years_experience": -2}, "mentor 0: years_experience must be non-negative"),
    ],
)
def test_encode_rejects_bad_profiles_with_exact_messages(who, profile, message):
    a = mentee(**profile) if who == "mentee" else mentee()
    b = mentor(**profile) if who == "mentor" else mentor()
    with pytest.raises(ValueError, match=f"^{message}$".replace("(", r"\(").replace(")", r"\)")):
        encode_cohort([a], [b], VOCAB)


@pytest.mark.parametrize(("seed", "k"), [(0, 1), (1, 5), (2, 40), (3, 400)])
def test_top_candidates_are_the_best_eligible_scores(seed, k):
    from matching._scores import eligible_matrix, features, fused_features, top_candidates

    mentees, mentors = random_cohort(seed, 120, 300)
    cohort = encode_cohort(mentees, mentors, VOCAB)
    capacity = cohort.mentor_capacity.astype(np.int64)
    a, b = fused_features(features(cohort), Weights(), capacity)
    forbidden = np.array([[i, (7 * i) % 300] for i in range(120)], np.int64)
    full = eligible_matrix(a, b, forbidden, 0.3)
    cands = top_candidates(a, b, np.arange(120), forbidden, 0.3, k)
    expected = -np.sort(-full, axis=1)[:, : min(k, 300)]
    np.testing.assert_array_equal(cands.vals, expected)
    valid = cands.cols >= 0
    rows = np.broadcast_to(np.arange(120)[:, None], valid.shape)
    np.testing.assert_array_equal(full[rows[valid], cands.cols[valid]], cands.vals[valid])
    np.testing.assert_array_equal(cands.n_eligible, (full > -np.inf).sum(axis=1))
