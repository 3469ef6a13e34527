"""Who made each applied operation (issue 13): the office's account and desk.

``applied_op`` gains ``account_id``, ``actor`` (the account's name as the desk sent it)
and ``desk_id``: the server records, for every operation it applies, the office (already
there), the account and the desk. Operations applied before this version have them
empty.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("applied_op") as batch_op:
        batch_op.add_column(
            sa.Column("account_id", sa.String(length=36), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("actor", sa.String(length=60), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("desk_id", sa.String(length=36), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("applied_op") as batch_op:
        batch_op.drop_column("desk_id")
        batch_op.drop_column("actor")
        batch_op.drop_column("account_id")
