"""Licence-number pools reserved per office; record scopes and scope exits.

``record_scope`` lists every county (or whole province) a record is visible in, so a
holder with licences in two counties reaches both; existing records get their one scope.
``scope_exit`` tells a county's offices that a record left it (its licence moved).

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
    op.create_table(
        "record_scope",
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("province_code", sa.String(length=8), nullable=False),
        sa.Column("county_code", sa.String(length=8), nullable=False),
        sa.Column("server_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "table_name", "id", "province_code", "county_code", name=op.f("pk_record_scope")
        ),
    )
    op.create_index("ix_record_scope_county_seq", "record_scope", ["county_code", "server_seq"])
    op.create_index("ix_record_scope_province_seq", "record_scope", ["province_code", "server_seq"])
    op.execute(
        "INSERT INTO record_scope (table_name, id, province_code, county_code, server_seq) "
        "SELECT table_name, id, province_code, COALESCE(county_code, ''), server_seq FROM record"
    )
    op.create_table(
        "scope_exit",
        sa.Column("server_seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("province_code", sa.String(length=8), nullable=False),
        sa.Column("county_code", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("server_seq", name=op.f("pk_scope_exit")),
    )
    op.create_index("ix_scope_exit_county_seq", "scope_exit", ["county_code", "server_seq"])
    op.create_index("ix_scope_exit_province_seq", "scope_exit", ["province_code", "server_seq"])


def downgrade() -> None:
    op.drop_table("scope_exit")
    op.drop_table("record_scope")
    op.drop_index(op.f("ix_number_pool_office_id"), table_name="number_pool")
    op.drop_table("number_pool")
