"""Plain-English reasons for proposed pairs and for unmatched mentees."""

from __future__ import annotations

from ._encode import EITHER, IN_PERSON, REMOTE, Cohort
from ._model import Vocabulary

NO_ELIGIBLE_MENTOR = "no_eligible_mentor"
BELOW_MIN_SCORE = "below_min_score"
MENTORS_AT_CAPACITY = "mentors_at_capacity"
NOT_SELECTED = "not_selected"
UNMATCHED_CODES: tuple[str, ...] = (
    BELOW_MIN_SCORE,
    MENTORS_AT_CAPACITY,
    NO_ELIGIBLE_MENTOR,
    NOT_SELECTED,
)


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
        return "no eligible mentor: meeting mode, region, exclusions or capacity rule out all"
    if code == BELOW_MIN_SCORE:
        return f"best score {best_score:.2f} is below the minimum score {min_score:.2f}"
    if code == MENTORS_AT_CAPACITY:
        noun = "mentor is" if n_eligible == 1 else f"{n_eligible} eligible mentors are"
        return f"{'the only eligible ' if n_eligible == 1 else 'all '}{noun} at capacity"
    return "eligible mentors have room, but the objective left this mentee out"
