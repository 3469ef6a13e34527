"""The person a synced row makes visible (supporter networks and events, issue 5).

``record.person_link`` names the person a row makes visible wherever the row itself is
seen: a licence's holder, a network member's or an event participant's person. Existing
licences get their holder (their ``link_id``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("record") as batch_op:
        batch_op.add_column(sa.Column("person_link", sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_record_person_link"), ["person_link"])
    op.execute("UPDATE record SET person_link = link_id WHERE table_name = 'licence'")


def downgrade() -> None:
    with op.batch_alter_table("record") as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_person_link"))
        batch_op.drop_column("person_link")
