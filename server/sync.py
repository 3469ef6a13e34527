"""Push and pull: applying offices' outbox operations and serving the change feed.

Every synced row lives in ``record`` (server.models). A push applies operations in
order, each in its own savepoint so one failure never blocks the rest:

- a known ``op_id`` answers its stored result again (``replayed``), applying nothing;
- ``insert`` creates the row (the same data again is a no-op; different data is merged
  like an update whose base is empty);
- ``update`` is a three-way merge per field with the operation's old values as the base:
  the server value equal to old takes new, equal to new changes nothing, anything else
  is a conflict that keeps both values (the server's stays in the record);
- ``delete`` writes a tombstone; an edit of a tombstone, or a delete of a row edited
  since the client saw it, is a conflict — nothing comes back or goes away silently.

Scope: a licence's county comes from its ``county_id`` (the client's reference id of
the county); people, history entries and certificates take the scope of their licence.
An operation outside the office's scope is rejected. ``server_seq`` comes from a counter
row bumped in the same transaction; holding that row's lock serialises pushes, so the
change feed becomes visible in order.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select, tuple_, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from app.models.base import reference_id
from server.models import (
    AppliedOp,
    Conflict,
    NumberPool,
    Office,
    Record,
    RecordScope,
    ScopeExit,
    SyncCounter,
    utcnow,
)
from server.offices import load_reference

log = logging.getLogger("daftar.server.sync")

#: Tables offices may write.
SYNCED_TABLES = frozenset({"person", "licence", "licence_history", "certificate_issue"})
#: Reference tables: central wins, read-only for offices.
REFERENCE_TABLES = frozenset({"province", "county", "field_group", "business_field"})
#: Columns never stored in ``record.data`` (row identity, revision, local-only columns).
NOT_DATA = frozenset(
    {"id", "rev", "deleted", "updated_at", "server_seq", "local_seq", "search_key"}
)
#: The parent column that gives each table its scope.
LINK_COLUMN = {
    "licence": "person_id",
    "licence_history": "licence_id",
    "certificate_issue": "licence_id",
}
MAX_BATCH = 500
MAX_PULL = 1000
MAX_NUMBERS = 10000

Status = Literal["applied", "merged", "conflict", "rejected", "replayed"]


@dataclass(frozen=True)
class Operation:
    """One outbox operation as pushed."""

    op_id: str
    table: str
    row_id: str
    op: Literal["insert", "update", "delete", "resolve"]
    base_rev: int
    changes: Mapping[str, Sequence[Any]]


@dataclass
class Result:
    """The answer for one operation."""

    op_id: str
    status: Status
    rev: int | None = None
    server_seq: int | None = None
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    reason: str | None = None
    reason_en: str | None = None
    original_status: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "op_id": self.op_id,
            "status": self.status,
            "rev": self.rev,
            "server_seq": self.server_seq,
            "conflicts": self.conflicts,
            "reason": self.reason,
            "reason_en": self.reason_en,
            "original_status": self.original_status,
        }


class Rejected(Exception):
    """An operation the server refuses; the client quarantines it with the reason."""

    def __init__(self, code: str, reason: str, reason_en: str) -> None:
        super().__init__(reason_en)
        self.code = code
        self.reason = reason
        self.reason_en = reason_en


def _out_of_scope() -> Rejected:
    return Rejected(
        "out_of_scope",
        "خارج از حوزه این اداره",
        "The record is outside this office's scope.",
    )


# --- scope ----------------------------------------------------------------------------

ScopeKey = tuple[str, str | None]  # (province code, county code or None)


@functools.cache
def county_scopes() -> dict[str, ScopeKey]:
    """County reference id (as clients compute it) → (province code, county code)."""
    reference = load_reference()
    return {
        reference_id("county", place.code): (province_code, place.code)
        for province_code, counties in reference.counties.items()
        for place in counties.values()
    }


def office_scope(office: Office) -> ScopeKey:
    return (office.province_code, office.county_code)


def in_scope(office: Office, scope: ScopeKey) -> bool:
    """Whether a record of ``scope`` belongs to the office's county (or province)."""
    province, county = scope
    if office.county_code is not None:
        return county == office.county_code
    return province == office.province_code


