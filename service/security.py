"""Bearer tokens: generated with high entropy, shown once, stored as SHA-256 hashes.

A token is random enough (256 bits) that a fast hash is safe: there is no
password to brute-force, and a stolen table of hashes opens nothing.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from service.crud import audit
from service.models import ApiToken, Role, utcnow

TOKEN_PREFIX = "mm_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a coordinator, or the participant owning one profile."""

    role: Role
    token_id: int
    name: str = ""
    mentor_id: int | None = None
    mentee_id: int | None = None

    @property
    def is_coordinator(self) -> bool:
        return self.role is Role.coordinator

    @property
    def actor(self) -> audit.Actor:
        """How the audit log names this caller: a coordinator's token, a participant's id."""
        if self.is_coordinator:
            return audit.Actor(role=self.role.value, id=self.token_id, name=self.name)
        own_id = self.mentor_id if self.role is Role.mentor else self.mentee_id
        return audit.Actor(role=self.role.value, id=own_id)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def random_secret() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def issue_token(
    *,
    session: Session,
    role: Role,
    name: str = "",
    mentor_id: int | None = None,
    mentee_id: int | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token row and return it with the secret, which is never stored."""
    secret = TOKEN_PREFIX + random_secret()
    token = ApiToken(
        role=role,
        name=name,
        token_hash=hash_token(secret),
        prefix=secret[:10],
        mentor_id=mentor_id,
        mentee_id=mentee_id,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        action="token.issued",
        subject_type="api_token",
        subject_id=token.id,
        details={"role": role.value, "mentor_id": mentor_id, "mentee_id": mentee_id},
    )
    return token, secret


def revoke(*, session: Session, token: ApiToken) -> None:
    """Stop a token working at once; revoking it again changes nothing."""
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    session.add(token)
    audit.record(
        session,
        action="token.revoked",
        subject_type="api_token",
        subject_id=token.id,
        details={"role": token.role},
    )


def authenticate(*, session: Session, secret: str) -> Principal | None:
    """The principal a secret stands for, or None if it is unknown, expired or revoked."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    digest = hash_token(secret)
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == digest)).first()
    if token is None or token.id is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    if token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= utcnow():
        return None
    return Principal(
        role=Role(token.role),
        token_id=token.id,
        name=token.name,
        mentor_id=token.mentor_id,
        mentee_id=token.mentee_id,
    )


def replace_participant_token(
    *, session: Session, mentor_id: int | None = None, mentee_id: int | None = None
) -> str:
    """Revoke a participant's tokens and issue a new one; returns its secret."""
    owner = (
        ApiToken.mentor_id == mentor_id
        if mentor_id is not None
        else ApiToken.mentee_id == mentee_id
    )
    for token in session.exec(select(ApiToken).where(owner, col(ApiToken.revoked_at).is_(None))):
        revoke(session=session, token=token)
    role = Role.mentor if mentor_id is not None else Role.mentee
    _, secret = issue_token(session=session, role=role, mentor_id=mentor_id, mentee_id=mentee_id)
    return secret
