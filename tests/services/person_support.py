"""A person the office knows in every way (the person page's tests)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.services.certificates.service import CertificateService
from app.services.core.db import Database
from app.services.events.records import ParticipantInput
from app.services.events.service import EventService
from app.services.facilities.service import FacilityService
from app.services.licences.records import PersonInput
from app.services.markets.records import ChannelInput, ContractInput
from app.services.markets.service import MarketService
from app.services.supporters.records import MemberInput
from app.services.supporters.service import SupporterService
from tests.services.events.event_support import create as create_event
from tests.services.facility_support import case_input
from tests.services.supporter_fixtures import county_id, issue, make_supporter, nid

HOLDER = nid(4242)


def a_person_with_everything(db: Database) -> tuple[Any, ...]:
    """A holder with two licences, in a network, registered in an event (present one
    day), with a certificate printed; another person in the same network."""
    first = issue(db, HOLDER, kind="مستقل", first_name="زهرا", last_name="احمدی")
    issue(db, HOLDER, kind="مستقل", field_index=1, first_name="زهرا", last_name="احمدی")
    supporter = make_supporter(db)
    event = create_event(db)
    with db.session() as session:
        members = SupporterService(session)
        member = members.add_member(
            supporter.id,
            MemberInput(
                PersonInput(national_id=HOLDER), county_id=county_id(db), joined_on=dt.date.today()
            ),
        )
        other = members.add_member(
            supporter.id,
            MemberInput(
                PersonInput(national_id=nid(4343), first_name="علی", last_name="رضایی"),
                county_id=county_id(db),
                joined_on=dt.date.today(),
            ),
            override_reason="عضو بی‌مجوز آزمایشی",
        )
        events = EventService(session)
        participant = events.register(event.id, ParticipantInput(national_id=HOLDER))
        events.set_attendance(participant.id, event.start_date)
        CertificateService(session).licence_certificates([first.id])
    return first, supporter, event, member, other, participant


def with_facility_and_markets(db: Database, licence: Any) -> tuple[str, str, str]:
    """For the holder of ``licence`` (from :func:`a_person_with_everything`): a facility
    case on it, a sales channel and a guaranteed-purchase contract; their ids."""
    today = dt.date.today()
    with db.session() as session:
        case = FacilityService(session).open_case(
            case_input(licence.number, dates={"requested_on": today - dt.timedelta(days=3)}),
            today=today,
        )
        markets = MarketService(session)
        channel = markets.add_channel(
            ChannelInput(
                national_id=HOLDER,
                platform="باسلام",
                shop_name="ترشی مادربزرگ",
                onboarded_on=today - dt.timedelta(days=5),
            )
        )
        contract = markets.add_contract(
            ContractInput(
                buyer_kind="company",
                buyer_name="شرکت پخش البرز",
                seller_national_id=HOLDER,
                product="رب گوجه",
                unit="kg",
                quantity=500,
                unit_price_toman=120_000,
                start_date=today - dt.timedelta(days=30),
                end_date=today + dt.timedelta(days=60),
            )
        )
    return case.id, channel, contract
