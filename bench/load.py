"""``make load``: the central server under a national load, on PostgreSQL.

    python -m bench.load [--desks 1000] [--seconds 60] [--ops 200] [--rate 1200]
                         [--poll-seconds 60] [--poll-interval 30] [--workers 2]
                         [--database-url URL] [--kill-one] [--keep DIR]

Starts a real ``daftar-server serve --workers 2`` on loopback on a fresh PostgreSQL
database (made next to ``--database-url``, or DAFTAR_LOAD_DATABASE_URL, or
DAFTAR_TEST_POSTGRES_URL, and dropped afterwards) and enrols one office per county of
the reference data (448 counties of 31 provinces) with ``--desks`` desks spread over
them, each desk with a token of its own. Then:

1. **Cycles** for ``--seconds``: each desk, paced so that all desks together offer
   about ``--rate`` pushed operations a second, does what a sync does — a handshake
   with its cursor, a pull of every page waiting, a push of 1 to ``--ops`` operations
   (new holders, their licences with the history entry, and certificates printed for
   them, all valid rows of its county) — as the sync client does it: 503/429 are
   waited out (Retry-After) and sent again, at most 5 times. Anything else — another
   status, a refused or conflicting operation, no answer within 60 s — is an error.
2. **Catch-up**: every desk pulls until its feed is empty.
3. **Polling** for ``--poll-seconds``: every desk syncs every ``--poll-interval``
   seconds (randomly phased) with nothing to do: a handshake with its cursor. The app
   syncs every 120 s; the default 30 s is four times as often.
4. **Convergence**: for every county, the count and a checksum of the rows the server
   holds for that scope (read from the server's database by this harness) must equal
   those of each desk's copy built from what it pulled; every operation pushed is in
   ``applied_op`` once, every row pushed is in ``record`` once, nothing else is there.

It prints ops/s, p50/p95/p99 per endpoint, errors, and OK/MISS against the targets:
>= 1,000 pushed operations/s sustained with push p95 <= 2 s; no-op sync p95 <= 100 ms;
no error; converged, nothing lost or duplicated.

``--kill-one`` runs two server processes instead (``--workers 1`` each, desks split
between them) and kills one with SIGKILL halfway through the cycles: its desks' requests
in flight fail and are sent again to the other process with the same operation ids (a
push whose answer was lost is answered ``replayed``). Nothing may be lost or
duplicated; requests failed over are counted, not errors.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bench.desks import fresh_database
from bench.load_rows import Rows
from common.protocol import PROTOCOL_VERSION

ROOT = Path(__file__).resolve().parent.parent
REQUEST_TIMEOUT = 60.0
MAX_RETRIES = 5
PULL_LIMIT = 500
#: The targets (issue 16).
TARGET_OPS = 1000.0
TARGET_PUSH_P95 = 2.0
TARGET_NOOP_P95 = 0.100


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """``daftar-server serve`` on a free loopback port (``kill`` ends it at once)."""

    def __init__(self, url: str, log_path: Path, *extra: str) -> None:
        port = _free_port()
        self.base = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "server.cli", "serve", "--database-url", url]
        self.log = log_path.open("w")
        self.process = subprocess.Popen(
            [*command, "--port", str(port), *extra],
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=dict(os.environ),
            start_new_session=True,  # its uvicorn workers are killed with it
        )
        self.log_path = log_path
        self.killed = False
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.base}/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not start: {log_path.read_text()}")
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL the server and its workers: nothing is finished or rolled back nicely."""
        self.killed = True
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


