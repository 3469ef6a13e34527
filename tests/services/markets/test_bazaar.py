"""Seasonal bazaars: a seller's booth, days attended and reported sales (markets.bazaar)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.models import OutboxOperation
from app.services.core.db import Database
from app.services.events.service import EventService
from app.services.markets.bazaar import BazaarService, bazaar_events, bazaar_sellers, parse_sales
from common.errors import DomainError, ValidationErrors
from tests.services.events.event_support import NID_A, NID_B, create
from tests.services.supporter_fixtures import issue


def _bazaar(db: Database) -> tuple[str, str, str]:
    issue(db, NID_A, kind="مستقل", first_name="نرگس", last_name="جعفری")
    event = create(db, kind="بازارچه فصلی", title="بازارچه نوروزی", capacity="10")
    with db.session() as s:
        service = EventService(s)
        first = service.register_holder(event.id, NID_A).id
        for day in ("1405/02/05", "1405/02/06"):
            service.set_attendance(first, day)
    with db.session() as s:
        from app.services.events.records import ParticipantInput

        second = EventService(s).register(event.id, ParticipantInput(NID_B, "زهرا", "احمدی")).id
    return event.id, first, second


def test_a_sellers_booth_days_and_sales_are_recorded_and_synced(db: Database) -> None:
    event_id, first, second = _bazaar(db)
    with db.session() as s:
        assert [e.id for e in bazaar_events(s)] == [event_id]
        seller = BazaarService(s).record_seller(first, " غرفه ۱۲ ", "۳٬۵۰۰٬۰۰۰")
    assert (seller.booth, seller.days_attended, seller.sales) == ("غرفه 12", 2, 35_000_000)
    assert seller.sales_text == "۳٬۵۰۰٬۰۰۰ تومان"
    with db.session() as s:
        BazaarService(s).record_seller(second, "غرفه ۳", "0")
        sellers = {x.participant_id: x for x in bazaar_sellers(s, event_id)}
        last = s.scalars(
            select(OutboxOperation.changes)
            .where(OutboxOperation.row_id == first, OutboxOperation.op == "update")
            .order_by(OutboxOperation.seq.desc())
        ).first()
    assert sellers[second].sales == 0 and sellers[second].days_attended == 0
    assert json.loads(last or "{}") == {"booth": ["", "غرفه 12"], "sales": [None, 35_000_000]}


def test_bad_sales_and_other_events_are_refused(db: Database) -> None:
    _event_id, first, _second = _bazaar(db)
    with db.session() as s, pytest.raises(ValidationErrors) as caught:
        BazaarService(s).record_seller(first, "غرفه با نامی بسیار بلند " * 3, "-12")
    assert set(caught.value.by_field()) == {"booth", "sales"}
    workshop = create(db, title="کارگاه")
    with db.session() as s:
        participant = EventService(s).register_holder(workshop.id, NID_A).id
    with db.session() as s, pytest.raises(DomainError):
        BazaarService(s).record_seller(participant, "۱", "۱۰")
    assert parse_sales("") is None and parse_sales("۰") == 0 and parse_sales("12.5") == 125


def test_a_holders_bazaars_for_the_person_page(db: Database) -> None:
    from app.services.licences.service import LicenceService
    from app.services.markets.bazaar import holder_bazaars

    event_id, first, _second = _bazaar(db)
    with db.session() as s:
        BazaarService(s).record_seller(first, "۵", "۱۰۰۰")
        person = LicenceService(s).find_person(NID_A)
        assert person is not None
        [item] = holder_bazaars(s, person.id)
    assert item.event.id == event_id and item.event.days == 3
    assert (item.seller.booth, item.seller.days_attended, item.seller.sales) == ("5", 2, 10_000)


def test_sellers_are_listed_by_booth_in_natural_order(db: Database) -> None:
    event_id, first, second = _bazaar(db)
    with db.session() as s:
        BazaarService(s).record_seller(first, "غرفه 10", "")
        BazaarService(s).record_seller(second, "غرفه 2", "")
        assert [x.booth for x in bazaar_sellers(s, event_id)] == ["غرفه 2", "غرفه 10"]
