"""Exclusions: declared by coordinators or participants, or made by decisions."""

from collections.abc import Mapping

from sqlalchemy import func
from sqlalchemy import select as sql_select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from service.crud import audit, profiles
from service.errors import Conflict, NotFound
from service.models import (
    ConflictDeclaration,
    Exclusion,
    ExclusionCreate,
    ExclusionPublic,
    ExclusionReason,
    ExclusionWithPeople,
    Mentee,
    Mentor,
    PersonRef,
    Role,
)
from service.security import Principal

# Emails per IN list: well under SQLite's limit on bound parameters.
_CHUNK = 5000


def get(*, session: Session, exclusion_id: int) -> Exclusion:
    exclusion = session.get(Exclusion, exclusion_id)
    if exclusion is None:
        raise NotFound(f"no exclusion with id {exclusion_id}")
    return exclusion


def _existing(*, session: Session, mentee_id: int, mentor_id: int) -> Exclusion | None:
    return session.exec(
        select(Exclusion).where(Exclusion.mentee_id == mentee_id, Exclusion.mentor_id == mentor_id)
    ).first()


def exclude_pair(
    *, session: Session, mentee_id: int, mentor_id: int, reason: ExclusionReason, note: str = ""
) -> Exclusion:
    """Record that a pair must never be proposed again; keeps the first reason given."""
    existing = _existing(session=session, mentee_id=mentee_id, mentor_id=mentor_id)
    if existing is not None:
        return existing
    exclusion = Exclusion(mentee_id=mentee_id, mentor_id=mentor_id, reason=reason, note=note)
    session.add(exclusion)
    session.flush()
    return exclusion


def create(*, session: Session, data: ExclusionCreate) -> Exclusion:
    if session.get(Mentee, data.mentee_id) is None:
        raise NotFound(f"no mentee with id {data.mentee_id}")
    if session.get(Mentor, data.mentor_id) is None:
        raise NotFound(f"no mentor with id {data.mentor_id}")
    if _existing(session=session, mentee_id=data.mentee_id, mentor_id=data.mentor_id):
        raise Conflict(f"mentee {data.mentee_id} and mentor {data.mentor_id} are already excluded")
    exclusion = exclude_pair(
        session=session,
        mentee_id=data.mentee_id,
        mentor_id=data.mentor_id,
        reason=data.reason,
        note=data.note,
    )
    audit.record(
        session,
        action="exclusion.created",
        subject_type="exclusion",
        subject_id=exclusion.id,
        details={"mentee_id": data.mentee_id, "mentor_id": data.mentor_id, "reason": data.reason},
    )
    return exclusion


def declare(*, session: Session, principal: Principal, data: ConflictDeclaration) -> None:
    """A participant's declaration; whether the other person is registered stays unsaid."""
    if principal.mentee_id is not None:
        mentor = session.exec(select(Mentor).where(Mentor.email == data.email)).first()
        exclusion = Exclusion(
            mentee_id=principal.mentee_id,
            mentor_id=mentor.id if mentor else None,
            mentor_email=None if mentor else data.email,
            reason=ExclusionReason.conflict_of_interest,
            declared_by=Role.mentee,
            note=data.note,
        )
    else:
        mentee = session.exec(select(Mentee).where(Mentee.email == data.email)).first()
        exclusion = Exclusion(
            mentor_id=principal.mentor_id,
            mentee_id=mentee.id if mentee else None,
            mentee_email=None if mentee else data.email,
            reason=ExclusionReason.conflict_of_interest,
            declared_by=Role.mentor,
            note=data.note,
        )
    session.add(exclusion)
    session.flush()
    # Whom it names stays out of the log: it may be someone not registered.
    audit.record(
        session, action="conflict.declared", subject_type="exclusion", subject_id=exclusion.id
    )


def resolve_pending(
    *, session: Session, mentor: Mentor | None = None, mentee: Mentee | None = None
) -> None:
    """Point declarations made by email at the profile that now has that email."""
    if mentor is not None:
        session.execute(
            sql_update(Exclusion)
            .where(col(Exclusion.mentor_email) == mentor.email)
            .values(mentor_id=mentor.id, mentor_email=None)
        )
    if mentee is not None:
        session.execute(
            sql_update(Exclusion)
            .where(col(Exclusion.mentee_email) == mentee.email)
            .values(mentee_id=mentee.id, mentee_email=None)
        )