@dataclass
class Desk:
    """One simulated desk: its office's county, its token, and its copy of the feed."""

    number: int
    token: str
    province: str
    county: str
    server: int = 0
    cursor: int = 0
    rows: dict[tuple[str, str], tuple[int, bool, str]] = field(default_factory=dict)
    #: Operations of a push that got no answer: sent again first, as an outbox does.
    outbox: list[dict[str, Any]] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Figures:
    """What a run measured."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    retries: int = 0
    failovers: int = 0
    pushed: int = 0
    replayed: int = 0
    op_ids: set[str] = field(default_factory=set)
    row_ids: set[tuple[str, str]] = field(default_factory=set)

    def error(self, text: str) -> None:
        if len(self.errors) < 10_000:
            self.errors.append(text)


class LoadError(Exception):
    """A request that failed for good."""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


# --- the desks ------------------------------------------------------------------------


class Harness:
    """The desks, the servers they talk to and what they measured."""

    def __init__(self, bases: list[str], servers: list[ServerProcess], desks: list[Desk]):
        self.bases = bases
        self.servers = servers
        self.desks = desks
        self.figures = Figures()
        self.rows = Rows(16)
        self.client: httpx.AsyncClient | None = None

    async def call(
        self, desk: Desk, endpoint: str, method: str, path: str, **kwargs: Any
    ) -> dict[str, Any]:
        """One request as the sync client sends it; its JSON answer."""
        assert self.client is not None
        began = time.monotonic()
        attempt = 0
        while True:
            try:
                response = await self.client.request(
                    method, self.bases[desk.server] + path, headers=desk.headers, **kwargs
                )
            except httpx.TransportError as exc:
                if self.servers and self.servers[desk.server].killed:
                    # Its server died under it: the same request goes to the other one.
                    self.figures.failovers += 1
                    desk.server = next(i for i, s in enumerate(self.servers) if not s.killed)
                    continue
                raise LoadError(f"{endpoint}: {type(exc).__name__}") from exc
            if response.status_code in (429, 503) and attempt < MAX_RETRIES:
                attempt += 1
                self.figures.retries += 1
                await asyncio.sleep(_retry_after(response))
                continue
            if response.status_code != 200:
                raise LoadError(f"{endpoint}: HTTP {response.status_code} {response.text[:200]}")
            self.figures.latencies[endpoint].append(time.monotonic() - began)
            answer: dict[str, Any] = response.json()
            return answer

    async def handshake(self, desk: Desk, endpoint: str) -> bool:
        body = {
            "protocol": PROTOCOL_VERSION,
            "client_schema": "load",
            "client_version": "load",
            "client_time": dt.datetime.now(dt.UTC).isoformat(),
            "cursor": desk.cursor,
        }
        hello = await self.call(desk, endpoint, "POST", "/v1/handshake", json=body)
        return bool(hello["changes_waiting"])

    async def pull(self, desk: Desk) -> None:
        while True:
            params = {"since": desk.cursor, "limit": PULL_LIMIT}
            page = await self.call(desk, "pull", "GET", "/v1/pull", params=params)
            for change in page["changes"]:
                key = (change["table"], change["id"])
                if change["left_scope"]:
                    desk.rows.pop(key, None)
                else:
                    desk.rows[key] = (change["rev"], change["deleted"], _canonical(change["data"]))
            desk.cursor = page["cursor"]
            if not page["has_more"]:
                return

    async def push(self, desk: Desk, count: int) -> None:
        """Push ``count`` new operations (after any left unanswered, like an outbox)."""
        if count:
            desk.outbox.extend(self.rows.operations(desk, count))
        while desk.outbox:
            operations, rest = desk.outbox[:500], desk.outbox[500:]
            answer = await self.call(
                desk, "push", "POST", "/v1/push", json={"operations": operations}
            )
            desk.outbox = rest
            self._count(operations, answer)

    def _count(self, operations: list[dict[str, Any]], answer: dict[str, Any]) -> None:
        for op, result in zip(operations, answer["results"], strict=True):
            if result["status"] not in ("applied", "replayed"):
                self.figures.error(f"push: {result['status']} {result.get('reason', '')}")
                continue
            self.figures.pushed += 1
            self.figures.replayed += result["status"] == "replayed"
            self.figures.op_ids.add(op["op_id"])
            self.figures.row_ids.add((op["table"], op["row_id"]))

    async def cycle(self, desk: Desk, ops: int) -> None:
        try:
            if await self.handshake(desk, "handshake"):
                await self.pull(desk)
            await self.push(desk, self.rows.random.randint(1, ops))
        except LoadError as exc:
            self.figures.error(str(exc))

    async def cycles(self, seconds: float, ops: int, rate: float, kill_at: float | None) -> float:
        """Phase 1; returns how long it lasted."""
        period = len(self.desks) * (1 + ops) / 2 / rate
        began = time.monotonic()
        until = began + seconds

        async def desk_loop(desk: Desk, offset: float) -> None:
            due = began + offset
            while due < until:
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                await self.cycle(desk, ops)
                due += period

        async def killer(at: float) -> None:
            await asyncio.sleep(at)
            print(f"# killing server process 2 of 2 at {at:.0f} s", file=sys.stderr)
            await asyncio.to_thread(self.servers[-1].kill)

        tasks = [
            asyncio.create_task(desk_loop(desk, self.rows.random.uniform(0, period)))
            for desk in self.desks
        ]
        if kill_at is not None:
            tasks.append(asyncio.create_task(killer(kill_at)))
        await asyncio.gather(*tasks)
        return time.monotonic() - began

    async def catch_up(self) -> None:
        """Phase 2: every desk sends what its outbox still holds and pulls what is
        waiting (a few desks at a time)."""
        gate = asyncio.Semaphore(50)

        async def one(desk: Desk) -> None:
            async with gate:
                try:
                    await self.push(desk, 0)
                    await self.pull(desk)
                except LoadError as exc:
                    self.figures.error(str(exc))

        await asyncio.gather(*(one(desk) for desk in self.desks))

    async def polling(self, seconds: float, interval: float) -> None:
        """Phase 3: every desk syncs every ``interval`` s with nothing to do."""
        began = time.monotonic()

        async def desk_loop(desk: Desk) -> None:
            due = began + self.rows.random.uniform(0, interval)
            while due < began + seconds:
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                try:
                    if await self.handshake(desk, "noop sync"):
                        await self.pull(desk)
                except LoadError as exc:
                    self.figures.error(str(exc))
                due += interval

        await asyncio.gather(*(desk_loop(desk) for desk in self.desks))

    async def run(self, args: argparse.Namespace) -> tuple[float, float]:
        limits = httpx.Limits(
            max_connections=len(self.desks) + 8,
            max_keepalive_connections=len(self.desks),
            keepalive_expiry=2.0,  # before uvicorn's 5 s keep-alive closes one
        )
        async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits) as client:
            self.client = client
            kill_at = args.seconds / 2 if args.kill_one else None
            cycles = await self.cycles(args.seconds, args.ops, args.rate, kill_at)
            await self.catch_up()
            began = time.monotonic()
            if args.poll_seconds > 0:
                await self.polling(args.poll_seconds, args.poll_interval)
            await self.catch_up()
            return cycles, time.monotonic() - began


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(10.0, max(0.05, float(response.headers.get("retry-after", "1"))))
    except ValueError:
        return 1.0


def _canonical(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest(rows: Any) -> tuple[int, str]:
    """The count and checksum of a scope's rows: (table, id, rev, deleted, data)."""
    lines = sorted(
        f"{t}\t{i}\t{rev}\t{int(deleted)}\t{data}" for (t, i), (rev, deleted, data) in rows
    )
    return len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest()


