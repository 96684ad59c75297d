"""Mentors: experienced social-sector leaders who offer their time."""

from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict, EmailStr, field_validator
from sqlalchemy import Column, ForeignKey, ForeignKeyConstraint, Index, Integer, String
from sqlmodel import Field, Relationship, SQLModel

from service.models.base import UTCDateTime, utcnow
from service.models.common import (
    CellBool,
    CellInt,
    MeetingMode,
    StrictBool,
    StrictInt,
    UniqueCodes,
    normalise_email,
)


class MentorStatus(StrEnum):
    # Registered, and waiting for a coordinator's approval (vetting): never in a run.
    pending = "pending"
    active = "active"
    paused = "paused"
    withdrawn = "withdrawn"


class MentorBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr = Field(max_length=254, unique=True)
    organisation: str = Field(min_length=1, max_length=200)
    job_title: str = Field(default="", max_length=200)
    kind: str = Field(max_length=64, description="A mentor_kind code: peer or specialist.")
    led_spin_out: CellBool = Field(default=False, description="Has led a public-sector spin-out.")
    years_experience: CellInt = Field(default=0, ge=0, le=70)
    home_region: str = Field(max_length=64, description="A region code.")
    meeting_mode: MeetingMode = Field(default=MeetingMode.either, sa_type=String(16))
    capacity: CellInt = Field(default=1, ge=1, le=10, description="Concurrent mentees, 1-10.")


class Mentor(MentorBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    status: MentorStatus = Field(default=MentorStatus.active, sa_type=String(16), index=True)
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
    terms: list["MentorTerm"] = Relationship(
        back_populates="mentor",
        sa_relationship_kwargs={
            "lazy": "selectin",
            "cascade": "all, delete-orphan",
            "order_by": "MentorTerm.position",
        },
    )


class MentorTerm(SQLModel, table=True):
    """One taxonomy code on a mentor's multi-valued field (sectors, skills, ...)."""

    __tablename__ = "mentor_term"
    __table_args__ = (
        ForeignKeyConstraint(
            ["vocabulary", "code"], ["taxonomy_term.vocabulary", "taxonomy_term.code"]
        ),
        # Finds the profiles that use a term (filters, and refusing to delete a term in use).
        Index("ix_mentor_term_vocabulary_code", "vocabulary", "code"),
    )

    mentor_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("mentor.id", ondelete="CASCADE"), primary_key=True),
    )
    vocabulary: str = Field(max_length=32, primary_key=True)
    code: str = Field(max_length=64, primary_key=True)
    position: int = Field(default=0)
    mentor: Mentor = Relationship(back_populates="terms")


class _MentorLists(SQLModel):
    sectors: UniqueCodes = Field(min_length=1, max_length=10, description="Sector codes.")
    skills: UniqueCodes = Field(min_length=1, max_length=12, description="Skill codes offered.")
    legal_forms: UniqueCodes = Field(
        default_factory=list, max_length=12, description="Legal-form codes experienced."
    )
    regions_served: UniqueCodes = Field(
        default_factory=list,
        max_length=12,
        description="Region codes served besides the home region.",
    )


class MentorCreate(_MentorLists, MentorBase):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)  # type: ignore[assignment]

    _email = field_validator("email", mode="after")(normalise_email)


class MentorSelfUpdate(SQLModel):
    """What a mentor may change on their own profile: everything but status."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)  # type: ignore[assignment]

    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: EmailStr | None = Field(default=None, max_length=254)
    organisation: str | None = Field(default=None, min_length=1, max_length=200)
    job_title: str | None = Field(default=None, max_length=200)
    kind: str | None = Field(default=None, max_length=64)
    led_spin_out: StrictBool | None = None
    years_experience: StrictInt | None = Field(default=None, ge=0, le=70)
    home_region: str | None = Field(default=None, max_length=64)
    meeting_mode: MeetingMode | None = None
    capacity: StrictInt | None = Field(default=None, ge=1, le=10)
    sectors: UniqueCodes | None = Field(default=None, min_length=1, max_length=10)
    skills: UniqueCodes | None = Field(default=None, min_length=1, max_length=12)
    legal_forms: UniqueCodes | None = Field(default=None, max_length=12)
    regions_served: UniqueCodes | None = Field(default=None, max_length=12)

    _email = field_validator("email", mode="after")(normalise_email)


class MentorUpdate(MentorSelfUpdate):
    """A coordinator's update: also the status."""

    status: MentorStatus | None = None


class MentorPublic(_MentorLists, MentorBase):
    id: int
    status: MentorStatus
    email_verified_at: datetime | None = Field(
        description="When the address was confirmed; unset while a self-registration waits."
    )
    places_left: int = Field(description="Capacity less active pairings.")
    created_at: datetime
    updated_at: datetime


class MentorsPublic(SQLModel):
    data: list[MentorPublic]
    count: int


class MentorRegistered(SQLModel):
    mentor: MentorPublic
    token: str = Field(description="Personal access token, shown only this once.")
