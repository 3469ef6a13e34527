"""Market access (دسترسی به بازار): a holder's sales channels and guaranteed-purchase
contracts (خرید تضمینی) with the deliveries recorded against them.

Both are synced and homed in a county (the holder's, or the selling network's): the
server scopes them like any county record (docs/sync-protocol.md). Amounts are whole
rials; the screens show tomans.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, SyncMixin
from app.models.person import Person
from app.models.reference import County


class SalesChannel(SyncMixin, Base):
    """One place a holder sells: a platform (a name from the office's list of platforms,
    kept as text so the row means the same at every office), the holder's shop there
    (name and/or web address), the day they joined it, and whether it is still used."""

    __tablename__ = "sales_channel"

    person_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("person.id"), nullable=False, index=True
    )
    county_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("county.id"), nullable=False, index=True
    )
    platform: Mapped[str] = mapped_column(String(60), nullable=False, index=True)
    shop_name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    shop_url: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    onboarded_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    person: Mapped[Person] = relationship()
    county: Mapped[County] = relationship()


class PurchaseContract(SyncMixin, Base):
    """A guaranteed-purchase contract: a buyer (a supporter, a partner bank's platform or
    a company, by ``buyer_kind``) commits to buy ``quantity`` ``unit``s of ``product`` at
    ``unit_price`` rials from a holder or a supporter's network between ``start_date``
    and ``end_date``.

    ``deliveries`` is a JSON list of ``{"day", "quantity", "note"}`` in date order (the
    row's rules check every delivery against the period and the quantity, on both sides
    of sync); ``over_reason`` is why more was delivered than agreed, if it was.
    """

    __tablename__ = "purchase_contract"

    county_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("county.id"), nullable=False, index=True
    )
    buyer_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    buyer_supporter_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("supporter.id"), nullable=True, index=True
    )
    buyer_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    seller_kind: Mapped[str] = mapped_column(String(12), nullable=False)
    seller_person_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("person.id"), nullable=True, index=True
    )
    seller_supporter_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("supporter.id"), nullable=True, index=True
    )
    product: Mapped[str] = mapped_column(String(200), nullable=False)
    unit: Mapped[str] = mapped_column(String(12), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_price: Mapped[int] = mapped_column(Integer, nullable=False)
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    deliveries: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    over_reason: Mapped[str] = mapped_column(String(500), nullable=False, default="")

    county: Mapped[County] = relationship()

    __table_args__ = (Index("ix_purchase_contract_period", "start_date", "end_date"),)
