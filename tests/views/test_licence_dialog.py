"""LicenceDialog: details, badge, history, and the actions edit/renew/suspend/revoke."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.services.core.db import Database
from app.services.core.office import OfficeInfo
from app.services.licences.records import LicenceDetail
from app.services.licences.service import LicenceService
from app.views.context import AppContext
from app.views.licence_dialog import LicenceDialog
from app.views.licence_form import LicenceFormDialog
from app.views.widgets import messages
from app.views.widgets.reason_dialog import ReasonDialog
from common import jalali
from tests.accounts_support import TEST_HEAD
from tests.views.licence_support import issue_licence, save_screenshot

LRI, PDI = "\u2066", "\u2069"


@pytest.fixture(autouse=True)
def no_boxes(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Replace the modal question/information boxes; record what they were asked."""
    seen: dict[str, list[Any]] = {"confirm": [], "inform": [], "answer": [True]}

    def confirm(_parent: Any, title: str, text: str, **kw: Any) -> bool:
        seen["confirm"].append((text, kw.get("danger", False)))
        return bool(seen["answer"][0])

    monkeypatch.setattr(messages, "confirm", confirm)
    monkeypatch.setattr(messages, "inform", lambda *a: seen["inform"].append(a))
    return seen


@pytest.fixture
def licence(db: Database, office: OfficeInfo) -> LicenceDetail:
    return issue_licence(db, office)