# --- enrolment and the server's side of the checks ------------------------------------


def enrol(url: str, desks: int) -> list[Desk]:
    """Migrate the database at ``url``; one office per county, ``desks`` desks over them
    (each desk a token of its office)."""
    from server.db import open_database
    from server.offices import enrol_office, issue_token, load_reference

    reference = load_reference()
    provinces = {place.code: place for place in reference.provinces.values()}
    # Round robin over the provinces, so a few desks already span the country.
    by_province = [
        [(provinces[code], county) for county in counties.values()]
        for code, counties in sorted(reference.counties.items())
    ]
    places = [
        place
        for rank in range(max(len(counties) for counties in by_province))
        for counties in by_province
        if rank < len(counties)
        for place in [counties[rank]]
    ]
    engine = open_database(None, url)
    made: list[Desk] = []
    try:
        with Session(engine) as session, session.begin():
            offices = []
            for n, (province, county) in enumerate(places[: min(desks, len(places))]):
                office, token = enrol_office(
                    session,
                    name=f"اداره {county.name}",
                    province=province.name,
                    county=county.name,
                    reference=reference,
                )
                offices.append(office)
                made.append(Desk(n, token, province.code, county.code))
            for n in range(len(made), desks):
                office = offices[n % len(offices)]
                token = issue_token(session, office, label=f"desk {n}")
                made.append(Desk(n, token, office.province_code, office.county_code or ""))
    finally:
        engine.dispose()
    return made


