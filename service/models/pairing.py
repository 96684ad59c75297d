"""Pairings: a mentee and a mentor working together, from start to end."""

from datetime import date, datetime
from enum import StrEnum

from pydantic import ConfigDict
from sqlalchemy import Column, ForeignKey, Index, Integer, String, text
from sqlmodel import Field, SQLModel

from service.models.base import UTCDateTime, utcnow
from service.models.common import IsoDate, StrictInt
from service.models.match_run import PersonRef


class PairingStatus(StrEnum):
    active = "active"
    completed = "completed"
    ended_early = "ended_early"


class Fit(StrEnum):
    good_fit = "good_fit"
    still_deciding = "still_deciding"
    not_a_fit = "not_a_fit"


class Pairing(SQLModel, table=True):
    __table_args__ = (
        # The database itself refuses a second active pairing for one mentee.
        Index(
            "uq_pairing_active_mentee",
            "mentee_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    mentee_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("mentee.id", ondelete="CASCADE"), index=True, nullable=False
        ),
    )
    mentor_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("mentor.id", ondelete="CASCADE"), index=True, nullable=False
        ),
    )
    proposal_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("proposal.id", ondelete="SET NULL"), nullable=True),
    )
    status: PairingStatus = Field(default=PairingStatus.active, sa_type=String(16), index=True)
    started_on: date
    planned_end_on: date | None = None
    ended_on: date | None = None
    end_reason: str = Field(default="", max_length=500)
    mentee_fit: Fit | None = Field(default=None, sa_type=String(16))
    mentor_fit: Fit | None = Field(default=None, sa_type=String(16))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Why a coordinator paired by hand despite a soft conflict (a rule, meeting
    # mode and region, or the same organisation); empty when there was none.
    override_reason: str = Field(default="", max_length=500)


class PairingCreate(SQLModel):
    """A coordinator's manual pairing."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    mentee_id: StrictInt = Field(ge=1, le=2**31 - 1)
    mentor_id: StrictInt = Field(ge=1, le=2**31 - 1)
    started_on: IsoDate | None = Field(default=None, description="Default: today.")
    planned_end_on: IsoDate | None = None
    override_reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="Pair despite a soft conflict (same organisation, meeting mode and "
        "region, or a rule such as covering a need), and why; recorded on the pairing and in "
        "the audit log. Capacity and exclusions are never overridden.",
    )


class PairingEnd(SQLModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)  # type: ignore[assignment]

    status: PairingStatus = Field(description="completed or ended_early.")
    ended_on: IsoDate | None = Field(default=None, description="Default: today.")
    reason: str = Field(default="", max_length=500)


class PairingUpdate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    planned_end_on: IsoDate | None = None


class FitFeedback(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    fit: Fit


class PairingFields(SQLModel):
    """A pairing's own fields, as every view of it shows them."""

    id: int
    mentee_id: int
    mentor_id: int
    proposal_id: int | None
    status: PairingStatus
    started_on: date
    planned_end_on: date | None
    ended_on: date | None
    end_reason: str
    mentee_fit: Fit | None
    mentor_fit: Fit | None
    created_at: datetime
    updated_at: datetime


class PairingPublic(PairingFields):
    """A coordinator's view: who the two people are, not only their ids."""

    mentee: PersonRef
    mentor: PersonRef
    override_reason: str


class PairingsPublic(SQLModel):
    data: list[PairingPublic]
    count: int


class Partner(SQLModel):
    id: int
    name: str
    email: str
    organisation: str


class MyPairing(PairingFields):
    """A participant's own pairing, with their partner's contact details."""

    partner: Partner
