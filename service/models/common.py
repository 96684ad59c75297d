"""Field types shared by mentor and mentee schemas."""

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, StringConstraints
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

UniqueCodes = Annotated[list[Code], AfterValidator(_unique)]


class RegistrationReceived(SQLModel):
    """The answer to a self-registration: the same whether the address was new or known."""

    detail: str
