"""What mentor and mentee data functions share: code checks, multi-valued terms, lists."""

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import delete, func, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, SQLModel, col, select

from service.crud.taxonomy import TaxonomyIndex
from service.errors import Conflict, FieldError, InvalidInput
from service.models import Mentee, Mentor, PersonRef, Vocabulary, utcnow

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


def person_refs(session: Session, table: Any, ids: Iterable[int]) -> dict[int, PersonRef]:
    """Name and organisation of each person of ``table`` by id, in one query."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.exec(
        select(table.id, table.name, table.organisation).where(col(table.id).in_(wanted))
    ).all()
    return {row[0]: PersonRef(id=row[0], name=row[1], organisation=row[2]) for row in rows}


# Ids per IN list: well under SQLite's limit on bound parameters.
_CHUNK = 5000


@dataclass(frozen=True)
class Shape:
    """How one kind of profile sits in its tables, to read and write many at once.

    ``scalars`` are the create schema's fields stored on the profile's row; ``lists``
    the list fields stored as terms of one vocabulary each; ``needs`` names the
    field of skill terms that carry a priority (a mentee's), if any.
    """

    table: Any
    term_table: Any
    owner: str
    scalars: tuple[str, ...]
    lists: Mapping[str, Vocabulary]
    needs: str | None = None

    @property
    def term_fields(self) -> frozenset[str]:
        """The fields stored as terms rather than on the profile's row."""
        return frozenset(self.lists) | ({self.needs} if self.needs else frozenset())


def _chunks(keys: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(keys), _CHUNK):
        yield keys[start : start + _CHUNK]


def read_many(*, session: Session, shape: Shape, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Create-schema values and status of many profiles, in two queries per 5,000."""
    found: dict[int, dict[str, Any]] = {}
    fields = {vocabulary.value: field for field, vocabulary in shape.lists.items()}
    owner = getattr(shape.term_table, shape.owner)
    for chunk in _chunks(ids):
        columns = [getattr(shape.table, name) for name in ("id", "status", *shape.scalars)]
        for row in session.execute(select(*columns).where(col(shape.table.id).in_(chunk))):
            values = dict(zip(("status", *shape.scalars), row[1:], strict=True))
            values.update({field: [] for field in shape.lists})
            if shape.needs:
                values[shape.needs] = []
            found[row[0]] = values
        priority = getattr(shape.term_table, "priority", None)
        terms = select(
            owner,
            shape.term_table.vocabulary,
            shape.term_table.code,
            *([priority] if priority is not None else []),
        ).where(owner.in_(chunk))
        order = (owner, shape.term_table.vocabulary, shape.term_table.position)
        for owner_id, vocabulary, code, *weight in session.execute(terms.order_by(*order)):
            values = found[owner_id]
            if shape.needs and vocabulary == Vocabulary.skill.value:
                values[shape.needs].append({"skill": code, "priority": weight[0] or 1})
            else:
                values[fields[vocabulary]].append(code)
    return found


def _term_rows(shape: Shape, owner_id: int, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = [
        {shape.owner: owner_id, "vocabulary": vocabulary.value, "code": code, "position": n}
        for field, vocabulary in shape.lists.items()
        for n, code in enumerate(values.get(field) or [])
    ]
    if shape.needs:
        rows += [
            {
                shape.owner: owner_id,
                "vocabulary": Vocabulary.skill.value,
                "code": need["skill"],
                "position": n,
                "priority": need["priority"],
            }
            for n, need in enumerate(values.get(shape.needs) or [])
        ]
    if hasattr(shape.term_table, "priority"):
        for row in rows:
            row.setdefault("priority", None)
    return rows


def create_many(
    *, session: Session, shape: Shape, people: Sequence[tuple[Mapping[str, Any], str | None]]
) -> list[int]:
    """Insert many new profiles (create-schema values, and a status or None for the
    default) with their terms: one INSERT for the rows, one for the terms. Their ids,
    in order."""
    if not people:
        return []
    now = utcnow()
    rows = []
    for values, status in people:
        row = {name: values[name] for name in shape.scalars}
        # A coordinator's file: its addresses are taken as given.
        row.update(created_at=now, updated_at=now, email_verified_at=now)
        if status is not None:
            row["status"] = status
        rows.append(row)
    for row in rows:
        row.setdefault("status", shape.table.model_fields["status"].default)
    # One multi-row INSERT, then the ids by email (unique): RETURNING in parameter order
    # would make SQLite insert one row at a time.
    # Core inserts (not the ORM's bulk path): one executemany for all the rows.
    session.execute(insert(shape.table.__table__), rows)
    by_email: dict[str, int] = {}
    emails = [row["email"] for row in rows]
    for chunk in _chunks(emails):
        by_email.update(
            (email, owner_id)
            for owner_id, email in session.execute(
                select(shape.table.id, shape.table.email).where(col(shape.table.email).in_(chunk))
            )
        )
    ids = [by_email[email] for email in emails]
    terms = [
        term
        for owner_id, (values, _) in zip(ids, people, strict=True)
        for term in _term_rows(shape, owner_id, values)
    ]
    if terms:
        session.execute(insert(shape.term_table.__table__), terms)
    return ids


def replace_many(
    *,
    session: Session,
    shape: Shape,
    people: Sequence[tuple[int, Mapping[str, Any], str | None]],
    same_terms: Collection[int] = (),
) -> None:
    """Make many profiles equal their new create-schema values (and status, unless None).

    The list fields of the people in ``same_terms`` are known to be unchanged: their
    terms are left as they are rather than deleted and written again.
    """
    if not people:
        return
    now = utcnow()
    rows = []
    for owner_id, values, status in people:
        row = {"id": owner_id, **{name: values[name] for name in shape.scalars}}
        row["updated_at"] = now
        if status is not None:
            row["status"] = status
        rows.append(row)
    with_status = [row for row in rows if "status" in row]
    without_status = [row for row in rows if "status" not in row]
    # Executemany needs one set of columns per statement.
    for batch in (with_status, without_status):
        if batch:
            session.execute(update(shape.table), batch)
    kept = set(same_terms)
    changed = [(owner_id, values) for owner_id, values, _ in people if owner_id not in kept]
    owner = getattr(shape.term_table, shape.owner)
    for chunk in _chunks([owner_id for owner_id, _ in changed]):
        session.execute(delete(shape.term_table).where(owner.in_(chunk)))
    terms = [term for owner_id, values in changed for term in _term_rows(shape, owner_id, values)]
    if terms:
        session.execute(insert(shape.term_table.__table__), terms)


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
