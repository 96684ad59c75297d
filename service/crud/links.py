"""Links sent by email: a random token in the link, only its hash in the database."""

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from service.errors import NotFound
from service.models import AccessLink, LinkPurpose
from service.security import hash_token, random_secret

LINK_PREFIX = "ml_"


def create(
    session: Session,
    *,
    purpose: LinkPurpose,
    now: datetime,
    valid_for: timedelta,
    mentor_id: int | None = None,
    mentee_id: int | None = None,
    pairing_id: int | None = None,
    email: str = "",
) -> str:
    """A new link's token (shown once, in the email); the database keeps its hash."""
    token = LINK_PREFIX + random_secret()
    session.add(
        AccessLink(
            token_hash=hash_token(token),
            purpose=purpose,
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            pairing_id=pairing_id,
            email=email,
            created_at=now,
            expires_at=now + valid_for,
        )
    )
    session.flush()
    return token


def find(session: Session, *, token: str, purpose: LinkPurpose, now: datetime) -> AccessLink:
    """The live link with this token; 404 alike for unknown, used, expired or wrong-purpose."""
    link = None
    if token.startswith(LINK_PREFIX) and len(token) <= 100:
        link = session.exec(
            select(AccessLink).where(col(AccessLink.token_hash) == hash_token(token))
        ).first()
    if (
        link is None
        or link.purpose != purpose
        or link.used_at is not None
        or link.expires_at <= now
    ):
        raise NotFound("this link is not valid: it may have expired or been used already")
    return link


def use(session: Session, *, link: AccessLink, now: datetime) -> None:
    """Spend a single-use link (sign-in, verification)."""
    link.used_at = now
    session.add(link)
    session.flush()
