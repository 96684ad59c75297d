"""Turning an outbox row into mail, from the data as it is when the mail is sent.

Subjects say what a message is about, never who it names, so that a subject is
never personal data. Links in messages go to ``Settings.public_url``; the
check-in and survey links let a person answer without signing in.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import func
from sqlmodel import Session, col, select

from service.config import Settings
from service.crud import links
from service.models import (
    LinkPurpose,
    Mentee,
    MenteeStatus,
    Mentor,
    MentorStatus,
    MessageStatus,
    OutboxMessage,
    Pairing,
    PairingStatus,
    Proposal,
)
from service.notifications.transports import Mail

SUBJECTS = {
    "introduction": "Your mentoring pairing has started",
    "checkin": "How is your mentoring going?",
    "nudge": "How is your mentoring going?",
    "end_reminder": "Your mentoring pairing ends soon",
    "end_survey": "Your mentoring pairing has ended: three quick questions",
    "not_a_fit_alert": "A pairing may not be working",
    "digest": "Mentoring scheme: what needs you today",
    "verify_email": "Confirm your email address",
    "already_registered": "Someone tried to register with your email address",
    "sign_in": "Your sign-in link",
}
KINDS = tuple(SUBJECTS)
ANSWER_LINK_DAYS = 60
VERIFY_LINK_HOURS = 48
SIGN_IN_LINK_MINUTES = 20

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


class Undeliverable(Exception):
    """The message cannot be sent as things are (say, no coordinator address configured)."""


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str


def render(kind: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Subject, plain text and HTML of one message."""
    subject = SUBJECTS[kind]
    text = _templates.get_template(f"{kind}.txt").render(context)
    html = _templates.get_template(f"{kind}.html").render({**context, "subject": subject})
    return subject, text, html


def _person(session: Session, message: OutboxMessage) -> Mentor | Mentee | None:
    if message.recipient_role == "mentor" and message.mentor_id is not None:
        person: Mentor | Mentee | None = session.get(Mentor, message.mentor_id)
    elif message.recipient_role == "mentee" and message.mentee_id is not None:
        person = session.get(Mentee, message.mentee_id)
    else:
        return None
    if person is None or person.erased_at is not None:
        return None
    return person


def _pairing_context(
    session: Session, message: OutboxMessage, me: Mentor | Mentee
) -> tuple[Pairing, dict[str, Any]]:
    pairing = session.get(Pairing, message.pairing_id)
    if pairing is None:
        raise LookupError("the pairing is gone")
    if message.recipient_role == "mentee":
        partner: Mentor | Mentee | None = session.get(Mentor, pairing.mentor_id)
    else:
        partner = session.get(Mentee, pairing.mentee_id)
    if partner is None or partner.erased_at is not None:
        raise LookupError("the partner is gone")
    context = {
        "role": message.recipient_role,
        "me": me,
        "partner": partner,
        "pairing": pairing,
    }
    return pairing, context


def _answer_link(
    session: Session,
    settings: Settings,
    message: OutboxMessage,
    purpose: LinkPurpose,
    now: datetime,
) -> str:
    token = links.create(
        session,
        purpose=purpose,
        now=now,
        valid_for=timedelta(days=ANSWER_LINK_DAYS),
        mentor_id=message.mentor_id,
        mentee_id=message.mentee_id,
        pairing_id=message.pairing_id,
    )
    return f"{settings.public_url}/respond/{purpose.value}/{token}"


def _introduction(
    session: Session, settings: Settings, message: OutboxMessage, me: Any, now: datetime
) -> dict[str, Any]:
    pairing, context = _pairing_context(session, message, me)
    proposal = session.get(Proposal, pairing.proposal_id) if pairing.proposal_id else None
    context["reason"] = (
        proposal.reason[:1].upper() + proposal.reason[1:]
        if proposal is not None and proposal.reason
        else "the programme team paired you by hand."
    )
    context["pairings_url"] = f"{settings.public_url}/my/pairings"
    return context


def _checkin(
    session: Session, settings: Settings, message: OutboxMessage, me: Any, now: datetime
) -> dict[str, Any]:
    _, context = _pairing_context(session, message, me)
    context["again"] = bool(message.payload.get("again"))
    context["link"] = _answer_link(session, settings, message, LinkPurpose.checkin, now)
    return context


def _end_reminder(
    session: Session, settings: Settings, message: OutboxMessage, me: Any, now: datetime
) -> dict[str, Any]:
    pairing, context = _pairing_context(session, message, me)
    planned = pairing.planned_end_on
    context["planned_end"] = f"{planned:%-d %B %Y}" if planned else "its planned date"
    return context


def _end_survey(
    session: Session, settings: Settings, message: OutboxMessage, me: Any, now: datetime
) -> dict[str, Any]:
    _, context = _pairing_context(session, message, me)
    context["link"] = _answer_link(session, settings, message, LinkPurpose.survey, now)
    return context


