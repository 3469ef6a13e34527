"""Many desks at once against a real ``daftar-server serve`` on loopback.

    python -m bench.desks --desks 10,50,100,200 [--seconds 10] [--database-url URL]
                          [--workers N] [--server-arg ARG ...]

Each desk is an office of its own (enrolled in a fresh database, one county after
another, with its own token) that sends handshakes as a no-op sync does, one after the
other, for ``--seconds``. All desks start together, so the first round is the Monday
morning burst. A desk answered 503 or 429 waits the ``Retry-After`` the server gave and
sends again (the sync client does the same, app.services.sync.transport); those retries
are counted, not errors. Reported per desk count: handshakes answered per second,
p50/p95/p99 latency (retries included in a request's time), the slowest first answer,
errors (no answer within 30 s, a refused connection, any other status) and retries.

Without ``--database-url`` the server runs on a SQLite file in a temporary folder; with
one (a PostgreSQL database the role may create databases next to), each run gets a new
database that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from common.protocol import PROTOCOL_VERSION

ROOT = Path(__file__).resolve().parent.parent
#: A request not answered within this many seconds counts as an error.
REQUEST_TIMEOUT = 30.0
#: At most this many retries of one request after 503/429 (as the sync client).
MAX_RETRIES = 5


@dataclass
class Figures:
    """What one run measured."""

    desks: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    first: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    retries: int = 0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def line(self) -> str:
        rate = len(self.latencies) / self.seconds if self.seconds else 0.0
        median = statistics.median(self.latencies) if self.latencies else float("nan")
        slowest_first = max(self.first) if self.first else float("nan")
        return (
            f"{self.desks:4d} desks: {rate:7.1f} syncs/s | p50 {median * 1000:7.1f} ms | "
            f"p95 {self.percentile(95) * 1000:7.1f} ms | p99 {self.percentile(99) * 1000:7.1f}"
            f" ms | first answers within {slowest_first:5.2f} s | errors {len(self.errors)}"
            f" | 503/429 retries {self.retries}"
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _enrol(url: str, desks: int) -> list[str]:
    """Create and migrate the database at ``url`` and enrol one office per desk."""
    from server.db import open_database
    from server.offices import enrol_office, load_reference

    reference = load_reference()
    places = [
        (province.name, county.name)
        for code, counties in reference.counties.items()
        for province in reference.provinces.values()
        if province.code == code
        for county in counties.values()
    ]
    engine = open_database(None, url)
    tokens: list[str] = []
    try:
        with Session(engine) as session, session.begin():
            for n in range(desks):
                province, county = places[n % len(places)]
                _office, token = enrol_office(
                    session,
                    name=f"اداره {n}",
                    province=province,
                    county=county,
                    reference=reference,
                )
                tokens.append(token)
    finally:
        engine.dispose()
    return tokens


@contextmanager
def fresh_database(base_url: str | None, folder: Path) -> Iterator[str]:
    """A fresh database: a SQLite file in ``folder``, or a new PostgreSQL database."""
    if base_url is None:
        yield f"sqlite:///{folder / 'server.sqlite3'}"
        return
    base = make_url(base_url)
    name = f"{(base.database or 'daftar')[:30]}_desks_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(
            f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' "
            "LC_COLLATE 'C' LC_CTYPE 'C'"
        )
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def serving(url: str, extra: list[str], log_path: Path) -> Iterator[str]:
    """Run ``daftar-server serve`` on ``url`` on a free loopback port; its base URL."""
    port = _free_port()
    command = [sys.executable, "-m", "server.cli", "serve", "--database-url", url]
    command += ["--port", str(port), *extra]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ)
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start: {log_path.read_text()}")
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(10.0, max(0.05, float(response.headers.get("retry-after", "1"))))
    except ValueError:
        return 1.0


async def _desk(
    client: httpx.AsyncClient, token: str, until: float, figures: Figures, start: asyncio.Event
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    await start.wait()
    first = True
    while time.monotonic() < until or first:
        body = {
            "protocol": PROTOCOL_VERSION,
            "client_schema": "bench",
            "client_version": "bench",
            "client_time": dt.datetime.now(dt.UTC).isoformat(),
            "cursor": 0,
        }
        began = time.monotonic()
        outcome = ""
        for attempt in range(MAX_RETRIES + 1):
            try:
                response = await client.post("/v1/handshake", json=body, headers=headers)
            except httpx.TimeoutException:
                outcome = "timeout"
                break
            except httpx.TransportError as exc:
                outcome = type(exc).__name__
                break
            if response.status_code in (429, 503) and attempt < MAX_RETRIES:
                figures.retries += 1
                await asyncio.sleep(_retry_after(response))
                continue
            outcome = "" if response.status_code == 200 else f"HTTP {response.status_code}"
            break
        took = time.monotonic() - began
        if outcome:
            figures.errors.append(outcome)
        else:
            figures.latencies.append(took)
        if first:
            figures.first.append(took)
            first = False


async def _run(base: str, tokens: list[str], seconds: float) -> Figures:
    # Idle connections are dropped before uvicorn's 5 s keep-alive ends, so a request is
    # never sent on a connection the server is closing (a ReadError that is no answer).
    limits = httpx.Limits(
        max_connections=len(tokens) + 8,
        max_keepalive_connections=len(tokens),
        keepalive_expiry=2.0,
    )
    async with httpx.AsyncClient(base_url=base, timeout=REQUEST_TIMEOUT, limits=limits) as client:
        start = asyncio.Event()
        began = time.monotonic()
        figures = Figures(len(tokens), seconds)
        until = began + seconds
        tasks = [
            asyncio.create_task(_desk(client, token, until, figures, start)) for token in tokens
        ]
        start.set()
        await asyncio.gather(*tasks)
        figures.seconds = time.monotonic() - began
        return figures


def measure(
    desks: int, seconds: float, base_url: str | None, extra: list[str], folder: Path
) -> Figures:
    """One run: a fresh database, ``desks`` enrolled offices, a server, the desks."""
    with fresh_database(base_url, folder) as url:
        tokens = _enrol(url, desks)
        with serving(url, extra, folder / f"server-{desks}.log") as base:
            return asyncio.run(_run(base, tokens, seconds))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.desks", description=__doc__)
    parser.add_argument("--desks", default="10,50,100,200", help="comma-separated counts")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each run lasts")
    parser.add_argument("--database-url", help="a PostgreSQL URL (default: a SQLite file)")
    parser.add_argument(
        "--server-arg",
        action="append",
        default=[],
        help="an argument passed on to daftar-server serve (repeat it)",
    )
    parser.add_argument("--keep", metavar="DIR", help="keep the server logs in DIR")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="daftar-desks-") as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for count in (int(n) for n in args.desks.split(",")):
            figures = measure(count, args.seconds, args.database_url, args.server_arg, folder)
            print(figures.line(), flush=True)
            if figures.errors:
                kinds = {kind: figures.errors.count(kind) for kind in set(figures.errors)}
                print(f"      errors: {kinds}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
