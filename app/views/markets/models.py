"""Table models of the market screens: channels and contracts (each a
:class:`~app.views.widgets.table_model.ColumnTableModel`), and a contract's deliveries."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QColor

from app.services.markets.records import (
    BUYER_LABELS,
    FULFILMENT_DONE,
    FULFILMENT_NONE,
    ChannelRow,
    ContractRow,
    Delivery,
    fulfilment_class,
)
from app.views.widgets.table_model import Column, ColumnTableModel
from common.text import group_thousands, to_persian_digits

INACTIVE = QColor("#6b7280")
DONE = QColor("#1b5e20")
NOT_STARTED = QColor("#b45309")
_NUMBER = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def _tr(text: str) -> str:
    return QCoreApplication.translate("MarketModels", text)


def channel_columns(*, with_holder: bool = True) -> list[Column[ChannelRow]]:
    columns: list[Column[ChannelRow]] = []
    if with_holder:
        columns += [
            Column(_tr("دارنده"), lambda r: r.holder),
            Column(_tr("کد ملی"), lambda r: r.national_id, digits=True),
        ]
    columns += [
        Column(_tr("سکوی فروش"), lambda r: r.platform),
        Column(
            _tr("فروشگاه"),
            # A shop's name in Persian digits; a web address as it is.
            lambda r: to_persian_digits(r.shop_name) if r.shop_name else r.shop_url,
            elided=True,
            tooltip=lambda r: r.shop_url or None,
        ),
        Column(_tr("تاریخ پیوستن"), lambda r: r.onboarded_on),
        Column(_tr("وضعیت"), lambda r: _tr("فعال") if r.active else _tr("غیرفعال")),
        Column(_tr("شهرستان"), lambda r: r.county),
    ]
    return columns


class ChannelsModel(ColumnTableModel[ChannelRow]):
    """Sales channels; an inactive one in grey."""

    def __init__(self, parent: QObject | None = None, *, with_holder: bool = True) -> None:
        super().__init__(
            channel_columns(with_holder=with_holder),
            parent,
            row_id=lambda r: r.id,
            row_foreground=lambda r: None if r.active else INACTIVE,
        )


def _fulfilment_color(row: ContractRow) -> QColor | None:
    return {FULFILMENT_DONE: DONE, FULFILMENT_NONE: NOT_STARTED}.get(fulfilment_class(row))


class ContractsModel(ColumnTableModel[ContractRow]):
    """Guaranteed-purchase contracts with their fulfilment."""

    def __init__(self, parent: QObject | None = None) -> None:
        columns: list[Column[ContractRow]] = [
            Column(_tr("خریدار"), lambda r: r.buyer, elided=True),
            Column(_tr("نوع خریدار"), lambda r: BUYER_LABELS.get(r.buyer_kind, r.buyer_kind)),
            Column(_tr("فروشنده"), lambda r: r.seller, elided=True),
            Column(_tr("کالا"), lambda r: r.product, elided=True, digits=True),
            Column(
                _tr("مقدار"),
                lambda r: r.quantity_text,
                align=_NUMBER,
                sort_key=lambda r: r.quantity,
            ),
            Column(
                _tr("قیمت واحد"),
                lambda r: r.unit_price_text,
                align=_NUMBER,
                sort_key=lambda r: r.unit_price,
            ),
            Column(_tr("شروع"), lambda r: r.start_date),
            Column(_tr("پایان"), lambda r: r.end_date),
            Column(
                _tr("تحقق"),
                lambda r: r.fulfilment_text,
                align=_NUMBER,
                foreground=_fulfilment_color,
                sort_key=lambda r: r.fulfilment,
                header_tooltip=_tr("تحویل‌شده نسبت به مقدار قرارداد"),
            ),
        ]
        super().__init__(columns, parent, row_id=lambda r: r.id)


class DeliveriesModel(ColumnTableModel[Delivery]):
    """A contract's deliveries, in the contract dialog."""

    def __init__(self, unit: str = "", parent: QObject | None = None) -> None:
        columns: list[Column[Delivery]] = [
            Column(_tr("تاریخ تحویل"), lambda d: d.day),
            Column(_tr("مقدار"), lambda d: group_thousands(d.quantity), align=_NUMBER),
            Column(_tr("یادداشت"), lambda d: d.note, elided=True),
        ]
        super().__init__(columns, parent)
        self.unit = unit
