"""What the markets service takes and gives: form inputs, the frozen rows the views
receive (never live ORM objects), filters, and the Persian labels of its fields."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from common.text import format_tomans, group_thousands
from common.vocabulary import BuyerKind, ContractUnit, SellerKind

BUYER_LABELS = BuyerKind.labels()
SELLER_LABELS = SellerKind.labels()
UNIT_LABELS = ContractUnit.labels()
#: Field names of the forms (the rules' column names, plus the holder's national ID).
FIELD_LABELS = {
    "national_id": "کد ملی دارنده",
    "platform": "سکوی فروش",
    "shop_name": "نام فروشگاه",
    "shop_url": "نشانی فروشگاه",
    "onboarded_on": "تاریخ پیوستن",
    "buyer_kind": "نوع خریدار",
    "buyer_supporter_id": "پشتیبان خریدار",
    "buyer_name": "نام خریدار",
    "seller_kind": "نوع فروشنده",
    "seller_national_id": "کد ملی فروشنده",
    "seller_supporter_id": "شبکه فروشنده",
    "product": "کالا",
    "unit": "واحد",
    "quantity": "مقدار",
    "unit_price": "قیمت واحد",
    "start_date": "شروع دوره",
    "end_date": "پایان دوره",
    "deliveries": "تحویل‌ها",
    "over_reason": "دلیل تحویل بیش از قرارداد",
    "day": "تاریخ تحویل",
    "note": "یادداشت",
}

#: Fulfilment filters of the contract list.
FULFILMENT_NONE = "none"
FULFILMENT_PARTIAL = "partial"
FULFILMENT_DONE = "done"
FULFILMENT_LABELS = {
    FULFILMENT_NONE: "بدون تحویل",
    FULFILMENT_PARTIAL: "در حال تحویل",
    FULFILMENT_DONE: "تحویل کامل",
}


# --- sales channels ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelInput:
    """A channel form: the holder by national ID, the platform (a name of the office's
    list), the shop's name and/or address, the Jalali (or date) onboarding day."""

    national_id: str
    platform: str
    shop_name: str = ""
    shop_url: str = ""
    onboarded_on: str | dt.date | None = None
    active: bool = True


@dataclass(frozen=True)
class ChannelRow:
    id: str
    person_id: str
    holder: str
    national_id: str
    platform: str
    shop_name: str
    shop_url: str
    onboarded_on: dt.date
    active: bool
    county: str


@dataclass(frozen=True)
class ChannelFilter:
    platform: str = ""
    active_only: bool = False
    #: Only the channels of this supporter's current network members.
    supporter_id: str = ""
    person_id: str = ""


# --- guaranteed-purchase contracts ------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    day: dt.date
    quantity: int
    note: str = ""


@dataclass(frozen=True)
class ContractInput:
    """A contract form. ``unit_price_toman`` is what the clerk types (tomans; stored in
    rials); ``quantity`` a whole number of ``unit``s."""

    buyer_kind: str
    product: str
    unit: str
    quantity: str | int
    unit_price_toman: str | int
    start_date: str | dt.date | None
    end_date: str | dt.date | None
    seller_kind: str = SellerKind.HOLDER
    buyer_supporter_id: str = ""
    buyer_name: str = ""
    seller_national_id: str = ""
    seller_supporter_id: str = ""
    deliveries: tuple[Delivery, ...] = ()
    over_reason: str = ""


@dataclass(frozen=True)
class ContractRow:
    id: str
    buyer_kind: str
    buyer: str
    buyer_supporter_id: str | None
    seller_kind: str
    seller: str
    seller_person_id: str | None
    seller_supporter_id: str | None
    product: str
    unit: str
    quantity: int
    unit_price: int  # rials
    start_date: dt.date
    end_date: dt.date
    deliveries: tuple[Delivery, ...]
    over_reason: str
    county: str

    @property
    def delivered(self) -> int:
        return sum(d.quantity for d in self.deliveries)

    @property
    def fulfilment(self) -> float:
        """Delivered over agreed, in percent (over 100 when more was delivered)."""
        return 100.0 * self.delivered / self.quantity if self.quantity else 0.0

    @property
    def fulfilment_text(self) -> str:
        return f"{group_thousands(round(self.fulfilment))}٪"

    @property
    def value_rials(self) -> int:
        """The contract's whole value (quantity × unit price), in rials."""
        return self.quantity * self.unit_price

    @property
    def unit_price_text(self) -> str:
        return format_tomans(self.unit_price)

    @property
    def quantity_text(self) -> str:
        return f"{group_thousands(self.quantity)} {UNIT_LABELS.get(self.unit, self.unit)}"

    @property
    def unit_price_toman(self) -> str:
        """The unit price as the form shows it (tomans, ASCII digits, no separators)."""
        tomans, rest = divmod(self.unit_price, 10)
        return f"{tomans}.{rest}" if rest else str(tomans)


@dataclass(frozen=True)
class ContractFilter:
    buyer_kind: str = ""
    #: Text the buyer's name contains.
    buyer: str = ""
    fulfilment: str = ""
    #: Contracts a supporter buys under or its network sells under.
    supporter_id: str = ""
    person_id: str = ""


def fulfilment_class(row: ContractRow) -> str:
    """Which fulfilment filter a contract falls in."""
    if not row.deliveries:
        return FULFILMENT_NONE
    return FULFILMENT_DONE if row.delivered >= row.quantity else FULFILMENT_PARTIAL
