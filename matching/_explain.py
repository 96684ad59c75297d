"""Plain-English reasons for proposed pairs and for unmatched mentees."""

from __future__ import annotations

from collections.abc import Sequence

from ._encode import EITHER, IN_PERSON, REMOTE, Cohort
from ._model import Rules, Vocabulary

NO_ELIGIBLE_MENTOR = "no_eligible_mentor"
ALL_EXCLUDED = "all_excluded"
BREAKS_RULES = "breaks_rules"
BELOW_MIN_SCORE = "below_min_score"
MENTORS_AT_CAPACITY = "mentors_at_capacity"
NOT_SELECTED = "not_selected"
UNMATCHED_CODES: tuple[str, ...] = (
    ALL_EXCLUDED,
    BELOW_MIN_SCORE,
    BREAKS_RULES,
    MENTORS_AT_CAPACITY,
    NO_ELIGIBLE_MENTOR,
    NOT_SELECTED,
)


def rule_text(name: str, rules: Rules) -> str:
    return rules.describe(name)


def rules_reason(ruled_out: Sequence[tuple[str, int]], n_allowed: int, rules: Rules) -> str:
    """E.g. ``all 3 mentors who could meet break a rule of this run: covers ... (3)``."""
    parts = [f"{rule_text(name, rules)} rules out {count}" for name, count in ruled_out if count]
    noun = "the only mentor" if n_allowed == 1 else f"all {n_allowed} mentors"
    return f"{noun} who could meet break a rule of this run: {'; '.join(parts)}"


def obstacle_text(obstacle: str, rules: Rules, min_score: float) -> str:
    """What kept an unmatched mentee's closest mentor from them."""
    if obstacle == "excluded":
        return "excluded for this mentee"
    if obstacle == "below_min_score":
        return f"scores below the minimum score {min_score:.2f}"
    if obstacle == "at_capacity":
        return "has no place left after this run's proposals"
    if obstacle == "not_selected":
        return "has a place, but the objective left this mentee out"
    return f"breaks the rule: {rule_text(obstacle, rules)}"


def _join(labels: list[str]) -> str:
    return ", ".join(labels)


def meeting_text(cohort: Cohort, vocabulary: Vocabulary, i: int, j: int) -> str:
    mentee_mode, mentor_mode = int(cohort.mentee_mode[i]), int(cohort.mentor_mode[j])
    region = int(cohort.mentee_region[i])
    shared = bool(cohort.mentor_regions[j, region])
    in_person = mentee_mode in (IN_PERSON, EITHER) and mentor_mode in (IN_PERSON, EITHER)
    remote = mentee_mode in (REMOTE, EITHER) and mentor_mode in (REMOTE, EITHER)
    place = vocabulary.label(cohort.region_codes[region])
    if shared and in_person and remote:
        return f"in person or remote in {place}"
    if shared and in_person:
        return f"in person in {place}"
    return "both remote"


def pair_reason(cohort: Cohort, vocabulary: Vocabulary, i: int, j: int) -> str:
    """E.g. ``same sector: adult social care; covers 2 of 3 needs: a, b; both remote``."""
    sector = int(cohort.mentee_sector[i])
    group = int(cohort.sector_group_of[sector])
    mentor_groups = {int(cohort.sector_group_of[s]) for s in cohort.mentor_sectors[j].nonzero()[0]}
    if cohort.mentor_sectors[j, sector]:
        parts = [f"same sector: {vocabulary.label(cohort.sector_codes[sector])}"]
    elif group in mentor_groups:
        parts = [f"related sector: {vocabulary.label(cohort.sector_group_codes[group])}"]
    else:
        parts = ["no shared sector"]

    needs = [int(k) for k in cohort.mentee_needs[i] if k >= 0]
    skill_groups = {int(cohort.skill_group_of[s]) for s in cohort.mentor_skills[j].nonzero()[0]}
    covered = [vocabulary.label(cohort.skill_codes[k]) for k in needs if cohort.mentor_skills[j, k]]
    related = [
        vocabulary.label(cohort.skill_codes[k])
        for k in needs
        if not cohort.mentor_skills[j, k] and int(cohort.skill_group_of[k]) in skill_groups
    ]
    needs_text = f"covers {len(covered)} of {len(needs)} needs"
    if covered:
        needs_text += f": {_join(covered)}"
    parts.append(needs_text)
    if related:
        parts.append(f"related skills for: {_join(related)}")
    parts.append(meeting_text(cohort, vocabulary, i, j))
    return "; ".join(parts)


def unmatched_reason(code: str, n_eligible: int, best_score: float, min_score: float) -> str:
    if code == NO_ELIGIBLE_MENTOR:
        return "no mentor with a place can meet this mentee: meeting mode and region rule out all"
    if code == ALL_EXCLUDED:
        return "every mentor who could meet this mentee is excluded for them"
    if code == BELOW_MIN_SCORE:
        return f"best score {best_score:.2f} is below the minimum score {min_score:.2f}"
    if code == MENTORS_AT_CAPACITY:
        noun = "mentor is" if n_eligible == 1 else f"{n_eligible} eligible mentors are"
        return f"{'the only eligible ' if n_eligible == 1 else 'all '}{noun} at capacity"
    return "eligible mentors have room, but the objective left this mentee out"
