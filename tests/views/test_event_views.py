"""The events screen: calendar marks, the event page (bad then good input), registration
with a waiting list, attendance, closure days and printing attendance certificates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QTableWidget
from pytestqt.qtbot import QtBot
from register_support import (  # noqa: F401 - fixtures
    national_id,
    register_ctx,
    register_db,
    save_screenshot,
)
from sqlalchemy import select

from app.models import CertificateIssue, EventAttendance
from app.services.core import reference
from app.services.core.db import Database
from app.services.core.office import OfficeInfo
from app.services.events.records import EventInput
from app.services.events.service import EventService
from app.views import certificate_print, events_screen
from app.views.context import AppContext
from app.views.events_screen import EventDialog, EventsScreen
from app.views.widgets import messages
from common import jalali

UNLICENSED_NID = "0013542419"


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Message boxes and error dialogs replaced by recorders."""
    record: dict[str, list[Any]] = {"errors": [], "confirm": [], "inform": [], "previews": []}

    def confirm(*args: Any, **_kw: Any) -> bool:
        record["confirm"].append(args[2])
        return True

    monkeypatch.setattr(messages, "confirm", confirm)
    monkeypatch.setattr(messages, "inform", lambda *a: record["inform"].append(a[2]))
    monkeypatch.setattr(events_screen, "show_error", lambda _p, exc: record["errors"].append(exc))

    def open_preview(_parent: Any, pdf: bytes, title: str, issued: Any = ()) -> None:
        record["previews"].append((pdf, title, list(issued)))

    monkeypatch.setattr(certificate_print, "open_preview", open_preview)
    return record


def select_row(table: QTableWidget, row: int) -> None:
    flags = (
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    )
    table.selectionModel().select(table.model().index(row, 0), flags)


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
    register_ctx: AppContext,  # noqa: F811
    register_db: tuple[Database, OfficeInfo],  # noqa: F811
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


