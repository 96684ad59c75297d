"""Console sessions: a coordinator signs in with their token; the browser keeps a random id.

Only a hash of the id is stored, so a leaked database opens no session. A session
ends when the coordinator signs out, when it has been idle or open too long, and
at once when the token it came from is revoked or expires: every request checks
the token along with the session.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlmodel import Session, col, select

from service.config import Settings
from service.models import ApiToken, ConsoleSession, Role
from service.security import hash_token

# last_seen_at is written at most this often, so that reading pages is not a write each time.
TOUCH_INTERVAL = timedelta(minutes=1)
MAX_SECRET_LENGTH = 100


@dataclass(frozen=True)
class Limits:
    """How long a session may sit unused, and how long it may last at all."""

    idle: timedelta
    absolute: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> "Limits":
        return cls(
            idle=timedelta(minutes=settings.console_idle_minutes),
            absolute=timedelta(hours=settings.console_session_hours),
        )


@dataclass(frozen=True)
class SignedIn:
    """The coordinator behind a live console session."""

    session_id: int
    token_id: int
    name: str
    secret: str = field(repr=False)

    def sign(self, purpose: str, value: str) -> str:
        """A MAC of ``value`` for ``purpose``, keyed by this session's secret id."""
        message = f"{purpose}\x00{value}".encode()
        return hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest()

    @property
    def csrf_token(self) -> str:
        """The token every form of this session carries; a forged form cannot know it."""
        return self.sign("csrf", "")


def start(*, session: Session, token_id: int, limits: Limits, now: datetime) -> str:
    """Open a session for a coordinator's token; returns the secret id for the cookie."""
    secret = secrets.token_urlsafe(32)
    session.add(
        ConsoleSession(
            session_hash=hash_token(secret),
            api_token_id=token_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + limits.absolute,
        )
    )
    session.flush()
    return secret


def _alive(console_session: ConsoleSession, token: ApiToken, limits: Limits, now: datetime) -> bool:
    token_valid = (
        token.role == Role.coordinator.value
        and token.revoked_at is None
        and (token.expires_at is None or token.expires_at > now)
    )
    return (
        token_valid
        and console_session.expires_at > now
        and now - console_session.last_seen_at < limits.idle
    )


def find(*, session: Session, secret: str, limits: Limits, now: datetime) -> SignedIn | None:
    """The live session with this secret id, marked as seen; None if there is none."""
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return None
    digest = hash_token(secret)
    row = session.exec(
        select(ConsoleSession, ApiToken)
        .join(ApiToken, col(ApiToken.id) == col(ConsoleSession.api_token_id))
        .where(ConsoleSession.session_hash == digest)
    ).first()
    if row is None:
        return None
    console_session, token = row
    if not hmac.compare_digest(console_session.session_hash, digest):
        return None
    if console_session.id is None or token.id is None:
        return None
    if not _alive(console_session, token, limits, now):
        return None
    if now - console_session.last_seen_at >= TOUCH_INTERVAL:
        console_session.last_seen_at = now
        session.add(console_session)
    return SignedIn(
        session_id=console_session.id, token_id=token.id, name=token.name, secret=secret
    )


def end(*, session: Session, secret: str) -> None:
    """Delete the session with this secret id, if there is one."""
    if secret and len(secret) <= MAX_SECRET_LENGTH:
        session.execute(
            delete(ConsoleSession).where(col(ConsoleSession.session_hash) == hash_token(secret))
        )


def prune(*, session: Session, limits: Limits, now: datetime) -> None:
    """Delete every session that can no longer be used, so that only live ones are kept."""
    dead_tokens = select(ApiToken.id).where(
        or_(
            col(ApiToken.revoked_at).is_not(None),
            col(ApiToken.expires_at) <= now,
        )
    )
    session.execute(
        delete(ConsoleSession).where(
            or_(
                col(ConsoleSession.expires_at) <= now,
                col(ConsoleSession.last_seen_at) <= now - limits.idle,
                col(ConsoleSession.api_token_id).in_(dead_tokens),
            )
        )
    )
