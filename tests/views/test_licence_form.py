"""LicenceFormDialog: Persian errors beside their fields, saving, holder look-up, closing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import QCalendar, QDate, Qt
from pytestqt.qtbot import QtBot

from app.services.core.db import Database
from app.services.core.office import OfficeInfo
from app.services.licences.service import LicenceService
from app.views import licence_form
from app.views.context import AppContext
from app.views.licence_form import LicenceFormDialog
from app.views.widgets import messages
from common import jalali
from tests.views.licence_support import (
    OTHER_VALID_NID,
    QUIET_POSTAL_CODE,
    VALID_NID,
    first_field_id,
    issue_licence,
    licence_count,
    save_screenshot,
)


@pytest.fixture(autouse=True)
def no_boxes(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Replace the modal question/information boxes; record what they were asked."""
    seen: dict[str, list[Any]] = {"confirm": [], "inform": [], "answer": [True]}

    def confirm(_parent: Any, title: str, text: str, **_kw: Any) -> bool:
        seen["confirm"].append(text)
        return bool(seen["answer"][0])

    def inform(_parent: Any, title: str, text: str) -> None:
        seen["inform"].append(text)

    monkeypatch.setattr(messages, "confirm", confirm)
    monkeypatch.setattr(messages, "inform", inform)
    return seen


def make_form(
    qtbot: QtBot,
    ctx: AppContext,
    licence_id: str | None = None,
) -> LicenceFormDialog:
    form = LicenceFormDialog(ctx, licence_id=licence_id)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    return form


def fill_valid(form: LicenceFormDialog, db: Database, national_id: str = VALID_NID) -> None:
    form.national_id_edit.setText(national_id)
    form.first_name_edit.setText("علی")
    form.last_name_edit.setText("رضایی")
    form.father_name_edit.setText("محمد")
    form.birth_date_edit.setDate(jalali.from_jalali(1370, 5, 12))
    form.gender_combo.setCurrentIndex(form.gender_combo.findData("M"))
    form.mobile_edit.setText("۰۹۱۲۳۴۵۶۷۸۹")
    form.postal_code_edit.setText(QUIET_POSTAL_CODE)
    form.address_edit.setPlainText("تهران، خیابان انقلاب، کوچه گلستان، پلاک ۷")
    assert form.field_combo.set_value(first_field_id(db))


def click_save(qtbot: QtBot, form: LicenceFormDialog) -> None:
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)


def test_new_form_defaults(qtbot: QtBot, ctx: AppContext, office: OfficeInfo) -> None:
    form = make_form(qtbot, ctx)
    assert form.windowTitle() == "صدور مجوز جدید"
    assert form.county_combo.value() == office.county_id
    assert form.county_combo.currentText() == "تهران"
    assert form.issue_date_edit.date() == dt.date.today()
    assert form.expiry_date_edit.date() is None
    assert "۵ سال" in form.expiry_hint.text()
    assert form.number_edit.isReadOnly()
    assert form.number_edit.placeholderText() == "خودکار"
    # A county office works in its county only: the one choice is made, and locked.
    assert form.county_combo.count() == 1 and not form.county_combo.isEnabled()


def test_bad_national_id_shows_check_digit_error(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
) -> None:
    form = make_form(qtbot, ctx)
    fill_valid(form, db, national_id="1234567890")
    before = licence_count(db)
    click_save(qtbot, form)
    assert form.errors.message("national_id") == "رقم کنترل کد ملی درست نیست"
    assert form.errors.label("national_id").isVisible()
    assert form.national_id_edit.property("invalid") is True
    assert list(form.errors.messages()) == ["national_id"]
    assert form.isVisible() and form.saved_licence_id is None
    assert licence_count(db) == before


