"""Reference data: provinces, counties, field groups and the business-field catalogue.

Central-wins on sync: offices only read these tables; the server owns them.
Shipped rows get deterministic ids (:func:`app.models.base.reference_id`).
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, SyncMixin


class Province(SyncMixin, Base):
    """An Iranian province (استان)."""

    __tablename__ = "province"

    code: Mapped[str] = mapped_column(String(8), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False)

    counties: Mapped[list[County]] = relationship(back_populates="province")


class County(SyncMixin, Base):
    """A county (شهرستان); ``code`` is the Statistical Centre of Iran code."""

    __tablename__ = "county"

    code: Mapped[str] = mapped_column(String(8), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    province_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("province.id"), nullable=False, index=True
    )

    province: Mapped[Province] = relationship(back_populates="counties")


class FieldGroup(SyncMixin, Base):
    """A group of business fields (گروه رشته).

    Licence validity per group is an office setting (app.services.core.office), not a column.
    """

    __tablename__ = "field_group"

    code: Mapped[str] = mapped_column(String(8), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False)

    fields: Mapped[list[BusinessField]] = relationship(back_populates="group")


class BusinessField(SyncMixin, Base):
    """A business field (رشته) of the national home-business catalogue."""

    __tablename__ = "business_field"

    code: Mapped[str] = mapped_column(String(12), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    group_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("field_group.id"), nullable=False, index=True
    )
    approving_body: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    starred: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    isic: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    group: Mapped[FieldGroup] = relationship(back_populates="fields")
