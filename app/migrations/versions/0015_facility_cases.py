"""bank facility cases

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 03:00:00.000000

Adds ``facility_case`` (synced, with the sync columns): a holder's or a supporter's bank
facility from the request to the payment, and the bank's last repayment report. Existing
rows and the outbox are untouched.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "facility_case",
        sa.Column("licence_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("supporter_id", sa.String(length=36), nullable=True),
        sa.Column("county_id", sa.String(length=36), nullable=False),
        sa.Column("programme", sa.String(length=120), nullable=False),
        sa.Column("bank_code", sa.String(length=3), nullable=False),
        sa.Column("branch_name", sa.String(length=120), nullable=False),
        sa.Column("branch_code", sa.String(length=6), nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column("requested_amount", sa.BigInteger(), nullable=False),
        sa.Column("approved_amount", sa.BigInteger(), nullable=True),
        sa.Column("approved_over_reason", sa.String(length=500), nullable=False),
        sa.Column("disbursed_amount", sa.BigInteger(), nullable=True),
        sa.Column("term_months", sa.Integer(), nullable=True),
        sa.Column("rate_bp", sa.Integer(), nullable=True),
        sa.Column("guarantees", sa.Text(), nullable=False),
        sa.Column("sheba", sa.String(length=26), nullable=False),
        sa.Column("stage", sa.String(length=12), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("referred_on", sa.Date(), nullable=True),
        sa.Column("bank_file_on", sa.Date(), nullable=True),
        sa.Column("guarantee_on", sa.Date(), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("close_reason", sa.String(length=500), nullable=False),
        sa.Column("referral_no", sa.String(length=40), nullable=False),
        sa.Column("repayment_status", sa.String(length=12), nullable=False),
        sa.Column("overdue_instalments", sa.Integer(), nullable=False),
        sa.Column("repayment_on", sa.Date(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_office", sa.String(length=36), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["county_id"], ["county.id"], name=op.f("fk_facility_case_county_id_county")
        ),
        sa.ForeignKeyConstraint(
            ["licence_id"], ["licence.id"], name=op.f("fk_facility_case_licence_id_licence")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_facility_case_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["supporter_id"],
            ["supporter.id"],
            name=op.f("fk_facility_case_supporter_id_supporter"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facility_case")),
    )
    with op.batch_alter_table("facility_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_facility_case_county_id"), ["county_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_facility_case_licence_id"), ["licence_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_facility_case_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_facility_case_supporter_id"), ["supporter_id"], unique=False
        )
        batch_op.create_index(
            "ix_facility_case_stage_bank", ["deleted", "stage", "bank_code"], unique=False
        )
        batch_op.create_index("ix_facility_case_requested_on", ["requested_on"], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE table_name = 'facility_case'")
    op.execute("DELETE FROM sync_conflict WHERE table_name = 'facility_case'")
    op.drop_table("facility_case")
