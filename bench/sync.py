"""Sync figures (issue 4), over loopback against a real ``daftar-server serve`` process.

- sync_initial_pull: a 100,000-record scope pulled into an empty office database
  (``setup_office_from_server``). Floor: downloading the same pages with httpx and
  decoding the JSON, applying nothing. Targets: <= 60 s and >= 2,000 rows/s.
- sync_push_10000: 10,000 offline changes pushed. Floor: sending the same request bytes
  to the same server, which reads and refuses them (no token): the network and body
  handling without the apply. Target: <= 20 s.
- sync_noop: a sync with nothing to do. Floor: one ``GET /health`` round trip. Targets:
  one round trip, <= 1 s.
- sync_retransferred_after_interruption: a pull cut while applying its 5th page, and a
  push whose answer is lost after the server committed, then resumed: pages and batches
  sent again. Target: <= 1 each.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

Line = Callable[..., None]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server(*args: str) -> list[str]:
    return [PY, "-m", "server.cli", *args]


def _enrol(server_db: Path, name: str) -> str:
    done = subprocess.run(
        _server("add-office", "--db", str(server_db), "--province", "تهران", "--name", name),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


class Server:
    """A ``daftar-server serve`` process on a free loopback port."""

    def __init__(self, db: Path, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("w")
        self.process = subprocess.Popen(
            _server("serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(self.port)),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{self.url}/health", timeout=1)
                return
            except httpx.TransportError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise SystemExit("bench: the sync server did not start") from None
                time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        self.log.close()


def bench_sync(work: Path, records: int, line: Line, note: Callable[[str], None]) -> None:
    from app.services.core.db import open_database
    from app.services.demo import generate
    from app.services.sync.client import SyncClient
    from app.services.sync.errors import SyncError
    from app.services.sync.pull import PULL_PAGE, Puller
    from app.services.sync.push import Pusher
    from app.services.sync.setup import setup_office_from_server
    from app.services.sync.transport import Transport
    from bench.signin import as_head
    from common.protocol import PullResponse, PushOperation, PushRequest, PushResult

    folder = work / "sync"
    folder.mkdir(parents=True, exist_ok=True)
    server_db = folder / "server.sqlite3"
    for path in (server_db, folder / "source.sqlite3", folder / "empty.sqlite3"):
        _remove(path)
    for path in folder.glob("cut-*.sqlite3*"):
        path.unlink()
    source_token = _enrol(server_db, "اداره استان تهران (منبع)")
    empty_token = _enrol(server_db, "اداره استان تهران (تازه)")
    cut_token = _enrol(server_db, "اداره استان تهران (قطع)")
    server = Server(server_db, folder / "server.log")
    try:
        # An office with ~records rows (holder, licence, history entry per licence).
        source = as_head(open_database(folder / "source.sqlite3"))
        transport = Transport(server.url, source_token)
        setup_office_from_server(source, server.url, source_token, transport=transport)
        note(f"sync: demo office with {records:,} records…")
        licences = records // 3 + 1
        for _ in range(0, licences, 10_000):
            SyncClient(source, transport).reserve_numbers(10_000)
        with source.session() as session:
            generate(session, licences, seed=7)
        note("sync: first push of the whole office (not a figure)…")
        started = time.perf_counter()
        SyncClient(source, transport).run()
        note(f"sync: pushed in {time.perf_counter() - started:.1f} s")

        # --- initial pull into an empty office database ---
        floor_started = time.perf_counter()
        since, rows = 0, 0
        with httpx.Client(timeout=60) as client:
            while True:
                page = client.get(
                    f"{server.url}/v1/pull",
                    params={"since": since, "limit": PULL_PAGE},
                    headers={"Authorization": f"Bearer {empty_token}"},
                ).json()
                rows += len(page["changes"])
                since = page["cursor"]
                if not page["has_more"]:
                    break
        floor = time.perf_counter() - floor_started
        empty = as_head(open_database(folder / "empty.sqlite3"))
        pull_transport = Transport(server.url, empty_token)
        started = time.perf_counter()
        report = setup_office_from_server(empty, server.url, empty_token, transport=pull_transport)
        elapsed = time.perf_counter() - started
        rate = report.pulled / elapsed
        line(
            f"sync_initial_pull_{report.pulled}_records ({rate:,.0f} rows/s)",
            elapsed,
            "s",
            floor,
            "s (download + JSON only)",
            "<= 60 s and >= 2000 rows/s",
            elapsed <= 60 and rate >= 2000,
        )

        # --- push of 10,000 offline changes ---
        client_push = SyncClient(source, transport)
        client_push.reserve_numbers(3334)
        with source.session() as session:
            generate(session, 3334, seed=8)  # person + licence + history: 10,002 changes
        pusher = Pusher(source, transport, client_push.progress, client_push.report)
        with source.session() as session:
            batches = []
            last = 0
            while True:
                batch = pusher.next_batch(session, last)
                if not batch.ops:
                    break
                batches.append(
                    PushRequest(operations=batch.operations).model_dump_json().encode("utf-8")
                )
                last = batch.ops[-1].seq
        changes = sum(len(json.loads(b)["operations"]) for b in batches)
        floor_started = time.perf_counter()
        with httpx.Client(timeout=60) as client:
            for body in batches:
                client.post(
                    f"{server.url}/v1/push",
                    content=body,
                    headers={"Content-Type": "application/json", "Authorization": "Bearer x"},
                )
        floor = time.perf_counter() - floor_started
        started = time.perf_counter()
        client_push.push()
        elapsed = time.perf_counter() - started
        line(
            f"sync_push_{changes}_changes",
            elapsed,
            "s",
            floor,
            "s (same bytes sent, refused unread)",
            "<= 20 s",
            elapsed <= 20,
        )
        SyncClient(source, transport).run()  # its own echo, so the next sync is idle

        # --- a sync with nothing to do ---
        SyncClient(empty, pull_transport).run()
        started = time.perf_counter()
        idle = SyncClient(empty, pull_transport).run()
        elapsed = time.perf_counter() - started
        floor_started = time.perf_counter()
        httpx.get(f"{server.url}/health", timeout=5)
        floor = time.perf_counter() - floor_started
        line(
            f"sync_noop ({idle.round_trips} round trip)",
            elapsed,
            "s",
            floor,
            "s (GET /health)",
            "1 round trip, <= 1 s",
            idle.round_trips == 1 and elapsed <= 1,
        )

        # --- interruptions: what is sent again ---
        cut_db = as_head(open_database(folder / "cut-office.sqlite3"))
        fetched = {"rows": 0, "pages": 0}

        class Counting(Transport):
            def pull(self, since: int, limit: int) -> PullResponse:
                page = super().pull(since, limit)
                fetched["pages"] += 1
                fetched["rows"] += len(page.changes)
                return page

        counting = Counting(server.url, cut_token)
        original = Puller.apply_page
        applied = {"pages": 0}

        def dies_on_fifth_page(self: Puller, session: Any, changes: Any) -> None:
            applied["pages"] += 1
            if applied["pages"] == 5:
                raise SyncError("the process died here", "cut")
            original(self, session, changes)

        Puller.apply_page = dies_on_fifth_page  # type: ignore[method-assign]
        try:
            setup_office_from_server(cut_db, server.url, cut_token, transport=counting)
        except SyncError:
            pass
        finally:
            Puller.apply_page = original  # type: ignore[method-assign]
        SyncClient(cut_db, counting).run()
        import sqlite3

        with sqlite3.connect(server_db) as conn:
            in_scope = conn.execute("SELECT count(*) FROM record").fetchone()[0]
        rows_again = fetched["rows"] - in_scope
        line(
            f"sync_pull_pages_retransferred_after_interruption ({rows_again} rows)",
            rows_again / PULL_PAGE,
            "pages",
            -(-in_scope // PULL_PAGE),
            "pages (a clean pull)",
            "<= 1",
            rows_again <= PULL_PAGE,
        )
        with cut_db.session() as session:
            generate(session, 1000, seed=9)  # 3,000 changes: 6 batches

        class LosesThirdAnswer(Transport):
            batches = 0

            def push(self, operations: Sequence[PushOperation]) -> list[PushResult]:
                answer = super().push(operations)
                LosesThirdAnswer.batches += 1
                if LosesThirdAnswer.batches == 3:
                    raise SyncError("the answer was lost", "offline")
                return answer

        with contextlib.suppress(SyncError):
            SyncClient(cut_db, LosesThirdAnswer(server.url, cut_token)).run()
        resumed = SyncClient(cut_db, Transport(server.url, cut_token)).run()
        batches_again = -(-resumed.repeated // 500)
        line(
            f"sync_push_batches_retransferred_after_interruption ({resumed.repeated} ops)",
            batches_again,
            "batches",
            6,
            "batches (the whole push)",
            "<= 1",
            batches_again <= 1,
        )
        cut_db.close()
        source.close()
        empty.close()
    finally:
        server.stop()
