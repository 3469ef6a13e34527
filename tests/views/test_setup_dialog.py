"""SetupDialog: lists provinces after seeding, suggests names, creates the office."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.services.core import office as office_service
from app.services.core.db import Database
from app.views.context import AppContext
from app.views.setup_dialog import PROVINCE_OFFICE, SetupDialog
from tests.views.licence_support import save_screenshot


def make_dialog(qtbot: QtBot, ctx: AppContext) -> SetupDialog:
    dialog = SetupDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_lists_31_provinces_after_seeding(qtbot: QtBot, ctx: AppContext) -> None:
    dialog = make_dialog(qtbot, ctx)
    assert dialog.province_combo.count() == 31
    assert dialog.ok_button.isEnabled()
    assert dialog.county_combo.count() == 0


def test_county_list_follows_province_and_suggests_name(
    qtbot: QtBot,
    ctx: AppContext,
) -> None:
    dialog = make_dialog(qtbot, ctx)
    dialog.select_province("تهران")
    assert dialog.county_combo.itemData(0) == PROVINCE_OFFICE
    names = [dialog.county_combo.itemText(i) for i in range(2, dialog.county_combo.count())]
    assert "تهران" in names and "شمیرانات" in names and "تبریز" not in names
    dialog.select_county("تهران")
    assert dialog.name_edit.text() == "اداره تعاون، کار و رفاه اجتماعی شهرستان تهران"
    assert dialog.prefix_edit.text() == "2301"
    # Another county: the suggestion follows …
    dialog.select_county("شمیرانات")
    assert dialog.name_edit.text().endswith("شمیرانات")
    # … unless the clerk wrote their own name.
    dialog.name_edit.setText("دبیرخانه مشاغل خانگی شمیرانات")
    dialog.select_county("ری")
    assert dialog.name_edit.text() == "دبیرخانه مشاغل خانگی شمیرانات"
    dialog.select_county(None)
    assert dialog.prefix_edit.text() == "23"


def test_setup_creates_the_office(qtbot: QtBot, ctx: AppContext, db: Database) -> None:
    dialog = make_dialog(qtbot, ctx)
    dialog.select_province("تهران")
    dialog.select_county("تهران")
    dialog.prefix_edit.setText("0612")
    dialog.validity_spin.setValue(3)
    save_screenshot(dialog, "setup_dialog")
    kinds: list[str] = []
    ctx.signals.sig_records_changed.connect(kinds.append)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    # The office with its settings, and the desk's signing key.
    assert kinds == ["certificates", "office"]
    assert dialog.result() == SetupDialog.DialogCode.Accepted
    with db.session() as session:
        office = office_service.require_office(session)
    assert office.province_name == "تهران"
    assert office.county_name == "تهران"
    assert office.licence_prefix == "0612"
    assert office.default_validity_years == 3
    assert dialog.office == office


def test_province_office_has_no_county(qtbot: QtBot, ctx: AppContext, db: Database) -> None:
    dialog = make_dialog(qtbot, ctx)
    dialog.select_province("فارس")
    dialog.select_county(None)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == SetupDialog.DialogCode.Accepted
    with db.session() as session:
        office = office_service.require_office(session)
    assert office.county_id is None
    assert office.name == "اداره کل تعاون، کار و رفاه اجتماعی استان فارس"


def test_errors_show_under_their_fields(qtbot: QtBot, ctx: AppContext, db: Database) -> None:
    dialog = make_dialog(qtbot, ctx)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.errors.message("province_id") == "استان را انتخاب کنید."
    assert dialog.isVisible()
    dialog.select_province("تهران")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "شهرستان" in dialog.errors.message("county_id")
    dialog.select_county("تهران")
    dialog.prefix_edit.setText("۰۶-۱۲")
    dialog.name_edit.setText("")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.errors.message("name") == "نام اداره را وارد کنید."
    assert "پیشوند" in dialog.errors.message("licence_prefix")
    assert dialog.errors.label("name").isVisible()
    assert dialog.name_edit.property("invalid") is True
    assert dialog.focusWidget() is dialog.name_edit
    save_screenshot(dialog, "setup_dialog_errors")
    with db.session() as session:
        assert office_service.get_office(session) is None
    # Correcting the input clears the messages and saves.
    dialog.name_edit.setText("اداره تعاون شهرستان تهران")
    dialog.prefix_edit.setText("۰۶۱۲")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == SetupDialog.DialogCode.Accepted
    assert not dialog.errors.messages()
    with db.session() as session:
        assert office_service.require_office(session).licence_prefix == "0612"
