"""Field types shared by the schemas: codes, and numbers and booleans JSON cannot smuggle.

Pydantic's lax mode takes ``false`` for 0, ``"2"`` for 2 and ``1`` for true. Request
schemas use the strict types instead: a JSON number where a number is asked for, a JSON
boolean where a boolean is. (Query parameters arrive as text and are declared apart.)
The create schemas also read spreadsheet cells, which are text: their ``Cell`` types take
numeric text, but never a boolean for a number or a number for a boolean.
"""

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Strict, StringConstraints
from sqlmodel import SQLModel

from service.models.taxonomy import CODE_PATTERN


class MeetingMode(StrEnum):
    in_person = "in_person"
    remote = "remote"
    either = "either"


def normalise_email(value: str | None) -> str | None:
    # Addresses are matched case-insensitively in practice, so one casing is stored.
    return None if value is None else value.strip().lower()


def _unique(values: list[str]) -> list[str]:
    duplicates = sorted({value for value in values if values.count(value) > 1})
    if duplicates:
        raise ValueError(f"each code may appear once; repeated: {', '.join(duplicates)}")
    return values


Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=CODE_PATTERN)]

StrictInt = Annotated[int, Strict()]
StrictFloat = Annotated[float, Strict()]  # an integer is a number too
StrictBool = Annotated[bool, Strict()]


def _number_not_boolean(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("Input should be a number, not true or false")
    return value


def _boolean_not_number(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("Input should be true or false, not a number")
    return value


def _iso_date(value: Any) -> Any:
    # Pydantic reads a number, or numeric text, as seconds since 1970: "0" would be a date.
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    if isinstance(value, date):
        return value
    raise ValueError("Input should be a date as YYYY-MM-DD")


def _iso_datetime(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    if isinstance(value, datetime):
        # Times are stored in UTC; one without an offset is read as UTC, not refused.
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    raise ValueError("Input should be a date and time in ISO 8601, such as 2026-05-01T09:00:00Z")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime)]

CellInt = Annotated[int, BeforeValidator(_number_not_boolean)]
CellBool = Annotated[bool, BeforeValidator(_boolean_not_number)]

UniqueCodes = Annotated[list[Code], AfterValidator(_unique)]


class RegistrationReceived(SQLModel):
    """The answer to a self-registration: the same whether the address was new or known."""

    detail: str
