"""Exclusions: mentee-mentor pairs that must never be proposed.

A participant may declare a conflict with someone of the other side by email,
whether or not that person has registered: the exclusion keeps the email until
a profile with it exists, then points at the profile.
"""

from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict, EmailStr, field_validator
from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from service.models.auth import Role
from service.models.base import UTCDateTime, utcnow
from service.models.common import StrictInt, normalise_email
from service.models.match_run import PersonRef


class ExclusionReason(StrEnum):
    conflict_of_interest = "conflict_of_interest"
    declined = "declined"
    rejected_proposal = "rejected_proposal"
    pairing_ended = "pairing_ended"
    other = "other"


class Exclusion(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint(
            "(mentee_id IS NOT NULL OR mentee_email IS NOT NULL)"
            " AND (mentor_id IS NOT NULL OR mentor_email IS NOT NULL)",
            name="both_sides_named",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    mentee_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("mentee.id", ondelete="CASCADE"), index=True),
    )
    mentor_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("mentor.id", ondelete="CASCADE"), index=True),
    )
    # Set only while the named person has no profile.
    mentee_email: str | None = Field(default=None, sa_column=Column(String(254), index=True))
    mentor_email: str | None = Field(default=None, sa_column=Column(String(254), index=True))
    reason: ExclusionReason = Field(sa_type=String(32))
    # Who asked for it: a coordinator (also by rejecting or ending), or the mentee or
    # mentor themselves. A participant's data export shows only their own declarations.
    declared_by: Role = Field(default=Role.coordinator, sa_type=String(16))
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ExclusionCreate(SQLModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)  # type: ignore[assignment]

    mentee_id: StrictInt = Field(ge=1, le=2**31 - 1)
    mentor_id: StrictInt = Field(ge=1, le=2**31 - 1)
    reason: ExclusionReason = ExclusionReason.conflict_of_interest
    note: str = Field(default="", max_length=500)


class ConflictDeclaration(SQLModel):
    """A participant's declaration: never pair me with this person."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)  # type: ignore[assignment]

    email: EmailStr = Field(max_length=254, description="The other person's email.")
    note: str = Field(default="", max_length=500)

    _email = field_validator("email", mode="after")(normalise_email)


class ExclusionPublic(SQLModel):
    id: int
    mentee_id: int | None
    mentor_id: int | None
    mentee_email: str | None
    mentor_email: str | None
    reason: ExclusionReason
    declared_by: Role
    note: str
    created_at: datetime


class ExclusionWithPeople(ExclusionPublic):
    """An exclusion with the name and organisation of each side; None while unregistered."""

    mentee: PersonRef | None
    mentor: PersonRef | None


class ExclusionsPublic(SQLModel):
    data: list[ExclusionPublic]
    count: int
