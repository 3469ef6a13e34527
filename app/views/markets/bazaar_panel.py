"""The «بازارچه‌ها» panel of the «بازار» tab: a seasonal bazaar's sellers (its registered
participants) with their booth, the days they attended and the sales they reported; the
selected seller's booth and sales are edited under the list (errors beside the fields)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.markets.bazaar import (
    BazaarEvent,
    BazaarSeller,
    BazaarService,
    bazaar_events,
    bazaar_sellers,
)
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.sign_in import forbid
from app.views.widgets.form import (
    INVALID_STYLE,
    DigitsLineEdit,
    FieldErrors,
    add_field_row,
    make_error_label,
    show_save_errors,
)
from app.views.widgets.table_model import Column, ColumnTableModel
from app.views.widgets.table_style import setup_record_table
from common.jalali import format_jalali
from common.text import format_tomans, group_thousands, isolate_ltr, to_persian_digits
from common.vocabulary import Permission, RecordKind

_NUMBER = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def _tr(text: str) -> str:
    return QCoreApplication.translate("BazaarPanel", text)


class SellersModel(ColumnTableModel[BazaarSeller]):
    """A bazaar's sellers; ``days`` is how many days the bazaar runs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.days = 0
        columns: list[Column[BazaarSeller]] = [
            Column(_tr("غرفه"), lambda r: r.booth, digits=True),
            Column(_tr("فروشنده"), lambda r: r.name),
            Column(_tr("کد ملی"), lambda r: r.national_id, digits=True),
            Column(
                _tr("روزهای حضور"),
                lambda r: _tr("{a} از {d}").format(
                    a=group_thousands(r.days_attended), d=group_thousands(self.days)
                ),
                sort_key=lambda r: r.days_attended,
            ),
            Column(
                _tr("فروش گزارش‌شده"),
                lambda r: r.sales_text,
                align=_NUMBER,
                sort_key=lambda r: r.sales or 0,
            ),
        ]
        super().__init__(columns, parent, row_id=lambda r: r.participant_id)


class BazaarPanel(QWidget):
    """A bazaar's sellers and the selected seller's booth and sales."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setStyleSheet(INVALID_STYLE)
        self.event_combo = QComboBox()
        self.event_combo.setMinimumContentsLength(30)
        self.total_label = QLabel()
        self.model = SellersModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        setup_record_table(self.table)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.errors = FieldErrors(self)
        self.seller_label = QLabel(_tr("فروشنده‌ای از فهرست انتخاب کنید"))
        self.booth_edit = QLineEdit()
        self.booth_edit.setMaxLength(40)
        self.sales_edit = DigitsLineEdit(
            max_length=20, placeholder=_tr("به تومان؛ خالی: گزارش نشده")
        )
        self.save_button = QPushButton(_tr("ثبت غرفه و فروش"))
        self.general_error = make_error_label()
        form = QFormLayout()
        for name, text, widget in (
            ("booth", _tr("غرفه:"), self.booth_edit),
            ("sales", _tr("فروش (تومان):"), self.sales_edit),
        ):
            add_field_row(form, text, widget, self.errors.add(name, widget))
        editor = QHBoxLayout()
        editor.addWidget(self.seller_label)
        editor.addLayout(form, 1)
        editor.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignTop)
        top = QHBoxLayout()
        top.addWidget(QLabel(_tr("بازارچه:")))
        top.addWidget(self.event_combo)
        top.addStretch(1)
        top.addWidget(self.total_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(editor)
        layout.addWidget(self.general_error)
        self.event_combo.currentIndexChanged.connect(self.refresh)
        self.table.selectionModel().selectionChanged.connect(self.on_selection_changed)
        self.save_button.clicked.connect(self.on_save_button_clicked)
        self.on_selection_changed()
        self.load_events()

    def load_events(self) -> None:
        self.ctx.run_op(bazaar_events, self.on_events_loaded, self.on_load_failed, parent=self)

    def on_load_failed(self, exc: BaseException) -> None:
        show_error(self, exc)

    def on_events_loaded(self, events: list[BazaarEvent]) -> None:
        chosen = self.event_combo.currentData()
        self.event_combo.blockSignals(True)
        self.event_combo.clear()
        for event in events:
            span = f"{format_jalali(event.start_date)} تا {format_jalali(event.end_date)}"
            code = isolate_ltr(event.code)
            self.event_combo.addItem(f"{event.title} ({code}، {span})", event)
        index = next(
            (i for i, e in enumerate(events) if chosen is not None and e.id == chosen.id), 0
        )
        self.event_combo.setCurrentIndex(index if events else -1)
        self.event_combo.blockSignals(False)
        self.refresh()

    def current_event(self) -> BazaarEvent | None:
        event = self.event_combo.currentData()
        return event if isinstance(event, BazaarEvent) else None

    def refresh(self, *_args: object) -> None:
        event = self.current_event()
        if event is None:
            self.model.set_rows([])
            self.total_label.setText(_tr("بازارچه‌ای ثبت نشده است (رویداد از نوع بازارچه فصلی)"))
            return

        def op(session: Session) -> list[BazaarSeller]:
            return bazaar_sellers(session, event.id)

        self.model.days = event.days
        self.ctx.run_op(op, self.on_sellers_loaded, self.on_load_failed, parent=self)

    def on_sellers_loaded(self, sellers: list[BazaarSeller]) -> None:
        self.model.set_rows(sellers)
        total = sum(s.sales or 0 for s in sellers)
        self.total_label.setText(
            _tr("{n} فروشنده، فروش کل {t}").format(
                n=group_thousands(len(sellers)), t=format_tomans(total)
            )
        )
        self.on_selection_changed()

    def selected(self) -> BazaarSeller | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_data(rows[0].row()) if rows else None

    def on_selection_changed(self, *_args: object) -> None:
        seller = self.selected()
        self.errors.clear()
        self.general_error.hide()
        for widget in (self.booth_edit, self.sales_edit, self.save_button):
            widget.setEnabled(seller is not None)
        forbid(self.save_button, self.ctx.db.account, Permission.EVENTS)
        if seller is None:
            return
        self.seller_label.setText(seller.name)
        self.booth_edit.setText(to_persian_digits(seller.booth))
        tomans = "" if seller.sales is None else format_tomans(seller.sales, unit=False)
        self.sales_edit.setText(tomans.replace("\u066c", ""))

    def on_save_button_clicked(self) -> None:
        seller = self.selected()
        if seller is None:
            return
        self.errors.clear()
        self.general_error.hide()
        booth, sales = self.booth_edit.text(), self.sales_edit.text()

        def op(session: Session) -> BazaarSeller:
            return BazaarService(session).record_seller(seller.participant_id, booth, sales)

        self.ctx.run_op(op, lambda _s: None, self.on_save_failed, parent=self)

    def on_save_failed(self, exc: BaseException) -> None:
        show_save_errors(self, self.errors, self.general_error, exc)

    def on_records_changed(self, kind: str) -> None:
        if kind == RecordKind.EVENTS:
            self.load_events()