def _verify_email(
    session: Session, settings: Settings, message: OutboxMessage, me: Any, now: datetime
) -> dict[str, Any]:
    token = links.create(
        session,
        purpose=LinkPurpose.verify_email,
        now=now,
        valid_for=timedelta(hours=VERIFY_LINK_HOURS),
        mentor_id=message.mentor_id,
        mentee_id=message.mentee_id,
        email=str(message.payload["email"]),
    )
    return {
        "name": me.name,
        "link": f"{settings.public_url}/verify/{token}",
        "hours": VERIFY_LINK_HOURS,
    }


def _already_registered(
    session: Session, settings: Settings, message: OutboxMessage, me: Any, now: datetime
) -> dict[str, Any]:
    return {"name": me.name, "link": f"{settings.public_url}/sign-in"}


def _sign_in(
    session: Session, settings: Settings, message: OutboxMessage, me: Any, now: datetime
) -> dict[str, Any]:
    token = links.create(
        session,
        purpose=LinkPurpose.sign_in,
        now=now,
        valid_for=timedelta(minutes=SIGN_IN_LINK_MINUTES),
        mentor_id=message.mentor_id,
        mentee_id=message.mentee_id,
    )
    return {
        "name": me.name,
        "link": f"{settings.public_url}/sign-in/{token}",
        "minutes": SIGN_IN_LINK_MINUTES,
    }


_PERSONAL: dict[
    str, Callable[[Session, Settings, OutboxMessage, Any, datetime], dict[str, Any]]
] = {
    "introduction": _introduction,
    "checkin": _checkin,
    "nudge": _checkin,
    "end_reminder": _end_reminder,
    "end_survey": _end_survey,
    "verify_email": _verify_email,
    "already_registered": _already_registered,
    "sign_in": _sign_in,
}


def _not_a_fit_alert(
    session: Session, settings: Settings, message: OutboxMessage, now: datetime
) -> dict[str, Any]:
    pairing = session.get(Pairing, message.pairing_id)
    if pairing is None:
        raise LookupError("the pairing is gone")
    mentee = session.get(Mentee, pairing.mentee_id)
    mentor = session.get(Mentor, pairing.mentor_id)
    by = message.payload.get("by", "a participant")
    return {
        "answered_by": {"mentee": "The mentee", "mentor": "The mentor"}.get(by, "A participant"),
        "mentee": mentee,
        "mentor": mentor,
        "link": f"{settings.public_url}/console/pairings/{pairing.id}",
    }


def _count(session: Session, query: Any) -> int:
    return int(session.exec(query).one())


def _digest(
    session: Session, settings: Settings, message: OutboxMessage, now: datetime
) -> dict[str, Any]:
    today = now.date()
    ending_by = today + timedelta(days=settings.end_reminder_days)
    active = col(Pairing.status) == PairingStatus.active
    return {
        "not_a_fit": _count(
            session,
            select(func.count())
            .select_from(Pairing)
            .where(
                active,
                (col(Pairing.mentee_fit) == "not_a_fit") | (col(Pairing.mentor_fit) == "not_a_fit"),
            ),
        ),
        "pending": _pending_registrations(session),
        "ending": _count(
            session,
            select(func.count())
            .select_from(Pairing)
            .where(active, col(Pairing.planned_end_on) <= ending_by),
        ),
        "end_days": settings.end_reminder_days,
        "dead": _count(
            session,
            select(func.count())
            .select_from(OutboxMessage)
            .where(col(OutboxMessage.status) == MessageStatus.dead),
        ),
        "link": f"{settings.public_url}/console",
    }


def _pending_registrations(session: Session) -> int:
    return _count(
        session,
        select(func.count()).select_from(Mentor).where(col(Mentor.status) == MentorStatus.pending),
    ) + _count(
        session,
        select(func.count()).select_from(Mentee).where(col(Mentee.status) == MenteeStatus.pending),
    )


_COORDINATORS: dict[str, Callable[[Session, Settings, OutboxMessage, datetime], dict[str, Any]]] = {
    "not_a_fit_alert": _not_a_fit_alert,
    "digest": _digest,
}


def compose(
    session: Session, settings: Settings, message: OutboxMessage, now: datetime
) -> list[Mail]:
    """The mail(s) of one outbox row; none when its person or pairing is gone.

    Raises `Undeliverable` when the message cannot be sent as things are configured.
    """
    message_id = f"<{message.idempotency_key.replace(':', '.')}@mentormatch>"
    if message.recipient_role == "coordinator":
        if not settings.coordinator_emails:
            raise Undeliverable("no coordinator address: set MENTORMATCH_COORDINATOR_EMAILS")
        try:
            context = _COORDINATORS[message.kind](session, settings, message, now)
        except LookupError:
            return []
        subject, text, html = render(message.kind, context)
        return [
            Mail(
                to=address,
                subject=subject,
                text=text,
                html=html,
                message_id=message_id,
                kind=message.kind,
            )
            for address in settings.coordinator_emails
        ]
    person = _person(session, message)
    if person is None:
        return []
    try:
        context = _PERSONAL[message.kind](session, settings, message, person, now)
    except LookupError:
        return []
    subject, text, html = render(message.kind, context)
    to = str(message.payload.get("email") or person.email)
    return [
        Mail(to=to, subject=subject, text=text, html=html, message_id=message_id, kind=message.kind)
    ]
