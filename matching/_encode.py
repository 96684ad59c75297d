"""Encoding of profiles into index and multi-hot arrays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ._model import MEETING_MODES, MENTOR_KINDS, STAGES, MenteeProfile, MentorProfile, Vocabulary

MAX_NEEDS = 8
IN_PERSON, REMOTE, EITHER = (MEETING_MODES.index(m) for m in ("in_person", "remote", "either"))

IntArray = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, eq=False)
class Cohort:
    """Mentees and mentors as arrays; codes are indices into the vocabulary tuples.

    Mentee arrays have ``n_mentees`` rows, mentor arrays ``n_mentors`` rows.
    ``mentee_needs`` holds up to eight skill indices per mentee, padded with -1,
    and ``mentee_priority`` their priorities, padded with 0. Modes index
    ``MEETING_MODES`` (in_person, remote, either).
    """

    sector_codes: tuple[str, ...]
    sector_group_codes: tuple[str, ...]
    skill_codes: tuple[str, ...]
    skill_group_codes: tuple[str, ...]
    region_codes: tuple[str, ...]
    legal_form_codes: tuple[str, ...]
    sector_group_of: IntArray
    skill_group_of: IntArray
    mentee_sector: IntArray
    mentee_needs: IntArray
    mentee_priority: FloatArray
    mentee_region: IntArray
    mentee_mode: IntArray
    mentee_legal_form: IntArray
    mentee_stage: IntArray
    mentee_waited: IntArray
    mentor_sectors: BoolArray
    mentor_skills: BoolArray
    mentor_regions: BoolArray
    mentor_mode: IntArray
    mentor_legal_forms: BoolArray
    mentor_led_spin_out: BoolArray
    mentor_years: IntArray
    mentor_capacity: IntArray
    mentor_peer: BoolArray

    @property
    def n_mentees(self) -> int:
        return int(self.mentee_sector.shape[0])

    @property
    def n_mentors(self) -> int:
        return int(self.mentor_mode.shape[0])


def _index(codes: Sequence[str]) -> dict[str, int]:
    return {code: k for k, code in enumerate(codes)}


def _lookup(table: dict[str, int], code: str, what: str, who: str) -> int:
    try:
        return table[code]
    except KeyError:
        raise ValueError(f"{who}: unknown {what} {code!r}") from None


def encode_cohort(
    mentees: Sequence[MenteeProfile],
    mentors: Sequence[MentorProfile],
    vocabulary: Vocabulary,
) -> Cohort:
    """Encode profiles as arrays for scoring.

    Parameters
    ----------
    mentees : sequence of MenteeProfile
    mentors : sequence of MentorProfile
    vocabulary : Vocabulary
        The taxonomy the profiles' codes refer to.

    Returns
    -------
    Cohort
        Index and multi-hot arrays, one row per mentee or mentor, in input order.

    Raises
    ------
    ValueError
        For a code missing from the vocabulary (``"mentee 3: unknown skill 'x'"``),
        a mentee without 1 to 8 distinct needs, a priority outside 1-3, a negative
        ``waited``, ``years_experience`` or ``capacity``, or an unknown meeting
        mode, stage or mentor kind.

    Examples
    --------
    >>> from matching import MenteeProfile, MentorProfile, Vocabulary
    >>> vocab = Vocabulary(
    ...     sectors={"care": "health"}, skills={"bids": "money"},
    ...     regions=("north",), legal_forms=("cic",))
    >>> mentee = MenteeProfile("care", (("bids", 3),), "north", "remote", "cic", "exploring")
    >>> mentor = MentorProfile(("care",), ("bids",), ("cic",), True, 10, "north", "either")
    >>> encode_cohort([mentee], [mentor], vocab).mentor_skills
    array([[ True]])
    """
    sector_codes = tuple(vocabulary.sectors)
    sector_group_codes = tuple(dict.fromkeys(vocabulary.sectors.values()))
    skill_codes = tuple(vocabulary.skills)
    skill_group_codes = tuple(dict.fromkeys(vocabulary.skills.values()))
    region_codes = tuple(vocabulary.regions)
    legal_form_codes = tuple(vocabulary.legal_forms)
    sectors, skills = _index(sector_codes), _index(skill_codes)
    regions, forms = _index(region_codes), _index(legal_form_codes)
    modes, stages = _index(MEETING_MODES), _index(STAGES)
    sector_groups, skill_groups = _index(sector_group_codes), _index(skill_group_codes)

    n, m = len(mentees), len(mentors)
    mentee_sector = np.zeros(n, np.int32)
    mentee_needs = np.full((n, MAX_NEEDS), -1, np.int32)
    mentee_priority = np.zeros((n, MAX_NEEDS), np.float32)
    mentee_region = np.zeros(n, np.int32)
    mentee_mode = np.zeros(n, np.int32)
    mentee_legal_form = np.zeros(n, np.int32)
    mentee_stage = np.zeros(n, np.int32)
    mentee_waited = np.zeros(n, np.int32)
    for i, mentee in enumerate(mentees):
        who = f"mentee {i}"
        mentee_sector[i] = _lookup(sectors, mentee.primary_sector, "sector", who)
        for code in mentee.other_sectors:
            _lookup(sectors, code, "sector", who)
        if not 1 <= len(mentee.needs) <= MAX_NEEDS:
            raise ValueError(f"{who}: needs must list 1 to {MAX_NEEDS} skills")
        seen: set[str] = set()
        for k, (code, priority) in enumerate(mentee.needs):
            if code in seen:
                raise ValueError(f"{who}: skill {code!r} is listed twice")
            seen.add(code)
            if priority not in (1, 2, 3):
                raise ValueError(f"{who}: priority must be 1, 2 or 3, got {priority!r}")
            mentee_needs[i, k] = _lookup(skills, code, "skill", who)
            mentee_priority[i, k] = priority
        mentee_region[i] = _lookup(regions, mentee.region, "region", who)
        mentee_mode[i] = _lookup(modes, mentee.meeting_mode, "meeting mode", who)
        mentee_legal_form[i] = _lookup(forms, mentee.legal_form, "legal form", who)
        mentee_stage[i] = _lookup(stages, mentee.stage, "stage", who)
        if mentee.waited < 0:
            raise ValueError(f"{who}: waited must be non-negative")
        mentee_waited[i] = mentee.waited

    mentor_sectors = np.zeros((m, len(sector_codes)), np.bool_)
    mentor_skills = np.zeros((m, len(skill_codes)), np.bool_)
    mentor_regions = np.zeros((m, len(region_codes)), np.bool_)
    mentor_mode = np.zeros(m, np.int32)
    mentor_legal_forms = np.zeros((m, len(legal_form_codes)), np.bool_)
    mentor_led_spin_out = np.zeros(m, np.bool_)
    mentor_years = np.zeros(m, np.int32)
    mentor_capacity = np.zeros(m, np.int32)
    mentor_peer = np.zeros(m, np.bool_)
    for j, mentor in enumerate(mentors):
        who = f"mentor {j}"
        for code in mentor.sectors:
            mentor_sectors[j, _lookup(sectors, code, "sector", who)] = True
        for code in mentor.skills:
            mentor_skills[j, _lookup(skills, code, "skill", who)] = True
        for code in (mentor.home_region, *mentor.regions_served):
            mentor_regions[j, _lookup(regions, code, "region", who)] = True
        for code in mentor.legal_forms:
            mentor_legal_forms[j, _lookup(forms, code, "legal form", who)] = True
        mentor_mode[j] = _lookup(modes, mentor.meeting_mode, "meeting mode", who)
        if mentor.kind not in MENTOR_KINDS:
            raise ValueError(f"{who}: unknown mentor kind {mentor.kind!r}")
        if mentor.years_experience < 0:
            raise ValueError(f"{who}: years_experience must be non-negative")
        if mentor.capacity < 0:
            raise ValueError(f"{who}: capacity must be non-negative")
        mentor_led_spin_out[j] = bool(mentor.led_spin_out)
        mentor_years[j] = mentor.years_experience
        mentor_capacity[j] = mentor.capacity
        mentor_peer[j] = mentor.kind == "peer"

    return Cohort(
        sector_codes=sector_codes,
        sector_group_codes=sector_group_codes,
        skill_codes=skill_codes,
        skill_group_codes=skill_group_codes,
        region_codes=region_codes,
        legal_form_codes=legal_form_codes,
        sector_group_of=np.array(
            [sector_groups[vocabulary.sectors[c]] for c in sector_codes], np.int32
        ),
        skill_group_of=np.array(
            [skill_groups[vocabulary.skills[c]] for c in skill_codes], np.int32
        ),
        mentee_sector=mentee_sector,
        mentee_needs=mentee_needs,
        mentee_priority=mentee_priority,
        mentee_region=mentee_region,
        mentee_mode=mentee_mode,
        mentee_legal_form=mentee_legal_form,
        mentee_stage=mentee_stage,
        mentee_waited=mentee_waited,
        mentor_sectors=mentor_sectors,
        mentor_skills=mentor_skills,
        mentor_regions=mentor_regions,
        mentor_mode=mentor_mode,
        mentor_legal_forms=mentor_legal_forms,
        mentor_led_spin_out=mentor_led_spin_out,
        mentor_years=mentor_years,
        mentor_capacity=mentor_capacity,
        mentor_peer=mentor_peer,
    )
