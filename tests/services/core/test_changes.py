"""What a unit of work changed: the kinds of records real service calls write."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select

from app.models import Base, Licence, Setting
from app.services.certificates.service import CertificateService
from app.services.core import changes, reference
from app.services.core.changes import committed_kinds, committed_tables
from app.services.core.db import Database
from app.services.core.office import CertificateSettings, require_office, set_certificate_settings
from app.services.events.service import EventService
from app.services.licences.bulk import NewLicence, NewPerson, insert_people_and_licences
from app.services.licences.records import PersonInput
from app.services.licences.service import LicenceService
from app.services.supporters.records import MemberInput
from app.services.supporters.service import SupporterService
from common.vocabulary import RecordKind
from tests.accounts_support import granted
from tests.services.conftest import issue_test_licence
from tests.services.events.event_support import event_input
from tests.services.supporter_fixtures import make_supporter, nid

LICENCES = {RecordKind.LICENCES, RecordKind.SYNC}


def test_every_table_has_a_kind_or_is_internal() -> None:
    tables = set(Base.metadata.tables)
    assert tables == set(changes.TABLE_KINDS) | changes.INTERNAL_TABLES
    assert not set(changes.TABLE_KINDS) & changes.INTERNAL_TABLES


def test_reading_changes_nothing(db: Database) -> None:
    issue_test_licence(db)
    with db.session() as session:
        require_office(session)
        licence = session.scalars(select(Licence)).one()
        licence.status = licence.status  # set to what it was: not a change
    assert committed_tables(session) == frozenset()
    assert committed_kinds(session) == frozenset()


def test_suspending_a_licence(db: Database) -> None:
    detail = issue_test_licence(db)
    with db.session() as session:
        LicenceService(session).suspend(detail.id, "عدم فعالیت")
    assert committed_tables(session) == {"licence", "licence_history", "outbox"}
    assert committed_kinds(session) == LICENCES


def test_a_certificate_changes_certificates_and_the_licence_history(db: Database) -> None:
    detail = issue_test_licence(db)
    with db.session() as session:
        CertificateService(session).licence_certificates([detail.id])
    assert committed_kinds(session) == {
        RecordKind.CERTIFICATES,
        RecordKind.LICENCES,
        RecordKind.SYNC,
    }
    assert "counter" in committed_tables(session)  # the serial: internal, no kind


def test_supporters_and_their_members(db: Database) -> None:
    supporter = make_supporter(db)
    with db.session() as session:
        SupporterService(session).suspend(supporter.id, "دلیل")
    assert committed_kinds(session) == {RecordKind.SUPPORTERS, RecordKind.SYNC}
    with db.session() as session:
        SupporterService(session).reactivate(supporter.id)
        SupporterService(session).add_member(
            supporter.id,
            MemberInput(
                PersonInput(national_id=nid(7), first_name="زهرا", last_name="احمدی"),
                county_id=supporter.county_id,
                joined_on=dt.date.today(),
            ),
            override_reason="عضو آزمایشی",
        )
    # A member registered on the spot is a new person: the register knows them too.
    assert committed_kinds(session) == {RecordKind.SUPPORTERS, RecordKind.LICENCES, RecordKind.SYNC}


def test_events_and_closure_days(db: Database) -> None:
    with db.session() as session:
        EventService(session).create(event_input(db))
    assert committed_kinds(session) == {RecordKind.EVENTS, RecordKind.SYNC}
    with db.session() as session:
        EventService(session).add_closure_day("1405/02/10", "تعطیلی اداره")
    assert committed_kinds(session) == {RecordKind.EVENTS, RecordKind.SYNC}


def test_office_settings(db: Database) -> None:
    with db.session() as session:
        set_certificate_settings(session, CertificateSettings("زهرا احمدی", "مدیر کل", None))
    assert committed_kinds(session) == {RecordKind.OFFICE}


def test_a_rollback_forgets_what_was_not_committed(db: Database) -> None:
    detail = issue_test_licence(db)
    with pytest.raises(RuntimeError), db.session() as session:
        LicenceService(session).suspend(detail.id, "عدم فعالیت")
        session.flush()
        assert changes.written_tables(session) == {"licence", "licence_history", "outbox"}
        raise RuntimeError("the clerk's action failed")
    assert committed_kinds(session) == frozenset()
    assert changes.written_tables(session) == frozenset()


def test_statements_and_writes_outside_the_session_are_counted(db: Database) -> None:
    with db.session() as session:
        granted(session)
        session.execute(insert(Setting), [{"key": "probe", "value": "1"}])
    assert committed_kinds(session) == {RecordKind.OFFICE}
    # The bulk writer of imports bypasses SQLAlchemy and notes its tables itself.
    with db.session() as session:
        granted(session)
        office = require_office(session)
        field = reference.list_fields(session)[0]
        county = next(c for c in reference.list_counties(session) if c.name == "تهران")
        person = NewPerson(national_id=nid(4), first_name="علی", last_name="رضایی")
        person.id = "0190b4f0-0000-7000-8000-000000000004"
        licence = NewLicence(
            person_id=person.id,
            number="0612-777777",
            kind="independent",
            field_id=field.id,
            county_id=county.id,
            activity_address="",
            issue_date=dt.date(2025, 1, 1),
            expiry_date=dt.date(2030, 1, 1),
        )
        insert_people_and_licences(
            session, [person], [licence], office_id=office.id, actor="clerk", action="imported"
        )
    assert committed_tables(session) == {"person", "licence", "licence_history", "outbox"}
    assert committed_kinds(session) == LICENCES


def test_kinds_of_ignores_internal_and_unknown_tables() -> None:
    assert changes.kinds_of(["counter", "alembic_version", "event_attendance"]) == {
        RecordKind.EVENTS
    }
