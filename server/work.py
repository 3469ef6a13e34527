"""The database work of one request: admitted, then run in one thread, in one session.

Every endpoint that reads or writes the database hands its work (a plain function of a
session, which authenticates the office, does the work, commits, and builds the
answer) to :meth:`Admission.run`:

1. **Admission.** At most ``slots`` requests of a server process work on the database
   at once. The others wait on the event loop, holding no thread and no connection; one
   still waiting after ``wait`` seconds is answered **503** ``busy`` with
   ``Retry-After`` (the sync client waits and sends again, bounded:
   app.services.sync.transport).
2. **One thread, one session.** An admitted request's work runs in one worker thread
   from start to end: the session is opened there, its connection taken from the pool
   there, and the session closed (the connection returned) before the thread is given
   back. Nothing that holds a connection ever waits for a thread.
3. **A pool as large as the admission.** The engine's pool holds ``slots`` connections
   (server.db.make_engine), so an admitted request never waits for a connection either;
   the pool's own timeout is short and only guards against a leak.

4. **One office at a time, a few requests.** A request carrying an office token counts
   against that token (one desk) while it waits and while it works: beyond
   ``per_office`` of them at once it is answered **429** ``office_busy`` with
   ``Retry-After`` at once, before it takes a slot. A desk syncs one request after the
   other, so only a flood (a broken or hostile client sending many requests in
   parallel) meets the limit, and it can no longer fill the admission's queue ahead of
   every other office. Counted per process, by the token's digest (no database work).

Why (issue 16): the endpoints used to take their session from a synchronous
``yield`` dependency and the office from a second synchronous dependency. FastAPI runs
each of them, and then the endpoint, in separate trips to anyio's worker threads (40 by
default). A request took its pooled connection in the first trip and held it while it
queued for the thread of the next. With more requests at once than the pool had
connections (5 + 10 overflow), the 40 threads filled with requests waiting up to 30 s
for a connection, while the requests that held the 15 connections waited behind them
for a thread: a stall, not a slowdown (100 desks: no handshake answered within 30 s).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar
from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker

from server.db import DEFAULT_CONNECTIONS
from server.errors import ApiError

T = TypeVar("T")

#: Requests of one server process working on the database at once (and the size of
#: its connection pool): ``daftar-server serve --db-connections``.
DEFAULT_SLOTS = DEFAULT_CONNECTIONS
#: How long a request waits for a slot before it is answered 503 (seconds).
DEFAULT_WAIT_SECONDS = 10.0
#: The ``Retry-After`` of a 503 (seconds).
RETRY_AFTER_SECONDS = 1
#: Requests of one office token in flight at once (waiting or working) per process:
#: ``daftar-server serve --office-requests``.
DEFAULT_PER_OFFICE = 4


def busy() -> ApiError:
    """503 for a request that waited too long for the database."""
    return ApiError(
        503,
        "busy",
        "سرور در این لحظه سرش شلوغ است؛ همگام‌سازی چند ثانیه بعد خودبه‌خود دوباره تلاش می‌کند.",
        "The server is busy; retry after the Retry-After delay.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def office_busy() -> ApiError:
    """429 for a request beyond its office token's share (module docstring, 4)."""
    return ApiError(
        429,
        "office_busy",
        "از این دستگاه هم‌زمان درخواست‌های زیادی به سرور رسیده است؛ همگام‌سازی چند ثانیه "
        "بعد خودبه‌خود دوباره تلاش می‌کند.",
        "Too many requests of this office token at once; retry after the Retry-After delay.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


@dataclass
class _Gate:
    """One event loop's admission: the slots, their threads, requests per token."""

    slots: anyio.Semaphore
    threads: anyio.CapacityLimiter
    in_flight: Counter[str] = field(default_factory=Counter)


class Admission:
    """Admits at most ``slots`` requests at once to the database, and at most
    ``per_office`` of one office token (module docstring)."""

    def __init__(
        self,
        slots: int = DEFAULT_SLOTS,
        wait: float = DEFAULT_WAIT_SECONDS,
        per_office: int = DEFAULT_PER_OFFICE,
    ) -> None:
        if slots < 1:
            raise ValueError("at least one database slot is needed")
        if per_office < 1:
            raise ValueError("an office needs at least one request at a time")
        self.slots = slots
        self.wait = wait
        self.per_office = per_office
        #: Requests answered 503 (no slot in time) and 429 (beyond an office's share).
        self.refused = {"busy": 0, "office_busy": 0}
        # anyio's primitives belong to one event loop; a TestClient may run several.
        self._gates: RunVar[_Gate] = RunVar(f"daftar_admission_{id(self)}")

    def _gate(self) -> _Gate:
        try:
            return self._gates.get()
        except LookupError:
            gate = _Gate(anyio.Semaphore(self.slots), anyio.CapacityLimiter(self.slots))
            self._gates.set(gate)
            return gate

    async def run(
        self, request: Request, work: Callable[[Session], T], office_key: str | None = None
    ) -> T:
        """Run ``work`` in a new session of the app's database, in one worker thread,
        once admitted; 503 ``busy`` when no slot frees within ``wait`` seconds, 429
        ``office_busy`` at once when ``office_key`` (a token's digest) already has
        ``per_office`` requests in flight."""
        gate = self._gate()
        if office_key is None:
            return await self._admitted(gate, request, work)
        if gate.in_flight[office_key] >= self.per_office:
            self.refused["office_busy"] += 1
            raise office_busy()
        gate.in_flight[office_key] += 1
        try:
            return await self._admitted(gate, request, work)
        finally:
            gate.in_flight[office_key] -= 1
            if not gate.in_flight[office_key]:
                del gate.in_flight[office_key]

    async def _admitted(self, gate: _Gate, request: Request, work: Callable[[Session], T]) -> T:
        semaphore, threads = gate.slots, gate.threads
        admitted = False
        with anyio.move_on_after(self.wait):
            await semaphore.acquire()
            admitted = True
        if not admitted:
            self.refused["busy"] += 1
            raise busy()
        factory: sessionmaker[Session] = request.app.state.session_factory

        def in_session() -> T:
            with factory() as session:
                return work(session)

        try:
            # Its own limiter (as large as the admission): the database work never
            # queues behind anyio's default 40 threads, and they never wait for it.
            return await anyio.to_thread.run_sync(in_session, limiter=threads)
        finally:
            semaphore.release()


def admission(request: Request) -> Admission:
    """The app's admission (server.app.create_app)."""
    gate: Admission = request.app.state.admission
    return gate
