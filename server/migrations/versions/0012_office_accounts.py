"""Office-owned records (staff accounts) and recovery tokens (issue 13).

``record.owner_office``: the office a record belongs to when it is seen by that office
alone (a staff account: not by other offices, not by the county's or province's), NULL
for records seen by county scope; indexed with ``server_seq`` for the pull.
``office_token.recovery``: a one-time token the operator issues when an office has lost
its head's password (``daftar-server new-token OFFICE --recovery``): it may create one
new head account; ``recovery_used_at`` says when it did (then it is an ordinary token).

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("record") as batch_op:
        batch_op.add_column(sa.Column("owner_office", sa.String(length=36), nullable=True))
    op.create_index("ix_record_owner_seq", "record", ["owner_office", "server_seq"])
    with op.batch_alter_table("office_token") as batch_op:
        batch_op.add_column(
            sa.Column("recovery", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("recovery_used_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("office_token") as batch_op:
        batch_op.drop_column("recovery_used_at")
        batch_op.drop_column("recovery")
    op.drop_index("ix_record_owner_seq", table_name="record")
    with op.batch_alter_table("record") as batch_op:
        batch_op.drop_column("owner_office")
