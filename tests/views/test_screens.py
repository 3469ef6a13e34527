"""The main window over a small register: it shows rows, reads right to left, and is
saved as screenshots/main_window.png (and catalogue.png) to be looked at."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from app.services.core.db import Database
from app.services.core.office import OfficeInfo
from app.views.context import AppContext
from app.views.main_window import MainWindow
from common.files import TEMPORARY_PREFIX
from tests.views.licence_support import save_screenshot
from tests.views.register_support import LICENCE_COUNT

PERSIAN_DIGITS = set("۰۱۲۳۴۵۶۷۸۹")


def make_window(qtbot: QtBot, ctx: AppContext, data: tuple[Database, OfficeInfo]) -> MainWindow:
    window = MainWindow(ctx, data[1])
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_main_window_screenshot(
    qtbot: QtBot,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
) -> None:
    window = make_window(qtbot, register_ctx, register_db)
    screen = window.register_screen
    assert window.windowTitle() == f"دفتر — {register_db[1].name} — مدیر آزمون (مدیر)"
    assert window.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert screen.table.layoutDirection() == Qt.LayoutDirection.RightToLeft
    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert tabs == [
        "پیشخوان",
        "دفتر مجوزها",
        "پشتیبان‌ها",
        "رویدادها",
        "تسهیلات",
        "بازار",
        "فهرست رشته‌ها",
    ]
    assert window.catalogue_screen is None  # built on first show of its tab
    assert window.tabs.currentIndex() == window.register_index  # it opens on the register
    assert window.dashboard_tab.screen is None
    assert screen.model.rowCount() == LICENCE_COUNT
    qtbot.waitUntil(lambda: screen.model.data(screen.model.index(0, 1)) != "…")
    count = screen.count_label.text()
    assert set(count) & PERSIAN_DIGITS and not any(c.isascii() and c.isdigit() for c in count)
    assert window.total_label.text() == "کل مجوزها: ۳۰"
    # Column 0 (the licence number) is the rightmost one.
    header = screen.table.horizontalHeader()
    assert header.sectionViewportPosition(0) > header.sectionViewportPosition(7)
    menus = [action.text() for action in window.menuBar().actions()]
    assert menus == ["پرونده", "مجوز", "گواهی‌نامه", "همگام‌سازی", "گزارش‌ها", "راهنما"]
    QApplication.processEvents()
    path = save_screenshot(window, "main_window")
    assert path.stat().st_size > 10_000
    # Expired licences first: their status in the warning colour.
    header.setSortIndicator(6, Qt.SortOrder.AscendingOrder)
    assert screen.model.data(screen.model.index(0, 7)) == "منقضی"
    save_screenshot(window, "register_by_expiry")


def test_catalogue_tab_is_built_lazily(
    qtbot: QtBot,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
) -> None:
    window = make_window(qtbot, register_ctx, register_db)
    assert window.supporters_screen is None and window.events_screen is None
    catalogue = window.show_tab(window.catalogue_tab)
    assert catalogue is window.catalogue_screen and catalogue.isVisible()
    assert window.supporters_screen is None  # only the tab shown is built
    window.tabs.setCurrentIndex(window.register_index)
    assert window.show_tab(window.catalogue_tab) is catalogue
    save_screenshot(window, "catalogue")


def test_export_filter_follows_the_register(
    qtbot: QtBot,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.views import sheet_export

    window = make_window(qtbot, register_ctx, register_db)
    exported: list[object] = []
    monkeypatch.setattr(sheet_export, "export_register", lambda *a: exported.append(a[2]))
    window.register_screen.status_combo.setCurrentIndex(2)  # منقضی
    window.export_action.trigger()
    assert getattr(exported[0], "status", None) == "expired"


def test_backup_writes_a_copy(
    qtbot: QtBot,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    window = make_window(qtbot, register_ctx, register_db)
    target = tmp_path / "copies" / "backup"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.backup_action.trigger()
    written = target.with_name("backup.sqlite3")
    with sqlite3.connect(written) as conn:
        assert conn.execute("SELECT count(*) FROM licence").fetchone() == (LICENCE_COUNT,)
    window.backup_action.trigger()  # replacing an existing backup (the dialog asked)
    assert written.exists()
    assert not [p for p in written.parent.iterdir() if p.name.startswith(TEMPORARY_PREFIX)]
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert boxes and "ذخیره شد" in boxes[0].text()
    for box in boxes:
        box.accept()


def test_backup_refuses_the_live_database(
    qtbot: QtBot,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = make_window(qtbot, register_ctx, register_db)
    live = register_ctx.db.path
    size = live.stat().st_size
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(live), ""))
    window.backup_action.trigger()
    assert live.stat().st_size == size
    boxes = [b for b in QApplication.topLevelWidgets() if isinstance(b, QMessageBox)]
    boxes += window.findChildren(QMessageBox)
    texts = [b.text() for b in boxes if b.isVisible()]
    assert any("در حال استفاده" in text for text in texts)
    for box in boxes:
        box.accept()


def test_screens_open_the_licence_dialogs(
    qtbot: QtBot,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.views import licence_dialog, licence_form

    opened: list[tuple[str, object]] = []

    def fake_exec(self: QDialog) -> int:
        opened.append((type(self).__name__, getattr(self, "licence_id", None)))
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(licence_form.LicenceFormDialog, "exec", fake_exec)
    monkeypatch.setattr(licence_dialog.LicenceDialog, "exec", fake_exec)
    window = make_window(qtbot, register_ctx, register_db)
    screen = window.register_screen
    window.issue_action.trigger()
    screen.issue_button.click()
    screen.table.setCurrentIndex(screen.model.index(3, 0))
    screen.open_button.click()
    assert opened[:2] == [("LicenceFormDialog", None), ("LicenceFormDialog", None)]
    assert opened[2] == ("LicenceDialog", screen.model.licence_id(3))


def test_supporters_and_events_tabs(
    qtbot: QtBot,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.views.events.screen import EventsScreen
    from app.views.import_dialog import ImportDialog
    from app.views.supporters_screen import SupportersScreen

    window = make_window(qtbot, register_ctx, register_db)
    supporters = window.show_tab(window.supporters_tab)
    assert isinstance(supporters, SupportersScreen) and supporters.isVisible()
    save_screenshot(window, "main_window_supporters")
    events = window.show_tab(window.events_tab)
    assert isinstance(events, EventsScreen) and events.isVisible()
    save_screenshot(window, "main_window_events")
    # The File menu's supporter and event imports open the import dialog on their kind.
    opened: list[str] = []

    def fake_exec(dialog: ImportDialog) -> int:
        opened.append(dialog.windowTitle())
        return 0

    monkeypatch.setattr(ImportDialog, "exec", fake_exec)
    window.import_supporters_action.trigger()
    window.import_events_action.trigger()
    window.import_action.trigger()
    assert opened == [
        "ورود پشتیبان‌ها و اعضای شبکه از اکسل",
        "ورود رویدادها و شرکت‌کنندگان از اکسل",
        "ورود اطلاعات از اکسل",
    ]
