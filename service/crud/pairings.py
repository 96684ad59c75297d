"""Pairings: created from accepted proposals or by hand, always under the invariants.

Invariants, enforced inside the request's transaction:
- a mentee has at most one active pairing (also a partial unique index);
- a mentor never has more active pairings than their capacity.
Concurrent requests are serialised on the rows involved: PostgreSQL locks the
mentor and mentee rows (SELECT ... FOR UPDATE, always mentors first, in id
order, so two requests cannot deadlock); SQLite runs writing transactions one
at a time (BEGIN IMMEDIATE, see service.db).
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from service.crud import audit, outbox, profiles
from service.crud.exclusions import exclude_pair, excluded_pairs
from service.errors import Conflict, FieldError, InvalidInput, NotFound
from service.models import (
    ExclusionReason,
    Fit,
    Mentee,
    MenteeStatus,
    Mentor,
    MentorStatus,
    Pairing,
    PairingCreate,
    PairingEnd,
    PairingPublic,
    PairingStatus,
    PairingUpdate,
    utcnow,
)
from service.security import Principal


@dataclass(frozen=True)
class Candidate:
    """A pairing about to be made, and the field that named it (for error messages)."""

    mentee_id: int
    mentor_id: int
    field: str
    proposal_id: int | None = None


def lock_people(*, session: Session, mentor_ids: Sequence[int], mentee_ids: Sequence[int]) -> None:
    """Hold the rows of everyone involved until the transaction ends (PostgreSQL).

    Every writer that changes pairings locks in this order: mentors, then mentees,
    each in id order. One order for all means no two of them can deadlock.
    """
    if session.get_bind().dialect.name == "sqlite":
        return  # the whole database is already held by BEGIN IMMEDIATE
    # FOR NO KEY UPDATE: other transactions may still insert rows that refer to these
    # people (their foreign-key checks take KEY SHARE locks), so they need not queue here.
    if mentor_ids:
        session.exec(
            select(Mentor.id)
            .where(col(Mentor.id).in_(sorted(set(mentor_ids))))
            .order_by(col(Mentor.id))
            .with_for_update(key_share=True)
        ).all()
    if mentee_ids:
        session.exec(
            select(Mentee.id)
            .where(col(Mentee.id).in_(sorted(set(mentee_ids))))
            .order_by(col(Mentee.id))
            .with_for_update(key_share=True)
        ).all()


def active(
    *, session: Session, mentor_id: int | None = None, mentee_id: int | None = None
) -> list[Pairing]:
    """The active pairings of one mentor or one mentee, oldest first."""
    own = (
        col(Pairing.mentor_id) == mentor_id
        if mentor_id is not None
        else col(Pairing.mentee_id) == mentee_id
    )
    query = select(Pairing).where(own, col(Pairing.status) == PairingStatus.active)
    return list(session.exec(query.order_by(col(Pairing.id))))


def active_counts(*, session: Session, mentor_ids: Sequence[int]) -> dict[int, int]:
    rows = session.exec(
        select(Pairing.mentor_id, func.count())
        .where(col(Pairing.mentor_id).in_(mentor_ids), Pairing.status == PairingStatus.active)
        .group_by(col(Pairing.mentor_id))
    ).all()
    return {mentor_id: count for mentor_id, count in rows if mentor_id is not None}


def paired_mentees(*, session: Session, mentee_ids: Sequence[int]) -> set[int]:
    """Which of these mentees have an active pairing."""
    query = select(Pairing.mentee_id).where(
        col(Pairing.mentee_id).in_(mentee_ids), Pairing.status == PairingStatus.active
    )
    return {mentee_id for mentee_id in session.exec(query) if mentee_id is not None}


def problems(*, session: Session, candidates: Sequence[Candidate]) -> list[str | None]:
    """Why each candidate cannot become a pairing now (None where it can), in order.

    Candidates are taken in turn: one that can be paired claims its mentee and a
    place of its mentor, which the later ones then see taken.
    """
    mentor_ids = [c.mentor_id for c in candidates]
    mentee_ids = [c.mentee_id for c in candidates]
    lock_people(session=session, mentor_ids=mentor_ids, mentee_ids=mentee_ids)
    mentors = {m.id: m for m in session.exec(select(Mentor).where(col(Mentor.id).in_(mentor_ids)))}
    mentees = {m.id: m for m in session.exec(select(Mentee).where(col(Mentee.id).in_(mentee_ids)))}
    paired = paired_mentees(session=session, mentee_ids=mentee_ids)
    taken = Counter(active_counts(session=session, mentor_ids=mentor_ids))
    excluded = excluded_pairs(session=session)
    found: list[str | None] = []
    claimed: set[int] = set()
    for candidate in candidates:
        mentor = mentors.get(candidate.mentor_id)
        mentee = mentees.get(candidate.mentee_id)
        problem = None
        if mentee is None or mentee.erased_at is not None:
            problem = f"mentee {candidate.mentee_id} no longer exists"
        elif mentor is None or mentor.erased_at is not None:
            problem = f"mentor {candidate.mentor_id} no longer exists"
        elif candidate.mentee_id in paired or candidate.mentee_id in claimed:
            problem = f"mentee {candidate.mentee_id} already has an active pairing"
        elif mentee.status == MenteeStatus.withdrawn:
            problem = f"mentee {candidate.mentee_id} has withdrawn"
        elif mentee.status == MenteeStatus.pending:
            problem = f"mentee {candidate.mentee_id} waits for approval"
        elif mentor.status != MentorStatus.active:
            problem = f"mentor {candidate.mentor_id} is {mentor.status}"
        elif taken[candidate.mentor_id] >= mentor.capacity:
            problem = (
                f"mentor {candidate.mentor_id} is at capacity "
                f"({taken[candidate.mentor_id]} of {mentor.capacity})"
            )
        elif (candidate.mentee_id, candidate.mentor_id) in excluded:
            problem = f"mentee {candidate.mentee_id} and mentor {candidate.mentor_id} are excluded"
        found.append(problem)
        if problem is None:
            claimed.add(candidate.mentee_id)
            taken[candidate.mentor_id] += 1
    return found


def check(*, session: Session, candidates: Sequence[Candidate]) -> list[FieldError]:
    """Why each candidate cannot become a pairing now; empty when all of them can."""
    return [
        FieldError(field=candidate.field, message=problem)
        for candidate, problem in zip(
            candidates, problems(session=session, candidates=candidates), strict=True
        )
        if problem is not None
    ]


def create_many(
    *,
    session: Session,
    candidates: Sequence[Candidate],
    started_on: date | None = None,
    planned_end_on: date | None = None,
    known_problems: Sequence[FieldError] = (),
    asked_for: int | None = None,
) -> list[Pairing]:
    """Make every candidate a pairing, or none of them (409 listing each problem).

    ``known_problems`` are the caller's own findings (say, a proposal already
    decided), reported together with these checks'.
    """
    errors = [*known_problems, *check(session=session, candidates=candidates)]
    if errors:
        total = asked_for if asked_for is not None else len(candidates)
        raise Conflict(
            f"{len(errors)} of {total} cannot be paired now; nothing was changed",
            errors=errors,
        )
    return insert(
        session=session,
        candidates=candidates,
        started_on=started_on,
        planned_end_on=planned_end_on,
    )


def insert(
    *,
    session: Session,
    candidates: Sequence[Candidate],
    started_on: date | None = None,
    planned_end_on: date | None = None,
) -> list[Pairing]:
    """Make pairings of candidates that `problems` found nothing against, in this transaction."""
    today = started_on or utcnow().date()
    pairings = []
    for candidate in candidates:
        pairing = Pairing(
            mentee_id=candidate.mentee_id,
            mentor_id=candidate.mentor_id,
            proposal_id=candidate.proposal_id,
            started_on=today,
            planned_end_on=planned_end_on,
        )
        session.add(pairing)
        pairings.append(pairing)
    mentee_ids = [c.mentee_id for c in candidates]
    for mentee in session.exec(select(Mentee).where(col(Mentee.id).in_(mentee_ids))):
        mentee.status = MenteeStatus.paired
        session.add(mentee)
    try:
        session.flush()
    except IntegrityError as exc:
        # The partial unique index caught a race the checks above could not see.
        raise Conflict("a mentee named here was paired meanwhile; nothing was changed") from exc
    for pairing in pairings:
        _tell_both(session, pairing, kind="introduction")
    audit.record_many(
        session,
        action="pairing.created",
        subject_type="pairing",
        events=[
            (
                pairing.id,
                {
                    "mentee_id": pairing.mentee_id,
                    "mentor_id": pairing.mentor_id,
                    "proposal_id": pairing.proposal_id,
                },
            )
            for pairing in pairings
        ],
    )
    return pairings


def _tell_both(session: Session, pairing: Pairing, *, kind: str) -> None:
    """Queue one message of ``kind`` to each person of the pairing (once per pairing)."""
    outbox.enqueue(
        session,
        kind=kind,
        key=f"{kind}:{pairing.id}:mentee",
        role="mentee",
        mentee_id=pairing.mentee_id,
        pairing_id=pairing.id,
    )
    outbox.enqueue(
        session,
        kind=kind,
        key=f"{kind}:{pairing.id}:mentor",
        role="mentor",
        mentor_id=pairing.mentor_id,
        pairing_id=pairing.id,
    )


def create(*, session: Session, data: PairingCreate) -> Pairing:
    if data.planned_end_on and data.started_on and data.planned_end_on < data.started_on:
        raise InvalidInput.for_fields(
            [FieldError(field="planned_end_on", message="must not be before started_on")]
        )
    candidate = Candidate(mentee_id=data.mentee_id, mentor_id=data.mentor_id, field="body")
    (pairing,) = create_many(
        session=session,
        candidates=[candidate],
        started_on=data.started_on,
        planned_end_on=data.planned_end_on,
    )
    return pairing


def get(*, session: Session, pairing_id: int) -> Pairing:
    pairing = session.get(Pairing, pairing_id)
    if pairing is None:
        raise NotFound(f"no pairing with id {pairing_id}")
    return pairing


def end(*, session: Session, pairing: Pairing, data: PairingEnd) -> Pairing:
    # The same lock order as pairing (mentor, mentee, then the pairing row), so that an
    # end and a new pairing of the same people cannot deadlock; and two concurrent ends
    # cannot both pass the "still active" check.
    assert pairing.mentor_id is not None
    assert pairing.mentee_id is not None
    lock_people(session=session, mentor_ids=[pairing.mentor_id], mentee_ids=[pairing.mentee_id])
    session.refresh(pairing, with_for_update={"key_share": True})
    if data.status == PairingStatus.active:
        raise InvalidInput.for_fields(
            [FieldError(field="status", message="must be 'completed' or 'ended_early'")]
        )
    if pairing.status != PairingStatus.active:
        raise Conflict(f"pairing {pairing.id} already ended ({pairing.status})")
    ended_on = data.ended_on or utcnow().date()
    if ended_on < pairing.started_on:
        raise InvalidInput.for_fields(
            [FieldError(field="ended_on", message=f"must not be before {pairing.started_on}")]
        )
    pairing.status = data.status
    pairing.ended_on = ended_on
    pairing.end_reason = data.reason
    pairing.updated_at = utcnow()
    session.add(pairing)
    exclude_pair(
        session=session,
        mentee_id=pairing.mentee_id,
        mentor_id=pairing.mentor_id,
        reason=ExclusionReason.pairing_ended,
        note=data.reason,
    )
    if data.status == PairingStatus.ended_early:
        # Back in the pool for a new mentor; this one is excluded above.
        mentee = session.get(Mentee, pairing.mentee_id)
        if mentee is not None and mentee.status == MenteeStatus.paired:
            mentee.status = MenteeStatus.waiting
            session.add(mentee)
    session.flush()
    _tell_both(session, pairing, kind="end_survey")
    audit.record(
        session,
        action="pairing.ended",
        subject_type="pairing",
        subject_id=pairing.id,
        details={"status": pairing.status},
    )
    return pairing


def record_fit(*, session: Session, principal: Principal, pairing_id: int, fit: Fit) -> Pairing:
    """A participant's own answer, through the API or their pages."""
    pairing = get_for(session=session, principal=principal, pairing_id=pairing_id)
    set_fit(session=session, pairing=pairing, role=principal.role.value, fit=fit)
    return pairing


