"""What mentor and mentee data functions share: code checks, multi-valued terms, lists."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, SQLModel, col, select

from service.crud.taxonomy import TaxonomyIndex
from service.errors import Conflict, FieldError, InvalidInput
from service.models import Mentee, Mentor, PersonRef, Vocabulary

MAX_PAGE_SIZE = 200


class Term(Protocol):
    vocabulary: str
    code: str
    position: int


TermT = TypeVar("TermT", bound=Term)
RowT = TypeVar("RowT", bound=SQLModel)


def check_codes(
    *,
    index: TaxonomyIndex,
    fields: Mapping[str, Vocabulary],
    values: Mapping[str, Any],
    current: Mapping[str, Any],
) -> list[FieldError]:
    """Check every code-valued field present in ``values`` against the taxonomy.

    Codes the profile already holds stay acceptable after their term is retired.
    """
    errors: list[FieldError] = []
    for field, vocabulary in fields.items():
        if field not in values or values[field] is None:
            continue
        held = current.get(field) or []
        errors += index.check(
            vocabulary=vocabulary,
            field=field,
            codes=values[field],
            already_held=[held] if isinstance(held, str) else held,
        )
    return errors


def without_nulls(values: dict[str, Any], *, optional_lists: Sequence[str]) -> dict[str, Any]:
    """Read an explicit null as "leave unchanged", except on optional lists where it empties."""
    return {
        key: [] if value is None else value
        for key, value in values.items()
        if value is not None or key in optional_lists
    }


def raise_if_any(errors: Sequence[FieldError]) -> None:
    if errors:
        raise InvalidInput.for_fields(errors)


def codes_of(terms: Sequence[Term], vocabulary: Vocabulary) -> list[str]:
    return [term.code for term in terms if term.vocabulary == vocabulary.value]


def replace_terms(
    terms: list[TermT],
    vocabulary: Vocabulary,
    codes: Sequence[str],
    make: Callable[[str, int], TermT],
) -> None:
    """Make the terms of one vocabulary equal ``codes``, in order, reusing kept rows."""
    kept = {term.code: term for term in terms if term.vocabulary == vocabulary.value}
    terms[:] = [term for term in terms if term.vocabulary != vocabulary.value]
    for position, code in enumerate(codes):
        term = kept.get(code) or make(code, position)
        term.position = position
        terms.append(term)


def flush_unique_email(*, session: Session, kind: str) -> None:
    """Flush, turning a race on the unique email into the same 409 as the early check."""
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(f"a {kind} with this email is already registered") from exc


def ensure_email_free(
    *, session: Session, table: type[SQLModel], email: str, kind: str, own_id: int | None = None
) -> None:
    query = select(col(table.id)).where(col(table.email) == email)  # type: ignore[attr-defined]
    existing = session.exec(query).first()
    if existing is not None and existing != own_id:
        raise Conflict(f"a {kind} with this email is already registered")


def page(
    *,
    session: Session,
    table: type[RowT],
    conditions: Sequence[ColumnElement[bool]],
    limit: int,
    offset: int,
) -> tuple[list[RowT], int]:
    """One page of rows in id order, with the total count under the same conditions."""
    count = session.exec(select(func.count()).select_from(table).where(*conditions)).one()
    rows = session.exec(
        select(table)
        .where(*conditions)
        .order_by(col(table.id))  # type: ignore[attr-defined]
        .offset(offset)
        .limit(limit)
    ).all()
    return list(rows), count


def choices(
    *, session: Session, table: type[Mentor] | type[Mentee], limit: int
) -> tuple[list[PersonRef], int]:
    """People to choose from, by name (erased ones left out): up to ``limit``, and the total."""
    present = col(table.erased_at).is_(None)
    count = session.exec(select(func.count()).select_from(table).where(present)).one()
    rows = session.exec(
        select(table.id, table.name, table.organisation)
        .where(present)
        .order_by(col(table.name), col(table.id))
        .limit(limit)
    ).all()
    return [PersonRef(id=id_, name=name, organisation=org) for id_, name, org in rows if id_], count