def _county_scope(county_id: Any) -> ScopeKey:
    scope = county_scopes().get(str(county_id)) if isinstance(county_id, str) else None
    if scope is None:
        raise Rejected(
            "unknown_county",
            "شهرستان این پروانه در داده‌های پایه نیست.",
            f"Unknown county id {county_id!r}.",
        )
    return scope


def _new_value(op: Operation, column: str) -> Any:
    change = op.changes.get(column)
    return change[1] if change is not None and len(change) == 2 else None


# --- the push -------------------------------------------------------------------------


class Pusher:
    """Applies one batch of an office's operations (the caller commits)."""

    def __init__(self, session: Session, office: Office, batch: Sequence[Operation]) -> None:
        self.session = session
        self.office = office
        self.batch = batch

    def push(self) -> list[Result]:
        # Take the counter row's lock first: a real write opens the transaction (SQLite's
        # driver only begins one on DML, and savepoints need it) and serialises pushes.
        # Holding it, the batch numbers its writes in memory and stores the last number
        # once, at the end (a rolled-back operation leaves a harmless gap).
        self.session.execute(
            update(SyncCounter)
            .where(SyncCounter.name == "server_seq")
            .values(value=SyncCounter.value)
            .execution_options(synchronize_session=False)
        )
        self._seq = int(
            self.session.execute(
                select(SyncCounter.value).where(SyncCounter.name == "server_seq")
            ).scalar_one()
        )
        ids = [op.op_id for op in self.batch]
        self._known_ops = set(
            self.session.scalars(select(AppliedOp.op_id).where(AppliedOp.op_id.in_(ids)))
        )
        self._batch_person_county: dict[str, Any] = {}
        for other in self.batch:
            if other.table == "licence":
                person_id = _new_value(other, "person_id")
                county_id = _new_value(other, "county_id")
                if isinstance(person_id, str) and county_id is not None:
                    self._batch_person_county.setdefault(person_id, county_id)
        results = [self._one(op) for op in self.batch]
        self.session.execute(
            update(SyncCounter)
            .where(SyncCounter.name == "server_seq")
            .values(value=self._seq)
            .execution_options(synchronize_session=False)
        )
        return results

    def _one(self, op: Operation) -> Result:
        stored = self._stored_result(op)
        if stored is not None:
            return stored
        try:
            with self.session.begin_nested():
                result = self._apply(op)
                if result.status != "rejected":
                    self.session.add(
                        AppliedOp(
                            op_id=op.op_id,
                            office_id=self.office.id,
                            result=json.dumps(result.as_dict(), ensure_ascii=False),
                        )
                    )
                return result  # leaving the savepoint flushes (constraint errors: below)
        except Rejected as exc:
            log.info("office %s: op %s rejected: %s", self.office.id, op.op_id, exc.reason_en)
            return Result(op.op_id, "rejected", reason=exc.reason, reason_en=exc.reason_en)
        except (IntegrityError, DataError) as exc:
            log.warning("office %s: op %s failed: %s", self.office.id, op.op_id, exc)
            self._known_ops.add(op.op_id)
            again = self._stored_result(op)
            if again is not None:
                return again
            return Result(
                op.op_id,
                "rejected",
                reason="این تغییر با داده‌های سرور سازگار نیست.",
                reason_en="The change violates a server constraint.",
            )

    def _stored_result(self, op: Operation) -> Result | None:
        if op.op_id not in self._known_ops:
            return None
        applied = self.session.get(AppliedOp, op.op_id)
        if applied is None:
            return None
        if applied.office_id != self.office.id:
            return Result(
                op.op_id,
                "rejected",
                reason="شناسه این تغییر تکراری است.",
                reason_en="This op_id was already used by another office.",
            )
        original = json.loads(applied.result)
        return Result(
            op.op_id,
            "replayed",
            rev=original.get("rev"),
            server_seq=original.get("server_seq"),
            conflicts=list(original.get("conflicts") or []),
            original_status=str(original.get("status")),
        )

    # --- one operation ---

    def _apply(self, op: Operation) -> Result:
        if op.op == "resolve" or op.table == "conflict":
            return self._resolve(op)
        if op.table in REFERENCE_TABLES:
            raise Rejected(
                "reference_table",
                "داده‌های پایه را فقط سرور تغییر می‌دهد",
                "Reference data is changed only by the server.",
            )
        if op.table not in SYNCED_TABLES:
            raise Rejected(
                "unknown_table",
                "این جدول همگام‌سازی نمی‌شود.",
                f"Table {op.table!r} is not synced.",
            )
        record = self.session.get(Record, (op.table, op.row_id))
        if record is not None:
            self._authorise_existing(record)
        if op.op == "delete":
            return self._delete(op, record)
        if record is None:
            if op.op == "update":
                raise Rejected(
                    "unknown_row",
                    "این ردیف روی سرور نیست؛ ابتدا باید ثبت آن فرستاده شود.",
                    "The row does not exist on the server; its insert must come first.",
                )
            return self._insert(op)
        return self._merge(op, record)

    def _resolve(self, op: Operation) -> Result:
        """A clerk resolved a conflict (the chosen values travel as ordinary updates)."""
        if op.op != "resolve" or op.table != "conflict":
            raise Rejected(
                "invalid_resolution",
                "درخواست حل تعارض نامعتبر است.",
                "A conflict resolution is op 'resolve' on table 'conflict'.",
            )
        conflict = self.session.get(Conflict, op.row_id)
        if conflict is None or conflict.office_id != self.office.id:
            raise Rejected(
                "unknown_conflict",
                "این تعارض در سرور برای این اداره ثبت نشده است.",
                "No such conflict for this office.",
            )
        if conflict.resolved_at is None:
            conflict.resolved_at = utcnow()
            self.session.flush()
        return Result(op.op_id, "applied")

    def _authorise_existing(self, record: Record) -> None:
        """An office may write a record visible in its scope (a holder: in any county
        where the holder has a licence)."""
        if in_scope(self.office, (record.province_code, record.county_code)):
            return
        if any(in_scope(self.office, scope) for scope in self._current_scopes(record)):
            return
        raise _out_of_scope()

    def _scope_for(self, op: Operation, data: Mapping[str, Any]) -> ScopeKey:
        """The scope a new (or re-scoped) row gets from its own data and its parent."""
        if op.table == "licence":
            return _county_scope(data.get("county_id"))
        if op.table == "person":
            county_id = self._batch_person_county.get(op.row_id)
            if county_id is not None:
                return _county_scope(county_id)
            stored = self.session.scalars(
                select(Record)
                .where(Record.table_name == "licence", Record.link_id == op.row_id)
                .order_by(Record.server_seq)
                .limit(1)
            ).first()
            if stored is not None:
                return (stored.province_code, stored.county_code)
            return office_scope(self.office)
        licence_id = data.get("licence_id")
        if isinstance(licence_id, str) and 0 < len(licence_id) <= 36:
            licence = self.session.get(Record, ("licence", licence_id))
            if licence is not None:
                return (licence.province_code, licence.county_code)
            for other in self.batch:
                if other.table == "licence" and other.row_id == licence_id:
                    county_id = _new_value(other, "county_id")
                    if county_id is not None:
                        return _county_scope(county_id)
        return office_scope(self.office)

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _write(self, record: Record, *, moved: bool = False) -> None:
        """Give a new or changed record the next ``server_seq`` (and add a new one);
        ``moved``: a licence changed county."""
        new = record not in self.session
        record.server_seq = self._next_seq()
        if new:
            self.session.add(record)
        record.updated_by_office = self.office.id
        record.updated_at = utcnow()
        link = LINK_COLUMN.get(record.table_name)
        if link is not None:
            value = _data(record).get(link)
            record.link_id = value if isinstance(value, str) and 0 < len(value) <= 36 else None
        if new:
            self._add_scopes(record)
        elif moved:
            self._refresh_scopes(record)
        else:
            self._touch_scopes(record)

    # --- visibility: record_scope and scope_exit ---

    def _scope_row(self, record: Record, scope: ScopeKey) -> RecordScope:
        return RecordScope(
            table_name=record.table_name,
            id=record.id,
            province_code=scope[0],
            county_code=scope[1] or "",
            server_seq=record.server_seq,
        )

    def _touch_scopes(self, record: Record) -> None:
        """A changed record keeps where it is seen; its feed position moves."""
        self.session.execute(
            update(RecordScope)
            .where(RecordScope.table_name == record.table_name, RecordScope.id == record.id)
            .values(server_seq=record.server_seq)
            .execution_options(synchronize_session=False)
        )

    def _add_scopes(self, record: Record) -> None:
        """Where a new record is seen: a licence in its county (and its holder there
        too); history entries and certificates wherever their licence is."""
        home: ScopeKey = (record.province_code, record.county_code)
        scopes = {home}
        if record.table_name in ("licence_history", "certificate_issue") and record.link_id:
            scopes = {
                (row.province_code, row.county_code or None)
                for row in self.session.scalars(
                    select(RecordScope).where(
                        RecordScope.table_name == "licence", RecordScope.id == record.link_id
                    )
                )
            } or scopes
        for scope in scopes:
            self.session.add(self._scope_row(record, scope))
        if record.table_name == "licence" and record.link_id is not None:
            key = ("person", record.link_id, home[0], home[1] or "")
            if self.session.get(RecordScope, key) is None:
                person = self.session.get(Record, ("person", record.link_id))
                if person is not None:
                    # The holder now has a licence in this county too: offices there get it.
                    person.server_seq = self._next_seq()
                    self.session.flush()
                    self._touch_scopes(person)
                    self.session.add(self._scope_row(person, home))
                    self.session.flush()

    def _scope_rows(self, record: Record) -> dict[ScopeKey, RecordScope]:
        """Where the record is seen now, with its record_scope rows."""
        return {
            (row.province_code, row.county_code or None): row
            for row in self.session.scalars(
                select(RecordScope).where(
                    RecordScope.table_name == record.table_name, RecordScope.id == record.id
                )
            )
        }

    def _current_scopes(self, record: Record) -> set[ScopeKey]:
        return set(self._scope_rows(record))

    def _wanted_scopes(self, record: Record) -> set[ScopeKey]:
        """Where a record should be visible: a licence in its county; a holder wherever
        it has a live licence; history and certificates wherever their licence is."""
        home: ScopeKey = (record.province_code, record.county_code)
        if record.table_name == "licence":
            return {home}
        if record.table_name == "person":
            licences = self.session.scalars(
                select(Record).where(
                    Record.table_name == "licence",
                    Record.link_id == record.id,
                    Record.deleted.is_(False),
                )
            ).all()
            return {(r.province_code, r.county_code) for r in licences} or {home}
        if record.link_id is not None:
            licence = self.session.get(Record, ("licence", record.link_id))
            if licence is not None:
                return {(licence.province_code, licence.county_code)}
        return {home}

    def _refresh_scopes(self, record: Record) -> None:
        """Make record_scope match where the record should be seen; a county it leaves
        gets a scope_exit entry. A licence that appears in or leaves a county takes its
        holder and its history entries and certificates along."""
        rows = self._scope_rows(record)
        wanted = self._wanted_scopes(record)
        for scope, row in rows.items():
            if scope in wanted:
                row.server_seq = record.server_seq
            else:
                self.session.delete(row)
                self.session.add(
                    ScopeExit(
                        server_seq=self._next_seq(),
                        table_name=record.table_name,
                        id=record.id,
                        province_code=scope[0],
                        county_code=scope[1] or "",
                    )
                )
        for scope in wanted - set(rows):
            self.session.add(
                RecordScope(
                    table_name=record.table_name,
                    id=record.id,
                    province_code=scope[0],
                    county_code=scope[1] or "",
                    server_seq=record.server_seq,
                )
            )
        self.session.flush()
        if record.table_name == "licence" and wanted != set(rows):
            related: list[Record] = []
            if record.link_id is not None:
                person = self.session.get(Record, ("person", record.link_id))
                if person is not None:
                    related.append(person)
            if rows:  # an existing licence moved: its children follow (new ones have none)
                related.extend(
                    self.session.scalars(
                        select(Record).where(
                            Record.table_name.in_(("licence_history", "certificate_issue")),
                            Record.link_id == record.id,
                        )
                    )
                )
            for other in related:
                if self._wanted_scopes(other) != self._current_scopes(other):
                    # Newly visible somewhere: give it a new place in the feed.
                    other.server_seq = self._next_seq()
                    self.session.flush()
                    self._refresh_scopes(other)

    def _insert(self, op: Operation) -> Result:
        data = {col: change[1] for col, change in _changes(op).items()}
        scope = self._scope_for(op, data)
        if not in_scope(self.office, scope):
            raise _out_of_scope()
        record = Record(
            table_name=op.table,
            id=op.row_id,
            rev=1,
            data=_dump(data),
            deleted=False,
            province_code=scope[0],
            county_code=scope[1],
        )
        self._write(record)
        return Result(op.op_id, "applied", rev=record.rev, server_seq=record.server_seq)

    def _merge(self, op: Operation, record: Record) -> Result:
        changes = _changes(op)
        data = _data(record)
        same = all(data.get(col) == new for col, (_old, new) in changes.items())
        if op.op == "insert" and same and not record.deleted:
            # The same row again (e.g. a re-created outbox): nothing to apply.
            return Result(op.op_id, "applied", rev=record.rev, server_seq=record.server_seq)
        conflicts: list[dict[str, Any]] = []
        revived = False
        if record.deleted and list(op.changes.get("deleted") or []) == [True, False]:
            # A clerk chose to keep a record that was deleted elsewhere: bring it back.
            record.deleted = False
            revived = True
        if record.deleted:
            conflicts = [
                self._conflict(op, record, col, old, data.get(col), new, kind="deleted")
                for col, (old, new) in changes.items()
                if data.get(col) != new
            ] or [self._conflict(op, record, "deleted", False, True, False, kind="deleted")]
            return Result(
                op.op_id,
                "conflict",
                rev=record.rev,
                server_seq=record.server_seq,
                conflicts=conflicts,
                reason="این ردیف روی سرور حذف شده است.",
                reason_en="The row was deleted on the server.",
            )
        applied = revived
        for col, (old, new) in changes.items():
            server = data.get(col)
            if server == new:
                continue
            if server == old:
                data[col] = new
                applied = True
            else:
                conflicts.append(self._conflict(op, record, col, old, server, new))
        if applied:
            scope = (record.province_code, record.county_code)
            if op.table == "licence" and "county_id" in changes:
                scope = _county_scope(data.get("county_id"))
                if not in_scope(self.office, scope):
                    raise _out_of_scope()
            moved = scope != (record.province_code, record.county_code)
            record.province_code, record.county_code = scope
            record.data = _dump(data)
            record.rev += 1
            self._write(record, moved=moved)
        status: Status
        if conflicts:
            status = "conflict"
        elif op.base_rev == record.rev - (1 if applied else 0):
            status = "applied"
        else:
            status = "merged"
        return Result(
            op.op_id, status, rev=record.rev, server_seq=record.server_seq, conflicts=conflicts
        )

    def _delete(self, op: Operation, record: Record | None) -> Result:
        if record is None:
            # A delete of a row the server never saw: keep a tombstone so it never appears.
            record = Record(
                table_name=op.table,
                id=op.row_id,
                rev=1,
                data="{}",
                deleted=True,
                province_code=self.office.province_code,
                county_code=self.office.county_code,
            )
            self._write(record)
            return Result(op.op_id, "applied", rev=record.rev, server_seq=record.server_seq)
        if record.deleted:
            return Result(op.op_id, "applied", rev=record.rev, server_seq=record.server_seq)
        if 0 < op.base_rev < record.rev and not _forced(op):
            # Edited on the server since the client saw it: the edit must not vanish.
            conflict = self._conflict(op, record, "deleted", False, False, True, kind="deleted")
            return Result(
                op.op_id,
                "conflict",
                rev=record.rev,
                server_seq=record.server_seq,
                conflicts=[conflict],
                reason="این ردیف پس از آخرین همگام‌سازی در جای دیگری ویرایش شده است.",
                reason_en="The row was edited elsewhere since this office last saw it.",
            )
        record.deleted = True
        record.rev += 1
        self._write(record)
        return Result(op.op_id, "applied", rev=record.rev, server_seq=record.server_seq)

    def _conflict(
        self,
        op: Operation,
        record: Record,
        column: str,
        base: Any,
        server: Any,
        client: Any,
        *,
        kind: str = "field",
    ) -> dict[str, Any]:
        conflict = Conflict(
            table_name=record.table_name,
            row_id=record.id,
            field=column,
            kind=kind,
            base_value=_dump(base),
            server_value=_dump(server),
            client_value=_dump(client),
            office_id=self.office.id,
            op_id=op.op_id,
        )
        self.session.add(conflict)
        self.session.flush()
        return {
            "id": conflict.id,
            "field": column,
            "kind": kind,
            "base": base,
            "server": server,
            "client": client,
        }


