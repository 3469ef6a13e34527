"""``daftar demo``'s supporters, networks and events: made through the services, so
every row obeys the rules a clerk's entry would."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from app.models import (
    Event,
    EventAttendance,
    EventParticipant,
    Licence,
    NetworkMember,
    OutboxOperation,
    Supporter,
)
from app.models.event import PARTICIPANT_REGISTERED
from app.services import demo
from app.services.core.db import Database
from app.services.supporters.service import SupporterService
from common import jalali
from common.validators import validate_legal_id, validate_sheba
from tests.accounts_support import act_as


def test_demo_networks_and_events_follow_the_rules(db: Database) -> None:
    with db.session() as s:
        demo.generate(s, 800, seed=5)
    with db.session() as s:
        made = demo.generate_networks_and_events(s, 800, seed=5)
    supporters, members, events, participants = made
    assert supporters == 3 and members > 0 and events == 8 and participants > 0
    today = jalali.today()
    with db.session() as s:
        service = SupporterService(s)
        for supporter in s.scalars(select(Supporter)):
            licence = s.get(Licence, supporter.licence_id)
            assert licence is not None and licence.kind == "supporter"
            validate_sheba(supporter.sheba)
            if supporter.kind == "legal":
                validate_legal_id(supporter.legal_id)
            active = s.scalars(
                select(NetworkMember).where(
                    NetworkMember.supporter_id == supporter.id, NetworkMember.left_on.is_(None)
                )
            ).all()
            assert len(active) <= supporter.capacity
            for member in active:
                # Each current member holds an active licence in the network's fields.
                assert service.has_field_licence(member.person_id, supporter, today)
                assert member.override_reason == ""
        for event in s.scalars(select(Event)):
            assert event.end_date >= event.start_date
            registered = s.scalar(
                select(func.count())
                .select_from(EventParticipant)
                .where(
                    EventParticipant.event_id == event.id,
                    EventParticipant.status == PARTICIPANT_REGISTERED,
                )
            )
            assert registered is not None and registered <= event.capacity
            days = s.scalars(
                select(EventAttendance.day).where(EventAttendance.event_id == event.id)
            )
            assert all(event.start_date <= day <= min(event.end_date, today) for day in days)
            assert json.loads(event.field_ids)
        # Everything waits in the outbox for the first sync.
        tables = set(s.scalars(select(OutboxOperation.table_name).distinct()))
        assert {"supporter", "network_member", "event", "event_participant"} <= tables
    with db.session() as s:
        assert demo.generate_networks_and_events(s, 800, seed=6)[0] == 3
        # A second run takes other supporter-kind licences: none serves two supporters.
        licence_ids = list(s.scalars(select(Supporter.licence_id)))
        assert len(licence_ids) == len(set(licence_ids)) == 6


def test_demo_in_a_province_office(tmp_path: Path) -> None:
    from app.services.core import reference
    from app.services.core.db import open_database
    from app.services.core.office import OfficeInput, setup_office

    database = act_as(open_database(tmp_path / "province.sqlite3"))
    try:
        with database.session() as s:
            reference.seed_reference_data(s)
            s.flush()
            province = next(p for p in reference.list_provinces(s) if p.name == "فارس")
            setup_office(s, OfficeInput(province.id, None, "اداره کل فارس", "71", 5))
            demo.generate(s, 300, seed=2)
        with database.session() as s:
            events = demo.generate_networks_and_events(s, 300, seed=2)[2]
            fars = {c.id for c in reference.list_counties(s, province.id)}
            event_counties = set(s.scalars(select(Event.county_id)))
            licence_counties = set(s.scalars(select(Licence.county_id)))
            supporter_counties = set(s.scalars(select(Supporter.county_id)))
            member_counties = set(s.scalars(select(NetworkMember.county_id)))
        assert events == 8
        # Spread over the province's counties, and never outside the province.
        assert len(event_counties) > 1 and event_counties <= fars
        assert len(licence_counties) > 1 and licence_counties <= fars
        assert supporter_counties <= fars and member_counties <= fars
    finally:
        database.close()


def test_demo_of_a_county_office_stays_in_its_county(db: Database) -> None:
    """The fixture's office is the county office of Tehran: every demo record lies in
    its county, none in the province's other counties."""
    from app.services.core.office import require_office

    with db.session() as s:
        demo.generate(s, 500, seed=3)
    with db.session() as s:
        demo.generate_networks_and_events(s, 500, seed=3)
    with db.session() as s:
        county = require_office(s).county_id
        for model in (Licence, Supporter, NetworkMember, Event):
            counties = set(s.scalars(select(model.county_id)))
            assert counties == {county}, model.__tablename__


def test_demo_in_a_database_without_office_sets_up_tehran(tmp_path: Path) -> None:
    from app.services.core.db import open_database
    from app.services.core.office import require_office

    database = act_as(open_database(tmp_path / "new.sqlite3"))
    try:
        with database.session() as s:
            assert demo.generate(s, 50, seed=1) == 50
        with database.session() as s:
            office = require_office(s)
            assert (office.province_name, office.county_name) == ("تهران", "تهران")
            assert set(s.scalars(select(Licence.county_id))) == {office.county_id}
    finally:
        database.close()


def test_demo_market_records_follow_the_rules(db: Database) -> None:
    from app.services.markets.demo import generate_markets
    from app.services.markets.queries import list_channels, list_contracts

    with db.session() as s:
        demo.generate(s, 800, seed=5)
    with db.session() as s:
        demo.generate_networks_and_events(s, 800, seed=5)
    with db.session() as s:
        channels, contracts, sellers = generate_markets(s, 800, seed=5)
    assert channels > 0 and contracts == 3, (channels, contracts, sellers)
    assert sellers > 0  # the past bazaars' sellers got a booth and their sales
    with db.session() as s:
        assert len(list_channels(s)) == channels
        rows = list_contracts(s)
        assert len(rows) == contracts
        for row in rows:
            assert row.seller_supporter_id and row.quantity > 0 and row.unit_price > 0
            assert all(
                row.start_date <= d.day <= min(row.end_date, jalali.today()) for d in row.deliveries
            )
        tables = set(s.scalars(select(OutboxOperation.table_name).distinct()))
        assert {"sales_channel", "purchase_contract"} <= tables


def test_demo_facility_cases_follow_the_rules(db: Database) -> None:
    """Demo cases pass the facility rules (they are opened through the service), spread
    over the stages, some late, paid ones with a Sheba; a second run adds others."""
    from app.services.facilities.queries import list_cases
    from app.services.facilities.records import FacilityFilter

    with db.session() as s:
        demo.generate(s, 200, seed=3)
    with db.session() as s:
        assert demo.generate_facility_cases(s, 40, seed=3) == 40
    with db.session() as s:
        rows = list_cases(s, FacilityFilter())
        assert len(rows) == 40 and len({r.licence_number for r in rows}) == 40
        assert len({r.stage for r in rows}) >= 4
        assert any(r.days_late > 0 for r in rows)
        assert demo.generate_facility_cases(s, 10, seed=3) == 10
