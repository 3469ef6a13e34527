"""audit entries vouch for the append-only rows they wrote

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-08 02:30:00.000000

``audit_entry.rows``: the licence-history and certificate-log rows an action wrote, each
with a digest of its content (common.audit_chain.row_digest), hashed with the entry. A
plain ADD COLUMN: rebuilding the table would drop the triggers that keep it append-only.
Entries written before keep "" (their hash does not cover the column).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_entry", sa.Column("rows", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_column("rows")
    op.execute(
        "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
        "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
    )
