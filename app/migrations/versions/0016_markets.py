"""market access: sales channels and guaranteed-purchase contracts

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 02:30:00.000000

Two new synced tables (with the sync columns): ``sales_channel`` (a holder's shop on a
sales platform) and ``purchase_contract`` (خرید تضمینی, its deliveries a JSON list); and
a seasonal bazaar's seller on ``event_participant``: ``booth`` and ``sales`` (rials,
NULL until reported). Existing rows and the outbox are untouched.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _sync_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_office", sa.String(length=36), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "sales_channel",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("county_id", sa.String(length=36), nullable=False),
        sa.Column("platform", sa.String(length=60), nullable=False),
        sa.Column("shop_name", sa.String(length=120), nullable=False),
        sa.Column("shop_url", sa.String(length=300), nullable=False),
        sa.Column("onboarded_on", sa.Date(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_sync_columns(),
        sa.ForeignKeyConstraint(
            ["county_id"], ["county.id"], name=op.f("fk_sales_channel_county_id_county")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_sales_channel_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_channel")),
    )
    with op.batch_alter_table("sales_channel", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sales_channel_person_id"), ["person_id"])
        batch_op.create_index(batch_op.f("ix_sales_channel_county_id"), ["county_id"])
        batch_op.create_index(batch_op.f("ix_sales_channel_platform"), ["platform"])

    op.create_table(
        "purchase_contract",
        sa.Column("county_id", sa.String(length=36), nullable=False),
        sa.Column("buyer_kind", sa.String(length=16), nullable=False),
        sa.Column("buyer_supporter_id", sa.String(length=36), nullable=True),
        sa.Column("buyer_name", sa.String(length=200), nullable=False),
        sa.Column("seller_kind", sa.String(length=12), nullable=False),
        sa.Column("seller_person_id", sa.String(length=36), nullable=True),
        sa.Column("seller_supporter_id", sa.String(length=36), nullable=True),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=12), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("deliveries", sa.Text(), nullable=False),
        sa.Column("over_reason", sa.String(length=500), nullable=False),
        *_sync_columns(),
        sa.ForeignKeyConstraint(
            ["county_id"], ["county.id"], name=op.f("fk_purchase_contract_county_id_county")
        ),
        sa.ForeignKeyConstraint(
            ["buyer_supporter_id"],
            ["supporter.id"],
            name=op.f("fk_purchase_contract_buyer_supporter_id_supporter"),
        ),
        sa.ForeignKeyConstraint(
            ["seller_person_id"],
            ["person.id"],
            name=op.f("fk_purchase_contract_seller_person_id_person"),
        ),
        sa.ForeignKeyConstraint(
            ["seller_supporter_id"],
            ["supporter.id"],
            name=op.f("fk_purchase_contract_seller_supporter_id_supporter"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_contract")),
    )
    with op.batch_alter_table("purchase_contract", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_purchase_contract_county_id"), ["county_id"])
        batch_op.create_index(
            batch_op.f("ix_purchase_contract_buyer_supporter_id"), ["buyer_supporter_id"]
        )
        batch_op.create_index(
            batch_op.f("ix_purchase_contract_seller_person_id"), ["seller_person_id"]
        )
        batch_op.create_index(
            batch_op.f("ix_purchase_contract_seller_supporter_id"), ["seller_supporter_id"]
        )
        batch_op.create_index("ix_purchase_contract_period", ["start_date", "end_date"])

    with op.batch_alter_table("event_participant") as batch:
        batch.add_column(sa.Column("booth", sa.String(40), nullable=False, server_default=""))
        batch.add_column(sa.Column("sales", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("event_participant") as batch:
        batch.drop_column("sales")
        batch.drop_column("booth")
    op.drop_table("purchase_contract")
    op.drop_table("sales_channel")
