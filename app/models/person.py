"""Licence holders (دارنده مجوز): people identified by national ID."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, SyncMixin


class Person(SyncMixin, Base):
    """A person who holds (or may hold) home-business licences."""

    __tablename__ = "person"

    national_id: Mapped[str] = mapped_column(String(10), nullable=False, unique=True)
    first_name: Mapped[str] = mapped_column(String(60), nullable=False)
    last_name: Mapped[str] = mapped_column(String(60), nullable=False, index=True)
    father_name: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    birth_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    gender: Mapped[str] = mapped_column(String(1), nullable=False, default="")
    mobile: Mapped[str] = mapped_column(String(11), nullable=False, default="", index=True)
    postal_code: Mapped[str] = mapped_column(String(10), nullable=False, default="")
    address: Mapped[str] = mapped_column(String(500), nullable=False, default="")
