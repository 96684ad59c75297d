"""The registers of mentors and mentees as spreadsheets: export, and import that creates or updates.

One row per person. Multi-valued cells are separated by ``;``; a mentee's needs
are ``skill`` or ``skill:priority`` items (``governance_boards:3; pricing``).
Taxonomy cells accept a code or its label, in any case.

An import matches each row to a registered person by ``id`` when that column is
filled, otherwise by email; a matched row updates the person, any other row
creates one. A row describes the whole profile: an empty cell takes its default,
as when registering, and a column the file does not have leaves that field as it
is. Every row is checked first and the file is imported whole or not at all; each
error names its row (the line in the file, the header being line 1) and its field.
"""

import copy
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.crud import audit, exclusions, mentees, mentors, pairings, profiles
from service.crud.taxonomy import TaxonomyIndex, load_index
from service.errors import Conflict, FieldError, InvalidInput, field_path
from service.models import (
    Mentee,
    MenteeCreate,
    MenteeStatus,
    Mentor,
    MentorCreate,
    MentorStatus,
    Role,
    Vocabulary,
)
from service.spreadsheets.formats import Cell, SheetFormat, Table, write_table

LIST_SEPARATOR = ";"
# Ids per IN list: well under SQLite's limit on bound parameters.
_CHUNK = 5000
_TRUE = frozenset({"yes", "y", "true", "1"})
_FALSE = frozenset({"no", "n", "false", "0", ""})


@dataclass(frozen=True)
class Register:
    """How one kind of person is laid out in a spreadsheet."""

    kind: str
    table: type[Mentor] | type[Mentee]
    schema: type[MentorCreate] | type[MenteeCreate]
    status: type[MentorStatus] | type[MenteeStatus]
    columns: tuple[str, ...]
    required: frozenset[str]
    lists: frozenset[str]
    vocabularies: dict[str, Vocabulary]
    booleans: frozenset[str]
    integers: frozenset[str]
    problems: Callable[..., list[FieldError]]
    shape: profiles.Shape
    to_row: Callable[[Any], list[Cell]]


def _joined(values: Iterable[str]) -> str:
    return f"{LIST_SEPARATOR} ".join(values)


def _mentor_row(mentor: Mentor) -> list[Cell]:
    public = mentors.to_public(mentor)
    return [
        public.id,
        public.name,
        public.email,
        public.organisation,
        public.job_title,
        public.kind,
        "yes" if public.led_spin_out else "no",
        public.years_experience,
        public.home_region,
        _joined(public.regions_served),
        public.meeting_mode.value,
        public.capacity,
        _joined(public.sectors),
        _joined(public.skills),
        _joined(public.legal_forms),
        public.status.value,
    ]


def _mentee_row(mentee: Mentee) -> list[Cell]:
    public = mentees.to_public(mentee)
    return [
        public.id,
        public.name,
        public.email,
        public.organisation,
        public.legal_form,
        public.stage,
        public.primary_sector,
        _joined(public.other_sectors),
        _joined(f"{need.skill}:{need.priority}" for need in public.needs),
        public.region,
        public.meeting_mode.value,
        public.goals,
        public.status.value,
    ]


MENTORS = Register(
    kind="mentor",
    table=Mentor,
    schema=MentorCreate,
    status=MentorStatus,
    columns=(
        "id",
        "name",
        "email",
        "organisation",
        "job_title",
        "kind",
        "led_spin_out",
        "years_experience",
        "home_region",
        "regions_served",
        "meeting_mode",
        "capacity",
        "sectors",
        "skills",
        "legal_forms",
        "status",
    ),
    required=frozenset(
        {"name", "email", "organisation", "kind", "home_region", "sectors", "skills"}
    ),
    lists=frozenset({"regions_served", "sectors", "skills", "legal_forms"}),
    vocabularies={
        "kind": Vocabulary.mentor_kind,
        "home_region": Vocabulary.region,
        "regions_served": Vocabulary.region,
        "sectors": Vocabulary.sector,
        "skills": Vocabulary.skill,
        "legal_forms": Vocabulary.legal_form,
    },
    booleans=frozenset({"led_spin_out"}),
    integers=frozenset({"years_experience", "capacity"}),
    problems=mentors.problems,
    shape=mentors.SHAPE,
    to_row=_mentor_row,
)

