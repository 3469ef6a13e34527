"""The office this database belongs to, its settings and its local counters."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, new_id, utcnow


class Office(Base):
    """The single office that owns this database (one row).

    Not synced as a record: the central server enrols the office and owns its identity.
    """

    __tablename__ = "office"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    province_id: Mapped[str] = mapped_column(String(36), ForeignKey("province.id"), nullable=False)
    county_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("county.id"), nullable=True
    )
    licence_prefix: Mapped[str] = mapped_column(String(12), nullable=False)
    default_validity_years: Mapped[int] = mapped_column(Integer, nullable=False, default=5)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )


class Setting(Base):
    """A local key/value setting of the office (typed and declared in services)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Counter(Base):
    """A local sequence, such as the next licence serial of the office's number pool."""

    __tablename__ = "counter"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    next_value: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
