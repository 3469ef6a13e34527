"""A date input in the Jalali (Persian) calendar, optionally empty (persian.md, "Jalali dates").

Qt's own Jalali calendar does the arithmetic; this widget fixes its quirks for Daftar: the
edit itself is left to right (in a right-to-left layout ``QDateEdit`` reverses its
sections), the popup calendar starts on Saturday, colours only Friday as the weekend and
hides week numbers. Values are Python ``datetime.date`` (Gregorian, like ``QDate``).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCalendar, QDate, QEvent, QLocale, QObject, Qt, Signal
from PySide6.QtGui import QColor, QTextCharFormat
from PySide6.QtWidgets import QCalendarWidget, QDateEdit, QHBoxLayout, QToolButton, QWidget

DISPLAY_FORMAT = "yyyy/MM/dd"
WEEKEND_COLOR = QColor("#c62828")
# In the optional state the edit holds this date and shows EMPTY_TEXT instead.
_EMPTY_SENTINEL = QDate(1900, 1, 1)
EMPTY_TEXT = "—"


def to_qdate(value: dt.date) -> QDate:
    """Convert a Python date to a QDate (both Gregorian)."""
    return QDate(value.year, value.month, value.day)


def from_qdate(value: QDate) -> dt.date:
    """Convert a QDate to a Python date (both Gregorian)."""
    return dt.date(value.year(), value.month(), value.day())


class JalaliDateEdit(QWidget):
    """A Jalali date field with a calendar popup; with ``allow_empty`` it may hold no date."""

    #: The new value: a ``datetime.date``, or None when the field was cleared.
    dateChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None, *, allow_empty: bool = False) -> None:
        super().__init__(parent)
        self.allow_empty = allow_empty
        jalali = QCalendar(QCalendar.System.Jalali)
        locale = QLocale(QLocale.Language.Persian, QLocale.Country.Iran)

        self.calendar_widget = QCalendarWidget()
        self.calendar_widget.setCalendar(jalali)
        self.calendar_widget.setLocale(locale)
        self.calendar_widget.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self.calendar_widget.setFirstDayOfWeek(Qt.DayOfWeek.Saturday)
        self.calendar_widget.setVerticalHeaderFormat(
            QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader
        )
        weekend = QTextCharFormat()
        weekend.setForeground(WEEKEND_COLOR)
        for day in (Qt.DayOfWeek.Saturday, Qt.DayOfWeek.Sunday):
            self.calendar_widget.setWeekdayTextFormat(day, QTextCharFormat())
        self.calendar_widget.setWeekdayTextFormat(Qt.DayOfWeek.Friday, weekend)
        self.calendar_widget.installEventFilter(self)

        self.date_edit = QDateEdit()
        self.date_edit.setCalendar(jalali)
        self.date_edit.setLocale(locale)
        self.date_edit.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.date_edit.setDisplayFormat(DISPLAY_FORMAT)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setCalendarWidget(self.calendar_widget)
        self.date_edit.setMinimumDate(_EMPTY_SENTINEL)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.date_edit, 1)
        self.clear_button: QToolButton | None = None
        if allow_empty:
            self.date_edit.setSpecialValueText(EMPTY_TEXT)
            self.clear_button = QToolButton()
            self.clear_button.setText(self.tr("پاک کردن"))
            self.clear_button.setToolTip(self.tr("خالی کردن تاریخ"))
            self.clear_button.clicked.connect(self.on_clear_button_clicked)
            layout.addWidget(self.clear_button)
            self.date_edit.setDate(_EMPTY_SENTINEL)
        else:
            self.date_edit.setDate(QDate.currentDate())
        self._update_clear_button()
        self.date_edit.dateChanged.connect(self.on_date_edit_date_changed)
        self.setFocusProxy(self.date_edit)

    def date(self) -> dt.date | None:
        """The chosen date, or None if the field is empty."""
        value = self.date_edit.date()
        if self.allow_empty and value == _EMPTY_SENTINEL:
            return None
        return from_qdate(value)

    def setDate(self, value: dt.date | None) -> None:
        """Show ``value``; None empties the field (only with ``allow_empty``)."""
        if value is None:
            if not self.allow_empty:
                raise ValueError("this JalaliDateEdit does not allow an empty date")
            self.date_edit.setDate(_EMPTY_SENTINEL)
            return
        qdate = to_qdate(value)
        if qdate <= _EMPTY_SENTINEL:
            raise ValueError(f"date out of range: {value}")
        self.date_edit.setDate(qdate)

    def on_clear_button_clicked(self) -> None:
        """Empty the field."""
        self.setDate(None)

    def on_date_edit_date_changed(self, _value: QDate) -> None:
        """Re-emit the change as a Python date (or None)."""
        self._update_clear_button()
        self.dateChanged.emit(self.date())

    def _update_clear_button(self) -> None:
        if self.clear_button is not None:
            self.clear_button.setEnabled(self.date() is not None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """When the popup opens on an empty field, show this month, not 1278."""
        is_show = watched is self.calendar_widget and event.type() == QEvent.Type.Show
        if is_show and self.date() is None:
            today = QCalendar(QCalendar.System.Jalali).partsFromDate(QDate.currentDate())
            self.calendar_widget.setCurrentPage(today.year, today.month)
        return super().eventFilter(watched, event)
