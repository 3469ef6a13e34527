"""The facilities screen «تسهیلات»: every facility case with search and filters (stage,
bank, programme, only the overdue «معطل» ones), and the case forms it opens.

The filtered list is loaded whole in one worker job
(:func:`app.services.facilities.queries.list_cases`) on every change of search or filter
and whenever ``sig_records_changed`` reports facilities (or licences, whose holders it
names) changed.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.facilities.letters import FacilityLetters
from app.services.facilities.queries import FIRST_PAGE, LIST_LIMIT, list_cases
from app.services.facilities.records import STAGE_LABELS, FacilityFilter, FacilityRow
from app.services.facilities.settings import facility_settings
from app.services.sheet_kinds import FACILITIES, REPAYMENTS
from app.services.spreadsheet.kind import SheetKind
from app.views.certificate_preview import CertificatePreviewDialog
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.facilities.case_dialog import FacilityCaseDialog
from app.views.facilities.models import FacilitiesModel
from app.views.facilities.settings_dialog import FacilitySettingsDialog
from app.views.import_dialog import ImportDialog
from app.views.sheet_export import export_kind
from app.views.sign_in import forbid
from app.views.widgets.table_style import setup_record_table
from common.banks import banks
from common.text import group_thousands
from common.vocabulary import Permission, RecordKind

SEARCH_DEBOUNCE_MS = 150


class FacilitiesScreen(QWidget):
    """Search, filters and the case list; opens case forms."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.form: FacilityCaseDialog | None = None
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("جستجو: نام، کد ملی یا شماره مجوز"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(280)
        self.new_button = QPushButton(self.tr("پرونده تسهیلات جدید"))
        self.open_button = QPushButton(self.tr("نمایش"))
        self.open_button.setEnabled(False)
        self.settings_button = QPushButton(self.tr("تنظیمات تسهیلات…"))
        self.follow_up_button = QPushButton(self.tr("نامه پیگیری به بانک…"))
        self.follow_up_button.setToolTip(
            self.tr("نامه‌ای به بانک انتخاب‌شده با فهرست پرونده‌های معطل آن")
        )
        self.follow_up_button.setEnabled(False)
        self.preview: CertificatePreviewDialog | None = None
        self.import_dialog: ImportDialog | None = None
        self.sheet_button = QToolButton()
        self.sheet_button.setText(self.tr("اکسل"))
        self.sheet_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        sheet_menu = QMenu(self.sheet_button)
        self.import_cases_action = sheet_menu.addAction(self.tr("ورود پرونده‌ها از اکسل…"))
        self.import_repayments_action = sheet_menu.addAction(
            self.tr("ورود وضعیت بازپرداخت از فایل بانک…")
        )
        sheet_menu.addSeparator()
        self.export_cases_action = sheet_menu.addAction(self.tr("خروجی اکسل پرونده‌ها…"))
        self.export_repayments_action = sheet_menu.addAction(
            self.tr("خروجی اکسل بازپرداخت‌ها (برای بانک)…")
        )
        self.sheet_button.setMenu(sheet_menu)
        self.stage_combo = QComboBox()
        self.stage_combo.addItem(self.tr("همه مرحله‌ها"), None)
        for code, label in STAGE_LABELS.items():
            self.stage_combo.addItem(label, code)
        self.bank_combo = QComboBox()
        self.bank_combo.addItem(self.tr("همه بانک‌ها"), None)
        for bank in banks():
            self.bank_combo.addItem(bank.label, bank.code)
        self.programme_combo = QComboBox()
        self.programme_combo.addItem(self.tr("همه برنامه‌ها"), None)
        self.overdue_check = QCheckBox(self.tr("فقط پرونده‌های معطل"))
        self.count_label = QLabel()

        self.table = QTableView()
        self.model = FacilitiesModel(self.table)
        self.table.setModel(self.model)
        setup_record_table(self.table)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        head.setStretchLastSection(True)
        chars = self.fontMetrics().averageCharWidth()
        for column, width in enumerate((20, 11, 13, 15, 24, 21, 21, 22, 10, 8)):
            head.resizeSection(column, chars * width + 16)

        top = QHBoxLayout()
        top.addWidget(self.search_edit, 1)
        top.addWidget(self.new_button)
        top.addWidget(self.open_button)
        top.addWidget(self.follow_up_button)
        top.addWidget(self.sheet_button)
        top.addWidget(self.settings_button)
        filters = QHBoxLayout()
        for text, widget in (
            (self.tr("مرحله:"), self.stage_combo),
            (self.tr("بانک:"), self.bank_combo),
            (self.tr("برنامه:"), self.programme_combo),
        ):
            filters.addWidget(QLabel(text))
            filters.addWidget(widget)
        filters.addWidget(self.overdue_check)
        filters.addStretch(1)
        filters.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)

        #: Counts the list's loads: the pages of an older one are dropped.
        self._loading = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh)
        self.search_edit.textChanged.connect(self.on_search_edit_text_changed)
        for combo in (self.stage_combo, self.bank_combo, self.programme_combo):
            combo.currentIndexChanged.connect(self.on_filter_changed)
        self.overdue_check.toggled.connect(self.on_filter_changed)
        self.new_button.clicked.connect(self.on_new_button_clicked)
        forbid(self.new_button, ctx.db.account, Permission.REGISTER)
        self.open_button.clicked.connect(self.on_open_button_clicked)
        self.settings_button.clicked.connect(self.on_settings_button_clicked)
        self.follow_up_button.clicked.connect(self.on_follow_up_button_clicked)
        self.import_cases_action.triggered.connect(lambda: self.import_sheet(FACILITIES))
        self.import_repayments_action.triggered.connect(lambda: self.import_sheet(REPAYMENTS))
        self.export_cases_action.triggered.connect(lambda: export_kind(ctx, self, FACILITIES))
        self.export_repayments_action.triggered.connect(lambda: export_kind(ctx, self, REPAYMENTS))
        for action, permission in (
            (self.import_cases_action, Permission.IMPORT),
            (self.import_repayments_action, Permission.IMPORT),
            (self.export_cases_action, Permission.EXPORT),
            (self.export_repayments_action, Permission.EXPORT),
        ):
            forbid(action, ctx.db.account, permission)
        self.table.doubleClicked.connect(self.on_table_double_clicked)
        self.table.selectionModel().selectionChanged.connect(self.on_selection_changed)
        ctx.signals.sig_records_changed.connect(self.on_records_changed)
        self._load_programmes()
        self.refresh()

    # -- loading ----------------------------------------------------------------------------

    def _load_programmes(self) -> None:
        def op(session: Session) -> tuple[str, ...]:
            return facility_settings(session).programmes

        self.ctx.run_op(op, self.on_programmes_loaded, lambda _exc: None, parent=self)

    def on_programmes_loaded(self, programmes: tuple[str, ...]) -> None:
        """Fill the programme filter (keeping the one chosen)."""
        chosen = self.programme_combo.currentData()
        self.programme_combo.blockSignals(True)
        while self.programme_combo.count() > 1:
            self.programme_combo.removeItem(1)
        for programme in programmes:
            self.programme_combo.addItem(programme, programme)
        self.programme_combo.setCurrentIndex(max(0, self.programme_combo.findData(chosen)))
        self.programme_combo.blockSignals(False)

    def current_filter(self) -> FacilityFilter:
        """What the clerk typed and chose."""
        return FacilityFilter(
            text=self.search_edit.text(),
            stage=self.stage_combo.currentData(),
            bank_code=self.bank_combo.currentData(),
            programme=self.programme_combo.currentData(),
            overdue_only=self.overdue_check.isChecked(),
        )

    def refresh(self) -> None:
        """Load the list again for the current search and filters: the first page at once,
        then the rest (a list of tens of thousands of cases paints before it is read)."""
        self._timer.stop()
        flt = self.current_filter()
        self._loading += 1
        loading = self._loading

        def first(rows: list[FacilityRow]) -> None:
            if loading != self._loading:
                return  # a newer search or filter is on its way
            self.on_rows_loaded(rows)
            if len(rows) == FIRST_PAGE:
                self.ctx.run_op(
                    lambda session: list_cases(
                        session, flt, offset=FIRST_PAGE, limit=LIST_LIMIT - FIRST_PAGE
                    ),
                    rest,
                    self.on_rows_failed,
                    parent=self,
                )

        def rest(rows: list[FacilityRow]) -> None:
            if loading == self._loading:
                self.model.append_rows(rows)
                self._show_count()

        self.ctx.run_op(
            lambda session: list_cases(session, flt, limit=FIRST_PAGE),
            first,
            self.on_rows_failed,
            parent=self,
        )

    def on_rows_failed(self, exc: BaseException) -> None:
        """The list (or a letter) could not be made."""
        show_error(self, exc)

    def on_rows_loaded(self, rows: list[FacilityRow]) -> None:
        """Show the rows, and how many of them are late."""
        self.model.set_rows(rows)
        self._show_count()
        self.on_selection_changed()

    def _show_count(self) -> None:
        rows = self.model.rows()
        late = sum(1 for row in rows if row.days_late > 0)
        text = self.tr("{n} پرونده").format(n=group_thousands(len(rows)))
        if len(rows) >= LIST_LIMIT:
            text = self.tr("نخستین {n} پرونده (جستجو یا صافی را تنگ‌تر کنید)").format(
                n=group_thousands(len(rows))
            )
        if late:
            text += self.tr("، {late} معطل").format(late=group_thousands(late))
        self.count_label.setText(text)

    def on_search_edit_text_changed(self, _text: str) -> None:
        """Search as the clerk types (debounced)."""
        self._timer.start()

    def on_filter_changed(self, *_args: object) -> None:
        """A filter changed: load at once."""
        self.follow_up_button.setEnabled(self.bank_combo.currentData() is not None)
        self.refresh()

    def on_records_changed(self, kind: str) -> None:
        """Cases, holders or the office's settings changed somewhere: reload."""
        if kind in (RecordKind.FACILITIES, RecordKind.LICENCES):
            self.refresh()
        elif kind == RecordKind.OFFICE:
            self._load_programmes()
            self.refresh()

    # -- opening ----------------------------------------------------------------------------

    def selected_id(self) -> str | None:
        """The id of the selected case."""
        rows = self.table.selectionModel().selectedRows()
        data = self.model.row_data(rows[0].row()) if rows else None
        return data.id if data is not None else None

    def on_selection_changed(self, *_args: object) -> None:
        """«نمایش» needs a selected case."""
        self.open_button.setEnabled(self.selected_id() is not None)

    def on_table_double_clicked(self, index: QModelIndex) -> None:
        """Open the case double-clicked."""
        data = self.model.row_data(index.row())
        if data is not None:
            self.open_case(data.id)

    def on_open_button_clicked(self) -> None:
        """Open the selected case."""
        case_id = self.selected_id()
        if case_id is not None:
            self.open_case(case_id)

    def open_case(self, case_id: str | None, licence_number: str = "") -> FacilityCaseDialog:
        """Open a case's form (a new case when ``case_id`` is None)."""
        form = FacilityCaseDialog(self.ctx, self, case_id, licence_number)
        form.finished.connect(form.deleteLater)
        self.form = form
        form.open()
        return form

    def on_new_button_clicked(self) -> FacilityCaseDialog:
        """Open a new case."""
        return self.open_case(None)

    def on_follow_up_button_clicked(self) -> None:
        """The follow-up letter to the bank chosen in the filter, in the preview."""
        bank = self.bank_combo.currentData()
        if bank is None:
            return
        name = self.bank_combo.currentText()

        def op(session: Session) -> bytes:
            return FacilityLetters(session).follow_up_letter(bank)

        def shown(pdf: bytes) -> None:
            title = self.tr("پیگیری پرونده‌های معطل — {bank}").format(bank=name)
            self.preview = CertificatePreviewDialog(
                pdf, title, self, file_name=self.tr("پیگیری-{code}.pdf").format(code=bank)
            )
            self.preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.preview.open()

        self.ctx.run_op(op, shown, self.on_rows_failed, parent=self)

    def import_sheet(self, kind: SheetKind) -> ImportDialog:
        """The import dialog for cases or a bank's repayment report."""
        dialog = ImportDialog(self.ctx, self, kind)
        dialog.finished.connect(dialog.deleteLater)
        self.import_dialog = dialog
        dialog.open()
        return dialog

    def on_settings_button_clicked(self) -> FacilitySettingsDialog:
        """The office's programmes and service levels."""
        dialog = FacilitySettingsDialog(self.ctx, self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog
