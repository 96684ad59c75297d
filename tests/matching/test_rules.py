"""Needs first, and the criteria a run makes hard rules."""

import dataclasses

import numpy as np
import pytest

from matching import (
    RULES,
    MatchParameters,
    MenteeProfile,
    MentorProfile,
    Rules,
    Vocabulary,
    _scores,
    assign,
    encode_cohort,
    match,
    score_cohort,
    suggest,
)

from .reference import VOCAB, random_cohort

# The README's import example: the taxonomy terms it uses, with their groups.
README_VOCAB = Vocabulary(
    sectors={
        "home_care": "social_care",
        "adult_social_care": "social_care",
        "community_health": "health",
    },
    skills={
        "financial_planning": "finance",
        "access_to_finance": "finance",
        "pricing": "commercial",
        "bid_writing": "commercial",
        "governance_boards": "governance",
        "tupe": "people",
    },
    regions=("north_west", "yorkshire_humber", "london", "south_east"),
    legal_forms=("cic_shares", "cic_guarantee"),
)
SAM_OKAFOR = MentorProfile(
    sectors=("adult_social_care", "home_care"),
    skills=("governance_boards", "bid_writing", "tupe"),
    legal_forms=("cic_shares",),
    led_spin_out=True,
    years_experience=18,
    home_region="north_west",
    regions_served=("yorkshire_humber",),
    meeting_mode="either",
    kind="peer",
    capacity=2,
)
JO_ADAMS = MentorProfile(
    sectors=("community_health",),
    skills=("governance_boards", "pricing", "tupe"),
    legal_forms=("cic_shares",),
    led_spin_out=True,
    years_experience=0,
    home_region="london",
    regions_served=("south_east",),
    meeting_mode="either",
    kind="peer",
    capacity=2,
)
RAVI_SHAH = MentorProfile(
    sectors=("adult_social_care",),
    skills=("financial_planning", "access_to_finance"),
    legal_forms=(),
    led_spin_out=False,
    years_experience=0,
    home_region="north_west",
    meeting_mode="remote",
    kind="specialist",
    capacity=1,
)
LEE_BROWN = MenteeProfile(
    primary_sector="community_health",
    needs=(("governance_boards", 3), ("tupe", 2)),
    region="london",
    meeting_mode="in_person",
    legal_form="cic_guarantee",
    stage="spinning_out",
)
MO_PATEL = MenteeProfile(
    primary_sector="home_care",
    needs=(("financial_planning", 3), ("pricing", 2)),
    region="north_west",
    meeting_mode="remote",
    legal_form="cic_shares",
    stage="exploring",
)


def test_mo_patel_is_proposed_the_finance_specialist():
    result = match([LEE_BROWN, MO_PATEL], [SAM_OKAFOR, JO_ADAMS, RAVI_SHAH], README_VOCAB)
    by_mentee = {p.mentee: p for p in result.pairs}
    assert by_mentee[1].mentor == 2  # Ravi Shah covers the essential need
    assert by_mentee[1].score == pytest.approx(0.624, abs=1e-4)
    assert (by_mentee[1].runner_up, by_mentee[1].runner_up_score) == (0, pytest.approx(0.488))
    assert by_mentee[0].mentor == 1
    assert by_mentee[0].score == pytest.approx(0.96, abs=1e-4)


def test_essential_need_beats_shared_sector_legal_form_and_spin_out():
    # The peer shares everything but the needs; the specialist covers the
    # essential need only, in a related sector, with no legal-form experience.
    (first, second) = suggest(MO_PATEL, [SAM_OKAFOR, RAVI_SHAH], README_VOCAB)
    assert (first.mentor, second.mentor) == (1, 0)


def test_a_mentor_covering_no_need_is_ineligible_unless_the_run_relaxes_it():
    mentee = dataclasses.replace(MO_PATEL, needs=(("financial_planning", 3),))
    assert match([mentee], [SAM_OKAFOR], README_VOCAB).pairs == ()
    (left,) = match([mentee], [SAM_OKAFOR], README_VOCAB).unmatched
    assert left.code == "breaks_rules"
    assert "covers at least one need" in left.reason
    assert (left.closest, left.obstacle) == (0, "any_need")
    assert suggest(mentee, [SAM_OKAFOR], README_VOCAB) == ()
    relaxed = MatchParameters(rules=Rules(any_need=False))
    (pair,) = match([mentee], [SAM_OKAFOR], README_VOCAB, parameters=relaxed).pairs
    assert "covers 0 of 1 needs" in pair.reason


def test_a_skill_of_the_same_group_counts_as_covering():
    mentee = dataclasses.replace(MO_PATEL, needs=(("access_to_finance", 3),))
    (pair,) = match([mentee], [RAVI_SHAH], README_VOCAB).pairs
    assert pair.skills == pytest.approx(1.0)
    group_only = dataclasses.replace(RAVI_SHAH, skills=("financial_planning",))
    (pair,) = match([mentee], [group_only], README_VOCAB).pairs
    assert pair.skills == pytest.approx(0.5)


