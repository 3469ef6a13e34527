"""Backups and restore in the main window: the status line's warning, the automatic
backup when the window closes, the restore flow and its dialog, the settings tab, and
the application reopening a restored database. Screenshots: restore_dialog.png,
settings_backups.png."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from app.services.core.autobackup import automatic_backups, backups_folder
from app.services.core.backup import write_backup
from app.services.core.db import Database
from app.services.core.office import OfficeInfo
from app.services.core.restore import plan_restore
from app.views import backup_controller as controller_module
from app.views.context import AppContext
from app.views.main_window import MainWindow
from app.views.restore_dialog import RestoreChoice, RestoreDialog
from tests.accounts_support import HEAD_INPUT, granted, with_head_account
from tests.views.licence_support import save_screenshot
from tests.views.register_support import LICENCE_COUNT

PERSIAN_DIGITS = set("۰۱۲۳۴۵۶۷۸۹")


def _window(qtbot: QtBot, ctx: AppContext, office: OfficeInfo) -> MainWindow:
    window = MainWindow(ctx, office)
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    qtbot.waitExposed(window)
    return window


def _close_boxes(parent: MainWindow) -> list[str]:
    boxes = [b for b in QApplication.topLevelWidgets() if isinstance(b, QMessageBox)]
    boxes += parent.findChildren(QMessageBox)
    texts = [b.text() for b in boxes if b.isVisible()]
    for box in boxes:
        box.accept()
    return texts


def test_the_status_line_warns_until_a_backup_is_taken(
    qtbot: QtBot,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
) -> None:
    window = _window(qtbot, register_ctx, register_db[1])
    controller = window.backup_controller
    assert controller is not None and not controller.auto  # DAFTAR_AUTO_BACKUP=0 in tests
    label = controller.status_label
    assert label.isVisible() and label.text() == "هنوز پشتیبانی گرفته نشده"
    assert "پشتیبان‌گیری" in label.toolTip()
    save_screenshot(window.statusBar(), "status_backup_warning")
    controller.take_automatic_backup()
    assert len(automatic_backups(backups_folder(register_ctx.db.path))) == 1
    assert not label.isVisible()


def test_a_missing_second_folder_shows_on_the_status_line(
    qtbot: QtBot,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
    tmp_path: Path,
) -> None:
    from app.services.core.autobackup import KEY_SECOND_FOLDER
    from app.services.core.office import set_setting

    with register_ctx.db.session() as session:
        set_setting(granted(session), KEY_SECOND_FOLDER, str(tmp_path / "unplugged-stick"))
    window = _window(qtbot, register_ctx, register_db[1])
    controller = window.backup_controller
    assert controller is not None
    controller.take_automatic_backup()
    label = controller.status_label
    assert label.text() == "پوشهٔ دوم پشتیبان در دسترس نیست"
    assert "unplugged-stick" in label.toolTip()


def test_closing_the_window_takes_a_backup(
    qtbot: QtBot,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(controller_module.AUTO_BACKUP_ENV, "1")
    window = _window(qtbot, register_ctx, register_db[1])
    assert window.backup_controller is not None and window.backup_controller.auto
    assert window.backup_controller.timer.isActive()
    window.close()
    backups = automatic_backups(backups_folder(register_ctx.db.path))
    assert len(backups) == 1
    with sqlite3.connect(backups[0][1]) as conn:
        assert conn.execute("SELECT count(*) FROM licence").fetchone() == (LICENCE_COUNT,)


def test_restore_flow_asks_then_hands_over(
    qtbot: QtBot,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    backup = write_backup(register_ctx.db, tmp_path / "yesterday.sqlite3")
    window = _window(qtbot, register_ctx, register_db[1])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(backup), ""))
    asked: list[RestoreDialog] = []

    def answer(choice: RestoreChoice) -> None:
        def exec_(dialog: RestoreDialog) -> int:
            asked.append(dialog)
            dialog.choice = choice
            return 1

        monkeypatch.setattr(RestoreDialog, "exec", exec_)

    answer(RestoreChoice.CANCEL)
    with qtbot.assertNotEmitted(window.sig_restore_requested):
        window.restore_action.trigger()
    assert asked[-1].plan.backup.licences == LICENCE_COUNT
    answer(RestoreChoice.RESTORE)
    with qtbot.waitSignal(window.sig_restore_requested) as signal:
        window.restore_action.trigger()
    assert signal.args == [backup.resolve()]


def test_a_bad_backup_is_refused_in_persian(
    qtbot: QtBot,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    bad = tmp_path / "photo.sqlite3"
    bad.write_bytes(b"\x89PNG not a database")
    window = _window(qtbot, register_ctx, register_db[1])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    with qtbot.assertNotEmitted(window.sig_restore_requested):
        window.restore_action.trigger()
    assert any("پشتیبان دفتر نیست" in text for text in _close_boxes(window))


def test_restore_dialog_screenshot(
    qtbot: QtBot,
    register_ctx: AppContext,
    tmp_path: Path,
) -> None:
    backup = write_backup(register_ctx.db, tmp_path / "b.sqlite3")
    plan = plan_restore(register_ctx.db.path, backup)
    assert plan.live_pending == 0 and not plan.other_office  # this office does not sync
    plan = dataclasses.replace(
        plan,
        backup=dataclasses.replace(plan.backup, revision="0004", office_name="اداره قدیم"),
        live_pending=12,
        live_syncs=True,
        live_office_id="another",
    )
    dialog = RestoreDialog(plan)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.layoutDirection() == Qt.LayoutDirection.RightToLeft
    date = dialog.date_label.text()
    assert set(date) & PERSIAN_DIGITS and date.lstrip("\u200f").startswith("۱۴")  # Jalali
    assert dialog.count_label.text() == "\u200f۳۰"
    assert "۱۲ تغییر" in dialog.pending_label.text() and dialog.pending_label.isVisible()
    assert dialog.office_warning.isVisible()
    assert dialog.sync_button.isVisible() and dialog.sync_button.isDefault()
    save_screenshot(dialog, "restore_dialog")
    dialog.sync_button.click()
    assert dialog.choice is RestoreChoice.SYNC_FIRST


def test_the_settings_tab_saves_and_refuses(
    qtbot: QtBot,
    register_ctx: AppContext,
    tmp_path: Path,
) -> None:
    from app.services.core.autobackup import BackupSettings, backup_settings
    from app.views.settings_dialog import SettingsDialog

    dialog = SettingsDialog(register_ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    tab = dialog.backup_tab
    assert (tab.daily_spin.value(), tab.monthly_spin.value()) == (7, 12)
    tab.daily_spin.setValue(10)
    tab.folder_edit.setText(str(tmp_path / "missing"))
    dialog.tabs.setCurrentIndex(dialog.office_tab_index)
    dialog.save_button.click()
    assert dialog.tabs.currentIndex() == dialog.backup_tab_index
    error = dialog.errors.label("backup_second_folder")
    assert error.isVisible() and "پیدا نشد" in error.text()
    QApplication.processEvents()
    save_screenshot(dialog, "settings_backups")
    stick = tmp_path / "stick"
    stick.mkdir()
    tab.folder_edit.setText(str(stick))
    dialog.save_button.click()
    with register_ctx.db.session() as session:
        assert backup_settings(session) == BackupSettings(10, 12, str(stick))


def test_the_application_restores_and_reopens(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path
) -> None:
    from app.services.core.db import open_database
    from app.views import app as gui_app
    from app.views.worker import TaskRunner
    from tests.services.conftest import issue_test_licence
    from tests.views.register_support import seed_register

    path = tmp_path / "desk" / "daftar.sqlite3"
    db = with_head_account(open_database(path))
    seed_register(db, 3)
    backup = write_backup(db, tmp_path / "b.sqlite3")
    issue_test_licence(db, "4032152314")
    db.close()
    runner = TaskRunner(synchronous=True)
    window = MainWindow()
    qtbot.addWidget(window)
    credentials = (HEAD_INPUT.username, HEAD_INPUT.password)
    startup = gui_app._Startup(qapp, runner, window, path, credentials=credentials)
    startup.start()
    assert window.register_screen is not None
    window.sig_restore_requested.emit(backup)
    new = startup.window
    qtbot.addWidget(new)
    try:
        assert new is not window and new.register_screen is not None
        assert new.register_screen.model.rowCount() == 3
        assert startup.restored is not None and startup.restored.safety_copy is not None
        texts = [b.text() for b in new.findChildren(QMessageBox) if b.objectName() == "restoreDone"]
        assert texts and "بازیابی شد" in texts[0]
        _close_boxes(new)
    finally:
        if startup.db is not None:
            startup.db.close()
        runner.deleteLater()


def test_sync_first_then_asks_again(
    qtbot: QtBot,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from PySide6.QtCore import QObject, Signal

    from app.views.backup_controller import BackupController

    class FakeSync(QObject):
        sig_sync_finished = Signal(object)
        running = False
        synced = 0

        def sync_now(self) -> None:
            self.synced += 1
            self.sig_sync_finished.emit("report")

    backup = write_backup(register_ctx.db, tmp_path / "b.sqlite3")
    window = _window(qtbot, register_ctx, register_db[1])
    sync = FakeSync()
    controller = BackupController(register_ctx, window, sync, auto=False)  # type: ignore[arg-type]
    answers = [RestoreChoice.SYNC_FIRST, RestoreChoice.RESTORE]

    def exec_(dialog: RestoreDialog) -> int:
        dialog.choice = answers.pop(0)
        return 1

    monkeypatch.setattr(RestoreDialog, "exec", exec_)
    with qtbot.waitSignal(controller.sig_restore_confirmed) as signal:
        controller.check_backup(backup)
    assert sync.synced == 1 and answers == [] and signal.args == [backup.resolve()]
