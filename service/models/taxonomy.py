"""The controlled vocabularies that profiles choose from and matching compares."""

from enum import StrEnum

from pydantic import ConfigDict, StrictBool
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

CODE_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


class Vocabulary(StrEnum):
    sector_group = "sector_group"
    sector = "sector"
    skill_group = "skill_group"
    skill = "skill"
    region = "region"
    legal_form = "legal_form"
    stage = "stage"
    mentor_kind = "mentor_kind"


# A sector belongs to one sector group, a skill to one skill group; nothing else is grouped.
GROUP_VOCABULARY: dict[Vocabulary, Vocabulary] = {
    Vocabulary.sector: Vocabulary.sector_group,
    Vocabulary.skill: Vocabulary.skill_group,
}


class TaxonomyTerm(SQLModel, table=True):
    __tablename__ = "taxonomy_term"
    __table_args__ = (UniqueConstraint("vocabulary", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    vocabulary: str = Field(max_length=32)
    code: str = Field(max_length=64)
    label: str = Field(max_length=200)
    group_code: str | None = Field(default=None, max_length=64)
    position: int = Field(default=0)
    retired: bool = Field(default=False)


class TermPublic(SQLModel):
    code: str
    label: str
    group: str | None = None
    retired: bool = False


class TermCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    code: str = Field(min_length=1, max_length=64, schema_extra={"pattern": CODE_PATTERN})
    label: str = Field(min_length=1, max_length=200)
    group: str | None = Field(
        default=None, max_length=64, description="Group code; required for sectors and skills."
    )


class TermUpdate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    label: str | None = Field(default=None, min_length=1, max_length=200)
    retired: StrictBool | None = None


class TaxonomyPublic(SQLModel):
    sector_groups: list[TermPublic]
    sectors: list[TermPublic]
    skill_groups: list[TermPublic]
    skills: list[TermPublic]
    regions: list[TermPublic]
    legal_forms: list[TermPublic]
    stages: list[TermPublic]
    mentor_kinds: list[TermPublic]
