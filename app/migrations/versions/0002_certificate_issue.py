"""certificate issuance log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 00:30:00.000000

Adds ``certificate_issue`` (one row per certificate produced). Creates a table and its
indexes only: nothing existing is changed, so no data can be lost.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certificate_issue",
        sa.Column("licence_id", sa.String(length=36), nullable=True),
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=60), nullable=False),
        sa.Column("duplicate", sa.Boolean(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_office", sa.String(length=36), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["licence_id"],
            ["licence.id"],
            name=op.f("fk_certificate_issue_licence_id_licence"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_issue")),
        sa.UniqueConstraint("serial", name=op.f("uq_certificate_issue_serial")),
    )
    with op.batch_alter_table("certificate_issue", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_issue_licence_id"), ["licence_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_certificate_issue_issued_at"), ["issued_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("certificate_issue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_issue_issued_at"))
        batch_op.drop_index(batch_op.f("ix_certificate_issue_licence_id"))

    op.drop_table("certificate_issue")
