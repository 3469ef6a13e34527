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

from collections.abc import Callable
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


def busy() -> ApiError:
    """503 for a request that waited too long for the database."""
    return ApiError(
        503,
        "busy",
        "سرور در این لحظه سرش شلوغ است؛ همگام‌سازی چند ثانیه بعد خودبه‌خود دوباره تلاش می‌کند.",
        "The server is busy; retry after the Retry-After delay.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


class Admission:
    """Admits at most ``slots`` requests at once to the database (module docstring)."""

    def __init__(self, slots: int = DEFAULT_SLOTS, wait: float = DEFAULT_WAIT_SECONDS) -> None:
        if slots < 1:
            raise ValueError("at least one database slot is needed")
        self.slots = slots
        self.wait = wait
        # anyio's primitives belong to one event loop; a TestClient may run several.
        self._gates: RunVar[tuple[anyio.Semaphore, anyio.CapacityLimiter]] = RunVar(
            f"daftar_admission_{id(self)}"
        )

    def _gate(self) -> tuple[anyio.Semaphore, anyio.CapacityLimiter]:
        try:
            return self._gates.get()
        except LookupError:
            gate = (anyio.Semaphore(self.slots), anyio.CapacityLimiter(self.slots))
            self._gates.set(gate)
            return gate

    async def run(self, request: Request, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a new session of the app's database, in one worker thread,
        once admitted; 503 ``busy`` when no slot frees within ``wait`` seconds."""
        semaphore, threads = self._gate()
        admitted = False
        with anyio.move_on_after(self.wait):
            await semaphore.acquire()
            admitted = True
        if not admitted:
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
