"""The events screen: a Jalali month calendar and a list of events, and the event page.

:class:`EventsScreen` shows two views: :class:`MonthGrid`, a painted Jalali month (seven
columns from Saturday, Fridays, official holidays and the office's closure days
coloured and labelled, the events of each day listed in its cell, a click opens one) and
the list (search, kind, status and month filters, participants and attendance rate).
:class:`EventDialog` is the event page: the details form (errors under the fields,
off-day warnings after saving), the participants (licence holders by national ID or
search, people not yet licensed, cancel, the waiting list), the attendance grid
(participants × days) and the figures, and printing attendance certificates (one or
all, in a worker with progress, then the preview of app.views.certificate_print).
:class:`ClosureDaysDialog` adds and removes the office's closure days.

All database work goes through ``ctx.run_db``; after a change the screen emits
``sig_records_changed("events")`` and refreshes itself from that signal.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.certificates.service import CertificateService, IssuedCertificate
from app.services.core import reference
from app.services.core.progress import Cancelled, Progress
from app.services.core.reference import CountyInfo
from app.services.core.scope import scope_counties
from app.services.events.calendar import WEEKDAY_NAMES, CalendarDay, ClosureInfo, MonthCalendar
from app.services.events.queries import list_organisers
from app.services.events.records import (
    KIND_LABELS,
    STATUS_LABELS,
    Choice,
    EventDetail,
    EventFilter,
    EventInput,
    EventSummary,
    HolderMatch,
    ParticipantInfo,
    ParticipantInput,
)
from app.services.events.service import EventService
from app.views import certificate_print
from app.views.bootstrap import persian_locale
from app.views.context import (
    RECORDS_EVENTS,
    RECORDS_LICENCES,
    RECORDS_OFFICE,
    RECORDS_SUPPORTERS,
    AppContext,
)
from app.views.errors import show_error
from app.views.widgets import messages
from app.views.widgets.county_combo import CountyCombo
from app.views.widgets.form import (
    INVALID_STYLE,
    DigitsLineEdit,
    FieldErrors,
    LatinLineEdit,
    add_field_row,
    make_error_label,
    make_form_layout,
    show_save_errors,
)
from app.views.widgets.jalali_date_edit import JalaliDateEdit
from app.views.widgets.table_style import setup_record_table
from common import jalali
from common.errors import DomainError
from common.text import isolate_ltr, to_persian_digits
from common.vocabulary import EventKind, EventStatus, ParticipantStatus

log = logging.getLogger("daftar.gui")

#: Kinds of sig_records_changed this screen refreshes on.
REFRESH_KINDS = frozenset({RECORDS_EVENTS, RECORDS_LICENCES, RECORDS_OFFICE, RECORDS_SUPPORTERS})

FRIDAY_COLOR = QColor("#fde7e7")
HOLIDAY_COLOR = QColor("#fff0d9")
CLOSURE_COLOR = QColor("#ece6f6")
TODAY_COLOR = QColor("#1565c0")
OFF_TEXT_COLOR = QColor("#b71c1c")
CLOSURE_TEXT_COLOR = QColor("#4a2c82")
EVENT_COLORS = {
    "workshop": QColor("#d7ecff"),
    "exhibition": QColor("#dff3e4"),
    "bazaar": QColor("#fff3c4"),
    "platform": QColor("#f1e2f7"),
    "other": QColor("#eceff1"),
}
CANCELLED_EVENT_COLOR = QColor("#f5f5f5")
GRID_COLOR = QColor("#c5cad3")
WARNING_COLOR = "#a15c00"


def _tr(text: str) -> str:
    return QCoreApplication.translate("Events", text)


def _number(value: int) -> str:
    return persian_locale().toString(value)


def _rate(value: float | None) -> str:
    if value is None:
        return "—"
    return to_persian_digits(f"{value * 100:.0f}") + "٪"


def _day_label(day: dt.date) -> str:
    _y, m, d = jalali.to_jalali_tuple(day)
    return to_persian_digits(f"{m:02d}/{d:02d}")


def current_jalali_month() -> tuple[int, int]:
    """This month in the Jalali calendar."""
    y, m, _d = jalali.to_jalali_tuple(jalali.today())
    return y, m


# -- the month grid ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    rect: QRect
    event_id: str = ""
    day: dt.date | None = None


class MonthGrid(QWidget):
    """A painted Jalali month: seven columns from Saturday (on the right), a row per week.

    Fridays, official holidays and closure days are coloured and labelled; each day cell
    lists its events (as many as fit, then «+n»). Clicking an event emits
    ``sig_event_activated(event_id)``; clicking «+n» opens a menu of the day's events.
    """

    sig_event_activated = Signal(str)
    #: A day cell was double-clicked (its date): e.g. to plan an event on it.
    sig_day_activated = Signal(object)

    HEADER_HEIGHT = 26
    LINE_HEIGHT = 18

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.month: MonthCalendar | None = None
        self.hits: list[_Hit] = []
        self.paint_count = 0
        self.more_menu: QMenu | None = None
        self.setMinimumSize(QSize(640, 420))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setObjectName("monthGrid")

    def set_month(self, month: MonthCalendar) -> None:
        """Show ``month`` (repainted at the next paint event)."""
        self.month = month
        self.update()

    def rows(self) -> int:
        """Week rows the month needs."""
        if self.month is None or not self.month.days:
            return 5
        offset = self.month.days[0].weekday
        return (offset + len(self.month.days) + 6) // 7

    def cell_rect(self, index: int) -> QRect:
        """The rectangle of the ``index``-th day (0-based) of the month."""
        assert self.month is not None
        offset = self.month.days[0].weekday
        position = offset + index
        row, column = divmod(position, 7)
        return self._cell(row, column)

    def _cell(self, row: int, column: int) -> QRect:
        width = self.width() / 7
        height = (self.height() - self.HEADER_HEIGHT) / self.rows()
        left_to_right = self.layoutDirection() == Qt.LayoutDirection.LeftToRight
        x = column * width if left_to_right else self.width() - (column + 1) * width
        y = self.HEADER_HEIGHT + row * height
        return QRect(round(x), round(y), round(width), round(height))

    def paintEvent(self, _event: QPaintEvent) -> None:
        """Paint the weekday header and every day cell."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        self.hits = []
        base = QFont(self.font())
        small = QFont(base)
        small.setPointSizeF(max(7.0, base.pointSizeF() * 0.85))
        bold = QFont(base)
        bold.setBold(True)
        painter.setFont(bold)
        for column, name in enumerate(WEEKDAY_NAMES):
            rect = self._cell(0, column)
            header = QRect(rect.x(), 0, rect.width(), self.HEADER_HEIGHT)
            painter.setPen(OFF_TEXT_COLOR if column == 6 else self.palette().text().color())
            painter.drawText(header, Qt.AlignmentFlag.AlignCenter, _tr(name))
        if self.month is not None:
            today = jalali.today()
            metrics = QFontMetrics(small)
            for index, day in enumerate(self.month.days):
                self._paint_day(painter, self.cell_rect(index), day, today, bold, small, metrics)
        painter.setPen(QPen(GRID_COLOR))
        for row in range(self.rows()):
            for column in range(7):
                painter.drawRect(self._cell(row, column).adjusted(0, 0, -1, -1))
        painter.end()
        self.paint_count += 1

    def _paint_day(
        self,
        painter: QPainter,
        rect: QRect,
        day: CalendarDay,
        today: dt.date,
        bold: QFont,
        small: QFont,
        metrics: QFontMetrics,
    ) -> None:
        mark = day.mark
        if mark is not None:
            colour = (
                CLOSURE_COLOR
                if mark.closure_id
                else HOLIDAY_COLOR
                if mark.holiday
                else FRIDAY_COLOR
            )
            painter.fillRect(rect, colour)
        inner = rect.adjusted(4, 2, -4, -2)
        painter.setFont(bold)
        off = mark is not None and (mark.friday or bool(mark.holiday))
        painter.setPen(
            TODAY_COLOR
            if day.date == today
            else OFF_TEXT_COLOR
            if off
            else self.palette().text().color()
        )
        number_rect = QRect(inner.x(), inner.y(), inner.width(), self.LINE_HEIGHT)
        painter.drawText(
            number_rect,
            Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter,
            _number(day.day),
        )
        y = inner.y() + self.LINE_HEIGHT
        painter.setFont(small)
        if mark is not None and (mark.holiday or mark.closure_id):
            label = mark.holiday or (
                _tr("تعطیلی اداره: {reason}").format(reason=mark.closure)
                if mark.closure
                else _tr("تعطیلی اداره")
            )
            painter.setPen(
                CLOSURE_TEXT_COLOR if mark.closure_id and not mark.holiday else OFF_TEXT_COLOR
            )
            line = QRect(inner.x(), y, inner.width(), self.LINE_HEIGHT)
            painter.drawText(
                line,
                Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(label, Qt.TextElideMode.ElideRight, line.width()),
            )
            y += self.LINE_HEIGHT
        events = day.events
        room = max(0, (inner.bottom() - y) // self.LINE_HEIGHT)
        shown = events if len(events) <= room else events[: max(0, room - 1)]
        for item in shown:
            line = QRect(inner.x(), y, inner.width(), self.LINE_HEIGHT - 2)
            cancelled = item.status == EventStatus.CANCELLED
            painter.fillRect(
                line,
                CANCELLED_EVENT_COLOR
                if cancelled
                else EVENT_COLORS.get(item.kind, EVENT_COLORS["other"]),
            )
            painter.setPen(QColor("#777777") if cancelled else self.palette().text().color())
            text = (
                f"{to_persian_digits(item.start_time)} {item.title}"
                if item.start_time
                else item.title
            )
            painter.drawText(
                line.adjusted(3, 0, -3, 0),
                Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(text, Qt.TextElideMode.ElideRight, line.width() - 6),
            )
            self.hits.append(_Hit(line, event_id=item.id))
            y += self.LINE_HEIGHT
        hidden = len(events) - len(shown)
        if hidden > 0:
            line = QRect(inner.x(), y, inner.width(), self.LINE_HEIGHT - 2)
            painter.setPen(TODAY_COLOR)
            painter.drawText(
                line,
                Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter,
                _tr("+{count} رویداد دیگر").format(count=_number(hidden)),
            )
            self.hits.append(_Hit(line, day=day.date))

    def hit(self, point: QPoint) -> _Hit | None:
        """What is under ``point`` (an event line or a «+n» line), or None."""
        for item in self.hits:
            if item.rect.contains(point):
                return item
        return None

    def day_at(self, point: QPoint) -> dt.date | None:
        """The day whose cell holds ``point``."""
        if self.month is None:
            return None
        for index, day in enumerate(self.month.days):
            if self.cell_rect(index).contains(point):
                return day.date
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Open the event clicked, or the menu of a day's other events."""
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        found = self.hit(event.position().toPoint())
        if found is None:
            super().mousePressEvent(event)
        elif found.event_id:
            self.sig_event_activated.emit(found.event_id)
        elif found.day is not None:
            self.show_day_menu(found.day, event.globalPosition().toPoint())

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """Double-click on a day (not on an event): plan an event on it."""
        if self.hit(event.position().toPoint()) is None:
            day = self.day_at(event.position().toPoint())
            if day is not None:
                self.sig_day_activated.emit(day)
                return
        super().mouseDoubleClickEvent(event)

    def show_day_menu(self, day: dt.date, where: QPoint) -> QMenu:
        """A menu of every event on ``day`` (non-blocking)."""
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        assert self.month is not None
        cell = next(d for d in self.month.days if d.date == day)
        for item in cell.events:
            action = menu.addAction(item.title)
            action.triggered.connect(lambda _c=False, i=item.id: self.sig_event_activated.emit(i))
        self.more_menu = menu
        menu.popup(where)
        return menu

    def sizeHint(self) -> QSize:
        """Room for a few events per day."""
        return QSize(900, 620)


class CalendarView(QWidget):
    """The month grid with its title and previous/next buttons."""

    sig_month_requested = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.year, self.month = current_jalali_month()
        self.previous_button = QPushButton(_tr("ماه قبل"))
        self.next_button = QPushButton(_tr("ماه بعد"))
        self.today_button = QPushButton(_tr("این ماه"))
        self.title_label = QLabel()
        self.title_label.setObjectName("monthTitle")
        font = self.title_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.title_label.setFont(font)
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.legend_label = QLabel(self._legend())
        self.legend_label.setTextFormat(Qt.TextFormat.RichText)
        self.grid = MonthGrid()
        bar = QHBoxLayout()
        bar.addWidget(self.previous_button)
        bar.addWidget(self.title_label, 1)
        bar.addWidget(self.today_button)
        bar.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.legend_label)
        self.previous_button.clicked.connect(self.on_previous_button_clicked)
        self.next_button.clicked.connect(self.on_next_button_clicked)
        self.today_button.clicked.connect(self.on_today_button_clicked)

    @staticmethod
    def _legend() -> str:
        def swatch(colour: QColor, text: str) -> str:
            return (
                f'<span style="background:{colour.name()};">&nbsp;&nbsp;&nbsp;&nbsp;</span>'
                f"&nbsp;{text}&nbsp;&nbsp;&nbsp;"
            )

        return (
            swatch(FRIDAY_COLOR, _tr("جمعه"))
            + swatch(HOLIDAY_COLOR, _tr("تعطیل رسمی"))
            + swatch(CLOSURE_COLOR, _tr("تعطیلی اداره"))
        )

    def set_month(self, month: MonthCalendar) -> None:
        """Show the loaded month."""
        self.year, self.month = month.year, month.month
        self.title_label.setText(month.title)
        self.grid.set_month(month)

    def on_previous_button_clicked(self) -> None:
        """One month back."""
        year, month = (self.year, self.month - 1) if self.month > 1 else (self.year - 1, 12)
        self.sig_month_requested.emit(year, month)

    def on_next_button_clicked(self) -> None:
        """One month on."""
        year, month = (self.year, self.month + 1) if self.month < 12 else (self.year + 1, 1)
        self.sig_month_requested.emit(year, month)

    def on_today_button_clicked(self) -> None:
        """Back to this month."""
        self.sig_month_requested.emit(*current_jalali_month())


