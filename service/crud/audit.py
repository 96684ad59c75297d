"""Recording and reading the audit log.

Who acts is set once per request (or CLI command) on the session, by whoever
authenticated the caller (`act_as`); data functions then `record` what they did
without being told again. A session nobody set acts as ``anonymous``.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from service.models import AuditEvent, AuditEventPublic, utcnow

_ACTOR = "mentormatch.actor"


@dataclass(frozen=True)
class Actor:
    role: str
    id: int | None = None
    name: str = ""


ANONYMOUS = Actor(role="anonymous")
SYSTEM = Actor(role="system")


def act_as(session: Session, actor: Actor) -> None:
    """Who the session's changes are recorded as made by, until it is set again."""
    session.info[_ACTOR] = actor


def _event(
    actor: Actor, action: str, subject_type: str, subject_id: int | None, details: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "at": utcnow(),
        "actor_role": actor.role,
        "actor_id": actor.id,
        "actor_name": actor.name,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "details": dict(details),
    }


def record(
    session: Session,
    *,
    action: str,
    subject_type: str,
    subject_id: int | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Add one event, made by the session's actor, to the log (written with the request)."""
    actor = session.info.get(_ACTOR, ANONYMOUS)
    session.add(AuditEvent(**_event(actor, action, subject_type, subject_id, details or {})))


def record_many(
    session: Session,
    *,
    action: str,
    subject_type: str,
    events: Iterable[tuple[int | None, Mapping[str, Any]]],
) -> None:
    """Add one event per ``(subject id, details)``, in a single bulk insert."""
    actor = session.info.get(_ACTOR, ANONYMOUS)
    rows = [_event(actor, action, subject_type, subject, details) for subject, details in events]
    if rows:
        session.execute(insert(AuditEvent), rows)


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The names (never the values) of the fields that differ."""
    return sorted(key for key in after if before.get(key) != after[key])


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    actor_role: str | None = None
    subject_type: str | None = None
    subject_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.action is not None:
            # "pairing" finds every pairing action; "pairing.ended" only that one.
            conditions.append(col(AuditEvent.action).startswith(self.action, autoescape=True))
        if self.actor_role is not None:
            conditions.append(col(AuditEvent.actor_role) == self.actor_role)
        if self.subject_type is not None:
            conditions.append(col(AuditEvent.subject_type) == self.subject_type)
        if self.subject_id is not None:
            conditions.append(col(AuditEvent.subject_id) == self.subject_id)
        if self.since is not None:
            conditions.append(col(AuditEvent.at) >= self.since)
        if self.until is not None:
            conditions.append(col(AuditEvent.at) < self.until)
        return conditions


def list_page(
    *, session: Session, where: AuditFilter, limit: int, offset: int
) -> tuple[list[AuditEventPublic], int]:
    """Newest first."""
    conditions = where.conditions()
    count = session.exec(select(func.count()).select_from(AuditEvent).where(*conditions)).one()
    rows = session.exec(
        select(AuditEvent)
        .where(*conditions)
        .order_by(col(AuditEvent.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return [AuditEventPublic.model_validate(row) for row in rows], count


def list_all(*, session: Session, where: AuditFilter) -> Sequence[AuditEvent]:
    """Every event the filter selects, oldest first (for an export)."""
    return session.exec(
        select(AuditEvent).where(*where.conditions()).order_by(col(AuditEvent.id))
    ).all()