MENTEES = Register(
    kind="mentee",
    table=Mentee,
    schema=MenteeCreate,
    status=MenteeStatus,
    columns=(
        "id",
        "name",
        "email",
        "organisation",
        "legal_form",
        "stage",
        "primary_sector",
        "other_sectors",
        "needs",
        "region",
        "meeting_mode",
        "goals",
        "status",
    ),
    required=frozenset(
        {
            "name",
            "email",
            "organisation",
            "legal_form",
            "stage",
            "primary_sector",
            "needs",
            "region",
        }
    ),
    lists=frozenset({"other_sectors", "needs"}),
    vocabularies={
        "legal_form": Vocabulary.legal_form,
        "stage": Vocabulary.stage,
        "primary_sector": Vocabulary.sector,
        "other_sectors": Vocabulary.sector,
        "needs": Vocabulary.skill,
        "region": Vocabulary.region,
    },
    booleans=frozenset(),
    integers=frozenset(),
    problems=mentees.problems,
    shape=mentees.SHAPE,
    to_row=_mentee_row,
)


def export(*, session: Session, register: Register, sheet_format: SheetFormat) -> bytes:
    """Every registered person of one kind, in id order, as a CSV or xlsx file."""
    query = select(register.table).where(col(register.table.erased_at).is_(None))
    people = session.exec(query.order_by(col(register.table.id)))
    return write_table(
        register.columns,
        (register.to_row(person) for person in people),
        sheet_format=sheet_format,
        title=f"{register.kind}s",
    )


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do).

    ``ids`` are the people's ids in row order; a dry run has none for the rows
    that would create someone.
    """

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: list[int] = field(default_factory=list)


@dataclass
class _Row:
    """A checked row: the person it updates (None: it creates one), and what changes.

    Once written, a new row's ``target`` is the id of the person it created.
    """

    line: int
    data: Any
    status: str | None
    target: int | None
    fields: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.new = self.target is None

    @property
    def changed(self) -> bool:
        return self.new or bool(self.fields)


def _header_errors(register: Register, header: Sequence[str]) -> list[FieldError]:
    errors = []
    unknown = [name for name in header if name not in register.columns]
    if unknown:
        shown = unknown[:10] + (["..."] if len(unknown) > 10 else [])
        errors.append(
            FieldError(
                field="header",
                message=f"unknown columns {shown}; valid columns: {', '.join(register.columns)}",
            )
        )
    missing = sorted(register.required - set(header))
    if missing:
        errors.append(FieldError(field="header", message=f"missing required columns {missing}"))
    repeated = sorted(name for name, times in Counter(header).items() if times > 1)
    if repeated:
        errors.append(FieldError(field="header", message=f"repeated columns {repeated[:10]}"))
    return errors


def _resolver(index: TaxonomyIndex, vocabulary: Vocabulary) -> Callable[[str], str]:
    """Map a code or a label (any case) to its code; anything else is left for the checks."""
    by_key: dict[str, str] = {}
    for code, term in index.terms[vocabulary].items():
        by_key[term.label.casefold()] = code
        by_key[code.casefold()] = code
    return lambda value: by_key.get(value.strip().casefold(), value.strip())


class _CellError(ValueError):
    pass


def _scalar(register: Register, column: str, cell: str) -> Any:
    if column in register.booleans:
        folded = cell.casefold()
        if folded not in _TRUE | _FALSE:
            raise _CellError("must be yes or no")
        return folded in _TRUE
    if column in register.integers:
        try:
            return int(cell)
        except ValueError as exc:
            raise _CellError("must be a whole number") from exc
    return cell


class _Reader:
    """Turns a row's cells into the values of the register's create schema."""

    def __init__(self, register: Register, index: TaxonomyIndex, header: Sequence[str]) -> None:
        self.register = register
        self.columns = [c for c in header if c not in ("id", "status")]
        self.resolvers = {
            column: _resolver(index, vocabulary)
            for column, vocabulary in register.vocabularies.items()
        }
        # What an empty cell means on an update: the value a new profile would get.
        self.defaults = {
            name: field.get_default(call_default_factory=True)
            for name, field in register.schema.model_fields.items()
            if name not in register.required
        }

    def values(self, raw: dict[str, str]) -> tuple[dict[str, Any], list[str], list[FieldError]]:
        """Values of the filled cells, the columns left empty, and cell-level errors."""
        values: dict[str, Any] = {}
        empty: list[str] = []
        errors: list[FieldError] = []
        for column in self.columns:
            cell = (raw.get(column) or "").strip()
            if not cell:
                empty.append(column)
                continue
            resolve = self.resolvers.get(column, str.strip)
            try:
                if column == "needs":
                    values[column] = [self._need(item, resolve) for item in _items(cell)]
                elif column in self.register.lists:
                    values[column] = [resolve(item) for item in _items(cell)]
                else:
                    values[column] = _scalar(self.register, column, resolve(cell))
            except _CellError as exc:
                errors.append(FieldError(field=column, message=str(exc)))
        return values, empty, errors

    @staticmethod
    def _need(item: str, resolve: Callable[[str], str]) -> dict[str, Any]:
        skill, _, priority = item.rpartition(":") if ":" in item else (item, "", "")
        if not priority:
            return {"skill": resolve(skill)}
        try:
            return {"skill": resolve(skill), "priority": int(priority)}
        except ValueError as exc:
            raise _CellError(f"priority of '{skill.strip()}' must be 1, 2 or 3") from exc


def _items(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]


def _ids_by(
    session: Session, register: Register, column: str, keys: Sequence[Any]
) -> dict[Any, int]:
    """Ids of registered (not erased) people whose ``column`` is among ``keys``, by value."""
    table: Any = register.table
    found: dict[Any, int] = {}
    for chunk in _chunks(keys):
        query = select(table.id, getattr(table, column)).where(
            col(getattr(table, column)).in_(chunk), col(table.erased_at).is_(None)
        )
        found.update({key: person_id for person_id, key in session.exec(query)})
    return found


def _at(line: int, error: FieldError) -> FieldError:
    return FieldError(field=f"row {line}: {error.field}", message=error.message)


def _targets(
    session: Session, register: Register, table: Table
) -> tuple[dict[int, int | None], list[FieldError]]:
    """The id of the registered person each row updates (None: it creates one), by line."""
    errors: list[FieldError] = []
    ids: dict[int, int] = {}
    emails: dict[int, str] = {}
    for line, raw in table.rows:
        cell = (raw.get("id") or "").strip()
        if cell:
            if cell.isdigit() and 1 <= int(cell) <= 2**31 - 1:
                ids[line] = int(cell)
            else:
                errors.append(FieldError(field=f"row {line}: id", message="must be a person's id"))
        else:
            emails[line] = (raw.get("email") or "").strip().lower()
    by_id = _ids_by(session, register, "id", sorted(set(ids.values())))
    by_email = _ids_by(session, register, "email", sorted(set(emails.values())))
    targets: dict[int, int | None] = {}
    first_line: dict[int, int] = {}
    for line, _ in table.rows:
        if line in ids:
            target = by_id.get(ids[line])
            if target is None:
                errors.append(
                    FieldError(
                        field=f"row {line}: id",
                        message=f"no {register.kind} with id {ids[line]}; "
                        "leave the id empty to register a new one",
                    )
                )
                continue
        else:
            target = by_email.get(emails.get(line, ""))
        if target is not None:
            if target in first_line:
                errors.append(
                    FieldError(
                        field=f"row {line}",
                        message=f"is the same {register.kind} as row {first_line[target]}",
                    )
                )
                continue
            first_line[target] = line
        targets[line] = target
    return targets, errors


def _check_row(
    register: Register,
    reader: _Reader,
    index: TaxonomyIndex,
    line: int,
    raw: dict[str, str],
    target: int | None,
    stored: dict[str, Any] | None,
) -> tuple[_Row | None, list[FieldError]]:
    values, empty, errors = reader.values(raw)
    current = dict(stored or {})
    held_status = current.pop("status", None)
    if target is not None:
        for column in empty:
            if column in register.required:
                errors.append(FieldError(field=column, message="must not be empty"))
            else:
                current[column] = copy.copy(reader.defaults[column])
        values = {**current, **values}
    status = (raw.get("status") or "").strip() or None
    if status is not None and status not in {member.value for member in register.status}:
        valid = ", ".join(member.value for member in register.status)
        errors.append(FieldError(field="status", message=f"must be one of {valid}"))
    try:
        data = register.schema.model_validate(values)
    except ValidationError as exc:
        errors += [
            FieldError(field=field_path(e["loc"]), message=e["msg"].removeprefix("Value error, "))
            for e in exc.errors()
        ]
        return None, [_at(line, error) for error in errors]
    errors += register.problems(index=index, values=data.model_dump(), current=current)
    if errors:
        return None, [_at(line, error) for error in errors]
    row = _Row(line=line, data=data, status=status, target=target)
    if target is not None:
        row.fields = audit.changed_fields(current, data.model_dump())
        if status is not None and status != held_status:
            row.fields.append("status")
    return row, []


def _email_errors(session: Session, register: Register, rows: Sequence[_Row]) -> list[FieldError]:
    errors = []
    first_line: dict[str, int] = {}
    for row in rows:
        email = row.data.email
        if email in first_line:
            errors.append(
                FieldError(
                    field=f"row {row.line}: email", message=f"repeats row {first_line[email]}"
                )
            )
        else:
            first_line[email] = row.line
    owners = _ids_by(session, register, "email", sorted(first_line))
    for row in rows:
        owner = owners.get(row.data.email)
        if owner is not None and owner != row.target and first_line[row.data.email] == row.line:
            errors.append(
                FieldError(
                    field=f"row {row.line}: email",
                    message=f"a {register.kind} with this email is already registered",
                )
            )
    return errors


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    return (ids[start : start + _CHUNK] for start in range(0, len(ids), _CHUNK))


def _pairing_errors(session: Session, register: Register, rows: Sequence[_Row]) -> list[FieldError]:
    """Rows that would contradict active pairings, as the API's edits refuse them (409 there).

    A mentor's capacity must hold their active pairings; a mentee is ``paired`` exactly
    while a pairing is active. The people updated are locked first, as every pairing
    writer locks them, so that no accept slips in between this check and the write.
    """
    targets = sorted({row.target for row in rows if row.target is not None})
    is_mentor = register.kind == Role.mentor.value
    pairings.lock_people(
        session=session,
        mentor_ids=targets if is_mentor else [],
        mentee_ids=[] if is_mentor else targets,
    )
    errors: list[FieldError] = []
    if is_mentor:
        held: dict[int, int] = {}
        for chunk in _chunks(targets):
            held.update(pairings.active_counts(session=session, mentor_ids=chunk))
        for row in rows:
            count = held.get(row.target, 0) if row.target is not None else 0
            if row.data.capacity < count:
                message = f"must not be below the mentor's {count} active pairings; end some first"
                errors.append(FieldError(field=f"row {row.line}: capacity", message=message))
        return errors
    paired: set[int] = set()
    for chunk in _chunks(targets):
        paired |= pairings.paired_mentees(session=session, mentee_ids=chunk)
    for row in rows:
        has_pairing = row.target in paired
        if row.status == MenteeStatus.paired and not has_pairing:
            message = "cannot be paired without an active pairing; accept a proposal instead"
        elif row.status is not None and row.status != MenteeStatus.paired and has_pairing:
            message = "cannot change while the mentee has an active pairing; end it first"
        else:
            continue
        errors.append(FieldError(field=f"row {row.line}: status", message=message))
    return errors


def import_table(
    *, session: Session, register: Register, table: Table, dry_run: bool = False
) -> ImportResult:
    """Create or update every row of ``table``, or none of them (422 listing each row's errors)."""
    errors = _header_errors(register, table.header)
    if errors:
        raise InvalidInput.for_fields(errors)
    if not table.rows and not table.errors:
        raise InvalidInput.for_fields(
            [FieldError(field="file", message="has a header but no rows")]
        )
    index = load_index(session=session)
    targets, errors = _targets(session, register, table)
    errors = [*table.errors, *errors]
    stored = profiles.read_many(
        session=session,
        shape=register.shape,
        ids=sorted({target for target in targets.values() if target is not None}),
    )
    reader = _Reader(register, index, table.header)
    rows: list[_Row] = []
    for line, raw in table.rows:
        if line not in targets:
            continue
        target = targets[line]
        row, row_errors = _check_row(
            register,
            reader,
            index,
            line,
            raw,
            target,
            stored.get(target) if target is not None else None,
        )
        errors += row_errors
        if row is not None:
            rows.append(row)
    errors += _email_errors(session, register, rows)
    errors += _pairing_errors(session, register, rows)
    if errors:
        raise InvalidInput(
            f"{len(errors)} problem(s) in the file; nothing was imported", errors=errors
        )
    return _write(session, register, rows, dry_run=dry_run)


def _write(
    session: Session, register: Register, rows: Sequence[_Row], *, dry_run: bool
) -> ImportResult:
    result = ImportResult()
    term_fields = register.shape.term_fields
    updated = [row for row in rows if not row.new and row.changed]
    created = [row for row in rows if row.new]
    if not dry_run:
        try:
            # Updates first: an email one row gives up may be the one a new row takes.
            profiles.replace_many(
                session=session,
                shape=register.shape,
                people=[
                    (row.target, row.data.model_dump(), row.status)
                    for row in updated
                    if row.target is not None
                ],
                same_terms=[
                    row.target
                    for row in updated
                    if row.target is not None and not term_fields.intersection(row.fields)
                ],
            )
            ids = profiles.create_many(
                session=session,
                shape=register.shape,
                people=[(row.data.model_dump(), row.status) for row in created],
            )
        except IntegrityError as exc:
            # Someone registered one of these emails since the file was checked.
            raise Conflict(
                f"a {register.kind} with an email in this file registered meanwhile; "
                "nothing was imported"
            ) from exc
        for row, person_id in zip(created, ids, strict=True):
            row.target = person_id
        exclusions.resolve_pending_many(
            session=session,
            role=Role(register.kind),
            by_email={row.data.email: row.target for row in [*updated, *created] if row.target},
        )
        _record(session, register, updated, created)
    for row in rows:
        _count(result, row)
    if not dry_run:
        audit.record(
            session,
            action=f"{register.kind}s.imported",
            subject_type="import",
            details={
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
        )
    return result


def _record(
    session: Session, register: Register, updated: Sequence[_Row], created: Sequence[_Row]
) -> None:
    audit.record_many(
        session,
        action=f"{register.kind}.created",
        subject_type=register.kind,
        events=[(row.target, {"source": "import"}) for row in created],
    )
    audit.record_many(
        session,
        action=f"{register.kind}.updated",
        subject_type=register.kind,
        events=[(row.target, {"source": "import", "fields": row.fields}) for row in updated],
    )


def _count(result: ImportResult, row: _Row) -> None:
    if row.new:
        result.created += 1
    elif row.fields:
        result.updated += 1
    else:
        result.unchanged += 1
    if row.target is not None:
        result.ids.append(row.target)
