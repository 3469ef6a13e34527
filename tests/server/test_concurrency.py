"""Requests at the same time: what the server's locks promise, on each database.

SQLite has one writer at a time; PostgreSQL runs transactions side by side and relies on
row locks (the ``sync_counter`` rows). Each worker does what one request does: its own
session, the server's function, a commit.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anyio
import anyio.to_thread
import httpx
import pytest
from sqlalchemy import Engine, event, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.services.sync.transport import Transport
from server.errors import ApiError
from server.models import Office, ScopeExit, SyncCounter
from server.pools import reserve_numbers
from server.pull import pull
from server.push import push
from server.records import Operation
from server.work import Admission
from tests.server import rows
from tests.server.serving import running_server
from tests.server_fixtures import Enrolled, ServerDatabase

WORKERS = 6


def _together(work: Callable[[], Any], workers: int = WORKERS) -> tuple[list[Any], list[str]]:
    """Run ``work`` in ``workers`` threads released at once; its results and errors."""
    barrier = threading.Barrier(workers)
    results: list[Any] = []
    errors: list[str] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            results.append(work())
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@contextmanager
def _pause_after(engine: Engine, fragment: str, seconds: float) -> Iterator[None]:
    """Hold every statement containing ``fragment`` a moment after it ran (widens a race)."""

    def pause(*args: Any) -> None:
        if fragment in args[2]:  # (conn, cursor, statement, parameters, context, many)
            time.sleep(seconds)

    event.listen(engine, "after_cursor_execute", pause)
    try:
        yield
    finally:
        event.remove(engine, "after_cursor_execute", pause)


def _insert() -> Operation:
    op = rows.insert("person", rows.new_id(), rows.person_row())
    return Operation(op["op_id"], "person", op["row_id"], "insert", 0, op["changes"])


def test_concurrent_pushes_number_the_feed_in_order(
    engine: Engine, county_office: Enrolled
) -> None:
    shared = [_insert() for _ in range(3)]  # sent by every worker: applied once

    def one_request() -> list[str]:
        with Session(engine) as session:
            office = session.get(Office, county_office.office_id)
            assert office is not None
            results = push(session, office, [_insert(), _insert(), *shared])
            session.commit()
            return [result.status for result in results]

    def pushes() -> list[list[str]]:
        results, errors = _together(one_request)
        assert errors == []
        return results

    seen: list[int] = []
    done = threading.Event()

    def puller() -> None:
        cursor = 0
        while True:
            finished = done.is_set()
            with Session(engine) as session:
                office = session.get(Office, county_office.office_id)
                assert office is not None
                page = pull(session, office, cursor, 3)
            seen.extend(change["server_seq"] for change in page.changes)
            cursor = page.cursor
            if finished and not page.has_more:
                return

    reader = threading.Thread(target=puller)
    reader.start()
    try:
        statuses = pushes()
    finally:
        done.set()
        reader.join(timeout=60)
    assert sorted(s for batch in statuses for s in batch[:2]) == ["applied"] * 2 * WORKERS
    assert sorted(batch[2] for batch in statuses).count("applied") == 1
    # A pull running alongside never skips a row committed late, nor sees one twice.
    total = 2 * WORKERS + len(shared)
    assert seen == list(range(1, total + 1))


def test_first_number_reservations_at_once_all_succeed(
    engine: Engine, county_office: Enrolled
) -> None:
    def one_request() -> tuple[int, int]:
        with Session(engine) as session:
            office = session.get(Office, county_office.office_id)
            assert office is not None
            pool = reserve_numbers(session, office, 10)
            session.commit()
            return (pool.first, pool.last)

    # Every worker's counter update runs before any of them goes on: each finds no row.
    with _pause_after(engine, "UPDATE sync_counter", 0.1):
        pools, errors = _together(one_request)
    assert errors == []
    assert sorted(pools) == [(n * 10 + 1, n * 10 + 10) for n in range(WORKERS)]


# --- a real server: many desks at once ------------------------------------------------

#: More desks at once than the server's connections (2, plus 2 overflow) and anyio's 40
#: worker threads put together: the set-up that used to stall (issue 16).
DESKS = 60


def _enrol_many(server_database: ServerDatabase, count: int) -> list[Enrolled]:
    """``count`` offices, one per county of Tehran then Fars, each with its own token."""
    from server.offices import enrol_office, load_reference

    reference = load_reference()
    places = [
        (province.name, county.name)
        for province in reference.provinces.values()
        for county in reference.counties.get(province.code, {}).values()
    ]
    engine = server_database.open()
    try:
        with Session(engine) as session, session.begin():
            enrolled = []
            for n in range(count):
                province, county = places[n % len(places)]
                office, token = enrol_office(
                    session, name=f"اداره {n}", province=province, county=county,
                    reference=reference,
                )  # fmt: skip
                enrolled.append(Enrolled(office.id, token))
            return enrolled
    finally:
        engine.dispose()


def test_more_desks_than_connections_and_threads_are_all_answered(
    server_database: ServerDatabase, tmp_path: Path
) -> None:
    offices = _enrol_many(server_database, DESKS)
    log = tmp_path / "server.log"
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    with running_server(server_database.cli_args, log, "--db-connections", "2") as base:
        tokens = [office.token for office in offices]

        def desk() -> int:
            # The sync client's own transport: it honours 503 + Retry-After.
            transport = Transport(base, tokens.pop(), timeout=20.0, sleep=wait)
            try:
                for _ in range(3):
                    assert transport.handshake(cursor=0).changes_waiting == 0
                return len(transport.pull(0, 100).changes)
            finally:
                transport.close()

        started = time.monotonic()
        results, errors = _together(desk, DESKS)
        took = time.monotonic() - started
    assert errors == []
    assert results == [0] * DESKS
    text = log.read_text()
    assert "QueuePool limit" not in text
    # No 5xx but the documented 503 "busy", each retried successfully by the client.
    assert '" 500' not in text and "database error" not in text
    assert len(waits) == text.count('" 503')
    assert took < 45, f"{DESKS} desks took {took:.1f} s"


def test_a_request_that_waits_too_long_for_the_database_is_answered_503() -> None:
    gate = Admission(slots=1, wait=0.2)
    request: Any = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(
        session_factory=sessionmaker()
    )))  # fmt: skip
    holding, release = threading.Event(), threading.Event()

    def hold(_session: Session) -> str:
        holding.set()
        release.wait(10)
        return "held"

    outcome: dict[str, Any] = {}

    async def scenario() -> None:
        async def first() -> None:
            outcome["first"] = await gate.run(request, hold)

        async with anyio.create_task_group() as group:
            group.start_soon(first)
            await anyio.to_thread.run_sync(holding.wait)
            try:
                await gate.run(request, lambda _session: "second")
            except ApiError as refused:
                outcome["refused"] = refused
            release.set()
        # The slot is free again: the next request is admitted.
        outcome["third"] = await gate.run(request, lambda _session: "third")

    anyio.run(scenario)
    refused = outcome["refused"]
    assert (refused.status, refused.code) == (503, "busy")
    assert refused.headers == {"Retry-After": "1"}
    assert (outcome["first"], outcome["third"]) == ("held", "third")


# --- several server processes on one PostgreSQL database ------------------------------

COUNTIES = ("شمیرانات", "ری", "اسلامشهر", "دماوند", "ورامین", "شهریار")
DESKS_PER_COUNTY = 2
PUSHES, BATCH = 5, 10


@pytest.mark.slow
def test_two_server_processes_share_one_feed_and_one_numbering(
    server_database: ServerDatabase, tmp_path: Path
) -> None:
    """Server A (two uvicorn workers) and server B on one database; desks push and
    reserve numbers through both at once while the province office pulls through both.
    Nothing is skipped, repeated or reordered, every office converges, and no two
    ranges of licence numbers overlap (docs/sync-protocol.md, "Several server
    processes")."""
    if server_database.backend == "sqlite":
        pytest.skip("several server processes need PostgreSQL (SQLite refuses --workers)")
    from server.offices import enrol_office, load_reference

    reference = load_reference()
    engine = server_database.open()

    def enrol(session: Session, county: str | None, name: str) -> Enrolled:
        office, token = enrol_office(
            session, name=name, province="تهران", county=county, reference=reference
        )
        return Enrolled(office.id, token)

    with Session(engine) as session, session.begin():
        province = enrol(session, None, "اداره استان")
        counties = {
            county: [enrol(session, county, f"اداره {county} {n}") for n in range(DESKS_PER_COUNTY)]
            for county in COUNTIES
        }
    engine.dispose()
    db = server_database.cli_args
    with (
        running_server(db, tmp_path / "a.log", "--workers", "2") as a,
        running_server(db, tmp_path / "b.log") as b,
    ):
        servers = [httpx.Client(base_url=url, timeout=30) for url in (a, b)]
        desks = [(county, office) for county, offices in counties.items() for office in offices]
        pushed: dict[str, set[str]] = {county: set() for county in COUNTIES}
        ranges: list[tuple[str, int, int]] = []

        def desk() -> None:
            county, office = desks.pop()
            for n in range(PUSHES):
                ops = [
                    rows.insert("person", rows.new_id(), rows.person_row()) for _ in range(BATCH)
                ]
                results = rows.push(servers[n % 2], office, *ops)
                assert {r["status"] for r in results} == {"applied"}, results
                pushed[county].update(op["row_id"] for op in ops)
                answer = servers[n % 2].post(
                    "/v1/numbers", json={"count": 5}, headers=office.headers
                )
                assert answer.status_code == 200, answer.text
                ranges.append(
                    (answer.json()["prefix"], answer.json()["first"], answer.json()["last"])
                )

        seen: list[tuple[int, str]] = []
        done = threading.Event()

        def province_puller() -> None:
            cursor, turn = 0, 0
            while True:
                finished = done.is_set()
                page = rows.pull(servers[turn % 2], province, cursor, 25)
                turn += 1
                seen.extend((change["server_seq"], change["id"]) for change in page["changes"])
                cursor = page["cursor"]
                if finished and not page["has_more"]:
                    return

        reader = threading.Thread(target=province_puller)
        reader.start()
        try:
            _results, errors = _together(desk, len(desks))
        finally:
            done.set()
            reader.join(timeout=60)
        assert errors == []
        everything = set().union(*pushed.values())
        assert len(everything) == len(COUNTIES) * DESKS_PER_COUNTY * PUSHES * BATCH
        # The pull that ran alongside: in order, nothing twice, nothing skipped.
        sequence = [seq for seq, _id in seen]
        assert sequence == sorted(set(sequence))
        assert {row_id for _seq, row_id in seen} == everything
        # Every office converges on its scope, whichever server it asks.
        for n, (county, offices) in enumerate(counties.items()):
            feed = rows.pull_all(servers[n % 2], offices[0])
            assert {change["id"] for change in feed} == pushed[county]
            assert len(feed) == len(pushed[county])
        for client in servers:
            client.close()
    # Licence-number ranges of one prefix never overlap, across both servers.
    by_prefix: dict[str, list[tuple[int, int]]] = {}
    for prefix, first, last in ranges:
        by_prefix.setdefault(prefix, []).append((first, last))
    for spans in by_prefix.values():
        spans.sort()
        assert all(left[1] < right[0] for left, right in itertools.pairwise(spans))
        assert spans[0][0] == 1 and spans[-1][1] == 5 * len(spans)  # no range lost either
    for name in ("a.log", "b.log"):
        log = (tmp_path / name).read_text()
        assert '" 500' not in log and '" 503' not in log and "Traceback" not in log


def test_a_pull_between_two_commits_skips_nothing(engine: Engine, county_office: Enrolled) -> None:
    """A pull reads the records in scope, then the scope exits, in two statements (two
    snapshots on PostgreSQL's READ COMMITTED and SQLite's autocommit reads). A writer
    committing a record and then an exit between them must not make the page's cursor
    jump over the record: the pull is bounded by the counter it read first."""
    with Session(engine) as session:
        office = session.get(Office, county_office.office_id)
        assert office is not None
        push(session, office, [_insert()])
        session.commit()
        county = (office.province_code, office.county_code)
    late = _insert()
    written = threading.Event()

    def write_between(*args: Any) -> None:
        if "FROM record_scope" not in args[2] or written.is_set():
            return
        written.set()
        with Session(engine) as other:
            writer = other.get(Office, county_office.office_id)
            assert writer is not None
            push(other, writer, [late])  # its record_scope row: the next number
            seq = other.execute(
                select(SyncCounter.value).where(SyncCounter.name == "server_seq")
            ).scalar_one()
            other.add(ScopeExit(server_seq=seq + 1, table_name="person", id=rows.new_id(),
                                province_code=county[0], county_code=county[1]))  # fmt: skip
            other.execute(
                update(SyncCounter).where(SyncCounter.name == "server_seq").values(value=seq + 1)
            )
            other.commit()

    ids: list[str] = []
    with Session(engine) as session:
        office = session.get(Office, county_office.office_id)
        assert office is not None
        event.listen(engine, "after_cursor_execute", write_between)
        try:
            page = pull(session, office, 0, 100)
        finally:
            event.remove(engine, "after_cursor_execute", write_between)
        assert written.is_set()
        while True:
            ids.extend(change["id"] for change in page.changes if not change["left_scope"])
            if not page.changes and not page.has_more:
                break
            page = pull(session, office, page.cursor, 100)
    assert late.row_id in ids
