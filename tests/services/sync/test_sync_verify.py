"""Per-scope verification after a sync (app.services.sync.verify, server.verify,
common.scope_digest; docs/sync-protocol.md, "Verification")."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, select, text, update

from app.models import Licence, LicenceHistory, Person
from app.services.sync.report import SyncReport
from app.services.sync.transport import Transport
from app.services.sync.verify import Verifier
from common.protocol import ScopeRowsResponse
from common.scope_digest import BUCKETS, Scope, bucket_of, differing, digests, row_hash
from common.vocabulary import Permission
from tests.accounts_support import granted
from tests.server import rows
from tests.services.sync.sync_support import Office


def _verify(office: Office, transport: Transport | None = None) -> SyncReport:
    from app.services.core.progress import Progress

    report = SyncReport()
    Verifier(office.db, transport or office.transport, Progress(), report).run()
    return report


class CountingTransport(Transport):
    """Counts the rows fetched again by scope."""

    fetched: list[tuple[str, int, int]]

    def scope_rows(self, table: str, bucket: int, after: str, limit: int) -> ScopeRowsResponse:
        page = super().scope_rows(table, bucket, after, limit)
        self.fetched.append((table, bucket, len(page.changes)))
        return page


def _counting(office: Office) -> CountingTransport:
    transport = CountingTransport(
        office.transport.base_url, office.transport.token, client=office.transport.client
    )
    transport.fetched = []
    return transport


def _first_licence(office: Office) -> str:
    with office.db.session() as session:
        found = session.scalars(select(Licence.id).order_by(Licence.id)).first()
    assert found is not None
    return found


def _office_with_licences(office_factory: Callable[..., Office], count: int) -> Office:
    a = office_factory("a")
    for n in range(count):
        a.issue(rows.national_id(7100 + n), last_name=f"کریمی{'ی' * n}")
    a.sync()
    return a


def test_a_synced_office_matches_the_server_in_every_scope(
    office_factory: Callable[..., Office],
) -> None:
    a = _office_with_licences(office_factory, 3)
    b = office_factory("b")  # set up from the server: verified at the end of its setup
    report = _verify(b)
    assert report.verified
    assert report.scopes_checked >= 3  # holders, licences, history entries
    assert report.scopes_fetched_again == report.scopes_differing == 0
    assert _verify(a).scopes_fetched_again == 0


def test_a_row_deleted_behind_the_apps_back_is_detected_and_fetched_again_alone(
    office_factory: Callable[..., Office],
) -> None:
    _office_with_licences(office_factory, 6)
    b = office_factory("b")
    with b.db.session() as session:
        licence_id = session.scalars(select(Licence.id)).first()
        history = list(
            session.scalars(
                select(LicenceHistory.id).where(LicenceHistory.licence_id == licence_id)
            )
        )
    assert licence_id is not None and history
    with b.db.session() as session:
        granted(session, Permission.EDIT)  # behind the app's back
        session.execute(text("PRAGMA foreign_keys = OFF"))
        session.execute(delete(LicenceHistory).where(LicenceHistory.licence_id == licence_id))
        session.execute(delete(Licence).where(Licence.id == licence_id))
    expected = {("licence", bucket_of(licence_id))} | {
        ("licence_history", bucket_of(row_id)) for row_id in history
    }
    transport = _counting(b)
    report = _verify(b, transport)
    assert report.scopes_fetched_again == len(expected)
    assert report.scopes_differing == 0
    assert "دوباره دریافت شد" in report.message()
    # Only those scopes travelled again, not the office's 18 records.
    assert {(table, bucket) for table, bucket, _n in transport.fetched} == expected
    assert sum(n for _t, _b, n in transport.fetched) < 6 * 3
    assert b.licence(licence_id).number
    with b.db.session() as session:
        assert len(
            session.scalars(
                select(LicenceHistory.id).where(LicenceHistory.licence_id == licence_id)
            ).all()
        ) == len(history)
    assert _verify(b).scopes_fetched_again == 0


def test_a_tampered_row_is_set_back_to_the_servers(
    office_factory: Callable[..., Office],
) -> None:
    a = _office_with_licences(office_factory, 2)
    licence_id = _first_licence(a)
    person_id = a.person(licence_id).id
    name = a.person(licence_id).last_name
    with a.db.session() as session:  # edited behind the app's back (no outbox)
        granted(session, Permission.EDIT)
        session.execute(
            update(Person).where(Person.id == person_id).values(last_name="دستکاری", rev=9)
        )
    report = _verify(a)
    assert report.scopes_fetched_again == 1
    assert a.person(licence_id).last_name == name


def test_a_row_made_up_locally_is_hidden_again(
    office_factory: Callable[..., Office],
) -> None:
    a = _office_with_licences(office_factory, 2)
    licence_id = _first_licence(a)
    with a.db.session() as session:
        history_id = session.scalars(
            select(LicenceHistory.id).where(LicenceHistory.licence_id == licence_id)
        ).first()
    assert history_id is not None
    with a.db.session() as session:  # an extra history entry the server never saw
        granted(session, Permission.EDIT)
        session.execute(
            text(
                "INSERT INTO licence_history (id, licence_id, at, actor, action, changes, "
                "reason, rev, updated_at, origin_office, deleted, server_seq) "
                "SELECT :new, licence_id, at, actor, action, changes, reason, 1, updated_at, "
                "origin_office, 0, 0 FROM licence_history WHERE id = :old"
            ),
            {"new": rows.new_id(), "old": history_id},
        )
    report = _verify(a)
    assert report.scopes_fetched_again == 1
    assert report.scopes_differing == 0
    assert _verify(a).scopes_fetched_again == 0


def test_a_pending_local_edit_is_left_out_and_never_overwritten(
    office_factory: Callable[..., Office],
) -> None:
    a = _office_with_licences(office_factory, 2)
    licence_id = _first_licence(a)
    a.edit_person(licence_id, first_name="زهره")  # waits in the outbox
    report = _verify(a)
    assert report.verified
    assert report.scopes_fetched_again == 0
    assert a.person(licence_id).first_name == "زهره"
    # Pushed and pulled back: the row is compared again, and matches.
    a.sync()
    assert _verify(a).scopes_fetched_again == 0


def test_a_scope_fetched_again_keeps_pending_local_edits(
    office_factory: Callable[..., Office],
) -> None:
    """Rows fetched again obey the pull's merge rules: a field changed here and not yet
    pushed keeps the local value, and nothing becomes a conflict."""
    from app.models import SyncConflict
    from app.services.core.access import requires
    from app.services.core.db import Database
    from app.services.core.progress import Progress

    a = _office_with_licences(office_factory, 2)
    licence_id = _first_licence(a)
    person = a.person(licence_id)
    a.edit_person(licence_id, first_name="زهره")
    with a.db.session() as session:  # the holder's other field tampered behind the app
        granted(session, Permission.EDIT)
        session.execute(update(Person).where(Person.id == person.id).values(father_name="تقلب"))

    @requires(Permission.SYNC)
    def fetch_again(db: Database, table: str, bucket: int) -> None:
        Verifier(db, a.transport, Progress(), SyncReport())._fetch_again(table, bucket, set())

    fetch_again(a.db, "person", bucket_of(person.id))
    after = a.person(licence_id)
    assert after.first_name == "زهره"  # waiting in the outbox: kept
    assert after.father_name == person.father_name  # the server's value again
    assert a.count(SyncConflict) == 0
    a.sync()
    assert a.person(licence_id).first_name == "زهره"


def test_an_idle_sync_does_not_verify_again_the_same_day(
    office_factory: Callable[..., Office],
) -> None:
    a = _office_with_licences(office_factory, 1)
    a.sync()
    report = a.sync()
    assert not report.verified
    assert report.round_trips == 1


# --- the digest ---

_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["person", "licence", "licence_history"]),
        st.uuids().map(str),
        st.integers(min_value=1, max_value=50),
    ),
    unique_by=lambda row: (row[0], row[1]),
    max_size=40,
)


@given(_ROWS, st.randoms())
def test_digests_do_not_depend_on_order(rows_: list[tuple[str, str, int]], rnd: object) -> None:
    shuffled = list(rows_)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert digests(rows_) == digests(shuffled)
    assert sum(scope.count for scope in digests(rows_).values()) == len(rows_)
    assert all(0 <= bucket < BUCKETS for _table, bucket in digests(rows_))


@given(_ROWS.filter(bool), st.data())
def test_any_missing_or_changed_row_changes_its_scope_only(
    rows_: list[tuple[str, str, int]], data: st.DataObject
) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(rows_) - 1))
    table, row_id, rev = rows_[index]
    whole = digests(rows_)
    missing = digests(rows_[:index] + rows_[index + 1 :])
    changed = digests([*rows_[:index], (table, row_id, rev + 1), *rows_[index + 1 :]])
    assert differing(whole, missing) == [(table, bucket_of(row_id))]
    assert differing(whole, changed) == [(table, bucket_of(row_id))]
    # Incremental: a new revision is the old digest minus one hash plus another.
    scope = whole[(table, bucket_of(row_id))]
    step = (scope.digest - row_hash(table, row_id, rev) + row_hash(table, row_id, rev + 1)) % (
        1 << 64
    )
    assert changed[(table, bucket_of(row_id))] == Scope(scope.count, step)
