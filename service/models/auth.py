"""Access tokens: coordinators' (made by the CLI) and participants' (made at registration)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from service.models.base import UTCDateTime, utcnow


class Role(StrEnum):
    coordinator = "coordinator"
    mentor = "mentor"
    mentee = "mentee"


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    role: Role = Field(sa_type=String(16))
    name: str = Field(default="", max_length=100)
    # Only a hash is kept: a leaked database does not leak working tokens.
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16, description="The token's first characters, to recognise it.")
    mentor_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("mentor.id", ondelete="CASCADE"), index=True),
    )
    mentee_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("mentee.id", ondelete="CASCADE"), index=True),
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
