"""The first-start dialog «راه‌اندازی دفتر»: which office this database belongs to.

It first loads the shipped provinces and counties into the database
(:func:`app.services.reference.seed_reference_data`, idempotent) in a worker, then lists
them. OK runs :func:`app.services.office.setup_office` in a worker; the service's
validation messages appear under their fields, and the dialog closes only on success.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services import office as office_service
from app.services import reference
from app.services.errors import ValidationErrors
from app.services.office import OfficeInfo, OfficeInput
from app.services.reference import CountyInfo, ProvinceInfo
from app.views.context import RECORDS_OFFICE, AppContext
from app.views.errors import show_error
from app.views.widgets.form import (
    INVALID_STYLE,
    FieldErrors,
    LatinLineEdit,
    add_field_row,
    make_error_label,
    make_form_layout,
)

#: Item data of the county choice meaning "the province's head office" (no county).
PROVINCE_OFFICE = "__province__"
DEFAULT_VALIDITY_YEARS = 5


def _tr(text: str) -> str:
    return QCoreApplication.translate("SetupDialog", text)


@dataclass(frozen=True)
class _Places:
    provinces: list[ProvinceInfo]
    counties: list[CountyInfo]


def _load_places(session: Session) -> _Places:
    reference.seed_reference_data(session)
    session.flush()
    return _Places(reference.list_provinces(session), reference.list_counties(session))


class SetupDialog(QDialog):
    """Asks for the office's province, county, name, licence-number prefix and validity.

    After ``accept()``, :attr:`office` holds the office that was created.
    """

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.office: OfficeInfo | None = None
        self._provinces: list[ProvinceInfo] = []
        self._counties: list[CountyInfo] = []
        self._suggested_name = ""
        self._suggested_prefix = ""
        self.setWindowTitle(_tr("راه‌اندازی دفتر"))
        self.setStyleSheet(INVALID_STYLE)
        self.setMinimumWidth(560)

        intro = QLabel(
            _tr(
                "به «دفتر» خوش آمدید. این پایگاه داده هنوز به اداره‌ای تعلق ندارد. "
                "استان و شهرستان اداره را انتخاب کنید؛ شماره مجوزهایی که صادر می‌کنید "
                "با پیشوند زیر شروع می‌شود."
            )
        )
        intro.setWordWrap(True)

        self.province_combo = QComboBox()
        self.province_combo.setPlaceholderText(_tr("استان را انتخاب کنید"))
        self.province_combo.setMaxVisibleItems(16)
        self.county_combo = QComboBox()
        self.county_combo.setPlaceholderText(_tr("شهرستان را انتخاب کنید"))
        self.county_combo.setMaxVisibleItems(16)
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(120)
        self.prefix_edit = LatinLineEdit(max_length=10)
        self.prefix_edit.setPlaceholderText("0612")
        self.validity_spin = QSpinBox()
        self.validity_spin.setRange(
            office_service.MIN_VALIDITY_YEARS, office_service.MAX_VALIDITY_YEARS
        )
        self.validity_spin.setValue(DEFAULT_VALIDITY_YEARS)
        self.validity_spin.setSuffix(_tr(" سال"))
        self.validity_spin.setMaximumWidth(120)

        self.prefix_hint = QLabel(_tr("مثلاً کد شهرستان؛ فقط رقم یا حرف لاتین."))
        self.prefix_hint.setStyleSheet("color: palette(placeholder-text);")
        self.errors = FieldErrors(self)
        form = make_form_layout()
        rows: list[tuple[str, str, QWidget, list[QWidget]]] = [
            ("province_id", _tr("استان:"), self.province_combo, []),
            ("county_id", _tr("شهرستان:"), self.county_combo, []),
            ("name", _tr("نام اداره:"), self.name_edit, []),
            ("licence_prefix", _tr("پیشوند شماره مجوز:"), self.prefix_edit, [self.prefix_hint]),
            ("default_validity_years", _tr("اعتبار پیش‌فرض مجوز:"), self.validity_spin, []),
        ]
        for name, text, widget, extras in rows:
            add_field_row(form, text, widget, self.errors.add(name, widget), *extras)

        self.status_label = make_error_label()
        self.loading_label = QLabel(_tr("در حال آماده‌سازی فهرست استان‌ها و شهرستان‌ها…"))

        self.buttons = QDialogButtonBox()
        self.ok_button: QPushButton = self.buttons.addButton(
            _tr("راه‌اندازی"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button: QPushButton = self.buttons.addButton(
            _tr("انصراف"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.ok_button.setDefault(True)
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.loading_label)
        layout.addLayout(form)
        layout.addWidget(self.status_label)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self.province_combo.currentIndexChanged.connect(self.on_province_combo_changed)
        self.county_combo.currentIndexChanged.connect(self.on_county_combo_changed)
        self.ctx.run_db(_load_places, self.on_places_loaded, self.on_places_failed, parent=self)

    # -- loading ---------------------------------------------------------------------------

    def on_places_loaded(self, places: _Places) -> None:
        """Fill the province list; counties follow the chosen province."""
        self._provinces = places.provinces
        self._counties = places.counties
        self.province_combo.blockSignals(True)
        self.province_combo.clear()
        for province in places.provinces:
            self.province_combo.addItem(province.name, province.id)
        self.province_combo.setCurrentIndex(-1)
        self.province_combo.blockSignals(False)
        self.loading_label.hide()
        self.ok_button.setEnabled(bool(places.provinces))
        self.province_combo.setFocus()

    def on_places_failed(self, exc: BaseException) -> None:
        """The reference data could not be loaded: say so; setup can't go on."""
        self.loading_label.hide()
        show_error(self, exc)

    # -- choices ---------------------------------------------------------------------------

    def province_id(self) -> str | None:
        """The chosen province's id, or None."""
        data = self.province_combo.currentData()
        return str(data) if data else None

    def county_choice(self) -> str | None:
        """The chosen county's id, :data:`PROVINCE_OFFICE`, or None if nothing chosen."""
        data = self.county_combo.currentData()
        return str(data) if data else None

    def select_province(self, name: str) -> None:
        """Choose a province by name (for tests and scripted set-up)."""
        index = self.province_combo.findText(name)
        if index < 0:
            raise KeyError(name)
        self.province_combo.setCurrentIndex(index)

    def select_county(self, name: str | None) -> None:
        """Choose a county by name; None chooses the province's head office."""
        if name is None:
            index = self.county_combo.findData(PROVINCE_OFFICE)
        else:
            index = self.county_combo.findText(name)
        if index < 0:
            raise KeyError(name)
        self.county_combo.setCurrentIndex(index)

    def on_province_combo_changed(self, _index: int) -> None:
        """List the province's counties, after the head-office choice."""
        province_id = self.province_id()
        self.county_combo.blockSignals(True)
        self.county_combo.clear()
        if province_id is not None:
            self.county_combo.addItem(_tr("اداره کل استان (بدون شهرستان)"), PROVINCE_OFFICE)
            self.county_combo.insertSeparator(1)
            for county in self._counties:
                if county.province_id == province_id:
                    self.county_combo.addItem(county.name, county.id)
        self.county_combo.setCurrentIndex(-1)
        self.county_combo.blockSignals(False)
        self.errors.clear(["province_id", "county_id"])
        self._update_suggestions()

    def on_county_combo_changed(self, _index: int) -> None:
        """Suggest the office's name and licence prefix for the chosen place."""
        self.errors.clear(["county_id"])
        self._update_suggestions()

    def _update_suggestions(self) -> None:
        province_id = self.province_id()
        choice = self.county_choice()
        name = prefix = ""
        if choice == PROVINCE_OFFICE:
            province = self.province_combo.currentText()
            name = _tr("اداره کل تعاون، کار و رفاه اجتماعی استان {province}").format(
                province=province
            )
            prefix = next((p.code for p in self._provinces if p.id == province_id), "")
        elif choice is not None:
            county = next(c for c in self._counties if c.id == choice)
            name = _tr("اداره تعاون، کار و رفاه اجتماعی شهرستان {county}").format(
                county=county.name
            )
            prefix = county.code
        # Replace only what the clerk has not changed.
        if self.name_edit.text() in ("", self._suggested_name):
            self.name_edit.setText(name)
        if self.prefix_edit.text() in ("", self._suggested_prefix):
            self.prefix_edit.setText(prefix)
        self._suggested_name, self._suggested_prefix = name, prefix

    # -- saving ----------------------------------------------------------------------------

    def office_input(self) -> OfficeInput:
        """What the clerk chose, as the service takes it."""
        choice = self.county_choice()
        return OfficeInput(
            province_id=self.province_id() or "",
            county_id=None if choice in (None, PROVINCE_OFFICE) else choice,
            name=self.name_edit.text(),
            licence_prefix=self.prefix_edit.text(),
            default_validity_years=self.validity_spin.value(),
        )

    def on_buttons_accepted(self) -> None:
        """Create the office in a worker; close on success, show field errors otherwise."""
        self.errors.clear()
        self.status_label.hide()
        if self.province_id() is not None and self.county_choice() is None:
            # A choice the form needs before asking the service: a county or the head office.
            self.errors.show({"county_id": _tr("شهرستان یا «اداره کل استان» را انتخاب کنید.")})
            self.errors.focus_first_invalid()
            return
        data = self.office_input()
        self.ok_button.setEnabled(False)

        def op(session: Session) -> OfficeInfo:
            return office_service.setup_office(session, data)

        self.ctx.run_db(op, self.on_setup_succeeded, self.on_setup_failed, parent=self)

    def on_setup_succeeded(self, office: OfficeInfo) -> None:
        """The office exists: close."""
        self.ok_button.setEnabled(True)
        self.office = office
        self.ctx.signals.sig_records_changed.emit(RECORDS_OFFICE)
        self.accept()

    def on_setup_failed(self, exc: BaseException) -> None:
        """Show validation messages under their fields; anything else in a box."""
        self.ok_button.setEnabled(True)
        if isinstance(exc, ValidationErrors):
            unknown = self.errors.show(exc.by_field())
            if unknown:
                self.status_label.setText("\n".join(exc.by_field()[n] for n in unknown))
                self.status_label.show()
            self.errors.focus_first_invalid()
            return
        show_error(self, exc)
