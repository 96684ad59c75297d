"""Readable per-pair reference model, random cohorts and a brute-force oracle."""

from __future__ import annotations

from functools import cache

import numpy as np

from matching import MenteeProfile, MentorProfile, Vocabulary, Weights

SECTORS = {"care": "health", "mental": "health", "youth": "people", "libraries": "culture"}
SKILLS = {
    "bids": "money",
    "finance": "money",
    "boards": "governance",
    "law": "governance",
    "people": "hr",
}
LABELS = {
    "care": "adult social care",
    "mental": "mental health",
    "youth": "youth services",
    "libraries": "libraries",
    "health": "health and care",
    "bids": "bid writing and tendering",
    "finance": "finance",
    "boards": "governance and boards",
    "law": "legal",
    "people": "people management",
    "north": "North East",
    "south": "South West",
    "london": "London",
}
REGIONS = ("north", "south", "london")
FORMS = ("cic", "coop", "charity")
VOCAB = Vocabulary(
    sectors=SECTORS, skills=SKILLS, regions=REGIONS, legal_forms=FORMS, labels=LABELS
)
MODES = ("in_person", "remote", "either")
STAGES = ("exploring", "spinning_out", "spun_out", "established")


def reference_components(
    mentee: MenteeProfile, mentor: MentorProfile, vocab: Vocabulary = VOCAB
) -> tuple[dict[str, float], bool]:
    """The model of DESIGN.md for one pair: components and compatibility."""
    if mentee.primary_sector in mentor.sectors:
        sector = 1.0
    elif vocab.sectors[mentee.primary_sector] in {vocab.sectors[s] for s in mentor.sectors}:
        sector = 0.5
    else:
        sector = 0.0

    mentor_groups = {vocab.skills[s] for s in mentor.skills}
    weighted = 0.0
    for skill, priority in mentee.needs:
        if skill in mentor.skills:
            weighted += priority
        elif vocab.skills[skill] in mentor_groups:
            weighted += 0.5 * priority
    skills = weighted / sum(p for _, p in mentee.needs)

    served = {mentor.home_region, *mentor.regions_served}
    shared = mentee.region in served
    remote_ok = mentee.meeting_mode != "in_person" and mentor.meeting_mode != "in_person"
    modes = {mentee.meeting_mode, mentor.meeting_mode}
    conflict = modes == {"in_person", "remote"}
    if shared:
        region = 1.0
    elif remote_ok:
        region = 0.5
    else:
        region = 0.0
    compatible = not conflict and (shared or remote_ok)

    legal = 0.5 if mentee.legal_form in mentor.legal_forms else 0.0
    if mentee.stage == "established":
        other = 0.5 * min(mentor.years_experience, 10) / 10
    else:
        other = 0.5 if mentor.led_spin_out else 0.0
    components = {"sector": sector, "skills": skills, "region": region, "experience": legal + other}
    return components, compatible


def reference_total(components: dict[str, float], weights: Weights) -> float:
    w = {k: getattr(weights, k) for k in components}
    return sum(w[k] * components[k] for k in components) / sum(w.values())


def random_mentee(rng: np.random.Generator, waited_max: int = 0) -> MenteeProfile:
    n_needs = int(rng.integers(1, 5))
    needs = rng.choice(sorted(SKILLS), size=n_needs, replace=False)
    return MenteeProfile(
        primary_sector=str(rng.choice(sorted(SECTORS))),
        needs=tuple((str(s), int(rng.integers(1, 4))) for s in needs),
        region=str(rng.choice(REGIONS)),
        meeting_mode=str(rng.choice(MODES)),
        legal_form=str(rng.choice(FORMS)),
        stage=str(rng.choice(STAGES)),
        waited=int(rng.integers(0, waited_max + 1)),
    )


def random_mentor(rng: np.random.Generator, capacity_max: int = 3) -> MentorProfile:
    def some(pool: list[str], most: int) -> tuple[str, ...]:
        k = int(rng.integers(0, most + 1))
        return tuple(str(x) for x in rng.choice(pool, size=k, replace=False))

    return MentorProfile(
        sectors=some(sorted(SECTORS), 2),
        skills=some(sorted(SKILLS), 3),
        legal_forms=some(list(FORMS), 2),
        led_spin_out=bool(rng.integers(0, 2)),
        years_experience=int(rng.integers(0, 25)),
        home_region=str(rng.choice(REGIONS)),
        meeting_mode=str(rng.choice(MODES)),
        regions_served=some(list(REGIONS), 1),
        capacity=int(rng.integers(0, capacity_max + 1)),
    )


def random_cohort(
    seed: int, n: int, m: int, capacity_max: int = 3
) -> tuple[list[MenteeProfile], list[MentorProfile]]:
    rng = np.random.default_rng(seed)
    mentees = [random_mentee(rng, waited_max=2) for _ in range(n)]
    mentors = [random_mentor(rng, capacity_max) for _ in range(m)]
    return mentees, mentors


def brute_force(
    weights: np.ndarray, eligible: np.ndarray, capacity: np.ndarray, objective: str
) -> tuple[int, float]:
    """Best (matched count, total) by dynamic programming over remaining capacities."""
    n, m = weights.shape

    @cache
    def best(i: int, left: tuple[int, ...]) -> tuple[float, int, float]:
        if i == n:
            return (0.0, 0, 0.0)
        options = [best(i + 1, left)]
        for j in range(m):
            if eligible[i, j] and left[j] > 0:
                rest = best(i + 1, left[:j] + (left[j] - 1,) + left[j + 1 :])
                count, total = rest[1] + 1, rest[2] + float(weights[i, j])
                key = float(count) if objective == "max_matched" else 0.0
                options.append((key, count, total))
        return max(options, key=lambda o: (o[0], round(o[2], 9)))

    _, count, total = best(0, tuple(int(c) for c in capacity))
    return count, total
