"""The closure-days dialog adds and removes the office's closure days; the calendar shows
them."""

from __future__ import annotations

from typing import Any

from pytestqt.qtbot import QtBot

from app.services.core.db import Database
from app.services.core.office import OfficeInfo
from app.views.context import AppContext
from app.views.events.screen import EventsScreen
from common import jalali
from tests.views.licence_support import save_screenshot

UNLICENSED_NID = "0013542419"


def test_closure_days_dialog_adds_and_removes(
    qtbot: QtBot,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
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
