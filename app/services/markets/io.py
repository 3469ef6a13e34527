"""Sales channels and guaranteed-purchase contracts as spreadsheets (.xlsx or .csv): the
``channels`` and ``contracts`` kinds (``daftar import|export --kind channels|contracts``).

Channels: one row per channel; the holder by national ID. A row naming a channel the
holder already has on that platform (same shop name and address) updates it, else a new
channel is recorded. Contracts: one row per contract; the buyer a supporter (by its
licence number) or a name, the seller a holder (national ID) or a supporter's network
(licence number); the unit price in tomans, as the screens show it; the deliveries in one
cell, ``1403/05/01 100 note | 1403/06/01 50``. A row with the same buyer, seller, product
and start as a contract here updates it. Every row goes through
:class:`~app.services.markets.service.MarketService` in a savepoint, so a row breaking a
rule is reported (row, column, Persian reason) and the others are imported. An export
imports back unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Licence, Person, PurchaseContract, SalesChannel, Supporter
from app.services.licences.numbers import normalise_licence_number
from app.services.markets.queries import list_channels, list_contracts
from app.services.markets.records import ChannelInput, ContractInput, ContractRow, Delivery
from app.services.markets.service import MarketService
from app.services.spreadsheet.columns import (
    CellContext,
    CellProblem,
    Column,
    Columns,
    choice,
    jalali_date,
    jalali_text,
    label,
)
from app.services.spreadsheet.importer import ImportRun, Outcome, RowHandler, SheetRow
from app.services.spreadsheet.kind import SheetKind
from common import jalali
from common.errors import ValidationError
from common.text import normalize_text, to_ascii_digits
from common.validators import validate_national_id
from common.vocabulary import BuyerKind, ContractUnit, SellerKind

_ACTIVE = {"فعال": True, "غیرفعال": False, "بله": True, "خیر": False, "1": True, "0": False}


def _read_active(value: str, _context: CellContext) -> bool:
    if not value:
        return True
    found = _ACTIVE.get(normalize_text(value).replace(" ", ""))
    if found is None:
        raise CellProblem("وضعیت باید «فعال» یا «غیرفعال» باشد")
    return found


CHANNEL_COLUMNS = Columns(
    Column("کد ملی دارنده", "national_id", required=True, example="0067749828"),
    Column(
        "سکوی فروش",
        "platform",
        required=True,
        example="باسلام",
        note="نام سکو (از فهرست سکوهای اداره یا هر نام دیگری)",
    ),
    Column("نام فروشگاه", "shop_name", example="ترشی مادربزرگ"),
    Column(
        "نشانی فروشگاه",
        "shop_url",
        example="https://basalam.com/torshi",
        note="نشانی وب فروشگاه (اختیاری)",
    ),
    Column(
        "تاریخ پیوستن",
        "onboarded_on",
        required=True,
        example="1403/05/12",
        read=jalali_date(
            "onboarded_on",
            "تاریخ پیوستن",
            required=True,
            future="تاریخ پیوستن نمی‌تواند در آینده باشد",
        ),
        write=jalali_text,
    ),
    Column(
        "وضعیت",
        "active",
        example="فعال",
        note="فعال یا غیرفعال (خالی: فعال)",
        read=_read_active,
        write=lambda v: "فعال" if v else "غیرفعال",
    ),
)


class _ChannelRows(RowHandler):
    def __init__(self, run: ImportRun) -> None:
        super().__init__(run)
        self.service = MarketService(self.session, today=run.today)

    def row(self, row: SheetRow) -> Outcome | None:
        onboarded = row.value("onboarded_on")
        active = row.value("active")
        row.check()
        data = ChannelInput(
            national_id=row.text("national_id"),
            platform=row.text("platform"),
            shop_name=row.text("shop_name"),
            shop_url=row.text("shop_url"),
            onboarded_on=onboarded,
            active=bool(active),
        )
        existing = _same_channel(self.session, data)
        if existing is None:
            self.service.add_channel(data)
        else:
            self.service.edit_channel(existing, data)
        return None


def _same_channel(session: Session, data: ChannelInput) -> str | None:
    """The live channel of this holder on this platform with this shop, if any."""
    try:
        nid = validate_national_id(data.national_id)
    except ValidationError:
        return None
    return session.scalar(
        select(SalesChannel.id)
        .join(Person, Person.id == SalesChannel.person_id)
        .where(
            Person.national_id == nid,
            SalesChannel.deleted.is_(False),
            SalesChannel.platform == normalize_text(data.platform),
            SalesChannel.shop_name == normalize_text(data.shop_name),
        )
        .limit(1)
    )


def _channel_records(session: Session) -> Iterator[Sequence[Any]]:
    for r in list_channels(session):
        yield (r.national_id, r.platform, r.shop_name, r.shop_url, r.onboarded_on, r.active)


CHANNELS = SheetKind(
    name="channels",
    columns=CHANNEL_COLUMNS,
    rows=_ChannelRows,
    records=_channel_records,
    sheet_title="کانال‌های فروش",
    import_title="ورود کانال‌های فروش از اکسل",
    intro=(
        "هر ردیف یک کانال فروش یک دارنده مجوز: کد ملی دارنده، سکوی فروش، نام و نشانی "
        "فروشگاه، تاریخ پیوستن و وضعیت. کانالی که همان دارنده با همان فروشگاه در همان سکو "
        "دارد به‌روز می‌شود."
    ),
    plural="کانال‌های-فروش",
    unit="کانال",
    row_savepoints=True,
)


# --- contracts --------------------------------------------------------------------------

_DELIVERY_SPLIT = re.compile(r"[|\n]+")


def _read_deliveries(value: str, _context: CellContext) -> tuple[Delivery, ...]:
    """``1403/05/01 100 note | 1403/06/01 50`` → deliveries."""
    found: list[Delivery] = []
    for part in _DELIVERY_SPLIT.split(value):
        words = normalize_text(part).split(" ", 2)
        if not words or not words[0]:
            continue
        try:
            day = jalali.parse_jalali(words[0], "deliveries", "تاریخ تحویل", required=True)
        except ValidationError as exc:
            raise CellProblem(f"تحویل «{part.strip()}»: {exc.message}") from exc
        quantity = to_ascii_digits(words[1]) if len(words) > 1 else ""
        if day is None or not quantity.isdigit() or int(quantity) <= 0:
            raise CellProblem(f"تحویل «{part.strip()}» باید «تاریخ مقدار یادداشت» باشد")
        found.append(Delivery(day, int(quantity), words[2] if len(words) > 2 else ""))
    return tuple(found)


def _write_deliveries(deliveries: Sequence[Delivery]) -> str:
    return " | ".join(
        " ".join(filter(None, (jalali_text(d.day), str(d.quantity), d.note))) for d in deliveries
    )


def _supporters_by_licence(session: Session) -> dict[str, str]:
    return {
        number: supporter_id
        for supporter_id, number in session.execute(
            select(Supporter.id, Licence.number)
            .join(Licence, Licence.id == Supporter.licence_id)
            .where(Supporter.deleted.is_(False))
        )
    }


def _licences_by_supporter(session: Session) -> dict[str, str]:
    return {v: k for k, v in _supporters_by_licence(session).items()}


CONTRACT_COLUMNS = Columns(
    Column(
        "نوع خریدار",
        "buyer_kind",
        required=True,
        example="شرکت",
        note="پشتیبان، سکوی بانک همکار یا شرکت",
        read=choice(BuyerKind, "نوع خریدار باید پشتیبان، سکوی بانک همکار یا شرکت باشد"),
        write=label(BuyerKind),
    ),
    Column(
        "خریدار",
        "buyer",
        required=True,
        example="شرکت پخش البرز",
        note="برای پشتیبان: شماره مجوز پشتیبان؛ برای دیگران: نام خریدار",
    ),
    Column(
        "نوع فروشنده",
        "seller_kind",
        example="دارنده مجوز",
        note="دارنده مجوز یا شبکه پشتیبان (خالی: دارنده مجوز)",
        read=choice(
            SellerKind,
            "نوع فروشنده باید دارنده مجوز یا شبکه پشتیبان باشد",
            default=SellerKind.HOLDER.value,
        ),
        write=label(SellerKind),
    ),
    Column(
        "فروشنده",
        "seller",
        required=True,
        example="0067749828",
        note="برای دارنده: کد ملی؛ برای شبکه: شماره مجوز پشتیبان",
    ),
    Column("کالا", "product", required=True, example="رب گوجه"),
    Column(
        "واحد",
        "unit",
        required=True,
        example="کیلوگرم",
        read=choice(ContractUnit, "واحد شناخته نیست (عدد، کیلوگرم، لیتر، متر، بسته، جعبه)"),
        write=label(ContractUnit),
    ),
    Column("مقدار", "quantity", required=True, example="500"),
    Column(
        "قیمت واحد (تومان)",
        "unit_price",
        required=True,
        example="120000",
        note="به تومان؛ یک رقم اعشار یعنی ریال (12000.5)",
    ),
    Column(
        "شروع دوره",
        "start_date",
        required=True,
        example="1403/05/01",
        read=jalali_date("start_date", "شروع دوره", required=True),
        write=jalali_text,
    ),
    Column(
        "پایان دوره",
        "end_date",
        required=True,
        example="1403/11/30",
        read=jalali_date("end_date", "پایان دوره", required=True),
        write=jalali_text,
    ),
    Column(
        "تحویل‌ها",
        "deliveries",
        example="1403/06/01 100 بار اول | 1403/07/01 50",
        note="هر تحویل: تاریخ، مقدار و یادداشت؛ تحویل‌ها با | جدا می‌شوند",
        read=_read_deliveries,
        write=_write_deliveries,
    ),
    Column("دلیل تحویل بیشتر", "over_reason", note="فقط اگر بیش از مقدار قرارداد تحویل شده است"),
)
_CONTRACT_FIELDS = {
    "buyer_supporter_id": "buyer",
    "buyer_name": "buyer",
    "seller_national_id": "seller",
    "seller_supporter_id": "seller",
}


class _ContractRows(RowHandler):
    def __init__(self, run: ImportRun) -> None:
        super().__init__(run)
        self.service = MarketService(self.session, today=run.today)

    def _supporter(self, row: SheetRow, column: str) -> str:
        number = normalise_licence_number(row.text(column))
        found = self.run.table(_supporters_by_licence).get(number)
        if found is None:
            row.fail(column, f"پشتیبانی با شماره مجوز {number or '—'} در دفتر نیست")
            return ""
        return found

    def row(self, row: SheetRow) -> Outcome | None:
        buyer_kind = row.value("buyer_kind")
        seller_kind = row.value("seller_kind")
        values = {
            name: row.value(name) for name in ("unit", "start_date", "end_date", "deliveries")
        }
        row.check()
        buyer_supporter = self._supporter(row, "buyer") if buyer_kind == BuyerKind.SUPPORTER else ""
        seller_supporter = (
            self._supporter(row, "seller") if seller_kind == SellerKind.NETWORK else ""
        )
        row.check()
        data = ContractInput(
            buyer_kind=str(buyer_kind),
            buyer_supporter_id=buyer_supporter,
            buyer_name="" if buyer_supporter else row.text("buyer"),
            seller_kind=str(seller_kind),
            seller_national_id="" if seller_supporter else row.text("seller"),
            seller_supporter_id=seller_supporter,
            product=row.text("product"),
            unit=str(values["unit"]),
            quantity=row.text("quantity"),
            unit_price_toman=row.text("unit_price"),
            start_date=values["start_date"],
            end_date=values["end_date"],
            deliveries=values["deliveries"] or (),
            over_reason=row.text("over_reason"),
        )
        existing = _same_contract(self.session, data)
        if existing is None:
            self.service.add_contract(data)
        else:
            self.service.edit_contract(existing, data)
        return None


def _same_contract(session: Session, data: ContractInput) -> str | None:
    """A live contract with the same buyer, seller, product and start, if any."""
    query = select(PurchaseContract.id).where(
        PurchaseContract.deleted.is_(False),
        PurchaseContract.buyer_kind == data.buyer_kind,
        PurchaseContract.product == normalize_text(data.product),
        PurchaseContract.start_date == data.start_date,
    )
    if data.buyer_supporter_id:
        query = query.where(PurchaseContract.buyer_supporter_id == data.buyer_supporter_id)
    else:
        query = query.where(PurchaseContract.buyer_name == normalize_text(data.buyer_name))
    if data.seller_supporter_id:
        query = query.where(PurchaseContract.seller_supporter_id == data.seller_supporter_id)
    else:
        try:
            nid = validate_national_id(data.seller_national_id)
        except ValidationError:
            return None
        query = query.join(Person, Person.id == PurchaseContract.seller_person_id).where(
            Person.national_id == nid
        )
    return session.scalar(query.limit(1))


def _contract_cells(row: ContractRow, licences: dict[str, str], nids: dict[str, str]) -> list[Any]:
    buyer = licences.get(row.buyer_supporter_id or "", "") if row.buyer_supporter_id else row.buyer
    seller = (
        licences.get(row.seller_supporter_id or "", "")
        if row.seller_supporter_id
        else nids.get(row.seller_person_id or "", "")
    )
    return [
        row.buyer_kind,
        buyer,
        row.seller_kind,
        seller,
        row.product,
        row.unit,
        row.quantity,
        row.unit_price_toman,
        row.start_date,
        row.end_date,
        row.deliveries,
        row.over_reason,
    ]


def _contract_records(session: Session) -> Iterator[Sequence[Any]]:
    licences = _licences_by_supporter(session)
    nids = {row[0]: row[1] for row in session.execute(select(Person.id, Person.national_id))}
    for row in list_contracts(session):
        yield _contract_cells(row, licences, nids)


CONTRACTS = SheetKind(
    name="contracts",
    columns=CONTRACT_COLUMNS,
    rows=_ContractRows,
    records=_contract_records,
    sheet_title="قراردادهای خرید تضمینی",
    import_title="ورود قراردادهای خرید تضمینی از اکسل",
    intro=(
        "هر ردیف یک قرارداد خرید تضمینی: خریدار، فروشنده، کالا، واحد، مقدار، قیمت واحد به "
        "تومان، دوره و تحویل‌ها. قراردادی با همان خریدار، فروشنده، کالا و تاریخ شروع "
        "به‌روز می‌شود."
    ),
    plural="قراردادهای-خرید-تضمینی",
    unit="قرارداد",
    row_savepoints=True,
    field_columns=_CONTRACT_FIELDS,
    fallback_column="product",
)