def test_service_errors_beside_fields_and_nothing_saved(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
) -> None:
    # 1404 is not a leap year: the date widget can't even hold 1404/12/30.
    assert not QDate(1404, 12, 30, QCalendar(QCalendar.System.Jalali)).isValid()
    form = make_form(qtbot, ctx)
    fill_valid(form, db)
    form.first_name_edit.setText("")
    form.mobile_edit.setText("۰۸۱۲۳۴۵")
    form.issue_date_edit.setDate(jalali.from_jalali(1403, 6, 1))
    form.expiry_date_edit.setDate(jalali.from_jalali(1403, 1, 1))
    before = licence_count(db)
    click_save(qtbot, form)
    errors = form.errors.messages()
    assert errors == {
        "first_name": "وارد کردن نام الزامی است",
        "mobile": "شماره همراه باید ۱۱ رقم باشد و با ۰۹ شروع شود",
        "expiry_date": "تاریخ انقضا باید بعد از تاریخ صدور باشد",
    }
    for name in errors:
        assert form.errors.label(name).isVisible()
    assert form.expiry_date_edit.date_edit.property("invalid") is True
    assert form.focusWidget() is form.first_name_edit  # the first invalid field
    assert licence_count(db) == before
    save_screenshot(form, "licence_form_errors")
    # Correcting the fields clears the messages and saves.
    form.first_name_edit.setText("علی")
    form.mobile_edit.setText("+98 912 345 6789")
    form.expiry_date_edit.setDate(None)
    click_save(qtbot, form)
    assert form.saved_licence_id is not None
    assert not form.errors.messages()
    assert licence_count(db) == before + 1


def test_valid_form_saves_and_emits(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
    no_boxes: dict[str, list[Any]],
) -> None:
    form = make_form(qtbot, ctx)
    fill_valid(form, db)
    before = licence_count(db)
    with qtbot.waitSignal(ctx.signals.sig_records_changed) as blocker:
        click_save(qtbot, form)
    assert blocker.args == ["licences"]
    assert form.result() == LicenceFormDialog.DialogCode.Accepted
    assert licence_count(db) == before + 1
    assert no_boxes["inform"] == []  # no warnings for a plausible postal code
    assert form.saved_licence_id is not None
    with db.session() as session:
        detail = LicenceService(session).get(form.saved_licence_id)
    assert detail.number == "0612-000001"
    assert detail.holder.first_name == "علی"
    assert detail.holder.mobile == "09123456789"
    assert detail.holder.birth_date == jalali.from_jalali(1370, 5, 12)
    assert detail.county_id == office.county_id
    assert detail.expiry_date == jalali.add_jalali_years(dt.date.today(), 5)


def test_postal_code_warning_shown_after_saving(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
    no_boxes: dict[str, list[Any]],
) -> None:
    form = make_form(qtbot, ctx)
    fill_valid(form, db)
    form.postal_code_edit.setText("1111111111")
    click_save(qtbot, form)
    assert form.saved_licence_id is not None
    assert len(no_boxes["inform"]) == 1
    assert "کد پستی" in no_boxes["inform"][0]


def test_manual_number(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
) -> None:
    existing = issue_licence(db, office, OTHER_VALID_NID)
    form = make_form(qtbot, ctx)
    fill_valid(form, db)
    form.manual_number_check.setChecked(True)
    assert not form.number_edit.isReadOnly()
    form.number_edit.setText(existing.number)
    click_save(qtbot, form)
    assert form.errors.message("number") == "مجوز دیگری با این شماره ثبت شده است"
    form.number_edit.setText("۰۶۱۲-۹۹۹")
    click_save(qtbot, form)
    with db.session() as session:
        assert LicenceService(session).get(form.saved_licence_id or "").number == "0612-999"


def test_existing_holder_fills_the_form(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
) -> None:
    issue_licence(db, office, VALID_NID)
    form = make_form(qtbot, ctx)
    form.national_id_edit.setText("۰۰۶۷۷۴۹۸۲")  # 9 digits so far: no look-up
    assert form.first_name_edit.text() == ""
    form.national_id_edit.setText("۰۰۶۷۷۴۹۸۲۸")
    assert form.first_name_edit.text() == "مریم"
    assert form.last_name_edit.text() == "کریمی"
    assert form.father_name_edit.text() == "حسن"
    assert form.birth_date_edit.date() == dt.date(1990, 8, 3)
    assert form.gender_combo.currentData() == "F"
    assert form.mobile_edit.text() == "۰۹۱۲۱۲۳۴۵۶۷"
    assert form.person_note.isVisible()
    assert form.person_note.text() == "این شخص از قبل ثبت شده است و ۱ مجوز دارد"
    # An unknown ID hides the note again.
    form.national_id_edit.setText(OTHER_VALID_NID)
    assert not form.person_note.isVisible()


