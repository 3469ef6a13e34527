"""The register screen «دفتر مجوزها»: instant search and filters over every licence.

The table is a :class:`~app.views.register_model.RegisterModel` (SQL paging); this
widget only turns what the clerk typed and chose into a
:class:`~app.services.licences.register.RegisterFilter`. It opens nothing itself: it asks for a
new licence, for a licence to be shown or for the selected licences' certificates to be
printed through its signals, and the main window opens the dialogs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.core import reference
from app.services.core.reference import CountyInfo, FieldInfo
from app.services.licences import register
from app.services.licences.records import STATUS_EXPIRED, STATUS_LABELS
from app.services.licences.register import RegisterFilter
from app.views.bootstrap import persian_locale
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.register_model import (
    COL_COUNTY,
    COL_EXPIRY_DATE,
    COL_FIELD,
    COL_HOLDER,
    COL_ISSUE_DATE,
    COL_NATIONAL_ID,
    COL_NUMBER,
    RegisterModel,
)
from app.views.sign_in import forbid
from app.views.widgets.search_combo import SearchCombo
from app.views.widgets.table_style import setup_record_table
from common.jalali import format_jalali
from common.vocabulary import LicenceStatus, Permission, RecordKind

SEARCH_DEBOUNCE_MS = 150
DEFAULT_EXPIRING_DAYS = 30
MAX_EXPIRING_DAYS = 365
#: Column widths in "average character" units of the table's font.
COLUMN_CHARS = {
    COL_NUMBER: 13,
    COL_HOLDER: 20,
    COL_NATIONAL_ID: 12,
    COL_FIELD: 32,
    COL_COUNTY: 13,
    COL_ISSUE_DATE: 11,
    COL_EXPIRY_DATE: 11,
}
STATUS_CHOICES = (
    LicenceStatus.ACTIVE,
    STATUS_EXPIRED,
    LicenceStatus.SUSPENDED,
    LicenceStatus.REVOKED,
)


@dataclass(frozen=True)
class _Choices:
    fields: list[FieldInfo]
    counties: list[CountyInfo]


def _load_choices(session: Session) -> _Choices:
    return _Choices(reference.list_fields(session), reference.list_counties(session))


class RegisterScreen(QWidget):
    """Search, filters and the register table."""

    #: The clerk asked to issue a new licence.
    sig_issue_requested = Signal()
    #: The clerk asked to see a licence (double-click, Enter or «نمایش»): its id.
    sig_licence_open_requested = Signal(str)
    #: The filter changed (a RegisterFilter), e.g. for exporting what is shown.
    sig_filter_changed = Signal(object)
    #: The number of licences matching the filter, after each load.
    sig_count_changed = Signal(int)
    #: The clerk asked to print the certificates of the selected licences: their ids,
    #: in the table's order (empty if nothing is selected).
    sig_print_requested = Signal(list)

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        model: RegisterModel | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._locale = persian_locale()

        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("جستجو: نام، کد ملی، شماره مجوز یا تلفن همراه"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(320)
        self.search_edit.installEventFilter(self)
        self.issue_button = QPushButton(self.tr("صدور مجوز جدید"))
        self.open_button = QPushButton(self.tr("نمایش"))
        self.open_button.setEnabled(False)
        self.person_button = QPushButton(self.tr("پرونده فرد"))
        self.person_button.setToolTip(
            self.tr("همهٔ آنچه اداره دربارهٔ دارندهٔ این مجوز دارد: مجوزها، شبکه‌ها، رویدادها")
        )
        self.person_button.setEnabled(False)
        self.print_button = QPushButton(self.tr("چاپ گواهی‌نامه"))
        self.print_button.setToolTip(self.tr("گواهی‌نامهٔ مجوزهای انتخاب‌شده را چاپ کنید"))
        self.print_button.setEnabled(False)

        self.status_combo = QComboBox()
        self.status_combo.addItem(self.tr("همه"), None)
        for status in STATUS_CHOICES:
            self.status_combo.addItem(STATUS_LABELS[status], status)
        self.field_combo = SearchCombo(keep_item=True)
        self.field_combo.setMinimumContentsLength(22)
        self.county_combo = SearchCombo(keep_item=True)
        self.county_combo.setMinimumContentsLength(12)
        self._fill_choices(None)
        self.expiring_check = QCheckBox(self.tr("در حال انقضا تا"))
        self.expiring_spin = QSpinBox()
        self.expiring_spin.setRange(1, MAX_EXPIRING_DAYS)
        self.expiring_spin.setValue(DEFAULT_EXPIRING_DAYS)
        self.expiring_spin.setSuffix(self.tr(" روز"))
        self.expiring_spin.setEnabled(False)
        self.count_label = QLabel()
        self.count_label.setObjectName("registerCount")
        # "Issued since" has no widget of its own: the dashboard sets it, this says so and
        # takes it off.
        self.issued_since_button = QPushButton()
        self.issued_since_button.setToolTip(self.tr("برداشتن این صافی"))
        self.issued_since_button.setVisible(False)

        self.model = model if model is not None else RegisterModel(ctx, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self._setup_table()

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DEBOUNCE_MS)

        top = QHBoxLayout()
        top.addWidget(self.search_edit, 1)
        top.addSpacing(12)
        top.addWidget(self.issue_button)
        top.addWidget(self.open_button)
        top.addWidget(self.person_button)
        top.addWidget(self.print_button)
        filters = QHBoxLayout()
        for text, combo in (
            (self.tr("وضعیت:"), self.status_combo),
            (self.tr("رشته:"), self.field_combo),
            (self.tr("شهرستان:"), self.county_combo),
        ):
            label = QLabel(text)
            label.setBuddy(combo)
            filters.addWidget(label)
            filters.addWidget(combo)
            filters.addSpacing(8)
        filters.addWidget(self.expiring_check)
        filters.addWidget(self.expiring_spin)
        filters.addSpacing(8)
        filters.addWidget(self.issued_since_button)
        filters.addStretch(1)
        filters.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        self.setFocusProxy(self.search_edit)

        self.search_edit.textChanged.connect(self.on_search_edit_text_changed)
        self.search_edit.returnPressed.connect(self.on_search_edit_return_pressed)
        self._search_timer.timeout.connect(self.on_search_timer_timeout)
        self.status_combo.currentIndexChanged.connect(self.on_filter_widget_changed)
        self.field_combo.currentIndexChanged.connect(self.on_filter_widget_changed)
        self.county_combo.currentIndexChanged.connect(self.on_filter_widget_changed)
        self.expiring_check.toggled.connect(self.on_expiring_check_toggled)
        self.expiring_spin.valueChanged.connect(self.on_filter_widget_changed)
        self.issued_since_button.clicked.connect(self.on_issued_since_button_clicked)
        self.issue_button.clicked.connect(self.sig_issue_requested)
        forbid(self.issue_button, self._ctx.db.account, Permission.REGISTER)
        self.open_button.clicked.connect(self.on_open_button_clicked)
        self.person_button.clicked.connect(self.on_person_button_clicked)
        self.print_button.clicked.connect(self.on_print_button_clicked)
        self.table.activated.connect(self.on_table_activated)
        self.model.sig_loaded.connect(self.on_model_loaded)
        self.model.sig_load_failed.connect(self.on_model_load_failed)
        self.model.modelReset.connect(self._update_buttons)
        ctx.signals.sig_records_changed.connect(self.on_records_changed)
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.on_find_shortcut_activated)

        self._apply_filter()
        ctx.run_op(_load_choices, self.on_choices_loaded, parent=self)

    # -- set-up --------------------------------------------------------------------------

    def _setup_table(self) -> None:
        table = self.table
        setup_record_table(table)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setCornerButtonEnabled(False)
        vertical = table.verticalHeader()
        vertical.hide()
        # Fixed row heights: with hundreds of thousands of rows nothing is measured.
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(table.fontMetrics().height() + 10)
        header = table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setSectionsMovable(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
        char = table.fontMetrics().averageCharWidth()
        for column, chars in COLUMN_CHARS.items():
            header.resizeSection(column, chars * char + 16)
        # No column sorted at first: the newest licences first. A third click on a header
        # goes back to that order.
        header.setSortIndicatorClearable(True)
        header.setSortIndicator(-1, Qt.SortOrder.DescendingOrder)
        table.setSortingEnabled(True)
        # Connected after setSortingEnabled: the model has sorted when this runs.
        header.sortIndicatorChanged.connect(self.on_header_sort_indicator_changed)
        selection = table.selectionModel()
        selection.currentRowChanged.connect(self._update_buttons)
        selection.selectionChanged.connect(self._update_buttons)

    def _fill_choices(self, choices: _Choices | None) -> None:
        field_id = self.field_combo.currentData()
        county_id = self.county_combo.currentData()
        for combo in (self.field_combo, self.county_combo):
            combo.blockSignals(True)
            combo.clear()
        self.field_combo.add_item(self.tr("همه رشته‌ها"), None)
        self.county_combo.add_item(self.tr("همه شهرستان‌ها"), None)
        if choices is not None:
            for bf in choices.fields:
                self.field_combo.add_item(bf.name, bf.id, search_text=f"{bf.name} {bf.code}")
            for county in choices.counties:
                self.county_combo.add_item(county.name, county.id)
        for combo, data in ((self.field_combo, field_id), (self.county_combo, county_id)):
            if not combo.set_value(data):
                combo.setCurrentIndex(0)
            combo.blockSignals(False)

    # -- the filter ----------------------------------------------------------------------

    def current_filter(self) -> RegisterFilter:
        """The filter the widgets describe (keeping the table's sort order)."""
        base = self.model.filter
        return replace(
            base,
            text=self.search_edit.text(),
            status=self.status_combo.currentData(),
            field_id=self.field_combo.currentData(),
            county_id=self.county_combo.currentData(),
            expiring_within_days=(
                self.expiring_spin.value() if self.expiring_check.isChecked() else None
            ),
        )

    def _apply_filter(self) -> None:
        self._search_timer.stop()
        flt = self.current_filter()
        if flt != self.model.filter or self.model.generation == 0:
            self.model.set_filter(flt)
            self.sig_filter_changed.emit(flt)

    def show_filter(self, flt: RegisterFilter) -> None:
        """Show the licences ``flt`` picks (the dashboard's figures open the register so):
        the filter widgets are set to it, the search box emptied."""
        for widget in (
            self.search_edit,
            self.status_combo,
            self.county_combo,
            self.field_combo,
            self.expiring_check,
            self.expiring_spin,
        ):
            widget.blockSignals(True)
        self.search_edit.setText(flt.text)
        self.status_combo.setCurrentIndex(max(0, self.status_combo.findData(flt.status)))
        self.county_combo.setCurrentIndex(max(0, self.county_combo.findData(flt.county_id)))
        self.field_combo.setCurrentIndex(max(0, self.field_combo.findData(flt.field_id)))
        self.expiring_check.setChecked(flt.expiring_within_days is not None)
        self.expiring_spin.setEnabled(flt.expiring_within_days is not None)
        if flt.expiring_within_days is not None:
            self.expiring_spin.setValue(flt.expiring_within_days)
        for widget in (
            self.search_edit,
            self.status_combo,
            self.county_combo,
            self.field_combo,
            self.expiring_check,
            self.expiring_spin,
        ):
            widget.blockSignals(False)
        self.model.set_filter(replace(self.current_filter(), issued_since=flt.issued_since))
        self._show_issued_since()
        self.sig_filter_changed.emit(self.model.filter)

    def on_issued_since_button_clicked(self) -> None:
        """Take the "issued since" filter off."""
        self.model.set_filter(replace(self.model.filter, issued_since=None))
        self._show_issued_since()
        self.sig_filter_changed.emit(self.model.filter)

    def _show_issued_since(self) -> None:
        since = self.model.filter.issued_since
        self.issued_since_button.setVisible(since is not None)
        if since is not None:
            self.issued_since_button.setText(
                self.tr("صادرشده از {day}  ✕").format(day=format_jalali(since))
            )

    def current_licence_id(self) -> str | None:
        """The licence of the table's current row (None if none or not loaded yet)."""
        index = self.table.currentIndex()
        return self.model.licence_id(index.row()) if index.isValid() else None

    # -- slots ---------------------------------------------------------------------------

    def on_search_edit_text_changed(self, _text: str) -> None:
        """Search as the clerk types, once typing pauses."""
        self._search_timer.start()

    def on_search_timer_timeout(self) -> None:
        """Typing paused: apply the search."""
        self._apply_filter()

    def on_search_edit_return_pressed(self) -> None:
        """Enter in the search box: search now and go to the first row."""
        self._apply_filter()
        self._focus_table()

    def on_header_sort_indicator_changed(self, *_args: object) -> None:
        """The table was sorted by another column: the filter's order changed."""
        self.sig_filter_changed.emit(self.model.filter)

    def on_filter_widget_changed(self, *_args: object) -> None:
        """A filter combo or the day count changed."""
        self._apply_filter()

    def on_expiring_check_toggled(self, checked: bool) -> None:
        """Turn the "expiring within N days" filter on or off."""
        self.expiring_spin.setEnabled(checked)
        self._apply_filter()

    def on_choices_loaded(self, choices: _Choices) -> None:
        """The catalogue and the counties arrived: fill the filter combos."""
        self._fill_choices(choices)

    def on_model_loaded(self, count: int) -> None:
        """Show how many licences match."""
        self.count_label.setText(self.tr("{count} مجوز").format(count=self._locale.toString(count)))
        self._update_buttons()
        self.sig_count_changed.emit(count)

    def on_model_load_failed(self, exc: BaseException) -> None:
        """Loading rows failed: tell the clerk."""
        show_error(self.window(), exc)

    def on_table_activated(self, index: QModelIndex) -> None:
        """Double-click or Enter on a row: open its licence."""
        licence_id = self.model.licence_id(index.row())
        if licence_id is not None:
            self.sig_licence_open_requested.emit(licence_id)

    def on_open_button_clicked(self) -> None:
        """«نمایش»: open the current row's licence."""
        licence_id = self.current_licence_id()
        if licence_id is not None:
            self.sig_licence_open_requested.emit(licence_id)

    def on_person_button_clicked(self) -> None:
        """«پرونده فرد»: the current row's holder."""
        from app.views.person_page import open_person_page

        licence_id = self.current_licence_id()
        if licence_id is not None:
            open_person_page(self._ctx, "licence", licence_id, self)

    def selected_rows(self) -> list[int]:
        """The selected rows, in the table's order (from the selection's ranges: a
        selection of every row of a large register is not walked cell by cell)."""
        rows: set[int] = set()
        selection = self.table.selectionModel().selection()
        for number in range(selection.count()):
            selected = selection.at(number)
            rows.update(range(selected.top(), selected.bottom() + 1))
        return sorted(rows)

    def request_print(self) -> None:
        """Emit :attr:`sig_print_requested` with the selected licences' ids.

        Rows whose page is not in memory (a long selection, scrolled past) are looked up
        in a worker, by their position in the filter's order.
        """
        rows = self.selected_rows()
        ids = [self.model.licence_id(row) for row in rows]
        if all(licence_id is not None for licence_id in ids):
            self.sig_print_requested.emit([i for i in ids if i is not None])
            return
        flt = self.model.filter

        def op(session: Session) -> list[str]:
            return register.ids(session, flt)

        def found(all_ids: list[str]) -> None:
            self.sig_print_requested.emit([all_ids[row] for row in rows if row < len(all_ids)])

        self._ctx.run_op(op, found, parent=self)

    def on_print_button_clicked(self) -> None:
        """«چاپ گواهی‌نامه»: print the selected licences' certificates."""
        self.request_print()

    def on_records_changed(self, kind: str) -> None:
        """Licences changed somewhere: load the rows again."""
        if kind == RecordKind.LICENCES:
            self.model.refresh()

    def on_find_shortcut_activated(self) -> None:
        """Ctrl+F: go to the search box."""
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def _update_buttons(self, *_args: object) -> None:
        self.open_button.setEnabled(self.table.currentIndex().isValid())
        self.person_button.setEnabled(self.table.currentIndex().isValid())
        self.print_button.setEnabled(self.table.selectionModel().hasSelection())
        forbid(self.print_button, self._ctx.db.account, Permission.PRINT)

    def _focus_table(self) -> None:
        if self.model.rowCount() == 0:
            return
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down arrow in the search box moves to the table; Escape clears the search."""
        if watched is self.search_edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Down:
                self._focus_table()
                return True
            if event.key() == Qt.Key.Key_Escape and self.search_edit.text():
                self.search_edit.clear()
                return True
        return super().eventFilter(watched, event)
