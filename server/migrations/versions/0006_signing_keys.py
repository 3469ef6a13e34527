"""Offices' certificate signing keys, published to every office and the public (issue 10).

``signing_key``: key id, office, public key, the registration's proof of possession,
valid from, registered at, retired at, revoked at and why. Nothing existing changes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signing_key",
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("office_id", sa.String(length=36), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("proof", sa.String(length=100), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_signing_key_office_id_office")
        ),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_signing_key")),
    )
    op.create_index(op.f("ix_signing_key_office_id"), "signing_key", ["office_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_signing_key_office_id"), table_name="signing_key")
    op.drop_table("signing_key")
