"""Profiles can be erased: the row stays, anonymous, with the time of erasure.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 04:10:44.098734
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mentee", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("mentor", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mentor", schema=None) as batch_op:
        batch_op.drop_column("erased_at")

    with op.batch_alter_table("mentee", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
