"""Declarative base and the columns every synced table carries.

Every synced table has, from its first migration (see docs/data-model.md):
``id`` (UUIDv7 text made on the client), ``rev`` (incremented on every change),
``updated_at`` (UTC), ``origin_office`` (the office that created the row),
``deleted`` (a tombstone instead of a DELETE) and ``server_seq`` (the server's
change-feed position, NULL until the row has been synced).
"""

from __future__ import annotations

import datetime as dt

import uuid6
from sqlalchemy import Boolean, DateTime, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.reference import reference_id

__all__ = ["Base", "SyncMixin", "new_id", "reference_id", "utcnow"]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    """Return a new time-ordered UUIDv7 as text."""
    return str(uuid6.uuid7())


def utcnow() -> dt.datetime:
    """Return the current time in UTC, timezone-aware."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Base of every local table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SyncMixin:
    """Columns shared by every synced table."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    rev: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    origin_office: Mapped[str] = mapped_column(String(36), nullable=False, default="")
    deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    server_seq: Mapped[int | None] = mapped_column(Integer, nullable=True, default=None)