def check(url: str, harness: Harness) -> list[str]:
    """Every desk's copy equals the server's rows for its county; every pushed operation
    and row is on the server exactly once, and nothing else. The problems found."""
    problems: list[str] = []
    figures = harness.figures
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            scoped: dict[str, list[Any]] = defaultdict(list)
            for county, table, row_id, rev, deleted, data in conn.execute(
                text(
                    "SELECT s.county_code, r.table_name, r.id, r.rev, r.deleted, r.data "
                    "FROM record_scope s JOIN record r "
                    "ON r.table_name = s.table_name AND r.id = s.id"
                )
            ):
                scoped[county].append(
                    ((table, row_id), (rev, deleted, _canonical(json.loads(data))))
                )
            server = {county: digest(rows) for county, rows in scoped.items()}
            applied = conn.execute(text("SELECT count(*) FROM applied_op")).scalar_one()
            records = conn.execute(text("SELECT count(*) FROM record")).scalar_one()
    finally:
        engine.dispose()
    for desk in harness.desks:
        ours = digest(desk.rows.items())
        theirs = server.get(desk.county, (0, digest([])[1]))
        if ours != theirs:
            problems.append(
                f"desk {desk.number} (county {desk.county}): {ours[0]} rows, server "
                f"{theirs[0]}; checksums {'equal' if ours[1] == theirs[1] else 'differ'}"
            )
    if applied != len(figures.op_ids):
        problems.append(f"applied_op holds {applied} operations, {len(figures.op_ids)} pushed")
    if records != len(figures.row_ids):
        problems.append(f"record holds {records} rows, {len(figures.row_ids)} pushed")
    return problems


# --- the run --------------------------------------------------------------------------


