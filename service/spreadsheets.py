"""CSV import and export of mentors and mentees, for coordinators who work in spreadsheets.

One row per person. Multi-valued cells are separated by ``;``; a mentee's needs
are ``skill`` or ``skill:priority`` items (``governance_boards:3; pricing``).
Taxonomy cells accept a code or its label, in any case. An import checks every
row first and creates them all or none; each error names its row (the line in
the file, the header being line 1) and its field.
"""

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, SQLModel, col, select

from service.crud import exclusions, mentees, mentors, profiles
from service.crud.taxonomy import TaxonomyIndex, load_index
from service.errors import FieldError, InvalidInput, PayloadTooLarge, field_path
from service.models import (
    Mentee,
    MenteeCreate,
    MenteeStatus,
    Mentor,
    MentorCreate,
    MentorStatus,
    Vocabulary,
)

LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class Sheet:
    """How one kind of person is laid out in a CSV file."""

    kind: str
    table: type[Mentor] | type[Mentee]
    schema: type[SQLModel]
    status: type[MentorStatus] | type[MenteeStatus]
    columns: tuple[str, ...]
    required: frozenset[str]
    lists: frozenset[str]
    vocabularies: dict[str, Vocabulary]
    problems: Callable[..., list[FieldError]]
    build: Callable[[Any], Mentor | Mentee]
    to_row: Callable[[Any], dict[str, str]]


def _joined(values: Iterable[str]) -> str:
    return f"{LIST_SEPARATOR} ".join(values)


def _mentor_row(mentor: Mentor) -> dict[str, str]:
    public = mentors.to_public(mentor)
    return {
        "id": str(public.id),
        "name": public.name,
        "email": public.email,
        "organisation": public.organisation,
        "job_title": public.job_title,
        "kind": public.kind,
        "led_spin_out": "yes" if public.led_spin_out else "no",
        "years_experience": str(public.years_experience),
        "home_region": public.home_region,
        "regions_served": _joined(public.regions_served),
        "meeting_mode": public.meeting_mode.value,
        "capacity": str(public.capacity),
        "sectors": _joined(public.sectors),
        "skills": _joined(public.skills),
        "legal_forms": _joined(public.legal_forms),
        "status": public.status.value,
    }


def _mentee_row(mentee: Mentee) -> dict[str, str]:
    public = mentees.to_public(mentee)
    return {
        "id": str(public.id),
        "name": public.name,
        "email": public.email,
        "organisation": public.organisation,
        "legal_form": public.legal_form,
        "stage": public.stage,
        "primary_sector": public.primary_sector,
        "other_sectors": _joined(public.other_sectors),
        "needs": _joined(f"{need.skill}:{need.priority}" for need in public.needs),
        "region": public.region,
        "meeting_mode": public.meeting_mode.value,
        "goals": public.goals,
        "status": public.status.value,
    }


MENTORS = Sheet(
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
    problems=mentors.problems,
    build=mentors.build,
    to_row=_mentor_row,
)

MENTEES = Sheet(
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
    problems=mentees.problems,
    build=mentees.build,
    to_row=_mentee_row,
)


def export(*, session: Session, sheet: Sheet) -> str:
    """Every person of one kind as CSV, in id order."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=sheet.columns, lineterminator="\n")
    writer.writeheader()
    people = select(sheet.table).where(col(sheet.table.erased_at).is_(None))
    for person in session.exec(people.order_by(col(sheet.table.id))):
        writer.writerow(sheet.to_row(person))
    return buffer.getvalue()


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput.for_fields(
            [FieldError(field="file", message=f"is not UTF-8 text (byte {exc.start})")]
        ) from exc


def _resolver(index: TaxonomyIndex, vocabulary: Vocabulary) -> Callable[[str], str]:
    """Map a code or a label (any case) to its code; anything else is left for the checks."""
    by_key: dict[str, str] = {}
    for code, term in index.terms[vocabulary].items():
        by_key[term.label.casefold()] = code
        by_key[code.casefold()] = code
    return lambda value: by_key.get(value.strip().casefold(), value.strip())


def _cells(sheet: Sheet, raw: dict[str, str], index: TaxonomyIndex) -> dict[str, Any]:
    """A row's cells as the values the create schema expects (empty cells left out)."""
    values: dict[str, Any] = {}
    for column, cell in raw.items():
        cell = (cell or "").strip()
        if column in ("id", "status") or not cell:
            continue
        vocabulary = sheet.vocabularies.get(column)
        resolve = _resolver(index, vocabulary) if vocabulary else str.strip
        if column == "needs":
            needs = []
            for item in filter(None, (part.strip() for part in cell.split(LIST_SEPARATOR))):
                skill, _, priority = item.rpartition(":") if ":" in item else (item, "", "")
                needs.append(
                    {"skill": resolve(skill), **({"priority": priority} if priority else {})}
                )
            values[column] = needs
        elif column in sheet.lists:
            values[column] = [resolve(part) for part in cell.split(LIST_SEPARATOR) if part.strip()]
        else:
            values[column] = resolve(cell)
    return values