# -- the list -------------------------------------------------------------------------------


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
            _number(item.capacity),
            _number(item.registered),
            _number(item.waiting),
            _rate(item.attendance_rate),
            _number(item.later_licensed),
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
            return _tr(LIST_HEADERS[section])
        return None


class EventListView(QWidget):
    """Search and filters over the events, in a table."""

    sig_event_activated = Signal(str)
    sig_filter_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.events: list[EventSummary] = []
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(_tr("جستجو در عنوان، کد، محل و مدرس…"))
        self.search_edit.setClearButtonEnabled(True)
        self.kind_combo = QComboBox()
        self.kind_combo.addItem(_tr("همه انواع"), "")
        for kind in tuple(EventKind):
            self.kind_combo.addItem(KIND_LABELS[kind], kind)
        self.status_combo = QComboBox()
        self.status_combo.addItem(_tr("همه وضعیت‌ها"), "")
        for status in (EventStatus.PLANNED, EventStatus.CANCELLED):
            self.status_combo.addItem(STATUS_LABELS[status], status)
        self.month_combo = QComboBox()
        self.month_combo.addItem(_tr("همه ماه‌ها"), 0)
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
        self.count_label.setText(_tr("{count} رویداد").format(count=_number(len(events))))

    def on_table_double_clicked(self, index: QModelIndex) -> None:
        """Open the event of the row."""
        if 0 <= index.row() < len(self.events):
            self.sig_event_activated.emit(self.events[index.row()].id)