def delete(*, session: Session, exclusion: Exclusion) -> None:
    audit.record(
        session,
        action="exclusion.deleted",
        subject_type="exclusion",
        subject_id=exclusion.id,
        details={"mentee_id": exclusion.mentee_id, "mentor_id": exclusion.mentor_id},
    )
    session.delete(exclusion)
    session.flush()


def list_page(
    *,
    session: Session,
    mentee_id: int | None,
    mentor_id: int | None,
    limit: int,
    offset: int,
) -> tuple[list[ExclusionPublic], int]:
    conditions = []
    if mentee_id is not None:
        conditions.append(col(Exclusion.mentee_id) == mentee_id)
    if mentor_id is not None:
        conditions.append(col(Exclusion.mentor_id) == mentor_id)
    rows, count = profiles.page(
        session=session, table=Exclusion, conditions=conditions, limit=limit, offset=offset
    )
    return [ExclusionPublic.model_validate(row) for row in rows], count


def _person(id_: int | None, name: str | None, organisation: str | None) -> PersonRef | None:
    if id_ is None or name is None or organisation is None:
        return None
    return PersonRef(id=id_, name=name, organisation=organisation)


def page_with_people(
    *, session: Session, limit: int, offset: int
) -> tuple[list[ExclusionWithPeople], int]:
    """One page of exclusions, newest first, with both people's names, in two queries."""
    mentee, mentor = aliased(Mentee), aliased(Mentor)
    count = session.exec(select(func.count()).select_from(Exclusion)).one()
    # Five columns: more than sqlmodel's select() is typed for.
    rows = session.execute(
        sql_select(
            Exclusion,
            col(mentee.name),
            col(mentee.organisation),
            col(mentor.name),
            col(mentor.organisation),
        )
        .outerjoin(mentee, col(mentee.id) == col(Exclusion.mentee_id))
        .outerjoin(mentor, col(mentor.id) == col(Exclusion.mentor_id))
        .order_by(col(Exclusion.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    data = [
        ExclusionWithPeople.model_validate(
            exclusion,
            update={
                "mentee": _person(exclusion.mentee_id, mentee_name, mentee_organisation),
                "mentor": _person(exclusion.mentor_id, mentor_name, mentor_organisation),
            },
        )
        for exclusion, mentee_name, mentee_organisation, mentor_name, mentor_organisation in rows
    ]
    return data, count


def with_people(*, session: Session, exclusion: Exclusion) -> ExclusionWithPeople:
    """One exclusion with both people's names."""
    mentee = session.get(Mentee, exclusion.mentee_id) if exclusion.mentee_id else None
    mentor = session.get(Mentor, exclusion.mentor_id) if exclusion.mentor_id else None
    return ExclusionWithPeople.model_validate(
        exclusion,
        update={
            "mentee": _person(mentee.id, mentee.name, mentee.organisation) if mentee else None,
            "mentor": _person(mentor.id, mentor.name, mentor.organisation) if mentor else None,
        },
    )


def excluded_pairs(*, session: Session) -> set[tuple[int, int]]:
    """Every (mentee_id, mentor_id) pair that is excluded between registered people."""
    rows = session.exec(
        select(Exclusion.mentee_id, Exclusion.mentor_id).where(
            col(Exclusion.mentee_id).is_not(None), col(Exclusion.mentor_id).is_not(None)
        )
    ).all()
    return {(mentee_id, mentor_id) for mentee_id, mentor_id in rows if mentee_id and mentor_id}


def resolve_pending_many(*, session: Session, role: Role, by_email: Mapping[str, int]) -> None:
    """`resolve_pending` for many people of one role at once, by their emails and ids."""
    if role is Role.mentor:
        email_column, id_field, email_field = Exclusion.mentor_email, "mentor_id", "mentor_email"
    else:
        email_column, id_field, email_field = Exclusion.mentee_email, "mentee_id", "mentee_email"
    emails = list(by_email)
    for start in range(0, len(emails), _CHUNK):
        pending = session.exec(
            select(Exclusion).where(col(email_column).in_(emails[start : start + _CHUNK]))
        ).all()
        for exclusion in pending:
            setattr(exclusion, id_field, by_email[getattr(exclusion, email_field)])
            setattr(exclusion, email_field, None)
            session.add(exclusion)
    session.flush()
