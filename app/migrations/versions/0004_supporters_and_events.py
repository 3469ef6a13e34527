"""supporters, their networks, and workshop events

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 05:00:00.000000

Adds ``supporter``, ``network_member``, ``event``, ``event_participant``,
``event_attendance`` and ``closure_day`` (all synced, with the sync columns), and
``certificate_issue.participant_id`` for attendance certificates. Existing rows and the
outbox are untouched.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "closure_day",
        sa.Column("county_id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_office", sa.String(length=36), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["county_id"], ["county.id"], name=op.f("fk_closure_day_county_id_county")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closure_day")),
    )
    with op.batch_alter_table("closure_day", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_closure_day_county_id"), ["county_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_closure_day_day"), ["day"], unique=False)

    op.create_table(
        "supporter",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("licence_id", sa.String(length=36), nullable=False),
        sa.Column("legal_name", sa.String(length=200), nullable=False),
        sa.Column("legal_id", sa.String(length=11), nullable=False),
        sa.Column("registration_no", sa.String(length=20), nullable=False),
        sa.Column("field_id", sa.String(length=36), nullable=False),
        sa.Column("related_field_ids", sa.Text(), nullable=False),
        sa.Column("county_id", sa.String(length=36), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("mobile", sa.String(length=11), nullable=False),
        sa.Column("email", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("sheba", sa.String(length=26), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_reason", sa.String(length=500), nullable=False),
        sa.Column("search_key", sa.Text(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_office", sa.String(length=36), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["county_id"], ["county.id"], name=op.f("fk_supporter_county_id_county")
        ),
        sa.ForeignKeyConstraint(
            ["field_id"], ["business_field.id"], name=op.f("fk_supporter_field_id_business_field")
        ),
        sa.ForeignKeyConstraint(
            ["licence_id"], ["licence.id"], name=op.f("fk_supporter_licence_id_licence")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supporter")),
    )
    with op.batch_alter_table("supporter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supporter_county_id"), ["county_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_supporter_field_id"), ["field_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_supporter_legal_id"), ["legal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_supporter_licence_id"), ["licence_id"], unique=False)

    op.create_table(
        "event",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("field_ids", sa.Text(), nullable=False),
        sa.Column("organiser_supporter_id", sa.String(length=36), nullable=True),
        sa.Column("venue", sa.String(length=300), nullable=False),
        sa.Column("county_id", sa.String(length=36), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("start_time", sa.String(length=5), nullable=False),
        sa.Column("end_time", sa.String(length=5), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("instructor", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("search_key", sa.Text(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_office", sa.String(length=36), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["county_id"], ["county.id"], name=op.f("fk_event_county_id_county")
        ),
        sa.ForeignKeyConstraint(
            ["organiser_supporter_id"],
            ["supporter.id"],
            name=op.f("fk_event_organiser_supporter_id_supporter"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
        sa.UniqueConstraint("code", name=op.f("uq_event_code")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_county_id"), ["county_id"], unique=False)
        batch_op.create_index("ix_event_dates", ["start_date", "end_date"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_event_organiser_supporter_id"), ["organiser_supporter_id"], unique=False
        )

    op.create_table(
        "network_member",
        sa.Column("supporter_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("county_id", sa.String(length=36), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("leave_reason", sa.String(length=500), nullable=False),
        sa.Column("override_reason", sa.String(length=500), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_office", sa.String(length=36), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["county_id"], ["county.id"], name=op.f("fk_network_member_county_id_county")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_network_member_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["supporter_id"],
            ["supporter.id"],
            name=op.f("fk_network_member_supporter_id_supporter"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_member")),
    )
    with op.batch_alter_table("network_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_network_member_county_id"), ["county_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_network_member_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            "ix_network_member_supporter_left", ["supporter_id", "left_on"], unique=False
        )

    op.create_table(
        "event_participant",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("national_id", sa.String(length=10), nullable=False),
        sa.Column("first_name", sa.String(length=60), nullable=False),
        sa.Column("last_name", sa.String(length=60), nullable=False),
        sa.Column("mobile", sa.String(length=11), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_office", sa.String(length=36), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_event_participant_event_id_event")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_event_participant_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_participant")),
    )
    with op.batch_alter_table("event_participant", schema=None) as batch_op:
        batch_op.create_index(
            "ix_event_participant_event_status", ["event_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_event_participant_national_id"), ["national_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_event_participant_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "event_attendance",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("participant_id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_office", sa.String(length=36), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_event_attendance_event_id_event")
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["event_participant.id"],
            name=op.f("fk_event_attendance_participant_id_event_participant"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_attendance")),
    )
    with op.batch_alter_table("event_attendance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_attendance_event_id"), ["event_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_event_attendance_participant_id"), ["participant_id"], unique=False
        )

    with op.batch_alter_table("certificate_issue", schema=None) as batch_op:
        batch_op.add_column(sa.Column("participant_id", sa.String(length=36), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_certificate_issue_participant_id"), ["participant_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_certificate_issue_participant_id_event_participant"),
            "event_participant",
            ["participant_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("certificate_issue", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_certificate_issue_participant_id_event_participant"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_certificate_issue_participant_id"))
        batch_op.drop_column("participant_id")

    with op.batch_alter_table("event_attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_attendance_participant_id"))
        batch_op.drop_index(batch_op.f("ix_event_attendance_event_id"))

    op.drop_table("event_attendance")
    with op.batch_alter_table("event_participant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_participant_person_id"))
        batch_op.drop_index(batch_op.f("ix_event_participant_national_id"))
        batch_op.drop_index("ix_event_participant_event_status")

    op.drop_table("event_participant")
    with op.batch_alter_table("network_member", schema=None) as batch_op:
        batch_op.drop_index("ix_network_member_supporter_left")
        batch_op.drop_index(batch_op.f("ix_network_member_person_id"))
        batch_op.drop_index(batch_op.f("ix_network_member_county_id"))

    op.drop_table("network_member")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_organiser_supporter_id"))
        batch_op.drop_index("ix_event_dates")
        batch_op.drop_index(batch_op.f("ix_event_county_id"))

    op.drop_table("event")
    with op.batch_alter_table("supporter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supporter_licence_id"))
        batch_op.drop_index(batch_op.f("ix_supporter_legal_id"))
        batch_op.drop_index(batch_op.f("ix_supporter_field_id"))
        batch_op.drop_index(batch_op.f("ix_supporter_county_id"))

    op.drop_table("supporter")
    with op.batch_alter_table("closure_day", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_closure_day_day"))
        batch_op.drop_index(batch_op.f("ix_closure_day_county_id"))

    op.drop_table("closure_day")
