"""Participants on the web: sessions opened by emailed links, consent to the privacy notice.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("mentor", "mentee"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "participant_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=True),
        sa.Column("mentee_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mentee_id"],
            ["mentee.id"],
            name=op.f("fk_participant_session_mentee_id_mentee"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["mentor.id"],
            name=op.f("fk_participant_session_mentor_id_mentor"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_session")),
        sa.UniqueConstraint("session_hash", name=op.f("uq_participant_session_session_hash")),
    )
    with op.batch_alter_table("participant_session", schema=None) as batch_op:
        for column in ("expires_at", "mentee_id", "mentor_id"):
            batch_op.create_index(
                batch_op.f(f"ix_participant_session_{column}"), [column], unique=False
            )


def downgrade() -> None:
    op.drop_table("participant_session")
    for table in ("mentor", "mentee"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("consent_at")