def test_national_id_checked_when_leaving_the_field(
    qtbot: QtBot,
    ctx: AppContext,
    office: OfficeInfo,
) -> None:
    form = make_form(qtbot, ctx)
    form.national_id_edit.setText("0010000000")
    form.national_id_edit.editingFinished.emit()
    assert "صفر" in form.errors.message("national_id")
    form.national_id_edit.setText(VALID_NID)
    form.national_id_edit.editingFinished.emit()
    assert form.errors.message("national_id") == ""


def test_field_completer_matches_anywhere(
    qtbot: QtBot,
    ctx: AppContext,
    office: OfficeInfo,
) -> None:
    form = make_form(qtbot, ctx)
    completer = form.field_combo.completer()
    completer.setCompletionPrefix("زنبور")
    found = [
        completer.completionModel().index(i, 0).data() for i in range(completer.completionCount())
    ]
    assert found and all("زنبور" in text for text in found)
    assert any("ملکه" in text for text in found)  # matched in the middle of the name
    completer.setCompletionPrefix("۰۱۰۰۰۲")  # Persian digits find the code
    assert completer.completionCount() == 1
    completer.setCompletionPrefix("010002")  # and so do Latin ones
    assert completer.completionCount() == 1
    form.field_combo.setEditText("چیزی که در فهرست نیست")
    assert form.field_combo.value() is None


def test_edit_mode(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
) -> None:
    detail = issue_licence(db, office)
    form = make_form(qtbot, ctx, detail.id)
    assert form.windowTitle() == "ویرایش مجوز \u2066۰۶۱۲-۰۰۰۰۰۱\u2069"
    assert form.national_id_edit.isReadOnly()
    assert form.national_id_edit.text() == "۰۰۶۷۷۴۹۸۲۸"
    assert form.first_name_edit.text() == "مریم"
    assert form.number_edit.text() == "۰۶۱۲-۰۰۰۰۰۱"
    assert form.expiry_date_edit.date() == detail.expiry_date
    assert not form.guard.is_modified()
    form.address_edit.setPlainText("تهران، میدان ونک، پلاک ۳")
    with qtbot.waitSignal(ctx.signals.sig_records_changed):
        click_save(qtbot, form)
    with db.session() as session:
        after = LicenceService(session).get(detail.id)
    assert after.holder.address == "تهران، میدان ونک، پلاک 3"
    assert after.number == detail.number
    assert after.rev == detail.rev  # the licence row itself did not change


def test_cancel_with_edits_asks(
    qtbot: QtBot,
    ctx: AppContext,
    office: OfficeInfo,
    no_boxes: dict[str, list[Any]],
) -> None:
    form = make_form(qtbot, ctx)
    qtbot.keyClick(form, Qt.Key.Key_Escape)  # nothing typed: closes without asking
    assert not form.isVisible() and no_boxes["confirm"] == []

    form = make_form(qtbot, ctx)
    form.first_name_edit.setText("زهرا")
    no_boxes["answer"][0] = False
    qtbot.mouseClick(form.cancel_button, Qt.MouseButton.LeftButton)
    assert no_boxes["confirm"] == ["تغییرات ذخیره نشده‌اند. بسته شود؟"]
    assert form.isVisible()
    no_boxes["answer"][0] = True
    qtbot.keyClick(form, Qt.Key.Key_Escape)
    assert not form.isVisible()
    assert form.result() == LicenceFormDialog.DialogCode.Rejected


def test_module_exposes_dialog() -> None:
    assert licence_form.LicenceFormDialog is LicenceFormDialog


def test_with_a_real_worker_thread(
    qtbot: QtBot,
    db: Database,
    office: OfficeInfo,
) -> None:
    """The same flow with jobs on the database thread: load, look up, save."""
    from app.views.context import AppSignals
    from app.views.worker import TaskRunner

    issue_licence(db, office, VALID_NID)
    runner = TaskRunner(synchronous=False)
    threaded = AppContext(db=db, runner=runner, signals=AppSignals())
    form = LicenceFormDialog(threaded)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitUntil(form.isEnabled)
    form.national_id_edit.setText(VALID_NID)
    qtbot.waitUntil(lambda: form.first_name_edit.text() == "مریم")
    form.field_combo.set_value(first_field_id(db))
    with qtbot.waitSignal(threaded.signals.sig_records_changed, timeout=10_000):
        click_save(qtbot, form)
    qtbot.waitUntil(lambda: form.saved_licence_id is not None)
    assert licence_count(db) == 2
    assert runner.wait_for_done(10_000)
    qtbot.waitUntil(lambda: runner.active_count == 0)
