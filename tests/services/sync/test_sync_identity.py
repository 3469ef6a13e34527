"""One holder per national ID (one supporter per legal ID) on every office after sync.

docs/sync-protocol.md, "One holder per national ID": the server folds a second
registration of the same national (legal) ID into the first; identical values merge
silently, differing ones become conflicts at the office whose push met them; holders
registered twice before the server indexed identities are folded when it is upgraded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from app.models import Licence, Person, Supporter
from app.services.supporters.records import SupporterInput
from app.services.supporters.service import SupporterService
from app.services.sync.review import SyncReviewService
from server.db import fold_identities
from server.models import RecordAlias
from tests.server import rows
from tests.services.sync.sync_support import Office, issue_licence, national_id


def _people(office: Office) -> dict[str, int]:
    """National ID → how many local holders carry it."""
    with office.db.session() as session:
        return dict(
            session.execute(
                select(Person.national_id, func.count())
                .where(Person.deleted.is_(False))
                .group_by(Person.national_id)
            ).all()
        )


def _conflicts(office: Office) -> list[Any]:
    with office.db.session() as session:
        return SyncReviewService(session).conflicts()


def test_thirty_holders_registered_at_two_desks_become_thirty_people(
    office_factory: Callable[..., Office],
) -> None:
    a, b = office_factory("a"), office_factory("b")
    ids = [national_id(500 + n) for n in range(30)]
    for n, nid in enumerate(ids):
        a.issue(nid, last_name="کریمی")
        # 25 typed identically at the other desk; 5 with another address.
        extra = {"address": "نیاوران، کوچه سوم"} if n >= 25 else {}
        issue_licence(b.db, nid, last_name="کریمی", **extra)
    assert a.sync().conflicts == 0
    report = b.sync()
    assert report.conflicts == 5  # one per differing field, at the office that met it
    assert report.quarantined == 0
    a.sync()
    for office in (a, b):
        people = _people(office)
        assert sorted(people) == sorted(ids)
        assert set(people.values()) == {1}  # one person per national ID
        assert office.count(Licence) == 60  # both desks' licences, under those people
    assert _conflicts(a) == []
    conflicts = _conflicts(b)
    assert len(conflicts) == 5 and {c.field for c in conflicts} == {"address"}
    assert {c.kind for c in conflicts} == {"field"}
    # Resolved at b ("keep mine"), the address reaches a.
    with b.db.session() as session:
        review = SyncReviewService(session)
        for conflict in review.conflicts():
            review.resolve(conflict.id, "mine")
    b.sync()
    a.sync()
    with a.db.session() as session:
        addresses = dict(session.execute(select(Person.national_id, Person.address)).all())
    assert {addresses[nid] for nid in ids[25:]} == {"نیاوران، کوچه سوم"}


def _legal_supporter(office: Office, legal_id: str, nid: str) -> str:
    """A legal-entity supporter (and its licence) registered at ``office``."""
    licence_id = issue_licence(office.db, nid, last_name="مدیرعامل", kind="پشتیبان")
    with office.db.session() as session:
        licence = session.get(Licence, licence_id)
        assert licence is not None
        detail = SupporterService(session).create(
            SupporterInput(
                kind="legal",
                licence_number=licence.number,
                legal_name="تعاونی فرش",
                legal_id=legal_id,
                registration_no="12345",
                sheba="IR820540102680020817909002",
                field_id=licence.field_id,
                county_id=licence.county_id,
                capacity="40",
            )
        )
        return detail.id


def test_the_same_legal_id_is_one_supporter_everywhere(
    office_factory: Callable[..., Office],
) -> None:
    a, b = office_factory("a"), office_factory("b")
    legal_id = rows.legal_id(4242)
    first = _legal_supporter(a, legal_id, national_id(901))
    second = _legal_supporter(b, legal_id, national_id(902))
    a.sync()
    b.sync()
    a.sync()
    for office in (a, b):
        with office.db.session() as session:
            supporters = session.scalars(
                select(Supporter).where(Supporter.deleted.is_(False))
            ).all()
            assert [s.id for s in supporters] == [first]
    assert second != first
    # b's copy named its own licence: that one differing field waits at b.
    assert {c.field for c in _conflicts(b)} == {"licence_id"}
    assert _conflicts(a) == []


def test_holders_registered_twice_before_the_upgrade_are_folded(
    office_factory: Callable[..., Office], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The state an older server left: two records with one national ID, a `duplicate`
    at each office. The upgrade finds them (as migration 0005 does) and folds them."""
    import server.push as push_module

    a, b = office_factory("a"), office_factory("b")
    nid = national_id(777)
    from_a = a.issue(nid, last_name="کریمی")
    from_b = b.issue(nid, last_name="کریمی‌زاده")
    # An older server stored both: no identity was looked up.
    monkeypatch.setattr(push_module, "holder", lambda *args: None)
    a.sync()
    b.sync()
    a.sync()
    monkeypatch.undo()
    assert [c.kind for c in _conflicts(a)] == ["duplicate"]
    assert [c.kind for c in _conflicts(b)] == ["duplicate"]
    kept, folded = a.person(from_a).id, b.person(from_b).id
    with Session(engine) as session, session.begin():
        # What migration 0005 records for such a pair (tested below on the migration).
        session.add(
            RecordAlias(table_name="person", alias_id=folded, canonical_id=kept, office_id="o")
        )
    assert fold_identities(engine) == 1
    assert fold_identities(engine) == 0  # done once
    b.sync()
    a.sync()
    for office in (a, b):
        assert _people(office) == {nid: 1}
        assert office.person(from_a).id == office.person(from_b).id == kept
    assert _conflicts(a) == []
    # b made the folded copy: its differing field waits there, the server's value shows.
    (conflict,) = _conflicts(b)
    assert (conflict.field, conflict.kind) == ("last_name", "field")
    assert "کریمی‌زاده" in conflict.mine
    assert b.person(from_b).last_name == "کریمی"
    with b.db.session() as session:
        SyncReviewService(session).resolve(conflict.id, "mine")
        pending = session.scalar(text("SELECT count(*) FROM outbox WHERE table_name = 'conflict'"))
        assert pending == 0  # raised here: nothing to tell the server
    b.sync()
    a.sync()
    assert a.person(from_a).last_name == "کریمی‌زاده"