def _not_csv(exc: csv.Error) -> InvalidInput:
    return InvalidInput.for_fields([FieldError(field="file", message=f"is not valid CSV: {exc}")])


def _header_errors(sheet: Sheet, header: Sequence[str] | None) -> list[FieldError]:
    if not header:
        return [FieldError(field="file", message="is empty; the first line must be the header")]
    errors = []
    unknown = [name for name in header if name not in sheet.columns]
    if unknown:
        errors.append(
            FieldError(
                field="header",
                message=f"unknown columns {unknown}; valid columns: {', '.join(sheet.columns)}",
            )
        )
    missing = sorted(sheet.required - set(header))
    if missing:
        errors.append(FieldError(field="header", message=f"missing required columns {missing}"))
    repeated = sorted({name for name in header if list(header).count(name) > 1})
    if repeated:
        errors.append(FieldError(field="header", message=f"repeated columns {repeated}"))
    return errors


def import_rows(
    *, session: Session, sheet: Sheet, content: bytes, max_rows: int
) -> list[Mentor | Mentee]:
    """Create every row of the file, or none of them (422 listing each row's errors)."""
    # newline="": the csv module reads line ends itself, a lone "\r" included.
    reader = csv.DictReader(io.StringIO(_decode(content), newline=""))
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        raise _not_csv(exc) from exc
    header_errors = _header_errors(sheet, header)
    if header_errors:
        raise InvalidInput.for_fields(header_errors)
    index = load_index(session=session)
    errors: list[FieldError] = []
    people: list[tuple[int, Any, str | None]] = []
    try:
        for raw in reader:
            line = reader.line_num
            if line - 1 > max_rows:
                raise PayloadTooLarge(
                    f"a file may hold at most {max_rows} rows (MENTORMATCH_MAX_CSV_ROWS)"
                )
            if None in raw:
                errors.append(
                    FieldError(field=f"row {line}", message="has more cells than the header")
                )
                continue
            values = _cells(sheet, raw, index)
            status = (raw.get("status") or "").strip() or None
            if status is not None and status not in {member.value for member in sheet.status}:
                valid = ", ".join(member.value for member in sheet.status)
                errors.append(
                    FieldError(field=f"row {line}: status", message=f"must be one of {valid}")
                )
            try:
                data = sheet.schema.model_validate(values)
            except ValidationError as exc:
                errors += [
                    FieldError(
                        field=f"row {line}: {field_path(e['loc'])}",
                        message=e["msg"].removeprefix("Value error, "),
                    )
                    for e in exc.errors()
                ]
                continue
            for problem in sheet.problems(index=index, values=data.model_dump(), current={}):
                errors.append(
                    FieldError(field=f"row {line}: {problem.field}", message=problem.message)
                )
            people.append((line, data, status))
    except csv.Error as exc:
        raise _not_csv(exc) from exc
    if not people and not errors:
        raise InvalidInput.for_fields(
            [FieldError(field="file", message="has a header but no rows")]
        )
    errors += _email_errors(session=session, sheet=sheet, people=people)
    if errors:
        raise InvalidInput(
            f"{len(errors)} problem(s) in the file; nothing was imported", errors=errors
        )
    created = []
    for _, data, status in people:
        person = sheet.build(data)
        if status is not None:
            person.status = status  # type: ignore[assignment]
        session.add(person)
        created.append(person)
    profiles.flush_unique_email(session=session, kind=sheet.kind)
    for person in created:
        if isinstance(person, Mentor):
            exclusions.resolve_pending(session=session, mentor=person)
        else:
            exclusions.resolve_pending(session=session, mentee=person)
    return created


def _email_errors(
    *, session: Session, sheet: Sheet, people: Sequence[tuple[int, Any, str | None]]
) -> list[FieldError]:
    errors = []
    first_line: dict[str, int] = {}
    for line, data, _ in people:
        email = data.email
        if email in first_line:
            errors.append(
                FieldError(field=f"row {line}: email", message=f"repeats row {first_line[email]}")
            )
        else:
            first_line[email] = line
    taken = set(
        session.exec(
            select(sheet.table.email).where(col(sheet.table.email).in_(list(first_line)))
        ).all()
    )
    for email in sorted(taken, key=first_line.__getitem__):
        errors.append(
            FieldError(
                field=f"row {first_line[email]}: email",
                message=f"a {sheet.kind} with this email is already registered",
            )
        )
    return errors
