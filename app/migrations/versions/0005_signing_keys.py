"""signing keys: the desk's own and the published key set

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08 09:00:00.000000

Adds ``signing_key`` (public keys only). Keys another office's certificates were trusted
with (``signing.known_key.<id>`` settings) become rows of source ``file``. The desk's own
key of earlier versions (``signing.public_key``) becomes an own key, retired now: it
stays valid for what it signed. Its private half, kept until now in plain text in the
``setting`` table, is left for app.services.core.db, which moves it into the secret store
(OS keyring, else encrypted with a key in the user's profile) right after migrating and
then rewrites the file (VACUUM) so that no free page keeps the plain text.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _key_id(public_b64: str) -> str | None:
    try:
        raw = base64.b64decode(public_b64, validate=True)
    except (binascii.Error, ValueError):
        return None
    return hashlib.sha256(raw).digest()[:8].hex() if len(raw) == 32 else None


def upgrade() -> None:
    signing_key = op.create_table(
        "signing_key",
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("office_id", sa.String(length=36), nullable=False),
        sa.Column("office_name", sa.String(length=120), nullable=False),
        sa.Column("province_code", sa.String(length=8), nullable=False),
        sa.Column("province_name", sa.String(length=80), nullable=False),
        sa.Column("county_code", sa.String(length=8), nullable=False),
        sa.Column("county_name", sa.String(length=80), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=500), nullable=False),
        sa.Column("server_state", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_signing_key")),
    )
    bind = op.get_bind()
    setting = sa.table("setting", sa.column("key", sa.String), sa.column("value", sa.Text))
    office = sa.table("office", sa.column("created_at", sa.DateTime(timezone=True)))
    now = dt.datetime.now(dt.UTC)
    created = bind.execute(sa.select(sa.func.min(office.c.created_at))).scalar()
    rows: dict[str, dict[str, object]] = {}
    blank = {
        "office_id": "",
        "office_name": "",
        "province_code": "",
        "province_name": "",
        "county_code": "",
        "county_name": "",
        "revoked_at": None,
        "revoked_reason": "",
        "server_state": "",
    }
    known = bind.execute(
        sa.select(setting.c.key, setting.c.value).where(setting.c.key.like("signing.known_key.%"))
    ).all()
    for _key, value in known:
        kid = _key_id(value or "")
        if kid is not None:
            rows[kid] = {
                **blank,
                "key_id": kid,
                "public_key": value,
                "source": "file",
                "valid_from": None,
                "retired_at": None,
            }
    own = bind.execute(
        sa.select(setting.c.value).where(setting.c.key == "signing.public_key")
    ).scalar()
    own_id = _key_id(own or "")
    if own_id is not None:
        rows[own_id] = {
            **blank,
            "key_id": own_id,
            "public_key": own,
            "source": "own",
            "valid_from": created,
            "retired_at": now,
        }
    if rows:
        op.bulk_insert(signing_key, list(rows.values()))
    bind.execute(
        sa.delete(setting).where(
            sa.or_(setting.c.key.like("signing.known_key.%"), setting.c.key == "signing.public_key")
        )
    )


def downgrade() -> None:
    op.drop_table("signing_key")
