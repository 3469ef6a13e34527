"""Supporter screens: the form, the page with its members, member actions, the list."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.models import NetworkMember, Supporter
from app.services.core.db import Database
from app.services.core.office import OfficeInfo
from app.services.licences.records import PersonInput
from app.services.supporters.records import MemberInput
from app.services.supporters.service import SupporterService
from app.views import add_member_dialog
from app.views.add_member_dialog import AddMemberDialog
from app.views.context import AppContext
from app.views.supporter_dialog import SupporterFormDialog
from app.views.supporter_page import SupporterPage
from app.views.supporters_screen import SupportersScreen
from app.views.widgets import messages
from app.views.widgets.reason_dialog import ReasonDialog
from tests.services.supporter_fixtures import (
    BAD_LEGAL_ID,
    BAD_SHEBA,
    VALID_LEGAL_ID,
    VALID_SHEBA,
    issue,
    make_supporter,
    nid,
)
from tests.views.licence_support import save_screenshot

TODAY = dt.date.today()


@pytest.fixture(autouse=True)
def no_boxes(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Replace modal boxes and the override question; record what was asked."""
    seen: dict[str, list[Any]] = {"inform": [], "override": [], "answer": ["طرح ویژه"]}
    monkeypatch.setattr(messages, "inform", lambda *a: seen["inform"].append(a))
    monkeypatch.setattr(messages, "confirm", lambda *a, **k: True)

    def ask(_parent: Any, problems: tuple[str, ...]) -> str | None:
        seen["override"].append(problems)
        return seen["answer"][0]

    monkeypatch.setattr(add_member_dialog, "ask_override_reason", ask)
    return seen


def _select_row(table: Any, row: int) -> None:
    """Select a whole row, as a click does."""
    flags = QItemSelectionModel.SelectionFlag
    table.selectionModel().select(
        table.model().index(row, 0), flags.ClearAndSelect | flags.Rows | flags.Current
    )


def _count(db: Database, model: type) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _screen(qtbot: QtBot, ctx: AppContext) -> SupportersScreen:
    screen = SupportersScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1200, 600)
    screen.show()
    qtbot.waitExposed(screen)
    return screen


def test_create_supporter_bad_then_good(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
) -> None:
    issue(db, "0067749828", first_name="رضا", last_name="موسوی")
    screen = _screen(qtbot, ctx)
    form = screen.on_new_button_clicked()
    qtbot.waitExposed(form)
    assert form.licence_combo.count() == 1  # the unused supporter licence is offered
    form.kind_combo.setCurrentIndex(form.kind_combo.findData("legal"))
    assert form.legal_id_edit.isVisibleTo(form)
    form.licence_combo.setCurrentIndex(0)
    form.legal_name_edit.setText("تعاونی گلیم‌بافان ری")
    form.legal_id_edit.setText(BAD_LEGAL_ID)
    form.registration_no_edit.setText("4455")
    form.sheba_edit.setText(BAD_SHEBA)
    form.capacity_edit.setText("0")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    errors = form.errors.messages()
    assert errors["legal_id"] == "رقم کنترل شناسه ملی درست نیست"
    assert errors["sheba"] == "شماره شبا درست نیست (رقم‌های کنترل آن نمی‌خواند)"
    assert errors["capacity"] == "ظرفیت باید بیشتر از صفر باشد"
    assert form.isVisible() and _count(db, Supporter) == 0
    save_screenshot(form, "supporter_form_errors")

    form.legal_id_edit.setText(VALID_LEGAL_ID)
    form.sheba_edit.setText(VALID_SHEBA)
    form.capacity_edit.setText("۲")
    form.mobile_edit.setText("۰۹۱۲۱۲۳۴۵۶۷")
    form.related_list.item(1).setCheckState(Qt.CheckState.Checked)
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert form.errors.messages() == {}
    assert form.saved is not None and form.saved.name == "تعاونی گلیم‌بافان ری"
    assert form.saved.holder_name == "رضا موسوی" and len(form.saved.related_field_ids) == 1
    assert _count(db, Supporter) == 1
    # The list reloaded (records changed) and the new supporter's page opened.
    assert screen.model.rowCount() == 1
    assert form.saved.id in screen.pages
    page = screen.pages[form.saved.id]
    qtbot.waitUntil(lambda: page.title_label.text() == "تعاونی گلیم‌بافان ری")
    page.close()


def _member(national_id: str) -> MemberInput:
    return MemberInput(
        PersonInput(national_id=national_id, first_name="زهرا", last_name="احمدی"),
        joined_on=TODAY - dt.timedelta(days=30),
    )


_SCREENS: list[SupportersScreen] = []


@pytest.fixture(autouse=True)
def keep_screens() -> Any:
    """Keep the screens _page() makes alive until the test ends (pages are children)."""
    yield
    _SCREENS.clear()


