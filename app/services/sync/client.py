"""The sync client: one sync of an office database with the central server
(docs/sync-protocol.md).

One sync is: a handshake (protocol, clock skew, whether anything waits), the signing
keys (app.services.core.signing_keys), the reference data when the server's differs
(central wins), licence numbers when the office's pool runs low, the outbox pushed
oldest first in batches (app.services.sync.push), then the server's change feed pulled
page by page (app.services.sync.pull), then, when it moved rows or has not for a day,
the office's scopes compared with the server's (app.services.sync.verify). Every step
is safe to repeat: a batch whose answer never arrived is answered ``replayed``, an
interrupted pull repeats at most one page, and local changes still waiting to be pushed
are never overwritten.

What it did is a :class:`~app.services.sync.report.SyncReport`. No Qt here: the GUI runs
:func:`run_sync` in a worker with a Progress; the CLI and tests call it directly. The
network goes through :class:`~app.services.sync.transport.Transport`; setting an office
up from the server is app.services.sync.setup.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import NumberPool, OutboxOperation, utcnow
from app.models.sync import OUTBOX_QUARANTINED
from app.services.core import audit
from app.services.core.access import requires
from app.services.core.db import Database
from app.services.core.office import get_office, get_setting, set_setting
from app.services.core.outbox import pending_count
from app.services.core.progress import Progress
from app.services.core.reference import KEY_CATALOGUE, apply_reference_rows
from app.services.core.signing_keys import sync_keys
from app.services.sync.audit_sync import push_audit
from app.services.sync.errors import SyncError
from app.services.sync.pull import Puller
from app.services.sync.push import Pusher
from app.services.sync.report import SyncReport
from app.services.sync.settings import (
    KEY_CURSOR,
    KEY_LAST_ERROR,
    KEY_LAST_SYNC,
    KEY_OFFICE,
    KEY_REFERENCE,
    KEY_SKEW,
)
from app.services.sync.transport import Transport, transport_for
from app.services.sync.verify import Verifier, verification_due
from common.protocol import PROTOCOL_VERSION, HandshakeResponse, ReferenceResponse
from common.vocabulary import AuditAction, Permission

log = logging.getLogger("daftar.sync")

#: Reserve more licence numbers when fewer than this many are left.
POOL_LOW = 2000
POOL_SIZE = 5000


class SyncClient:
    """One office database syncing with the central server."""

    def __init__(
        self, db: Database, transport: Transport, progress: Progress | None = None
    ) -> None:
        self.db = db
        self.transport = transport
        self.progress = progress or Progress()
        self.report = SyncReport()

    # --- the whole sync ---

    @requires(Permission.SYNC)
    def run(self) -> SyncReport:
        started = time.perf_counter()
        first_trip = self.transport.round_trips
        try:
            self._run()
        except SyncError as exc:
            self._remember_error(str(exc))
            raise
        finally:
            self.report.round_trips = self.transport.round_trips - first_trip
            self.report.seconds = time.perf_counter() - started
        return self.report

    def _run(self) -> None:
        with self.db.session() as session:
            cursor = int(get_setting(session, KEY_CURSOR) or 0)
            pending = pending_count(session)
            pool_left = pool_remaining(session)
            reference_version = get_setting(session, KEY_REFERENCE)
        self.progress.report(0, None, "در حال اتصال به سرور…")
        hello = self.transport.handshake(cursor)
        self._check_handshake(hello)
        self.report.keys_changed = sync_keys(self.db, self.transport, hello.keys_version)
        if hello.reference_version != reference_version:
            self._pull_reference()
        if pool_left < POOL_LOW:
            self.reserve_numbers(POOL_SIZE)
        self.progress.check()
        if pending:
            # The trail first: the server checks the history and certificate-log rows
            # pushed against the digests their entries vouched for.
            push_audit(self.db, self.transport)
            self.push()
        if hello.changes_waiting is not False or pending:
            self.pull()
        with self.db.session() as session:
            due = verification_due(session, moved=bool(self.report.pushed or self.report.pulled))
        if due:
            self.verify()
        if self.report.changed_anything():
            # Recorded here, not after the run (core.audit's watcher leaves a sync's
            # report alone), so that the entry travels with this very sync.
            audit.record(
                self.db, AuditAction.SYNC, AuditAction.SYNC.label, detail=self.report.message()
            )
        push_audit(self.db, self.transport)
        self._finish()

    def _check_handshake(self, hello: HandshakeResponse) -> None:
        if hello.protocol < PROTOCOL_VERSION and hello.protocol < hello.min_protocol:
            raise SyncError("سرور مرکزی این نسخه از دفتر را نمی‌شناسد.", "protocol")
        self.report.skew_seconds = hello.clock_skew_seconds
        self.report.skew_warning = hello.skew_warning
        office = hello.office
        with self.db.session() as session:
            local = get_office(session)
            county_id = office.county.id if office.county is not None else None
            if local is not None and (
                (county_id or None) != local.county_id
                or (office.province.id and office.province.id != local.province_id)
            ):
                where = (office.county.name if office.county else "") or office.province.name
                raise SyncError(
                    f"این توکن متعلق به اداره «{office.name}» ({where or '؟'}) است، ولی "
                    f"این پایگاه داده متعلق به اداره {local.county_name or local.province_name} "
                    "است؛ توکن درست را از مدیر سامانه بگیرید.",
                    "wrong_office",
                )
            known = get_setting(session, KEY_OFFICE)
            if known and office.id and known != office.id:
                raise SyncError(
                    "این توکن متعلق به اداره دیگری است؛ این پایگاه داده با آن همگام نمی‌شود.",
                    "wrong_office",
                )
            if not known and office.id:
                set_setting(session, KEY_OFFICE, office.id)
            set_setting(session, KEY_SKEW, f"{self.report.skew_seconds:.1f}")
        if self.report.skew_warning:
            log.warning("clock skew %.0f s against the server", self.report.skew_seconds)

    def _remember_error(self, message: str) -> None:
        try:
            with self.db.session() as session:
                set_setting(session, KEY_LAST_ERROR, message)
        except Exception:
            log.exception("could not store the sync error")

    def _finish(self) -> None:
        with self.db.session() as session:
            set_setting(session, KEY_LAST_SYNC, utcnow().isoformat())
            set_setting(session, KEY_LAST_ERROR, "")
            self.report.quarantined = int(
                session.scalar(
                    select(func.count())
                    .select_from(OutboxOperation)
                    .where(OutboxOperation.state == OUTBOX_QUARANTINED)
                )
                or 0
            )
        self.report.complete = True
        self.progress.report(1, 1, self.report.message())

    # --- reference data and numbers ---

    def _pull_reference(self) -> None:
        self.progress.report(0, None, "دریافت داده‌های پایه…")
        answer = self.transport.reference()
        with self.db.session() as session:
            self.report.reference_changed = store_reference(session, answer)

    @requires(Permission.SYNC)
    def reserve_numbers(self, count: int) -> None:
        """Reserve ``count`` more licence numbers for this office (e.g. before a big
        import of rows without numbers)."""
        answer = self.transport.numbers(count)
        with self.db.session() as session:
            session.add(
                NumberPool(
                    prefix=answer.prefix,
                    first=answer.first,
                    last=answer.last,
                    next_value=answer.first,
                )
            )
        self.report.numbers_reserved += answer.last - answer.first + 1

    # --- push and pull ---

    @requires(Permission.SYNC)
    def push(self) -> None:
        """Push the outbox, oldest first, one batch per request (no handshake)."""
        Pusher(self.db, self.transport, self.progress, self.report).run()

    @requires(Permission.SYNC)
    def pull(self) -> None:
        """Pull the change feed from the stored cursor until it is exhausted."""
        Puller(self.db, self.transport, self.progress, self.report).run()

    @requires(Permission.SYNC)
    def verify(self) -> None:
        """Compare the office's scopes with the server's; fetch the ones that differ."""
        Verifier(self.db, self.transport, self.progress, self.report).run()


def store_reference(session: Session, answer: ReferenceResponse) -> int:
    """Apply ``GET /v1/reference``'s answer (central wins) and remember its version;
    returns how many rows changed."""
    changed = apply_reference_rows(session, answer.tables)
    set_setting(session, KEY_REFERENCE, answer.version)
    set_setting(session, KEY_CATALOGUE, str(answer.catalogue_version))
    return changed


def pool_remaining(session: Session) -> int:
    """How many reserved licence numbers are left."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(NumberPool.last - NumberPool.next_value + 1), 0)).where(
                NumberPool.next_value <= NumberPool.last
            )
        )
        or 0
    )


@requires(Permission.SYNC)
def run_sync(
    db: Database,
    *,
    transport: Transport | None = None,
    progress: Progress | None = None,
) -> SyncReport:
    """Sync the database with its server (settings from the database unless given)."""
    own = transport is None
    if transport is None:
        with db.session() as session:
            transport = transport_for(session)
    try:
        return SyncClient(db, transport, progress).run()
    finally:
        if own:
            transport.close()
