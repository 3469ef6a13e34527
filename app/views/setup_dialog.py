"""The first-start dialog «راه‌اندازی دفتر»: which office this database belongs to.

It first loads the shipped provinces and counties into the database
(:func:`app.services.core.reference.seed_reference_data`, idempotent) in a worker, then lists
them. OK runs :func:`app.services.core.office.setup_office` in a worker; the service's
validation messages appear under their fields, and the dialog closes only on success.

Or, «دریافت مشخصات اداره از سرور مرکزی»: with the server's address and the office's
token, :func:`app.services.sync.setup.setup_office_from_server` sets the office up in this
(open, empty) database from the server — its identity, the reference data and, by a
first sync, the records already in its scope — with a progress dialog. If the office was
made but the first sync did not finish, the dialog still closes (the next sync goes on)
after saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.core import office as office_service
from app.services.core import reference
from app.services.core.office import OfficeInfo, OfficeInput
from app.services.core.progress import Cancelled, Progress
from app.services.core.reference import CountyInfo, ProvinceInfo
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.sync_common import hint_label, kinds_changed_by, message_of
from app.views.widgets import messages
from app.views.widgets.form import (
    INVALID_STYLE,
    FieldErrors,
    LatinLineEdit,
    add_field_row,
    make_error_label,
    make_form_layout,
)
from common.errors import DomainError, ValidationErrors
from common.vocabulary import RecordKind

if TYPE_CHECKING:
    from app.services.core.db import Database
    from app.services.sync.report import SyncReport
    from app.views.context import TransportFactory

#: Item data of the county choice meaning "the province's head office" (no county).
PROVINCE_OFFICE = "__province__"
DEFAULT_VALIDITY_YEARS = 5
#: FieldErrors names of the «from the server» inputs.
SERVER_URL_FIELD = "server_url"
TOKEN_FIELD = "token"


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


def setup_from_server(
    db: Database,
    factory: TransportFactory | None,
    server_url: str,
    token: str,
    progress: Progress,
) -> tuple[OfficeInfo, SyncReport]:
    """Worker: set the office of ``db`` up from the server; the office and the first sync."""
    from app.services.sync.settings import validate_server_url
    from app.services.sync.setup import setup_office_from_server

    transport = None
    if factory is not None:
        transport = factory(validate_server_url(server_url), token.strip())
    try:
        report = setup_office_from_server(
            db, server_url, token, transport=transport, progress=progress
        )
    finally:
        if transport is not None:
            transport.close()
    with db.session() as session:
        return office_service.require_office(session), report


class SetupDialog(QDialog):
    """Asks for the office's province, county, name, licence-number prefix and validity.

    After ``accept()``, :attr:`office` holds the office that was created.
    """

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.office: OfficeInfo | None = None
        #: The first sync of a set-up from the server (None: set up by hand).
        self.report: SyncReport | None = None
        self._places_ready = False
        self._busy = False
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
                "مشخصات اداره را از کجا بیاوریم؟"
            )
        )
        intro.setWordWrap(True)
        self.manual_radio = QRadioButton(_tr("ثبت مشخصات اداره در همین رایانه"))
        self.server_radio = QRadioButton(_tr("دریافت مشخصات اداره از سرور مرکزی"))
        self.manual_radio.setChecked(True)
        self.mode_group = QButtonGroup(self)
        self.mode_group.addButton(self.manual_radio)
        self.mode_group.addButton(self.server_radio)
        self.server_radio.toggled.connect(self.on_server_radio_toggled)
        manual_intro = QLabel(
            _tr(
                "استان و شهرستان اداره را انتخاب کنید؛ شماره مجوزهایی که صادر می‌کنید "
                "با پیشوند زیر شروع می‌شود."
            )
        )
        manual_intro.setWordWrap(True)

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

        manual_page = QWidget()
        manual_layout = QVBoxLayout(manual_page)
        manual_layout.setContentsMargins(0, 0, 0, 0)
        manual_layout.addWidget(manual_intro)
        manual_layout.addWidget(self.loading_label)
        manual_layout.addLayout(form)
        manual_layout.addStretch(1)

        # -- from the central server -----------------------------------------------------
        self.server_edit = LatinLineEdit(max_length=200)
        self.server_edit.setPlaceholderText("https://sync.example.ir")
        self.token_edit = QLineEdit()
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.token_edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.token_edit.setMaxLength(400)
        server_form = make_form_layout()
        add_field_row(
            server_form,
            _tr("نشانی سرور:"),
            self.server_edit,
            self.errors.add(SERVER_URL_FIELD, self.server_edit),
        )
        add_field_row(
            server_form,
            _tr("توکن دسترسی:"),
            self.token_edit,
            self.errors.add(TOKEN_FIELD, self.token_edit),
            hint_label(
                _tr(
                    "توکن در گاوصندوق رمز ویندوز نگهداری می‌شود؛ اگر در دسترس نباشد، "
                    "رمزگذاری‌شده در پایگاه داده."
                )
            ),
        )
        server_page = QWidget()
        server_layout = QVBoxLayout(server_page)
        server_layout.setContentsMargins(0, 0, 0, 0)
        server_layout.addWidget(
            hint_label(
                _tr(
                    "نشانی سرور و توکن دسترسی اداره را از مدیر سامانه بگیرید. نام اداره، "
                    "استان و شهرستان، پیشوند شماره مجوز، فهرست رشته‌ها و مجوزهای ثبت‌شده "
                    "اداره از سرور دریافت می‌شوند."
                )
            )
        )
        server_layout.addLayout(server_form)
        server_layout.addStretch(1)
        self.pages = QStackedWidget()
        self.pages.addWidget(manual_page)
        self.pages.addWidget(server_page)

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
        layout.addWidget(self.manual_radio)
        layout.addWidget(self.server_radio)
        layout.addWidget(self.pages)
        layout.addWidget(self.status_label)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self.province_combo.currentIndexChanged.connect(self.on_province_combo_changed)
        self.county_combo.currentIndexChanged.connect(self.on_county_combo_changed)
        self.ctx.run_op(_load_places, self.on_places_loaded, self.on_places_failed, parent=self)

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
        self._places_ready = bool(places.provinces)
        self._update_ok_button()
        if self.manual_radio.isChecked():
            self.province_combo.setFocus()

    def on_places_failed(self, exc: BaseException) -> None:
        """The reference data could not be loaded: say so; setup can't go on."""
        self.loading_label.hide()
        show_error(self, exc)

    # -- choices ---------------------------------------------------------------------------

    def from_server(self) -> bool:
        """True when the office comes from the central server."""
        return self.server_radio.isChecked()

    def on_server_radio_toggled(self, checked: bool) -> None:
        """Show the inputs of the chosen way."""
        self.pages.setCurrentIndex(1 if checked else 0)
        self.ok_button.setText(_tr("دریافت از سرور") if checked else _tr("راه‌اندازی"))
        self.errors.clear()
        self.status_label.hide()
        self._update_ok_button()
        (self.server_edit if checked else self.province_combo).setFocus()

    def _update_ok_button(self) -> None:
        self.ok_button.setEnabled(not self._busy and (self.from_server() or self._places_ready))

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
        if self._busy:
            return
        self.errors.clear()
        self.status_label.hide()
        if self.from_server():
            self._setup_from_server()
            return
        if self.province_id() is not None and self.county_choice() is None:
            # A choice the form needs before asking the service: a county or the head office.
            self.errors.show({"county_id": _tr("شهرستان یا «اداره کل استان» را انتخاب کنید.")})
            self.errors.focus_first_invalid()
            return
        data = self.office_input()
        self.ok_button.setEnabled(False)

        def op(session: Session) -> OfficeInfo:
            return office_service.setup_office(session, data)

        self.ctx.run_op(op, self.on_setup_succeeded, self.on_setup_failed, parent=self)

    def on_setup_succeeded(self, office: OfficeInfo) -> None:
        """The office exists: close."""
        self._update_ok_button()
        self.office = office
        self.accept()

    # -- from the server -------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.manual_radio.setEnabled(not busy)
        self.server_radio.setEnabled(not busy)
        self._update_ok_button()

    def _setup_from_server(self) -> None:
        url = self.server_edit.text().strip()
        token = self.token_edit.text().strip()
        missing: dict[str, str] = {}
        if not url:
            missing[SERVER_URL_FIELD] = _tr("نشانی سرور را بنویسید.")
        if not token:
            missing[TOKEN_FIELD] = _tr("توکن دسترسی اداره را بنویسید.")
        if missing:
            self.errors.show(missing)
            self.errors.focus_first_invalid()
            return
        self._set_busy(True)
        db, factory = self.ctx.db, self.ctx.transport_factory

        def op(progress: Progress) -> tuple[OfficeInfo, SyncReport]:
            return setup_from_server(db, factory, url, token, progress)

        self.ctx.runner.run(
            op,
            self.on_server_setup_succeeded,
            self.on_server_setup_failed,
            progress_title=_tr("دریافت مشخصات اداره از سرور"),
            parent=self,
        )

    def on_server_setup_succeeded(self, result: tuple[OfficeInfo, SyncReport]) -> None:
        """The office and its records are here: close."""
        self._set_busy(False)
        self.office, self.report = result
        self.ctx.announce(kinds_changed_by(self.report) | {RecordKind.OFFICE})
        self.accept()

    def on_server_setup_failed(self, exc: BaseException) -> None:
        """If the office was made (only the first sync failed), go on; else say why."""

        def checked(office: OfficeInfo | None) -> None:
            if office is None:
                self._set_busy(False)
                self._show_server_error(exc)
                return
            self._set_busy(False)
            self.office = office
            if not isinstance(exc, Cancelled):
                reason = message_of(exc)
                messages.inform(
                    self,
                    _tr("راه‌اندازی دفتر"),
                    _tr(
                        "مشخصات اداره از سرور دریافت شد، ولی دریافت مجوزها کامل نشد:\n{reason}\n"
                        "با همگام‌سازی بعدی ادامه پیدا می‌کند."
                    ).format(reason=reason),
                )
            self.ctx.announce(RecordKind)  # a setup stopped half-way may have written any
            self.accept()

        def failed(problem: BaseException) -> None:
            self._set_busy(False)
            show_error(self, problem)

        self.ctx.run_op(office_service.get_office, checked, failed, parent=self)

    def _show_server_error(self, exc: BaseException) -> None:
        from app.services.sync.errors import SyncError
        from app.views.sync_settings import TOKEN_ERRORS, URL_ERRORS

        if isinstance(exc, Cancelled):
            return
        field = ""
        if isinstance(exc, SyncError) and exc.code in URL_ERRORS:
            field = SERVER_URL_FIELD
        elif isinstance(exc, SyncError) and exc.code in TOKEN_ERRORS:
            field = TOKEN_FIELD
        if field:
            self.errors.set_error(field, message_of(exc))
            self.errors.focus_first_invalid()
        elif isinstance(exc, DomainError):
            self.status_label.setText(message_of(exc))
            self.status_label.show()
        else:
            show_error(self, exc)

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