def _page(qtbot: QtBot, ctx: AppContext, supporter_id: str) -> SupporterPage:
    screen = _screen(qtbot, ctx)
    _SCREENS.append(screen)
    page = screen.open_supporter(supporter_id)
    qtbot.waitExposed(page)
    assert screen.open_supporter(supporter_id) is page  # one window per supporter
    return page


def test_page_shows_members_coverage_and_summary(
    qtbot: QtBot,
    qtmodeltester: Any,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
) -> None:
    detail = make_supporter(db, capacity=4)
    with db.session() as s:
        service = SupporterService(s)
        for i in range(5):
            service.add_member(detail.id, _member(nid(10 + i)), override_reason="طرح")
        gone = service.add_member(detail.id, _member(nid(30)), override_reason="طرح")
        service.remove_member(gone.id, TODAY, "مهاجرت")
    painted: list[bool] = []
    screen = _screen(qtbot, ctx)
    screen.refresh()
    assert "۵ از ۴" in screen.model.data(screen.model.index(0, 6))
    qtmodeltester.check(screen.model)
    page = SupporterPage(ctx, detail.id, screen)
    page.sig_members_painted.connect(lambda: painted.append(True))
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: bool(painted))
    model = page.members_model
    assert model.rowCount() == model.total == 6
    assert model.data(model.index(5, 5)) == page.members_table.model().data(model.index(5, 5))
    assert model.member(5) is not None and not model.member(5).active  # type: ignore[union-attr]
    qtmodeltester.check(model)
    assert "۵ از ۴ نفر" in page.coverage_label.text()
    assert page.chart.points()[-1].active == 6
    assert page.county_model.text(0, 0) == "تهران"
    assert page.county_model.text(0, 1) == "۵"
    qtmodeltester.check(page.county_model)
    save_screenshot(page, "supporter_page_members")
    page.tabs.setCurrentIndex(1)
    save_screenshot(page, "supporter_page_coverage")
    page.tabs.setCurrentIndex(2)
    save_screenshot(page, "supporter_page_summary")
    page.close()


def test_members_are_paged(
    qtbot: QtBot,
    qtmodeltester: Any,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
) -> None:
    from app.views.supporter_models import MembersModel

    detail = make_supporter(db, capacity=100)
    with db.session() as s:
        for i in range(25):
            SupporterService(s).add_member(detail.id, _member(nid(100 + i)), override_reason="r")
    model = MembersModel(ctx, page_size=10)
    model.load(detail.id)
    assert (model.rowCount(), model.total) == (10, 25)
    assert model.canFetchMore()
    model.fetchMore()
    model.fetchMore()
    assert model.rowCount() == 25 and not model.canFetchMore()
    qtmodeltester.check(model)


def test_add_member_within_the_rules(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
    no_boxes: dict[str, list[Any]],
) -> None:
    detail = make_supporter(db, capacity=3)
    holder = issue(db, nid(40), kind="مستقل", first_name="نرگس", last_name="جعفری")
    page = _page(qtbot, ctx, detail.id)
    dialog = page.on_add_member_button_clicked()
    qtbot.waitExposed(dialog)
    dialog.national_id_edit.setText("۱۲۳")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "کد ملی" in dialog.errors.message("national_id")
    dialog.national_id_edit.setText(holder.holder.national_id)
    assert dialog.first_name_edit.text() == "نرگس" and dialog.person_note.isVisibleTo(dialog)
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData("trainer"))
    save_screenshot(dialog, "supporter_add_member")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert no_boxes["override"] == []
    assert dialog.added is not None and dialog.added.role == "trainer"
    qtbot.waitUntil(lambda: page.members_model.rowCount() == 1)
    # The same person again: refused beside the national ID.
    again = page.on_add_member_button_clicked()
    again.national_id_edit.setText(holder.holder.national_id)
    qtbot.mouseClick(again.save_button, Qt.MouseButton.LeftButton)
    assert again.errors.message("national_id") == "این شخص هم‌اکنون عضو این شبکه است"
    again.reject()
    page.close()


