"""The facilities screen and a case's form: a clerk takes a holder from request to
payment in the GUI, errors appear beside their fields, a late case shows «معطل», and the
screens are saved as screenshots/facilities*.png to be looked at (RTL, Persian digits,
tomans)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.services.core.db import Database
from app.services.core.office import OfficeInfo
from app.services.facilities.service import FacilityService
from app.views.context import AppContext
from app.views.facilities import screen as screen_module
from app.views.facilities.case_dialog import FacilityCaseDialog
from app.views.facilities.screen import FacilitiesScreen
from tests.accounts_support import TEST_CLERK, act_as
from tests.services.conftest import issue_test_licence
from tests.services.facility_support import VALID_SHEBA, case_input
from tests.views.licence_support import save_screenshot

PERSIAN_DIGITS = set("۰۱۲۳۴۵۶۷۸۹")
TODAY = dt.date.today()


def _screen(qtbot: QtBot, ctx: AppContext) -> FacilitiesScreen:
    screen = FacilitiesScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1400, 520)
    screen.show()
    return screen


def _move(dialog: FacilityCaseDialog, stage: str, **texts: str) -> None:
    for name, text in texts.items():
        getattr(dialog, name).setText(text)
    dialog.move_combo.setCurrentIndex(dialog.move_combo.findData(stage))
    dialog.move_date.setDate(TODAY)
    dialog.move_button.click()


def test_a_clerk_takes_a_holder_from_request_to_payment(
    qtbot: QtBot, ctx: AppContext, db: Database, office: OfficeInfo
) -> None:
    licence = issue_test_licence(db)
    act_as(db, TEST_CLERK)
    screen = _screen(qtbot, ctx)
    dialog = screen.open_case(None, licence.number)
    assert dialog.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert dialog.programme_combo.currentText() == "تسهیلات تکلیفی مشاغل خانگی"
    assert dialog.holder_label.text() == "مریم کریمی، کد ملی ۰۰۶۷۷۴۹۸۲۸، تهران"
    dialog.licence_edit.setText("0612-999999")  # no such licence: said beside it at once
    dialog.licence_edit.editingFinished.emit()
    assert "در دفتر نیست" in dialog.errors.message("licence_number")
    assert dialog.holder_label.text() == ""
    dialog.licence_edit.setText(licence.number)
    dialog.licence_edit.editingFinished.emit()
    assert dialog.errors.message("licence_number") == ""
    # Nothing typed but the licence: each refusal beside its field, nothing saved.
    dialog.buttons.accepted.emit()
    messages = dialog.errors.messages()
    assert set(messages) >= {"bank_code", "purpose", "requested_amount"}
    assert dialog.isVisible() and screen.model.rowCount() == 0
    dialog.bank_combo.set_value("013")
    dialog.purpose_edit.setText("خرید چرخ خیاطی صنعتی")
    dialog.requested_edit.setText("۲۰۰٬۰۰۰٬۰۰۰")
    dialog.term_edit.setText("۳۶")
    dialog.rate_edit.setText("۴")
    dialog.guarantee_list.item(0).setCheckState(Qt.CheckState.Checked)
    dialog.date_edits["requested_on"].setDate(TODAY)
    dialog.buttons.accepted.emit()
    assert not dialog.isVisible() and dialog.saved is not None
    case_id = dialog.saved.id
    assert screen.model.rowCount() == 1  # the list reloaded from "records changed"
    assert screen.model.text(0, 5) == "۲۰۰٬۰۰۰٬۰۰۰ تومان"

    form = screen.open_case(case_id)
    assert form.move_box.isVisible()
    _move(form, "review")
    _move(form, "referred")  # no branch yet: refused beside the branch's name
    assert form.errors.message("branch_name") == "برای معرفی به بانک، نام شعبه را وارد کنید"
    _move(form, "referred", branch_name_edit="شعبه میدان انقلاب", branch_code_edit="۴۵۶۷")
    _move(form, "bank_file")
    _move(form, "guarantee")
    _move(form, "approved", approved_edit="۲۵۰٬۰۰۰٬۰۰۰")  # more than asked, and no reason
    assert "دلیل" in form.errors.message("approved_amount")
    _move(form, "approved", approved_edit="۱۸۰٬۰۰۰٬۰۰۰")
    _move(form, "paid", disbursed_edit="۱۸۰٬۰۰۰٬۰۰۰")
    assert "شبا" in form.errors.message("sheba")
    form.sheba_edit.setText(VALID_SHEBA)
    form.resize(1100, 900)
    save_screenshot(form, "facility_case")
    _move(form, "paid", disbursed_edit="۱۸۰٬۰۰۰٬۰۰۰")
    assert form.stage_label.text() == "پرداخت" and not form.move_box.isVisible()
    with db.session() as session:
        detail = FacilityService(session).get(case_id)
    assert detail.stage == "paid" and detail.disbursed_amount == 1_800_000_000
    assert detail.dates["referred_on"] == TODAY and detail.branch_code == "4567"
    form.reject()


def test_a_late_case_is_marked_and_filtered(
    qtbot: QtBot, ctx: AppContext, db: Database, office: OfficeInfo
) -> None:
    early = TODAY - dt.timedelta(days=20)
    for nid, bank in (("0067749828", "013"), ("0013542419", "060")):
        licence = issue_test_licence(db, nid, last_name="احمدی" if bank == "060" else "کریمی")
        with db.session() as session:
            FacilityService(session).open_case(
                case_input(
                    licence.number,
                    bank_code=bank,
                    dates={"requested_on": early if bank == "013" else TODAY},
                )
            )
    screen = _screen(qtbot, ctx)
    assert screen.model.rowCount() == 2
    assert screen.count_label.text() == "۲ پرونده، ۱ معطل"
    screen.overdue_check.setChecked(True)
    assert screen.model.rowCount() == 1
    assert screen.model.text(0, 7) == "درخواست — معطل"
    assert screen.model.text(0, 9) == "۱۳ روز"  # 20 days against the 7 allowed
    screen.overdue_check.setChecked(False)
    screen.bank_combo.setCurrentIndex(screen.bank_combo.findData("060"))
    assert screen.model.rowCount() == 1 and "احمدی" in screen.model.text(0, 0)
    screen.bank_combo.setCurrentIndex(0)
    QApplication.processEvents()
    path = save_screenshot(screen, "facilities")
    assert path.stat().st_size > 10_000
    texts = [screen.model.text(row, col) for row in range(2) for col in range(10)]
    assert not any(c.isascii() and c.isdigit() for text in texts for c in text)
    assert set("".join(texts)) & PERSIAN_DIGITS
    # The case's form says it is late, and at which bank.
    late_id = next(r.id for r in screen.model.rows() if r.days_late)
    form = screen.open_case(late_id)
    assert form.late_label.text() == "معطل: ۱۳ روز بیش از مهلت این مرحله (بانک: بانک رفاه کارگران)"
    form.reject()


def test_a_case_is_opened_from_the_register(
    qtbot: QtBot, ctx: AppContext, db: Database, office: OfficeInfo
) -> None:
    """The licence's window (the register) opens a case for its holder, the licence
    filled in; the case then shows in the «تسهیلات» list."""
    from app.views.licence_dialog import LicenceDialog

    licence = issue_test_licence(db)
    dialog = LicenceDialog(ctx, licence.id)
    qtbot.addWidget(dialog)
    assert dialog.facility_button.isEnabled()
    dialog.facility_button.click()
    form = dialog.facility_form
    assert form.licence_edit.text() == "۰۶۱۲-۰۰۰۰۰۱"
    form.bank_combo.set_value("060")
    form.purpose_edit.setText("خرید دستگاه بسته‌بندی")
    form.requested_edit.setText("150000000")
    form.buttons.accepted.emit()
    assert form.saved is not None and form.saved.bank_name == "بانک قرض‌الحسنه مهر ایران"
    screen = _screen(qtbot, ctx)
    assert screen.model.rowCount() == 1 and screen.model.text(0, 5) == "۱۵۰٬۰۰۰٬۰۰۰ تومان"


def test_printing_the_referral_letter_from_the_form(
    qtbot: QtBot, ctx: AppContext, db: Database, office: OfficeInfo
) -> None:
    """«چاپ معرفی‌نامه…»: the letter in the preview, the case referred in the form and the
    list; the follow-up letter for the bank once the case overstays."""
    licence = issue_test_licence(db)
    with db.session() as session:
        case = FacilityService(session).open_case(
            case_input(licence.number, dates={"requested_on": TODAY - dt.timedelta(days=40)})
        )
    screen = _screen(qtbot, ctx)
    form = screen.open_case(case.id)
    assert form.letter_button.isEnabled()
    form.letter_button.click()  # no branch yet: refused beside the branch's name
    assert form.errors.message("branch_name") and form.preview is None
    form.branch_name_edit.setText("شعبه مرکزی")
    form.letter_button.click()  # an unsaved edit: save first
    assert form.general_error.text() == "ابتدا تغییرهای پرونده را ذخیره کنید."
    form.branch_code_edit.setText("۱۲۳۴")
    form.buttons.accepted.emit()
    form = screen.open_case(case.id)
    form.letter_button.click()
    assert form.preview is not None and form.preview.page_count == 1
    assert form.preview.windowTitle() == "معرفی‌نامه 0612-R-000001"
    assert form.stage_label.text() == "معرفی به بانک"
    form.preview.close()
    form.reject()
    assert screen.model.text(0, 7) == "معرفی به بانک"
    assert not screen.follow_up_button.isEnabled()
    screen.bank_combo.setCurrentIndex(screen.bank_combo.findData("013"))
    screen.follow_up_button.click()  # referred today: not late, nothing to follow up
    assert screen.preview is None
    # The referral was in fact three weeks ago (the clerk corrects its date): now late.
    form = screen.open_case(case.id)
    form.date_edits["referred_on"].setDate(TODAY - dt.timedelta(days=21))
    form.buttons.accepted.emit()
    assert screen.model.text(0, 9) == "۷ روز"
    screen.follow_up_button.click()
    assert screen.preview is not None and screen.preview.page_count == 1
    assert screen.preview.windowTitle().startswith("پیگیری پرونده‌های معطل")
    screen.preview.close()


def test_a_banks_repayment_sheet_is_imported_from_the_screen(
    qtbot: QtBot, ctx: AppContext, db: Database, office: OfficeInfo, tmp_path: Path
) -> None:
    """«اکسل ← ورود وضعیت بازپرداخت از فایل بانک…»: the list shows who is behind."""
    from app.services.facilities.io import REPAYMENTS

    licence = issue_test_licence(db)
    paid_on = TODAY - dt.timedelta(days=60)
    with db.session() as session:
        service = FacilityService(session)
        case = service.open_case(
            case_input(
                licence.number,
                stage="paid",
                branch_name="شعبه مرکزی",
                branch_code="1234",
                approved_amount="۲۰۰٬۰۰۰٬۰۰۰",
                disbursed_amount="۲۰۰٬۰۰۰٬۰۰۰",
                sheba=VALID_SHEBA,
                dates={"requested_on": paid_on - dt.timedelta(days=30), "paid_on": paid_on},
            )
        )
    path = tmp_path / "refah.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(REPAYMENTS.columns.headers)
        writer.writerow(["0067749828", "", "بانک رفاه کارگران", "معوق", "3", ""])
        writer.writerow(["0067749828", "", "بانک ملت", "منظم", "", ""])
    screen = _screen(qtbot, ctx)
    assert screen.model.text(0, 10) == "گزارش نشده"
    dialog = screen.import_sheet(REPAYMENTS)
    assert dialog.windowTitle() == "ورود وضعیت بازپرداخت از فایل بانک"
    dialog.set_path(path)
    dialog.start_button.click()
    assert dialog.import_result is not None
    assert (dialog.import_result.imported, dialog.import_result.rejected) == (1, 1)
    assert screen.model.rowCount() == 1 and screen.model.text(0, 10) == "معوق (۳ قسط)"
    with db.session() as session:
        assert FacilityService(session).get(case.id).overdue_instalments == 3


def test_the_head_sets_programmes_and_service_levels(
    qtbot: QtBot, ctx: AppContext, db: Database, office: OfficeInfo
) -> None:
    """«تنظیمات تسهیلات…»: a new programme is offered in the filter, a stage's days
    change what is late; a clerk may look but not save."""
    licence = issue_test_licence(db)
    with db.session() as session:
        FacilityService(session).open_case(
            case_input(licence.number, dates={"requested_on": TODAY - dt.timedelta(days=10)})
        )
    screen = _screen(qtbot, ctx)
    assert screen.count_label.text() == "۱ پرونده، ۱ معطل"  # 10 days against 7
    dialog = screen.on_settings_button_clicked()
    assert dialog.day_spins["requested"].value() == 7
    dialog.programmes_edit.setPlainText("تسهیلات تکلیفی مشاغل خانگی\nوام قرض‌الحسنه اشتغال")
    dialog.day_spins["requested"].setValue(15)
    save_screenshot(dialog, "facility_settings")
    dialog.buttons.accepted.emit()
    assert dialog.saved is not None
    assert screen.count_label.text() == "۱ پرونده"
    assert screen.programme_combo.findData("وام قرض‌الحسنه اشتغال") > 0
    act_as(db, TEST_CLERK)
    looking = screen.on_settings_button_clicked()
    assert not looking.save_button.isEnabled()
    looking.reject()


def test_the_list_paints_its_first_page_then_reads_the_rest(
    qtbot: QtBot, ctx: AppContext, db: Database, office: OfficeInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The newest cases come first and at once; the rest follow into the same table, and
    the count covers them all."""
    monkeypatch.setattr(screen_module, "FIRST_PAGE", 2)
    for n, national_id in enumerate(("0067749828", "6688356023", "2742819991")):
        licence = issue_test_licence(db, national_id)
        with db.session() as session:
            FacilityService(session).open_case(
                case_input(licence.number, dates={"requested_on": dt.date(2025, 1, 1 + n)})
            )
    screen = _screen(qtbot, ctx)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 3, timeout=10_000)
    assert [row.national_id for row in screen.model.rows()] == [
        "2742819991",
        "6688356023",
        "0067749828",
    ]
    assert screen.count_label.text().startswith("۳ پرونده")


def test_the_count_says_when_the_list_is_cut(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for nid in ("0067749828", "0013542419"):
        licence = issue_test_licence(db, nid)
        with db.session() as session:
            FacilityService(session).open_case(
                case_input(licence.number, dates={"requested_on": TODAY})
            )
    monkeypatch.setattr(screen_module, "LIST_LIMIT", 2)
    screen = _screen(qtbot, ctx)
    assert screen.count_label.text() == "نخستین ۲ پرونده (جستجو یا صافی را تنگ‌تر کنید)"
