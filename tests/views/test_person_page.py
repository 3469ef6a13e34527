"""The person page: a holder's licences, networks, events and certificates in one window,
reached from the register, a licence, a supporter's members and an event's participants,
each row opening its own page."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.services.core.db import Database
from app.services.core.office import OfficeInfo
from app.views.context import AppContext
from app.views.person_page import PersonPage
from app.views.register_screen import RegisterScreen
from app.views.supporter_page import SupporterPage
from tests.services.person_support import (
    HOLDER,
    a_person_with_everything,
    with_facility_and_markets,
)
from tests.views.licence_support import save_screenshot


def _loaded(qtbot: QtBot, page: PersonPage) -> PersonPage:
    page.show()
    qtbot.waitUntil(lambda: page.file is not None, timeout=10_000)
    return page


def _open_pages() -> list[PersonPage]:
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, PersonPage) and w.isVisible()
    ]


def test_the_page_shows_every_record_of_the_person(
    qtbot: QtBot, ctx: AppContext, db: Database, office: OfficeInfo
) -> None:
    first, supporter, event, _member, _other, _participant = a_person_with_everything(db)
    case, _channel, contract = with_facility_and_markets(db, first)
    page = PersonPage(ctx, "licence", first.id)
    qtbot.addWidget(page)
    _loaded(qtbot, page)
    assert page.name_label.text() == "زهرا احمدی"
    assert page.values["national_id"].text() == "".join("۰۱۲۳۴۵۶۷۸۹"[int(c)] for c in HOLDER)
    assert "۲ مجوز فعال" in page.summary_label.text()
    assert [page.tabs.tabText(i) for i in range(6)] == [
        "مجوزها (۲)",
        "شبکه‌ها (۱)",
        "رویدادها و بازارچه‌ها (۱)",
        "گواهی‌نامه‌ها (۱)",
        "تسهیلات (۱)",
        "بازار (۲)",
    ]
    assert page.facilities.model.rows()[0].id == case
    assert "تومان" in page.facilities.model.data(page.facilities.model.index(0, 3))
    assert page.contracts.model.rows()[0].id == contract
    assert page.networks.model.rows()[0].supporter_id == supporter.id
    events = page.events.model
    assert events.data(events.index(0, 6)) == "۱"  # days present
    assert page.licences.model.rowCount() == 2 and page.licences.table.isVisible()
    save_screenshot(page, "person_page")
    page.tabs.setCurrentIndex(5)
    save_screenshot(page, "person_page_markets")
    page.tabs.setCurrentIndex(0)

    # A network row opens the supporter's page.
    page.tabs.setCurrentIndex(1)
    page.networks.table.selectionModel().select(
        page.networks.model.index(0, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    assert page.networks.open_button.isEnabled()
    opened = page.open_supporter(page.networks.selected_id() or "")
    assert isinstance(opened, SupporterPage) and opened.supporter_id == supporter.id
    opened.close()
    assert event.id == page.events.model.rows()[0].event_id


def test_the_register_and_the_supporter_page_open_it(
    qtbot: QtBot, ctx: AppContext, db: Database, office: OfficeInfo
) -> None:
    _first, supporter, _event, member, _other, _participant = a_person_with_everything(db)
    screen = RegisterScreen(ctx)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitUntil(lambda: screen.model.rowCount() > 0, timeout=10_000)
    assert not screen.person_button.isEnabled()
    screen.table.setCurrentIndex(screen.model.index(0, 0))
    assert screen.person_button.isEnabled()
    screen.person_button.click()
    qtbot.waitUntil(lambda: any(p.file is not None for p in _open_pages()), timeout=10_000)
    shown = {p.file.person.national_id for p in _open_pages() if p.file is not None}
    assert shown  # the current row's holder
    for open_page in _open_pages():
        open_page.close()

    page = SupporterPage(ctx, supporter.id)
    qtbot.addWidget(page)
    painted: list[bool] = []
    page.sig_members_painted.connect(lambda: painted.append(True))
    page.show()
    qtbot.waitUntil(lambda: bool(painted), timeout=10_000)
    assert not page.member_file_button.isEnabled()
    row = next(
        i
        for i in range(page.members_model.rowCount())
        if page.members_model.member(i).id == member.id  # type: ignore[union-attr]
    )
    flags = QItemSelectionModel.SelectionFlag
    page.members_table.selectionModel().select(
        page.members_model.index(row, 0), flags.ClearAndSelect | flags.Rows | flags.Current
    )
    assert page.member_file_button.isEnabled()
    page.member_file_button.click()
    qtbot.waitUntil(
        lambda: any(
            p.file is not None and p.file.person.national_id == HOLDER for p in _open_pages()
        ),
        timeout=10_000,
    )
    for open_page in _open_pages():
        open_page.close()
