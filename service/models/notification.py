"""Notifications and what participants answer to them.

An ``OutboxMessage`` is written in the same transaction as the event that causes it
(a pairing starts, ends, is said not to fit) or by the worker's schedules
(check-ins, reminders, digests), and delivered by the worker. It names its
recipient by id, not by address: the worker renders it from the current data when
it sends it, so an address changed meanwhile is the one used, and nothing is sent
to a person erased meanwhile. Its ``payload`` (the address being verified, say) is
cleared once it is sent.

An ``AccessLink`` is a random token sent by email, stored only as a hash: sign-in
and email-verification links are single use; check-in and survey links work until
they expire, so that an answer can be changed.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.models.base import UTCDateTime, utcnow


def _person(table: str, *, ondelete: str = "CASCADE") -> Column[int]:
    return Column(Integer, ForeignKey(f"{table}.id", ondelete=ondelete), index=True, nullable=True)


class MessageStatus(StrEnum):
    queued = "queued"
    sent = "sent"
    # Failed for good (or too often): kept, with the error, for coordinators to see.
    dead = "dead"
    # Its person or pairing was gone when it was due: nothing to send.
    dropped = "dropped"


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    kind: str = Field(max_length=48)
    # The same event never makes two messages: a retry or a second scheduler pass
    # finds the key taken. It is also the mail's Message-ID.
    idempotency_key: str = Field(max_length=200, unique=True)
    recipient_role: str = Field(max_length=16)
    mentor_id: int | None = Field(default=None, sa_column=_person("mentor"))
    mentee_id: int | None = Field(default=None, sa_column=_person("mentee"))
    pairing_id: int | None = Field(default=None, sa_column=_person("pairing"))
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: MessageStatus = Field(default=MessageStatus.queued, sa_type=String(16), index=True)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # While a worker sends it, no other worker takes it (also after that worker dies,
    # until the lease runs out).
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str = Field(default="", max_length=500)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OutboxMessagePublic(SQLModel):
    """A message as coordinators see it: never its address or body."""

    id: int
    created_at: datetime
    kind: str
    recipient_role: str
    mentor_id: int | None
    mentee_id: int | None
    pairing_id: int | None
    status: MessageStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str
    sent_at: datetime | None


class OutboxMessagesPublic(SQLModel):
    data: list[OutboxMessagePublic]
    count: int


class LinkPurpose(StrEnum):
    sign_in = "sign_in"
    verify_email = "verify_email"
    checkin = "checkin"
    survey = "survey"


class AccessLink(SQLModel, table=True):
    __tablename__ = "access_link"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    purpose: LinkPurpose = Field(sa_type=String(16))
    mentor_id: int | None = Field(default=None, sa_column=_person("mentor"))
    mentee_id: int | None = Field(default=None, sa_column=_person("mentee"))
    pairing_id: int | None = Field(default=None, sa_column=_person("pairing"))
    # For a verification link: the address being verified (a new one, on a change).
    email: str = Field(default="", max_length=254)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CheckinAnswer(SQLModel, table=True):
    """One person's answer to "how is your pairing going?"."""

    __tablename__ = "checkin_answer"

    id: int | None = Field(default=None, primary_key=True)
    pairing_id: int | None = Field(default=None, sa_column=_person("pairing"))
    role: str = Field(max_length=16)
    fit: str = Field(max_length=16)
    rating: int = Field(ge=1, le=4)
    answered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Outcome(StrEnum):
    goals_met = "goals_met"
    partly_met = "partly_met"
    not_met = "not_met"


class SurveyAnswer(SQLModel, table=True):
    """One person's answer to the end-of-pairing survey."""

    __tablename__ = "survey_answer"
    __table_args__ = (UniqueConstraint("pairing_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    pairing_id: int | None = Field(default=None, sa_column=_person("pairing"))
    role: str = Field(max_length=16)
    outcome: Outcome = Field(sa_type=String(16))
    rating: int = Field(ge=1, le=4)
    would_take_part_again: bool
    answered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
