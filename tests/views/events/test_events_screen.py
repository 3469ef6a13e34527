"""The events screen: the month calendar's marks (Fridays, holidays, closure days), its
events and «+n» lines, opening an event, the next month, and the list's search and
filters."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.services.core import reference
from app.services.core.db import Database
from app.services.core.office import OfficeInfo
from app.services.events.records import EventInput
from app.services.events.service import EventService
from app.views.context import AppContext
from app.views.events.screen import EventsScreen
from tests.views.licence_support import save_screenshot

UNLICENSED_NID = "0013542419"


def _make_event(db: Database, **kw: Any) -> str:
    with db.session() as s:
        county = next(c.id for c in reference.list_counties(s) if c.name == "تهران")
        values: dict[str, Any] = {
            "kind": "workshop",
            "title": "کارگاه بسته‌بندی محصولات خانگی",
            "county_id": county,
            "start_date": "1405/01/10",
            "end_date": "1405/01/11",
            "start_time": "09:00",
            "end_time": "12:00",
            "capacity": "5",
            "venue": "سالن اداره",
        }
        values.update(kw)
        return EventService(s).create(EventInput(**values)).id


def test_calendar_marks_fridays_holidays_and_closures(
    qtbot: QtBot,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
    seen: dict[str, list[Any]],
    qtmodeltester: Any,
) -> None:
    db = register_db[0]
    with db.session() as s:
        EventService(s).add_closure_day("1405/01/15", "آلودگی هوا")
    event_id = _make_event(db)
    for n in range(12):
        _make_event(
            db,
            title=f"بازارچه شماره {n + 1}",
            kind="bazaar",
            start_date="1405/01/20",
            end_date="1405/01/20",
        )
    screen = EventsScreen(register_ctx)
    qtbot.addWidget(screen)
    screen.resize(1100, 760)
    with qtbot.waitSignal(screen.sig_month_shown):
        screen.show_month(1405, 1)
    screen.show()
    qtbot.waitExposed(screen)
    grid = screen.calendar.grid
    month = grid.month
    assert month is not None and month.year == 1405 and month.month == 1
    assert screen.calendar.title_label.text() == "فروردین ۱۴۰۵"
    days = {d.day: d for d in month.days}
    assert days[1].mark is not None and "نوروز" in days[1].mark.holiday
    assert days[13].mark is not None and days[13].mark.holiday  # Nature's Day
    assert days[15].mark is not None and days[15].mark.closure == "آلودگی هوا"
    fridays = [d for d in month.days if d.weekday == 6]
    assert len(fridays) >= 4 and all(d.mark is not None and d.mark.friday for d in fridays)
    assert [e.id for e in days[10].events] == [event_id] == [e.id for e in days[11].events]
    assert len(days[20].events) == 12
    grid.grab()  # paints the grid (and records what is where)
    # Saturday is the rightmost column (right to left).
    first = grid.cell_rect(0)
    saturday_index = next(i for i, d in enumerate(month.days) if d.weekday == 0)
    assert grid.cell_rect(saturday_index).right() > grid.width() - grid.width() / 7 - 2
    assert first.top() >= grid.HEADER_HEIGHT
    assert any(h.day == days[20].date for h in grid.hits)  # «+n رویداد دیگر»
    save_screenshot(screen, "events-calendar")

    # Clicking the event opens its page.
    hit = next(h for h in grid.hits if h.event_id == event_id)
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=hit.rect.center())
    assert len(screen.dialogs) == 1 and screen.dialogs[0].event_id == event_id
    dialog = screen.dialogs[0]
    qtbot.waitUntil(lambda: dialog.detail is not None)
    assert dialog.title_edit.text() == "کارگاه بسته‌بندی محصولات خانگی"
    dialog.close()

    # Next month, then the list view with a filter.
    screen.calendar.next_button.click()
    assert grid.month is not None and grid.month.month == 2
    screen.list_button.click()
    screen.list_view.search_edit.setText("بسته بندي")  # any spelling, no ZWNJ
    assert [e.id for e in screen.list_view.events] == [event_id]
    screen.list_view.search_edit.setText("")
    screen.list_view.kind_combo.setCurrentIndex(screen.list_view.kind_combo.findData("workshop"))
    assert [e.id for e in screen.list_view.events] == [event_id]
    assert screen.list_view.model.text(0, 7) == "۰"
    qtmodeltester.check(screen.list_view.model)
    save_screenshot(screen, "events-list")
    assert not seen["errors"]
