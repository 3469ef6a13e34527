"""The sync client (app.services.sync: client, push, pull, setup) against the real server
app, in process.

Each office is a real SQLite database set up from the server (``setup_from_server``);
the transport talks to the FastAPI app through starlette's TestClient, so every request
goes through the same routing, validation and database code as over the network
(tests/services/sync/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.models import Licence, OutboxOperation, Person, SyncConflict
from app.services.core import reference
from app.services.core.office import get_setting
from app.services.licences.service import LicenceService
from app.services.sync.client import POOL_SIZE, SyncClient, pool_remaining, run_sync
from app.services.sync.errors import SyncError
from app.services.sync.pull import PULL_PAGE
from app.services.sync.report import sync_status
from app.services.sync.settings import KEY_CURSOR
from app.services.sync.transport import Transport
from common.protocol import PullResponse, PushOperation, PushResult
from tests.services.sync.sync_support import (
    BASE,
    Office,
    issue_licence_outside_scope,
    national_id,
    update_licence,
)


def test_setup_from_server_creates_the_office(office_factory: Callable[..., Office]) -> None:
    office = office_factory("a")
    with office.db.session() as session:
        from app.services.core.office import require_office

        info = require_office(session)
        assert info.name == "اداره a"
        assert info.county_name == "شمیرانات"
        assert info.licence_prefix == info.licence_prefix.strip() != ""
        assert pool_remaining(session) == POOL_SIZE
        status = sync_status(session)
        assert status.configured and status.last_sync_at is not None
        assert status.pending == 0 and status.conflicts == 0
        assert len(reference.list_fields(session)) > 200


def test_a_licence_travels_to_another_office(office_factory: Callable[..., Office]) -> None:
    a, b = office_factory("a"), office_factory("b")
    licence_id = a.issue("0067749828", last_name="یزدانی")
    report = a.sync()
    assert report.pushed == a.count(OutboxOperation) + report.pushed  # outbox emptied
    assert a.count(OutboxOperation) == 0
    report_b = b.sync()
    assert report_b.pulled >= 3  # person, licence, history entry
    row = b.licence(licence_id)
    assert row.number == a.licence(licence_id).number
    assert row.server_seq is not None
    assert b.person(licence_id).last_name == "یزدانی"
    assert b.search("یزدانی") == 1  # the register's search index covers pulled rows


def test_numbers_from_pools_never_collide(office_factory: Callable[..., Office]) -> None:
    a, b = office_factory("a"), office_factory("b")
    first = a.licence(a.issue("0067749828")).number
    second = b.licence(b.issue("1234567891")).number
    assert first != second
    assert first.split("-")[0] == second.split("-")[0]  # the county's prefix


def test_edits_of_different_fields_merge(office_factory: Callable[..., Office]) -> None:
    a, b = office_factory("a"), office_factory("b")
    licence_id = a.issue("0067749828")
    a.sync()
    b.sync()
    a.edit_person(licence_id, mobile="09351112233")
    b.edit_person(licence_id, address="نیاوران، کوچه گلها")
    a.sync()
    report = b.sync()
    assert report.conflicts == 0
    a.sync()
    for office in (a, b):
        person = office.person(licence_id)
        assert person.mobile == "09351112233"
        assert person.address == "نیاوران، کوچه گلها"


def test_same_field_conflict_keeps_both_values(office_factory: Callable[..., Office]) -> None:
    a, b = office_factory("a"), office_factory("b")
    licence_id = a.issue("0067749828")
    a.sync()
    b.sync()
    a.edit_person(licence_id, mobile="09351112233")
    b.edit_person(licence_id, mobile="09127778899")
    a.sync()
    report = b.sync()
    assert report.conflicts == 1
    # The server's value shows; b's value waits in the conflict.
    assert b.person(licence_id).mobile == "09351112233"
    with b.db.session() as session:
        conflict = session.scalars(select(SyncConflict)).one()
        assert conflict.field == "mobile"
        assert json.loads(conflict.client_value) == "09127778899"
        assert json.loads(conflict.server_value) == "09351112233"
        assert sync_status(session).conflicts == 1


def test_rejected_operation_is_quarantined_and_does_not_block(
    office_factory: Callable[..., Office],
) -> None:
    a, b = office_factory("a"), office_factory("b")
    outside = issue_licence_outside_scope(a.db, "0067749828", county="تهران")  # not its county
    inside = a.issue("1234567891")
    report = a.sync()
    assert report.quarantined >= 1
    with a.db.session() as session:
        states = {
            (op.row_id, op.state)
            for op in session.scalars(
                select(OutboxOperation).where(OutboxOperation.row_id == outside)
            )
        }
        assert states == {(outside, "quarantined")}
        reasons = session.scalars(select(OutboxOperation.error)).all()
        assert any("حوزه" in reason for reason in reasons)
    b.sync()
    assert b.licence(inside).number == a.licence(inside).number
    with b.db.session() as session:
        assert session.get(Licence, outside) is None


def test_a_batch_whose_answer_was_lost_is_replayed_not_duplicated(
    office_factory: Callable[..., Office], client: TestClient
) -> None:
    a, b = office_factory("a"), office_factory("b")
    ids = [a.issue(nid) for nid in ("0067749828", "1234567891")]

    class LoseAnswers(Transport):
        def push(self, operations: Sequence[PushOperation]) -> list[PushResult]:
            super().push(operations)  # the server commits...
            raise SyncError("cut", "offline")  # ...but the answer never arrives

    with pytest.raises(SyncError):
        run_sync(a.db, transport=LoseAnswers(BASE, a.transport.token, client=client))
    assert a.count(OutboxOperation) > 0  # nothing was marked sent
    report = a.sync()
    assert report.repeated == report.pushed > 0  # everything answered "replayed"
    b.sync()
    assert b.count(Licence) == 2
    assert {b.licence(i).number for i in ids} == {a.licence(i).number for i in ids}


def test_pending_local_edit_survives_a_pull(office_factory: Callable[..., Office]) -> None:
    a, b = office_factory("a"), office_factory("b")
    licence_id = a.issue("0067749828")
    a.sync()
    b.sync()
    a.edit_person(licence_id, mobile="09351112233", address="ولنجک")
    a.sync()
    b.edit_person(licence_id, address="زعفرانیه")  # not pushed yet
    # Pull only (as when the push failed earlier): the waiting field keeps b's value.
    client = SyncClient(b.db, b.transport)
    client.pull()
    person = b.person(licence_id)
    assert person.address == "زعفرانیه"
    assert person.mobile == "09351112233"


def test_a_sync_with_nothing_to_do_is_one_round_trip(office_factory: Callable[..., Office]) -> None:
    a = office_factory("a")
    a.issue("0067749828")
    a.sync()
    a.sync()  # pulls its own echo
    report = a.sync()
    assert report.round_trips == 1
    assert (report.pushed, report.pulled) == (0, 0)


def test_an_interrupted_pull_repeats_at_most_one_page(
    office_factory: Callable[..., Office], client: TestClient
) -> None:
    a, b = office_factory("a"), office_factory("b")
    for i in range(PULL_PAGE // 3 + 10):  # > one page of rows (3 rows per licence)
        a.issue(national_id(i + 100000))
    a.sync()
    pages = {"n": 0}

    class CutAfterOnePage(Transport):
        def pull(self, since: int, limit: int) -> PullResponse:
            pages["n"] += 1
            if pages["n"] > 1:
                raise SyncError("cut", "offline")
            return super().pull(since, limit)

    with pytest.raises(SyncError):
        run_sync(b.db, transport=CutAfterOnePage(BASE, b.transport.token, client=client))
    with b.db.session() as session:
        cursor = int(get_setting(session, KEY_CURSOR))
    assert cursor > 0
    report = b.sync()
    assert report.pulled + PULL_PAGE == a.count(Licence) + a.count(Person) + a.count(
        Licence
    ) + _history(a)
    assert b.count(Licence) == a.count(Licence)


def _history(office: Office) -> int:
    from app.models import LicenceHistory

    return office.count(LicenceHistory) - office.count(Licence)


def test_wrong_token_is_a_clear_error(
    office_factory: Callable[..., Office], client: TestClient
) -> None:
    a = office_factory("a")
    with pytest.raises(SyncError) as caught:
        run_sync(a.db, transport=Transport(BASE, "not-a-token", client=client))
    assert caught.value.code == "unauthorized"
    with a.db.session() as session:
        assert "توکن" in sync_status(session).last_error


def test_unreachable_server_keeps_changes(office_factory: Callable[..., Office]) -> None:
    a = office_factory("a")
    a.issue("0067749828")
    pending = a.count(OutboxOperation)
    with pytest.raises(SyncError) as caught:
        run_sync(a.db, transport=Transport("http://127.0.0.1:9", "x", timeout=2))
    assert caught.value.code == "offline"
    assert a.count(OutboxOperation) == pending


def test_last_sync_time_is_recorded(office_factory: Callable[..., Office]) -> None:
    a = office_factory("a")
    with a.db.session() as session:
        last = sync_status(session).last_sync_at
    assert last is not None and dt.datetime.now(dt.UTC) - last < dt.timedelta(minutes=1)


def _conflicted(office_factory: Callable[..., Office]) -> tuple[Office, Office, str]:
    """Two offices whose holder's mobile was changed in both: b holds the conflict."""
    a, b = office_factory("a"), office_factory("b")
    licence_id = a.issue("0067749828")
    a.sync()
    b.sync()
    a.edit_person(licence_id, mobile="09351112233")
    b.edit_person(licence_id, mobile="09127778899")
    a.sync()
    assert b.sync().conflicts == 1
    return a, b, licence_id


