"""Home-business licences (مجوز مشاغل خانگی) and their history."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, SyncMixin, utcnow
from app.models.person import Person
from app.models.reference import BusinessField, County
from common.vocabulary import STORED_LICENCE_STATUSES, LicenceKind, LicenceStatus

# The stored values (common.vocabulary), by the names the models' users know.
KIND_INDEPENDENT = LicenceKind.INDEPENDENT
KIND_SUPPORTER = LicenceKind.SUPPORTER
KINDS = tuple(LicenceKind)

STATUS_ACTIVE = LicenceStatus.ACTIVE
STATUS_SUSPENDED = LicenceStatus.SUSPENDED
STATUS_REVOKED = LicenceStatus.REVOKED
STATUSES = STORED_LICENCE_STATUSES


class Licence(SyncMixin, Base):
    """A licence. ``number`` is the human-facing licence number (unique).

    ``status`` is what a clerk set (active, suspended, revoked); "expired" is derived
    from ``expiry_date`` so that it never needs a job to flip it.
    ``search_key`` is the normalised text the register searches (FTS5 ``licence_fts``,
    kept up to date by triggers from migration 0001).
    """

    __tablename__ = "licence"

    number: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    unique_id: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    person_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("person.id"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    field_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("business_field.id"), nullable=False, index=True
    )
    county_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("county.id"), nullable=False, index=True
    )
    activity_address: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    issue_date: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    expiry_date: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=STATUS_ACTIVE)
    status_reason: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    search_key: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: Local, never synced: the stable integer key of the FTS5 index (``licence_fts``
    #: rowid). SQLite may renumber implicit rowids on VACUUM, so they can't be used.
    local_seq: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)

    person: Mapped[Person] = relationship()
    field: Mapped[BusinessField] = relationship()
    county: Mapped[County] = relationship()

    __table_args__ = (
        Index("ix_licence_active", "status", "expiry_date", "county_id", "deleted"),
        # Counts the live register from the index alone, and pages it in entry order.
        Index("ix_licence_deleted_seq", "deleted", "local_seq"),
    )


class LicenceHistory(SyncMixin, Base):
    """One entry of a licence's history (append-only): who did what, when, and the diff.

    ``changes`` is JSON: ``{"field": [old, new], ...}`` with values as displayed text.
    """

    __tablename__ = "licence_history"

    licence_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("licence.id"), nullable=False, index=True
    )
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    actor: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    changes: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    reason: Mapped[str] = mapped_column(String(500), nullable=False, default="")
