"""Exclusions record who declared them, so that a data export shows only one's own.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 04:30:54.817741
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("exclusion", schema=None) as batch_op:
        # Exclusions made before this revision were all a coordinator's or a decision's.
        batch_op.add_column(
            sa.Column(
                "declared_by", sa.String(length=16), nullable=False, server_default="coordinator"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("exclusion", schema=None) as batch_op:
        batch_op.drop_column("declared_by")
