"""The time-driven side of notifications, run by the worker on every pass.

Each pass looks at active pairings as of the clock's "now" and queues what is due:
the first check-in some days after the start, another while someone is "still
deciding", a nudge when nobody has answered for a long time, a reminder before the
planned end, the end itself when auto-end is on, and the coordinators' digest.
Every message has an idempotency key naming the event (``checkin:12:mentee:2``), so
a second pass, or a second worker, queues nothing twice.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from service.config import Settings
from service.crud import audit, outbox, pairings
from service.models import (
    CheckinAnswer,
    Fit,
    OutboxMessage,
    Pairing,
    PairingEnd,
    PairingStatus,
)

ROLES = ("mentee", "mentor")
AUTO_END_REASON = "The planned end date passed."
DIGEST_HOUR = 7
_CHUNK = 2000


@dataclass
class Queued:
    """What one pass queued (or did), by kind."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@dataclass(frozen=True)
class _Due:
    kind: str
    key: str
    role: str
    pairing: Pairing
    payload: dict[str, object]


def _taken(session: Session, keys: Iterable[str]) -> set[str]:
    wanted = list(keys)
    taken: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        taken.update(
            session.exec(
                select(OutboxMessage.idempotency_key).where(
                    col(OutboxMessage.idempotency_key).in_(chunk)
                )
            ).all()
        )
    return taken


def _answers(
    session: Session, pairing_ids: list[int]
) -> dict[tuple[int, str], list[CheckinAnswer]]:
    found: dict[tuple[int, str], list[CheckinAnswer]] = defaultdict(list)
    for start in range(0, len(pairing_ids), _CHUNK):
        chunk = pairing_ids[start : start + _CHUNK]
        rows = session.exec(
            select(CheckinAnswer)
            .where(col(CheckinAnswer.pairing_id).in_(chunk))
            .order_by(col(CheckinAnswer.answered_at))
        )
        for answer in rows:
            assert answer.pairing_id is not None
            found[(answer.pairing_id, answer.role)].append(answer)
    return found


def _person_ids(pairing: Pairing, role: str) -> dict[str, int | None]:
    if role == "mentee":
        return {"mentee_id": pairing.mentee_id}
    return {"mentor_id": pairing.mentor_id}


def _days(since: date, today: date) -> int:
    return (today - since).days


def _pairing_events(
    settings: Settings, pairing: Pairing, answers: list[CheckinAnswer], role: str, today: date
) -> list[_Due]:
    due: list[_Due] = []
    started = pairing.started_on
    if _days(started, today) >= settings.checkin_after_days:
        if not answers:
            due.append(_Due("checkin", f"checkin:{pairing.id}:{role}:1", role, pairing, {}))
        elif (
            answers[-1].fit == Fit.still_deciding
            and _days(answers[-1].answered_at.date(), today) >= settings.checkin_repeat_days
        ):
            number = len(answers) + 1
            due.append(
                _Due(
                    "checkin",
                    f"checkin:{pairing.id}:{role}:{number}",
                    role,
                    pairing,
                    {"again": True},
                )
            )
    last_heard = answers[-1].answered_at.date() if answers else started
    silent = _days(last_heard, today)
    if silent >= settings.nudge_after_days:
        period = silent // settings.nudge_after_days
        key = f"nudge:{pairing.id}:{role}:{last_heard.isoformat()}:{period}"
        due.append(_Due("nudge", key, role, pairing, {}))
    planned = pairing.planned_end_on
    if planned is not None and 0 <= _days(today, planned) <= settings.end_reminder_days:
        key = f"end_reminder:{pairing.id}:{role}:{planned.isoformat()}"
        due.append(_Due("end_reminder", key, role, pairing, {}))
    return due


def _auto_end(session: Session, settings: Settings, today: date, done: Queued) -> None:
    if not settings.auto_end:
        return
    overdue = session.exec(
        select(Pairing).where(
            col(Pairing.status) == PairingStatus.active, col(Pairing.planned_end_on) < today
        )
    ).all()
    for pairing in overdue:
        assert pairing.planned_end_on is not None
        pairings.end(
            session=session,
            pairing=pairing,
            data=PairingEnd(
                status=PairingStatus.completed,
                ended_on=pairing.planned_end_on,
                reason=AUTO_END_REASON,
            ),
        )
        done.counts["auto_end"] += 1


def _digest(session: Session, settings: Settings, now: datetime, done: Queued) -> None:
    if settings.digest == "off" or not settings.coordinator_emails or now.hour < DIGEST_HOUR:
        return
    if settings.digest == "weekly":
        year, week, _ = now.isocalendar()
        period = f"{year}-W{week:02d}"
    else:
        period = now.date().isoformat()
    if outbox.enqueue(session, kind="digest", key=f"digest:{period}", role="coordinator", at=now):
        done.counts["digest"] += 1


def run(*, session: Session, settings: Settings, now: datetime) -> Queued:
    """Queue everything due as of ``now`` (in the caller's transaction)."""
    audit.act_as(session, audit.SYSTEM)
    done = Queued()
    today = now.date()
    _auto_end(session, settings, today, done)
    active = session.exec(
        select(Pairing).where(col(Pairing.status) == PairingStatus.active).order_by(col(Pairing.id))
    ).all()
    answers = _answers(session, [p.id for p in active if p.id is not None])
    due = [
        event
        for pairing in active
        for role in ROLES
        for event in _pairing_events(
            settings, pairing, answers[(pairing.id or 0, role)], role, today
        )
    ]
    taken = _taken(session, (event.key for event in due))
    for event in due:
        if event.key in taken:
            continue
        queued = outbox.enqueue(
            session,
            kind=event.kind,
            key=event.key,
            role=event.role,
            pairing_id=event.pairing.id,
            payload=event.payload,
            at=now,
            **_person_ids(event.pairing, event.role),
        )
        if queued:
            done.counts[event.kind] += 1
    _digest(session, settings, now, done)
    return done