def _resolve(office: Office, choice: str, value: str | None = None) -> None:
    from app.services.sync.review import SyncReviewService

    with office.db.session() as session:
        review = SyncReviewService(session)
        (conflict,) = review.conflicts()
        assert conflict.field_label == "تلفن همراه"
        assert conflict.mine == "۰۹۱۲۷۷۷۸۸۹۹" and conflict.theirs == "۰۹۳۵۱۱۱۲۲۳۳"
        review.resolve(conflict.id, choice, value)


@pytest.mark.parametrize(
    ("choice", "value", "expected"),
    [
        ("mine", None, "09127778899"),
        ("theirs", None, "09351112233"),
        ("edit", "۰۹۱۹۰۰۰۱۱۲۲", "09190001122"),
    ],
)
def test_resolving_a_conflict_converges(
    office_factory: Callable[..., Office],
    client: TestClient,
    choice: str,
    value: str | None,
    expected: str,
) -> None:
    a, b, licence_id = _conflicted(office_factory)
    _resolve(b, choice, value)
    with b.db.session() as session:
        actions = [e.action for e in LicenceService(session).history(licence_id)]
    assert ("sync_resolved" in actions) == (choice != "theirs")
    b.sync()
    a.sync()
    assert a.person(licence_id).mobile == b.person(licence_id).mobile == expected
    with b.db.session() as session:
        assert sync_status(session).conflicts == 0
        assert sync_status(session).pending == 0
    # The server marked its conflict resolved.
    from server.models import Conflict

    engine = client.app.state.session_factory.kw["bind"]  # type: ignore[attr-defined]
    with engine.connect() as conn:
        resolved = conn.execute(select(Conflict.resolved_at)).scalars().all()
    assert len(resolved) == 1 and resolved[0] is not None


