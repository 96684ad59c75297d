import numpy as np
import pytest

from matching import MentorProfile, Weights, suggest

from .reference import VOCAB, random_cohort, reference_components, reference_total


@pytest.mark.parametrize("seed", range(8))
def test_suggestions_are_every_eligible_mentor_best_first(seed: int) -> None:
    mentees, mentors = random_cohort(seed, n=1, m=25)
    rng = np.random.default_rng(seed)
    capacities = rng.integers(0, 3, size=len(mentors))
    forbidden = rng.random(len(mentors)) < 0.2
    weights = Weights(skills=0.5, sector=0.2, region=0.2, experience=0.1)
    min_score = 0.3

    got = suggest(
        mentees[0],
        mentors,
        VOCAB,
        capacities=capacities,
        forbidden=forbidden,
        weights=weights,
        min_score=min_score,
        limit=len(mentors),
    )

    expected = []
    for j, mentor in enumerate(mentors):
        components, compatible = reference_components(mentees[0], mentor)
        total = reference_total(components, weights)
        # A mentor covering none of the needs breaks the default rule.
        covers = components["skills"] > 0
        eligible = compatible and covers and capacities[j] > 0 and not forbidden[j]
        if eligible and total >= min_score - 1e-6:
            expected.append((j, total))
    assert sorted(p.mentor for p in got) == sorted(j for j, _ in expected)
    scores = [p.score for p in got]
    assert scores == sorted(scores, reverse=True)
    for pair in got:
        assert pair.score == pytest.approx(dict(expected)[pair.mentor], abs=1e-5)
        assert pair.reason


def test_limit_keeps_the_best_and_ties_go_to_the_lower_index() -> None:
    mentees, _ = random_cohort(3, n=1, m=0)
    mentee = mentees[0]
    twin = MentorProfile(
        sectors=(mentee.primary_sector,),
        skills=tuple(skill for skill, _ in mentee.needs),
        legal_forms=(mentee.legal_form,),
        led_spin_out=True,
        years_experience=10,
        home_region=mentee.region,
        meeting_mode="either",
    )
    weaker = MentorProfile(**{**twin.__dict__, "skills": ()})
    got = suggest(mentee, [weaker, twin, twin, twin], VOCAB, limit=2)
    assert [p.mentor for p in got] == [1, 2]
    assert got[0].score == pytest.approx(1.0)


def test_no_mentors_gives_no_suggestions() -> None:
    mentees, _ = random_cohort(0, n=1, m=0)
    assert suggest(mentees[0], [], VOCAB) == ()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"limit": 0}, "limit must be at least 1"),
        ({"min_score": 1.5}, "min_score must be between 0 and 1"),
        ({"capacities": [1, 2]}, r"capacities must have shape \(1,\), got \(2,\)"),
        ({"forbidden": [True, False]}, r"forbidden must have shape \(1,\), got \(2,\)"),
    ],
)
def test_malformed_input_is_refused(kwargs: dict[str, object], message: str) -> None:
    mentees, mentors = random_cohort(1, n=1, m=1)
    with pytest.raises(ValueError, match=message):
        suggest(mentees[0], mentors, VOCAB, **kwargs)  # type: ignore[arg-type]


def test_capacity_defaults_to_the_profile() -> None:
    mentees, mentors = random_cohort(5, n=1, m=1)
    full = MentorProfile(**{**mentors[0].__dict__, "capacity": 0})
    assert suggest(mentees[0], [full], VOCAB) == ()
