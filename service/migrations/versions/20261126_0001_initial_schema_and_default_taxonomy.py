"""Initial schema: taxonomy, mentors, mentees, tokens; seeds the default taxonomy.

The seed lists are written out here rather than imported from the application so
that this revision keeps producing the same database whatever the code becomes.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SECTORS = {
    ("health", "Health"): [
        ("community_health", "Community health services"),
        ("primary_care", "Primary care"),
        ("mental_health", "Mental health"),
        ("public_health", "Public health and wellbeing"),
        ("hospice_end_of_life", "Hospice and end-of-life care"),
    ],
    ("social_care", "Social care"): [
        ("adult_social_care", "Adult social care"),
        ("home_care", "Home care"),
        ("learning_disability_autism", "Learning disability and autism"),
        ("childrens_services", "Children's services and social care"),
    ],
    ("community_services", "Community services"): [
        ("youth_services", "Youth services"),
        ("education_support", "Education and school support"),
        ("employment_skills", "Employment and skills"),
        ("housing", "Housing"),
        ("libraries", "Libraries"),
        ("culture_arts", "Culture and arts"),
        ("sport_leisure", "Sport and leisure"),
        ("fire_community_safety", "Fire and community safety"),
        ("environment_green_space", "Environment and green space"),
        ("back_office", "Back-office services"),
    ],
}

SKILLS = {
    ("governance_ownership", "Governance and ownership"): [
        ("governance_boards", "Governance and boards"),
        ("legal_structure", "Legal structure"),
        ("staff_engagement", "Staff engagement and ownership"),
        ("community_ownership", "Community ownership"),
    ],
    ("finance", "Finance"): [
        ("financial_planning", "Financial planning"),
        ("access_to_finance", "Access to finance and investment"),
        ("pensions", "Pensions"),
        ("tax_vat", "Tax and VAT"),
    ],
    ("commercial", "Commercial"): [
        ("business_planning", "Business planning and options appraisal"),
        ("bid_writing", "Bid writing and tendering"),
        ("contract_negotiation", "Contract negotiation"),
        ("commissioner_relations", "Commissioner and parent-body relations"),
        ("partnerships_mergers", "Partnerships and mergers"),
        ("pricing", "Pricing"),
        ("innovation_growth", "Innovation and growth"),
    ],
    ("people", "People"): [
        ("leadership", "Leadership"),
        ("hr_change", "HR and organisational change"),
        ("tupe", "TUPE"),
        ("recruitment", "Recruitment"),
    ],
    ("operations_impact", "Operations and impact"): [
        ("quality_regulation", "Quality and regulation (such as CQC)"),
        ("digital_data", "Digital and data"),
        ("social_value", "Social value and impact measurement"),
        ("marketing_communications", "Marketing and communications"),
        ("estates", "Estates"),
    ],
}

REGIONS = [
    ("north_east", "North East"),
    ("north_west", "North West"),
    ("yorkshire_humber", "Yorkshire and the Humber"),
    ("east_midlands", "East Midlands"),
    ("west_midlands", "West Midlands"),
    ("east_of_england", "East of England"),
    ("london", "London"),
    ("south_east", "South East"),
    ("south_west", "South West"),
    ("wales", "Wales"),
    ("scotland", "Scotland"),
    ("northern_ireland", "Northern Ireland"),
]

LEGAL_FORMS = [
    ("cic_guarantee", "CIC limited by guarantee"),
    ("cic_shares", "CIC limited by shares"),
    ("cooperative_society", "Co-operative society"),
    ("community_benefit_society", "Community benefit society"),
    ("company_guarantee", "Company limited by guarantee"),
    ("company_shares", "Company limited by shares (incl. employee-owned)"),
    ("charity_cio", "Charity or CIO"),
    ("not_incorporated", "Not yet incorporated"),
    ("other", "Other"),
]

STAGES = [
    ("exploring", "Exploring"),
    ("spinning_out", "Spinning out"),
    ("spun_out", "Spun out within five years"),
    ("established", "Established (re-tendering or growing)"),
]

MENTOR_KINDS = [
    ("peer", "Peer (has led a spin-out)"),
    ("specialist", "Specialist (legal, finance, HR, bids...)"),
]


def _seed_rows() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []

    def add(vocabulary: str, terms: list[tuple[str, str]], group: str | None = None) -> None:
        start = sum(1 for row in rows if row["vocabulary"] == vocabulary)
        for offset, (code, label) in enumerate(terms):
            rows.append(
                {
                    "vocabulary": vocabulary,
                    "code": code,
                    "label": label,
                    "group_code": group,
                    "position": start + offset,
                    "retired": False,
                }
            )

    for vocabulary, groups in (("sector", SECTORS), ("skill", SKILLS)):
        add(f"{vocabulary}_group", list(groups))
        for (group_code, _label), terms in groups.items():
            add(vocabulary, terms, group_code)
    add("region", REGIONS)
    add("legal_form", LEGAL_FORMS)
    add("stage", STAGES)
    add("mentor_kind", MENTOR_KINDS)
    return rows


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    taxonomy_term = op.create_table(
        "taxonomy_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vocabulary", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("group_code", sa.String(length=64), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxonomy_term")),
        sa.UniqueConstraint("vocabulary", "code", name=op.f("uq_taxonomy_term_vocabulary_code")),
    )
    op.create_table(
        "mentor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("job_title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("led_spin_out", sa.Boolean(), nullable=False),
        sa.Column("years_experience", sa.Integer(), nullable=False),
        sa.Column("home_region", sa.String(length=64), nullable=False),
        sa.Column("meeting_mode", sa.String(length=16), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor")),
        sa.UniqueConstraint("email", name=op.f("uq_mentor_email")),
    )
    op.create_index(op.f("ix_mentor_status"), "mentor", ["status"])
    op.create_table(
        "mentee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("legal_form", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=64), nullable=False),
        sa.Column("primary_sector", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("meeting_mode", sa.String(length=16), nullable=False),
        sa.Column("goals", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentee")),
        sa.UniqueConstraint("email", name=op.f("uq_mentee_email")),
    )
    op.create_index(op.f("ix_mentee_status"), "mentee", ["status"])
    for owner in ("mentor", "mentee"):
        op.create_table(
            f"{owner}_term",
            sa.Column(f"{owner}_id", sa.Integer(), nullable=False),
            sa.Column("vocabulary", sa.String(length=32), nullable=False),
            sa.Column("code", sa.String(length=64), nullable=False),
            sa.Column("position", sa.Integer(), nullable=False),
            *([sa.Column("priority", sa.Integer(), nullable=True)] if owner == "mentee" else []),
            sa.ForeignKeyConstraint(
                [f"{owner}_id"],
                [f"{owner}.id"],
                name=op.f(f"fk_{owner}_term_{owner}_id_{owner}"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["vocabulary", "code"],
                ["taxonomy_term.vocabulary", "taxonomy_term.code"],
                name=op.f(f"fk_{owner}_term_vocabulary_taxonomy_term"),
            ),
            sa.PrimaryKeyConstraint(
                f"{owner}_id", "vocabulary", "code", name=op.f(f"pk_{owner}_term")
            ),
        )
        op.create_index(f"ix_{owner}_term_vocabulary_code", f"{owner}_term", ["vocabulary", "code"])
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=True),
        sa.Column("mentee_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["mentee_id"],
            ["mentee.id"],
            name=op.f("fk_api_token_mentee_id_mentee"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["mentor.id"],
            name=op.f("fk_api_token_mentor_id_mentor"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    op.create_index(op.f("ix_api_token_mentee_id"), "api_token", ["mentee_id"])
    op.create_index(op.f("ix_api_token_mentor_id"), "api_token", ["mentor_id"])

    op.bulk_insert(taxonomy_term, _seed_rows())


def downgrade() -> None:
    op.drop_table("api_token")
    op.drop_table("mentee_term")
    op.drop_table("mentor_term")
    op.drop_table("mentee")
    op.drop_table("mentor")
    op.drop_table("taxonomy_term")