def test_an_edited_resolution_is_validated(office_factory: Callable[..., Office]) -> None:
    from common.errors import ValidationErrors

    _a, b, _licence_id = _conflicted(office_factory)
    with pytest.raises(ValidationErrors) as caught:
        _resolve(b, "edit", "12345")
    assert "mobile" in caught.value.by_field()
    with b.db.session() as session:
        assert sync_status(session).conflicts == 1  # nothing was saved


def test_quarantined_change_can_be_retried_or_dropped(
    office_factory: Callable[..., Office],
) -> None:
    from app.services.sync.review import SyncReviewService

    a = office_factory("a")
    outside = issue_licence_outside_scope(a.db, "0067749828", county="تهران")
    a.sync()
    with a.db.session() as session:
        views = SyncReviewService(session).quarantined()
        assert {v.row_id for v in views} >= {outside}
        assert all("حوزه" in v.reason for v in views if v.row_id == outside)
        assert SyncReviewService(session).retry([v.op_id for v in views]) == len(views)
    assert a.sync().quarantined == len(views)  # rejected again: the cause is still there
    with a.db.session() as session:
        review = SyncReviewService(session)
        assert review.discard([v.op_id for v in review.quarantined()]) == len(views)
        assert sync_status(session).quarantined == 0
        assert session.get(Licence, outside) is not None  # the local record stays