def _forced(op: Operation) -> bool:
    """A delete a clerk confirmed in the conflict review ("keep mine": delete anyway)."""
    return list(op.changes.get("deleted") or []) == [False, True]


def _changes(op: Operation) -> dict[str, tuple[Any, Any]]:
    return {
        col: (change[0], change[1])
        for col, change in op.changes.items()
        if col not in NOT_DATA and len(change) == 2
    }


def _data(record: Record) -> dict[str, Any]:
    loaded = json.loads(record.data)
    return loaded if isinstance(loaded, dict) else {}


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def push(session: Session, office: Office, batch: Sequence[Operation]) -> list[Result]:
    """Apply a batch of the office's operations, in order (the caller commits)."""
    return Pusher(session, office, batch).push()


# --- the pull -------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page of the change feed."""

    changes: list[dict[str, Any]]
    cursor: int
    has_more: bool


def _scoped(query: Any, model: Any, office: Office) -> Any:
    if office.county_code is not None:
        return query.where(model.county_code == office.county_code)
    return query.where(model.province_code == office.province_code)


def changes_after(session: Session, office: Office, since: int) -> bool:
    """Whether the office's feed holds anything after ``since`` (two indexed probes)."""
    for model in (RecordScope, ScopeExit):
        probe = _scoped(select(model.server_seq).where(model.server_seq > since), model, office)
        if session.execute(probe.limit(1)).first() is not None:
            return True
    return False


