"""Pulling the change feed: page by page from the stored cursor until it is exhausted.

A page is applied in the same transaction that stores the new cursor, so an
interruption repeats at most one page. Rows arrive in feed order (a licence may come a
page before its holder), so foreign keys are checked once the whole feed is in. For
each page:

- every live row is checked with the rules a pushed row obeys (app.services.sync.checks);
  a refused row is not applied, is logged and counted;
- fields that local operations still waiting in the outbox change keep the local value
  (the server merges them on the next push); a row created or deleted here and not yet
  accepted is left alone;
- a licence number, certificate serial or event code another local row holds is kept
  aside as a ``duplicate`` conflict for the clerk;
- a record that left the office's scope is hidden (its waiting changes are quarantined
  with :data:`LEFT_SCOPE_REASON`); a tombstone with ``merged_into`` is folded into the
  record it became (app.services.sync.identity);
- the search keys of what was written are rebuilt, and the kinds of records it changed
  noted in the report.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table, bindparam, func, insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from app.models import (
    CertificateIssue,
    EventAttendance,
    EventParticipant,
    Licence,
    LicenceHistory,
    NetworkMember,
    OutboxOperation,
    SyncConflict,
    new_id,
    utcnow,
)
from app.models.sync import OUTBOX_PENDING, OUTBOX_QUARANTINED
from app.services.core.office import get_office, get_setting, set_setting
from app.services.sync.checks import IncomingRows
from app.services.sync.identity import IDENTITY_COLUMNS, MERGED, fold, held_duplicate
from app.services.sync.report import SyncStep
from app.services.sync.settings import KEY_CURSOR, KEY_OFFICE, KEY_REFUSED
from app.services.sync.tables import (
    MODELS,
    SEARCH_KEY_TABLES,
    UNIQUE_COLUMNS,
    chunks,
    decode_row,
    dump,
    pending_fields,
    rows_written,
)
from common.protocol import PullChange

if TYPE_CHECKING:
    from app.services.core.db import Database

log = logging.getLogger("daftar.sync")

PULL_PAGE = 1000

#: Why a change of a record that left this office's scope is not pushed.
LEFT_SCOPE_REASON = (
    "این رکورد دیگر در حوزه این اداره نیست (به شهرستان دیگری منتقل شده است)؛ "
    "تغییر آن فرستاده نمی‌شود."
)
#: Tables whose ``person_id`` names a holder: a holder the server has twice shows as the
#: local one.
_PERSON_REFERRERS = frozenset(
    {"licence", "network_member", "event_participant", "facility_case", "sales_channel"}
)
#: Rows that belong to a parent row (a licence's history and certificates, ...): when the
#: parent leaves this office's scope, so do they.
_FOLLOWERS: dict[str, tuple[tuple[type[Any], str], ...]] = {
    "licence": ((LicenceHistory, "licence_id"), (CertificateIssue, "licence_id")),
    "supporter": ((NetworkMember, "supporter_id"),),
    "event": ((EventParticipant, "event_id"), (EventAttendance, "event_id")),
    "event_participant": ((CertificateIssue, "participant_id"),),
}


@dataclass
class _Plan:
    """What one table's pulled rows do to the local database."""

    #: Rows to insert and to update, grouped by their set of columns (one executemany each).
    inserts: dict[frozenset[str], list[dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    updates: dict[frozenset[str], list[dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    #: Local rows that left this office's scope (hidden), and folds (alias → canonical).
    left: list[str] = field(default_factory=list)
    merged: list[tuple[str, str]] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    #: The next local sequence number of a new licence.
    next_seq: int = 0

    def update(self, row_id: str, values: dict[str, Any]) -> None:
        values["_id"] = row_id
        self.updates[frozenset(values)].append(values)
        self.written.append(row_id)

    def insert(self, table: str, row_id: str, values: dict[str, Any]) -> None:
        values["id"] = row_id
        if table == "licence":
            values["local_seq"] = self.next_seq
            self.next_seq += 1
        if table in SEARCH_KEY_TABLES:
            values.setdefault("search_key", "")
        self.inserts[frozenset(values)].append(values)
        self.written.append(row_id)


class Puller(SyncStep):
    """Pulls the server's change feed into one office database."""

    #: The rules pulled rows are checked with (made with the first page's session).
    _incoming: IncomingRows | None = None

    def run(self) -> None:
        """Pull the change feed from the stored cursor until it is exhausted."""
        with self.db.session() as session:
            cursor = int(get_setting(session, KEY_CURSOR) or 0)
        done = 0
        with keys_checked_at_end(self.db) as connection:
            while True:
                self.progress.check()
                page = self.transport.pull(cursor, PULL_PAGE)
                with Session(bind=connection) as session:
                    self.apply_page(session, page.changes)
                    set_setting(session, KEY_CURSOR, str(page.cursor))
                    session.commit()
                done += len(page.changes)
                self.report.pulled += len(page.changes)
                cursor = page.cursor
                self.progress.report(done, None, "دریافت تغییرها از سرور…")
                if not page.has_more:
                    break

    def apply_page(self, session: Session, changes: Sequence[PullChange]) -> None:
        """Apply one page of the feed (not committed)."""
        by_table: dict[str, list[PullChange]] = defaultdict(list)
        for change in changes:
            if change.table in MODELS:
                by_table[change.table].append(change)
            else:
                log.info("pull: ignoring a row of table %r", change.table)
        written: dict[str, list[str]] = defaultdict(list)
        for table, model in MODELS.items():
            items = by_table.get(table)
            if items:
                written[table].extend(self._apply_rows(session, model, table, items))
        self.report.changed(rows_written(session, written))

    def _apply_rows(
        self, session: Session, model: type[Any], table: str, items: Sequence[PullChange]
    ) -> list[str]:
        """Write one table's pulled rows; returns the ids written."""
        items = self._checked_items(session, table, items)
        duplicates = self._duplicates(session, model, table, items)
        plan = self._plan(session, model, table, [i for i in items if i.id not in duplicates])
        for rows in plan.inserts.values():
            session.execute(insert(model), rows)
        for row_id, (column, local_id, data) in duplicates.items():
            self._keep_duplicate(session, table, row_id, column, local_id, data)
        base: Table = model.__table__
        if plan.left:
            session.execute(
                sql_update(base).where(base.c.id == bindparam("_id")).values(deleted=True),
                [{"_id": row_id} for row_id in plan.left],
            )
            plan.written.extend(plan.left)
            _hold_back(session, table, plan.left)
        for keys, rows in plan.updates.items():
            columns = sorted(k for k in keys if k != "_id")
            session.execute(
                sql_update(base)
                .where(base.c.id == bindparam("_id"))
                .values({name: bindparam(name) for name in columns}),
                rows,
            )
        for alias_id, canonical_id in plan.merged:
            held = held_duplicate(session, table, canonical_id)
            incoming = decode_row(model, held) if held is not None else None
            if fold(
                session,
                table,
                alias_id,
                canonical_id,
                incoming=incoming,
                raise_conflicts_for=self._office_ids(session),
            ):
                plan.written.append(canonical_id)
        return plan.written

    def _plan(
        self, session: Session, model: type[Any], table: str, items: Sequence[PullChange]
    ) -> _Plan:
        """Sort pulled rows into inserts, updates, rows that left the scope and folds,
        keeping what this office changed and has not sent yet."""
        ids = [item.id for item in items]
        existing: set[str] = set()
        for chunk in chunks(ids):
            existing.update(session.scalars(select(model.id).where(model.id.in_(chunk))))
        waiting = pending_fields(session, table, ids)
        plan = _Plan()
        if table == "licence":
            plan.next_seq = int(session.scalar(select(func.max(Licence.local_seq))) or 0) + 1
        person_map = self._duplicate_people(session) if table in _PERSON_REFERRERS else {}
        now = utcnow()
        for item in items:
            row_id = item.id
            if item.merged_into and table in IDENTITY_COLUMNS:
                plan.merged.append((row_id, item.merged_into))
                continue
            fields = waiting.get(row_id, frozenset())
            if item.left_scope:
                # No longer this office's (its licence moved to another county): hide the
                # local copy without telling anyone; it comes back if it returns.
                if row_id in existing and "*" not in fields:
                    plan.left.append(row_id)
                continue
            if "*" in fields:
                continue  # created or deleted here and not yet accepted: keep it all
            values = decode_row(model, item.data)
            values.pop("id", None)
            if values.get("person_id") in person_map:
                values["person_id"] = person_map[values["person_id"]]
            values.update(
                rev=item.rev or 1, deleted=item.deleted, server_seq=item.server_seq, updated_at=now
            )
            values = {k: v for k, v in values.items() if k not in fields}
            if row_id in existing:
                plan.update(row_id, values)
            elif not values["deleted"]:  # (a tombstone of a row this office never had: skip)
                plan.insert(table, row_id, values)
        return plan

    def _checked_items(
        self, session: Session, table: str, items: Sequence[PullChange]
    ) -> list[PullChange]:
        """Live rows checked and normalised like pushed ones; refused rows are dropped
        (and counted). Tombstones, folds and rows leaving the scope carry no data."""
        if self._incoming is None:
            self._incoming = IncomingRows(session)
        kept: list[PullChange] = []
        refused: set[tuple[str, str]] = set()
        for item in items:
            if item.deleted or item.left_scope or item.merged_into:
                kept.append(item)
                continue
            data = self._incoming.check(table, item.id, item.data)
            if data is None:
                self.report.refused += 1
                refused.add((table, item.id))
                continue
            kept.append(item.model_copy(update={"data": data}))
        self._remember_refused(session, refused, {(table, item.id) for item in kept})
        return kept

    def _remember_refused(
        self, session: Session, refused: set[tuple[str, str]], taken: set[tuple[str, str]]
    ) -> None:
        """Keep the rows the checks refused (until the server sends them again in a form
        they accept): the verification leaves them out (app.services.sync.verify)."""
        known = refused_rows(session)
        if not refused and not (known & taken):
            return
        rows = sorted((known - taken) | refused)
        set_setting(session, KEY_REFUSED, json.dumps(rows, ensure_ascii=False))

    def _office_ids(self, session: Session) -> frozenset[str]:
        """The ids this office goes by: its local id and the server's id for it."""
        local = get_office(session)
        return frozenset(
            value
            for value in (local.id if local else "", get_setting(session, KEY_OFFICE))
            if value
        )

    def _duplicates(
        self, session: Session, model: Any, table: str, items: Sequence[PullChange]
    ) -> dict[str, tuple[str, str, Mapping[str, Any]]]:
        """Incoming live rows whose unique value (national ID, licence number, serial) a
        different local row already holds: row id → (column, local id, data)."""
        found: dict[str, tuple[str, str, Mapping[str, Any]]] = {}
        for column in UNIQUE_COLUMNS.get(table, ()):
            claimed: dict[Any, str] = {}
            wanted = [item for item in items if not item.deleted and item.data.get(column)]
            values = [item.data[column] for item in wanted]
            for chunk in chunks(values):
                for local_id, value in session.execute(
                    select(model.id, getattr(model, column)).where(
                        getattr(model, column).in_(chunk), model.deleted.is_(False)
                    )
                ):
                    claimed[value] = local_id
            for item in wanted:
                row_id, value = item.id, item.data[column]
                holder = claimed.setdefault(value, row_id)
                if holder != row_id and row_id not in found:
                    found[row_id] = (column, holder, item.data)
        return found

    def _keep_duplicate(
        self,
        session: Session,
        table: str,
        row_id: str,
        column: str,
        local_id: str,
        data: Mapping[str, Any],
    ) -> None:
        existing = session.scalar(
            select(SyncConflict).where(
                SyncConflict.row_id == row_id,
                SyncConflict.kind == "duplicate",
                SyncConflict.resolved_at.is_(None),
            )
        )
        if existing is not None:
            existing.server_value = dump(dict(data))
            return
        log.warning("pull: %s %s duplicates local %s by %s", table, row_id, local_id, column)
        session.add(
            SyncConflict(
                id=new_id(),
                table_name=table,
                row_id=row_id,
                field=column,
                kind="duplicate",
                base_value="null",
                server_value=dump(dict(data)),
                client_value=dump(local_id),
            )
        )
        session.flush()
        self.report.conflicts += 1

    def _duplicate_people(self, session: Session) -> dict[str, str]:
        """Holders the server has twice (made offline in two offices): their other id →
        the local holder's id, so their licences show under the holder this office has."""
        return {
            row_id: json.loads(local)
            for row_id, local in session.execute(
                select(SyncConflict.row_id, SyncConflict.client_value).where(
                    SyncConflict.kind == "duplicate",
                    SyncConflict.table_name == "person",
                    SyncConflict.resolution != MERGED,
                )
            )
        }


@contextmanager
def keys_checked_at_end(db: Database) -> Iterator[Connection]:
    """A connection to apply pulled pages on (each page commits alone), with foreign
    keys checked once at the end: rows arrive in feed order, so a licence may come a
    page before the person it points at."""
    connection = db.engine.connect()
    try:
        connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
        connection.commit()  # end SQLAlchemy's autobegun block; each page commits alone
        yield connection
        orphans = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        connection.commit()
        if orphans:
            log.warning("after the pull, %d rows point at rows not here", len(orphans))
    finally:
        connection.rollback()
        connection.exec_driver_sql("PRAGMA foreign_keys = ON")
        connection.commit()
        connection.close()


def refused_rows(session: Session) -> set[tuple[str, str]]:
    """Pulled rows (table, id) the checks refused and no later pull replaced."""
    stored = get_setting(session, KEY_REFUSED)
    return {(str(table), str(row_id)) for table, row_id in json.loads(stored)} if stored else set()


def _hold_back(session: Session, table: str, row_ids: Sequence[str]) -> None:
    """Records that left this office's scope (and the rows that belong to them): what
    was waiting to be pushed for them never will be; it waits, with the reason, among
    the rejected changes, where the clerk sees it."""
    targets: list[tuple[str, list[str]]] = [(table, list(row_ids))]
    for model, column in _FOLLOWERS.get(table, ()):
        found: list[str] = []
        for chunk in chunks(row_ids):
            found.extend(session.scalars(select(model.id).where(getattr(model, column).in_(chunk))))
        targets.append((model.__tablename__, found))
    for name, ids in targets:
        for chunk in chunks(ids):
            session.execute(
                sql_update(OutboxOperation)
                .where(
                    OutboxOperation.table_name == name,
                    OutboxOperation.row_id.in_(chunk),
                    OutboxOperation.state == OUTBOX_PENDING,
                )
                .values(state=OUTBOX_QUARANTINED, error=LEFT_SCOPE_REASON)
            )
