"""Mentees: leaders of new or emerging public service mutuals."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, EmailStr, field_validator
from sqlalchemy import Column, ForeignKey, ForeignKeyConstraint, Index, Integer, String
from sqlmodel import Field, Relationship, SQLModel

from service.models.base import UTCDateTime, utcnow
from service.models.common import CellInt, Code, MeetingMode, UniqueCodes, normalise_email


class MenteeStatus(StrEnum):
    # Registered, and waiting for a coordinator's approval (vetting): never in a run.
    pending = "pending"
    waiting = "waiting"
    paired = "paired"
    withdrawn = "withdrawn"


class Need(SQLModel):
    skill: Code = Field(description="A skill code.")
    priority: CellInt = Field(default=2, ge=1, le=3, description="1 nice to have .. 3 essential.")


def _distinct_skills(needs: list[Need]) -> list[Need]:
    skills = [need.skill for need in needs]
    repeated = sorted({skill for skill in skills if skills.count(skill) > 1})
    if repeated:
        raise ValueError(f"each skill may appear once; repeated: {', '.join(repeated)}")
    return needs


Needs = Annotated[list[Need], AfterValidator(_distinct_skills)]


class MenteeBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr = Field(max_length=254, unique=True)
    organisation: str = Field(min_length=1, max_length=200)
    legal_form: str = Field(max_length=64, description="A legal_form code.")
    stage: str = Field(max_length=64, description="A stage code.")
    primary_sector: str = Field(max_length=64, description="A sector code.")
    region: str = Field(max_length=64, description="A region code.")
    meeting_mode: MeetingMode = Field(default=MeetingMode.either, sa_type=String(16))
    goals: str = Field(default="", max_length=2000, description="What the mentee hopes for.")


class Mentee(MenteeBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    status: MenteeStatus = Field(default=MenteeStatus.waiting, sa_type=String(16), index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # When the address was confirmed: by its owner following the link sent to it, or
    # taken as given from a coordinator (registration by hand, import). Unset while a
    # self-registration waits for its owner, who cannot be matched meanwhile.
    email_verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the person agreed to the privacy notice on the registration form.
    consent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set when the person's data was erased; the row stays, anonymous, for statistics.
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    terms: list["MenteeTerm"] = Relationship(
        back_populates="mentee",
        sa_relationship_kwargs={
            "lazy": "selectin",
            "cascade": "all, delete-orphan",
            "order_by": "MenteeTerm.position",
        },
    )


class MenteeTerm(SQLModel, table=True):
    """One taxonomy code on a mentee's multi-valued field: other sectors, or a need."""

    __tablename__ = "mentee_term"
    __table_args__ = (
        ForeignKeyConstraint(
            ["vocabulary", "code"], ["taxonomy_term.vocabulary", "taxonomy_term.code"]
        ),
        # Finds the profiles that use a term (filters, and refusing to delete a term in use).
        Index("ix_mentee_term_vocabulary_code", "vocabulary", "code"),
    )

    mentee_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("mentee.id", ondelete="CASCADE"), primary_key=True),
    )
    vocabulary: str = Field(max_length=32, primary_key=True)
    code: str = Field(max_length=64, primary_key=True)
    position: int = Field(default=0)
    priority: int | None = Field(default=None, description="Set on needs only.")
    mentee: Mentee = Relationship(back_populates="terms")


class _MenteeLists(SQLModel):
    other_sectors: UniqueCodes = Field(
        default_factory=list, max_length=5, description="Sector codes besides the primary one."
    )
    needs: Needs = Field(min_length=1, max_length=8, description="Support topics, 1-8.")


class MenteeCreate(_MenteeLists, MenteeBase):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)  # type: ignore[assignment]

    _email = field_validator("email", mode="after")(normalise_email)


class MenteeSelfUpdate(SQLModel):
    """What a mentee may change on their own profile: everything but status."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)  # type: ignore[assignment]

    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: EmailStr | None = Field(default=None, max_length=254)
    organisation: str | None = Field(default=None, min_length=1, max_length=200)
    legal_form: str | None = Field(default=None, max_length=64)
    stage: str | None = Field(default=None, max_length=64)
    primary_sector: str | None = Field(default=None, max_length=64)
    region: str | None = Field(default=None, max_length=64)
    meeting_mode: MeetingMode | None = None
    goals: str | None = Field(default=None, max_length=2000)
    other_sectors: UniqueCodes | None = Field(default=None, max_length=5)
    needs: Needs | None = Field(default=None, min_length=1, max_length=8)

    _email = field_validator("email", mode="after")(normalise_email)


class MenteeUpdate(MenteeSelfUpdate):
    """A coordinator's update: also the status."""

    status: MenteeStatus | None = None


class MenteePublic(_MenteeLists, MenteeBase):
    id: int
    status: MenteeStatus
    email_verified_at: datetime | None = Field(
        description="When the address was confirmed; unset while a self-registration waits."
    )
    created_at: datetime
    updated_at: datetime


class MenteesPublic(SQLModel):
    data: list[MenteePublic]
    count: int


class MenteeRegistered(SQLModel):
    mentee: MenteePublic
    token: str = Field(description="Personal access token, shown only this once.")
