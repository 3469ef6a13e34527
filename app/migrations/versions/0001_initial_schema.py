"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27 23:17:53.270268
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "counter",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("next_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counter")),
    )
    op.create_table(
        "field_group",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_office", sa.String(length=36), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_group")),
        sa.UniqueConstraint("code", name=op.f("uq_field_group_code")),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("base_rev", sa.Integer(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
        sa.UniqueConstraint("op_id", name=op.f("uq_outbox_op_id")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_state_seq", ["state", "seq"], unique=False)

    op.create_table(
        "person",
        sa.Column("national_id", sa.String(length=10), nullable=False),
        sa.Column("first_name", sa.String(length=60), nullable=False),
        sa.Column("last_name", sa.String(length=60), nullable=False),
        sa.Column("father_name", sa.String(length=60), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("gender", sa.String(length=1), nullable=False),
        sa.Column("mobile", sa.String(length=11), nullable=False),
        sa.Column("postal_code", sa.String(length=10), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_office", sa.String(length=36), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("national_id", name=op.f("uq_person_national_id")),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_last_name"), ["last_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_mobile"), ["mobile"], unique=False)

    op.create_table(
        "province",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_office", sa.String(length=36), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_province")),
        sa.UniqueConstraint("code", name=op.f("uq_province_code")),
    )
    op.create_table(
        "setting",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_setting")),
    )
    op.create_table(
        "business_field",
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("group_id", sa.String(length=36), nullable=False),
        sa.Column("approving_body", sa.String(length=60), nullable=False),
        sa.Column("starred", sa.Boolean(), nullable=False),
        sa.Column("isic", sa.String(length=8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_office", sa.String(length=36), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["field_group.id"],
            name=op.f("fk_business_field_group_id_field_group"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_field")),
        sa.UniqueConstraint("code", name=op.f("uq_business_field_code")),
    )
    with op.batch_alter_table("business_field", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_business_field_group_id"), ["group_id"], unique=False)

    op.create_table(
        "county",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("province_id", sa.String(length=36), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_office", sa.String(length=36), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["province_id"],
            ["province.id"],
            name=op.f("fk_county_province_id_province"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_county")),
        sa.UniqueConstraint("code", name=op.f("uq_county_code")),
    )
    with op.batch_alter_table("county", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_county_province_id"), ["province_id"], unique=False)

    op.create_table(
        "licence",
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("unique_id", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("field_id", sa.String(length=36), nullable=False),
        sa.Column("county_id", sa.String(length=36), nullable=False),
        sa.Column("activity_address", sa.String(length=500), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("expiry_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_reason", sa.String(length=500), nullable=False),
        sa.Column("search_key", sa.Text(), nullable=False),
        sa.Column("local_seq", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_office", sa.String(length=36), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["county_id"], ["county.id"], name=op.f("fk_licence_county_id_county")
        ),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["business_field.id"],
            name=op.f("fk_licence_field_id_business_field"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_licence_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence")),
        sa.UniqueConstraint("local_seq", name=op.f("uq_licence_local_seq")),
        sa.UniqueConstraint("number", name=op.f("uq_licence_number")),
        sa.UniqueConstraint("unique_id", name=op.f("uq_licence_unique_id")),
    )
    with op.batch_alter_table("licence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_licence_county_id"), ["county_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_licence_expiry_date"), ["expiry_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_licence_field_id"), ["field_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_licence_issue_date"), ["issue_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_licence_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_licence_status_expiry", ["status", "expiry_date"], unique=False)
        batch_op.create_index("ix_licence_deleted_seq", ["deleted", "local_seq"], unique=False)

    op.create_table(
        "office",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("province_id", sa.String(length=36), nullable=False),
        sa.Column("county_id", sa.String(length=36), nullable=True),
        sa.Column("licence_prefix", sa.String(length=12), nullable=False),
        sa.Column("default_validity_years", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_id"], ["county.id"], name=op.f("fk_office_county_id_county")
        ),
        sa.ForeignKeyConstraint(
            ["province_id"],
            ["province.id"],
            name=op.f("fk_office_province_id_province"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office")),
    )
    op.create_table(
        "licence_history",
        sa.Column("licence_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=60), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_office", sa.String(length=36), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["licence_id"],
            ["licence.id"],
            name=op.f("fk_licence_history_licence_id_licence"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_history")),
    )
    with op.batch_alter_table("licence_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_licence_history_licence_id"), ["licence_id"], unique=False
        )

    # Full-text index of the register's search key, kept in step by triggers.
    # Its rowid is licence.local_seq (implicit rowids may change on VACUUM). Tombstoned
    # licences are indexed with an empty key, so a plain FTS count is the register's
    # count. Prefix indexes keep one- to four-character prefixes fast (search as you type).
    op.execute(
        "CREATE VIRTUAL TABLE licence_fts USING fts5("
        "search_key, content='licence', content_rowid='local_seq', "
        "tokenize='unicode61 remove_diacritics 0', prefix='1 2 3 4')"
    )
    indexed_new = "CASE WHEN new.deleted THEN '' ELSE new.search_key END"
    indexed_old = "CASE WHEN old.deleted THEN '' ELSE old.search_key END"
    op.execute(
        "CREATE TRIGGER licence_fts_ai AFTER INSERT ON licence BEGIN "
        f"INSERT INTO licence_fts(rowid, search_key) VALUES (new.local_seq, {indexed_new}); END"
    )
    op.execute(
        "CREATE TRIGGER licence_fts_ad AFTER DELETE ON licence BEGIN "
        "INSERT INTO licence_fts(licence_fts, rowid, search_key) "
        f"VALUES ('delete', old.local_seq, {indexed_old}); END"
    )
    op.execute(
        "CREATE TRIGGER licence_fts_au AFTER UPDATE OF search_key, local_seq, deleted "
        "ON licence BEGIN "
        "INSERT INTO licence_fts(licence_fts, rowid, search_key) "
        f"VALUES ('delete', old.local_seq, {indexed_old}); "
        f"INSERT INTO licence_fts(rowid, search_key) VALUES (new.local_seq, {indexed_new}); END"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS licence_fts_au")
    op.execute("DROP TRIGGER IF EXISTS licence_fts_ad")
    op.execute("DROP TRIGGER IF EXISTS licence_fts_ai")
    op.execute("DROP TABLE IF EXISTS licence_fts")
    with op.batch_alter_table("licence_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licence_history_licence_id"))

    op.drop_table("licence_history")
    op.drop_table("office")
    with op.batch_alter_table("licence", schema=None) as batch_op:
        batch_op.drop_index("ix_licence_deleted_seq")
        batch_op.drop_index("ix_licence_status_expiry")
        batch_op.drop_index(batch_op.f("ix_licence_person_id"))
        batch_op.drop_index(batch_op.f("ix_licence_issue_date"))
        batch_op.drop_index(batch_op.f("ix_licence_field_id"))
        batch_op.drop_index(batch_op.f("ix_licence_expiry_date"))
        batch_op.drop_index(batch_op.f("ix_licence_county_id"))

    op.drop_table("licence")
    with op.batch_alter_table("county", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_county_province_id"))

    op.drop_table("county")
    with op.batch_alter_table("business_field", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_business_field_group_id"))

    op.drop_table("business_field")
    op.drop_table("setting")
    op.drop_table("province")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_mobile"))
        batch_op.drop_index(batch_op.f("ix_person_last_name"))

    op.drop_table("person")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_state_seq")

    op.drop_table("outbox")
    op.drop_table("field_group")
    op.drop_table("counter")
