"""A realistic synthetic cohort of the programme, for demonstrations and benchmarks.

Mentees lead new mutuals across health, social care and community services;
mentors are peers who led a spin-out or specialists. Popular sectors and needs
come up more often, as they do in the programme. Everything is drawn from a
seeded generator, so the same seed gives the same cohort.
"""

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete
from sqlmodel import Session

from service.crud import mentees as mentee_data
from service.crud import mentors as mentor_data
from service.crud.taxonomy import TaxonomyIndex, load_index
from service.models import (
    Exclusion,
    MatchRun,
    MeetingMode,
    Mentee,
    MenteeCreate,
    Mentor,
    MentorCreate,
    Need,
    Pairing,
    Vocabulary,
)

FIRST_NAMES = (
    "Alex", "Amara", "Ben", "Chloe", "Dev", "Eilidh", "Fatima", "Gareth", "Hannah", "Imran",
    "Jade", "Kofi", "Lena", "Marcus", "Niamh", "Owen", "Priya", "Rhys", "Sana", "Tom",
    "Uma", "Victor", "Wendy", "Yusuf", "Zoe",
)  # fmt: skip
SURNAMES = (
    "Adeyemi", "Brown", "Campbell", "Davies", "Evans", "Fraser", "Green", "Hughes", "Iqbal",
    "Jones", "Khan", "Lewis", "Morgan", "Nowak", "O'Brien", "Patel", "Quinn", "Roberts",
    "Singh", "Taylor", "Walker", "Williams", "Wright", "Young",
)  # fmt: skip
PLACES = (
    "Northfield", "Riverside", "Eastgate", "Westbrook", "Hillside", "Meadowbank", "Harbour",
    "Oakwood", "Kingsmead", "Fenland", "Moorside", "Valley", "Castlegate", "Brookfield",
)  # fmt: skip
SERVICE_WORDS = {
    "community_health": "Community Health",
    "primary_care": "Primary Care",
    "mental_health": "Wellbeing",
    "public_health": "Health Improvement",
    "hospice_end_of_life": "Hospice Care",
    "adult_social_care": "Care Services",
    "home_care": "Home Care",
    "learning_disability_autism": "Support Living",
    "childrens_services": "Children and Families",
    "youth_services": "Youth Services",
    "education_support": "Learning Partnership",
    "employment_skills": "Skills and Employment",
    "housing": "Housing Support",
    "libraries": "Libraries",
    "culture_arts": "Arts and Culture",
    "sport_leisure": "Leisure Trust",
    "fire_community_safety": "Community Safety",
    "environment_green_space": "Green Spaces",
    "back_office": "Shared Services",
}
MENTOR_ORGANISATIONS = (
    "{place} Care Mutual", "{place} Leisure Trust", "{place} Health CIC",
    "{place} Co-operative Development", "{place} Law LLP", "{place} Accountants",
    "{place} Community Interest Partners", "{place} Employee-owned Services",
)  # fmt: skip
GOALS = (
    "Agree a governance model with staff before the transfer.",
    "Win the re-tender of our main contract next year.",
    "Build a board with community members on it.",
    "Understand our pension obligations after spinning out.",
    "Grow beyond a single commissioner.",
    "Measure and show our social value.",
)


@dataclass(frozen=True)
class Cohort:
    mentors: list[MentorCreate]
    mentees: list[MenteeCreate]


def _skewed(rng: random.Random, items: Sequence[str], k: int) -> list[str]:
    """k distinct items, the first ones of ``items`` much more often (a Zipf-like skew)."""
    weights = [1.0 / (rank + 1) for rank in range(len(items))]
    chosen: list[str] = []
    while len(chosen) < min(k, len(items)):
        item = rng.choices(items, weights=weights)[0]
        if item not in chosen:
            chosen.append(item)
    return chosen


def generate(index: TaxonomyIndex, *, mentees: int, mentors: int, seed: int) -> Cohort:
    rng = random.Random(seed)
    sectors = index.active_codes(Vocabulary.sector)
    rng.shuffle(sectors)  # which sectors are popular depends on the seed
    skills = index.active_codes(Vocabulary.skill)
    rng.shuffle(skills)
    regions = index.active_codes(Vocabulary.region)
    england = [code for code in regions if code not in ("wales", "scotland", "northern_ireland")]
    legal_forms = [code for code in index.active_codes(Vocabulary.legal_form) if code != "other"]
    stages = index.active_codes(Vocabulary.stage)
    modes = [MeetingMode.either] * 5 + [MeetingMode.remote] * 3 + [MeetingMode.in_person] * 2

    def person(number: int, kind: str) -> tuple[str, str]:
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        local = f"{first}.{last}".lower().replace("'", "")
        return f"{first} {last}", f"{local}.{kind}{number}@example.org"

    mentor_profiles = []
    for number in range(mentors):
        name, email = person(number, "mentor")
        peer = rng.random() < 0.55
        home = rng.choice(england)
        mentor_profiles.append(
            MentorCreate(
                name=name,
                email=email,
                organisation=rng.choice(MENTOR_ORGANISATIONS).format(place=rng.choice(PLACES)),
                job_title="Chief executive" if peer else rng.choice(("Partner", "Director")),
                kind="peer" if peer else "specialist",
                led_spin_out=peer,
                years_experience=rng.randint(3, 30),
                home_region=home,
                regions_served=[r for r in _skewed(rng, england, rng.randint(0, 2)) if r != home],
                meeting_mode=rng.choice(modes),
                capacity=rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5)),
                sectors=_skewed(rng, sectors, rng.randint(1, 4)),
                skills=_skewed(rng, skills, rng.randint(2, 8)),
                legal_forms=_skewed(rng, legal_forms, rng.randint(0, 3)),
            )
        )
    mentee_profiles = []
    for number in range(mentees):
        name, email = person(number, "mentee")
        sector = _skewed(rng, sectors, 1)[0]
        mentee_profiles.append(
            MenteeCreate(
                name=name,
                email=email,
                organisation=f"{rng.choice(PLACES)} {SERVICE_WORDS.get(sector, 'Services')} CIC",
                legal_form=rng.choice(legal_forms),
                stage=rng.choice(stages),
                primary_sector=sector,
                other_sectors=[s for s in _skewed(rng, sectors, rng.randint(0, 2)) if s != sector],
                needs=[
                    Need(skill=skill, priority=rng.choice((1, 2, 2, 3)))
                    for skill in _skewed(rng, skills, rng.randint(1, 5))
                ],
                region=rng.choice(regions) if rng.random() < 0.1 else rng.choice(england),
                meeting_mode=rng.choice(modes),
                goals=rng.choice(GOALS),
            )
        )
    return Cohort(mentors=mentor_profiles, mentees=mentee_profiles)


def clear_people(*, session: Session) -> None:
    """Remove every person, run, pairing and exclusion; the taxonomy and tokens stay."""
    for table in (Pairing, Exclusion, MatchRun, Mentee, Mentor):
        session.execute(delete(table))
    session.flush()


def load(
    *,
    session: Session,
    mentees: int,
    mentors: int,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
) -> Cohort:
    """Add a generated cohort to the database (in the session's transaction)."""
    cohort = generate(load_index(session=session), mentees=mentees, mentors=mentors, seed=seed)
    rows: list[Mentor | Mentee] = [mentor_data.build(data) for data in cohort.mentors]
    rows += [mentee_data.build(data) for data in cohort.mentees]
    for start in range(0, len(rows), 1000):
        session.add_all(rows[start : start + 1000])
        session.flush()
        if progress:
            progress(min(start + 1000, len(rows)), len(rows))
    return cohort