def test_the_same_holder_registered_offline_in_two_offices(
    office_factory: Callable[..., Office],
) -> None:
    from app.services.sync.review import SyncReviewService

    a, b = office_factory("a"), office_factory("b")
    from_a = a.issue("0067749828", last_name="کریمی")
    from_b = b.issue("0067749828", last_name="کریمی‌پور")  # same person, typed again
    a.sync()
    report = b.sync()
    assert report.conflicts == 1  # the one field that differs, raised here only
    a.sync()
    # One person on both offices: the first registered, with both licences.
    for office in (a, b):
        assert office.count(Licence) == 2
        assert office.count(Person) == 1
        assert office.person(from_a).id == office.person(from_b).id
        assert office.search("0067749828") == 2
    assert b.person(from_b).last_name == "کریمی"  # the server's value, until reviewed
    with a.db.session() as session:
        assert SyncReviewService(session).conflicts() == []
    with b.db.session() as session:
        review = SyncReviewService(session)
        (conflict,) = review.conflicts()
        assert (conflict.kind, conflict.field) == ("field", "last_name")
        assert "کریمی‌پور" in conflict.mine and conflict.theirs == "کریمی"
        review.resolve(conflict.id, "mine")
        assert review.conflicts() == []
    b.sync()
    a.sync()
    assert a.person(from_a).last_name == "کریمی‌پور"