def test_event_page_bad_then_good_input_registration_attendance_and_print(
    qtbot: QtBot,
    register_ctx: AppContext,  # noqa: F811
    register_db: tuple[Database, OfficeInfo],  # noqa: F811
    seen: dict[str, list[Any]],
) -> None:
    db = register_db[0]
    with db.session() as s:
        EventService(s).add_closure_day("1405/02/06", "تعطیلی استانی")
    screen = EventsScreen(register_ctx)
    qtbot.addWidget(screen)
    changed: list[str] = []
    register_ctx.signals.sig_records_changed.connect(changed.append)
    dialog = screen.new_event()
    assert isinstance(dialog, EventDialog)
    dialog.resize(1000, 760)
    dialog.title_edit.setText("کارگاه فروش اینترنتی")
    dialog.start_edit.setDate(jalali.from_jalali(1405, 2, 7))
    dialog.end_edit.setDate(jalali.from_jalali(1405, 2, 5))
    dialog.capacity_edit.setText("0")
    dialog.save()
    errors = dialog.errors.messages()
    assert errors["end_date"] == "تاریخ پایان نمی‌تواند پیش از تاریخ شروع باشد"
    assert errors["capacity"] == "ظرفیت باید بیشتر از صفر باشد"
    assert dialog.event_id is None and not dialog.tabs.isTabEnabled(1)
    with db.session() as s:
        assert EventService(s).list_events() == []
    save_screenshot(dialog, "event-dialog-errors")

    dialog.start_edit.setDate(jalali.from_jalali(1405, 2, 5))
    dialog.end_edit.setDate(jalali.from_jalali(1405, 2, 7))
    dialog.capacity_edit.setText("۲")
    dialog.start_time_edit.setText("10:00")
    dialog.end_time_edit.setText("13:00")
    dialog.instructor_edit.setText("زهرا احمدی")
    dialog.field_list.item(0).setCheckState(Qt.CheckState.Checked)
    dialog.save()
    assert dialog.errors.messages() == {}
    assert dialog.event_id is not None and dialog.detail is not None
    assert dialog.detail.code == "0612-E-0001" and dialog.detail.capacity == 2
    assert not dialog.warning_label.isHidden()
    assert "تعطیلی استانی" in dialog.warning_label.text()
    assert "events" in changed
    event_id = dialog.event_id

    # Registration: two holders, then an unlicensed person goes on the waiting list.
    dialog.tabs.setCurrentIndex(1)
    dialog.holder_nid_edit.setText(national_id(0))
    dialog.holder_button.click()
    dialog.holder_search_edit.setText(national_id(1)[:6])
    dialog.holder_search_button.click()
    assert dialog.holder_results.count() >= 1
    dialog.holder_results.setCurrentIndex(dialog.holder_results.findData(national_id(1)))
    dialog.holder_pick_button.click()
    dialog.person_nid_edit.setText("1234567890")
    dialog.person_first_edit.setText("سارا")
    dialog.person_button.click()
    person_errors = dialog.person_errors.messages()
    assert "national_id" in person_errors and "last_name" in person_errors
    dialog.person_nid_edit.setText(UNLICENSED_NID)
    dialog.person_last_edit.setText("موسوی")
    dialog.person_mobile_edit.setText("09351234567")
    dialog.person_button.click()
    assert dialog.person_errors.messages() == {}
    assert [p.status for p in dialog.participants] == ["registered", "registered", "waiting"]
    assert dialog.participant_table.item(2, 5).text() == "۱"
    # Registering the same holder twice is refused next to the field.
    dialog.holder_nid_edit.setText(national_id(0))
    dialog.holder_button.click()
    assert "پیش‌تر" in dialog.holder_error.text() and not dialog.holder_error.isHidden()
    save_screenshot(dialog, "event-dialog-participants")

    # Cancelling the first registration promotes the one waiting.
    select_row(dialog.participant_table, 0)
    dialog.cancel_participant_button.click()
    assert seen["confirm"]
    statuses = {p.national_id: p.status for p in dialog.participants}
    assert statuses[national_id(0)] == "cancelled" and statuses[UNLICENSED_NID] == "registered"

    # Attendance: the grid has the two registered people × three days.
    dialog.tabs.setCurrentIndex(2)
    assert dialog.attendance_table.rowCount() == 2
    assert dialog.attendance_table.columnCount() == 3
    holder = next(p for p in dialog.participants if p.national_id == national_id(1))
    first_day = jalali.from_jalali(1405, 2, 5)
    dialog.set_present(holder.id, first_day)
    dialog.set_present(holder.id, first_day + dt.timedelta(days=1))
    with db.session() as s:
        rows = s.scalars(select(EventAttendance)).all()
    assert {(r.participant_id, r.day, r.present) for r in rows} == {
        (holder.id, first_day, True),
        (holder.id, first_day + dt.timedelta(days=1), True),
    }
    assert dialog.detail is not None and dialog.detail.figures.present_days == 2
    assert "۳۳٪" in dialog.figures_label.text()
    dialog.set_present(holder.id, first_day, False)
    assert dialog.detail.figures.present_days == 1
    save_screenshot(dialog, "event-dialog-attendance")

    # Printing: all attendees (one), in a worker, then the preview.
    assert dialog.print_all_button.isEnabled()
    dialog.print_all_button.click()
    assert dialog.print_job is not None and len(dialog.print_job.issued) == 1
    [(pdf, title, _issued)] = seen["previews"]
    assert pdf.startswith(b"%PDF") and "فروش اینترنتی" in title
    with db.session() as s:
        [row] = s.scalars(select(CertificateIssue)).all()
    assert row.kind == "attendance" and row.participant_id == holder.id
    # Printing a selected participant who never attended is explained.
    dialog.tabs.setCurrentIndex(1)
    waiting_row = next(
        i for i, p in enumerate(dialog.participants) if p.national_id == UNLICENSED_NID
    )
    select_row(dialog.participant_table, waiting_row)
    dialog.print_selected_button.click()
    assert seen["errors"] and "حاضر نبوده" in seen["errors"][-1].message

    # Cancel the event: editing and registration stop.
    dialog.cancel_event_button.click()
    assert dialog.detail.status == "cancelled"
    assert not dialog.save_button.isEnabled() and not dialog.holder_button.isEnabled()
    with db.session() as s:
        assert EventService(s).get(event_id).status == "cancelled"


def test_closure_days_dialog_adds_and_removes(
    qtbot: QtBot,
    register_ctx: AppContext,  # noqa: F811
    register_db: tuple[Database, OfficeInfo],  # noqa: F811
    seen: dict[str, list[Any]],
) -> None:
    screen = EventsScreen(register_ctx)
    qtbot.addWidget(screen)
    screen.show_month(1405, 3)
    dialog = screen.open_closures()
    dialog.day_edit.setDate(jalali.from_jalali(1405, 3, 10))
    dialog.reason_edit.setText("برف")
    dialog.add()
    assert dialog.list_widget.count() == 1 and "برف" in dialog.list_widget.item(0).text()
    grid_month = screen.calendar.grid.month
    assert grid_month is not None and grid_month.days[9].mark is not None
    dialog.day_edit.setDate(jalali.from_jalali(1405, 3, 10))
    dialog.add()
    assert dialog.errors.message("day") == "این روز پیش‌تر تعطیل اعلام شده است"
    save_screenshot(dialog, "event-closure-days")
    dialog.list_widget.setCurrentRow(0)
    dialog.remove_button.click()
    assert dialog.list_widget.count() == 0
    grid_month = screen.calendar.grid.month
    assert grid_month is not None
    mark = grid_month.days[9].mark
    assert mark is None or not mark.closure_id
    assert not seen["errors"]
