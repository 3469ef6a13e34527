"""MarketService: sales channels and guaranteed-purchase contracts, their rules, lists and
the office's list of platforms."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from app.models import OutboxOperation
from app.services.core.access import AccessDenied
from app.services.core.db import Database
from app.services.licences.records import PersonInput
from app.services.markets import platforms
from app.services.markets.queries import get_contract, list_channels, list_contracts
from app.services.markets.records import (
    FULFILMENT_DONE,
    FULFILMENT_NONE,
    FULFILMENT_PARTIAL,
    ChannelFilter,
    ChannelInput,
    ContractFilter,
    ContractInput,
    Delivery,
)
from app.services.markets.service import MarketService, toman_to_rials
from app.services.supporters.records import MemberInput
from app.services.supporters.service import SupporterService
from common import jalali
from common.errors import ValidationError, ValidationErrors
from tests.accounts_support import TEST_CLERK, TEST_VIEWER, act_as
from tests.services.supporter_fixtures import county_id, issue, make_supporter, nid

TODAY = jalali.today()
START = TODAY - dt.timedelta(days=60)
END = TODAY + dt.timedelta(days=120)


def _ops(db: Database, table: str) -> list[tuple[str, dict[str, list[object]]]]:
    with db.session() as s:
        rows = s.execute(
            select(OutboxOperation.op, OutboxOperation.changes)
            .where(OutboxOperation.table_name == table)
            .order_by(OutboxOperation.seq)
        )
        return [(op, json.loads(changes)) for op, changes in rows]


def _channel(national_id: str, **kw: object) -> ChannelInput:
    values: dict[str, object] = dict(
        national_id=national_id,
        platform="باسلام",
        shop_name="ترشی مادربزرگ",
        shop_url="basalam.com/torshi",
        onboarded_on=jalali.format_jalali(TODAY - dt.timedelta(days=5), persian_digits=False),
    )
    values.update(kw)
    return ChannelInput(**values)  # type: ignore[arg-type]


def _contract(**kw: object) -> ContractInput:
    values: dict[str, object] = dict(
        buyer_kind="company",
        buyer_name="شرکت پخش البرز",
        seller_kind="holder",
        seller_national_id=nid(1),
        product="رب گوجه",
        unit="kg",
        quantity="۵۰۰",
        unit_price_toman="۱۲۰٬۰۰۰",
        start_date=START,
        end_date=END,
    )
    values.update(kw)
    return ContractInput(**values)  # type: ignore[arg-type]


def _errors(db: Database, call: object) -> dict[str, str]:
    with db.session() as s, pytest.raises(ValidationErrors) as caught:
        call(MarketService(s))  # type: ignore[operator]
    return caught.value.by_field()


# -- channels -------------------------------------------------------------------------


def test_a_channel_is_recorded_in_the_holders_county_and_queued(db: Database) -> None:
    holder = issue(db, nid(1), kind="مستقل", first_name="نرگس", last_name="جعفری")
    with db.session() as s:
        channel_id = MarketService(s).add_channel(_channel(nid(1)))
    [(op, changes)] = _ops(db, "sales_channel")
    assert op == "insert"
    assert changes["shop_url"] == [None, "https://basalam.com/torshi"]
    assert changes["county_id"] == [None, county_id(db)]
    assert changes["person_id"] == [None, holder.holder.id]
    with db.session() as s:
        [row] = list_channels(s)
    assert (row.id, row.holder, row.platform, row.active) == (
        channel_id,
        "نرگس جعفری",
        "باسلام",
        True,
    )


def test_every_bad_channel_field_is_reported_at_once_and_nothing_saved(db: Database) -> None:
    issue(db, nid(1), kind="مستقل")
    future = TODAY + dt.timedelta(days=3)
    bad = _channel(nid(1), platform=" ", shop_url="not a url", onboarded_on=future)
    problems = _errors(db, lambda svc: svc.add_channel(bad))
    assert set(problems) == {"platform", "shop_url", "onboarded_on"}
    assert "آینده" in problems["onboarded_on"]
    unknown = _errors(db, lambda svc: svc.add_channel(_channel(nid(2))))
    assert "ثبت نیست" in unknown["national_id"]
    assert _ops(db, "sales_channel") == []


def test_channels_are_edited_deactivated_and_removed_through_the_outbox(db: Database) -> None:
    issue(db, nid(1), kind="مستقل")
    with db.session() as s:
        channel_id = MarketService(s).add_channel(_channel(nid(1)))
    with db.session() as s:
        MarketService(s).edit_channel(channel_id, _channel(nid(1), platform="دیجی‌کالا"))
    with db.session() as s:
        MarketService(s).set_channel_active(channel_id, False)
    with db.session() as s:
        assert list_channels(s, ChannelFilter(active_only=True)) == []
        [row] = list_channels(s, ChannelFilter(platform="دیجی‌کالا"))
        assert not row.active
        MarketService(s).delete_channel(channel_id)
    ops = _ops(db, "sales_channel")
    assert [op for op, _c in ops] == ["insert", "update", "update", "update"]
    assert ops[1][1] == {"platform": ["باسلام", "دیجی‌کالا"]}
    assert ops[2][1] == {"active": [True, False]}
    assert ops[3][1] == {"deleted": [False, True]}
    with db.session() as s:
        assert list_channels(s) == []


def test_a_supporters_page_lists_its_current_members_channels(db: Database) -> None:
    supporter = make_supporter(db)
    member = issue(db, nid(3), kind="مستقل")
    issue(db, nid(4), kind="مستقل")
    with db.session() as s:
        SupporterService(s).add_member(
            supporter.id,
            MemberInput(
                person=PersonInput(national_id=nid(3), first_name="زهرا", last_name="احمدی"),
                role="تولیدکننده",
                joined_on=TODAY - dt.timedelta(days=10),
            ),
        )
        service = MarketService(s)
        service.add_channel(_channel(nid(3)))
        service.add_channel(_channel(nid(4), platform="دیوار"))
    with db.session() as s:
        [row] = list_channels(s, ChannelFilter(supporter_id=supporter.id))
        assert row.person_id == member.holder.id


# -- contracts ------------------------------------------------------------------------


def test_a_contract_stores_rials_and_reports_its_fulfilment(db: Database) -> None:
    issue(db, nid(1), kind="مستقل", first_name="نرگس", last_name="جعفری")
    delivered = Delivery(TODAY - dt.timedelta(days=10), 125, " بار اول ")
    with db.session() as s:
        contract_id = MarketService(s).add_contract(_contract(deliveries=(delivered,)))
    [(op, changes)] = _ops(db, "purchase_contract")
    assert op == "insert"
    assert changes["unit_price"] == [None, 1_200_000]  # 120,000 tomans in rials
    assert changes["quantity"] == [None, 500]
    with db.session() as s:
        row = get_contract(s, contract_id)
    assert row is not None
    assert row.seller == "نرگس جعفری" and row.buyer == "شرکت پخش البرز"
    assert row.deliveries == (Delivery(delivered.day, 125, "بار اول"),)
    assert row.fulfilment == 25.0
    assert row.fulfilment_text == "۲۵٪"
    assert row.unit_price_text == "۱۲۰٬۰۰۰ تومان"
    assert row.quantity_text == "۵۰۰ کیلوگرم"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"quantity": "0"}, "quantity", "بیشتر از صفر"),
        ({"unit_price_toman": "-5"}, "unit_price", "بیشتر از صفر"),
        ({"unit_price_toman": "abc"}, "unit_price", "عدد صحیح مثبت"),
        ({"end_date": START - dt.timedelta(days=1)}, "end_date", "پیش از شروع"),
        ({"buyer_name": ""}, "buyer_name", "خریدار"),
        ({"product": ""}, "product", "کالا"),
        ({"seller_national_id": ""}, "seller_national_id", "فروشنده"),
        (
            {"deliveries": (Delivery(START - dt.timedelta(days=1), 10),)},
            "deliveries",
            "دوره قرارداد",
        ),
        (
            {"deliveries": (Delivery(TODAY + dt.timedelta(days=2), 10),)},
            "deliveries",
            "آینده",
        ),
        (
            {"deliveries": (Delivery(TODAY, 400), Delivery(TODAY, 101))},
            "over_reason",
            "بیشتر است",
        ),
    ],
)
def test_a_contract_with_a_bad_field_is_refused_on_that_field(
    db: Database, change: dict[str, object], field: str, words: str
) -> None:
    issue(db, nid(1), kind="مستقل")
    problems = _errors(db, lambda svc: svc.add_contract(_contract(**change)))
    assert field in problems, problems
    assert words in problems[field]
    assert _ops(db, "purchase_contract") == []


def test_over_delivery_is_accepted_with_a_reason(db: Database) -> None:
    issue(db, nid(1), kind="مستقل")
    over = (Delivery(TODAY, 400), Delivery(TODAY, 150))
    with db.session() as s:
        contract_id = MarketService(s).add_contract(
            _contract(deliveries=over, over_reason="خریدار مقدار بیشتری خواست")
        )
    with db.session() as s:
        row = get_contract(s, contract_id)
        assert row is not None and row.fulfilment == 110.0
        assert list_contracts(s, ContractFilter(fulfilment=FULFILMENT_DONE)) == [row]


def test_contracts_filter_by_buyer_fulfilment_and_network(db: Database) -> None:
    supporter = make_supporter(db)
    issue(db, nid(1), kind="مستقل")
    with db.session() as s:
        service = MarketService(s)
        by_company = service.add_contract(_contract())
        by_supporter = service.add_contract(
            _contract(
                buyer_kind="supporter",
                buyer_supporter_id=supporter.id,
                buyer_name="",
                deliveries=(Delivery(TODAY, 10),),
            )
        )
        for_network = service.add_contract(
            _contract(
                seller_kind="network",
                seller_supporter_id=supporter.id,
                seller_national_id="",
                quantity="10",
                deliveries=(Delivery(TODAY, 10),),
            )
        )
    with db.session() as s:

        def ids(flt: ContractFilter) -> set[str]:
            return {row.id for row in list_contracts(s, flt)}

        assert ids(ContractFilter(buyer_kind="company")) == {by_company, for_network}
        assert ids(ContractFilter(buyer="البرز")) == {by_company, for_network}
        assert ids(ContractFilter(fulfilment=FULFILMENT_NONE)) == {by_company}
        assert ids(ContractFilter(fulfilment=FULFILMENT_PARTIAL)) == {by_supporter}
        assert ids(ContractFilter(fulfilment=FULFILMENT_DONE)) == {for_network}
        assert ids(ContractFilter(supporter_id=supporter.id)) == {by_supporter, for_network}
        [network_row] = list_contracts(s, ContractFilter(fulfilment=FULFILMENT_DONE))
        assert network_row.seller == f"شبکه {supporter.name}"


def test_editing_a_contract_records_a_delivery(db: Database) -> None:
    issue(db, nid(1), kind="مستقل")
    with db.session() as s:
        contract_id = MarketService(s).add_contract(_contract())
    with db.session() as s:
        MarketService(s).edit_contract(
            contract_id, _contract(deliveries=(Delivery(TODAY, 50, "تحویل انبار"),))
        )
    ops = _ops(db, "purchase_contract")
    assert [op for op, _c in ops] == ["insert", "update"]
    assert set(ops[1][1]) == {"deliveries"}
    with db.session() as s:
        MarketService(s).delete_contract(contract_id)
        assert list_contracts(s) == []


def test_typed_tomans_become_rials() -> None:
    assert toman_to_rials("۱۲۰٬۰۰۰") == 1_200_000
    assert toman_to_rials("12,500.5") == 125_005
    assert toman_to_rials(7) == 70
    assert toman_to_rials("") is None
    for bad in ("0", "1.25", "12a"):
        with pytest.raises(ValidationError):
            toman_to_rials(bad)


# -- who may, and the platforms --------------------------------------------------------


def test_a_clerk_records_market_access_and_a_viewer_may_not(db: Database) -> None:
    issue(db, nid(1), kind="مستقل")
    act_as(db, TEST_CLERK)
    with db.session() as s:
        MarketService(s).add_channel(_channel(nid(1)))
    act_as(db, TEST_VIEWER)
    with db.session() as s, pytest.raises(AccessDenied):
        MarketService(s).add_contract(_contract())


def test_the_office_edits_its_list_of_platforms(db: Database) -> None:
    with db.session() as s:
        assert platforms.list_platforms(s)[:2] == ["دیجی‌کالا", "باسلام"]
        saved = platforms.set_platforms(s, ["  باسلام ", "بازارچه محلی", "باسلام", ""])
    assert saved == ["باسلام", "بازارچه محلی"]
    with db.session() as s:
        assert platforms.list_platforms(s) == saved
        with pytest.raises(ValidationError):
            platforms.set_platforms(s, [" "])
    act_as(db, TEST_CLERK)
    with db.session() as s, pytest.raises(AccessDenied):
        platforms.set_platforms(s, ["دیوار"])
