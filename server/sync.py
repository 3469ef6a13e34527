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

Scope: licences, supporters, network members, events and closure days have a home
county (their ``county_id``, the client's reference id of the county); people take the
county of their licence, and history entries, certificates, members, participants and
attendance their parent's. ``record_scope`` lists every county a record is seen in: a
holder wherever a licence of theirs, a network member or an event participant naming
them is; a supporter network in every county with a member (see _wanted_scopes). An
operation outside the office's scope is rejected. ``server_seq`` comes from a counter
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

from sqlalchemy import bindparam, select, tuple_, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from app.models.base import reference_id
from server.identity import index_keys
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
SYNCED_TABLES = frozenset(
    {
        "person",
        "licence",
        "licence_history",
        "certificate_issue",
        "supporter",
        "network_member",
        "event",
        "event_participant",
        "event_attendance",
        "closure_day",
    }
)
#: Reference tables: central wins, read-only for offices.
REFERENCE_TABLES = frozenset({"province", "county", "field_group", "business_field"})
#: Columns never stored in ``record.data`` (row identity, revision, local-only columns).
NOT_DATA = frozenset(
    {"id", "rev", "deleted", "updated_at", "server_seq", "local_seq", "search_key"}
)
#: Tables whose own county column (the client's reference id of the county) is their
#: home scope.
COUNTY_COLUMN = {
    "licence": "county_id",
    "supporter": "county_id",
    "network_member": "county_id",
    "event": "county_id",
    "closure_day": "county_id",
}
#: Tables seen wherever their parent is: (column, parent table) pairs, the first one set
#: wins (an attendance certificate has no licence but a participant).
PARENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "licence_history": (("licence_id", "licence"),),
    "certificate_issue": (("licence_id", "licence"), ("participant_id", "event_participant")),
    "network_member": (("supporter_id", "supporter"),),
    "event_participant": (("event_id", "event"),),
    "event_attendance": (("event_id", "event"),),
}
#: The columns whose first value set is kept in ``record.link_id``: a follower's parent,
#: a licence's holder, a supporter's licence (seen wherever the supporter is), an
#: event's organiser (a supporter seen wherever the event is).
LINK_COLUMN: dict[str, tuple[str, ...]] = {
    "licence": ("person_id",),
    "supporter": ("licence_id",),
    "event": ("organiser_supporter_id",),
    **{table: tuple(column for column, _parent in pairs) for table, pairs in PARENTS.items()},
}
#: Rows that make a person visible wherever they are seen (``record.person_link``).
PERSON_COLUMN = {
    "licence": "person_id",
    "network_member": "person_id",
    "event_participant": "person_id",
}
#: The table of the row ``link_id`` names, for rows whose existence (not scope) decides
#: where that row is seen: a supporter's licence, a network member's or an event's
#: supporter.
PULLS_LINK = {"supporter": "licence", "network_member": "supporter", "event": "supporter"}
#: Follower tables of each parent table (their ``link_id`` is the parent's id).
CHILDREN: dict[str, tuple[str, ...]] = {}
for _table, _pairs in PARENTS.items():
    for _column, _parent in _pairs:
        CHILDREN[_parent] = (*CHILDREN.get(_parent, ()), _table)
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
            "شهرستان این رکورد در داده‌های پایه نیست.",
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
        """The home scope a new row gets from its own data (its county) or its
        parent's."""
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
        column = COUNTY_COLUMN.get(op.table)
        if column is not None:
            return _county_scope(data.get(column))
        parent_key = _parent_key(op.table, data)
        parent = self.session.get(Record, parent_key) if parent_key is not None else None
        if parent is not None:
            return (parent.province_code, parent.county_code)
        return office_scope(self.office)

    def _require_links(self, table: str, data: Mapping[str, Any]) -> None:
        """A new row's parent (a history entry's licence, a member's supporter, ...), a
        supporter's licence and an event's organiser must be on the server already (the
        client pushes them first; if theirs was rejected, this one is too)."""
        keys = [_parent_key(table, data)]
        link_table = PULLS_LINK.get(table)
        if link_table is not None:
            link, _person = _links(table, data)
            keys.append((link_table, link) if link is not None else None)
        for key in keys:
            if key is not None and self.session.get(Record, key) is None:
                raise Rejected(
                    "unknown_parent",
                    "رکوردی که این ردیف به آن وابسته است روی سرور نیست؛ "
                    "ابتدا باید ثبت آن فرستاده شود.",
                    f"The {key[0]} {key[1]} this row refers to is not on the server.",
                )

    def _sees_parent(self, table: str, data: Mapping[str, Any]) -> bool:
        """Whether the office sees the parent of a follower row (an office that sees a
        supporter may add members in other counties; one that sees a licence, history)."""
        parent = _parent_key(table, data)
        return parent is not None and any(
            in_scope(self.office, scope) for scope in self._scope_keys(*parent)
        )

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _write(self, record: Record, *, moved: bool = False, flipped: bool = False) -> None:
        """Give a new or changed record the next ``server_seq`` (and add a new one), and
        keep where it and the rows it decides are seen up to date. ``moved``: its county
        changed; ``flipped``: it was deleted, or brought back."""
        new = record not in self.session
        record.server_seq = self._next_seq()
        if new:
            self.session.add(record)
        record.updated_by_office = self.office.id
        record.updated_at = utcnow()
        old_links = (record.link_id, record.person_link)
        data = _data(record)
        record.link_id, record.person_link = _links(record.table_name, data)
        index_keys(self.session, record, data, new=new)
        relinked = not new and (record.link_id, record.person_link) != old_links
        if new:
            self._add_scopes(record)
        elif moved or relinked:
            self._refresh_scopes(record)
        else:
            self._touch_scopes(record)
        if new or moved or relinked or flipped:
            # Rows seen where this one is (its holder, a supporter's licence) or because
            # it exists (a member's supporter) may be seen somewhere else now.
            for other in self._pulled_in(record, old_links if relinked else (None, None)):
                self._follow(other)

    # --- visibility: record_scope and scope_exit ---
    #
    # Where a record is seen (its "wanted" scopes):
    # - licence: its county, and wherever a live supporter holding it is seen;
    # - supporter: its county, the county of each live member of its network, and of
    #   each live event it organises;
    # - event, closure_day: their county;
    # - followers (history entries, certificates, network members, event participants
    #   and attendance): wherever their parent is seen;
    # - person: wherever a live licence of theirs is seen (their home when they have
    #   none), and wherever a live network member or event participant naming them is.

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
        """Where a new record is seen (see _wanted_scopes)."""
        for scope in self._wanted_scopes(record):
            self.session.add(self._scope_row(record, scope))

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
        return self._scope_keys(record.table_name, record.id)

    def _scope_keys(self, table: str, row_id: str) -> set[ScopeKey]:
        """Where the row ``table``/``row_id`` is seen now."""
        return {
            (province, county or None)
            for province, county in self.session.execute(
                _SCOPES_OF, {"table": table, "row_id": row_id}
            )
        }

    def _wanted_scopes(self, record: Record) -> set[ScopeKey]:
        """Where a record should be visible (the rules above)."""
        home: ScopeKey = (record.province_code, record.county_code)
        table = record.table_name
        if table == "person":
            licences: set[ScopeKey] = set()
            others: set[ScopeKey] = set()
            for referrer, province, county in self.session.execute(
                _PERSON_REFERRERS, {"row_id": record.id}
            ):
                (licences if referrer == "licence" else others).add((province, county or None))
            return (licences or {home}) | others
        if table in PARENTS:
            parent = _parent_key(table, _data(record))
            scopes = self._scope_keys(*parent) if parent is not None else set()
            return scopes or {home}
        if table == "licence":
            return {home} | {
                (province, county or None)
                for province, county in self.session.execute(
                    _SUPPORTERS_SCOPES, {"row_id": record.id}
                )
            }
        if table == "supporter":
            # Its members' counties, and those of the events it organises.
            referrers = self.session.execute(
                select(Record.province_code, Record.county_code).where(
                    Record.table_name.in_(("network_member", "event")),
                    Record.link_id == record.id,
                    Record.deleted.is_(False),
                )
            )
            return {home} | {(province, county) for province, county in referrers}
        return {home}

    def _pulled_in(self, record: Record, old_links: tuple[str | None, str | None]) -> list[Record]:
        """Rows whose visibility this record decides by existing: its person (a licence's
        holder, a member's or participant's person), a supporter's licence, a member's
        supporter — with the ones it named before a change of those columns."""
        keys: list[tuple[str, str]] = []
        link_table = PULLS_LINK.get(record.table_name)
        for link, person in ((record.link_id, record.person_link), old_links):
            if link_table is not None and link is not None:
                keys.append((link_table, link))
            if record.table_name in PERSON_COLUMN and person is not None:
                keys.append(("person", person))
        return [
            other
            for key in dict.fromkeys(keys)
            if (other := self.session.get(Record, key)) is not None
        ]

    def _dependents(self, record: Record) -> list[Record]:
        """Rows seen wherever this record is: its children, its person, a supporter's
        licence."""
        related: list[Record] = []
        if record.table_name in PERSON_COLUMN and record.person_link is not None:
            person = self.session.get(Record, ("person", record.person_link))
            if person is not None:
                related.append(person)
        if record.table_name == "supporter" and record.link_id is not None:
            licence = self.session.get(Record, ("licence", record.link_id))
            if licence is not None:
                related.append(licence)
        children = CHILDREN.get(record.table_name)
        if children:
            related.extend(
                self.session.scalars(
                    select(Record).where(
                        Record.table_name.in_(children), Record.link_id == record.id
                    )
                )
            )
        return related

    def _follow(self, record: Record) -> None:
        """Bring a related record's visibility up to date; newly visible somewhere, it
        gets a new place in the feed, so offices there pull it."""
        wanted = self._wanted_scopes(record)
        if wanted != self._current_scopes(record):
            record.server_seq = self._next_seq()
            if record.table_name in PARENTS and record.table_name not in COUNTY_COLUMN:
                # A follower's home is its parent's (which may have moved).
                key = _parent_key(record.table_name, _data(record))
                parent = self.session.get(Record, key) if key is not None else None
                if parent is not None:
                    record.province_code = parent.province_code
                    record.county_code = parent.county_code
            self.session.flush()
            self._refresh_scopes(record, wanted)

    def _refresh_scopes(self, record: Record, wanted: set[ScopeKey] | None = None) -> None:
        """Make record_scope match where the record should be seen; a county it leaves
        gets a scope_exit entry. The rows seen wherever it is follow it."""
        rows = self._scope_rows(record)
        if wanted is None:
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
            self.session.add(self._scope_row(record, scope))
        self.session.flush()
        if wanted != set(rows):
            for other in self._dependents(record):
                self._follow(other)

    def _insert(self, op: Operation) -> Result:
        data = {col: change[1] for col, change in _changes(op).items()}
        scope = self._scope_for(op, data)
        self._require_links(op.table, data)
        parent_key = _parent_key(op.table, data)
        parent = self.session.get(Record, parent_key) if parent_key is not None else None
        if parent is not None:
            # A follower joins a parent the office must see (a member of another county
            # may be added by an office that sees the supporter; no other office may).
            # Licences, supporters and events are always seen in their home county.
            home_seen = parent.table_name in COUNTY_COLUMN and in_scope(
                self.office, (parent.province_code, parent.county_code)
            )
            allowed = home_seen or self._sees_parent(op.table, data)
        else:
            allowed = in_scope(self.office, scope)
        if not allowed:
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
            county_column = COUNTY_COLUMN.get(op.table)
            if county_column is not None and county_column in changes:
                scope = _county_scope(data.get(county_column))
                if not in_scope(self.office, scope) and not self._sees_parent(op.table, data):
                    raise _out_of_scope()
            moved = scope != (record.province_code, record.county_code)
            record.province_code, record.county_code = scope
            record.data = _dump(data)
            record.rev += 1
            self._write(record, moved=moved, flipped=revived)
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
        self._write(record, flipped=True)
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


