"""the desk's identity, and who made each local change

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 23:20:00.000000

Gives the database its desk id (setting ``desk.id``, a random UUID: one computer's
register among the office's desks; a restore keeps it, app.services.core.restore) and
adds to every outbox operation the account and the desk that made it
(``account_id``, ``actor``, ``desk_id``; empty for changes made before this version and
for the system's own work). The server records them for every operation it applies.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("account_id", sa.String(36), nullable=False, server_default=""))
        batch.add_column(sa.Column("actor", sa.String(60), nullable=False, server_default=""))
        batch.add_column(sa.Column("desk_id", sa.String(36), nullable=False, server_default=""))
    setting = sa.table("setting", sa.column("key", sa.String), sa.column("value", sa.Text))
    found = (
        op.get_bind().execute(sa.select(setting.c.value).where(setting.c.key == "desk.id")).first()
    )
    if found is None:
        op.execute(setting.insert().values(key="desk.id", value=str(uuid.uuid4())))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("desk_id")
        batch.drop_column("actor")
        batch.drop_column("account_id")
    op.execute("DELETE FROM setting WHERE key = 'desk.id'")
