"""Loading the cohort a match run considers, in a fixed number of bulk queries.

Turns database rows into the plain profiles `matching` takes: waiting mentees
without an active pairing, active mentors with places left, and every pair that
must not be proposed (exclusions, and people of the same organisation).
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import ARRAY, Integer, any_, bindparam, exists, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

import matching
from service.crud.exclusions import excluded_pairs
from service.crud.taxonomy import TaxonomyIndex, load_index
from service.errors import FieldError, InvalidInput
from service.models import (
    CohortFilter,
    MatchRun,
    Mentee,
    MenteeStatus,
    MenteeTerm,
    Mentor,
    MentorStatus,
    MentorTerm,
    Pairing,
    PairingStatus,
    Proposal,
    ProposalStatus,
    UnmatchedMentee,
    Vocabulary,
)


@dataclass(frozen=True)
class Cohort:
    mentee_ids: list[int]
    mentor_ids: list[int]
    mentees: list[matching.MenteeProfile]
    mentors: list[matching.MentorProfile]
    capacities: npt.NDArray[np.int64]
    forbidden: npt.NDArray[np.int64]
    vocabulary: matching.Vocabulary


_ELIDED = re.compile(r"[.'’]")
_SEPARATORS = re.compile(r"[^a-z0-9]+")
_LEGAL_SUFFIXES = frozenset({"ltd", "limited", "cic", "plc", "llp", "the", "cio"})


def normalise_organisation(name: str) -> str:
    """Compare organisations regardless of case, punctuation and legal suffixes."""
    # "C.I.C." and "CIC", "St. Mary's" and "St Marys" are the same words.
    words = _SEPARATORS.sub(" ", _ELIDED.sub("", name.casefold())).split()
    return " ".join(word for word in words if word not in _LEGAL_SUFFIXES)


def vocabulary_of(index: TaxonomyIndex) -> matching.Vocabulary:
    labels = {term.code: term.label for terms in index.terms.values() for term in terms.values()}
    return matching.Vocabulary(
        sectors={code: t.group_code or "" for code, t in index.terms[Vocabulary.sector].items()},
        skills={code: t.group_code or "" for code, t in index.terms[Vocabulary.skill].items()},
        regions=tuple(index.terms[Vocabulary.region]),
        legal_forms=tuple(index.terms[Vocabulary.legal_form]),
        labels=labels,
    )


def _active_pairing(person: Any, column: Any) -> ColumnElement[bool]:
    return exists().where(col(column) == person.id, col(Pairing.status) == PairingStatus.active)


def check_filter(*, session: Session, cohort: CohortFilter) -> None:
    """422 naming every unknown code and id of a run's cohort filter."""
    index = load_index(session=session)
    errors = index.check(vocabulary=Vocabulary.sector, field="cohort.sectors", codes=cohort.sectors)
    errors += index.check(
        vocabulary=Vocabulary.region, field="cohort.regions", codes=cohort.regions
    )
    for field, table, ids in (
        ("cohort.mentee_ids", Mentee, cohort.mentee_ids),
        ("cohort.mentor_ids", Mentor, cohort.mentor_ids),
    ):
        known: set[int] = set()
        for condition in _member_of(session, col(table.id), list(ids)):
            known.update(
                session.execute(
                    select(col(table.id)).where(condition, col(table.erased_at).is_(None))
                ).scalars()
            )
        kind = table.__name__.lower()
        errors += [
            FieldError(field=f"{field}[{position}]", message=f"no {kind} with id {person_id}")
            for position, person_id in enumerate(ids)
            if person_id not in known
        ]
    if errors:
        raise InvalidInput.for_fields(errors)


def mentee_conditions(cohort: CohortFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        col(Mentee.status) == MenteeStatus.waiting,
        ~_active_pairing(Mentee, Pairing.mentee_id),
    ]
    if cohort.sectors:
        conditions.append(col(Mentee.primary_sector).in_(cohort.sectors))
    if cohort.regions:
        conditions.append(col(Mentee.region).in_(cohort.regions))
    if cohort.mentee_ids:
        conditions.append(col(Mentee.id).in_(cohort.mentee_ids))
    return conditions


