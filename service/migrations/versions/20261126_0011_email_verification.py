"""Email verification: when each profile's address was confirmed.

Profiles that exist already were entered by coordinators or registered before
verification existed; they are taken as confirmed when they were created.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("mentor", "mentee")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True)
            )
        op.execute(sa.text(f"UPDATE {table} SET email_verified_at = created_at"))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("email_verified_at")