def pull(session: Session, office: Office, since: int, limit: int) -> Page:
    """The office's records changed after ``since``, in ``server_seq`` order, and the
    records that left its scope (``left_scope``)."""
    visible = session.execute(
        _scoped(
            select(RecordScope.server_seq, RecordScope.table_name, RecordScope.id).where(
                RecordScope.server_seq > since
            ),
            RecordScope,
            office,
        )
        .order_by(RecordScope.server_seq)
        .limit(limit + 1)
    ).all()
    exits = session.execute(
        _scoped(
            select(ScopeExit.server_seq, ScopeExit.table_name, ScopeExit.id).where(
                ScopeExit.server_seq > since
            ),
            ScopeExit,
            office,
        )
        .order_by(ScopeExit.server_seq)
        .limit(limit + 1)
    ).all()
    entries: dict[tuple[int, str, str], bool] = {}  # (seq, table, id) → left scope
    for seq, table, row_id in visible:
        entries[(seq, table, row_id)] = False  # a province sees a record once per county
    for seq, table, row_id in exits:
        entries[(seq, table, row_id)] = True
    ordered = sorted(entries.items())
    has_more = len(visible) > limit or len(exits) > limit or len(ordered) > limit
    # Stop before the first entry past either list's end: nothing beyond it is known.
    horizon = min([rows[-1][0] for rows in (visible, exits) if len(rows) > limit], default=None)
    page = [item for item in ordered if horizon is None or item[0][0] < horizon][:limit]
    keys = [(table, row_id) for (_seq, table, row_id), left in page if not left]
    gone = [(table, row_id) for (_seq, table, row_id), left in page if left]
    still_visible = {
        (row.table_name, row.id)
        for chunk in range(0, len(gone), 500)
        for row in session.scalars(
            _scoped(
                select(RecordScope).where(
                    tuple_(RecordScope.table_name, RecordScope.id).in_(gone[chunk : chunk + 500])
                ),
                RecordScope,
                office,
            )
        )
    }
    records = {
        (row.table_name, row.id): row
        for chunk in range(0, len(keys), 500)
        for row in session.scalars(
            select(Record).where(
                tuple_(Record.table_name, Record.id).in_(keys[chunk : chunk + 500])
            )
        )
    }
    changes: list[dict[str, Any]] = []
    for (seq, table, row_id), left in page:
        if left and (table, row_id) in still_visible:
            continue  # it moved within this office's scope (e.g. between two counties)
        if left:
            changes.append(
                {
                    "table": table,
                    "id": row_id,
                    "rev": 0,
                    "deleted": False,
                    "left_scope": True,
                    "server_seq": seq,
                    "data": {},
                }
            )
            continue
        row = records.get((table, row_id))
        if row is None or row.server_seq != seq:
            continue
        changes.append(
            {
                "table": row.table_name,
                "id": row.id,
                "rev": row.rev,
                "deleted": row.deleted,
                "left_scope": False,
                "server_seq": row.server_seq,
                "data": _data(row),
            }
        )
    cursor = page[-1][0][0] if page else since
    return Page(changes, cursor, has_more and bool(page))


