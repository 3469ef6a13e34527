"""SettingsDialog: shows the office, saves it with the groups' validity in one job, refuses
invalid input beside its field, asks before dropping edits; the main window opens it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMenu
from pytestqt.qtbot import QtBot

from app.services.core import office as office_service
from app.services.core import reference
from app.services.core.db import Database
from app.services.core.office import OfficeInfo
from app.views import settings_dialog
from app.views.context import AppContext, AppSignals
from app.views.main_window import MainWindow
from app.views.settings_dialog import SettingsDialog
from app.views.widgets import messages
from app.views.worker import TaskRunner
from tests.views.licence_support import save_screenshot

PERSIAN_DIGITS = set("۰۱۲۳۴۵۶۷۸۹")
PROCESSING = "04"  # فرآوری محصولات کشاورزی
LIVESTOCK = "01"  # دامپروری


def make_dialog(qtbot: QtBot, ctx: AppContext) -> SettingsDialog:
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def current_office(db: Database) -> OfficeInfo:
    with db.session() as session:
        found = office_service.get_office(session)
    assert found is not None
    return found


def validity_for(db: Database, code: str) -> int:
    with db.session() as session:
        return office_service.validity_years_for_group(session, code)


def group_settings(db: Database) -> dict[str, int]:
    with db.session() as session:
        return office_service.group_validity_years(session)


def save(qtbot: QtBot, dialog: SettingsDialog) -> None:
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)


def test_loads_the_current_values(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
) -> None:
    with db.session() as session:
        office_service.set_group_validity_years(session, PROCESSING, 3)
        groups = reference.list_field_groups(session)
    dialog = make_dialog(qtbot, ctx)
    assert dialog.windowTitle() == "تنظیمات اداره"
    assert dialog.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert dialog.name_edit.text() == office.name
    assert dialog.province_label.text() == "تهران"
    assert dialog.county_label.text() == "تهران"
    assert dialog.prefix_edit.text() == "0612"
    assert "شماره‌های قبلی تغییر نمی‌کنند" in dialog.prefix_note.text()
    assert dialog.default_spin.value() == 5
    # «۵ سال»: Persian digits, the unit after the number.
    text = dialog.default_spin.text()
    assert text == "۵ سال" and set(text) & PERSIAN_DIGITS
    assert list(dialog.group_rows) == [code for code, _name in groups]
    assert [row.name_label.text() for row in dialog.group_rows.values()] == [
        name for _code, name in groups
    ]
    processing = dialog.group_rows[PROCESSING]
    assert not processing.default_check.isChecked() and processing.spin.isEnabled()
    assert processing.spin.value() == 3
    livestock = dialog.group_rows[LIVESTOCK]
    assert livestock.default_check.isChecked() and not livestock.spin.isEnabled()
    assert livestock.default_check.text() == "پیش‌فرض اداره"
    assert livestock.spin.value() == 5
    assert dialog.save_button.isEnabled()
    assert not dialog.guard.is_modified()
    save_screenshot(dialog, "settings_dialog")


def test_saves_name_prefix_and_default_validity(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
) -> None:
    dialog = make_dialog(qtbot, ctx)
    dialog.name_edit.setText("دبیرخانه مشاغل خانگی شهرستان تهران")
    dialog.prefix_edit.setText("۰۶۱۳")
    dialog.default_spin.setValue(4)
    # Groups following the default show the new default.
    assert dialog.group_rows[LIVESTOCK].spin.value() == 4
    with qtbot.waitSignal(ctx.signals.sig_records_changed) as blocker:
        save(qtbot, dialog)
    assert blocker.args == ["office"]
    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = current_office(db)
    assert saved.name == "دبیرخانه مشاغل خانگی شهرستان تهران"
    assert saved.licence_prefix == "0613"
    assert saved.default_validity_years == 4
    # The place is not the dialog's to change.
    assert (saved.province_id, saved.county_id) == (office.province_id, office.county_id)
    assert dialog.office == saved
    assert group_settings(db) == {}
    assert validity_for(db, LIVESTOCK) == 4


def test_group_override_saves_and_unchecking_clears_it(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
) -> None:
    dialog = make_dialog(qtbot, ctx)
    row = dialog.group_rows[PROCESSING]
    row.default_check.setChecked(False)
    assert row.spin.isEnabled()
    row.spin.setValue(2)
    assert dialog.guard.is_modified()
    save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert group_settings(db) == {PROCESSING: 2}
    assert validity_for(db, PROCESSING) == 2
    assert validity_for(db, LIVESTOCK) == 5

    dialog = make_dialog(qtbot, ctx)
    row = dialog.group_rows[PROCESSING]
    assert not row.default_check.isChecked() and row.spin.value() == 2
    row.default_check.setChecked(True)
    assert not row.spin.isEnabled() and row.spin.value() == 5
    save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert group_settings(db) == {}
    assert validity_for(db, PROCESSING) == 5


def test_invalid_prefix_is_shown_beside_the_field_and_nothing_is_saved(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
) -> None:
    dialog = make_dialog(qtbot, ctx)
    dialog.name_edit.setText("نام تازه")
    dialog.prefix_edit.setText("!!")
    dialog.set_group_years(PROCESSING, 2)
    with qtbot.assertNotEmitted(ctx.signals.sig_records_changed):
        save(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.result() != QDialog.DialogCode.Accepted
    message = dialog.errors.message("licence_prefix")
    assert message.startswith("پیشوند شماره مجوز باید")
    assert dialog.errors.label("licence_prefix").isVisible()
    assert dialog.prefix_edit.property("invalid") is True
    assert dialog.focusWidget() is dialog.prefix_edit
    assert set(dialog.errors.messages()) == {"licence_prefix"}
    save_screenshot(dialog, "settings_dialog_errors")
    # Nothing was saved: neither the name nor the group's validity.
    saved = current_office(db)
    assert saved.name == office.name and saved.licence_prefix == "0612"
    assert group_settings(db) == {}
    # Corrected, it saves and the message goes.
    dialog.prefix_edit.setText("0612b")
    save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert not dialog.errors.messages()
    assert current_office(db).licence_prefix == "0612B"
    assert group_settings(db) == {PROCESSING: 2}


def test_save_settings_reports_every_error_and_rolls_back(
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
) -> None:
    from app.services.core.office import OfficeInput
    from app.views.settings_dialog import SettingsInput, save_settings
    from common.errors import ValidationErrors

    data = SettingsInput(
        OfficeInput(office.province_id, office.county_id, "نام تازه", "0612", 5),
        {LIVESTOCK: 3, PROCESSING: 11},
    )
    with pytest.raises(ValidationErrors) as caught, db.session() as session:
        save_settings(session, data)
    assert list(caught.value.by_field()) == [f"group_validity.{PROCESSING}"]
    assert current_office(db).name == office.name
    assert group_settings(db) == {}


def test_cancel_with_edits_asks_first(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []
    answer = [False]

    def fake_confirm(*args: object, **kwargs: object) -> bool:
        asked.append(str(args[2]))
        return answer[0]

    monkeypatch.setattr(messages, "confirm", fake_confirm)
    # Unchanged: closes without asking.
    dialog = make_dialog(qtbot, ctx)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and asked == []
    # Changed: asks; «ادامه ویرایش» keeps it open, «بستن بدون ذخیره» closes it.
    dialog = make_dialog(qtbot, ctx)
    dialog.set_group_years(LIVESTOCK, 7)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and len(asked) == 1
    answer[0] = True
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and len(asked) == 2
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert group_settings(db) == {}


def test_main_window_action_opens_the_dialog(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[SettingsDialog] = []

    def fake_exec(self: SettingsDialog) -> int:
        opened.append(self)
        self.name_edit.setText("اداره تعاون شمیرانات")
        self.on_buttons_accepted()  # saves and accepts, as «ذخیره» does
        return int(self.result())

    monkeypatch.setattr(settings_dialog.SettingsDialog, "exec", fake_exec)
    window = MainWindow()
    qtbot.addWidget(window)
    file_menu = next(m for m in window.findChildren(QMenu) if m.title() == "پرونده")
    texts = [action.text() for action in file_menu.actions()]
    assert texts.index("تنظیمات اداره…") == texts.index("پشتیبان‌گیری…") - 1
    assert not window.settings_action.isEnabled()
    window.attach(ctx, office)
    assert window.settings_action.isEnabled()
    window.settings_action.trigger()
    assert len(opened) == 1
    assert window.windowTitle() == "دفتر — اداره تعاون شمیرانات"
    assert window.office_label.text().startswith("اداره تعاون شمیرانات")
    assert current_office(db).name == "اداره تعاون شمیرانات"


def test_main_window_keeps_its_title_when_the_dialog_is_cancelled(
    qtbot: QtBot,
    ctx: AppContext,
    office: OfficeInfo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        settings_dialog.SettingsDialog, "exec", lambda self: QDialog.DialogCode.Rejected
    )
    window = MainWindow(ctx, office)
    qtbot.addWidget(window)
    title = window.windowTitle()
    window.settings_action.trigger()
    assert window.windowTitle() == title


def test_groups_loaded_after_show_fit_without_scrolling(
    qtbot: QtBot,
    db: Database,
    office: OfficeInfo,
    qapp: object,
) -> None:
    # As in the app: the settings arrive from a worker after the dialog is on screen.
    runner = TaskRunner(synchronous=False)
    dialog = SettingsDialog(AppContext(db=db, runner=runner, signals=AppSignals()))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled())
    qtbot.waitUntil(lambda: all(row.spin.isVisible() for row in dialog.group_rows.values()))
    assert len(dialog.group_rows) == 7
    assert not dialog.groups_scroll.verticalScrollBar().isVisible()
    last = list(dialog.group_rows.values())[-1].spin
    bottom = last.mapTo(dialog, last.rect().bottomLeft()).y()
    assert bottom < dialog.buttons.geometry().top()
    assert runner.wait_for_done(5000)


def test_signatory_and_logo_are_saved_and_checked(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
    tmp_path: Path,
) -> None:
    dialog = make_dialog(qtbot, ctx)
    dialog.signatory_name_edit.setText("مريم احمدی")
    dialog.signatory_title_edit.setText("رئیس اداره تعاون، کار و رفاه اجتماعی")
    dialog.logo_edit.setText(str(tmp_path / "missing.png"))
    save(qtbot, dialog)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "پیدا نشد" in dialog.errors.message("logo")
    with db.session() as session:
        assert office_service.certificate_settings(session).signatory_name == ""
    save_screenshot(dialog, "settings_dialog_certificate_error")
    dialog.logo_edit.clear()
    save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    with db.session() as session:
        saved = office_service.certificate_settings(session)
    assert saved.signatory_name == "مریم احمدی"
    assert saved.signatory_title == "رئیس اداره تعاون، کار و رفاه اجتماعی"
    assert saved.logo is None
