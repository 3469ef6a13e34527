"""Natural keys and identity merges (issue 10: one holder per national ID).

``record_key`` indexes the natural keys of live records (national ID, legal ID, licence
number and unique ID, certificate serial, event code); ``record_alias`` maps an id that
another record's identity absorbed onto that record; ``record.merged_into`` marks such a
folded record; ``office.clock_skew_seconds`` keeps the skew each handshake measured.

Existing records are indexed in feed order: the first holder of a key keeps it. A later
holder of the same national ID (legal ID) — the same person registered offline at two
offices — gets an alias with ``merged_at`` empty; the server folds it into the first at
start-up (server.identity.fold_pending), through the same code that folds new ones.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

from server.identity import IDENTITY_KEYS, NATURAL_KEYS, key_values

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("record") as batch_op:
        batch_op.add_column(sa.Column("merged_into", sa.String(length=36), nullable=True))
    with op.batch_alter_table("office") as batch_op:
        batch_op.add_column(sa.Column("clock_skew_seconds", sa.Float(), nullable=True))
    record_key = op.create_table(
        "record_key",
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("key_name", sa.String(length=40), nullable=False),
        sa.Column("key_value", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "key_name", "key_value", name=op.f("pk_record_key")),
    )
    op.create_index(op.f("ix_record_key_record_id"), "record_key", ["record_id"])
    record_alias = op.create_table(
        "record_alias",
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("alias_id", sa.String(length=36), nullable=False),
        sa.Column("canonical_id", sa.String(length=36), nullable=False),
        sa.Column("office_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("table_name", "alias_id", name=op.f("pk_record_alias")),
    )
    op.create_index(op.f("ix_record_alias_canonical_id"), "record_alias", ["canonical_id"])
    _index_existing(record_key, record_alias)


def _index_existing(record_key: sa.Table, record_alias: sa.Table) -> None:
    bind = op.get_bind()
    record = sa.table(
        "record",
        sa.column("table_name", sa.String),
        sa.column("id", sa.String),
        sa.column("data", sa.Text),
        sa.column("deleted", sa.Boolean),
        sa.column("server_seq", sa.BigInteger),
        sa.column("updated_by_office", sa.String),
    )
    rows = bind.execute(
        sa.select(record.c.table_name, record.c.id, record.c.data, record.c.updated_by_office)
        .where(record.c.table_name.in_(tuple(NATURAL_KEYS)), record.c.deleted.is_(False))
        .order_by(record.c.server_seq)
    )
    holders: dict[tuple[str, str, str], str] = {}
    keys: list[dict[str, str]] = []
    aliases: list[dict[str, object]] = []
    now = dt.datetime.now(dt.UTC)
    for table, row_id, data, office in rows:
        try:
            values = json.loads(data)
        except ValueError:
            continue
        if not isinstance(values, dict):
            continue
        for name, value in key_values(table, values).items():
            holder = holders.setdefault((table, name, value), row_id)
            if holder == row_id:
                keys.append(
                    {"table_name": table, "key_name": name, "key_value": value, "record_id": row_id}
                )
            elif IDENTITY_KEYS.get(table) == name:
                aliases.append(
                    {
                        "table_name": table,
                        "alias_id": row_id,
                        "canonical_id": holder,
                        "office_id": office,
                        "created_at": now,
                        "merged_at": None,
                    }
                )
    if keys:
        op.bulk_insert(record_key, keys)
    if aliases:
        op.bulk_insert(record_alias, aliases)


def downgrade() -> None:
    op.drop_index(op.f("ix_record_alias_canonical_id"), table_name="record_alias")
    op.drop_table("record_alias")
    op.drop_index(op.f("ix_record_key_record_id"), table_name="record_key")
    op.drop_table("record_key")
    with op.batch_alter_table("office") as batch_op:
        batch_op.drop_column("clock_skew_seconds")
    with op.batch_alter_table("record") as batch_op:
        batch_op.drop_column("merged_into")
