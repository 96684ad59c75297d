"""Participant sessions: a mentor or mentee signed in through a link emailed to them.

Like a console session, the browser holds a random id and the table only its hash.
A session names one profile; it ends on sign-out, when idle or old, and at once
when the profile is erased.
"""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from service.models.base import UTCDateTime, utcnow


def _person(table: str) -> Column[int]:
    return Column(Integer, ForeignKey(f"{table}.id", ondelete="CASCADE"), index=True, nullable=True)


class ParticipantSession(SQLModel, table=True):
    __tablename__ = "participant_session"

    id: int | None = Field(default=None, primary_key=True)
    session_hash: str = Field(max_length=64, unique=True)
    mentor_id: int | None = Field(default=None, sa_column=_person("mentor"))
    mentee_id: int | None = Field(default=None, sa_column=_person("mentee"))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
