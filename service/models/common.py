"""Field types shared by mentor and mentee schemas."""

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from service.models.taxonomy import CODE_PATTERN

MAX_NAME_LENGTH = 200
MAX_TEXT_LENGTH = 2000


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


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_TEXT_LENGTH)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=CODE_PATTERN)]

UniqueCodes = Annotated[list[Code], AfterValidator(_unique)]
