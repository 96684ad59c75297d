"""Data functions for mentors."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import exists, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from service.crud import audit, exclusions, pairings, profiles
from service.crud.taxonomy import TaxonomyIndex, load_index
from service.errors import Conflict, FieldError, NotFound
from service.models import (
    Mentor,
    MentorCreate,
    MentorPublic,
    MentorSelfUpdate,
    MentorStatus,
    MentorTerm,
    Vocabulary,
    utcnow,
)

CODE_FIELDS = {
    "kind": Vocabulary.mentor_kind,
    "home_region": Vocabulary.region,
    "sectors": Vocabulary.sector,
    "skills": Vocabulary.skill,
    "legal_forms": Vocabulary.legal_form,
    "regions_served": Vocabulary.region,
}
LIST_FIELDS = {
    field: vocabulary
    for field, vocabulary in CODE_FIELDS.items()
    if field in ("sectors", "skills", "legal_forms", "regions_served")
}


OPTIONAL_LISTS = ("legal_forms", "regions_served")
# How mentors' rows and terms are read and written many at a time (imports).
SHAPE = profiles.Shape(
    table=Mentor,
    term_table=MentorTerm,
    owner="mentor_id",
    scalars=tuple(name for name in MentorCreate.model_fields if name not in LIST_FIELDS),
    lists=LIST_FIELDS,
)


def to_public(mentor: Mentor, *, active: int | None = None) -> MentorPublic:
    """The API's view of a mentor; ``active`` pairings are counted when not given."""
    if active is None:
        session = Session.object_session(mentor)
        counts = (
            pairings.active_counts(session=session, mentor_ids=[mentor.id])
            if isinstance(session, Session) and mentor.id is not None
            else {}
        )
        active = counts.get(mentor.id or 0, 0)
    values: dict[str, object] = {
        field: profiles.codes_of(mentor.terms, vocabulary)
        for field, vocabulary in LIST_FIELDS.items()
    }
    values["places_left"] = max(mentor.capacity - active, 0)
    return MentorPublic.model_validate(mentor, update=values)


def _current(mentor: Mentor) -> dict[str, object]:
    return to_public(mentor).model_dump()


def _term_maker(vocabulary: Vocabulary) -> Callable[[str, int], MentorTerm]:
    def make(code: str, position: int) -> MentorTerm:
        return MentorTerm(vocabulary=vocabulary.value, code=code, position=position)

    return make


def _set_lists(mentor: Mentor, values: dict[str, Any]) -> None:
    for field, vocabulary in LIST_FIELDS.items():
        codes = values.get(field)
        if codes is not None:
            profiles.replace_terms(mentor.terms, vocabulary, codes, _term_maker(vocabulary))


def get(*, session: Session, mentor_id: int) -> Mentor:
    mentor = session.get(Mentor, mentor_id)
    if mentor is None or mentor.erased_at is not None:
        raise NotFound(f"no mentor with id {mentor_id}")
    return mentor


def problems(
    *, index: TaxonomyIndex, values: dict[str, Any], current: dict[str, Any]
) -> list[FieldError]:
    """What the taxonomy says is wrong with these (new or changed) values."""
    return profiles.check_codes(index=index, fields=CODE_FIELDS, values=values, current=current)


def build(data: MentorCreate) -> Mentor:
    """A new mentor row with its terms, not yet added to a session."""
    mentor = Mentor.model_validate(data)
    _set_lists(mentor, data.model_dump())
    return mentor


def create(*, session: Session, data: MentorCreate, self_registered: bool = False) -> Mentor:
    """A new profile; a self-registered one waits (pending) for its address to be confirmed."""
    index = load_index(session=session)
    profiles.raise_if_any(problems(index=index, values=data.model_dump(), current={}))
    profiles.ensure_email_free(session=session, table=Mentor, email=data.email, kind="mentor")
    mentor = build(data)
    if self_registered:
        mentor.status = MentorStatus.pending
    else:
        mentor.email_verified_at = utcnow()
    session.add(mentor)
    profiles.flush_unique_email(session=session, kind="mentor")
    if not self_registered:
        # Conflicts declared against this address bind to whoever proves they own it.
        exclusions.resolve_pending(session=session, mentor=mentor)
    audit.record(session, action="mentor.created", subject_type="mentor", subject_id=mentor.id)
    return mentor


