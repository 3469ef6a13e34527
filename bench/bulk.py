"""Bulk sync figures (issue 16), over loopback against a real ``daftar-server serve``.

- bulk_setup: an office whose scope holds ``records`` records set up from the server
  (``setup_office_from_server``: handshake, reference data, keys, the whole feed).
  Floor: the same rows written by raw SQL ``executemany`` into the same tables of the
  same office database, in one transaction. Target: <= 60 s.
- bulk_initial_pull: the same setup as rows per second (setup time included, so the
  figure is conservative). Target: >= 10,000 rows/s.
- bulk_push_10000: 10,000 offline changes pushed. Floor: the rows the server wrote for
  them (records, where they are seen, natural keys, applied operations) written again by
  raw SQL ``executemany`` into the same tables. Target: <= 5 s.
- bulk_verify: a per-scope verification (counts and digests, app.services.sync.verify)
  of the set-up office against the server, and one that finds a deleted row and fetches
  its scope again, informational. Floor: the office's (id, rev) rows read by raw SQL and
  digested.

The first push of the whole source office is printed as a note (operations per second).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from bench.sync import Server, _enrol, _remove

Line = Callable[..., None]

#: The synced client tables, parents first (app.services.sync.tables.MODELS).
_SERVER_TABLES = ("record", "record_scope", "record_key", "applied_op")


def _copy(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (another process may be writing it)."""
    _remove(target)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _rewrite(path: Path, rows: dict[str, tuple[list[str], list[tuple[object, ...]]]]) -> float:
    """The floor: ``rows`` (table → columns, rows) written into ``path`` by raw
    ``executemany`` in one transaction; returns the seconds it took."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        started = time.perf_counter()
        conn.execute("BEGIN")
        for table, (columns, values) in rows.items():
            marks = ", ".join("?" for _ in columns)
            conn.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                values,
            )
        conn.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        conn.close()


def _take(
    path: Path, queries: dict[str, str]
) -> dict[str, tuple[list[str], list[tuple[object, ...]]]]:
    """Read rows of ``path`` (table → SELECT) and delete them (the floor rewrites them)."""
    taken: dict[str, tuple[list[str], list[tuple[object, ...]]]] = {}
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        for table, query in queries.items():
            cursor = conn.execute(f"SELECT * FROM {table} WHERE {query}")
            columns = [d[0] for d in cursor.description]
            taken[table] = (columns, cursor.fetchall())
            conn.execute(f"DELETE FROM {table} WHERE {query}")
        conn.commit()
    finally:
        conn.close()
    return taken


def _digest_floor(path: Path) -> float:
    """Seconds to read every live (id, rev) of the synced tables by raw SQL and digest
    them (common.scope_digest): the verification without the app and the server."""
    from app.services.sync.tables import MODELS
    from common.scope_digest import digests

    conn = sqlite3.connect(path)
    try:
        started = time.perf_counter()
        digests(
            (table, row_id, rev)
            for table in MODELS
            for row_id, rev in conn.execute(f"SELECT id, rev FROM {table} WHERE deleted = 0")
        )
        return time.perf_counter() - started
    finally:
        conn.close()


def bench_bulk(work: Path, records: int, line: Line, note: Callable[[str], None]) -> None:
    """Setup, initial pull and push figures of an office with ``records`` records."""
    from app.services.core.db import open_database
    from app.services.core.progress import Progress
    from app.services.demo import generate
    from app.services.sync.client import SyncClient
    from app.services.sync.report import SyncReport
    from app.services.sync.setup import setup_office_from_server
    from app.services.sync.tables import MODELS
    from app.services.sync.transport import Transport
    from app.services.sync.verify import Verifier
    from bench.signin import as_head

    folder = work / "bulk"
    folder.mkdir(parents=True, exist_ok=True)
    server_db = folder / "server.sqlite3"
    for path in folder.glob("*.sqlite3*"):
        path.unlink()
    source_token = _enrol(server_db, "اداره استان تهران (منبع)")
    empty_token = _enrol(server_db, "اداره استان تهران (تازه)")
    server = Server(server_db, folder / "server.log")
    try:
        source = as_head(open_database(folder / "source.sqlite3"))
        transport = Transport(server.url, source_token)
        setup_office_from_server(source, server.url, source_token, transport=transport)
        licences = records // 3 + 1
        for _ in range(0, licences, 10_000):
            SyncClient(source, transport).reserve_numbers(10_000)
        with source.session() as session:
            generate(session, licences, seed=7)
        note(f"bulk: first push of an office with {records:,} records…")
        started = time.perf_counter()
        first = SyncClient(source, transport).run()
        took = time.perf_counter() - started
        note(f"bulk: pushed {first.pushed:,} in {took:.1f} s ({first.pushed / took:,.0f} ops/s)")

        # --- setup of an empty office from the server ---
        empty = as_head(open_database(folder / "empty.sqlite3"))
        started = time.perf_counter()
        report = setup_office_from_server(
            empty, server.url, empty_token, transport=Transport(server.url, empty_token)
        )
        elapsed = time.perf_counter() - started
        empty.close()
        floor_db = folder / "floor-client.sqlite3"
        _copy(folder / "empty.sqlite3", floor_db)
        floor = _rewrite(floor_db, _take(floor_db, {table: "1" for table in MODELS}))
        line(
            f"bulk_setup_{report.pulled}_records",
            elapsed,
            "s",
            floor,
            "s (same rows, raw executemany)",
            "<= 60 s",
            elapsed <= 60,
        )
        rate = report.pulled / elapsed
        line(
            "bulk_initial_pull_rows_per_s (setup included)",
            rate,
            "rows/s",
            report.pulled / floor,
            "rows/s (raw executemany)",
            ">= 10000 rows/s",
            rate >= 10_000,
            ratio=(report.pulled / floor) / rate,
        )

        # --- a verification of the set-up office, and one that repairs a row ---
        empty = as_head(open_database(folder / "empty.sqlite3"))
        verify_transport = Transport(server.url, empty_token)
        started = time.perf_counter()
        verified = SyncReport()
        Verifier(empty, verify_transport, Progress(), verified).run()
        elapsed = time.perf_counter() - started
        floor = _digest_floor(folder / "empty.sqlite3")
        line(
            f"bulk_verify_{verified.scopes_checked}_scopes (informational)",
            elapsed,
            "s",
            floor,
            "s (the client's rows read by raw SQL and digested)",
            "none",
            verified.verified and not verified.scopes_fetched_again,
        )
        with sqlite3.connect(folder / "empty.sqlite3") as conn:
            conn.execute("PRAGMA foreign_keys = OFF")
            conn.execute("DELETE FROM person WHERE id = (SELECT max(id) FROM person)")
        conn.close()
        started = time.perf_counter()
        repaired = SyncReport()
        Verifier(empty, verify_transport, Progress(), repaired).run()
        elapsed = time.perf_counter() - started
        line(
            "bulk_verify_repairs_a_deleted_row (informational)",
            elapsed,
            "s",
            floor,
            "s (the client's rows read by raw SQL and digested)",
            "1 scope fetched again",
            repaired.scopes_fetched_again == 1 and not repaired.scopes_differing,
        )
        empty.close()

        # --- a push of 10,000 offline changes ---
        with sqlite3.connect(server_db) as conn:
            before = conn.execute("SELECT value FROM sync_counter").fetchone()[0]
            applied_before = conn.execute("SELECT max(rowid) FROM applied_op").fetchone()[0]
        conn.close()
        with source.session() as session:
            generate(session, 3334, seed=8)  # holder + licence + history: 10,002 changes
        started = time.perf_counter()
        pushed = SyncClient(source, transport)
        pushed.push()
        elapsed = time.perf_counter() - started
        floor_db = folder / "floor-server.sqlite3"
        _copy(server_db, floor_db)
        written = (
            f"(table_name, id) IN (SELECT table_name, id FROM record WHERE server_seq > {before})"
        )
        floor = _rewrite(
            floor_db,
            _take(
                floor_db,
                {
                    "record_scope": written,
                    "record_key": (
                        "(table_name, record_id) IN "
                        f"(SELECT table_name, id FROM record WHERE server_seq > {before})"
                    ),
                    "applied_op": f"rowid > {applied_before or 0}",
                    "record": f"server_seq > {before}",
                },
            ),
        )
        line(
            f"bulk_push_{pushed.report.pushed}_changes",
            elapsed,
            "s",
            floor,
            "s (same server rows, raw executemany)",
            "<= 5 s",
            elapsed <= 5,
        )
        source.close()
    finally:
        server.stop()
