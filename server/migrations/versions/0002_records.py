"""Synced records, applied operations, conflicts and the server_seq counter.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    counter = op.create_table(
        "sync_counter",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sync_counter")),
    )
    op.bulk_insert(counter, [{"name": "server_seq", "value": 0}])
    op.create_table(
        "record",
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("server_seq", sa.BigInteger(), nullable=False),
        sa.Column("province_code", sa.String(length=8), nullable=False),
        sa.Column("county_code", sa.String(length=8), nullable=True),
        sa.Column("link_id", sa.String(length=36), nullable=True),
        sa.Column("updated_by_office", sa.String(length=36), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "id", name=op.f("pk_record")),
        sa.UniqueConstraint("server_seq", name=op.f("uq_record_server_seq")),
    )
    op.create_index(op.f("ix_record_province_code"), "record", ["province_code"])
    op.create_index(op.f("ix_record_county_code"), "record", ["county_code"])
    op.create_index(op.f("ix_record_link_id"), "record", ["link_id"])
    op.create_table(
        "applied_op",
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.Column("office_id", sa.String(length=36), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("op_id", name=op.f("pk_applied_op")),
    )
    op.create_index(op.f("ix_applied_op_office_id"), "applied_op", ["office_id"])
    op.create_table(
        "conflict",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("base_value", sa.Text(), nullable=False),
        sa.Column("server_value", sa.Text(), nullable=False),
        sa.Column("client_value", sa.Text(), nullable=False),
        sa.Column("office_id", sa.String(length=36), nullable=False),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflict")),
    )
    op.create_index(op.f("ix_conflict_row_id"), "conflict", ["row_id"])
    op.create_index(op.f("ix_conflict_office_id"), "conflict", ["office_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_conflict_office_id"), table_name="conflict")
    op.drop_index(op.f("ix_conflict_row_id"), table_name="conflict")
    op.drop_table("conflict")
    op.drop_index(op.f("ix_applied_op_office_id"), table_name="applied_op")
    op.drop_table("applied_op")
    op.drop_index(op.f("ix_record_link_id"), table_name="record")
    op.drop_index(op.f("ix_record_county_code"), table_name="record")
    op.drop_index(op.f("ix_record_province_code"), table_name="record")
    op.drop_table("record")
    op.drop_table("sync_counter")
