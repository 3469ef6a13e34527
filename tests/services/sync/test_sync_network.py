"""Supporter networks, events and closure days syncing between offices (issue 5 tables).

Offices are real SQLite databases set up from the in-process server, as in
test_sync_client.py. Rows are written with the ORM and queued with app.services.core.outbox
the way the services do, so these tests depend only on the models and the sync code.

Scope rules under test (docs/sync-protocol.md, Scope): a supporter is seen in its county
and in every county where its network has a live member; members follow their
supporter; a supporter's licence (with its holder and history) follows the supporter; a
person is seen wherever a member or event participant naming them is; events, closure
days and their rows stay in their county; an attendance certificate follows its
participant's event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.models import (
    CertificateIssue,
    ClosureDay,
    Event,
    EventAttendance,
    EventParticipant,
    Licence,
    LicenceHistory,
    NetworkMember,
    OutboxOperation,
    Person,
    Supporter,
    SyncConflict,
    SyncMixin,
    new_id,
)
from app.models.sync import OP_DELETE
from app.services.core import reference
from app.services.core.db import Database
from app.services.core.outbox import json_value, operation_row, record_insert, record_update
from app.services.sync.client import run_sync
from app.services.sync.report import SyncReport
from app.services.sync.review import SyncReviewService
from app.services.sync.setup import setup_from_server
from app.services.sync.transport import Transport
from common.protocol import PushOperation
from common.text import search_key
from common.vocabulary import Permission
from tests.accounts_support import HEAD_INPUT, granted
from tests.server import rows
from tests.services.sync.sync_support import issue_licence, national_id

BASE = "http://localhost"
SHEMIRANAT, REY, TEHRAN = "شمیرانات", "ری", "تهران"


class Office:
    """A client office: its database and a transport to the in-process server."""

    def __init__(self, db: Database, transport: Transport) -> None:
        self.db = db
        self.transport = transport

    def sync(self) -> SyncReport:
        report = run_sync(self.db, transport=self.transport)
        assert report.complete and report.quarantined == 0
        return report

    def issue(self, nid: str, *, county: str = SHEMIRANAT, last_name: str = "کریمی") -> str:
        return issue_licence(self.db, nid, county=county, last_name=last_name)

    def holder_of(self, licence_id: str) -> str:
        with self.db.session() as session:
            licence = session.get(Licence, licence_id)
            assert licence is not None
            return licence.person_id

    def county_id(self, name: str) -> str:
        with self.db.session() as session:
            return next(c.id for c in reference.list_counties(session) if c.name == name)

    def add(self, row: SyncMixin) -> str:
        """Insert a synced row and queue it, as the services do."""
        with self.db.session() as session:
            granted(session, Permission.EVENTS)
            session.add(row)
            session.flush()
            record_insert(session, row)
            return row.id

    def edit(self, model: type[SyncMixin], row_id: str, **values: Any) -> None:
        with self.db.session() as session:
            granted(session, Permission.EVENTS)
            row = session.get(model, row_id)
            assert row is not None
            changes = {
                name: [json_value(getattr(row, name)), json_value(value)]
                for name, value in values.items()
            }
            for name, value in values.items():
                setattr(row, name, value)
            base_rev = row.rev
            row.rev = base_rev + 1
            record_update(session, row, base_rev, changes)

    def delete(self, model: type[SyncMixin], row_id: str) -> None:
        with self.db.session() as session:
            granted(session, Permission.EVENTS)
            row = session.get(model, row_id)
            assert row is not None
            base_rev = row.rev
            row.deleted = True
            row.rev = base_rev + 1
            table = getattr(model, "__tablename__")  # noqa: B009 - mixin has no attribute
            session.add(OutboxOperation(**operation_row(table, row_id, OP_DELETE, base_rev, {})))

    def get(self, model: type[SyncMixin], row_id: str) -> Any:
        with self.db.session() as session:
            row = session.get(model, row_id)
            if row is not None:
                session.expunge(row)
            return row

    def live(self, model: type[SyncMixin], row_id: str) -> bool:
        row = self.get(model, row_id)
        return row is not None and not row.deleted

    def count(self, model: type[SyncMixin]) -> int:
        with self.db.session() as session:
            return int(
                session.scalar(
                    select(func.count()).select_from(model).where(model.deleted.is_(False))
                )
                or 0
            )

    def dangling(self) -> list[Any]:
        """Rows whose foreign keys point at rows this office does not have."""
        with self.db.engine.connect() as conn:
            return list(conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall())


@pytest.fixture
def office_factory(
    client: TestClient, enrol: Callable[..., Any], tmp_path: Path
) -> Iterator[Callable[..., Office]]:
    opened: list[Database] = []

    def make(name: str, county: str | None = SHEMIRANAT) -> Office:
        enrolled = enrol("تهران", county, f"اداره {name}")
        transport = Transport(BASE, enrolled.token, client=client)
        db, _report = setup_from_server(
            tmp_path / f"{name}.sqlite3", BASE, enrolled.token, transport=transport, head=HEAD_INPUT
        )
        opened.append(db)
        return Office(db, transport)

    yield make
    for db in opened:
        db.close()


def _supporter(office: Office, licence_id: str, county: str = SHEMIRANAT) -> Supporter:
    licence = office.get(Licence, licence_id)
    return Supporter(
        id=new_id(),
        kind="legal",
        licence_id=licence_id,
        legal_name="تعاونی سفال شمیران",
        legal_id=rows.legal_id(),
        registration_no="12345",
        sheba="IR820540102680020817909002",
        field_id=licence.field_id,
        county_id=office.county_id(county),
        capacity=50,
        mobile="09121110000",
    )


def _member(office: Office, supporter_id: str, person_id: str, county: str) -> NetworkMember:
    return NetworkMember(
        id=new_id(),
        supporter_id=supporter_id,
        person_id=person_id,
        county_id=office.county_id(county),
        joined_on=dt.date(2025, 5, 1),
    )


@pytest.fixture
def network(office_factory: Callable[..., Office]) -> dict[str, Any]:
    """Offices of Shemiranat, Rey, Tehran (county) and Tehran province; a supporter of
    Shemiranat with a member in Shemiranat, and a member in Rey added by the province."""
    shemiranat = office_factory("shemiranat")
    rey = office_factory("rey", county=REY)
    tehran = office_factory("tehran", county=TEHRAN)
    province = office_factory("province", county=None)
    supporter_licence = shemiranat.issue(national_id(1), last_name="پشتیبان‌زاده")
    member_licence = shemiranat.issue(national_id(2), last_name="سفالگر")
    supporter = shemiranat.add(_supporter(shemiranat, supporter_licence))
    first = shemiranat.add(
        _member(shemiranat, supporter, shemiranat.holder_of(member_licence), SHEMIRANAT)
    )
    shemiranat.sync()
    province.sync()
    rey_licence = province.issue(national_id(3), county=REY, last_name="ریگی")
    second = province.add(_member(province, supporter, province.holder_of(rey_licence), REY))
    province.sync()
    return {
        "shemiranat": shemiranat,
        "rey": rey,
        "tehran": tehran,
        "province": province,
        "supporter": supporter,
        "supporter_licence": supporter_licence,
        "member_licence": member_licence,
        "rey_licence": rey_licence,
        "first": first,
        "second": second,
    }


def test_a_network_reaches_every_county_with_a_member(network: dict[str, Any]) -> None:
    shemiranat, rey, tehran = network["shemiranat"], network["rey"], network["tehran"]
    rey.sync()
    shemiranat.sync()
    tehran.sync()
    for office in (shemiranat, rey):
        assert office.live(Supporter, network["supporter"])
        assert office.live(NetworkMember, network["first"])
        assert office.live(NetworkMember, network["second"])
        # Every member's holder, the supporter's licence and its holder came along.
        assert office.live(Person, shemiranat.holder_of(network["member_licence"]))
        assert office.live(Person, network["province"].holder_of(network["rey_licence"]))
        assert office.live(Licence, network["supporter_licence"])
        assert office.live(Person, shemiranat.holder_of(network["supporter_licence"]))
        assert office.dangling() == []
    # Rey does not get the Shemiranat member's own licence, nor Shemiranat Rey's licence.
    assert rey.get(Licence, network["member_licence"]) is None
    assert shemiranat.get(Licence, network["rey_licence"]) is None
    assert rey.count(LicenceHistory) >= 2  # the supporter's licence and Rey's own
    # The pulled supporter is searchable: its key holds its licence holder's name.
    row = rey.get(Supporter, network["supporter"])
    assert search_key("پشتیبان‌زاده") in row.search_key
    assert search_key("تعاونی سفال شمیران") in row.search_key
    # A county without a member sees none of it.
    assert tehran.count(Supporter) == tehran.count(NetworkMember) == 0
    assert tehran.count(Licence) == tehran.count(Person) == 0


def test_an_edit_of_a_member_merges_into_the_other_office(network: dict[str, Any]) -> None:
    shemiranat, rey = network["shemiranat"], network["rey"]
    rey.sync()
    shemiranat.sync()
    second = network["second"]
    shemiranat.edit(NetworkMember, second, role="trainer")
    rey.edit(NetworkMember, second, override_reason="تأیید رئیس اداره")
    shemiranat.sync()
    assert rey.sync().conflicts == 0
    shemiranat.sync()
    for office in (shemiranat, rey):
        member = office.get(NetworkMember, second)
        assert (member.role, member.override_reason) == ("trainer", "تأیید رئیس اداره")
    # The same field changed in both: a conflict labelled in Persian.
    shemiranat.edit(NetworkMember, second, leave_reason="جابه‌جایی")
    rey.edit(NetworkMember, second, leave_reason="انصراف")
    shemiranat.sync()
    assert rey.sync().conflicts == 1
    with rey.db.session() as session:
        (conflict,) = SyncReviewService(session).conflicts()
        assert conflict.field_label == "دلیل خروج"
        assert conflict.mine == "انصراف" and conflict.theirs == "جابه‌جایی"
        assert "عضو شبکه" in conflict.record_label and "ریگی" in conflict.record_label
        SyncReviewService(session).resolve(conflict.id, "mine")
    rey.sync()
    shemiranat.sync()
    assert shemiranat.get(NetworkMember, second).leave_reason == "انصراف"
    assert rey.get(NetworkMember, second).leave_reason == "انصراف"


def test_a_member_in_a_new_county_brings_the_network_and_leaving_takes_it(
    network: dict[str, Any],
) -> None:
    shemiranat, rey, province = network["shemiranat"], network["rey"], network["province"]
    rey.sync()
    assert rey.live(Supporter, network["supporter"])
    # A second member in Rey: leaving (left_on) keeps the network visible there.
    extra = province.issue(national_id(4), county=REY, last_name="دهقان")
    third = province.add(_member(province, network["supporter"], province.holder_of(extra), REY))
    province.sync()
    province.edit(NetworkMember, network["second"], left_on=dt.date(2025, 9, 1))
    province.sync()
    rey.sync()
    shemiranat.sync()
    assert rey.live(NetworkMember, third) and shemiranat.live(NetworkMember, third)
    assert rey.get(NetworkMember, network["second"]).left_on == dt.date(2025, 9, 1)
    # Both Rey members deleted for good: the network leaves Rey, with what came with it.
    province.delete(NetworkMember, network["second"])
    province.delete(NetworkMember, third)
    province.sync()
    rey.sync()
    assert not rey.live(Supporter, network["supporter"])
    assert not rey.live(NetworkMember, network["first"])
    assert not rey.live(Licence, network["supporter_licence"])
    assert not rey.live(Person, shemiranat.holder_of(network["member_licence"]))
    # Rey's own holders and licences stay.
    assert rey.live(Licence, network["rey_licence"])
    assert rey.live(Person, province.holder_of(network["rey_licence"]))
    # Shemiranat keeps the network (its county) and gets the tombstones.
    shemiranat.sync()
    assert shemiranat.live(Supporter, network["supporter"])
    assert shemiranat.live(NetworkMember, network["first"])
    assert shemiranat.get(NetworkMember, third).deleted
    assert shemiranat.get(NetworkMember, network["second"]).deleted
    assert shemiranat.dangling() == []


def test_an_event_travels_within_its_county_only(office_factory: Callable[..., Office]) -> None:
    a, b = office_factory("a"), office_factory("b")
    rey = office_factory("rey", county=REY)
    licence = a.issue(national_id(5), last_name="نقاش")
    event = a.add(
        Event(
            id=new_id(),
            code="0101-E-0001",
            kind="workshop",
            title="کارگاه سفالگری",
            venue="فرهنگسرای نیاوران",
            instructor="استاد رضایی",
            county_id=a.county_id(SHEMIRANAT),
            start_date=dt.date(2025, 6, 1),
            end_date=dt.date(2025, 6, 2),
            capacity=20,
        )
    )
    holder = a.get(Person, a.holder_of(licence))
    registered = a.add(
        EventParticipant(
            id=new_id(),
            event_id=event,
            person_id=holder.id,
            national_id=holder.national_id,
            first_name=holder.first_name,
            last_name=holder.last_name,
        )
    )
    walk_in = a.add(
        EventParticipant(
            id=new_id(),
            event_id=event,
            person_id=None,
            national_id=national_id(6),
            first_name="زهرا",
            last_name="امینی",
        )
    )
    for participant in (registered, walk_in):
        a.add(
            EventAttendance(
                id=new_id(), event_id=event, participant_id=participant, day=dt.date(2025, 6, 1)
            )
        )
    certificate = a.add(
        CertificateIssue(
            id=new_id(),
            licence_id=None,
            participant_id=registered,
            serial="0101-A-C-000001",
            kind="attendance",
            actor="clerk",
        )
    )
    a.sync()
    b.sync()
    rey.sync()
    assert b.live(Event, event)
    assert b.live(EventParticipant, registered) and b.live(EventParticipant, walk_in)
    assert b.count(EventAttendance) == 2
    assert b.get(CertificateIssue, certificate).participant_id == registered
    assert b.dangling() == []
    assert search_key("سفالگری") in b.get(Event, event).search_key
    # Another county sees none of it.
    assert rey.count(Event) == rey.count(EventParticipant) == rey.count(EventAttendance) == 0
    assert rey.count(CertificateIssue) == 0
    # Attendance marked in b reaches a.
    b.edit(EventAttendance, _attendance_of(b, walk_in), present=False)
    b.sync()
    a.sync()
    assert a.get(EventAttendance, _attendance_of(a, walk_in)).present is False


def test_a_sync_reports_the_kinds_of_records_it_wrote(
    office_factory: Callable[..., Office],
) -> None:
    """SyncReport.changed_kinds: the screens to refresh after a sync, and only those."""
    a, b = office_factory("a"), office_factory("b")
    # Licences only: holders, licences and their history entries.
    member_licence = a.issue(national_id(21), last_name="نقاش")
    supporter_licence = a.issue(national_id(22), last_name="پشتیبان‌زاده")
    loner_licence = a.issue(national_id(23), last_name="تنها")
    a.sync()
    assert b.sync().changed_kinds == {"licences"}
    assert b.sync().changed_kinds == set()  # nothing new
    # An event with a participant (a holder b has already): events only.
    member = a.holder_of(member_licence)
    event = a.add(
        Event(
            id=new_id(),
            code="0101-E-0009",
            kind="workshop",
            title="کارگاه",
            county_id=a.county_id(SHEMIRANAT),
            start_date=dt.date(2025, 6, 1),
            end_date=dt.date(2025, 6, 1),
            capacity=10,
        )
    )
    holder = a.get(Person, member)
    a.add(
        EventParticipant(
            id=new_id(),
            event_id=event,
            person_id=member,
            national_id=holder.national_id,
            first_name=holder.first_name,
            last_name=holder.last_name,
        )
    )
    a.sync()
    assert b.sync().changed_kinds == {"events"}
    # A supporter with that holder in its network: supporters only.
    supporter = a.add(_supporter(a, supporter_licence))
    a.add(_member(a, supporter, member, SHEMIRANAT))
    a.sync()
    assert b.sync().changed_kinds == {"supporters"}
    # The holder edited: the register, the network and the event all show them.
    a.edit(Person, member, mobile="09351112233")
    a.sync()
    assert b.sync().changed_kinds == {"licences", "supporters", "events"}
    # The supporter's licence edited: the register and the supporter's page.
    a.edit(Licence, supporter_licence, activity_address="تجریش، بازارچه")
    a.sync()
    assert b.sync().changed_kinds == {"licences", "supporters"}
    # A holder in no network and no event: the register only.
    a.edit(Person, a.holder_of(loner_licence), mobile="09127778899")
    a.sync()
    assert b.sync().changed_kinds == {"licences"}


def _attendance_of(office: Office, participant_id: str) -> str:
    with office.db.session() as session:
        return str(
            session.scalar(
                select(EventAttendance.id).where(EventAttendance.participant_id == participant_id)
            )
        )


def test_a_participants_holder_and_the_organiser_are_seen_where_the_event_is(
    office_factory: Callable[..., Office],
) -> None:
    shemiranat = office_factory("shemiranat")
    rey = office_factory("rey", county=REY)
    province = office_factory("province", county=None)
    licence = shemiranat.issue(national_id(7), last_name="یزدانی")
    organiser_licence = shemiranat.issue(national_id(11), last_name="برگزار")
    organiser = shemiranat.add(_supporter(shemiranat, organiser_licence))
    shemiranat.sync()
    province.sync()
    holder = province.get(Person, province.holder_of(licence))
    event = province.add(
        Event(
            id=new_id(),
            code="23-E-0001",
            kind="bazaar",
            title="بازارچه نوروزی",
            organiser_supporter_id=organiser,
            county_id=province.county_id(REY),
            start_date=dt.date(2026, 3, 1),
            end_date=dt.date(2026, 3, 10),
            capacity=40,
        )
    )
    participant = province.add(
        EventParticipant(
            id=new_id(),
            event_id=event,
            person_id=holder.id,
            national_id=holder.national_id,
            first_name=holder.first_name,
            last_name=holder.last_name,
        )
    )
    province.sync()
    rey.sync()
    assert rey.live(EventParticipant, participant)
    assert rey.live(Person, holder.id)  # the holder came with the registration
    assert rey.get(Licence, licence) is None  # but not the licence
    # The organiser (a supporter of Shemiranat with no member in Rey) came too.
    assert rey.live(Supporter, organiser) and rey.live(Licence, organiser_licence)
    assert rey.dangling() == []
    # The event is cancelled for good: the organiser leaves Rey again.
    province.delete(Event, event)
    province.sync()
    rey.sync()
    assert not rey.live(Supporter, organiser)
    assert rey.get(Event, event).deleted


def test_duplicate_event_codes_become_a_duplicate_conflict(
    office_factory: Callable[..., Office],
) -> None:
    a, b = office_factory("a"), office_factory("b")

    def event(office: Office, title: str) -> str:
        event_id = office.add(
            Event(
                id=new_id(),
                code="0101-E-0001",  # both offices offline, one county prefix
                kind="workshop",
                title=title,
                county_id=office.county_id(SHEMIRANAT),
                start_date=dt.date(2025, 7, 1),
                end_date=dt.date(2025, 7, 1),
                capacity=10,
            )
        )
        office.add(
            EventParticipant(
                id=new_id(),
                event_id=event_id,
                national_id=national_id(8),
                first_name="علی",
                last_name="رضوی",
            )
        )
        return event_id

    from_a = event(a, "کارگاه بسته‌بندی")
    from_b = event(b, "کارگاه فروش اینترنتی")
    a.sync()
    report = b.sync()  # the page with a's event is applied, not failed
    assert report.conflicts == 1
    assert b.live(Event, from_b) and b.get(Event, from_a) is None
    with b.db.session() as session:
        (conflict,) = SyncReviewService(session).conflicts()
        assert conflict.kind == "duplicate" and conflict.table == "event"
        assert conflict.field_label == "کد رویداد"
        assert "کارگاه فروش اینترنتی" in conflict.mine
        SyncReviewService(session).resolve(conflict.id, "mine")
    assert a.sync().conflicts == 1  # and the other way round
    assert b.sync().conflicts == 0
    with b.db.session() as session:
        assert session.scalar(select(func.count()).select_from(SyncConflict)) == 1


def test_closure_days_stay_in_their_county(office_factory: Callable[..., Office]) -> None:
    a, b = office_factory("a"), office_factory("b")
    rey = office_factory("rey", county=REY)
    province = office_factory("province", county=None)
    day = a.add(
        ClosureDay(
            id=new_id(), county_id=a.county_id(SHEMIRANAT), day=dt.date(2025, 8, 10), reason="سیل"
        )
    )
    rey_day = rey.add(
        ClosureDay(id=new_id(), county_id=rey.county_id(REY), day=dt.date(2025, 8, 11))
    )
    outside = a.add(ClosureDay(id=new_id(), county_id=a.county_id(REY), day=dt.date(2025, 8, 12)))
    report = run_sync(a.db, transport=a.transport)
    assert report.quarantined == 1  # another county's closure day is not this office's
    with a.db.session() as session:
        (rejected,) = SyncReviewService(session).quarantined()
        assert rejected.record_label.startswith("روز تعطیل") and "حوزه" in rejected.reason
    rey.sync()
    b.sync()
    province.sync()
    assert b.live(ClosureDay, day) and b.get(ClosureDay, rey_day) is None
    assert rey.live(ClosureDay, rey_day) and rey.get(ClosureDay, day) is None
    assert rey.get(ClosureDay, outside) is None
    assert province.live(ClosureDay, day) and province.live(ClosureDay, rey_day)
    b.edit(ClosureDay, day, reason="سیل و قطع برق")
    b.sync()
    run_sync(a.db, transport=a.transport)  # its rejected day stays quarantined
    assert a.get(ClosureDay, day).reason == "سیل و قطع برق"


def test_an_office_that_sees_a_network_may_extend_it_but_others_may_not(
    network: dict[str, Any],
) -> None:
    rey, tehran = network["rey"], network["tehran"]
    rey.sync()
    # Rey sees the Shemiranat supporter (a member of its own): it may add a member there.
    local = rey.issue(national_id(9), county=REY, last_name="کاشانی")
    added = rey.add(_member(rey, network["supporter"], rey.holder_of(local), REY))
    rey.sync()
    network["shemiranat"].sync()
    assert network["shemiranat"].live(NetworkMember, added)
    # Tehran does not see it: a member it pushes for it is rejected.
    holder = tehran.holder_of(tehran.issue(national_id(10), county=TEHRAN))
    tehran.sync()
    for county in (TEHRAN, SHEMIRANAT):
        row = _member(tehran, network["supporter"], holder, county)
        (result,) = tehran.transport.push(
            [
                PushOperation.model_validate(
                    {
                        "op_id": new_id(),
                        "table": "network_member",
                        "row_id": row.id,
                        "op": "insert",
                        "base_rev": 0,
                        "changes": {
                            "supporter_id": [None, row.supporter_id],
                            "person_id": [None, row.person_id],
                            "county_id": [None, row.county_id],
                            "role": [None, "producer"],
                            "joined_on": [None, "2025-05-01"],
                        },
                    }
                )
            ]
        )
        assert result.status == "rejected", county
    # Nor may it edit the supporter.
    (result,) = tehran.transport.push(
        [
            PushOperation.model_validate(
                {
                    "op_id": new_id(),
                    "table": "supporter",
                    "row_id": network["supporter"],
                    "op": "update",
                    "base_rev": 1,
                    "changes": {"capacity": [50, 60]},
                }
            )
        ]
    )
    assert result.status == "rejected"
    assert tehran.count(Supporter) == 0


def test_a_supporter_conflict_is_shown_with_persian_labels(network: dict[str, Any]) -> None:
    # The supporter's county office and its province office both own the supporter.
    shemiranat, province = network["shemiranat"], network["province"]
    province.sync()
    shemiranat.sync()
    supporter = network["supporter"]
    shemiranat.edit(Supporter, supporter, status="suspended", capacity=40)
    province.edit(Supporter, supporter, mobile="09127770000")
    province.edit(Supporter, supporter, capacity=45)
    shemiranat.sync()
    assert province.sync().conflicts == 1
    with province.db.session() as session:
        (conflict,) = SyncReviewService(session).conflicts()
        assert conflict.field_label == "ظرفیت"
        assert (conflict.mine, conflict.theirs) == ("۴۵", "۴۰")
        assert conflict.record_label == "پشتیبان تعاونی سفال شمیران"
    row = province.get(Supporter, supporter)
    assert (row.status, row.mobile, row.capacity) == ("suspended", "09127770000", 40)
    assert "09127770000" in row.search_key  # rebuilt after the pull
