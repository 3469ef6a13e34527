"""The «بازار» tab: channels and contracts, their dialogs (errors beside the fields,
deliveries and fulfilment), filters; saved as screenshots/markets_*.png to be looked at."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from pytestqt.qtbot import QtBot

from app.services.core.db import Database
from app.services.core.office import OfficeInfo
from app.services.markets.queries import list_channels, list_contracts
from app.services.markets.records import ChannelInput, ContractInput, Delivery
from app.services.markets.service import MarketService
from app.views.context import AppContext
from app.views.markets.screen import MarketsScreen
from common import jalali
from tests.services.supporter_fixtures import issue, make_supporter, nid
from tests.views.licence_support import save_screenshot

TODAY = jalali.today()
PERSIAN_DIGITS = set("۰۱۲۳۴۵۶۷۸۹")


def _screen(qtbot: QtBot, ctx: AppContext) -> MarketsScreen:
    screen = MarketsScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1200, 560)
    screen.show()
    qtbot.waitExposed(screen)
    return screen


def _select_row(table: object, row: int) -> None:
    flags = QItemSelectionModel.SelectionFlag
    table.selectionModel().select(  # type: ignore[attr-defined]
        table.model().index(row, 0),  # type: ignore[attr-defined]
        flags.ClearAndSelect | flags.Rows | flags.Current,
    )


def _seed(db: Database) -> str:
    supporter = make_supporter(db)
    issue(db, nid(1), kind="مستقل", first_name="نرگس", last_name="جعفری")
    issue(db, nid(2), kind="مستقل", first_name="زهرا", last_name="احمدی")
    with db.session() as s:
        service = MarketService(s)
        service.add_channel(
            ChannelInput(nid(1), "باسلام", "ترشی نرگس", "basalam.com/narges", TODAY)
        )
        service.add_channel(ChannelInput(nid(2), "دیوار", "", "", TODAY, active=False))
        service.add_contract(
            ContractInput(
                buyer_kind="supporter",
                buyer_supporter_id=supporter.id,
                seller_national_id=nid(1),
                product="ترشی لیته",
                unit="kg",
                quantity="400",
                unit_price_toman="185000",
                start_date=TODAY - dt.timedelta(days=40),
                end_date=TODAY + dt.timedelta(days=140),
                deliveries=(Delivery(TODAY - dt.timedelta(days=20), 100, "بار اول"),),
            )
        )
    return supporter.id


def test_channels_list_filters_by_platform_and_a_channel_is_added(
    qtbot: QtBot, ctx: AppContext, db: Database, office: OfficeInfo
) -> None:
    _seed(db)
    screen = _screen(qtbot, ctx)
    panel = screen.channels
    assert panel.model.rowCount() == 2
    assert panel.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert set(panel.count_label.text()) & PERSIAN_DIGITS
    save_screenshot(screen, "markets_channels")
    panel.platform_combo.setCurrentIndex(panel.platform_combo.findData("باسلام"))
    assert [r.platform for r in panel.model.rows()] == ["باسلام"]
    panel.platform_combo.setCurrentIndex(0)
    panel.active_check.setChecked(True)
    assert panel.model.rowCount() == 1

    dialog = panel.on_new_button_clicked()
    qtbot.waitExposed(dialog)
    dialog.national_id_edit.setText(nid(2))
    assert dialog.holder_note.text() == "زهرا احمدی"
    dialog.platform_combo.setCurrentText("دیجی‌کالا")
    dialog.shop_url_edit.setText("not a shop")
    dialog.onboarded_edit.setDate(TODAY + dt.timedelta(days=5))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    errors = dialog.errors.messages()
    assert "نشانی فروشگاه درست نیست" in errors["shop_url"]
    assert "آینده" in errors["onboarded_on"]
    save_screenshot(dialog, "markets_channel_errors")
    dialog.shop_url_edit.setText("https://www.digikala.com/seller/zahra")
    dialog.onboarded_edit.setDate(TODAY)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.saved_id is not None and dialog.errors.messages() == {}
    with db.session() as s:
        assert {r.platform for r in list_channels(s)} == {"باسلام", "دیوار", "دیجی‌کالا"}
    assert panel.model.rowCount() == 2  # the list reloaded (active only)


def test_a_contract_gets_deliveries_and_its_fulfilment_in_the_dialog(
    qtbot: QtBot, ctx: AppContext, db: Database, office: OfficeInfo
) -> None:
    _seed(db)
    screen = _screen(qtbot, ctx)
    screen.tabs.setCurrentWidget(screen.contracts)
    panel = screen.contracts
    assert panel.model.rowCount() == 1
    assert panel.model.text(0, 5) == "۱۸۵٬۰۰۰ تومان"
    assert panel.model.text(0, 8) == "۲۵٪"
    save_screenshot(screen, "markets_contracts")

    _select_row(panel.table, 0)
    dialog = panel.on_edit_button_clicked()
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.price_note.text() == "۱۸۵٬۰۰۰ تومان"
    assert "۲۵٪" in dialog.fulfilment_label.text()
    dialog.delivery_day_edit.setDate(TODAY)
    dialog.delivery_quantity_edit.setText("۳۵۰")
    qtbot.mouseClick(dialog.add_delivery_button, Qt.MouseButton.LeftButton)
    assert "۱۱۲٪" in dialog.fulfilment_label.text()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "بیشتر است" in dialog.errors.messages()["over_reason"]
    save_screenshot(dialog, "markets_contract_dialog")
    dialog.over_reason_edit.setText("سفارش افزوده خریدار")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.saved_id is not None
    with db.session() as s:
        [row] = list_contracts(s)
    assert row.delivered == 450 and row.over_reason == "سفارش افزوده خریدار"
    assert panel.model.text(0, 8) == "۱۱۲٪"


def test_a_new_contract_reports_every_bad_field(
    qtbot: QtBot, ctx: AppContext, db: Database, office: OfficeInfo
) -> None:
    _seed(db)
    screen = _screen(qtbot, ctx)
    dialog = screen.contracts.on_new_button_clicked()
    qtbot.waitExposed(dialog)
    dialog.buyer_kind_combo.setCurrentIndex(dialog.buyer_kind_combo.findData("bank_platform"))
    assert dialog.buyer_name_combo.isVisibleTo(dialog)
    assert not dialog.buyer_supporter_combo.isVisibleTo(dialog)
    assert dialog.buyer_name_combo.currentText() == "سکوی بانک رفاه کارگران"
    dialog.seller_nid_edit.setText(nid(9))
    dialog.quantity_edit.setText("0")
    dialog.price_edit.setText("12.345")
    dialog.start_edit.setDate(TODAY)
    dialog.end_edit.setDate(TODAY - dt.timedelta(days=1))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    errors = dialog.errors.messages()
    assert set(errors) >= {"seller_national_id", "product", "quantity", "unit_price", "end_date"}
    with db.session() as s:
        assert len(list_contracts(s)) == 1


def test_a_supporters_page_shows_its_networks_channels_and_contracts(
    qtbot: QtBot, ctx: AppContext, db: Database, office: OfficeInfo
) -> None:
    from app.services.licences.records import PersonInput
    from app.services.supporters.records import MemberInput
    from app.services.supporters.service import SupporterService
    from app.views.supporter_page import SupporterPage

    supporter_id = _seed(db)
    with db.session() as s:
        SupporterService(s).add_member(
            supporter_id,
            MemberInput(
                PersonInput(national_id=nid(1), first_name="نرگس", last_name="جعفری"),
                joined_on=TODAY - dt.timedelta(days=30),
            ),
        )
    page = SupporterPage(ctx, supporter_id)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    tab = page.markets_tab
    page.tabs.setCurrentWidget(tab)
    # The member's channel (not the other holder's) and the contract the supporter buys under.
    assert [r.holder for r in tab.channels_model.rows()] == ["نرگس جعفری"]
    assert tab.contracts_model.rowCount() == 1
    assert "۷۴٬۰۰۰٬۰۰۰ تومان" in tab.summary_label.text()
    save_screenshot(page, "markets_supporter_page")
    dialog = tab.on_new_contract_button_clicked()
    qtbot.waitExposed(dialog)
    assert dialog.seller_supporter_combo.value() == supporter_id
    assert dialog.seller_supporter_combo.isVisibleTo(dialog)
    dialog.buyer_kind_combo.setCurrentIndex(dialog.buyer_kind_combo.findData("company"))
    dialog.buyer_name_combo.setCurrentText("فروشگاه‌های زنجیره‌ای شهروند")
    dialog.product_edit.setText("گلیم دستباف")
    dialog.unit_combo.setCurrentIndex(dialog.unit_combo.findData("piece"))
    dialog.quantity_edit.setText("۲۰")
    dialog.price_edit.setText("۲۵۰۰۰۰۰")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.saved_id is not None, dialog.errors.messages()
    assert tab.contracts_model.rowCount() == 2  # reloaded: records changed


def test_a_bazaars_sellers_get_their_booth_and_sales(
    qtbot: QtBot, ctx: AppContext, db: Database, office: OfficeInfo
) -> None:
    from tests.services.markets.test_bazaar import _bazaar

    event_id, first, _second = _bazaar(db)
    screen = _screen(qtbot, ctx)
    screen.tabs.setCurrentWidget(screen.bazaars)
    panel = screen.bazaars
    assert panel.current_event() is not None and panel.current_event().id == event_id  # type: ignore[union-attr]
    assert panel.model.rowCount() == 2
    row = next(i for i, s in enumerate(panel.model.rows()) if s.participant_id == first)
    assert panel.model.text(row, 3) == "۲ از ۳"
    _select_row(panel.table, row)
    panel.sales_edit.setText("-5")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert "sales" in panel.errors.messages()
    panel.booth_edit.setText("غرفه ۷")
    panel.sales_edit.setText("۲۴۰۰۰۰۰")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    seller = next(s for s in panel.model.rows() if s.participant_id == first)
    assert (seller.booth, seller.sales) == ("غرفه 7", 24_000_000)
    assert "۲٬۴۰۰٬۰۰۰ تومان" in panel.total_label.text()
    row = next(i for i, s in enumerate(panel.model.rows()) if s.participant_id == first)
    _select_row(panel.table, row)
    save_screenshot(screen, "markets_bazaar")


def test_each_panel_imports_and_exports_its_own_kind(
    qtbot: QtBot, ctx: AppContext, db: Database, office: OfficeInfo
) -> None:
    screen = _screen(qtbot, ctx)
    for panel, name in ((screen.channels, "channels"), (screen.contracts, "contracts")):
        assert panel.sheets.kind.name == name
        dialog = panel.sheets.on_import_button_clicked()
        qtbot.waitExposed(dialog)
        assert dialog.kind.name == name  # type: ignore[attr-defined]
        dialog.close()


def test_a_channel_and_a_contract_recorded_by_mistake_are_removed(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.views.widgets import messages

    asked: list[str] = []

    def confirm(_parent: object, _title: str, text: str, **_kw: object) -> bool:
        asked.append(text)
        return True

    monkeypatch.setattr(messages, "confirm", confirm)
    _seed(db)
    screen = _screen(qtbot, ctx)
    channels, contracts = screen.channels, screen.contracts
    _select_row(channels.table, 0)
    assert channels.delete_button.isEnabled()
    channels.on_delete_button_clicked()
    assert channels.model.rowCount() == 1  # reloaded: records changed
    _select_row(contracts.table, 0)
    contracts.on_delete_button_clicked()
    assert contracts.model.rowCount() == 0
    assert "حذف شود" in asked[0] and "ترشی لیته" in asked[1]
    with db.session() as s:
        assert len(list_channels(s)) == 1 and list_contracts(s) == []