def set_fit(*, session: Session, pairing: Pairing, role: str, fit: Fit) -> None:
    """Record how one person says the pairing fits; "not a fit" alerts the coordinators."""
    if pairing.status != PairingStatus.active:
        raise Conflict(f"pairing {pairing.id} has ended")
    if role == "mentee":
        pairing.mentee_fit = fit
    else:
        pairing.mentor_fit = fit
    pairing.updated_at = utcnow()
    session.add(pairing)
    session.flush()
    if fit is Fit.not_a_fit:
        outbox.enqueue(
            session,
            kind="not_a_fit_alert",
            key=f"not_a_fit_alert:{pairing.id}:{role}",
            role="coordinator",
            pairing_id=pairing.id,
            payload={"by": role},
        )
    audit.record(
        session,
        action="pairing.fit_recorded",
        subject_type="pairing",
        subject_id=pairing.id,
        details={"by": role, "fit": fit},
    )


def _own(principal: Principal) -> ColumnElement[bool]:
    if principal.mentee_id is not None:
        return col(Pairing.mentee_id) == principal.mentee_id
    return col(Pairing.mentor_id) == principal.mentor_id


def list_for(*, session: Session, principal: Principal) -> list[Pairing]:
    """A participant's pairings, newest first."""
    return list(
        session.exec(select(Pairing).where(_own(principal)).order_by(col(Pairing.id).desc()))
    )


