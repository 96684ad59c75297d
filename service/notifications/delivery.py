"""Delivering the outbox: claim due messages, send each, retry with back-off, or give up.

A worker claims one due message at a time in a short transaction: on PostgreSQL
with ``FOR UPDATE SKIP LOCKED``, so that several workers never take the same
message; on SQLite the claim takes the database's write lock. A claimed message
carries a lease, long enough for one sending: no other worker takes it until the
lease runs out, which is also how a message whose worker died is taken up again.

Delivery is at least once: a worker that dies after the mail left but before it
recorded so sends it again. The resent mail has the same Message-ID, which mail
clients use to show it once; the window is the time between the server's "250 OK"
and one database update.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import col, select

from service.clock import Clock
from service.config import Settings
from service.db import SessionFactory, begin_write
from service.models import MessageStatus, OutboxMessage
from service.notifications.messages import Undeliverable, compose
from service.notifications.transports import Mail, Transport, TransportError, scrub

logger = logging.getLogger("mentormatch.notifications")

FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=2)


@dataclass
class Delivered:
    """What one pass did."""

    sent: int = 0
    retried: int = 0
    dead: int = 0
    dropped: int = 0


def backoff(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: 30 s, 1 min, 2 min ... at most 2 hours."""
    wait: timedelta = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return min(wait, LAST_RETRY)


def claim(*, sessions: SessionFactory, now: datetime, lease: timedelta, limit: int) -> list[int]:
    """Take up to ``limit`` due messages for this worker; their ids, oldest first."""
    with sessions() as session:
        begin_write(session)
        query = (
            select(OutboxMessage.id)
            .where(
                col(OutboxMessage.status) == MessageStatus.queued,
                col(OutboxMessage.next_attempt_at) <= now,
                or_(
                    col(OutboxMessage.locked_until).is_(None),
                    col(OutboxMessage.locked_until) < now,
                ),
            )
            .order_by(col(OutboxMessage.id))
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = [message_id for message_id in session.exec(query).all() if message_id is not None]
        for message_id in ids:
            message = session.get(OutboxMessage, message_id)
            assert message is not None
            message.locked_until = now + lease
            session.add(message)
        session.commit()
    return ids


def _compose(
    sessions: SessionFactory, settings: Settings, message_id: int, now: datetime
) -> tuple[list[Mail], str | None]:
    """The mails of a claimed message (links they hold are committed before sending)."""
    with sessions() as session:
        message = session.get(OutboxMessage, message_id)
        if message is None or message.status != MessageStatus.queued:
            return [], "gone"
        try:
            mails = compose(session, settings, message, now)
        except Undeliverable as exc:
            session.rollback()
            return [], str(exc)
        session.commit()
        return mails, None


def _finish(
    sessions: SessionFactory,
    message_id: int,
    now: datetime,
    *,
    sent: bool,
    error: str = "",
    permanent: bool = False,
    max_attempts: int,
) -> MessageStatus:
    """Record the outcome: sent, to retry, dead (failed for good), or dropped (no error:
    its person or pairing is gone, so there was nothing to send)."""
    with sessions() as session:
        begin_write(session)
        message = session.get(OutboxMessage, message_id)
        if message is None:
            return MessageStatus.dead
        message.locked_until = None
        if sent:
            message.status = MessageStatus.sent
            message.sent_at = now
            # What was sent is gone from here: only who (by id), what kind and when stay.
            message.payload = {}
            message.last_error = ""
        elif not error:
            message.status = MessageStatus.dropped
            message.payload = {}
        else:
            message.attempts += 1
            message.last_error = scrub(error)
            if permanent or message.attempts >= max_attempts:
                message.status = MessageStatus.dead
            else:
                message.next_attempt_at = now + backoff(message.attempts)
        session.add(message)
        session.commit()
        # Read back from the database, the status is a plain string.
        return MessageStatus(message.status)


def deliver_due(
    *,
    sessions: SessionFactory,
    transport: Transport,
    settings: Settings,
    clock: Clock,
    limit: int = 50,
) -> Delivered:
    """One pass: claim due messages and send each; returns what happened."""
    done = Delivered()
    lease = timedelta(seconds=settings.delivery_lease_seconds)
    for _ in range(limit):
        # One at a time: a lease then only has to outlast one sending, whatever the batch.
        claimed = claim(sessions=sessions, now=clock.now(), lease=lease, limit=1)
        if not claimed:
            break
        (message_id,) = claimed
        mails, problem = _compose(sessions, settings, message_id, clock.now())
        if problem == "gone":
            continue
        attempts = settings.delivery_max_attempts
        if problem is not None:
            _finish(
                sessions,
                message_id,
                clock.now(),
                sent=False,
                error=problem,
                permanent=True,
                max_attempts=attempts,
            )
            done.dead += 1
            continue
        try:
            for mail in mails:
                transport.send(mail)
        except TransportError as exc:
            status = _finish(
                sessions,
                message_id,
                clock.now(),
                sent=False,
                error=str(exc),
                permanent=exc.permanent,
                max_attempts=attempts,
            )
            if status == MessageStatus.dead:
                done.dead += 1
                logger.warning("message dead", extra={"message_id": message_id, "error": str(exc)})
            else:
                done.retried += 1
            continue
        _finish(sessions, message_id, clock.now(), sent=bool(mails), max_attempts=attempts)
        if mails:
            done.sent += 1
        else:
            done.dropped += 1
    return done
