"""Console sessions: a coordinator signed in to the console with their token.

The browser holds a random session id in a cookie; the table keeps only its
hash, so a leaked database opens no session. A session lives as long as the
token it came from is valid, and no longer than its idle and absolute limits.
"""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from service.models.base import UTCDateTime, utcnow


class ConsoleSession(SQLModel, table=True):
    __tablename__ = "console_session"

    id: int | None = Field(default=None, primary_key=True)
    session_hash: str = Field(max_length=64, unique=True)
    api_token_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("api_token.id", ondelete="CASCADE"), index=True, nullable=False
        ),
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
