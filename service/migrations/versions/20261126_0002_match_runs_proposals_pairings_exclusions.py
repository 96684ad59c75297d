"""Match runs with their proposals and unmatched mentees, pairings, exclusions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 03:52:31.566646
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "match_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("triggered_by", sa.String(length=100), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("solver", sa.String(length=16), nullable=False),
        sa.Column("mentees_considered", sa.Integer(), nullable=False),
        sa.Column("mentors_considered", sa.Integer(), nullable=False),
        sa.Column("matched_count", sa.Integer(), nullable=False),
        sa.Column("unmatched_count", sa.Integer(), nullable=False),
        sa.Column("total_score", sa.Float(), nullable=False),
        sa.Column("mean_score", sa.Float(), nullable=False),
        sa.Column("greedy_matched_count", sa.Integer(), nullable=False),
        sa.Column("greedy_total_score", sa.Float(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_run")),
    )
    op.create_table(
        "exclusion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=True),
        sa.Column("mentor_id", sa.Integer(), nullable=True),
        sa.Column("mentee_email", sa.String(length=254), nullable=True),
        sa.Column("mentor_email", sa.String(length=254), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(mentee_id IS NOT NULL OR mentee_email IS NOT NULL)"
            " AND (mentor_id IS NOT NULL OR mentor_email IS NOT NULL)",
            name=op.f("ck_exclusion_both_sides_named"),
        ),
        sa.ForeignKeyConstraint(
            ["mentee_id"],
            ["mentee.id"],
            name=op.f("fk_exclusion_mentee_id_mentee"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["mentor.id"],
            name=op.f("fk_exclusion_mentor_id_mentor"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exclusion")),
    )
    with op.batch_alter_table("exclusion", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exclusion_mentee_email"), ["mentee_email"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_exclusion_mentee_id"), ["mentee_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_exclusion_mentor_email"), ["mentor_email"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_exclusion_mentor_id"), ["mentor_id"], unique=False)

    op.create_table(
        "proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_run_id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("runner_up_mentor_id", sa.Integer(), nullable=True),
        sa.Column("runner_up_score", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_run_id"],
            ["match_run.id"],
            name=op.f("fk_proposal_match_run_id_match_run"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentee_id"],
            ["mentee.id"],
            name=op.f("fk_proposal_mentee_id_mentee"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["mentor.id"],
            name=op.f("fk_proposal_mentor_id_mentor"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["runner_up_mentor_id"],
            ["mentor.id"],
            name=op.f("fk_proposal_runner_up_mentor_id_mentor"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal")),
    )
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proposal_match_run_id"), ["match_run_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_proposal_mentee_id"), ["mentee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposal_mentor_id"), ["mentor_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_proposal_runner_up_mentor_id"), ["runner_up_mentor_id"], unique=False
        )

    op.create_table(
        "unmatched_mentee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_run_id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column("reason_code", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_run_id"],
            ["match_run.id"],
            name=op.f("fk_unmatched_mentee_match_run_id_match_run"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentee_id"],
            ["mentee.id"],
            name=op.f("fk_unmatched_mentee_mentee_id_mentee"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unmatched_mentee")),
    )
    with op.batch_alter_table("unmatched_mentee", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_unmatched_mentee_match_run_id"), ["match_run_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_unmatched_mentee_mentee_id"), ["mentee_id"], unique=False
        )

    op.create_table(
        "pairing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("planned_end_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=500), nullable=False),
        sa.Column("mentee_fit", sa.String(length=16), nullable=True),
        sa.Column("mentor_fit", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mentee_id"],
            ["mentee.id"],
            name=op.f("fk_pairing_mentee_id_mentee"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["mentor.id"],
            name=op.f("fk_pairing_mentor_id_mentor"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposal.id"],
            name=op.f("fk_pairing_proposal_id_proposal"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairing")),
    )
    with op.batch_alter_table("pairing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pairing_mentee_id"), ["mentee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pairing_mentor_id"), ["mentor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pairing_status"), ["status"], unique=False)
        batch_op.create_index(
            "uq_pairing_active_mentee",
            ["mentee_id"],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("pairing", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_pairing_active_mentee",
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )
        batch_op.drop_index(batch_op.f("ix_pairing_status"))
        batch_op.drop_index(batch_op.f("ix_pairing_mentor_id"))
        batch_op.drop_index(batch_op.f("ix_pairing_mentee_id"))

    op.drop_table("pairing")
    with op.batch_alter_table("unmatched_mentee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unmatched_mentee_mentee_id"))
        batch_op.drop_index(batch_op.f("ix_unmatched_mentee_match_run_id"))

    op.drop_table("unmatched_mentee")
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_runner_up_mentor_id"))
        batch_op.drop_index(batch_op.f("ix_proposal_mentor_id"))
        batch_op.drop_index(batch_op.f("ix_proposal_mentee_id"))
        batch_op.drop_index(batch_op.f("ix_proposal_match_run_id"))

    op.drop_table("proposal")
    with op.batch_alter_table("exclusion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exclusion_mentor_id"))
        batch_op.drop_index(batch_op.f("ix_exclusion_mentor_email"))
        batch_op.drop_index(batch_op.f("ix_exclusion_mentee_id"))
        batch_op.drop_index(batch_op.f("ix_exclusion_mentee_email"))

    op.drop_table("exclusion")
    op.drop_table("match_run")
