"""Writing notifications to the outbox, in the transaction of the event that causes them."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.crud import audit
from service.errors import Conflict, NotFound
from service.models import MessageStatus, OutboxMessage, OutboxMessagePublic, Pairing, utcnow


def enqueue(
    session: Session,
    *,
    kind: str,
    key: str,
    role: str,
    mentor_id: int | None = None,
    mentee_id: int | None = None,
    pairing_id: int | None = None,
    payload: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> bool:
    """Queue a message unless one with this idempotency key exists; whether it was queued.

    ``at`` is when it is due (now, by default): the worker's clock for scheduled ones.
    """
    if session.exec(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)).first():
        return False
    message = OutboxMessage(
        kind=kind,
        idempotency_key=key,
        recipient_role=role,
        mentor_id=mentor_id,
        mentee_id=mentee_id,
        pairing_id=pairing_id,
        payload=dict(payload or {}),
        created_at=at or utcnow(),
        next_attempt_at=at or utcnow(),
    )
    # A savepoint: a concurrent writer of the same key must not abort the whole event.
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        return False
    return True


def forget_person(
    session: Session, *, mentor_id: int | None = None, mentee_id: int | None = None
) -> None:
    """Drop every unsent message to or about a person (their erasure)."""
    person = (
        col(OutboxMessage.mentor_id) == mentor_id
        if mentor_id is not None
        else col(OutboxMessage.mentee_id) == mentee_id
    )
    owner = (
        col(Pairing.mentor_id) == mentor_id
        if mentor_id is not None
        else col(Pairing.mentee_id) == mentee_id
    )
    about = col(OutboxMessage.pairing_id).in_(select(Pairing.id).where(owner))
    session.execute(
        delete(OutboxMessage).where(
            or_(person, about), col(OutboxMessage.status) != MessageStatus.sent
        )
    )


def list_page(
    *, session: Session, status: MessageStatus | None, kind: str | None, limit: int, offset: int
) -> tuple[list[OutboxMessagePublic], int]:
    """Messages, newest first: what was sent, what waits, what failed for good."""
    conditions = []
    if status is not None:
        conditions.append(col(OutboxMessage.status) == status)
    if kind is not None:
        conditions.append(col(OutboxMessage.kind) == kind)
    count = session.exec(select(func.count()).select_from(OutboxMessage).where(*conditions)).one()
    rows = session.exec(
        select(OutboxMessage)
        .where(*conditions)
        .order_by(col(OutboxMessage.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return [OutboxMessagePublic.model_validate(row) for row in rows], count


def retry(*, session: Session, message_id: int) -> OutboxMessage:
    """Send a dead message again, from scratch (after its cause was fixed)."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(f"no message with id {message_id}")
    if message.status != MessageStatus.dead:
        raise Conflict(f"message {message_id} is {message.status}; only dead ones are retried")
    message.status = MessageStatus.queued
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.last_error = ""
    session.add(message)
    session.flush()
    audit.record(
        session, action="message.retried", subject_type="outbox_message", subject_id=message.id
    )
    return message
