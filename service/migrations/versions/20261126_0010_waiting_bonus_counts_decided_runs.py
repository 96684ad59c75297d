"""Runs can be marked final; bonuses recorded; manual pairings record an override.

Waiting bonus: a run can be marked final, and its proposals and unmatched mentees
record their bonus. A manual pairing made despite a soft conflict records why.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 14:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("match_run") as batch:
        batch.add_column(
            sa.Column("final", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column(
                "mentees_with_waiting_bonus", sa.Integer(), nullable=False, server_default="0"
            )
        )
    with op.batch_alter_table("proposal") as batch:
        batch.add_column(sa.Column("waiting_bonus", sa.Float(), nullable=False, server_default="0"))
    with op.batch_alter_table("unmatched_mentee") as batch:
        batch.add_column(sa.Column("waiting_bonus", sa.Float(), nullable=False, server_default="0"))

    with op.batch_alter_table("pairing") as batch:
        batch.add_column(
            sa.Column("override_reason", sa.String(length=500), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("pairing") as batch:
        batch.drop_column("override_reason")
    with op.batch_alter_table("unmatched_mentee") as batch:
        batch.drop_column("waiting_bonus")
    with op.batch_alter_table("proposal") as batch:
        batch.drop_column("waiting_bonus")
    with op.batch_alter_table("match_run") as batch:
        batch.drop_column("mentees_with_waiting_bonus")
        batch.drop_column("final")