def test_a_clock_hours_off_is_reported_and_changes_nothing(
    office_factory: Callable[..., Office], monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.services.sync.client as client_module
    import app.services.sync.pull as pull_module
    import app.services.sync.transport as transport_module

    def set_clock(offset: dt.timedelta) -> None:
        """The desk's clock (what the handshake reports, and what it stamps)."""
        for module in (transport_module, client_module, pull_module):
            monkeypatch.setattr(module, "utcnow", lambda: real_now() + offset)

    a, b = office_factory("a"), office_factory("b")
    real_now = transport_module.utcnow
    set_clock(-dt.timedelta(hours=5))
    licence_id = a.issue("0067749828")
    report = a.sync()
    assert report.skew_warning and report.skew_seconds < -4 * 3600
    with a.db.session() as session:
        assert sync_status(session).skew_seconds < -4 * 3600
    set_clock(dt.timedelta(hours=3))
    a.edit_person(licence_id, mobile="09351112233")
    a.sync()
    b.sync()
    # Order comes from the server's sequence, not from the (wrong) clocks.
    assert b.person(licence_id).mobile == "09351112233"


def test_connection_cut_before_the_server_commits(
    office_factory: Callable[..., Office], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    import server.app as server_app

    a, b = office_factory("a"), office_factory("b")
    a.issue("0067749828")
    pending = a.count(OutboxOperation)
    real_push = server_app.push

    def push_then_fail(*args: Any, **kwargs: Any) -> Any:
        real_push(*args, **kwargs)  # applied in the transaction...
        raise OperationalError("COMMIT", {}, Exception("connection lost"))  # ...never committed

    monkeypatch.setattr(server_app, "push", push_then_fail)
    with pytest.raises(SyncError) as caught:
        a.sync()
    assert caught.value.code == "server_error"
    assert a.count(OutboxOperation) == pending
    monkeypatch.setattr(server_app, "push", real_push)
    report = a.sync()
    assert report.pushed == pending and report.repeated == 0  # applied now, once
    b.sync()
    assert b.count(Licence) == 1


def _issue_to_existing_holder(office: Office, licence_id: str, county: str) -> str:
    """Issue another licence, in ``county``, to the holder of ``licence_id``."""
    holder = office.person(licence_id)
    return office.issue(holder.national_id, county=county, last_name=holder.last_name)


def _move(office: Office, licence_id: str, county: str) -> None:
    with office.db.session() as session:
        county_id = next(c.id for c in reference.list_counties(session) if c.name == county)
    update_licence(office.db, licence_id, licence={"county_id": county_id})


def test_a_holder_with_licences_in_two_counties_reaches_both(
    office_factory: Callable[..., Office],
) -> None:
    shemiranat = office_factory("shemiranat")
    rey = office_factory("rey", county="ری")
    province = office_factory("province", county=None)
    first = shemiranat.issue("0067749828", last_name="یزدانی")
    shemiranat.sync()
    province.sync()
    second = _issue_to_existing_holder(province, first, "ری")
    province.sync()
    rey.sync()
    assert rey.count(Licence) == 1
    assert rey.licence(second).person_id == shemiranat.licence(first).person_id
    assert rey.person(second).last_name == "یزدانی"  # the holder came along
    assert rey.search("یزدانی") == 1
    # And the county office of Rey may edit that holder.
    rey.edit_person(second, mobile="09351112233")
    assert rey.sync().quarantined == 0
    shemiranat.sync()
    assert shemiranat.person(first).mobile == "09351112233"


def test_a_licence_moved_to_another_county_follows(office_factory: Callable[..., Office]) -> None:
    from app.models import LicenceHistory

    shemiranat = office_factory("shemiranat")
    rey = office_factory("rey", county="ری")
    province = office_factory("province", county=None)
    licence_id = shemiranat.issue("0067749828", last_name="یزدانی")
    shemiranat.sync()
    province.sync()
    _move(province, licence_id, "ری")
    province.sync()
    shemiranat.sync()
    rey.sync()
    # Shemiranat no longer lists it; Rey has the licence, its holder and its history.
    assert shemiranat.search("یزدانی") == 0
    with shemiranat.db.session() as session:
        assert session.get(Licence, licence_id).deleted  # type: ignore[union-attr]
    assert not rey.licence(licence_id).deleted
    assert rey.person(licence_id).last_name == "یزدانی"
    assert rey.count(LicenceHistory) == province.count(LicenceHistory) >= 2
    assert rey.search("یزدانی") == 1


def test_changes_of_a_record_that_left_the_scope_are_never_pushed(
    office_factory: Callable[..., Office],
) -> None:
    from app.services.sync.pull import LEFT_SCOPE_REASON

    shemiranat = office_factory("shemiranat")
    province = office_factory("province", county=None)
    licence_id = shemiranat.issue("0067749828", last_name="یزدانی")
    shemiranat.sync()
    province.sync()
    _move(province, licence_id, "ری")
    province.sync()
    # Edited here while the move was on its way; the pull then says it left.
    shemiranat.edit_person(licence_id, mobile="09351112233")
    SyncClient(shemiranat.db, shemiranat.transport).pull()
    with shemiranat.db.session() as session:
        states = set(session.execute(select(OutboxOperation.state, OutboxOperation.error)).all())
        assert states == {("quarantined", LEFT_SCOPE_REASON)}
        assert session.get(Licence, licence_id).deleted  # type: ignore[union-attr]
    assert shemiranat.sync().pushed == 0  # nothing of it goes out


def test_a_token_of_another_county_is_refused(
    office_factory: Callable[..., Office], enrol: Callable[..., Any], client: TestClient
) -> None:
    a = office_factory("a")
    a.issue("0067749828")
    other = enrol("تهران", "ری", "اداره ری")
    with pytest.raises(SyncError) as caught:
        run_sync(a.db, transport=Transport(BASE, other.token, client=client))
    assert caught.value.code == "wrong_office"
    assert "ری" in str(caught.value)
    assert a.count(OutboxOperation) > 0  # nothing was pushed under the wrong office


def test_a_conflict_shows_the_servers_value_even_when_no_pull_brings_it(
    office_factory: Callable[..., Office], client: TestClient
) -> None:
    a, b = office_factory("a"), office_factory("b")
    licence_id = a.issue("0067749828")
    a.sync()
    b.sync()
    a.edit_person(licence_id, mobile="09351112233")
    a.sync()

    class EditDuringPull(Transport):
        done = False

        def pull(self, since: int, limit: int) -> PullResponse:
            if not EditDuringPull.done:  # the clerk saves while the pull is on its way
                EditDuringPull.done = True
                b.edit_person(licence_id, mobile="09127778899")
            return super().pull(since, limit)

    run_sync(b.db, transport=EditDuringPull(BASE, b.transport.token, client=client))
    assert b.person(licence_id).mobile == "09127778899"  # waiting edit kept by the pull
    report = b.sync()  # its push conflicts; the holder is not pulled again (cursor past it)
    assert report.conflicts == 1
    assert b.person(licence_id).mobile == "09351112233"
    with b.db.session() as session:
        from app.services.sync.review import SyncReviewService

        (conflict,) = SyncReviewService(session).conflicts()
        assert conflict.mine == "۰۹۱۲۷۷۷۸۸۹۹" and conflict.theirs == "۰۹۳۵۱۱۱۲۲۳۳"


def test_the_review_shows_the_value_keep_mine_would_replace(
    office_factory: Callable[..., Office],
) -> None:
    a, b, licence_id = _conflicted(office_factory)
    a.edit_person(licence_id, mobile="09190000000")  # the server's value moves on
    a.sync()
    b.sync()
    with b.db.session() as session:
        from app.services.sync.review import SyncReviewService

        (conflict,) = SyncReviewService(session).conflicts()
        assert conflict.theirs == "۰۹۱۹۰۰۰۰۰۰۰"  # not the value at conflict time
