"""staff accounts sync to every desk of the office

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 00:00:00.000000

``account`` becomes a synced table: it gets the sync columns (``rev``, ``deleted``,
``server_seq``, ``origin_office``; ``updated_at`` it had). Its failed sign-ins, wait and
last sign-in stay on the desk (app.models.account.LOCAL_ACCOUNT_COLUMNS). The accounts a
desk already has are queued in the outbox, heads first, as made by its oldest active
head: the server accepts an office's first head from the office's token and every
other account change only from a head of the office (server.policy).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_SYNCED = ("id", "username", "display_name", "role", "password_hash", "disabled")


def upgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("rev", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(
            sa.Column("origin_office", sa.String(36), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("deleted", sa.Boolean(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("server_seq", sa.Integer(), nullable=True))
    _queue_existing_accounts()


def _queue_existing_accounts() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, username, display_name, role, password_hash, disabled FROM account "
            "ORDER BY CASE role WHEN 'head' THEN 0 ELSE 1 END, disabled, created_at, id"
        )
    ).all()
    if not rows:
        return
    head = next((row for row in rows if row.role == "head" and not row.disabled), rows[0])
    desk = bind.execute(sa.text("SELECT value FROM setting WHERE key = 'desk.id'")).scalar()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy stores it
    for row in rows:
        values = dict(zip(_SYNCED, row, strict=True))
        values["disabled"] = bool(values["disabled"])
        values.update(origin_office="", deleted=False)
        changes = {name: [None, value] for name, value in values.items()}
        bind.execute(
            sa.text(
                "INSERT INTO outbox (op_id, table_name, row_id, op, base_rev, changes, "
                "created_at, state, error, account_id, actor, desk_id) VALUES (:op_id, "
                "'account', :row_id, 'insert', 0, :changes, :now, 'pending', '', :account_id, "
                ":actor, :desk_id)"
            ),
            {
                "op_id": str(uuid.uuid4()),
                "row_id": row.id,
                "changes": json.dumps(changes, ensure_ascii=False),
                "now": now,
                "account_id": head.id,
                "actor": head.display_name,
                "desk_id": desk or "",
            },
        )


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE table_name = 'account'")
    with op.batch_alter_table("account") as batch:
        batch.drop_column("server_seq")
        batch.drop_column("deleted")
        batch.drop_column("origin_office")
        batch.drop_column("rev")
