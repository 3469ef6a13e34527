"""The supporters screen «پشتیبانان»: search and filters over every supporter, and the
supporter pages and forms it opens itself.

Supporters are hundreds, so the whole filtered list is loaded in one worker job
(:func:`app.services.supporters.queries.list_supporters`) on every change of search or filter,
and again whenever ``sig_records_changed`` reports supporters (or licences) changed.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QTimer
from PySide6.QtWidgets import (
    QComboBox,
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

from app.services.core import reference
from app.services.core.reference import CountyInfo, FieldInfo
from app.services.supporters.queries import list_supporters
from app.services.supporters.records import (
    COVERAGE_LABELS,
    STATUS_LABELS,
    SupporterFilter,
    SupporterRow,
)
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.sign_in import forbid
from app.views.supporter_dialog import SupporterFormDialog, field_text
from app.views.supporter_models import SupportersModel, fa_number
from app.views.supporter_page import SupporterPage
from app.views.widgets.search_combo import SearchCombo
from app.views.widgets.table_style import setup_record_table
from common.vocabulary import Permission, RecordKind, SupporterStatus

SEARCH_DEBOUNCE_MS = 150


class SupportersScreen(QWidget):
    """Search, filters and the supporter list; opens supporter pages and forms."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.pages: dict[str, SupporterPage] = {}
        self.form: SupporterFormDialog | None = None
        self._choices_loaded = False

        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(
            self.tr("جستجو: نام، شناسه ملی، کد ملی، شماره مجوز یا تلفن همراه")
        )
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(320)
        self.new_button = QPushButton(self.tr("ثبت پشتیبان جدید"))
        self.open_button = QPushButton(self.tr("نمایش"))
        self.open_button.setEnabled(False)
        self.field_combo = SearchCombo(keep_item=True)
        self.field_combo.setMinimumContentsLength(20)
        self.county_combo = SearchCombo(keep_item=True)
        self.county_combo.setMinimumContentsLength(12)
        self.field_combo.add_item(self.tr("همه رشته‌ها"), None)
        self.county_combo.add_item(self.tr("همه شهرستان‌ها"), None)
        self.coverage_combo = QComboBox()
        self.coverage_combo.addItem(self.tr("همه"), None)
        for code, label in COVERAGE_LABELS.items():
            self.coverage_combo.addItem(label, code)
        self.status_combo = QComboBox()
        self.status_combo.addItem(self.tr("همه"), None)
        for status in tuple(SupporterStatus):
            self.status_combo.addItem(STATUS_LABELS[status], status)
        self.count_label = QLabel()

        self.table = QTableView()
        self.model = SupportersModel(self.table)  # outlives the view's selection signals
        self.table.setModel(self.model)
        setup_record_table(self.table)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        head.setStretchLastSection(True)
        chars = self.fontMetrics().averageCharWidth()
        for column, width in enumerate((24, 7, 13, 13, 26, 12, 18)):
            head.resizeSection(column, chars * width + 16)

        top = QHBoxLayout()
        top.addWidget(self.search_edit, 1)
        top.addWidget(self.new_button)
        top.addWidget(self.open_button)
        filters = QHBoxLayout()
        for text, widget in (
            (self.tr("رشته:"), self.field_combo),
            (self.tr("شهرستان:"), self.county_combo),
            (self.tr("پوشش:"), self.coverage_combo),
            (self.tr("وضعیت:"), self.status_combo),
        ):
            filters.addWidget(QLabel(text))
            filters.addWidget(widget)
        filters.addStretch(1)
        filters.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh)
        self.search_edit.textChanged.connect(self.on_search_edit_text_changed)
        for combo in (self.field_combo, self.county_combo, self.coverage_combo, self.status_combo):
            combo.currentIndexChanged.connect(self.on_filter_changed)
        self.new_button.clicked.connect(self.on_new_button_clicked)
        forbid(self.new_button, self.ctx.db.account, Permission.SUPPORTERS)
        self.open_button.clicked.connect(self.on_open_button_clicked)
        self.table.doubleClicked.connect(self.on_table_double_clicked)
        self.table.selectionModel().selectionChanged.connect(self.on_selection_changed)
        ctx.signals.sig_records_changed.connect(self.on_records_changed)
        self._load_choices()
        self.refresh()

    # -- loading ----------------------------------------------------------------------------

    def _load_choices(self) -> None:
        def op(session: Session) -> tuple[list[FieldInfo], list[CountyInfo]]:
            return reference.list_fields(session), reference.list_counties(session)

        self.ctx.run_op(op, self.on_choices_loaded, lambda _exc: None, parent=self)

    def on_choices_loaded(self, choices: tuple[list[FieldInfo], list[CountyInfo]]) -> None:
        """Fill the field and county filters."""
        fields, counties = choices
        for combo in (self.field_combo, self.county_combo):
            combo.blockSignals(True)
        for bf in fields:
            self.field_combo.add_item(
                field_text(bf.code, bf.name), bf.id, search_text=f"{bf.code} {bf.name}"
            )
        for county in counties:
            self.county_combo.add_item(
                f"{county.name} ({county.province_name})", county.id, search_text=county.name
            )
        for combo in (self.field_combo, self.county_combo):
            combo.blockSignals(False)
        self._choices_loaded = True

    def current_filter(self) -> SupporterFilter:
        """What the clerk typed and chose."""
        return SupporterFilter(
            text=self.search_edit.text(),
            field_id=self.field_combo.currentData(),
            county_id=self.county_combo.currentData(),
            coverage=self.coverage_combo.currentData(),
            status=self.status_combo.currentData(),
        )

    def refresh(self) -> None:
        """Load the list again for the current search and filters."""
        self._timer.stop()
        flt = self.current_filter()
        self.ctx.run_op(
            lambda session: list_supporters(session, flt),
            self.on_rows_loaded,
            self.on_rows_failed,
            parent=self,
        )

    def on_rows_failed(self, exc: BaseException) -> None:
        """The list could not be loaded."""
        show_error(self, exc)

    def on_rows_loaded(self, rows: list[SupporterRow]) -> None:
        """Show the rows."""
        self.model.set_rows(rows)
        self.count_label.setText(self.tr("{n} پشتیبان").format(n=fa_number(len(rows))))
        self.on_selection_changed()

    def on_search_edit_text_changed(self, _text: str) -> None:
        """Search as the clerk types (debounced)."""
        self._timer.start()

    def on_filter_changed(self, *_args: object) -> None:
        """A filter changed: load at once."""
        self.refresh()

    def on_records_changed(self, kind: str) -> None:
        """Supporters or licences changed somewhere: reload."""
        if kind in (RecordKind.SUPPORTERS, RecordKind.LICENCES):
            self.refresh()

    # -- opening ----------------------------------------------------------------------------

    def selected_id(self) -> str | None:
        """The id of the selected supporter."""
        rows = self.table.selectionModel().selectedRows()
        data = self.model.row_data(rows[0].row()) if rows else None
        return data.id if data is not None else None

    def on_selection_changed(self, *_args: object) -> None:
        """«نمایش» needs a selected supporter."""
        self.open_button.setEnabled(self.selected_id() is not None)

    def on_table_double_clicked(self, index: QModelIndex) -> None:
        """Open the supporter double-clicked."""
        data = self.model.row_data(index.row())
        if data is not None:
            self.open_supporter(data.id)

    def on_open_button_clicked(self) -> None:
        """Open the selected supporter."""
        supporter_id = self.selected_id()
        if supporter_id is not None:
            self.open_supporter(supporter_id)

    def open_supporter(self, supporter_id: str) -> SupporterPage:
        """Show a supporter's page (a window; the same one, reloaded, if it was opened
        before: pages live as long as the screen)."""
        page = self.pages.get(supporter_id)
        if page is None:
            page = SupporterPage(self.ctx, supporter_id, self)
            self.pages[supporter_id] = page
        elif not page.isVisible():
            page.reload()
        page.show()
        page.raise_()
        page.activateWindow()
        return page

    def on_new_button_clicked(self) -> SupporterFormDialog:
        """Register a new supporter; open its page once saved."""
        form = SupporterFormDialog(self.ctx, self)
        form.accepted.connect(lambda: self._on_created(form))
        form.finished.connect(form.deleteLater)
        self.form = form
        form.open()
        return form

    def _on_created(self, form: SupporterFormDialog) -> None:
        if form.saved is not None:
            self.open_supporter(form.saved.id)
