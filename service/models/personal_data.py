"""A participant's own data, as ``GET /me/export`` gives it (their right of access)."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from service.models.auth import Role
from service.models.exclusion import ExclusionReason
from service.models.match_run import ProposalStatus
from service.models.mentee import MenteePublic
from service.models.mentor import MentorPublic
from service.models.pairing import PairingFields


class OwnProposal(SQLModel):
    """A proposal that named the participant, without the other person's details."""

    match_run_id: int
    score: float
    reason: str
    status: ProposalStatus
    decided_at: datetime | None


class OwnConflict(SQLModel):
    """A conflict the participant declared themselves (not one declared about them)."""

    reason: ExclusionReason
    note: str
    created_at: datetime


class PersonalDataExport(SQLModel):
    exported_at: datetime
    role: Role
    profile: MentorPublic | MenteePublic = Field(description="Their own profile.")
    pairings: list[PairingFields]
    proposals: list[OwnProposal]
    conflicts_declared: list[OwnConflict]