#: Hot queries of the scope rules, built once. Row-value IN rather than a join, so both
#: databases start from the link index (SQLite would otherwise scan a table's scopes).
_SCOPES_OF = select(RecordScope.province_code, RecordScope.county_code).where(
    RecordScope.table_name == bindparam("table"), RecordScope.id == bindparam("row_id")
)
_PERSON_REFERRERS = select(
    RecordScope.table_name, RecordScope.province_code, RecordScope.county_code
).where(
    tuple_(RecordScope.table_name, RecordScope.id).in_(
        select(Record.table_name, Record.id).where(
            Record.person_link == bindparam("row_id"),
            Record.table_name.in_(tuple(PERSON_COLUMN)),
            Record.deleted.is_(False),
        )
    )
)
_SUPPORTERS_SCOPES = select(RecordScope.province_code, RecordScope.county_code).where(
    tuple_(RecordScope.table_name, RecordScope.id).in_(
        select(Record.table_name, Record.id).where(
            Record.link_id == bindparam("row_id"),
            Record.table_name == "supporter",
            Record.deleted.is_(False),
        )
    )
)


def _link_value(value: Any) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= 36 else None


def _parent_key(table: str, data: Mapping[str, Any]) -> tuple[str, str] | None:
    """The (table, id) a follower row is seen with, from its data."""
    for column, parent in PARENTS.get(table, ()):
        value = _link_value(data.get(column))
        if value is not None:
            return (parent, value)
    return None


def _links(table: str, data: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """A row's ``link_id`` and ``person_link`` from its data."""
    link = next(
        (
            value
            for column in LINK_COLUMN.get(table, ())
            if (value := _link_value(data.get(column))) is not None
        ),
        None,
    )
    person_column = PERSON_COLUMN.get(table)
    person = _link_value(data.get(person_column)) if person_column is not None else None
    return link, person


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
