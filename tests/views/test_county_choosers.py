"""Every county chooser offers only the office's counties: a county office's own county
(chosen and locked), a province office's counties; a record already outside the scope is
shown as it is, and saving it there is refused beside the chooser."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select, text

from app.models import Licence
from app.services.core import reference
from app.services.core.db import Database
from app.services.core.office import OfficeInfo
from app.views.add_member_dialog import AddMemberDialog
from app.views.context import AppContext
from app.views.events.event_dialog import EventDialog
from app.views.supporter_dialog import SupporterFormDialog
from app.views.widgets import messages
from app.views.widgets.county_combo import CountyCombo
from tests.services.supporter_fixtures import make_supporter
from tests.views.licence_support import issue_licence, save_screenshot
from tests.views.test_licence_form import click_save, fill_valid, make_form

OUTSIDE_REY = "شهرستان «ری» بیرون از حوزهٔ این اداره است؛ این اداره فقط در شهرستان «تهران» کار می‌کند"


@pytest.fixture(autouse=True)
def no_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(messages, "confirm", lambda *a, **k: True)
    monkeypatch.setattr(messages, "inform", lambda *a: None)


def texts(combo: CountyCombo) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


def province_counties(db: Database, province: str = "تهران") -> list[str]:
    with db.session() as s:
        return sorted(c.name for c in reference.list_counties(s) if c.province_name == province)


def county_id(db: Database, name: str) -> str:
    with db.session() as s:
        return next(c.id for c in reference.list_counties(s) if c.name == name)


def assert_county_office_chooser(combo: CountyCombo, office: OfficeInfo) -> None:
    assert texts(combo) == ["تهران"]
    assert combo.value() == office.county_id and combo.currentText() == "تهران"
    assert not combo.isEnabled()
    assert combo.toolTip() == "این اداره فقط در شهرستان تهران کار می‌کند."


def assert_province_office_chooser(combo: CountyCombo, db: Database) -> None:
    assert sorted(texts(combo)) == province_counties(db)
    assert len(texts(combo)) > 10 and "شیراز" not in texts(combo)
    assert combo.isEnabled()


def show(qtbot: QtBot, widget: Any) -> Any:
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


# -- the licence form ------------------------------------------------------------------------


def test_licence_form_of_a_county_office(
    qtbot: QtBot,
    ctx: AppContext,
    office: OfficeInfo,
) -> None:
    form = make_form(qtbot, ctx)
    assert_county_office_chooser(form.county_combo, office)
    save_screenshot(form, "county-chooser-licence-county-office")


def test_licence_form_of_a_province_office(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    province_office: OfficeInfo,
) -> None:
    form = make_form(qtbot, ctx)
    assert_province_office_chooser(form.county_combo, db)
    assert form.county_combo.value() is None  # no county of its own: the clerk chooses
    # Typing finds the province's counties only.
    form.county_combo.lineEdit().setText("شیر")  # شیراز is in Fars
    form.county_combo.completer().complete()
    popup = form.county_combo.completer().popup()
    found = [popup.model().index(i, 0).data() for i in range(popup.model().rowCount())]
    assert "شیراز" not in found
    form.county_combo.set_value(None)
    form.county_combo.showPopup()
    QApplication.processEvents()
    save_screenshot(form, "county-chooser-licence-province-office")
    view = form.county_combo.view()
    save_screenshot(view.window(), "county-chooser-licence-province-office-list")
    form.county_combo.hidePopup()
    fill_valid(form, db)
    assert form.county_combo.set_value(county_id(db, "ری"))
    click_save(qtbot, form)
    assert form.saved is not None and form.saved.county_name == "ری"


def test_a_licence_outside_the_scope_is_shown_and_refused_beside_the_chooser(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
) -> None:
    detail = issue_licence(db, office)
    rey = county_id(db, "ری")
    with db.session() as s:  # as a record synced in, or saved before scope was enforced
        s.execute(
            text("UPDATE licence SET county_id = :c WHERE id = :id"), {"c": rey, "id": detail.id}
        )
    form = make_form(qtbot, ctx, detail.id)
    combo = form.county_combo
    assert combo.currentText() == "ری (بیرون از حوزهٔ این اداره)"
    assert combo.value() == rey and combo.isEnabled()
    form.address_edit.setPlainText("تهران، خیابان انقلاب")  # any edit
    click_save(qtbot, form)
    assert form.errors.message("county_id") == OUTSIDE_REY
    assert form.errors.label("county_id").isVisible()
    assert form.isVisible() and form.saved is None
    with db.session() as s:
        assert s.scalar(select(Licence.county_id)) == rey
        assert s.scalar(select(Licence.rev)) == 1
    save_screenshot(form, "county-chooser-licence-outside-scope")
    # Moved back into the office's county, it saves.
    assert combo.set_value(office.county_id)
    click_save(qtbot, form)
    assert form.saved is not None and form.saved.county_id == office.county_id


# -- supporters, members, events ---------------------------------------------------------------


def _supporter_form(qtbot: QtBot, ctx: AppContext) -> SupporterFormDialog:
    return show(qtbot, SupporterFormDialog(ctx))


def _member_dialog(qtbot: QtBot, ctx: AppContext, db: Database) -> AddMemberDialog:
    return show(qtbot, AddMemberDialog(ctx, make_supporter(db).id))


def _event_dialog(qtbot: QtBot, ctx: AppContext) -> EventDialog:
    dialog = show(qtbot, EventDialog(ctx, None))
    qtbot.waitUntil(lambda: dialog.county_combo.count() > 0)
    return dialog


def test_other_choosers_of_a_county_office(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
) -> None:
    supporter_form = _supporter_form(qtbot, ctx)
    assert_county_office_chooser(supporter_form.county_combo, office)
    member_dialog = _member_dialog(qtbot, ctx, db)
    assert_county_office_chooser(member_dialog.county_combo, office)
    save_screenshot(member_dialog, "county-chooser-member-county-office")
    event_dialog = _event_dialog(qtbot, ctx)
    assert_county_office_chooser(event_dialog.county_combo, office)


def test_other_choosers_of_a_province_office(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    province_office: OfficeInfo,
) -> None:
    supporter_form = _supporter_form(qtbot, ctx)
    assert_province_office_chooser(supporter_form.county_combo, db)
    assert supporter_form.county_combo.value() is None  # empty: the licence's county
    member_dialog = _member_dialog(qtbot, ctx, db)
    assert_province_office_chooser(member_dialog.county_combo, db)
    assert member_dialog.county_combo.currentText() == "تهران"  # the supporter's county
    save_screenshot(member_dialog, "county-chooser-member-province-office")
    event_dialog = _event_dialog(qtbot, ctx)
    assert_province_office_chooser(event_dialog.county_combo, db)
    assert event_dialog.county_combo.currentText() == "تهران"  # the province's capital
    event_dialog.resize(1000, 760)
    save_screenshot(event_dialog, "county-chooser-event-province-office")
    assert event_dialog.county_combo.set_value(county_id(db, "ری"))
    assert event_dialog.county_combo.value() == county_id(db, "ری")


def test_the_chooser_keeps_tooltips_honest(qtbot: QtBot) -> None:
    from app.services.core.reference import CountyInfo

    combo = show(qtbot, CountyCombo())
    one = CountyInfo("a", "1", "ری", "p", "تهران")
    two = CountyInfo("b", "2", "شمیرانات", "p", "تهران")
    combo.set_counties([one])
    assert not combo.isEnabled() and combo.value() == "a"
    combo.set_counties([one, two], default="b")
    assert combo.isEnabled() and combo.toolTip() == "" and combo.value() == "b"
    assert texts(combo) == ["ری", "شمیرانات"]
    combo.set_counties([one, two], default="elsewhere")
    assert combo.value() is None
    combo.show_county("c", "شیراز")
    assert combo.currentText() == "شیراز (بیرون از حوزهٔ این اداره)" and combo.value() == "c"
    combo.show_county("c", "شیراز")  # shown twice, listed once
    assert texts(combo).count("شیراز (بیرون از حوزهٔ این اداره)") == 1
