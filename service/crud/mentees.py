"""Data functions for mentees."""

from typing import Any

from sqlalchemy import exists, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from service.crud import audit, exclusions, pairings, profiles
from service.crud.taxonomy import TaxonomyIndex, load_index
from service.errors import Conflict, FieldError, NotFound
from service.models import (
    Mentee,
    MenteeCreate,
    MenteePublic,
    MenteeSelfUpdate,
    MenteeStatus,
    MenteeTerm,
    Need,
    Vocabulary,
    utcnow,
)

CODE_FIELDS = {
    "legal_form": Vocabulary.legal_form,
    "stage": Vocabulary.stage,
    "primary_sector": Vocabulary.sector,
    "region": Vocabulary.region,
    "other_sectors": Vocabulary.sector,
}
OPTIONAL_LISTS = ("other_sectors",)
# How mentees' rows and terms are read and written many at a time (imports).
SHAPE = profiles.Shape(
    table=Mentee,
    term_table=MenteeTerm,
    owner="mentee_id",
    scalars=tuple(
        name for name in MenteeCreate.model_fields if name not in ("needs", *OPTIONAL_LISTS)
    ),
    lists={"other_sectors": Vocabulary.sector},
    needs="needs",
)


def to_public(mentee: Mentee) -> MenteePublic:
    needs = [
        Need(skill=term.code, priority=term.priority or 1)
        for term in mentee.terms
        if term.vocabulary == Vocabulary.skill.value
    ]
    other_sectors = profiles.codes_of(mentee.terms, Vocabulary.sector)
    return MenteePublic.model_validate(
        mentee, update={"needs": needs, "other_sectors": other_sectors}
    )


def problems(
    *, index: TaxonomyIndex, values: dict[str, Any], current: dict[str, Any]
) -> list[FieldError]:
    """What the taxonomy says is wrong with these (new or changed) values."""
    errors = profiles.check_codes(index=index, fields=CODE_FIELDS, values=values, current=current)
    if values.get("needs") is not None:
        held = [need["skill"] for need in current.get("needs", [])]
        skills = [need["skill"] for need in values["needs"]]
        for error in index.check(
            vocabulary=Vocabulary.skill, field="needs", codes=skills, already_held=held
        ):
            errors.append(FieldError(field=error.field + ".skill", message=error.message))
    merged = {**current, **values}
    if merged.get("primary_sector") in (merged.get("other_sectors") or []):
        errors.append(
            FieldError(
                field="other_sectors",
                message=f"must not repeat the primary sector '{merged['primary_sector']}'",
            )
        )
    return errors


def _set_lists(mentee: Mentee, values: dict[str, Any]) -> None:
    if values.get("other_sectors") is not None:
        profiles.replace_terms(
            mentee.terms,
            Vocabulary.sector,
            values["other_sectors"],
            lambda code, position: MenteeTerm(
                vocabulary=Vocabulary.sector.value, code=code, position=position
            ),
        )
    if values.get("needs") is not None:
        priorities = {need["skill"]: need["priority"] for need in values["needs"]}
        profiles.replace_terms(
            mentee.terms,
            Vocabulary.skill,
            [*priorities],
            lambda code, position: MenteeTerm(
                vocabulary=Vocabulary.skill.value, code=code, position=position
            ),
        )
        for term in mentee.terms:
            if term.vocabulary == Vocabulary.skill.value:
                term.priority = priorities[term.code]


def get(*, session: Session, mentee_id: int) -> Mentee:
    mentee = session.get(Mentee, mentee_id)
    if mentee is None or mentee.erased_at is not None:
        raise NotFound(f"no mentee with id {mentee_id}")
    return mentee


def build(data: MenteeCreate) -> Mentee:
    """A new mentee row with its terms, not yet added to a session."""
    mentee = Mentee.model_validate(data)
    _set_lists(mentee, data.model_dump())
    return mentee


def create(*, session: Session, data: MenteeCreate, self_registered: bool = False) -> Mentee:
    """A new profile; a self-registered one waits (pending) for its address to be confirmed."""
    index = load_index(session=session)
    profiles.raise_if_any(problems(index=index, values=data.model_dump(), current={}))
    profiles.ensure_email_free(session=session, table=Mentee, email=data.email, kind="mentee")
    mentee = build(data)
    if self_registered:
        mentee.status = MenteeStatus.pending
    else:
        mentee.email_verified_at = utcnow()
    session.add(mentee)
    profiles.flush_unique_email(session=session, kind="mentee")
    if not self_registered:
        # Conflicts declared against this address bind to whoever proves they own it.
        exclusions.resolve_pending(session=session, mentee=mentee)
    audit.record(session, action="mentee.created", subject_type="mentee", subject_id=mentee.id)
    return mentee


