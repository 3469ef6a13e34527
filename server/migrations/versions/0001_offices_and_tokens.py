"""Offices and their tokens.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "office",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("province_code", sa.String(length=8), nullable=False),
        sa.Column("province_name", sa.String(length=80), nullable=False),
        sa.Column("county_code", sa.String(length=8), nullable=True),
        sa.Column("county_name", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office")),
    )
    op.create_index(op.f("ix_office_province_code"), "office", ["province_code"])
    op.create_index(op.f("ix_office_county_code"), "office", ["county_code"])
    op.create_table(
        "office_token",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("office_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_office_token_office_id_office")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_office_token")),
    )
    op.create_index(op.f("ix_office_token_office_id"), "office_token", ["office_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_office_token_office_id"), table_name="office_token")
    op.drop_table("office_token")
    op.drop_index(op.f("ix_office_county_code"), table_name="office")
    op.drop_index(op.f("ix_office_province_code"), table_name="office")
    op.drop_table("office")