def get_for(*, session: Session, principal: Principal, pairing_id: int) -> Pairing:
    pairing = session.exec(
        select(Pairing).where(_own(principal), col(Pairing.id) == pairing_id)
    ).first()
    if pairing is None:
        raise NotFound(f"you have no pairing with id {pairing_id}")
    return pairing


def to_public(*, session: Session, rows: Sequence[Pairing]) -> list[PairingPublic]:
    """Pairings with both people's names and organisations, in two queries whatever their number."""
    mentees = profiles.person_refs(
        session, Mentee, (row.mentee_id for row in rows if row.mentee_id)
    )
    mentors = profiles.person_refs(
        session, Mentor, (row.mentor_id for row in rows if row.mentor_id)
    )
    return [
        PairingPublic.model_validate(
            row,
            update={
                "mentee": mentees[row.mentee_id],  # type: ignore[index]
                "mentor": mentors[row.mentor_id],  # type: ignore[index]
            },
        )
        for row in rows
    ]


@dataclass(frozen=True)
class PairingFilter:
    """Which pairings a list or an export shows; None means any."""

    status: PairingStatus | None = None
    mentee_id: int | None = None
    mentor_id: int | None = None
    fit: Fit | None = None
    planned_end_before: date | None = None
    planned_end_after: date | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.status is not None:
            conditions.append(col(Pairing.status) == self.status)
        if self.mentee_id is not None:
            conditions.append(col(Pairing.mentee_id) == self.mentee_id)
        if self.mentor_id is not None:
            conditions.append(col(Pairing.mentor_id) == self.mentor_id)
        if self.fit is not None:
            # Either person's answer: one "not a fit" is enough for a coordinator to look.
            conditions.append(
                or_(col(Pairing.mentee_fit) == self.fit, col(Pairing.mentor_fit) == self.fit)
            )
        if self.planned_end_before is not None:
            conditions.append(col(Pairing.planned_end_on) <= self.planned_end_before)
        if self.planned_end_after is not None:
            conditions.append(col(Pairing.planned_end_on) >= self.planned_end_after)
        return conditions


def list_page(
    *, session: Session, where: PairingFilter, limit: int, offset: int
) -> tuple[list[PairingPublic], int]:
    rows, count = profiles.page(
        session=session, table=Pairing, conditions=where.conditions(), limit=limit, offset=offset
    )
    return to_public(session=session, rows=rows), count


def list_all(*, session: Session, where: PairingFilter) -> list[PairingPublic]:
    """Every pairing the filter selects, in id order (for an export)."""
    rows = session.exec(select(Pairing).where(*where.conditions()).order_by(col(Pairing.id))).all()
    return to_public(session=session, rows=rows)


def update(*, session: Session, pairing: Pairing, data: PairingUpdate) -> Pairing:
    values = data.model_dump(exclude_unset=True)
    planned = values.get("planned_end_on")
    if planned is not None and planned < pairing.started_on:
        raise InvalidInput.for_fields(
            [FieldError(field="planned_end_on", message=f"must not be before {pairing.started_on}")]
        )
    pairing.sqlmodel_update(values)
    pairing.updated_at = utcnow()
    session.add(pairing)
    session.flush()
    audit.record(
        session,
        action="pairing.updated",
        subject_type="pairing",
        subject_id=pairing.id,
        details={"fields": sorted(values)},
    )
    return pairing
