"""Requests at the same time: what the server's locks promise, on each database.

SQLite has one writer at a time; PostgreSQL runs transactions side by side and relies on
row locks (the ``sync_counter`` rows). Each worker does what one request does: its own
session, the server's function, a commit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from server.models import Office
from server.pools import reserve_numbers
from server.pull import pull
from server.push import push
from server.records import Operation
from tests.server import rows

#: An enrolled office (conftest.Enrolled).
Enrolled = Any
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
