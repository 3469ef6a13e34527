"""The person page (پرونده فرد): one person's licences, networks, events, certificates,
bank facility cases and market access (sales channels, contracts, bazaar sales).

Reached from the register and a licence's page (its holder), a supporter's members and an
event's participants (:func:`open_person_page`). Each list opens its record's own page
on a double click (or «باز کردن»). It loads off the GUI thread and reloads itself when
records of a kind it shows change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QCoreApplication, QModelIndex, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.certificates.records import IssuedCertificate
from app.services.events.records import ParticipationRow
from app.services.facilities.records import FacilityRow
from app.services.licences.register import RegisterRow
from app.services.markets.bazaar import HolderBazaar
from app.services.markets.records import ChannelRow, ContractRow
from app.services.person_file import PersonFile, person_file_of
from app.services.supporters.records import MembershipRow
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.widgets.table_model import ROW_ID_ROLE, Column, ColumnTableModel
from app.views.widgets.table_style import setup_record_table
from common import jalali
from common.text import isolate_ltr, to_persian_digits
from common.vocabulary import CertificateKind, Gender, LicenceStatus, RecordKind

R = TypeVar("R")
EMPTY = "—"

#: The kinds of records the page shows (it reloads when one changes).
_SHOWN = frozenset(
    {
        RecordKind.LICENCES,
        RecordKind.SUPPORTERS,
        RecordKind.EVENTS,
        RecordKind.CERTIFICATES,
        RecordKind.FACILITIES,
        RecordKind.MARKETS,
    }
)


def _tr(text: str) -> str:
    return QCoreApplication.translate("PersonPage", text)


def _n(count: int) -> str:
    return to_persian_digits(str(count))


LICENCE_COLUMNS: tuple[Column[RegisterRow], ...] = (
    Column(_tr("شماره مجوز"), lambda r: r.number, digits=True),
    Column(_tr("رشته"), lambda r: r.field, elided=True),
    Column(_tr("شهرستان"), lambda r: r.county),
    Column(_tr("تاریخ صدور"), lambda r: r.issue_date),
    Column(_tr("اعتبار تا"), lambda r: r.expiry_date),
    Column(_tr("وضعیت"), lambda r: LicenceStatus.label_of(r.status)),
)
NETWORK_COLUMNS: tuple[Column[MembershipRow], ...] = (
    Column(_tr("پشتیبان"), lambda r: r.supporter_name, elided=True),
    Column(_tr("نقش"), lambda r: r.role_label),
    Column(_tr("شهرستان"), lambda r: r.county),
    Column(_tr("عضویت از"), lambda r: r.joined_on),
    Column(_tr("خروج"), lambda r: r.left_on, empty=_tr("عضو است")),
)
EVENT_COLUMNS: tuple[Column[ParticipationRow], ...] = (
    Column(_tr("کد"), lambda r: r.code, digits=True),
    Column(_tr("عنوان"), lambda r: r.title, elided=True),
    Column(_tr("نوع"), lambda r: r.kind_label),
    Column(_tr("از"), lambda r: r.start_date),
    Column(_tr("تا"), lambda r: r.end_date),
    Column(_tr("وضعیت"), lambda r: r.status_label),
    Column(_tr("روزهای حضور"), lambda r: r.days_present),
)
CERTIFICATE_COLUMNS: tuple[Column[IssuedCertificate], ...] = (
    Column(_tr("شماره سریال"), lambda r: isolate_ltr(r.serial), digits=True),
    Column(_tr("نوع"), lambda r: CertificateKind.label_of(r.kind)),
    Column(_tr("مجوز"), lambda r: r.licence_number, digits=True, empty=EMPTY),
    Column(_tr("تاریخ"), lambda r: r.issued_at.date()),
    Column(_tr("المثنی"), lambda r: _tr("بله") if r.duplicate else ""),
    Column(_tr("کاربر"), lambda r: r.actor),
)


FACILITY_COLUMNS: tuple[Column[FacilityRow], ...] = (
    Column(_tr("برنامه"), lambda r: r.programme, elided=True),
    Column(_tr("بانک"), lambda r: r.bank_name),
    Column(_tr("شعبه"), lambda r: r.branch_name),
    Column(_tr("مبلغ درخواستی"), lambda r: r.requested_text),
    Column(_tr("مبلغ مصوب"), lambda r: r.approved_text, empty=EMPTY),
    Column(_tr("مرحله"), lambda r: r.stage_label),
    Column(_tr("تأخیر"), lambda r: r.late_text),
    Column(_tr("بازپرداخت"), lambda r: r.repayment_text),
)
CHANNEL_COLUMNS: tuple[Column[ChannelRow], ...] = (
    Column(_tr("سکو"), lambda r: r.platform),
    Column(_tr("فروشگاه"), lambda r: r.shop_name, elided=True),
    Column(_tr("نشانی"), lambda r: isolate_ltr(r.shop_url) if r.shop_url else "", elided=True),
    Column(_tr("از"), lambda r: r.onboarded_on),
    Column(_tr("وضعیت"), lambda r: _tr("فعال") if r.active else _tr("غیرفعال")),
)
CONTRACT_COLUMNS: tuple[Column[ContractRow], ...] = (
    Column(_tr("خریدار"), lambda r: r.buyer, elided=True),
    Column(_tr("محصول"), lambda r: r.product, elided=True),
    Column(_tr("مقدار"), lambda r: r.quantity_text),
    Column(_tr("قیمت واحد"), lambda r: r.unit_price_text),
    Column(_tr("از"), lambda r: r.start_date),
    Column(_tr("تا"), lambda r: r.end_date),
    Column(_tr("تحقق"), lambda r: r.fulfilment_text),
)
BAZAAR_COLUMNS: tuple[Column[HolderBazaar], ...] = (
    Column(_tr("بازارچه"), lambda r: r.event.title, elided=True),
    Column(_tr("از"), lambda r: r.event.start_date),
    Column(_tr("غرفه"), lambda r: r.seller.booth, digits=True, empty=EMPTY),
    Column(_tr("فروش"), lambda r: r.seller.sales_text),
)


class _Tab(Generic[R]):
    """One list of the page: a table of rows, with the action that opens a row."""

    def __init__(
        self,
        columns: Sequence[Column[R]],
        row_id: Callable[[R], str],
        opener: Callable[[str], object] | None,
        empty_text: str,
    ) -> None:
        self.widget = QWidget()
        self.table = QTableView()
        self.model: ColumnTableModel[R] = ColumnTableModel(columns, self.table, row_id=row_id)
        self.table.setModel(self.model)
        setup_record_table(self.table)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        head.setStretchLastSection(True)
        self.empty = QLabel(empty_text)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: palette(placeholder-text);")
        layout = QVBoxLayout(self.widget)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        self.opener = opener
        if opener is not None:
            self.open_button = QPushButton(_tr("باز کردن…"))
            self.open_button.setEnabled(False)
            self.open_button.clicked.connect(self.open_selected)
            self.table.doubleClicked.connect(self._on_double_clicked)
            self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
            buttons = QHBoxLayout()
            buttons.addStretch(1)
            buttons.addWidget(self.open_button)
            layout.addLayout(buttons)

    def show_rows(self, rows: Sequence[R]) -> None:
        self.model.set_rows(rows)
        self.table.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        if self.opener is not None:
            self._on_selection_changed()

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        value = rows[0].data(ROW_ID_ROLE)
        return str(value) if value else None

    def open_selected(self) -> None:
        row_id = self.selected_id()
        if row_id is not None and self.opener is not None:
            self.opener(row_id)

    def _on_double_clicked(self, index: QModelIndex) -> None:
        value = index.data(ROW_ID_ROLE)
        if value and self.opener is not None:
            self.opener(str(value))

    def _on_selection_changed(self, *_args: Any) -> None:
        self.open_button.setEnabled(self.selected_id() is not None)


class PersonPage(QDialog):
    """One person's file. ``via`` and ``record_id`` say how the person was reached:
    ``person`` (its id), ``licence`` (its holder), ``member`` (a membership's person) or
    ``participant`` (an event participant's)."""

    #: Emitted once the file is shown (tests, and the benchmark, wait for it).
    sig_loaded = Signal()

    def __init__(
        self, ctx: AppContext, via: str, record_id: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.via, self.record_id = via, record_id
        self.file: PersonFile | None = None
        self.setWindowTitle(_tr("پرونده فرد"))
        self.setModal(False)
        self._build()
        ctx.signals.sig_records_changed.connect(self.on_records_changed)
        self.reload()

    # -- building -----------------------------------------------------------------------------

    def _build(self) -> None:
        self.name_label = QLabel()
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.name_label.setFont(font)
        self.summary_label = QLabel()
        self.summary_label.setStyleSheet("color: palette(placeholder-text);")
        header = QHBoxLayout()
        header.addWidget(self.name_label)
        header.addSpacing(12)
        header.addWidget(self.summary_label)
        header.addStretch(1)

        self.values: dict[str, QLabel] = {}
        details = QGroupBox(_tr("مشخصات"))
        columns = QHBoxLayout(details)
        for rows in (
            [("national_id", _tr("کد ملی:")), ("father", _tr("نام پدر:"))],
            [("birth", _tr("تاریخ تولد:")), ("gender", _tr("جنسیت:"))],
            [("mobile", _tr("تلفن همراه:")), ("address", _tr("نشانی:"))],
        ):
            form = QFormLayout()
            for key, text in rows:
                label = QLabel(text)
                label.setStyleSheet("color: palette(placeholder-text);")
                value = QLabel()
                value.setWordWrap(True)
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                self.values[key] = value
                form.addRow(label, value)
            columns.addLayout(form, 1)

        self.licences = _Tab(
            LICENCE_COLUMNS, lambda r: r.id, self.open_licence, _tr("مجوزی ندارد.")
        )
        self.networks = _Tab(
            NETWORK_COLUMNS,
            lambda r: r.supporter_id,
            self.open_supporter,
            _tr("عضو هیچ شبکه‌ای نیست."),
        )
        self.events = _Tab(
            EVENT_COLUMNS,
            lambda r: r.event_id,
            self.open_event,
            _tr("در رویدادی ثبت‌نام نکرده است."),
        )
        self.certificates = _Tab(
            CERTIFICATE_COLUMNS, lambda r: r.id, None, _tr("گواهی‌نامه‌ای برایش چاپ نشده است.")
        )
        self.facilities = _Tab(
            FACILITY_COLUMNS,
            lambda r: r.id,
            self.open_facility,
            _tr("پرونده تسهیلاتی ندارد."),
        )
        self.channels = _Tab(
            CHANNEL_COLUMNS, lambda r: r.id, self.open_channel, _tr("کانال فروشی ثبت نشده است.")
        )
        self.contracts = _Tab(
            CONTRACT_COLUMNS,
            lambda r: r.id,
            self.open_contract,
            _tr("قرارداد خرید تضمینی ندارد."),
        )
        self.bazaars = _Tab(
            BAZAAR_COLUMNS, lambda r: r.event.id, self.open_event, _tr("در بازارچه‌ای نفروخته است.")
        )
        market = QWidget()
        market_layout = QVBoxLayout(market)
        for title, tab in (
            (_tr("کانال‌های فروش"), self.channels),
            (_tr("قراردادهای خرید تضمینی"), self.contracts),
            (_tr("فروش در بازارچه‌ها"), self.bazaars),
        ):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(tab.widget)
            market_layout.addWidget(box)
        self.tabs = QTabWidget()
        for widget in (
            self.licences.widget,
            self.networks.widget,
            self.events.widget,
            self.certificates.widget,
            self.facilities.widget,
            market,
        ):
            self.tabs.addTab(widget, "")

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(details)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.resize(880, 600)

    # -- loading ------------------------------------------------------------------------------

    def reload(self) -> None:
        """Load the file (in a worker)."""
        via, record_id = self.via, self.record_id

        def load(session: Session) -> PersonFile:
            return person_file_of(session, via, record_id)

        self.ctx.run_op(load, self.on_loaded, self.on_load_failed, parent=self)

    def on_records_changed(self, kind: str) -> None:
        if kind in _SHOWN and self.isVisible():
            self.reload()

    def on_load_failed(self, exc: BaseException) -> None:
        show_error(self, exc)

    def on_loaded(self, file: PersonFile) -> None:
        """Show the file."""
        self.file = file
        person = file.person
        # Later reloads go by the person (a licence may have moved to another holder).
        self.via, self.record_id = "person", person.id
        self.setWindowTitle(_tr("پرونده فرد: {name}").format(name=person.full_name))
        self.name_label.setText(person.full_name)
        self.summary_label.setText(
            _tr("{licences} مجوز فعال، عضو {networks} شبکه، {events} رویداد").format(
                licences=_n(file.active_licences),
                networks=_n(file.active_networks),
                events=_n(len(file.events)),
            )
        )
        self.values["national_id"].setText(to_persian_digits(person.national_id))
        self.values["father"].setText(person.father_name or EMPTY)
        self.values["birth"].setText(
            jalali.format_jalali(person.birth_date) if person.birth_date else EMPTY
        )
        self.values["gender"].setText(Gender.label_of(person.gender) if person.gender else EMPTY)
        self.values["mobile"].setText(to_persian_digits(person.mobile) or EMPTY)
        self.values["address"].setText(person.address or EMPTY)
        self._show(0, self.licences, _tr("مجوزها"), file.licences)
        self._show(1, self.networks, _tr("شبکه‌ها"), file.networks)
        self._show(2, self.events, _tr("رویدادها و بازارچه‌ها"), file.events)
        self._show(3, self.certificates, _tr("گواهی‌نامه‌ها"), file.certificates)
        self._show(4, self.facilities, _tr("تسهیلات"), file.facilities)
        self.channels.show_rows(file.channels)
        self.contracts.show_rows(file.contracts)
        self.bazaars.show_rows(file.bazaars)
        markets = len(file.channels) + len(file.contracts) + len(file.bazaars)
        self.tabs.setTabText(5, f"{_tr('بازار')} ({_n(markets)})")
        self.sig_loaded.emit()

    def _show(self, index: int, tab: _Tab[R], title: str, rows: Sequence[R]) -> None:
        tab.show_rows(rows)
        self.tabs.setTabText(index, f"{title} ({_n(len(rows))})")

    # -- opening records ----------------------------------------------------------------------

    @staticmethod
    def _opened(dialog: QDialog) -> QDialog:
        """Show a record's window beside the page (not modal; deleted when closed)."""
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def open_licence(self, licence_id: str) -> QDialog:
        """A licence's page."""
        from app.views.licence_dialog import LicenceDialog

        return self._opened(LicenceDialog(self.ctx, licence_id, self))

    def open_supporter(self, supporter_id: str) -> QDialog:
        """A supporter's page."""
        from app.views.supporter_page import SupporterPage

        return self._opened(SupporterPage(self.ctx, supporter_id, self))

    def open_facility(self, case_id: str) -> QDialog:
        """A facility case's form."""
        from app.views.facilities.case_dialog import FacilityCaseDialog

        return self._opened(FacilityCaseDialog(self.ctx, self, case_id))

    def open_channel(self, channel_id: str) -> QDialog | None:
        """A sales channel's form."""
        from app.views.markets.channel_dialog import ChannelDialog

        rows = self.file.channels if self.file else []
        row = next((c for c in rows if c.id == channel_id), None)
        return self._opened(ChannelDialog(self.ctx, row, self)) if row is not None else None

    def open_contract(self, contract_id: str) -> QDialog | None:
        """A guaranteed-purchase contract's form (with its deliveries)."""
        from app.views.markets.contract_dialog import ContractDialog

        rows = self.file.contracts if self.file else []
        row = next((c for c in rows if c.id == contract_id), None)
        return self._opened(ContractDialog(self.ctx, row, self)) if row is not None else None

    def open_event(self, event_id: str) -> QDialog:
        """An event's page."""
        from app.views.events.event_dialog import EventDialog

        return self._opened(EventDialog(self.ctx, event_id, self))


def open_person_page(ctx: AppContext, via: str, record_id: str, parent: QWidget) -> PersonPage:
    """Show the file of the person reached ``via`` a record (see :class:`PersonPage`), as a
    window of its own beside ``parent``."""
    page = PersonPage(ctx, via, record_id, parent)
    page.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    page.show()
    page.raise_()
    return page
