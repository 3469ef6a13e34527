"""JalaliDateEdit: Jalali text with Persian digits, the empty state, the popup calendar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QCalendarWidget, QWidget
from pytestqt.qtbot import QtBot

from app.views.widgets.jalali_date_edit import WEEKEND_COLOR, JalaliDateEdit

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def _open_popup(qtbot: QtBot, widget: JalaliDateEdit) -> QWidget:
    """Click the edit's arrow (at its right: the edit is left to right) to open the popup."""
    edit = widget.date_edit
    arrow = QPoint(edit.width() - 8, edit.height() // 2)
    qtbot.mouseClick(edit, Qt.MouseButton.LeftButton, pos=arrow)
    popup = widget.calendar_widget.window()
    qtbot.waitUntil(popup.isVisible)
    return popup


def _screenshot(widgets: list[QWidget], path: Path) -> None:
    """Paint top-level windows where they are on the (offscreen) screen, into one PNG."""
    area = QRect()
    for w in widgets:
        area = area.united(w.frameGeometry())
    area.adjust(-8, -8, 8, 8)
    canvas = QPixmap(area.size())
    canvas.fill(QColor("#e0e0e0"))
    painter = QPainter(canvas)
    for w in widgets:
        painter.drawPixmap(w.geometry().topLeft() - area.topLeft(), w.grab())
    painter.end()
    path.parent.mkdir(exist_ok=True)
    assert canvas.save(str(path))


def test_shows_jalali_date_with_persian_digits(qtbot: QtBot) -> None:
    widget = JalaliDateEdit()
    qtbot.addWidget(widget)
    widget.setDate(dt.date(2025, 3, 20))  # the leap day of 1403
    assert widget.date_edit.text() == "۱۴۰۳/۱۲/۳۰"
    assert widget.date() == dt.date(2025, 3, 20)
    assert widget.date_edit.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert widget.clear_button is None


def test_empty_state(qtbot: QtBot) -> None:
    widget = JalaliDateEdit(allow_empty=True)
    qtbot.addWidget(widget)
    assert widget.date() is None
    assert widget.clear_button is not None and not widget.clear_button.isEnabled()
    with qtbot.waitSignal(widget.dateChanged) as blocker:
        widget.setDate(dt.date(2026, 3, 21))
    assert blocker.args == [dt.date(2026, 3, 21)]
    assert widget.date_edit.text() == "۱۴۰۵/۰۱/۰۱"
    assert widget.clear_button.isEnabled()
    with qtbot.waitSignal(widget.dateChanged) as blocker:
        qtbot.mouseClick(widget.clear_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [None]
    assert widget.date() is None
    assert widget.date_edit.text() == "—"


def test_not_empty_by_default(qtbot: QtBot) -> None:
    widget = JalaliDateEdit()
    qtbot.addWidget(widget)
    assert widget.date() == dt.date.today()
    try:
        widget.setDate(None)
    except ValueError:
        pass
    else:
        raise AssertionError("setDate(None) accepted without allow_empty")


def test_popup_calendar(qtbot: QtBot) -> None:
    widget = JalaliDateEdit()
    qtbot.addWidget(widget)
    cal = widget.calendar_widget
    assert cal.firstDayOfWeek() == Qt.DayOfWeek.Saturday
    assert cal.verticalHeaderFormat() == QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader
    assert cal.weekdayTextFormat(Qt.DayOfWeek.Friday).foreground().color() == WEEKEND_COLOR
    for day in (Qt.DayOfWeek.Saturday, Qt.DayOfWeek.Sunday):
        assert not cal.weekdayTextFormat(day).hasProperty(
            cal.weekdayTextFormat(day).Property.ForegroundBrush
        )


def test_popup_on_empty_field_opens_on_this_month(qtbot: QtBot) -> None:
    widget = JalaliDateEdit(allow_empty=True)
    qtbot.addWidget(widget)
    widget.show()
    popup = _open_popup(qtbot, widget)
    today = widget.calendar_widget.calendar().partsFromDate(dt.date.today())
    page = (widget.calendar_widget.yearShown(), widget.calendar_widget.monthShown())
    assert page == (today.year, today.month)
    assert widget.date() is None  # opening did not pick a date
    popup.hide()


def test_screenshot_with_popup(qtbot: QtBot) -> None:
    widget = JalaliDateEdit(allow_empty=True)
    qtbot.addWidget(widget)
    widget.resize(260, widget.sizeHint().height())
    widget.show()
    widget.setDate(dt.date(2025, 3, 20))
    popup = _open_popup(qtbot, widget)
    _screenshot([widget, popup], SCREENSHOTS / "jalali_date_edit.png")
    popup.hide()
    assert widget.date() == dt.date(2025, 3, 20)
