"""Per-scope verification after a sync (docs/sync-protocol.md, "Verification").

Once a sync has pushed and pulled, the office compares its records with the server's,
scope by scope (a slice of one table: common.scope_digest): the count of live records
and an order-independent digest of their (table, id, rev), computed by the same function
on both sides. Records whose changes the server has not accepted yet (waiting or
rejected in the outbox) and server records kept aside as duplicates of a local one are
left out on both sides, and so are pulled rows the checks refused: they differ on
purpose, and are reported where they arise.

A scope that differs (a row deleted or changed behind the app's back, a page lost) is
fetched again alone and applied like pulled rows (app.services.sync.pull: the same
checks, the same merge rules for local changes, the same folds); a live local record
of that scope the server no longer lists is hidden, as one that left the scope. What
still differs after that (a pulled row the checks refuse) is counted in the report.

It runs after a sync that moved something, and at least once every
:data:`VERIFY_EVERY` otherwise, so an idle sync stays one round trip.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import OutboxOperation, SyncConflict, utcnow
from app.services.core.access import requires
from app.services.core.office import get_setting, set_setting
from app.services.sync.pull import PULL_PAGE, Puller, keys_checked_at_end, refused_rows
from app.services.sync.report import SyncStep
from app.services.sync.settings import KEY_CURSOR, KEY_VERIFIED
from app.services.sync.tables import MODELS
from common.protocol import MAX_VERIFY_EXCLUDE, PullChange
from common.scope_digest import Scope, bucket_of, differing, digests
from common.vocabulary import Permission

log = logging.getLogger("daftar.sync")

#: An idle office verifies at least this often.
VERIFY_EVERY = dt.timedelta(hours=24)


def verification_due(session: Session, *, moved: bool) -> bool:
    """Whether a sync should end with a verification: it moved rows, or the last one is
    older than VERIFY_EVERY."""
    if moved:
        return True
    last = get_setting(session, KEY_VERIFIED)
    if not last:
        return True
    return utcnow() - dt.datetime.fromisoformat(last) >= VERIFY_EVERY


def left_out(session: Session) -> set[tuple[str, str]]:
    """Records not compared: this office's changes the server has not accepted, server
    rows kept aside as duplicates of local ones, and pulled rows the checks refused (all
    differ on purpose, and are reported where they arise)."""
    waiting = session.execute(
        select(OutboxOperation.table_name, OutboxOperation.row_id).where(
            OutboxOperation.table_name.in_(list(MODELS))
        )
    )
    duplicates = session.execute(
        select(SyncConflict.table_name, SyncConflict.row_id).where(
            SyncConflict.kind == "duplicate", SyncConflict.resolved_at.is_(None)
        )
    )
    found = {(table, row_id) for table, row_id in [*waiting, *duplicates]}
    return found | refused_rows(session)


def local_digests(
    session: Session, exclude: Collection[tuple[str, str]], tables: Collection[str] = ()
) -> dict[tuple[str, int], Scope]:
    """This office's scopes (of ``tables``, or of every synced table)."""
    return digests(_live_rows(session, exclude, tables))


def _live_rows(
    session: Session, exclude: Collection[tuple[str, str]], tables: Collection[str]
) -> Iterator[tuple[str, str, int]]:
    for table, model in MODELS.items():
        if tables and table not in tables:
            continue
        for row_id, rev in session.execute(
            select(model.id, model.rev).where(model.deleted.is_(False))
        ):
            if (table, row_id) not in exclude:
                yield table, row_id, rev


class Verifier(SyncStep):
    """Compares one office's scopes with the server's and fetches the ones that differ."""

    @requires(Permission.SYNC)
    def run(self) -> None:
        """Compare every scope with the server's; fetch again the ones that differ."""
        for attempt in range(2):
            with self.db.session() as session:
                cursor = int(get_setting(session, KEY_CURSOR) or 0)
                exclude = left_out(session)
                ours = local_digests(session, exclude)
            if len(exclude) > MAX_VERIFY_EXCLUDE:
                log.info("verification skipped: %d records wait to be accepted", len(exclude))
                return
            self.progress.report(0, None, "مقایسه داده‌ها با سرور…")
            answer = self.transport.scopes(cursor, sorted(exclude))
            if not answer.changes_waiting:
                break
            if attempt:
                log.info("verification skipped: the server's feed keeps moving")
                return
            Puller(self.db, self.transport, self.progress, self.report).run()
        theirs = {
            (scope.table, scope.bucket): Scope(scope.count, int(scope.digest, 16))
            for scope in answer.scopes
            if scope.table in MODELS
        }
        wrong = differing(ours, theirs)
        self.report.scopes_checked = len(set(ours) | set(theirs))
        if wrong:
            log.warning("verification: %d scopes differ from the server: %s", len(wrong), wrong)
            for table, bucket in wrong:
                self.progress.check()
                self._fetch_again(table, bucket, exclude)
            with self.db.session() as session:
                again = local_digests(session, exclude, {table for table, _bucket in wrong})
            still = [
                key for key in wrong if (again.get(key) or Scope()) != theirs.get(key, Scope())
            ]
            self.report.scopes_fetched_again = len(wrong)
            self.report.scopes_differing = len(still)
            if still:
                log.warning("verification: %d scopes still differ: %s", len(still), still)
        with self.db.session() as session:
            set_setting(session, KEY_VERIFIED, utcnow().isoformat())
        self.report.verified = True

    def _fetch_again(self, table: str, bucket: int, exclude: Collection[tuple[str, str]]) -> None:
        """Fetch one scope from the server and apply it like pulled rows; a live local
        record of the scope the server does not list is hidden."""
        puller = Puller(self.db, self.transport, self.progress, self.report)
        listed: set[str] = set()
        after = ""
        with keys_checked_at_end(self.db) as connection:
            while True:
                page = self.transport.scope_rows(table, bucket, after, PULL_PAGE)
                listed.update(change.id for change in page.changes)
                with Session(bind=connection) as session:
                    puller.apply_page(session, page.changes)
                    session.commit()
                after = page.after
                if not page.has_more:
                    break
            model = MODELS[table]
            with Session(bind=connection) as session:
                unlisted = [
                    row_id
                    for row_id in session.scalars(select(model.id).where(model.deleted.is_(False)))
                    if bucket_of(row_id) == bucket
                    and row_id not in listed
                    and (table, row_id) not in exclude
                ]
                if unlisted:
                    puller.apply_page(
                        session,
                        [
                            PullChange(
                                table=table,
                                id=row_id,
                                rev=0,
                                deleted=False,
                                left_scope=True,
                                server_seq=0,
                                data={},
                            )
                            for row_id in unlisted
                        ],
                    )
                    session.commit()
