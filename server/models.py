"""Tables of the central server's database (typed SQLAlchemy 2).

Offices are enrolled by an operator (``daftar-server add-office``); each office holds
one or more revocable tokens. A token is a random 32-byte URL-safe string shown once;
only its SHA-256 hex digest is stored.
"""

from __future__ import annotations

import datetime as dt

import uuid6
from sqlalchemy import DateTime, ForeignKey, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

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
    """Base of every server table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Office(Base):
    """An enrolled office: a county office, or a province office (``county_code`` NULL).

    Codes are the Statistical Centre of Iran codes (``amar_code``) of the shipped
    iran-cities reference data; clients derive the same reference ids from them.
    """

    __tablename__ = "office"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    province_code: Mapped[str] = mapped_column(String(8), nullable=False, index=True)
    province_name: Mapped[str] = mapped_column(String(80), nullable=False)
    county_code: Mapped[str | None] = mapped_column(String(8), nullable=True, index=True)
    county_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    revoked_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, default=None
    )

    tokens: Mapped[list[OfficeToken]] = relationship(back_populates="office")

    @property
    def is_province_office(self) -> bool:
        """True for a province office (its scope is the whole province)."""
        return self.county_code is None


class OfficeToken(Base):
    """A revocable access token of an office, stored as its SHA-256 hex digest."""

    __tablename__ = "office_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    office_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("office.id"), nullable=False, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    revoked_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, default=None
    )

    office: Mapped[Office] = relationship(back_populates="tokens")
