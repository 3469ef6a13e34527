"""The events list: :class:`EventListView`, search (title, code, venue, instructor) and
kind, status and month filters over a table of the events (participants, waiting list,
attendance rate, later licensed), and its model."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.events.records import KIND_LABELS, STATUS_LABELS, EventFilter, EventSummary
from app.views.bootstrap import persian_locale
from app.views.events.shared import current_jalali_month, format_number, format_rate, tr
from app.views.widgets.table_style import setup_record_table
from common import jalali
from common.text import isolate_ltr
from common.vocabulary import EventKind, EventStatus

LIST_HEADERS = (
    "کد",
    "عنوان",
    "نوع",
    "از تاریخ",
    "تا تاریخ",
    "شهرستان",
    "ظرفیت",
    "شرکت‌کنندگان",
    "در انتظار",
    "نرخ حضور",
    "مجوز گرفته",
    "وضعیت",
)


class EventListModel(QAbstractTableModel):
    """The events the list shows (summaries already loaded off the GUI thread); cells
    are computed when the view asks for them, so a long list costs no widgets."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.events: list[EventSummary] = []

    def set_events(self, events: list[EventSummary]) -> None:
        """Show ``events``."""
        self.beginResetModel()
        self.events = events
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.events)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(LIST_HEADERS)

    def text(self, row: int, column: int) -> str:
        """The cell's text."""
        item = self.events[row]
        if column == 0:
            return isolate_ltr(item.code)
        values = (
            item.title,
            item.kind_label,
            jalali.format_jalali(item.start_date),
            jalali.format_jalali(item.end_date),
            item.county_name,
            format_number(item.capacity),
            format_number(item.registered),
            format_number(item.waiting),
            format_rate(item.attendance_rate),
            format_number(item.later_licensed),
            item.status_label,
        )
        return values[column - 1]

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.events):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), index.column())
        if role == Qt.ItemDataRole.UserRole:
            return self.events[index.row()].id
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and self.events[index.row()].status == EventStatus.CANCELLED
        ):
            return QColor("#777777")
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(LIST_HEADERS)
        ):
            return tr(LIST_HEADERS[section])
        return None


class EventListView(QWidget):
    """Search and filters over the events, in a table."""

    sig_event_activated = Signal(str)
    sig_filter_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.events: list[EventSummary] = []
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(tr("جستجو در عنوان، کد، محل و مدرس…"))
        self.search_edit.setClearButtonEnabled(True)
        self.kind_combo = QComboBox()
        self.kind_combo.addItem(tr("همه انواع"), "")
        for kind in tuple(EventKind):
            self.kind_combo.addItem(KIND_LABELS[kind], kind)
        self.status_combo = QComboBox()
        self.status_combo.addItem(tr("همه وضعیت‌ها"), "")
        for status in (EventStatus.PLANNED, EventStatus.CANCELLED):
            self.status_combo.addItem(STATUS_LABELS[status], status)
        self.month_combo = QComboBox()
        self.month_combo.addItem(tr("همه ماه‌ها"), 0)
        for index, name in enumerate(jalali.JALALI_MONTH_NAMES, start=1):
            self.month_combo.addItem(name, index)
        self.year_spin = QSpinBox()
        self.year_spin.setRange(jalali.MIN_YEAR, jalali.MAX_YEAR)
        self.year_spin.setLocale(persian_locale())
        self.year_spin.setValue(current_jalali_month()[0])
        self.year_spin.setEnabled(False)
        self.model = EventListModel(self)
        self.table = QTableView()
        self.table.setObjectName("eventTable")
        self.table.setModel(self.model)
        setup_record_table(self.table)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        # The title takes the room the short columns leave.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.count_label = QLabel()
        bar = QHBoxLayout()
        bar.addWidget(self.search_edit, 2)
        bar.addWidget(self.kind_combo)
        bar.addWidget(self.status_combo)
        bar.addWidget(self.month_combo)
        bar.addWidget(self.year_spin)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        self.search_edit.textChanged.connect(self.on_filter_changed)
        self.kind_combo.currentIndexChanged.connect(self.on_filter_changed)
        self.status_combo.currentIndexChanged.connect(self.on_filter_changed)
        self.month_combo.currentIndexChanged.connect(self.on_filter_changed)
        self.year_spin.valueChanged.connect(self.on_filter_changed)
        self.table.doubleClicked.connect(self.on_table_double_clicked)

    def filter(self) -> EventFilter:
        """The filters as set."""
        month = int(self.month_combo.currentData() or 0)
        return EventFilter(
            text=self.search_edit.text(),
            kind=str(self.kind_combo.currentData() or ""),
            status=str(self.status_combo.currentData() or ""),
            year=self.year_spin.value() if month else None,
            month=month or None,
        )

    def on_filter_changed(self, *_args: object) -> None:
        """Any filter changed: ask for the list again."""
        self.year_spin.setEnabled(bool(self.month_combo.currentData()))
        self.sig_filter_changed.emit()

    def set_events(self, events: list[EventSummary]) -> None:
        """Show the events found."""
        self.events = events
        self.model.set_events(events)
        self.count_label.setText(tr("{count} رویداد").format(count=format_number(len(events))))

    def on_table_double_clicked(self, index: QModelIndex) -> None:
        """Open the event of the row."""
        if 0 <= index.row() < len(self.events):
            self.sig_event_activated.emit(self.events[index.row()].id)
