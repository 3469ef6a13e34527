"""The event page: bad then good input, registration with a waiting list (participants
tab), attendance (attendance tab), printing attendance certificates, cancelling the
event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QTableWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.models import CertificateIssue, EventAttendance
from app.services.core.db import Database
from app.services.core.office import OfficeInfo
from app.services.events.service import EventService
from app.views.context import AppContext
from app.views.events.event_dialog import EventDialog
from app.views.events.screen import EventsScreen
from common import jalali
from tests.views.licence_support import save_screenshot
from tests.views.register_support import national_id

UNLICENSED_NID = "0013542419"


def select_row(table: QTableWidget, row: int) -> None:
    flags = (
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    )
    table.selectionModel().select(table.model().index(row, 0), flags)


def test_event_page_bad_then_good_input_registration_attendance_and_print(
    qtbot: QtBot,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
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
    people, attendance = dialog.participants_tab, dialog.attendance_tab
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
    people.holder_nid_edit.setText(national_id(0))
    people.holder_button.click()
    people.holder_search_edit.setText(national_id(1)[:6])
    people.holder_search_button.click()
    assert people.holder_results.count() >= 1
    people.holder_results.setCurrentIndex(people.holder_results.findData(national_id(1)))
    people.holder_pick_button.click()
    people.person_nid_edit.setText("1234567890")
    people.person_first_edit.setText("سارا")
    people.person_button.click()
    person_errors = people.person_errors.messages()
    assert "national_id" in person_errors and "last_name" in person_errors
    people.person_nid_edit.setText(UNLICENSED_NID)
    people.person_last_edit.setText("موسوی")
    people.person_mobile_edit.setText("09351234567")
    people.person_button.click()
    assert people.person_errors.messages() == {}
    assert [p.status for p in dialog.participants] == ["registered", "registered", "waiting"]
    assert people.participant_table.item(2, 5).text() == "۱"
    # Registering the same holder twice is refused next to the field.
    people.holder_nid_edit.setText(national_id(0))
    people.holder_button.click()
    assert "پیش‌تر" in people.holder_error.text() and not people.holder_error.isHidden()
    save_screenshot(dialog, "event-dialog-participants")

    # Cancelling the first registration promotes the one waiting.
    select_row(people.participant_table, 0)
    people.cancel_participant_button.click()
    assert seen["confirm"]
    statuses = {p.national_id: p.status for p in dialog.participants}
    assert statuses[national_id(0)] == "cancelled" and statuses[UNLICENSED_NID] == "registered"

    # Attendance: the grid has the two registered people × three days.
    dialog.tabs.setCurrentIndex(2)
    assert attendance.attendance_table.rowCount() == 2
    assert attendance.attendance_table.columnCount() == 3
    holder = next(p for p in dialog.participants if p.national_id == national_id(1))
    first_day = jalali.from_jalali(1405, 2, 5)
    attendance.set_present(holder.id, first_day)
    attendance.set_present(holder.id, first_day + dt.timedelta(days=1))
    with db.session() as s:
        rows = s.scalars(select(EventAttendance)).all()
    assert {(r.participant_id, r.day, r.present) for r in rows} == {
        (holder.id, first_day, True),
        (holder.id, first_day + dt.timedelta(days=1), True),
    }
    assert dialog.detail is not None and dialog.detail.figures.present_days == 2
    assert "۳۳٪" in dialog.figures_label.text()
    attendance.set_present(holder.id, first_day, False)
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
    select_row(people.participant_table, waiting_row)
    people.print_selected_button.click()
    assert seen["errors"] and "حاضر نبوده" in seen["errors"][-1].message

    # Cancel the event: editing and registration stop.
    dialog.cancel_event_button.click()
    assert dialog.detail.status == "cancelled"
    assert not dialog.save_button.isEnabled() and not people.holder_button.isEnabled()
    with db.session() as s:
        assert EventService(s).get(event_id).status == "cancelled"
