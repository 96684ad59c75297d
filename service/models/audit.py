"""The audit log: who did what, and when. Rows are only ever added (the database refuses
to change or delete one), and hold ids, codes and field names, never personal data, so
an erasure leaves nothing in it to scrub.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from service.models.base import UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_subject", "subject_type", "subject_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # coordinator, mentor, mentee, anonymous (self-registration) or system (the CLI).
    actor_role: str = Field(max_length=16)
    # A coordinator's token id, or a participant's own profile id.
    actor_id: int | None = Field(default=None)
    # The name a coordinator token was given; empty for everyone else.
    actor_name: str = Field(default="", max_length=100)
    action: str = Field(max_length=64, index=True)
    subject_type: str = Field(max_length=32)
    subject_id: int | None = Field(default=None)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class AuditEventPublic(SQLModel):
    id: int
    at: datetime
    actor_role: str
    actor_id: int | None
    actor_name: str
    action: str
    subject_type: str
    subject_id: int | None
    details: dict[str, Any]


class AuditEventsPublic(SQLModel):
    data: list[AuditEventPublic]
    count: int
