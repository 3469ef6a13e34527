"""Licence-number pools reserved per office.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "number_pool",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("office_id", sa.String(length=36), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("first", sa.BigInteger(), nullable=False),
        sa.Column("last", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_number_pool_office_id_office")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_number_pool")),
    )
    op.create_index(op.f("ix_number_pool_office_id"), "number_pool", ["office_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_number_pool_office_id"), table_name="number_pool")
    op.drop_table("number_pool")