def _record_update(session: Session, mentor: Mentor, before: dict[str, Any]) -> None:
    after = {**to_public(mentor).model_dump(), "status": mentor.status}
    fields = [
        name
        for name in audit.changed_fields(before, after)
        if name not in ("updated_at", "status", "places_left")
    ]
    if fields:
        audit.record(
            session,
            action="mentor.updated",
            subject_type="mentor",
            subject_id=mentor.id,
            details={"fields": fields},
        )
    if before["status"] != after["status"]:
        audit.record(
            session,
            action="mentor.status_changed",
            subject_type="mentor",
            subject_id=mentor.id,
            details={"from": str(before["status"]), "to": str(after["status"])},
        )


def _refuse_capacity_below_active(*, session: Session, mentor: Mentor, capacity: int) -> None:
    """A capacity must hold the mentor's active pairings (409 naming them otherwise).

    The mentor's row is locked first, as every pairing writer locks it
    (``pairings.lock_people``): an accept cannot slip in between this check and the write.
    """
    assert mentor.id is not None
    pairings.lock_people(session=session, mentor_ids=[mentor.id], mentee_ids=[])
    held = pairings.active(session=session, mentor_id=mentor.id)
    if capacity < len(held):
        ids = ", ".join(str(pairing.id) for pairing in held)
        message = (
            f"must not be below the mentor's {len(held)} active pairings ({ids}); "
            "end some of them first"
        )
        raise Conflict(
            f"capacity {capacity} is below mentor {mentor.id}'s {len(held)} active pairings",
            errors=[FieldError(field="capacity", message=message)],
        )


def update(*, session: Session, mentor: Mentor, data: MentorSelfUpdate) -> Mentor:
    """Apply a partial update; ``data`` is a coordinator's or the mentor's own schema."""
    before = {**to_public(mentor).model_dump(), "status": mentor.status}
    values = profiles.without_nulls(
        data.model_dump(exclude_unset=True), optional_lists=OPTIONAL_LISTS
    )
    # Only an approval lets a pending profile in (withdrawing lets it out).
    joins = values.get("status") not in (None, MentorStatus.pending, MentorStatus.withdrawn)
    if joins and mentor.status == MentorStatus.pending:
        raise Conflict(
            f"mentor {mentor.id} waits for approval; "
            f"approve it with POST /mentors/{mentor.id}/approve"
        )
    if "capacity" in values:
        _refuse_capacity_below_active(session=session, mentor=mentor, capacity=values["capacity"])
    index = load_index(session=session)
    profiles.raise_if_any(problems(index=index, values=values, current=_current(mentor)))
    if "email" in values:
        profiles.ensure_email_free(
            session=session, table=Mentor, email=values["email"], kind="mentor", own_id=mentor.id
        )
    _set_lists(mentor, values)
    scalars = {key: value for key, value in values.items() if key not in LIST_FIELDS}
    mentor.sqlmodel_update(scalars)
    mentor.updated_at = utcnow()
    session.add(mentor)
    profiles.flush_unique_email(session=session, kind="mentor")
    exclusions.resolve_pending(session=session, mentor=mentor)
    _record_update(session, mentor, before)
    return mentor


def list_page(
    *,
    session: Session,
    sector: str | None = None,
    skill: str | None = None,
    region: str | None = None,
    status: MentorStatus | None = None,
    kind: str | None = None,
    q: str | None = None,
    limit: int,
    offset: int,
) -> tuple[list[MentorPublic], int]:
    conditions: list[ColumnElement[bool]] = [col(Mentor.erased_at).is_(None)]

    def has_term(vocabulary: Vocabulary, code: str) -> ColumnElement[bool]:
        return exists().where(
            col(MentorTerm.mentor_id) == col(Mentor.id),
            col(MentorTerm.vocabulary) == vocabulary.value,
            col(MentorTerm.code) == code,
        )

    if sector is not None:
        conditions.append(has_term(Vocabulary.sector, sector))
    if skill is not None:
        conditions.append(has_term(Vocabulary.skill, skill))
    if region is not None:
        conditions.append(
            or_(col(Mentor.home_region) == region, has_term(Vocabulary.region, region))
        )
    if status is not None:
        conditions.append(col(Mentor.status) == status.value)
    if kind is not None:
        conditions.append(col(Mentor.kind) == kind)
    if q:
        conditions.append(
            or_(
                col(Mentor.name).icontains(q, autoescape=True),
                col(Mentor.organisation).icontains(q, autoescape=True),
            )
        )
    rows, count = profiles.page(
        session=session, table=Mentor, conditions=conditions, limit=limit, offset=offset
    )
    active = pairings.active_counts(session=session, mentor_ids=[row.id for row in rows if row.id])
    return [to_public(row, active=active.get(row.id or 0, 0)) for row in rows], count