def _record_update(session: Session, mentee: Mentee, before: dict[str, Any]) -> None:
    after = {**to_public(mentee).model_dump(), "status": mentee.status}
    fields = [
        name
        for name in audit.changed_fields(before, after)
        if name not in ("updated_at", "status", "places_left")
    ]
    if fields:
        audit.record(
            session,
            action="mentee.updated",
            subject_type="mentee",
            subject_id=mentee.id,
            details={"fields": fields},
        )
    if before["status"] != after["status"]:
        audit.record(
            session,
            action="mentee.status_changed",
            subject_type="mentee",
            subject_id=mentee.id,
            details={"from": str(before["status"]), "to": str(after["status"])},
        )


def _refuse_status_against_pairings(
    *, session: Session, mentee: Mentee, status: MenteeStatus
) -> None:
    """A mentee's status must not contradict their pairings (409 naming the pairing).

    ``paired`` comes from a pairing: it may be set only while one is active; ``waiting``
    and ``withdrawn`` only while none is (end it first: ending early makes the mentee
    waiting again). The mentee's row is locked first and read again, as every pairing
    writer locks it (``pairings.lock_people``): an accept cannot slip in between.
    """
    assert mentee.id is not None
    pairings.lock_people(session=session, mentor_ids=[], mentee_ids=[mentee.id])
    session.refresh(mentee)
    held = pairings.active(session=session, mentee_id=mentee.id)
    if status == mentee.status:
        return
    if status == MenteeStatus.paired and not held:
        message = "the mentee has no active pairing; pair them, or accept a proposal, instead"
    elif status != MenteeStatus.paired and held:
        pairing = held[0]
        message = (
            f"the mentee has active pairing {pairing.id} with mentor {pairing.mentor_id}; "
            f"end it first (POST /pairings/{pairing.id}/end)"
        )
    else:
        return
    raise Conflict(
        f"mentee {mentee.id} cannot be {status.value}: {message}",
        errors=[FieldError(field="status", message=message)],
    )


def update(*, session: Session, mentee: Mentee, data: MenteeSelfUpdate) -> Mentee:
    """Apply a partial update; ``data`` is a coordinator's or the mentee's own schema."""
    before = {**to_public(mentee).model_dump(), "status": mentee.status}
    values = profiles.without_nulls(
        data.model_dump(exclude_unset=True), optional_lists=OPTIONAL_LISTS
    )
    if "status" in values:
        _refuse_status_against_pairings(session=session, mentee=mentee, status=values["status"])
    if data.needs is not None:
        # exclude_unset would also drop a need's defaulted priority.
        values["needs"] = [need.model_dump() for need in data.needs]
    # Only an approval lets a pending profile in (withdrawing lets it out).
    joins = values.get("status") not in (None, MenteeStatus.pending, MenteeStatus.withdrawn)
    if joins and mentee.status == MenteeStatus.pending:
        raise Conflict(
            f"mentee {mentee.id} waits for approval; "
            f"approve it with POST /mentees/{mentee.id}/approve"
        )
    index = load_index(session=session)
    current = to_public(mentee).model_dump()
    profiles.raise_if_any(problems(index=index, values=values, current=current))
    if "email" in values:
        profiles.ensure_email_free(
            session=session, table=Mentee, email=values["email"], kind="mentee", own_id=mentee.id
        )
    _set_lists(mentee, values)
    scalars = {key: value for key, value in values.items() if key not in ("needs", *OPTIONAL_LISTS)}
    mentee.sqlmodel_update(scalars)
    mentee.updated_at = utcnow()
    session.add(mentee)
    profiles.flush_unique_email(session=session, kind="mentee")
    exclusions.resolve_pending(session=session, mentee=mentee)
    _record_update(session, mentee, before)
    return mentee


def list_page(
    *,
    session: Session,
    sector: str | None = None,
    skill: str | None = None,
    region: str | None = None,
    status: MenteeStatus | None = None,
    stage: str | None = None,
    q: str | None = None,
    limit: int,
    offset: int,
) -> tuple[list[MenteePublic], int]:
    conditions: list[ColumnElement[bool]] = [col(Mentee.erased_at).is_(None)]

    def has_term(vocabulary: Vocabulary, code: str) -> ColumnElement[bool]:
        return exists().where(
            col(MenteeTerm.mentee_id) == col(Mentee.id),
            col(MenteeTerm.vocabulary) == vocabulary.value,
            col(MenteeTerm.code) == code,
        )

    if sector is not None:
        conditions.append(
            or_(col(Mentee.primary_sector) == sector, has_term(Vocabulary.sector, sector))
        )
    if skill is not None:
        conditions.append(has_term(Vocabulary.skill, skill))
    if region is not None:
        conditions.append(col(Mentee.region) == region)
    if status is not None:
        conditions.append(col(Mentee.status) == status.value)
    if stage is not None:
        conditions.append(col(Mentee.stage) == stage)
    if q:
        conditions.append(
            or_(
                col(Mentee.name).icontains(q, autoescape=True),
                col(Mentee.organisation).icontains(q, autoescape=True),
            )
        )
    rows, count = profiles.page(
        session=session, table=Mentee, conditions=conditions, limit=limit, offset=offset
    )
    return [to_public(row) for row in rows], count