def mentor_conditions(cohort: CohortFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [col(Mentor.status) == MentorStatus.active]
    if cohort.mentor_ids:
        conditions.append(col(Mentor.id).in_(cohort.mentor_ids))
    return conditions


def _member_of(session: Session, column: Any, ids: Sequence[int]) -> list[ColumnElement[bool]]:
    """Conditions, to query one at a time, that together select the rows of these ids.

    PostgreSQL takes the ids as one array parameter (a long IN list costs more to
    send than the rows it selects); SQLite gets IN lists short enough for its limit
    on bound parameters.
    """
    if session.get_bind().dialect.name == "postgresql":
        return [column == any_(bindparam("ids", list(ids), type_=ARRAY(Integer)))]
    size = 5000
    return [column.in_(ids[start : start + size]) for start in range(0, len(ids), size)]


class _Terms:
    """Each owner's codes by vocabulary in profile order, and their needs' priorities.

    Read by the ids of the profiles already read, not by the cohort's conditions
    again: a person paired in between must not come back without their terms.
    Plain rows, not ORM objects: a 10,000-mentee cohort has some 80,000
    terms, and an object for each would cost more than the matching itself.
    """

    def __init__(
        self, session: Session, owner_column: Any, table: Any, owner_ids: Sequence[int]
    ) -> None:
        priority = table.priority if hasattr(table, "priority") else literal(None)
        self.codes: dict[int, dict[str, list[str]]] = defaultdict(dict)
        self.priorities: dict[int, list[int]] = defaultdict(list)
        for condition in _member_of(session, col(owner_column), owner_ids):
            rows = session.connection().execute(
                select(owner_column, table.vocabulary, table.code, priority)
                .where(condition)
                .order_by(owner_column, table.vocabulary, table.position)
            )
            for owner, vocabulary, code, weight in rows.all():
                self.codes[owner].setdefault(vocabulary, []).append(code)
                if weight is not None:
                    self.priorities[owner].append(weight)

    def of(self, owner: int, vocabulary: Vocabulary) -> tuple[str, ...]:
        return tuple(self.codes.get(owner, {}).get(vocabulary, ()))


def load_mentees(
    session: Session, conditions: Sequence[ColumnElement[bool]]
) -> tuple[list[int], list[str], list[matching.MenteeProfile]]:
    rows = session.execute(
        select(
            col(Mentee.id),
            col(Mentee.organisation),
            col(Mentee.primary_sector),
            col(Mentee.region),
            col(Mentee.meeting_mode),
            col(Mentee.legal_form),
            col(Mentee.stage),
        )
        .where(*conditions)
        .order_by(col(Mentee.id))
    ).all()
    read = [row[0] for row in rows]
    terms = _Terms(session, MenteeTerm.mentee_id, MenteeTerm, read)
    # Only runs a coordinator acted on (or marked final) count as waited for:
    # trial runs nobody decided on must not move a mentee up the queue.
    decided = exists().where(
        col(Proposal.match_run_id) == UnmatchedMentee.match_run_id,
        col(Proposal.status) != ProposalStatus.proposed,
    )
    final = exists().where(col(MatchRun.id) == UnmatchedMentee.match_run_id, col(MatchRun.final))
    waited: dict[int, int] = {}
    for condition in _member_of(session, col(UnmatchedMentee.mentee_id), read):
        waited.update(
            session.execute(
                select(col(UnmatchedMentee.mentee_id), func.count())
                .where(condition, or_(decided, final))
                .group_by(col(UnmatchedMentee.mentee_id))
            ).all()
        )
    ids, organisations, profiles = [], [], []
    for mentee_id, organisation, sector, region, mode, legal_form, stage in rows:
        ids.append(mentee_id)
        organisations.append(organisation)
        profiles.append(
            matching.MenteeProfile(
                primary_sector=sector,
                needs=tuple(
                    zip(
                        terms.of(mentee_id, Vocabulary.skill),
                        terms.priorities[mentee_id],
                        strict=True,
                    )
                ),
                region=region,
                meeting_mode=str(mode),
                legal_form=legal_form,
                stage=stage,
                other_sectors=terms.of(mentee_id, Vocabulary.sector),
                waited=int(waited.get(mentee_id, 0)),
            )
        )
    return ids, organisations, profiles


def load_mentors(
    session: Session, conditions: Sequence[ColumnElement[bool]]
) -> tuple[list[int], list[str], list[matching.MentorProfile], list[int]]:
    """Mentors with places left, and how many places each has left."""
    active = (
        select(col(Pairing.mentor_id), func.count().label("active"))
        .where(col(Pairing.status) == PairingStatus.active)
        .group_by(col(Pairing.mentor_id))
        .subquery()
    )
    remaining = Mentor.capacity - func.coalesce(active.c.active, 0)
    rows = session.execute(
        select(
            col(Mentor.id),
            col(Mentor.organisation),
            col(Mentor.kind),
            col(Mentor.led_spin_out),
            col(Mentor.years_experience),
            col(Mentor.home_region),
            col(Mentor.meeting_mode),
            remaining,
        )
        .outerjoin(active, active.c.mentor_id == Mentor.id)
        .where(*conditions, remaining > 0)
        .order_by(col(Mentor.id))
    ).all()
    terms = _Terms(session, MentorTerm.mentor_id, MentorTerm, [row[0] for row in rows])
    ids, organisations, profiles, places = [], [], [], []
    for mentor_id, organisation, kind, spin_out, years, home, mode, left in rows:
        ids.append(mentor_id)
        organisations.append(organisation)
        places.append(int(left))
        profiles.append(
            matching.MentorProfile(
                sectors=terms.of(mentor_id, Vocabulary.sector),
                skills=terms.of(mentor_id, Vocabulary.skill),
                legal_forms=terms.of(mentor_id, Vocabulary.legal_form),
                led_spin_out=bool(spin_out),
                years_experience=int(years),
                home_region=home,
                meeting_mode=str(mode),
                regions_served=terms.of(mentor_id, Vocabulary.region),
                kind=kind,
                capacity=int(left),
            )
        )
    return ids, organisations, profiles, places


def forbidden_indices(
    *,
    mentee_ids: Sequence[int],
    mentor_ids: Sequence[int],
    mentee_organisations: Iterable[str],
    mentor_organisations: Iterable[str],
    excluded: set[tuple[int, int]],
) -> npt.NDArray[np.int64]:
    """(mentee index, mentor index) rows for excluded pairs and same-organisation pairs."""
    mentee_index = {mentee_id: i for i, mentee_id in enumerate(mentee_ids)}
    mentor_index = {mentor_id: j for j, mentor_id in enumerate(mentor_ids)}
    pairs = [
        (mentee_index[mentee_id], mentor_index[mentor_id])
        for mentee_id, mentor_id in excluded
        if mentee_id in mentee_index and mentor_id in mentor_index
    ]
    mentors_by_organisation: dict[str, list[int]] = defaultdict(list)
    for j, organisation in enumerate(mentor_organisations):
        mentors_by_organisation[normalise_organisation(organisation)].append(j)
    for i, organisation in enumerate(mentee_organisations):
        for j in mentors_by_organisation.get(normalise_organisation(organisation), []):
            pairs.append((i, j))
    if not pairs:
        return np.zeros((0, 2), dtype=np.int64)
    return np.unique(np.asarray(pairs, dtype=np.int64), axis=0)


def load(*, session: Session, cohort: CohortFilter) -> Cohort:
    mentee_ids, mentee_organisations, mentees = load_mentees(session, mentee_conditions(cohort))
    mentor_ids, mentor_organisations, mentors, places = load_mentors(
        session, mentor_conditions(cohort)
    )
    forbidden = forbidden_indices(
        mentee_ids=mentee_ids,
        mentor_ids=mentor_ids,
        mentee_organisations=mentee_organisations,
        mentor_organisations=mentor_organisations,
        excluded=excluded_pairs(session=session),
    )
    return Cohort(
        mentee_ids=mentee_ids,
        mentor_ids=mentor_ids,
        mentees=mentees,
        mentors=mentors,
        capacities=np.asarray(places, dtype=np.int64),
        forbidden=forbidden,
        vocabulary=vocabulary_of(load_index(session=session)),
    )