def keeps(rules: Rules, mentee: MenteeProfile, mentor: MentorProfile, vocab: Vocabulary) -> bool:
    """The rules of `Rules`' docstring, one pair at a time."""
    groups = {vocab.skills[s] for s in mentor.skills}
    needs = [skill for skill, _ in mentee.needs]
    if rules.any_need and not any(vocab.skills[s] in groups for s in needs):
        return False
    if rules.sector == "same" and mentee.primary_sector not in mentor.sectors:
        return False
    mentor_sector_groups = {vocab.sectors[s] for s in mentor.sectors}
    if rules.sector == "group" and vocab.sectors[mentee.primary_sector] not in mentor_sector_groups:
        return False
    offered = sum(s in mentor.skills for s in needs)
    if offered < min(rules.min_needs, len(needs)):
        return False
    top = max(p for _, p in mentee.needs)
    if rules.top_need and not any(s in mentor.skills for s, p in mentee.needs if p == top):
        return False
    served = {mentor.home_region, *mentor.regions_served}
    if rules.region_served and mentee.region not in served:
        return False
    if rules.legal_form and mentee.legal_form not in mentor.legal_forms:
        return False
    return not (
        rules.peer_for_spin_out and mentee.stage == "spinning_out" and mentor.kind != "peer"
    )


def random_rules(rng: np.random.Generator) -> Rules:
    return Rules(
        any_need=bool(rng.integers(0, 2)),
        sector=str(rng.choice(["none", "group", "same"])),
        min_needs=int(rng.integers(0, 3)),
        top_need=bool(rng.integers(0, 2)),
        region_served=bool(rng.integers(0, 2)),
        legal_form=bool(rng.integers(0, 3) == 0),
        peer_for_spin_out=bool(rng.integers(0, 2)),
    )


def with_kinds(mentors, rng):
    return [dataclasses.replace(b, kind=str(rng.choice(["peer", "specialist"]))) for b in mentors]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize(("table_rows", "fused_rows"), [(0, 0), (1024, 0), (1024, 64)])
def test_runs_keep_exactly_the_pairs_the_rules_allow(seed, table_rows, fused_rows, monkeypatch):
    # 0 table rows multiplies every rule out per block; 1024 looks every rule up in its
    # table; 64 fused rows folds the rules with few distinct rows into the product.
    monkeypatch.setattr(_scores, "_RULE_TABLE_ROWS", table_rows)
    monkeypatch.setattr(_scores, "_RULE_FUSED_ROWS", fused_rows)
    rng = np.random.default_rng(seed)
    mentees, mentors = random_cohort(seed, 14, 6)
    mentors = with_kinds(mentors, rng)
    rules = random_rules(rng)
    params = MatchParameters(rules=rules, min_score=0.1, solver="dense")
    result = match(mentees, mentors, VOCAB, parameters=params)
    kept = np.array([[keeps(rules, a, b, VOCAB) for b in mentors] for a in mentees])
    for pair in result.pairs:
        assert kept[pair.mentee, pair.mentor]
    scores = score_cohort(encode_cohort(mentees, mentors, VOCAB), params.weights)
    eligible = scores.compatible & kept & (scores.total >= 0.1 - 1e-6)
    capacity = np.array([b.capacity for b in mentors])
    expected = assign(scores.total, capacity, eligible)
    assert result.report.matched == expected.matched
    assert result.report.total_score == pytest.approx(expected.total, abs=1e-4)
    sparse = match(
        mentees, mentors, VOCAB, parameters=dataclasses.replace(params, solver="sparse", top_k=2)
    )
    assert sparse.report.matched == expected.matched
    for left in result.unmatched:
        if left.code == "breaks_rules":
            assert left.obstacle in RULES
            assert not kept[left.mentee, left.closest]


def test_unmatched_reason_names_each_rule_and_how_many_it_rules_out():
    mentee = dataclasses.replace(MO_PATEL, stage="spinning_out")
    rules = Rules(peer_for_spin_out=True, region_served=True)
    params = MatchParameters(rules=rules)
    result = match([mentee], [RAVI_SHAH, JO_ADAMS], README_VOCAB, parameters=params)
    (left,) = result.unmatched
    assert left.code == "breaks_rules"
    assert left.reason == (
        "all 2 mentors who could meet break a rule of this run: "
        "serves the mentee's region rules out 1; "
        "a peer mentor for a mentee spinning out rules out 1"
    )
    assert (left.closest, left.obstacle) == (0, "peer_for_spin_out")
    assert left.obstacle_text == "breaks the rule: a peer mentor for a mentee spinning out"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sector": "nearby"}, "unknown sector rule 'nearby'; expected 'none', 'group' or 'same'"),
        ({"min_needs": 9}, "min_needs must be between 0 and 8"),
        ({"min_needs": -1}, "min_needs must be between 0 and 8"),
    ],
)
def test_rules_reject_bad_values(changes, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        Rules(**changes)


def test_rules_from_a_flat_mapping():
    params = MatchParameters.from_mapping({"rule_min_needs": 2, "rule_any_need": False})
    assert params.rules == Rules(any_need=False, min_needs=2)
    assert params.rules.active() == ("min_needs",)