def report(args: argparse.Namespace, harness: Harness, cycles: float, problems: list[str]) -> bool:
    """Print the figures and the verdict; True when every target holds."""
    f = harness.figures
    rate = f.pushed / cycles if cycles else 0.0
    print(
        f"load: {len(harness.desks)} desks in {len({d.county for d in harness.desks})} "
        f"counties ({len({d.province for d in harness.desks})} provinces); "
        + (
            "two server processes, one killed halfway"
            if args.kill_one
            else f"serve --workers {args.workers}"
        )
        + f" on PostgreSQL; {os.cpu_count()} cores shared by server, database and desks"
    )
    print(
        f"pushed {f.pushed:,} operations in {cycles:.1f} s: {rate:,.0f} ops/s "
        f"(offered ~{args.rate:,.0f}); replayed {f.replayed}; 503/429 retries {f.retries}; "
        f"failed over {f.failovers}"
    )
    for endpoint in ("handshake", "pull", "push", "noop sync"):
        values = f.latencies.get(endpoint, [])
        if values:
            print(
                f"  {endpoint:10s} n={len(values):6d}  p50 {percentile(values, 50) * 1000:8.1f} ms"
                f"  p95 {percentile(values, 95) * 1000:8.1f} ms"
                f"  p99 {percentile(values, 99) * 1000:8.1f} ms"
            )
    kinds = {kind: f.errors.count(kind) for kind in sorted(set(f.errors))}
    print(f"errors: {len(f.errors)} {kinds if kinds else ''}")
    for problem in problems[:20]:
        print(f"  not converged: {problem}")
    push_p95 = percentile(f.latencies.get("push", []), 95)
    noop = f.latencies.get("noop sync", [])
    checks = [
        (f"pushed ops/s >= {TARGET_OPS:.0f}", rate >= TARGET_OPS),
        (f"push p95 <= {TARGET_PUSH_P95:.0f} s", push_p95 <= TARGET_PUSH_P95),
        ("no error", not f.errors),
        ("converged, nothing lost or duplicated", not problems),
    ]
    if args.poll_seconds > 0:
        noop_p95 = percentile(noop, 95)
        checks.insert(2, (f"no-op sync p95 <= {TARGET_NOOP_P95 * 1000:.0f} ms", noop_p95 <= 0.1))
    for name, ok in checks:
        print(f"{'OK  ' if ok else 'MISS'} {name}")
    return all(ok for _name, ok in checks)


@contextmanager
def servers(url: str, args: argparse.Namespace, folder: Path) -> Iterator[list[ServerProcess]]:
    """The server process (``--workers``), or two single-worker ones for ``--kill-one``."""
    extra = ["--db-connections", str(args.db_connections)]
    with ExitStack() as stack:
        made: list[ServerProcess] = []
        count = 2 if args.kill_one else 1
        for n in range(count):
            workers = "1" if args.kill_one else str(args.workers)
            process = ServerProcess(url, folder / f"server-{n}.log", "--workers", workers, *extra)
            stack.callback(process.stop)
            made.append(process)
        yield made


def run(args: argparse.Namespace, folder: Path) -> tuple[bool, Harness, list[str]]:
    """One whole run on a fresh database; (targets held, the harness, convergence problems)."""
    with fresh_database(args.database_url, folder) as url:
        desks = enrol(url, args.desks)
        with servers(url, args, folder) as processes:
            for n, desk in enumerate(desks):
                desk.server = n % len(processes)
            harness = Harness([p.base for p in processes], processes, desks)
            cycles, _polling = asyncio.run(harness.run(args))
        problems = check(url, harness)
        ok = report(args, harness, cycles, problems)
        return ok, harness, problems


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    p.add_argument("--desks", type=int, default=1000)
    p.add_argument("--seconds", type=float, default=60.0, help="how long the cycles last")
    p.add_argument("--ops", type=int, default=200, help="the most operations of one push")
    p.add_argument("--rate", type=float, default=1200.0, help="pushed operations/s offered")
    p.add_argument("--poll-seconds", type=float, default=60.0)
    p.add_argument(
        "--poll-interval",
        type=float,
        default=30.0,
        help="seconds between a desk's no-op syncs (the app: 120)",
    )
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--db-connections", type=int, default=10)
    p.add_argument("--kill-one", action="store_true")
    p.add_argument(
        "--database-url",
        default=os.environ.get("DAFTAR_LOAD_DATABASE_URL")
        or os.environ.get("DAFTAR_TEST_POSTGRES_URL"),
        help="a PostgreSQL URL; the run makes (and drops) a database next to it",
    )
    p.add_argument("--keep", metavar="DIR", help="keep the server logs in DIR")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not args.database_url or not args.database_url.startswith("postgresql"):
        print(
            "bench.load needs PostgreSQL: --database-url postgresql+psycopg://… "
            "(or DAFTAR_LOAD_DATABASE_URL)",
            file=sys.stderr,
        )
        return 2
    with tempfile.TemporaryDirectory(prefix="daftar-load-") as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        ok, _harness, _problems = run(args, folder)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
