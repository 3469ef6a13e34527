"""audit entries vouch for the append-only rows they wrote

``audit_entry.rows``: the licence-history and certificate-log rows a desk's action wrote,
with their digests, as the desk hashed them (common.audit_chain). ``audit_row``: the same
digests by row, so that a push of such a row is checked against the entry that vouched
for it (server.audit_api.check_vouched).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_entry", sa.Column("rows", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "audit_row",
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("office_id", sa.String(length=36), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("desk_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "row_id", name=op.f("pk_audit_row")),
    )


def downgrade() -> None:
    op.drop_table("audit_row")
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_column("rows")