# -- the screen ----------------------------------------------------------------------------


class EventsScreen(QWidget):
    """Events: the month calendar and the list, the closure days, the event pages."""

    #: The month shown finished loading (year, month).
    sig_month_shown = Signal(int, int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialogs: list[EventDialog] = []
        self._month_generation = 0
        self._list_generation = 0
        self.new_button = QPushButton(_tr("رویداد تازه…"))
        self.closures_button = QPushButton(_tr("روزهای تعطیل اداره…"))
        self.calendar_button = QPushButton(_tr("تقویم"))
        self.list_button = QPushButton(_tr("فهرست"))
        for button in (self.calendar_button, self.list_button):
            button.setCheckable(True)
            button.setAutoExclusive(True)
        self.calendar_button.setChecked(True)
        self.calendar = CalendarView()
        self.list_view = EventListView()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.calendar)
        self.stack.addWidget(self.list_view)
        bar = QHBoxLayout()
        bar.addWidget(self.calendar_button)
        bar.addWidget(self.list_button)
        bar.addStretch(1)
        bar.addWidget(self.closures_button)
        bar.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)
        self.new_button.clicked.connect(self.on_new_button_clicked)
        self.closures_button.clicked.connect(self.on_closures_button_clicked)
        self.calendar_button.toggled.connect(self.on_view_toggled)
        self.calendar.sig_month_requested.connect(self.show_month)
        self.calendar.grid.sig_event_activated.connect(self.open_event)
        self.calendar.grid.sig_day_activated.connect(self.on_grid_day_activated)
        self.list_view.sig_event_activated.connect(self.open_event)
        self.list_view.sig_filter_changed.connect(self.refresh_list)
        ctx.signals.sig_records_changed.connect(self.on_records_changed)
        self.refresh()

    # -- loading ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Load the month shown and the list again."""
        self.show_month(self.calendar.year, self.calendar.month)
        self.refresh_list()

    def show_month(self, jalali_year: int, jalali_month: int) -> None:
        """Show a Jalali month in the calendar (loaded in a worker)."""
        self._month_generation += 1
        generation = self._month_generation

        def op(session: Session) -> MonthCalendar:
            return EventService(session).month(jalali_year, jalali_month)

        def loaded(month: MonthCalendar) -> None:
            if generation == self._month_generation:
                self.calendar.set_month(month)
                self.sig_month_shown.emit(month.year, month.month)

        self.ctx.run_db(op, loaded, self._failed, parent=self)

    def refresh_list(self) -> None:
        """Load the list with the filters as set."""
        self._list_generation += 1
        generation = self._list_generation
        flt = self.list_view.filter()

        def op(session: Session) -> list[EventSummary]:
            return EventService(session).list_events(flt)

        def loaded(events: list[EventSummary]) -> None:
            if generation == self._list_generation:
                self.list_view.set_events(events)

        self.ctx.run_db(op, loaded, self._failed, parent=self)

    def _failed(self, exc: BaseException) -> None:
        show_error(self.window(), exc)

    def on_records_changed(self, kind: str) -> None:
        """Events (or what they show) changed somewhere: reload."""
        if kind in REFRESH_KINDS:
            self.refresh()

    def on_view_toggled(self, calendar: bool) -> None:
        """Switch between the calendar and the list."""
        self.stack.setCurrentWidget(self.calendar if calendar else self.list_view)

    # -- opening ---------------------------------------------------------------------------

    def _open(self, dialog: EventDialog) -> EventDialog:
        dialog.finished.connect(self.on_dialog_finished)
        self.dialogs.append(dialog)
        dialog.open()
        return dialog

    def on_dialog_finished(self, _result: int) -> None:
        """An event page was closed: forget it and delete it later."""
        dialog = self.sender()
        if isinstance(dialog, EventDialog) and dialog in self.dialogs:
            self.dialogs.remove(dialog)
            dialog.deleteLater()

    def open_event(self, event_id: str) -> EventDialog:
        """Open an event's page (non-blocking); returns the dialog."""
        return self._open(EventDialog(self.ctx, event_id, self))

    def new_event(self, day: dt.date | None = None) -> EventDialog:
        """Open an empty event page (on ``day`` if given)."""
        dialog = EventDialog(self.ctx, None, self)
        if day is not None:
            dialog.start_edit.setDate(day)
            dialog.end_edit.setDate(day)
        return self._open(dialog)

    def on_new_button_clicked(self) -> None:
        """«رویداد تازه…»."""
        self.new_event()

    def on_grid_day_activated(self, day: dt.date) -> None:
        """A day was double-clicked: a new event on it."""
        self.new_event(day)

    def on_closures_button_clicked(self) -> None:
        """«روزهای تعطیل اداره…»."""
        self.open_closures()

    def open_closures(self) -> ClosureDaysDialog:
        """Open the closure-days dialog (non-blocking)."""
        dialog = ClosureDaysDialog(self.ctx, self.calendar.year, self.calendar.month, self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog


# -- the event page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Loaded:
    detail: EventDetail
    participants: list[ParticipantInfo]


@dataclass(frozen=True)
class _FormChoices:
    #: The counties of the office's scope (an event is held in one of them).
    counties: list[CountyInfo]
    fields: list[tuple[str, str]]
    organisers: list[Choice]
    office_county_id: str


class EventDialog(QDialog):
    """An event's page: details, participants, attendance, figures and certificates."""

    sig_event_saved = Signal(str)

    PARTICIPANT_HEADERS = (
        "کد ملی",
        "نام",
        "نام خانوادگی",
        "تلفن همراه",
        "وضعیت",
        "نوبت انتظار",
        "روزهای حضور",
    )

    def __init__(
        self, ctx: AppContext, event_id: str | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.event_id = event_id
        self.detail: EventDetail | None = None
        self.participants: list[ParticipantInfo] = []
        self.print_job: _AttendancePrint | None = None
        self._filling_attendance = False
        self.setWindowTitle(_tr("رویداد تازه") if event_id is None else _tr("رویداد"))
        self.setStyleSheet(INVALID_STYLE)
        self.resize(900, 680)

        self.figures_label = QLabel()
        self.figures_label.setObjectName("eventFigures")
        self.figures_label.setWordWrap(True)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._details_tab(), _tr("مشخصات"))
        self.tabs.addTab(self._participants_tab(), _tr("شرکت‌کنندگان"))
        self.tabs.addTab(self._attendance_tab(), _tr("حضور و غیاب"))
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(_tr("ذخیره"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_event_button = buttons.addButton(
            _tr("لغو رویداد"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.print_all_button = buttons.addButton(
            _tr("چاپ گواهی حضور همه"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.close_button = buttons.addButton(_tr("بستن"), QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.clicked.connect(self.save)
        self.cancel_event_button.clicked.connect(self.on_cancel_event_button_clicked)
        self.print_all_button.clicked.connect(self.on_print_all_button_clicked)
        self.close_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.figures_label)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self._update_enabled()
        self._load_choices()

    # -- building -------------------------------------------------------------------------

    def _details_tab(self) -> QWidget:
        self.errors = FieldErrors(self)
        self.kind_combo = QComboBox()
        for kind in tuple(EventKind):
            self.kind_combo.addItem(KIND_LABELS[kind], kind)
        self.title_edit = QLineEdit()
        self.title_edit.setMaxLength(200)
        self.field_filter_edit = QLineEdit()
        self.field_filter_edit.setPlaceholderText(_tr("جستجوی رشته…"))
        self.field_list = QListWidget()
        self.field_list.setMaximumHeight(110)
        fields_box = QWidget()
        fields_layout = QVBoxLayout(fields_box)
        fields_layout.setContentsMargins(0, 0, 0, 0)
        fields_layout.addWidget(self.field_filter_edit)
        fields_layout.addWidget(self.field_list)
        self.organiser_combo = QComboBox()
        self.venue_edit = QLineEdit()
        self.county_combo = CountyCombo(placeholder=_tr("نام شهرستان…"))
        self.start_edit = JalaliDateEdit()
        self.end_edit = JalaliDateEdit()
        self.start_time_edit = LatinLineEdit(max_length=5)
        self.start_time_edit.setPlaceholderText("09:00")
        self.end_time_edit = LatinLineEdit(max_length=5)
        self.end_time_edit.setPlaceholderText("12:00")
        self.capacity_edit = DigitsLineEdit(max_length=6)
        self.instructor_edit = QLineEdit()
        self.description_edit = QPlainTextEdit()
        self.description_edit.setMaximumHeight(70)
        self.code_label = QLabel("—")
        self.status_label = QLabel("")
        self.warning_label = QLabel()
        self.warning_label.setObjectName("eventWarnings")
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(f"color: {WARNING_COLOR};")
        self.warning_label.hide()
        self.general_error = make_error_label()
        form = make_form_layout()
        form.addRow(_tr("کد رویداد:"), self.code_label)
        form.addRow(_tr("وضعیت:"), self.status_label)
        rows: Sequence[tuple[str, str, QWidget]] = (
            ("kind", _tr("نوع رویداد:"), self.kind_combo),
            ("title", _tr("عنوان:"), self.title_edit),
            ("field_ids", _tr("رشته‌ها:"), fields_box),
            ("organiser_supporter_id", _tr("برگزارکننده:"), self.organiser_combo),
            ("venue", _tr("محل برگزاری:"), self.venue_edit),
            ("county_id", _tr("شهرستان:"), self.county_combo),
            ("start_date", _tr("تاریخ شروع:"), self.start_edit),
            ("end_date", _tr("تاریخ پایان:"), self.end_edit),
            ("start_time", _tr("ساعت شروع:"), self.start_time_edit),
            ("end_time", _tr("ساعت پایان:"), self.end_time_edit),
            ("capacity", _tr("ظرفیت (نفر):"), self.capacity_edit),
            ("instructor", _tr("مدرس:"), self.instructor_edit),
            ("description", _tr("توضیحات:"), self.description_edit),
        )
        for name, text, widget in rows:
            mark: QWidget | None = widget.date_edit if isinstance(widget, JalaliDateEdit) else None
            if name == "field_ids":
                mark = self.field_list
            add_field_row(form, text, widget, self.errors.add(name, widget, mark=mark))
        page = QWidget()
        columns = QVBoxLayout(page)
        columns.addLayout(form)
        columns.addWidget(self.warning_label)
        columns.addWidget(self.general_error)
        columns.addStretch(1)
        self.field_filter_edit.textChanged.connect(self.on_field_filter_edit_text_changed)
        return page

    def _participants_tab(self) -> QWidget:
        page = QWidget()
        holder_box = QGroupBox(_tr("ثبت‌نام دارنده مجوز"))
        self.holder_nid_edit = DigitsLineEdit(max_length=14, placeholder=_tr("کد ملی"))
        self.holder_button = QPushButton(_tr("ثبت‌نام با کد ملی"))
        self.holder_error = make_error_label()
        self.holder_search_edit = QLineEdit()
        self.holder_search_edit.setPlaceholderText(_tr("جستجوی نام یا کد ملی دارنده…"))
        self.holder_search_button = QPushButton(_tr("جستجو"))
        self.holder_results = QComboBox()
        self.holder_results.setMinimumContentsLength(24)
        self.holder_pick_button = QPushButton(_tr("ثبت‌نام فرد انتخاب‌شده"))
        holder_layout = QVBoxLayout(holder_box)
        line = QHBoxLayout()
        line.addWidget(self.holder_nid_edit)
        line.addWidget(self.holder_button)
        line.addStretch(1)
        holder_layout.addLayout(line)
        holder_layout.addWidget(self.holder_error)
        line = QHBoxLayout()
        line.addWidget(self.holder_search_edit, 1)
        line.addWidget(self.holder_search_button)
        line.addWidget(self.holder_results, 1)
        line.addWidget(self.holder_pick_button)
        holder_layout.addLayout(line)

        person_box = QGroupBox(_tr("ثبت‌نام فرد بدون مجوز"))
        self.person_errors = FieldErrors(self)
        self.person_nid_edit = DigitsLineEdit(max_length=14)
        self.person_first_edit = QLineEdit()
        self.person_last_edit = QLineEdit()
        self.person_mobile_edit = DigitsLineEdit(max_length=16)
        self.person_button = QPushButton(_tr("ثبت‌نام"))
        grid = QFormLayout()
        person_row = QHBoxLayout()
        for name, text, widget in (
            ("national_id", _tr("کد ملی"), self.person_nid_edit),
            ("first_name", _tr("نام"), self.person_first_edit),
            ("last_name", _tr("نام خانوادگی"), self.person_last_edit),
            ("mobile", _tr("تلفن همراه"), self.person_mobile_edit),
        ):
            column = QVBoxLayout()
            column.addWidget(QLabel(text))
            column.addWidget(widget)
            column.addWidget(self.person_errors.add(name, widget))
            column.addStretch(1)
            person_row.addLayout(column)
        person_row.addWidget(self.person_button, 0, Qt.AlignmentFlag.AlignTop)
        grid.addRow(person_row)
        person_box.setLayout(grid)

        self.participant_table = QTableWidget(0, len(self.PARTICIPANT_HEADERS))
        self.participant_table.setObjectName("participantTable")
        self.participant_table.setHorizontalHeaderLabels([_tr(h) for h in self.PARTICIPANT_HEADERS])
        setup_record_table(self.participant_table)
        self.participant_table.verticalHeader().hide()
        self.participant_table.horizontalHeader().setStretchLastSection(True)
        self.cancel_participant_button = QPushButton(_tr("لغو ثبت‌نام"))
        self.print_selected_button = QPushButton(_tr("چاپ گواهی حضور انتخاب‌شده‌ها"))
        actions = QHBoxLayout()
        actions.addWidget(self.cancel_participant_button)
        actions.addWidget(self.print_selected_button)
        actions.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addWidget(holder_box)
        layout.addWidget(person_box)
        layout.addWidget(self.participant_table, 1)
        layout.addLayout(actions)
        self.holder_button.clicked.connect(self.on_holder_button_clicked)
        self.holder_nid_edit.returnPressed.connect(self.on_holder_button_clicked)
        self.holder_search_button.clicked.connect(self.on_holder_search_button_clicked)
        self.holder_search_edit.returnPressed.connect(self.on_holder_search_button_clicked)
        self.holder_pick_button.clicked.connect(self.on_holder_pick_button_clicked)
        self.person_button.clicked.connect(self.on_person_button_clicked)
        self.cancel_participant_button.clicked.connect(self.on_cancel_participant_button_clicked)
        self.print_selected_button.clicked.connect(self.on_print_selected_button_clicked)
        return page

    def _attendance_tab(self) -> QWidget:
        page = QWidget()
        self.attendance_table = QTableWidget(0, 0)
        self.attendance_table.setObjectName("attendanceTable")
        self.attendance_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        hint = QLabel(
            _tr("برای ثبت حضور، خانهٔ هر روز را علامت بزنید؛ فقط ثبت‌نام‌شده‌ها فهرست می‌شوند.")
        )
        hint.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.addWidget(hint)
        layout.addWidget(self.attendance_table, 1)
        self.attendance_table.itemChanged.connect(self.on_attendance_table_item_changed)
        return page

    # -- loading ---------------------------------------------------------------------------

    def _load_choices(self) -> None:
        def op(session: Session) -> _FormChoices:
            from app.services.events.calendar import office_county_id

            return _FormChoices(
                counties=scope_counties(session),
                fields=[
                    (f.id, f"{f.name} ({to_persian_digits(f.code)})")
                    for f in reference.list_fields(session, only_active=True)
                ],
                organisers=list_organisers(session),
                office_county_id=office_county_id(session),
            )

        self.ctx.run_db(op, self._set_choices, self._failed, parent=self)

    def _set_choices(self, choices: _FormChoices) -> None:
        self.county_combo.set_counties(choices.counties, choices.office_county_id)
        self.field_list.clear()
        for field_id, text in choices.fields:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, field_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.field_list.addItem(item)
        self.organiser_combo.addItem(_tr("همین اداره"), "")
        for choice in choices.organisers:
            self.organiser_combo.addItem(choice.text, choice.id)
        if self.event_id is not None:
            self.reload()

    def reload(self) -> None:
        """Load the event and its participants again."""
        event_id = self.event_id
        if event_id is None:
            return

        def op(session: Session) -> _Loaded:
            service = EventService(session)
            return _Loaded(service.get(event_id), service.participants(event_id))

        self.ctx.run_db(op, self._set_loaded, self._failed, parent=self)

    def _set_loaded(self, loaded: _Loaded, *, fill_form: bool = True) -> None:
        self.detail = loaded.detail
        self.participants = loaded.participants
        if fill_form:
            self._fill_form(loaded.detail)
        self._fill_participants()
        self._fill_attendance()
        self._show_figures()
        self._update_enabled()

    def _fill_form(self, detail: EventDetail) -> None:
        self.setWindowTitle(
            _tr("رویداد {code}: {title}").format(code=isolate_ltr(detail.code), title=detail.title)
        )
        self.code_label.setText(isolate_ltr(detail.code))
        self.status_label.setText(detail.status_label)
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(detail.kind)))
        self.title_edit.setText(detail.title)
        chosen = set(detail.field_ids)
        for row in range(self.field_list.count()):
            item = self.field_list.item(row)
            checked = item.data(Qt.ItemDataRole.UserRole) in chosen
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.organiser_combo.setCurrentIndex(
            max(0, self.organiser_combo.findData(detail.organiser_supporter_id))
        )
        self.venue_edit.setText(detail.venue)
        self.county_combo.show_county(detail.county_id, detail.county_name)
        self.start_edit.setDate(detail.start_date)
        self.end_edit.setDate(detail.end_date)
        self.start_time_edit.setText(detail.start_time)
        self.end_time_edit.setText(detail.end_time)
        self.capacity_edit.setText(str(detail.capacity))
        self.instructor_edit.setText(detail.instructor)
        self.description_edit.setPlainText(detail.description)
        self.show_warnings(detail.warnings)

    def _show_figures(self) -> None:
        detail = self.detail
        if detail is None:
            self.figures_label.setText(_tr("رویداد تازه: مشخصات را بنویسید و ذخیره کنید."))
            return
        figures = detail.figures
        self.figures_label.setText(
            _tr(
                "ظرفیت {capacity} نفر · ثبت‌نام‌شده {registered} · در انتظار {waiting} · "
                "انصراف {cancelled} · {days} روز · نرخ حضور {rate} · حاضران (گواهی) {attendees} · "
                "مجوز گرفته پس از رویداد {licensed}"
            ).format(
                capacity=_number(detail.capacity),
                registered=_number(figures.registered),
                waiting=_number(figures.waiting),
                cancelled=_number(figures.cancelled),
                days=_number(figures.days),
                rate=_rate(figures.attendance_rate),
                attendees=_number(figures.attendees),
                licensed=_number(figures.later_licensed),
            )
        )

    def _fill_participants(self) -> None:
        table = self.participant_table
        table.setRowCount(len(self.participants))
        for row, person in enumerate(self.participants):
            values = (
                to_persian_digits(person.national_id),
                person.first_name,
                person.last_name,
                to_persian_digits(person.mobile),
                person.status_label,
                _number(person.waiting_position) if person.waiting_position else "",
                _number(len(person.present_days)),
            )
            for column, value in enumerate(values):
                cell = QTableWidgetItem(value)
                cell.setData(Qt.ItemDataRole.UserRole, person.id)
                if person.status != ParticipantStatus.REGISTERED:
                    cell.setForeground(QColor("#8a6d00" if person.waiting_position else "#777777"))
                table.setItem(row, column, cell)

    def _fill_attendance(self) -> None:
        detail = self.detail
        table = self.attendance_table
        self._filling_attendance = True
        try:
            if detail is None:
                table.setRowCount(0)
                table.setColumnCount(0)
                return
            registered = [p for p in self.participants if p.status == ParticipantStatus.REGISTERED]
            days = detail.days
            table.setColumnCount(len(days))
            table.setRowCount(len(registered))
            table.setHorizontalHeaderLabels([_day_label(d) for d in days])
            table.setVerticalHeaderLabels([p.full_name for p in registered])
            for row, person in enumerate(registered):
                for column, day in enumerate(days):
                    cell = QTableWidgetItem()
                    cell.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                    cell.setData(Qt.ItemDataRole.UserRole, (person.id, day))
                    present = day in person.present_days
                    cell.setCheckState(
                        Qt.CheckState.Checked if present else Qt.CheckState.Unchecked
                    )
                    table.setItem(row, column, cell)
        finally:
            self._filling_attendance = False

    def _update_enabled(self) -> None:
        exists = self.detail is not None
        editable = exists and self.detail is not None and not self.detail.cancelled
        self.tabs.setTabEnabled(1, exists)
        self.tabs.setTabEnabled(2, exists)
        self.cancel_event_button.setEnabled(bool(editable))
        self.save_button.setEnabled(self.detail is None or bool(editable))
        self.print_all_button.setEnabled(
            exists and self.detail is not None and self.detail.figures.attendees > 0
        )
        for widget in (self.holder_button, self.holder_pick_button, self.person_button):
            widget.setEnabled(bool(editable))

    # -- details -------------------------------------------------------------------------

    def form_input(self) -> EventInput:
        """What the form holds, as the service's input."""
        field_ids = []
        for row in range(self.field_list.count()):
            item = self.field_list.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                field_ids.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return EventInput(
            kind=str(self.kind_combo.currentData()),
            title=self.title_edit.text(),
            field_ids=tuple(field_ids),
            organiser_supporter_id=str(self.organiser_combo.currentData() or ""),
            venue=self.venue_edit.text(),
            county_id=str(self.county_combo.value() or ""),
            start_date=self.start_edit.date(),
            end_date=self.end_edit.date(),
            start_time=self.start_time_edit.text(),
            end_time=self.end_time_edit.text(),
            capacity=self.capacity_edit.text(),
            instructor=self.instructor_edit.text(),
            description=self.description_edit.toPlainText(),
        )

    def save(self) -> None:
        """Create or update the event; errors go under their fields."""
        data = self.form_input()
        event_id = self.event_id
        expected = self.detail.rev if self.detail is not None else None
        self.errors.clear()
        self.general_error.hide()

        def op(session: Session) -> _Loaded:
            service = EventService(session)
            if event_id is None:
                detail = service.create(data)
            else:
                detail = service.update(event_id, data, expected_rev=expected)
            return _Loaded(detail, service.participants(detail.id))

        def saved(loaded: _Loaded) -> None:
            self.event_id = loaded.detail.id
            self._set_loaded(loaded)
            self.sig_event_saved.emit(loaded.detail.id)
            self.ctx.signals.sig_records_changed.emit(RECORDS_EVENTS)

        def failed(exc: BaseException) -> None:
            show_save_errors(self, self.errors, self.general_error, exc)

        self.ctx.run_db(op, saved, failed, parent=self)

    def show_warnings(self, warnings: Sequence[str]) -> None:
        """Show the off-day warnings under the form (or hide them)."""
        self.warning_label.setText("\n".join(warnings))
        self.warning_label.setVisible(bool(warnings))

    def on_field_filter_edit_text_changed(self, text: str) -> None:
        """Show only the fields matching the filter."""
        from common.text import search_key

        key = search_key(text)
        for row in range(self.field_list.count()):
            item = self.field_list.item(row)
            item.setHidden(bool(key) and key not in search_key(item.text()))

    def on_cancel_event_button_clicked(self) -> None:
        """«لغو رویداد» after a confirmation."""
        if self.event_id is None or self.detail is None:
            return
        if not messages.confirm(
            self,
            _tr("لغو رویداد"),
            _tr("رویداد «{title}» لغو شود؟ ثبت‌نام و حضور آن دیگر تغییر نمی‌کند.").format(
                title=self.detail.title
            ),
            yes_text=_tr("لغو رویداد"),
            no_text=_tr("انصراف"),
            danger=True,
        ):
            return
        event_id = self.event_id
        self._change(lambda service: service.cancel(event_id))

    # -- participants ------------------------------------------------------------------

    def _change(
        self,
        action: Callable[[EventService], object],
        on_done: Callable[[object], None] | None = None,
        on_failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run ``action`` then reload the page and tell the other screens."""
        event_id = self.event_id
        assert event_id is not None

        def op(session: Session) -> tuple[object, _Loaded]:
            service = EventService(session)
            result = action(service)
            return result, _Loaded(service.get(event_id), service.participants(event_id))

        def done(value: tuple[object, _Loaded]) -> None:
            result, loaded = value
            self._set_loaded(loaded, fill_form=False)
            self.status_label.setText(loaded.detail.status_label)
            self.ctx.signals.sig_records_changed.emit(RECORDS_EVENTS)
            if on_done is not None:
                on_done(result)

        self.ctx.run_db(op, done, on_failed or self._failed, parent=self)

    def register_holder(self, national_id: str) -> None:
        """Register the licence holder with this national ID."""
        self.holder_error.hide()
        event_id = self.event_id

        def failed(exc: BaseException) -> None:
            self._inline_error(self.holder_error, exc)

        def done(_result: object) -> None:
            self.holder_nid_edit.clear()

        assert event_id is not None
        self._change(lambda service: service.register_holder(event_id, national_id), done, failed)

    def on_holder_button_clicked(self) -> None:
        """«ثبت‌نام با کد ملی»."""
        self.register_holder(self.holder_nid_edit.text())

    def on_holder_search_button_clicked(self) -> None:
        """Search the register's holders."""
        text = self.holder_search_edit.text()

        def op(session: Session) -> list[HolderMatch]:
            return EventService(session).search_holders(text)

        def found(matches: list[HolderMatch]) -> None:
            self.holder_results.clear()
            for match in matches:
                self.holder_results.addItem(
                    f"{match.full_name} ({to_persian_digits(match.national_id)})", match.national_id
                )
            if not matches:
                self.holder_error.setText(_tr("دارنده‌ای با این مشخصات پیدا نشد."))
                self.holder_error.show()
            else:
                self.holder_error.hide()

        self.ctx.run_db(op, found, self._failed, parent=self)

    def on_holder_pick_button_clicked(self) -> None:
        """Register the holder chosen from the search results."""
        national_id = self.holder_results.currentData()
        if national_id:
            self.register_holder(str(national_id))

    def register_person(self) -> None:
        """Register the person typed in «ثبت‌نام فرد بدون مجوز»."""
        data = ParticipantInput(
            self.person_nid_edit.text(),
            self.person_first_edit.text(),
            self.person_last_edit.text(),
            self.person_mobile_edit.text(),
        )
        event_id = self.event_id
        assert event_id is not None
        self.person_errors.clear()

        def failed(exc: BaseException) -> None:
            show_save_errors(self, self.person_errors, self.holder_error, exc)

        def done(_result: object) -> None:
            for edit in (
                self.person_nid_edit,
                self.person_first_edit,
                self.person_last_edit,
                self.person_mobile_edit,
            ):
                edit.clear()

        self._change(lambda service: service.register(event_id, data), done, failed)

    def on_person_button_clicked(self) -> None:
        """«ثبت‌نام» of a person not yet licensed."""
        self.register_person()

    def selected_participant_ids(self) -> list[str]:
        """Participants selected in the table, in table order."""
        rows = sorted({index.row() for index in self.participant_table.selectedIndexes()})
        return [self.participants[row].id for row in rows if row < len(self.participants)]

    def on_cancel_participant_button_clicked(self) -> None:
        """Cancel the selected registrations (after a confirmation)."""
        ids = self.selected_participant_ids()
        if not ids:
            return
        if not messages.confirm(
            self,
            _tr("لغو ثبت‌نام"),
            _tr("ثبت‌نام {count} نفر لغو شود؟ جای آنان به نفرات فهرست انتظار می‌رسد.").format(
                count=_number(len(ids))
            ),
            danger=True,
        ):
            return

        def action(service: EventService) -> None:
            for participant_id in ids:
                service.cancel_participant(participant_id)

        self._change(action)

    def _inline_error(self, label: QLabel, exc: BaseException) -> None:
        if isinstance(exc, DomainError):
            errors = getattr(exc, "errors", None)
            label.setText("\n".join(e.message for e in errors) if errors else exc.message)
            label.show()
        else:
            self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        show_error(self, exc)

    # -- attendance ------------------------------------------------------------------------

    def on_attendance_table_item_changed(self, item: QTableWidgetItem) -> None:
        """A box was ticked or cleared: save it."""
        if self._filling_attendance:
            return
        participant_id, day = item.data(Qt.ItemDataRole.UserRole)
        present = item.checkState() == Qt.CheckState.Checked

        def failed(exc: BaseException) -> None:
            self._fill_attendance()
            self._failed(exc)

        self._change(
            lambda service: service.set_attendance(participant_id, day, present), on_failed=failed
        )

    def set_present(self, participant_id: str, day: dt.date, present: bool = True) -> None:
        """Tick (or clear) a participant's box for ``day`` in the grid."""
        table = self.attendance_table
        for row in range(table.rowCount()):
            for column in range(table.columnCount()):
                cell = table.item(row, column)
                if cell is not None and cell.data(Qt.ItemDataRole.UserRole) == (
                    participant_id,
                    day,
                ):
                    cell.setCheckState(
                        Qt.CheckState.Checked if present else Qt.CheckState.Unchecked
                    )
                    return
        raise KeyError((participant_id, day))

    # -- certificates ----------------------------------------------------------------------

    def on_print_all_button_clicked(self) -> None:
        """Attendance certificates for every attendee."""
        self.print_certificates(None)

    def on_print_selected_button_clicked(self) -> None:
        """Attendance certificates for the selected participants."""
        ids = self.selected_participant_ids()
        if not ids:
            messages.inform(
                self, _tr("چاپ گواهی حضور"), _tr("ابتدا یک یا چند شرکت‌کننده را انتخاب کنید.")
            )
            return
        self.print_certificates(ids)

    def print_certificates(self, participant_ids: list[str] | None) -> _AttendancePrint:
        """Issue attendance certificates (all attendees with None) in a worker, then
        open the preview."""
        assert self.event_id is not None
        job = _AttendancePrint(self.event_id, participant_ids)
        self.print_job = job
        title = _tr("گواهی حضور: {title}").format(title=self.detail.title if self.detail else "")
        event_id = self.event_id

        def op(session: Session, progress: Progress) -> tuple[bytes, list[IssuedCertificate]]:
            service = CertificateService(session)
            if participant_ids is None:
                return service.event_attendance_certificates(event_id, progress)
            return service.attendance_certificates(participant_ids, progress)

        def issued(result: tuple[bytes, list[IssuedCertificate]]) -> None:
            pdf, certificates = result
            job.issued = list(certificates)
            self.ctx.signals.sig_records_changed.emit(RECORDS_EVENTS)
            job.preview = certificate_print.open_preview(self, pdf, title, job.issued)

        def failed(exc: BaseException) -> None:
            job.error = exc
            if isinstance(exc, Cancelled):
                job.cancelled = True
                return
            self._failed(exc)

        self.ctx.run_db_progress(
            op, issued, failed, title=_tr("آماده‌سازی گواهی‌های حضور"), parent=self
        )
        return job


class _AttendancePrint:
    """What :meth:`EventDialog.print_certificates` did (filled in as it finishes)."""

    def __init__(self, event_id: str, participant_ids: list[str] | None) -> None:
        self.event_id = event_id
        self.participant_ids = participant_ids
        self.issued: list[IssuedCertificate] = []
        self.preview: certificate_print.CertificatePreviewDialog | None = None
        self.cancelled = False
        self.error: BaseException | None = None


# -- closure days -------------------------------------------------------------------------------


class ClosureDaysDialog(QDialog):
    """The office's closure days around a month: add (date, reason) and remove."""

    def __init__(
        self, ctx: AppContext, year: int, month: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.closures: list[ClosureInfo] = []
        first = jalali.from_jalali(year, month, 1)
        self.range_start = jalali.add_jalali_months(first, -1)
        self.range_end = jalali.add_jalali_months(first, 12)
        self.setWindowTitle(_tr("روزهای تعطیل اداره"))
        self.setStyleSheet(INVALID_STYLE)
        intro = QLabel(
            _tr(
                "روزهایی که اداره تعطیل است (جدا از جمعه‌ها و تعطیلات رسمی). رویدادی که در "
                "این روزها باشد هشدار می‌گیرد."
            )
        )
        intro.setWordWrap(True)
        self.errors = FieldErrors(self)
        self.day_edit = JalaliDateEdit()
        self.day_edit.setDate(first)
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText(_tr("مثلاً آلودگی هوا"))
        self.add_button = QPushButton(_tr("افزودن"))
        form = make_form_layout()
        add_field_row(
            form,
            _tr("روز:"),
            self.day_edit,
            self.errors.add("day", self.day_edit, mark=self.day_edit.date_edit),
        )
        add_field_row(
            form, _tr("دلیل:"), self.reason_edit, self.errors.add("reason", self.reason_edit)
        )
        self.list_widget = QListWidget()
        self.list_widget.setObjectName("closureList")
        self.remove_button = QPushButton(_tr("حذف روز انتخاب‌شده"))
        self.general_error = make_error_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(_tr("بستن"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.add_button)
        layout.addWidget(self.list_widget, 1)
        layout.addWidget(self.remove_button)
        layout.addWidget(self.general_error)
        layout.addWidget(buttons)
        self.resize(460, 480)
        self.add_button.clicked.connect(self.add)
        self.remove_button.clicked.connect(self.on_remove_button_clicked)
        self.reload()

    def reload(self) -> None:
        """Load the closure days of the range shown."""
        start, end = self.range_start, self.range_end

        def op(session: Session) -> list[ClosureInfo]:
            return EventService(session).closure_days(start, end)

        self.ctx.run_db(op, self._set_closures, self._failed, parent=self)

    def _set_closures(self, closures: list[ClosureInfo]) -> None:
        self.closures = closures
        self.list_widget.clear()
        for closure in closures:
            weekday = WEEKDAY_NAMES[jalali.jalali_weekday(closure.day)]
            text = f"{jalali.format_jalali(closure.day)} ({weekday})"
            if closure.reason:
                text += f" — {closure.reason}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, closure.id)
            self.list_widget.addItem(item)

    def add(self) -> None:
        """Add the day typed."""
        day, reason = self.day_edit.date(), self.reason_edit.text()
        self.errors.clear()
        self.general_error.hide()

        def op(session: Session) -> ClosureInfo:
            return EventService(session).add_closure_day(day or "", reason)

        def done(_closure: ClosureInfo) -> None:
            self.reason_edit.clear()
            self.ctx.signals.sig_records_changed.emit(RECORDS_EVENTS)
            self.reload()

        def failed(exc: BaseException) -> None:
            show_save_errors(self, self.errors, self.general_error, exc)

        self.ctx.run_db(op, done, failed, parent=self)

    def remove(self, closure_id: str) -> None:
        """Open the office again on a closure day."""

        def op(session: Session) -> None:
            EventService(session).remove_closure_day(closure_id)

        def done(_result: None) -> None:
            self.ctx.signals.sig_records_changed.emit(RECORDS_EVENTS)
            self.reload()

        self.ctx.run_db(op, done, self._failed, parent=self)

    def _failed(self, exc: BaseException) -> None:
        show_error(self, exc)

    def on_remove_button_clicked(self) -> None:
        """Remove the selected day."""
        item = self.list_widget.currentItem()
        if item is not None:
            self.remove(str(item.data(Qt.ItemDataRole.UserRole)))
