"""The central catalogue of business fields (issue 15).

``catalogue_field``: the catalogue once an operator imports a change (empty: the shipped
catalogue is the catalogue); ``catalogue_version``: one row per import, with the digest
of the reference data it makes (what handshakes announce) and what it changed.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalogue_field",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("group_code", sa.String(length=2), nullable=False),
        sa.Column("approving_body", sa.String(length=60), nullable=False),
        sa.Column("starred", sa.Boolean(), nullable=False),
        sa.Column("isic", sa.String(length=4), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_field")),
        sa.UniqueConstraint("code", name=op.f("uq_catalogue_field_code")),
    )
    op.create_table(
        "catalogue_version",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("digest", sa.String(length=16), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("renamed", sa.Integer(), nullable=False),
        sa.Column("retired", sa.Integer(), nullable=False),
        sa.Column("reactivated", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_catalogue_version")),
    )


def downgrade() -> None:
    op.drop_table("catalogue_version")
    op.drop_table("catalogue_field")
