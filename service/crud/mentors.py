"""Data functions for mentors."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import exists, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from service.crud import exclusions, profiles
from service.crud.taxonomy import TaxonomyIndex, load_index
from service.errors import FieldError, NotFound
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


def to_public(mentor: Mentor) -> MentorPublic:
    lists = {
        field: profiles.codes_of(mentor.terms, vocabulary)
        for field, vocabulary in LIST_FIELDS.items()
    }
    return MentorPublic.model_validate(mentor, update=lists)


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


def create(*, session: Session, data: MentorCreate) -> Mentor:
    index = load_index(session=session)
    profiles.raise_if_any(problems(index=index, values=data.model_dump(), current={}))
    profiles.ensure_email_free(session=session, table=Mentor, email=data.email, kind="mentor")
    mentor = build(data)
    session.add(mentor)
    profiles.flush_unique_email(session=session, kind="mentor")
    exclusions.resolve_pending(session=session, mentor=mentor)
    return mentor


def update(*, session: Session, mentor: Mentor, data: MentorSelfUpdate) -> Mentor:
    """Apply a partial update; ``data`` is a coordinator's or the mentor's own schema."""
    values = profiles.without_nulls(
        data.model_dump(exclude_unset=True), optional_lists=OPTIONAL_LISTS
    )
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
    return [to_public(row) for row in rows], count