def make_dialog(qtbot: QtBot, ctx: AppContext, licence_id: str) -> LicenceDialog:
    dialog = LicenceDialog(ctx, licence_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def reason_dialog(dialog: LicenceDialog) -> ReasonDialog:
    action = dialog.action_dialog
    assert isinstance(action, ReasonDialog) and action.isVisible()
    return action


def submit(qtbot: QtBot, action: ReasonDialog, reason: str) -> None:
    action.set_reason(reason)
    qtbot.mouseClick(action.ok_button, Qt.MouseButton.LeftButton)


def history_actions(dialog: LicenceDialog) -> list[str]:
    model = dialog.history_model
    return [model.text(row, 2) for row in range(model.rowCount())]


def test_shows_the_licence(
    qtbot: QtBot,
    qtmodeltester: Any,
    ctx: AppContext,
    licence: LicenceDetail,
) -> None:
    dialog = make_dialog(qtbot, ctx, licence.id)
    assert dialog.title_label.text() == f"مجوز شماره {LRI}۰۶۱۲-۰۰۰۰۰۱{PDI}"
    assert dialog.unique_id_label.text() == f"شناسه یکتا: {LRI}{licence.unique_id}{PDI}"
    assert dialog.status_badge.text() == "فعال"
    assert dialog.status_badge.property("status") == "active"
    assert dialog.values["full_name"].text() == "مریم کریمی"
    assert dialog.values["national_id"].text() == f"{LRI}۰۰۶۷۷۴۹۸۲۸{PDI}"
    assert dialog.values["birth_date"].text() == jalali.format_jalali(dt.date(1990, 8, 3))
    assert dialog.values["gender"].text() == "زن"
    assert dialog.values["county"].text() == "تهران، استان تهران"
    assert dialog.values["issue_date"].text() == jalali.format_jalali(licence.issue_date)
    assert dialog.history_model.rowCount() == 1
    assert history_actions(dialog) == ["صدور"]
    qtmodeltester.check(dialog.history_model)
    enabled = {
        name: getattr(dialog, f"{name}_button").isEnabled()
        for name in ("edit", "renew", "suspend", "reactivate", "revoke")
    }
    assert enabled == {
        "edit": True,
        "renew": True,
        "suspend": True,
        "reactivate": False,
        "revoke": True,
    }


def test_expired_licence_has_an_orange_badge(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
) -> None:
    detail = issue_licence(db, office)
    with db.session() as session:
        LicenceService(session).update(
            detail.id,
            _person_of(detail),
            _licence_of(detail, expiry_date=dt.date.today() - dt.timedelta(days=1)),
        )
    dialog = make_dialog(qtbot, ctx, detail.id)
    assert dialog.status_badge.text() == "منقضی"
    assert "#ef6c00" in dialog.status_badge.styleSheet()
    assert dialog.renew_button.isEnabled()


def test_edit_changes_the_address_and_adds_history(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    licence: LicenceDetail,
) -> None:
    dialog = make_dialog(qtbot, ctx, licence.id)
    qtbot.mouseClick(dialog.edit_button, Qt.MouseButton.LeftButton)
    form = dialog.action_dialog
    assert isinstance(form, LicenceFormDialog) and form.isVisible()
    form.address_edit.setPlainText("تهران، خیابان ولیعصر، پلاک ۴۲")
    form.activity_address_edit.setText("کارگاه خانگی، طبقه دوم")
    with qtbot.waitSignal(ctx.signals.sig_records_changed):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert dialog.values["address"].text() == "تهران، خیابان ولیعصر، پلاک ۴۲"
    assert history_actions(dialog) == ["ویرایش", "صدور"]
    details = dialog.history_model.text(0, 3)
    assert "نشانی: تهران، خیابان آزادی، پلاک ۱۲ ← تهران، خیابان ولیعصر، پلاک ۴۲" in details
    assert "نشانی محل فعالیت: " in details
    issued = dialog.history_model.text(1, 3)
    assert f"شماره مجوز: {LRI}۰۶۱۲-۰۰۰۰۰۱{PDI}" in issued
    assert dialog.history_model.text(0, 1) == TEST_HEAD.display_name
    save_screenshot(dialog, "licence_dialog_history")


def test_suspend_then_reactivate(
    qtbot: QtBot,
    ctx: AppContext,
    licence: LicenceDetail,
    no_boxes: dict[str, list[Any]],
) -> None:
    dialog = make_dialog(qtbot, ctx, licence.id)
    qtbot.mouseClick(dialog.suspend_button, Qt.MouseButton.LeftButton)
    action = reason_dialog(dialog)
    # Declining the confirmation changes nothing.
    no_boxes["answer"][0] = False
    with qtbot.assertNotEmitted(ctx.signals.sig_records_changed):
        submit(qtbot, action, "عدم فعالیت به مدت ۶ ماه")
    assert action.isVisible() and dialog.status_badge.text() == "فعال"
    assert no_boxes["confirm"][0] == (f"مجوز {LRI}۰۶۱۲-۰۰۰۰۰۱{PDI} تعلیق شود؟", False)
    no_boxes["answer"][0] = True
    with qtbot.waitSignal(ctx.signals.sig_records_changed) as blocker:
        qtbot.mouseClick(action.ok_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["licences"]
    assert not action.isVisible()
    assert dialog.status_badge.text() == "معلق"
    assert dialog.status_badge.property("status") == "suspended"
    assert dialog.status_reason_label.text() == "دلیل تعلیق: عدم فعالیت به مدت ۶ ماه"
    assert history_actions(dialog)[0] == "تعلیق"
    assert dialog.history_model.text(0, 4) == "عدم فعالیت به مدت ۶ ماه"
    assert not dialog.suspend_button.isEnabled() and dialog.reactivate_button.isEnabled()

    qtbot.mouseClick(dialog.reactivate_button, Qt.MouseButton.LeftButton)
    submit(qtbot, reason_dialog(dialog), "")  # the reason is optional here
    assert dialog.status_badge.text() == "فعال"
    assert history_actions(dialog)[0] == "رفع تعلیق"


def test_revoke_needs_a_reason_and_a_strong_confirmation(
    qtbot: QtBot,
    ctx: AppContext,
    licence: LicenceDetail,
    no_boxes: dict[str, list[Any]],
) -> None:
    dialog = make_dialog(qtbot, ctx, licence.id)
    qtbot.mouseClick(dialog.revoke_button, Qt.MouseButton.LeftButton)
    action = reason_dialog(dialog)
    with qtbot.assertNotEmitted(ctx.signals.sig_records_changed):
        submit(qtbot, action, "   ")
    assert action.errors.message("reason") == "دلیل را بنویسید"
    assert action.errors.label("reason").isVisible()
    assert action.reason_edit.property("invalid") is True
    assert no_boxes["confirm"] == []  # nothing asked before a reason is there
    save_screenshot(action, "reason_dialog_error")
    submit(qtbot, action, "ارائه مدارک خلاف واقع")
    assert no_boxes["confirm"] == [("ابطال مجوز برگشت‌پذیر نیست. ادامه می‌دهید؟", True)]
    assert not action.isVisible()
    assert dialog.status_badge.text() == "باطل"
    assert "#c62828" in dialog.status_badge.styleSheet()
    assert dialog.status_reason_label.text() == "دلیل ابطال: ارائه مدارک خلاف واقع"
    buttons = (
        dialog.edit_button,
        dialog.renew_button,
        dialog.suspend_button,
        dialog.reactivate_button,
        dialog.revoke_button,
    )
    assert not any(button.isEnabled() for button in buttons)
    save_screenshot(dialog, "licence_dialog_revoked")


def test_service_refusal_is_shown_beside_the_reason(
    qtbot: QtBot,
    ctx: AppContext,
    licence: LicenceDetail,
) -> None:
    """The dialog's own check aside, the service's "reason" error lands under the field."""
    dialog = make_dialog(qtbot, ctx, licence.id)
    qtbot.mouseClick(dialog.revoke_button, Qt.MouseButton.LeftButton)
    action = reason_dialog(dialog)
    action.required = False  # let an empty reason through to the service
    submit(qtbot, action, "")
    assert action.isVisible()
    assert action.errors.message("reason") == "دلیل را بنویسید"
    assert dialog.status_badge.text() == "فعال"


def test_renew(
    qtbot: QtBot,
    ctx: AppContext,
    licence: LicenceDetail,
) -> None:
    dialog = make_dialog(qtbot, ctx, licence.id)
    qtbot.mouseClick(dialog.renew_button, Qt.MouseButton.LeftButton)
    action = reason_dialog(dialog)
    assert dialog.renew_date_edit is not None and dialog.renew_date_edit.date() is None
    # An expiry before the current one is refused beside the date.
    dialog.renew_date_edit.setDate(licence.issue_date + dt.timedelta(days=1))
    submit(qtbot, action, "")
    assert action.errors.message("expiry_date") == "تاریخ انقضای جدید باید بعد از تاریخ فعلی باشد"
    save_screenshot(action, "renew_dialog_error")
    # Empty: automatic (+5 years).
    dialog.renew_date_edit.setDate(None)
    with qtbot.waitSignal(ctx.signals.sig_records_changed):
        submit(qtbot, action, "درخواست دارنده")
    expected = jalali.add_jalali_years(licence.expiry_date, 5)
    assert dialog.values["expiry_date"].text() == jalali.format_jalali(expected)
    assert history_actions(dialog)[0] == "تمدید"


# -- helpers ---------------------------------------------------------------------------------


def _person_of(detail: LicenceDetail) -> Any:
    from app.services.licences.records import PersonInput

    h = detail.holder
    return PersonInput(
        h.national_id,
        h.first_name,
        h.last_name,
        h.father_name,
        h.birth_date,
        h.gender,
        h.mobile,
        h.postal_code,
        h.address,
    )


def _licence_of(detail: LicenceDetail, **changes: Any) -> Any:
    from app.services.licences.records import LicenceInput

    values = {
        "kind": detail.kind,
        "field_id": detail.field_id,
        "county_id": detail.county_id,
        "activity_address": detail.activity_address,
        "issue_date": detail.issue_date,
        "expiry_date": detail.expiry_date,
        "number": detail.number,
    }
    values.update(changes)
    return LicenceInput(**values)


def test_renew_with_a_real_worker_thread(
    qtbot: QtBot,
    db: Database,
    licence: LicenceDetail,
) -> None:
    """Widgets are read on the GUI thread; the service runs on the database thread."""
    from app.views.context import AppSignals
    from app.views.worker import TaskRunner

    runner = TaskRunner(synchronous=False)
    threaded = AppContext(db=db, runner=runner, signals=AppSignals())
    dialog = LicenceDialog(threaded, licence.id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.detail is not None)
    qtbot.mouseClick(dialog.renew_button, Qt.MouseButton.LeftButton)
    action = reason_dialog(dialog)
    new_expiry = jalali.add_jalali_years(licence.expiry_date, 2)
    assert dialog.renew_date_edit is not None
    dialog.renew_date_edit.setDate(new_expiry)
    with qtbot.waitSignal(threaded.signals.sig_records_changed, timeout=10_000):
        submit(qtbot, action, "")
    qtbot.waitUntil(lambda: dialog.values["expiry_date"].text() == jalali.format_jalali(new_expiry))
    assert runner.wait_for_done(10_000)
    qtbot.waitUntil(lambda: runner.active_count == 0)


def test_another_countys_licence_is_shown_read_only(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    licence: LicenceDetail,
) -> None:
    """A supporter's licence seen through a member of its network: every action is its
    own county office's, so they are disabled here and the note says why."""
    from sqlalchemy import text

    with db.session() as session:
        rey = session.scalar(text("SELECT id FROM county WHERE name = 'ری'"))
        session.execute(text("UPDATE licence SET county_id = :c"), {"c": rey})
    dialog = make_dialog(qtbot, ctx, licence.id)
    qtbot.waitUntil(lambda: dialog.detail is not None)
    assert dialog.read_only_note.isVisible()
    assert "«ری»" in dialog.read_only_note.text()
    buttons = (
        dialog.edit_button,
        dialog.renew_button,
        dialog.suspend_button,
        dialog.reactivate_button,
        dialog.revoke_button,
        dialog.print_button,
    )
    assert not any(button.isEnabled() for button in buttons)
    assert all("«ری»" in button.toolTip() for button in buttons)
    save_screenshot(dialog, "licence_dialog_read_only")
