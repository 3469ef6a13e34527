"""The events calendar: :class:`MonthGrid`, a painted Jalali month (seven columns from
Saturday, Fridays, official holidays and the office's closure days coloured and labelled,
the events of each day listed in its cell, a click opens one), and :class:`CalendarView`,
the grid with its title, previous/next buttons and legend."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.services.events.calendar import WEEKDAY_NAMES, CalendarDay, MonthCalendar
from app.views.events.shared import current_jalali_month, format_number, tr
from common import jalali
from common.text import to_persian_digits
from common.vocabulary import EventStatus

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
            painter.drawText(header, Qt.AlignmentFlag.AlignCenter, tr(name))
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
            format_number(day.day),
        )
        y = inner.y() + self.LINE_HEIGHT
        painter.setFont(small)
        if mark is not None and (mark.holiday or mark.closure_id):
            label = mark.holiday or (
                tr("تعطیلی اداره: {reason}").format(reason=mark.closure)
                if mark.closure
                else tr("تعطیلی اداره")
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
                tr("+{count} رویداد دیگر").format(count=format_number(hidden)),
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
        self.previous_button = QPushButton(tr("ماه قبل"))
        self.next_button = QPushButton(tr("ماه بعد"))
        self.today_button = QPushButton(tr("این ماه"))
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
            swatch(FRIDAY_COLOR, tr("جمعه"))
            + swatch(HOLIDAY_COLOR, tr("تعطیل رسمی"))
            + swatch(CLOSURE_COLOR, tr("تعطیلی اداره"))
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