# --- licence-number pools ------------------------------------------------------------


@dataclass(frozen=True)
class Pool:
    """A reserved range of licence numbers: ``PREFIX-first`` .. ``PREFIX-last``."""

    prefix: str
    first: int
    last: int


def licence_prefix(office: Office) -> str:
    """The prefix of an office's licence numbers: its county code (province code)."""
    return office.county_code or office.province_code


def reserve_numbers(session: Session, office: Office, count: int) -> Pool:
    """Reserve the next ``count`` numbers of the office's prefix (the caller commits)."""
    prefix = licence_prefix(office)
    name = f"licence:{prefix}"
    bump = (
        update(SyncCounter)
        .where(SyncCounter.name == name)
        .values(value=SyncCounter.value + count)
        .execution_options(synchronize_session=False)
    )
    if session.execute(bump).rowcount == 0:  # type: ignore[attr-defined]
        # The prefix's first reservation. Two at once both find no row; on PostgreSQL the
        # second insert waits for the first and then fails on the key. Create the row in a
        # savepoint (losing that race is fine), then bump it like any later reservation.
        try:
            with session.begin_nested():
                session.add(SyncCounter(name=name, value=0))
        except IntegrityError:
            pass
        session.execute(bump)
    last = int(
        session.execute(select(SyncCounter.value).where(SyncCounter.name == name)).scalar_one()
    )
    pool = NumberPool(office_id=office.id, prefix=prefix, first=last - count + 1, last=last)
    session.add(pool)
    session.flush()
    log.info("office %s: reserved %s-%d..%d", office.id, prefix, pool.first, pool.last)
    return Pool(prefix, pool.first, pool.last)
