"""Adding or editing a guaranteed-purchase contract (خرید تضمینی): :class:`ContractDialog`.

The buyer (a supporter, a partner bank's platform or a company), the seller (a holder by
national ID, or a supporter's network), the product, unit, quantity and unit price (typed
in tomans, shown back with separators), the Jalali period, and the deliveries recorded
against it with the fulfilment so far. Every error comes back from the service beside its
field (a delivery outside the period beside the deliveries, over-delivery beside the
reason it needs).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
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

from app.services.markets.queries import person_national_id, supporter_names
from app.services.markets.records import (
    BUYER_LABELS,
    SELLER_LABELS,
    UNIT_LABELS,
    ContractInput,
    ContractRow,
    Delivery,
)
from app.services.markets.service import MarketService, toman_to_rials
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.markets.models import DeliveriesModel
from app.views.widgets.form import (
    INVALID_STYLE,
    DigitsLineEdit,
    FieldErrors,
    add_field_row,
    make_error_label,
    make_form_layout,
    save_cancel_buttons,
    show_save_errors,
)
from app.views.widgets.jalali_date_edit import JalaliDateEdit
from app.views.widgets.search_combo import SearchCombo
from app.views.widgets.table_style import setup_record_table
from common import jalali
from common.errors import ValidationError
from common.text import format_tomans, group_thousands, to_ascii_digits, to_persian_digits
from common.vocabulary import BuyerKind, SellerKind

#: The programme's partner banks' platforms (issue 14: Refah Kargaran and Mehr Iran).
PARTNER_PLATFORMS = ("سکوی بانک رفاه کارگران", "سکوی بانک قرض‌الحسنه مهر ایران")


def _tr(text: str) -> str:
    return QCoreApplication.translate("ContractDialog", text)


@dataclass(frozen=True)
class _Choices:
    supporters: dict[str, str]
    seller_national_id: str


class ContractDialog(QDialog):
    """A contract, new (``contract`` None) or edited, with its deliveries. After
    ``accept()``, :attr:`saved_id` is its id."""

    def __init__(
        self,
        ctx: AppContext,
        contract: ContractRow | None = None,
        parent: QWidget | None = None,
        *,
        seller_supporter_id: str = "",
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.contract = contract
        self.saved_id: str | None = None
        self._saving = False
        self._seller_supporter_id = seller_supporter_id
        self.setWindowTitle(
            _tr("ویرایش قرارداد خرید تضمینی") if contract else _tr("ثبت قرارداد خرید تضمینی")
        )
        self.setStyleSheet(INVALID_STYLE)
        self.errors = FieldErrors(self)
        self._build_inputs()
        self.form = make_form_layout()
        #: Each field's row label (rows shown or hidden by the buyer and seller kinds).
        self.row_labels: dict[str, QLabel] = {}
        for name, text, widget, mark, extra in self._rows():
            error = self.errors.add(name, widget, mark=mark)
            self.row_labels[name] = add_field_row(
                self.form, text, widget, error, *([extra] if extra else []), buddy=mark
            )
        self.general_error = make_error_label()
        self.buttons, self.save_button, _cancel = save_cancel_buttons()
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(640)
        self.buyer_kind_combo.currentIndexChanged.connect(self.on_kind_changed)
        self.seller_kind_combo.currentIndexChanged.connect(self.on_kind_changed)
        self.price_edit.textChanged.connect(self.on_price_edit_text_changed)
        self.quantity_edit.textChanged.connect(self.update_fulfilment)
        self.add_delivery_button.clicked.connect(self.on_add_delivery_button_clicked)
        self.remove_delivery_button.clicked.connect(self.on_remove_delivery_button_clicked)
        self.setEnabled(False)
        person_id = contract.seller_person_id if contract else None

        def load(session: Session) -> _Choices:
            nid = person_national_id(session, person_id) if person_id else ""
            return _Choices(supporter_names(session), nid)

        ctx.run_op(load, self.on_choices_loaded, self.on_load_failed, parent=self)

    # -- building -------------------------------------------------------------------------

    def _build_inputs(self) -> None:
        self.buyer_kind_combo = QComboBox()
        for buyer in tuple(BuyerKind):
            self.buyer_kind_combo.addItem(BUYER_LABELS[buyer], buyer)
        self.buyer_supporter_combo = SearchCombo(placeholder=_tr("نام پشتیبان را بنویسید"))
        self.buyer_name_combo = QComboBox()
        self.buyer_name_combo.setEditable(True)
        self.seller_kind_combo = QComboBox()
        for seller in tuple(SellerKind):
            self.seller_kind_combo.addItem(SELLER_LABELS[seller], seller)
        self.seller_nid_edit = DigitsLineEdit(max_length=14, placeholder="۰۰۶۷۷۴۹۸۲۸")
        self.seller_supporter_combo = SearchCombo(placeholder=_tr("نام پشتیبان را بنویسید"))
        self.product_edit = QLineEdit()
        self.product_edit.setMaxLength(200)
        self.unit_combo = QComboBox()
        for code, label in UNIT_LABELS.items():
            self.unit_combo.addItem(label, code)
        self.quantity_edit = DigitsLineEdit(max_length=12)
        self.price_edit = DigitsLineEdit(max_length=20, placeholder=_tr("به تومان"))
        self.price_note = QLabel()
        self.price_note.setStyleSheet("color: palette(placeholder-text);")
        self.start_edit = JalaliDateEdit()
        self.end_edit = JalaliDateEdit()
        today = jalali.today()
        self.start_edit.setDate(today)
        self.end_edit.setDate(jalali.add_jalali_months(today, 6))
        self.deliveries_box = self._build_deliveries()
        self.over_reason_edit = QLineEdit()
        self.over_reason_edit.setMaxLength(500)
        self.over_reason_edit.setPlaceholderText(_tr("فقط اگر بیش از مقدار قرارداد تحویل شده است"))

    def _build_deliveries(self) -> QWidget:
        self.deliveries_model = DeliveriesModel(parent=self)
        self.deliveries_view = QTableView()
        self.deliveries_view.setModel(self.deliveries_model)
        setup_record_table(self.deliveries_view)
        self.deliveries_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.deliveries_view.setMinimumHeight(120)
        self.delivery_day_edit = JalaliDateEdit()
        self.delivery_day_edit.setDate(jalali.today())
        self.delivery_quantity_edit = DigitsLineEdit(max_length=12, placeholder=_tr("مقدار"))
        self.delivery_note_edit = QLineEdit()
        self.delivery_note_edit.setPlaceholderText(_tr("یادداشت"))
        self.add_delivery_button = QPushButton(_tr("افزودن تحویل"))
        self.remove_delivery_button = QPushButton(_tr("حذف تحویل انتخاب‌شده"))
        self.fulfilment_label = QLabel()
        self.delivery_error = make_error_label()
        inputs = QHBoxLayout()
        inputs.addWidget(self.delivery_day_edit)
        inputs.addWidget(self.delivery_quantity_edit)
        inputs.addWidget(self.delivery_note_edit, 1)
        inputs.addWidget(self.add_delivery_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.fulfilment_label, 1)
        bottom.addWidget(self.remove_delivery_button)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.deliveries_view)
        layout.addLayout(inputs)
        layout.addWidget(self.delivery_error)
        layout.addLayout(bottom)
        return box

    def _rows(self) -> list[tuple[str, str, QWidget, QWidget | None, QWidget | None]]:
        return [
            ("buyer_kind", _tr("نوع خریدار:"), self.buyer_kind_combo, None, None),
            ("buyer_supporter_id", _tr("پشتیبان خریدار:"), self.buyer_supporter_combo, None, None),
            ("buyer_name", _tr("نام خریدار:"), self.buyer_name_combo, None, None),
            ("seller_kind", _tr("فروشنده:"), self.seller_kind_combo, None, None),
            ("seller_national_id", _tr("کد ملی دارنده:"), self.seller_nid_edit, None, None),
            ("seller_supporter_id", _tr("شبکه پشتیبان:"), self.seller_supporter_combo, None, None),
            ("product", _tr("کالا:"), self.product_edit, None, None),
            ("unit", _tr("واحد:"), self.unit_combo, None, None),
            ("quantity", _tr("مقدار قرارداد:"), self.quantity_edit, None, None),
            ("unit_price", _tr("قیمت واحد (تومان):"), self.price_edit, None, self.price_note),
            ("start_date", _tr("شروع دوره:"), self.start_edit, self.start_edit.date_edit, None),
            ("end_date", _tr("پایان دوره:"), self.end_edit, self.end_edit.date_edit, None),
            ("deliveries", _tr("تحویل‌ها:"), self.deliveries_box, self.deliveries_view, None),
            ("over_reason", _tr("دلیل تحویل بیشتر:"), self.over_reason_edit, None, None),
        ]

    # -- loading --------------------------------------------------------------------------

    def on_choices_loaded(self, choices: _Choices) -> None:
        """Fill the supporter lists, then the form (an edited contract's values)."""
        for combo in (self.buyer_supporter_combo, self.seller_supporter_combo):
            for supporter_id, name in sorted(choices.supporters.items(), key=lambda i: i[1]):
                combo.add_item(name, supporter_id)
            combo.set_value(None)
        contract = self.contract
        if contract is not None:
            self._fill(contract, choices.seller_national_id)
        elif self._seller_supporter_id:
            self.seller_kind_combo.setCurrentIndex(
                self.seller_kind_combo.findData(SellerKind.NETWORK)
            )
            self.seller_supporter_combo.set_value(self._seller_supporter_id)
        self.on_kind_changed()
        self.update_fulfilment()
        self.setEnabled(True)
        self.product_edit.setFocus()

    def _fill(self, contract: ContractRow, seller_nid: str) -> None:
        self.buyer_kind_combo.setCurrentIndex(self.buyer_kind_combo.findData(contract.buyer_kind))
        self.on_kind_changed()
        self.buyer_supporter_combo.set_value(contract.buyer_supporter_id)
        if contract.buyer_kind != BuyerKind.SUPPORTER:
            self.buyer_name_combo.setCurrentText(contract.buyer)
        self.seller_kind_combo.setCurrentIndex(
            self.seller_kind_combo.findData(contract.seller_kind)
        )
        self.seller_nid_edit.setText(to_persian_digits(seller_nid))
        self.seller_supporter_combo.set_value(contract.seller_supporter_id)
        self.product_edit.setText(contract.product)
        self.unit_combo.setCurrentIndex(self.unit_combo.findData(contract.unit))
        self.quantity_edit.setText(to_persian_digits(str(contract.quantity)))
        self.price_edit.setText(to_persian_digits(contract.unit_price_toman))
        self.start_edit.setDate(contract.start_date)
        self.end_edit.setDate(contract.end_date)
        self.deliveries_model.set_rows(contract.deliveries)
        self.over_reason_edit.setText(contract.over_reason)

    def on_load_failed(self, exc: BaseException) -> None:
        show_error(self, exc)
        self.setEnabled(True)
        self.save_button.setEnabled(False)

    # -- reacting -------------------------------------------------------------------------

    def on_kind_changed(self, *_args: object) -> None:
        """Show the inputs the chosen buyer and seller kinds need."""
        buyer = self.buyer_kind_combo.currentData()
        self.form.setRowVisible(self.row_labels["buyer_supporter_id"], buyer == BuyerKind.SUPPORTER)
        self.form.setRowVisible(self.row_labels["buyer_name"], buyer != BuyerKind.SUPPORTER)
        typed = self.buyer_name_combo.currentText()
        self.buyer_name_combo.clear()
        if buyer == BuyerKind.BANK_PLATFORM:
            self.buyer_name_combo.addItems(PARTNER_PLATFORMS)
        self.buyer_name_combo.setCurrentText(
            typed
            if typed and typed not in PARTNER_PLATFORMS
            else self.buyer_name_combo.currentText()
        )
        seller = self.seller_kind_combo.currentData()
        self.form.setRowVisible(self.row_labels["seller_national_id"], seller == SellerKind.HOLDER)
        self.form.setRowVisible(
            self.row_labels["seller_supporter_id"], seller == SellerKind.NETWORK
        )

    def on_price_edit_text_changed(self, text: str) -> None:
        """Say the price back in tomans with separators (and flag what isn't a price)."""
        try:
            rials = toman_to_rials(text) if text.strip() else None
        except ValidationError:
            rials = None
        self.price_note.setText(format_tomans(rials) if rials else "")

    def _quantity(self) -> int:
        digits = to_ascii_digits(self.quantity_edit.text()).strip()
        return int(digits) if digits.isdigit() else 0

    def update_fulfilment(self, *_args: object) -> None:
        """The delivered total against the quantity agreed."""
        delivered = sum(d.quantity for d in self.deliveries_model.rows())
        quantity = self._quantity()
        unit = self.unit_combo.currentText()
        text = _tr("تحویل‌شده: {d} {u}").format(d=group_thousands(delivered), u=unit)
        if quantity:
            percent = group_thousands(round(100 * delivered / quantity))
            text += _tr(" از {q} — تحقق {p}٪").format(q=group_thousands(quantity), p=percent)
        self.fulfilment_label.setText(text)

    def on_add_delivery_button_clicked(self) -> None:
        """Add the delivery typed (checked with the contract when it is saved)."""
        self.delivery_error.hide()
        digits = to_ascii_digits(self.delivery_quantity_edit.text()).strip()
        day = self.delivery_day_edit.date()
        if not digits.isdigit() or int(digits) <= 0 or day is None:
            self.delivery_error.setText(_tr("تاریخ و مقدار تحویل را بنویسید"))
            self.delivery_error.show()
            return
        rows = [
            *self.deliveries_model.rows(),
            Delivery(day, int(digits), self.delivery_note_edit.text()),
        ]
        rows.sort(key=lambda d: d.day)
        self.deliveries_model.set_rows(rows)
        self.delivery_quantity_edit.clear()
        self.delivery_note_edit.clear()
        self.update_fulfilment()

    def on_remove_delivery_button_clicked(self) -> None:
        selected = {index.row() for index in self.deliveries_view.selectionModel().selectedRows()}
        rows = [d for i, d in enumerate(self.deliveries_model.rows()) if i not in selected]
        self.deliveries_model.set_rows(rows)
        self.update_fulfilment()

    # -- saving ---------------------------------------------------------------------------

    def contract_input(self) -> ContractInput:
        """What the form holds, raw."""
        start: dt.date | None = self.start_edit.date()
        end: dt.date | None = self.end_edit.date()
        return ContractInput(
            buyer_kind=str(self.buyer_kind_combo.currentData()),
            buyer_supporter_id=str(self.buyer_supporter_combo.value() or ""),
            buyer_name=self.buyer_name_combo.currentText(),
            seller_kind=str(self.seller_kind_combo.currentData()),
            seller_national_id=self.seller_nid_edit.text(),
            seller_supporter_id=str(self.seller_supporter_combo.value() or ""),
            product=self.product_edit.text(),
            unit=str(self.unit_combo.currentData()),
            quantity=self.quantity_edit.text(),
            unit_price_toman=self.price_edit.text(),
            start_date=start,
            end_date=end,
            deliveries=tuple(self.deliveries_model.rows()),
            over_reason=self.over_reason_edit.text(),
        )

    def on_buttons_accepted(self) -> None:
        if self._saving:
            return
        self.errors.clear()
        self.general_error.hide()
        data = self.contract_input()
        contract_id = self.contract.id if self.contract is not None else None

        def op(session: Session) -> str:
            service = MarketService(session)
            if contract_id is None:
                return service.add_contract(data)
            service.edit_contract(contract_id, data)
            return contract_id

        self._saving = True
        self.save_button.setEnabled(False)
        self.ctx.run_op(op, self.on_save_succeeded, self.on_save_failed, parent=self)

    def on_save_succeeded(self, contract_id: str) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        self.saved_id = contract_id
        self.accept()

    def on_save_failed(self, exc: BaseException) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        show_save_errors(self, self.errors, self.general_error, exc)
