"""Market records syncing between offices: a channel and a contract recorded by the
holder's county office reach the province office (which may record a delivery that comes
back), and no other county; a network's contract arrives with its supporter present (no
dangling reference at the office that pulls it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from app.models import Person, PurchaseContract, SalesChannel, Supporter
from app.services.markets.queries import get_contract, list_channels
from app.services.markets.records import ChannelInput, ContractInput, Delivery
from app.services.markets.service import MarketService
from common import jalali
from tests.services.sync.sync_support import national_id
from tests.services.sync.test_sync_network import (  # noqa: F401 - fixtures
    REY,
    Office,
    network,
    office_factory,
)

TODAY = jalali.today()


def _contract(**kw: Any) -> ContractInput:
    values: dict[str, Any] = dict(
        buyer_kind="bank_platform",
        buyer_name="سکوی بانک رفاه کارگران",
        product="سفال لعابی",
        unit="piece",
        quantity="200",
        unit_price_toman="450000",
        start_date=TODAY - dt.timedelta(days=30),
        end_date=TODAY + dt.timedelta(days=90),
    )
    values.update(kw)
    return ContractInput(**values)


def test_market_records_travel_within_their_county_and_province(
    office_factory: Callable[..., Office],  # noqa: F811 - the imported fixture
) -> None:
    shemiranat = office_factory("shemiranat")
    rey = office_factory("rey", county=REY)
    province = office_factory("province", county=None)
    holder = shemiranat.holder_of(shemiranat.issue(national_id(5), last_name="سفالگر"))
    with shemiranat.db.session() as s:
        service = MarketService(s)
        channel = service.add_channel(
            ChannelInput(national_id(5), "باسلام", "سفال شمیران", "", TODAY)
        )
        contract = service.add_contract(_contract(seller_national_id=national_id(5)))
    shemiranat.sync()
    province.sync()
    rey.sync()
    assert province.live(SalesChannel, channel) and province.live(PurchaseContract, contract)
    assert province.live(Person, holder) and province.dangling() == []
    assert rey.get(SalesChannel, channel) is None and rey.get(PurchaseContract, contract) is None
    # The province office records a delivery; it comes back to the county office.
    with province.db.session() as s:
        row = get_contract(s, contract)
        assert row is not None
        MarketService(s).edit_contract(
            contract,
            _contract(
                seller_national_id=national_id(5), deliveries=(Delivery(TODAY, 80, "انبار"),)
            ),
        )
    province.sync()
    shemiranat.sync()
    with shemiranat.db.session() as s:
        synced = get_contract(s, contract)
        assert synced is not None and synced.fulfilment == 40.0
        assert [c.platform for c in list_channels(s)] == ["باسلام"]


def test_a_networks_contract_arrives_with_its_supporter(network: dict[str, Any]) -> None:  # noqa: F811
    shemiranat, province = network["shemiranat"], network["province"]
    shemiranat.sync()
    with shemiranat.db.session() as s:
        contract = MarketService(s).add_contract(
            _contract(seller_kind="network", seller_supporter_id=network["supporter"])
        )
    shemiranat.sync()
    province.sync()
    assert province.live(PurchaseContract, contract)
    assert province.live(Supporter, network["supporter"]) and province.dangling() == []


def test_a_market_conflict_names_its_fields_in_persian() -> None:
    from app.services.sync.review import TABLE_LABELS, SyncReviewService

    assert TABLE_LABELS["purchase_contract"] == "قرارداد خرید تضمینی"
    label = SyncReviewService._field_label
    assert label("purchase_contract", "deliveries") == "تحویل‌ها"
    assert label("sales_channel", "shop_url") == "نشانی فروشگاه"
    assert label("event_participant", "sales") == "فروش گزارش‌شده"
