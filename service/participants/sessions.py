"""Participant sessions: opened by an emailed sign-in link, held by a cookie on /my pages.

The cookie holds a random id; the database keeps its hash. A session ends on sign-out,
after the console's idle and absolute limits, and at once when its person is erased.
Every form of a session carries a CSRF token derived from the id.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy import delete, or_
from sqlmodel import Session, col, select

from service.api.deps import ClockDep, SessionDep, SettingsDep
from service.console.auth import CSRF_FIELD, FormRefused, refuse_foreign_origin, text_fields
from service.console.sessions import MAX_SECRET_LENGTH, TOUCH_INTERVAL, Limits
from service.crud import audit
from service.models import Mentee, Mentor, ParticipantSession, Role
from service.security import Principal, hash_token

COOKIE_NAME = "mentormatch_participant"
COOKIE_PATH = "/my"
HOME = "/my"
SIGN_IN = "/sign-in"


class ParticipantSignInRequired(Exception):
    """No live participant session: the browser is sent to ask for a sign-in link."""


@dataclass(frozen=True)
class Participant:
    """The mentor or mentee behind a live session."""

    person: Mentor | Mentee
    secret: str = field(repr=False)

    @property
    def role(self) -> str:
        return "mentor" if isinstance(self.person, Mentor) else "mentee"

    @property
    def principal(self) -> Principal:
        """The participant as the data functions know callers (a session, not a token)."""
        if isinstance(self.person, Mentor):
            return Principal(role=Role.mentor, token_id=0, mentor_id=self.person.id)
        return Principal(role=Role.mentee, token_id=0, mentee_id=self.person.id)

    @property
    def csrf_token(self) -> str:
        message = b"csrf\x00participant"
        return hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest()


def start(*, session: Session, person: Mentor | Mentee, limits: Limits, now: datetime) -> str:
    """Open a session for ``person``; returns the secret id for the cookie."""
    secret = secrets.token_urlsafe(32)
    is_mentor = isinstance(person, Mentor)
    session.add(
        ParticipantSession(
            session_hash=hash_token(secret),
            mentor_id=person.id if is_mentor else None,
            mentee_id=None if is_mentor else person.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + limits.absolute,
        )
    )
    # Dead sessions are removed as new ones open, so only live ones are kept.
    session.execute(
        delete(ParticipantSession).where(
            or_(
                col(ParticipantSession.expires_at) <= now,
                col(ParticipantSession.last_seen_at) <= now - limits.idle,
            )
        )
    )
    session.flush()
    return secret


def find(*, session: Session, secret: str, limits: Limits, now: datetime) -> Participant | None:
    """The live session with this secret id, marked as seen; None if there is none."""
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return None
    row = session.exec(
        select(ParticipantSession).where(col(ParticipantSession.session_hash) == hash_token(secret))
    ).first()
    if row is None or row.expires_at <= now or now - row.last_seen_at >= limits.idle:
        return None
    person: Mentor | Mentee | None = (
        session.get(Mentor, row.mentor_id)
        if row.mentor_id is not None
        else session.get(Mentee, row.mentee_id)
    )
    if person is None or person.erased_at is not None:
        return None
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        row.last_seen_at = now
        session.add(row)
    return Participant(person=person, secret=secret)


def end(*, session: Session, secret: str) -> None:
    if secret and len(secret) <= MAX_SECRET_LENGTH:
        session.execute(
            delete(ParticipantSession).where(
                col(ParticipantSession.session_hash) == hash_token(secret)
            )
        )


def set_cookie(response: Response, request: Request, secret: str) -> None:
    response.set_cookie(
        COOKIE_NAME,
        secret,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def clear_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        COOKIE_NAME,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def require_participant(
    request: Request, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> Participant:
    found = find(
        session=session,
        secret=request.cookies.get(COOKIE_NAME, ""),
        limits=Limits.from_settings(settings),
        now=clock.now(),
    )
    if found is None:
        raise ParticipantSignInRequired()
    audit.act_as(session, found.principal.actor)
    return found


ParticipantDep = Annotated[Participant, Depends(require_participant)]


@dataclass(frozen=True)
class ParticipantForm:
    participant: Participant
    values: dict[str, str]


async def participant_form(request: Request, participant: ParticipantDep) -> ParticipantForm:
    """A form posted by the signed-in participant, its CSRF token checked and removed."""
    refuse_foreign_origin(request)
    values = await text_fields(request)
    token = values.pop(CSRF_FIELD, "")
    if not hmac.compare_digest(token.encode(), participant.csrf_token.encode()):
        raise FormRefused("the form's CSRF token is missing or wrong")
    return ParticipantForm(participant=participant, values=values)


ParticipantFormDep = Annotated[ParticipantForm, Depends(participant_form)]
