"""The person page's file: one person's licences, networks, events and certificates,
whichever record it is reached from."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import Person
from app.services.core.db import Database
from app.services.events.records import ParticipantInput
from app.services.events.service import EventService
from app.services.person_file import person_file_of
from common.errors import DomainError
from tests.services.events.event_support import create as create_event
from tests.services.person_support import (
    HOLDER,
    a_person_with_everything,
    with_facility_and_markets,
)
from tests.services.supporter_fixtures import issue, nid


def test_the_file_gathers_every_record_of_the_person(db: Database) -> None:
    first, supporter, event, member, other, participant = a_person_with_everything(db)
    case, channel, contract = with_facility_and_markets(db, first)
    with db.session() as session:
        file = person_file_of(session, "licence", first.id)
    assert [row.id for row in file.facilities] == [case]
    assert [row.id for row in file.channels] == [channel]
    assert [row.id for row in file.contracts] == [contract]
    assert file.bazaars == []
    assert file.person.national_id == HOLDER and file.person.full_name == "زهرا احمدی"
    assert len(file.licences) == 2 and file.active_licences == 2
    assert first.id in {row.id for row in file.licences}
    assert [row.supporter_id for row in file.networks] == [supporter.id]
    assert file.networks[0].supporter_name == supporter.name and file.active_networks == 1
    assert [(row.event_id, row.days_present) for row in file.events] == [(event.id, 1)]
    assert [row.licence_id for row in file.certificates] == [first.id]
    # The same file, whichever record leads to it.
    with db.session() as session:
        for via, record_id in (("member", member.id), ("participant", participant.id)):
            assert person_file_of(session, via, record_id).person.id == file.person.id
        assert person_file_of(session, "person", file.person.id).licences == file.licences
        # The other member: a network, no licence, no event.
        theirs = person_file_of(session, "member", other.id)
    assert theirs.person.national_id == nid(4343)
    assert (len(theirs.licences), len(theirs.networks), len(theirs.events)) == (0, 1, 0)


def test_a_participant_registered_by_national_id_finds_the_holder_later(db: Database) -> None:
    event = create_event(db)
    with db.session() as session:
        participant = EventService(session).register(
            event.id, ParticipantInput(national_id=nid(5151), first_name="سارا", last_name="نیک")
        )
    with db.session() as session, pytest.raises(DomainError, match="پرونده‌ای ندارد"):
        person_file_of(session, "participant", participant.id)
    issue(db, nid(5151), kind="مستقل", first_name="سارا", last_name="نیک")
    with db.session() as session:
        file = person_file_of(session, "participant", participant.id)
        person = session.scalar(select(Person).where(Person.national_id == nid(5151)))
    assert person is not None and file.person.id == person.id
    assert [row.participant_id for row in file.events] == [participant.id]


def test_an_unknown_record_is_a_clear_message(db: Database) -> None:
    with db.session() as session, pytest.raises(DomainError, match="دیگر در دفتر نیست"):
        person_file_of(session, "licence", "00000000-0000-0000-0000-000000000000")