def test_member_warning_and_over_capacity_ask_for_a_reason(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
    no_boxes: dict[str, list[Any]],
) -> None:
    detail = make_supporter(db, capacity=1)
    page = _page(qtbot, ctx, detail.id)

    def add(national_id: str) -> AddMemberDialog:
        dialog = page.on_add_member_button_clicked()
        dialog.national_id_edit.setText(national_id)
        dialog.first_name_edit.setText("علی")
        dialog.last_name_edit.setText("رضایی")
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        return dialog

    # No licence in the field: the clerk cancels the override, nothing is saved.
    no_boxes["answer"] = [None]
    first = add(nid(50))
    assert len(no_boxes["override"]) == 1 and "مجوز فعالی" in no_boxes["override"][0][0]
    assert first.isVisible() and _count(db, NetworkMember) == 0
    # With a reason it is saved, and the reason stored.
    no_boxes["answer"] = ["مجوز در دست صدور"]
    qtbot.mouseClick(first.save_button, Qt.MouseButton.LeftButton)
    assert first.added is not None and first.added.override_reason == "مجوز در دست صدور"
    # Above capacity: asked again (capacity and licence both mentioned).
    no_boxes["answer"] = ["طرح ویژه استان"]
    second = add(nid(51))
    assert any("ظرفیت" in p for p in no_boxes["override"][-1])
    assert second.added is not None and second.added.override_reason == "طرح ویژه استان"
    qtbot.waitUntil(lambda: page.members_model.rowCount() == 2)
    qtbot.waitUntil(lambda: "۲ از ۱" in page.coverage_label.text())
    page.close()


def test_member_leaves_with_a_date_and_reason(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
) -> None:
    detail = make_supporter(db, capacity=3)
    with db.session() as s:
        SupporterService(s).add_member(detail.id, _member(nid(60)), override_reason="r")
    page = _page(qtbot, ctx, detail.id)
    qtbot.waitUntil(lambda: page.members_model.rowCount() == 1)
    _select_row(page.members_table, 0)
    assert page.remove_member_button.isEnabled()
    dialog = page.on_remove_member_button_clicked()
    assert isinstance(dialog, ReasonDialog)
    page.leave_date_edit.setDate(TODAY - dt.timedelta(days=90))  # before joining
    dialog.set_reason("مهاجرت")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.errors.message("left_on") == "تاریخ خروج نمی‌تواند پیش از تاریخ عضویت باشد"
    save_screenshot(dialog, "supporter_member_leaves_error")
    page.leave_date_edit.setDate(TODAY)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: page.members_model.member(0) is not None)
    member = page.members_model.member(0)
    assert member is not None and member.left_on == TODAY and member.leave_reason == "مهاجرت"
    page.close()


def test_suspend_and_reactivate_from_the_page(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
) -> None:
    detail = make_supporter(db)
    page = _page(qtbot, ctx, detail.id)
    qtbot.waitUntil(lambda: page.suspend_button.isEnabled())
    dialog = page.on_suspend_button_clicked()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.errors.message("reason") == "دلیل را بنویسید"
    dialog.set_reason("عدم پرداخت بیمه")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.status == "suspended")
    assert not page.add_member_button.isEnabled() and page.reactivate_button.isEnabled()
    assert "عدم پرداخت بیمه" in page.status_reason_label.text()
    dialog = page.on_reactivate_button_clicked()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.status == "active")
    page.close()


def test_edit_supporter_from_the_page(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
) -> None:
    detail = make_supporter(db, capacity=5)
    page = _page(qtbot, ctx, detail.id)
    page.on_edit_button_clicked()
    form = page.action_dialog
    assert isinstance(form, SupporterFormDialog)
    assert form.capacity_edit.text() == "۵"
    form.capacity_edit.setText("12")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.capacity == 12)
    page.close()


def test_list_search_and_filters(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
) -> None:
    over = make_supporter(db, capacity=1)
    under = make_supporter(db, capacity=10, national_id=nid(70))
    with db.session() as s:
        service = SupporterService(s)
        for i in range(2):
            service.add_member(over.id, _member(nid(80 + i)), override_reason="r")
        service.suspend(under.id, "بازرسی")
    screen = _screen(qtbot, ctx)
    assert screen.model.rowCount() == 2
    screen.search_edit.setText(nid(70))
    screen.refresh()
    assert [screen.model.row_data(0).id] == [under.id]  # type: ignore[union-attr]
    screen.search_edit.setText("")
    screen.refresh()
    screen.coverage_combo.setCurrentIndex(screen.coverage_combo.findData("over"))
    assert screen.model.rowCount() == 1 and screen.model.row_data(0).id == over.id  # type: ignore[union-attr]
    save_screenshot(screen, "supporters_list_over_capacity")
    screen.coverage_combo.setCurrentIndex(0)
    screen.status_combo.setCurrentIndex(screen.status_combo.findData("suspended"))
    assert screen.model.rowCount() == 1 and screen.model.row_data(0).id == under.id  # type: ignore[union-attr]
    screen.status_combo.setCurrentIndex(0)
    assert screen.model.rowCount() == 2
    save_screenshot(screen, "supporters_list")
    # Opening from the table.
    _select_row(screen.table, 0)
    assert screen.open_button.isEnabled()
    screen.on_open_button_clicked()
    assert len(screen.pages) == 1
    next(iter(screen.pages.values())).close()
