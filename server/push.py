"""Applying an office's pushed operations (docs/sync-protocol.md, "Push").

A push applies operations in order, each in its own savepoint so one failure never
blocks the rest:

- a known ``op_id`` answers its stored result again (``replayed``), applying nothing;
- every value is checked and normalised with the rules the forms use
  (common.rules) and every write is authorised by the scope rules
  (server.policy): a refused operation is ``rejected`` with a Persian reason;
- ``insert`` creates the row (the same data again is a no-op; different data is merged
  like an update whose base is empty). A holder (supporter) whose national (legal) ID
  the server already has under another id is that record: the new id becomes an alias
  (server.identity) and the values merge field by field — identical data silently, a
  different value as an ordinary conflict at the office whose push met it;
- ``update`` is a three-way merge per field with the operation's old values as the base:
  the server value equal to old takes new, equal to new changes nothing, anything else
  is a conflict that keeps both values (the server's stays in the record);
- ``delete`` writes a tombstone; an edit of a tombstone, or a delete of a row edited
  since the client saw it, is a conflict — nothing comes back or goes away silently.

Why one module of ~665 lines: the Pusher's steps (replay, canonical id, checks, insert,
merge, delete, resolve) share the batch's lookups and the feed held under its lock; the
set-based apply planned for issue 16 rewrites them together, and the split belongs to
that rewrite (the per-operation checks are already in server.policy, the lookups in
server.lookup).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from common.protocol import PushStatus
from common.rules import Context, Known, check_row, iran_today, latest_day
from server import lookup
from server.audit_api import check_vouched
from server.catalogue import catalogue_state
from server.feed import Feed
from server.identity import (
    IDENTITY_KEYS,
    IDENTITY_REFERENCES,
    NATURAL_KEYS,
    add_alias,
    canonical_id,
    holder,
    key_values,
)
from server.models import (
    AppliedOp,
    Conflict,
    Office,
    OfficeToken,
    Record,
    RecordAlias,
    RecordKey,
    utcnow,
)
from server.policy import Policy
from server.records import (
    APPEND_ONLY,
    COUNTY_COLUMN,
    OFFICE_OWNED,
    REFERENCE_TABLES,
    REFERENCES,
    SYNCED_TABLES,
    Operation,
    Rejected,
    Result,
    ScopeKey,
    changes_of,
    county_scope,
    county_scopes,
    data_of,
    dump,
    home,
    in_scope,
    new_value,
    office_scope,
    out_of_scope,
    parent_key,
)

log = logging.getLogger("daftar.server.sync")

#: ``updated_by_office`` of writes the server makes itself (folding identities).
SERVER_ACTOR = "server"
#: The column the server sets itself: the office that created a row.
ORIGIN = "origin_office"


def known_references(session: Session) -> Known:
    """The counties and business fields pushed rows may name (the server's reference
    and its current catalogue: server.catalogue), and the retired fields a new licence
    may not name."""
    state = catalogue_state(session)
    return Known(
        counties=frozenset(county_scopes()),
        fields=state.field_ids,
        retired_fields=state.retired_ids,
    )


def rules_context(session: Session, office: Office) -> Context:
    """What the row rules need for this office: a date "not in the future" may be as far
    ahead as the office's clock ran ahead at its last handshake, plus a day."""
    return Context(
        known_references(session),
        latest_day(iran_today(), office.clock_skew_seconds, grace_days=1),
    )


def invalid(reason: str) -> Rejected:
    return Rejected("invalid", f"داده نامعتبر: {reason}", f"Invalid row: {reason}")


class Pusher:
    """Applies one batch of an office's operations (the caller commits)."""

    def __init__(
        self,
        session: Session,
        office: Office,
        batch: Sequence[Operation],
        token: OfficeToken | None = None,
    ) -> None:
        self.session = session
        self.office = office
        self.batch = batch
        self.feed = Feed(session)
        self.policy = Policy(session, self.feed, office, token)
        self.rules = rules_context(session, office)

    def push(self) -> list[Result]:
        self.feed.open()
        ids = [op.op_id for op in self.batch]
        self._known_ops = set(
            self.session.scalars(select(AppliedOp.op_id).where(AppliedOp.op_id.in_(ids)))
        )
        #: Results of this batch's operations, stored in one statement at the end.
        self._applied: dict[str, dict[str, Any]] = {}
        self._prefetch()
        # A new holder's home is the county of their licence in this batch (when that
        # county is the office's), else the office's own.
        self._batch_person_county: dict[str, ScopeKey] = {}
        for other in self.batch:
            if other.table == "licence":
                person_id = new_value(other, "person_id")
                scope = county_scopes().get(str(new_value(other, "county_id")))
                if isinstance(person_id, str) and scope and in_scope(self.office, scope):
                    self._batch_person_county.setdefault(person_id, scope)
        results = [self._one(op) for op in self.batch]
        if self._applied:
            self.session.execute(insert(AppliedOp), list(self._applied.values()))
        self.feed.close()
        lookup.forget(self.session)
        return results

    def _prefetch(self) -> None:
        """Load the rows the batch names (its records, the records they refer to, the
        natural keys and aliases they use) in a few queries (server.lookup)."""
        records: list[tuple[str, str]] = []
        keys: list[tuple[str, str, str]] = []
        aliases: list[tuple[str, str]] = []
        for op in self.batch:
            if op.table not in SYNCED_TABLES:
                continue
            records.append((op.table, op.row_id))
            if op.table in IDENTITY_KEYS:
                aliases.append((op.table, op.row_id))
            new = {col: pair[1] for col, pair in op.changes.items() if len(pair) == 2}
            for column, target in REFERENCES.get(op.table, {}).items():
                value = new.get(column)
                if isinstance(value, str):
                    records.append((target, value))
                    if target in IDENTITY_KEYS:
                        aliases.append((target, value))
            keys.extend(
                (op.table, name, value) for name, value in key_values(op.table, new).items()
            )
        lookup.prefetch(self.session, Record, records)
        lookup.prefetch(self.session, RecordKey, keys)
        lookup.prefetch(self.session, RecordAlias, aliases)

    def _one(self, op: Operation) -> Result:
        stored = self._stored_result(op)
        if stored is not None:
            return stored
        try:
            with self.session.begin_nested():
                result = self._apply(op)
            # Leaving the savepoint flushed it (constraint errors: below). Its result is
            # stored with the batch's others, in one statement (push).
            if result.status != "rejected":
                self._applied[op.op_id] = {
                    "op_id": op.op_id,
                    "office_id": self.office.id,
                    "account_id": op.account_id,
                    "actor": op.actor,
                    "desk_id": op.desk_id,
                    "result": json.dumps(result.as_dict(), ensure_ascii=False),
                }
                self._known_ops.add(op.op_id)
            return result
        except Rejected as exc:
            self.feed.forget()  # the savepoint rolled back what it wrote
            log.info(
                "office %s (desk %s, account %s): op %s (%s %s) rejected: %s",
                self.office.id,
                op.desk_id or "?",
                op.account_id or "?",
                op.op_id,
                op.op,
                op.table,
                exc.reason_en,
            )
            return Result(op.op_id, "rejected", reason=exc.reason, reason_en=exc.reason_en)
        except (IntegrityError, DataError) as exc:
            self.feed.forget()
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
        applied = self._applied.get(op.op_id) or self.session.get(AppliedOp, op.op_id)
        if applied is None:
            return None
        if isinstance(applied, dict):  # applied earlier in this batch
            applied = AppliedOp(**applied)
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
            canonical_id=original.get("canonical_id"),
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
        named = op.row_id
        op = self._canonical(op)
        record = lookup.get(self.session, Record, (op.table, op.row_id))
        if op.table in OFFICE_OWNED:
            creates = op.op == "insert" and record is None
            new_row = {col: new for col, (_old, new) in changes_of(op).items()}
            self.policy.check_account_author(op.account_id, new_row if creates else None)
        if op.op == "delete":
            result = self._delete(op, record)
        elif record is None:
            if op.op == "update":
                raise Rejected(
                    "unknown_row",
                    "این ردیف روی سرور نیست؛ ابتدا باید ثبت آن فرستاده شود.",
                    "The row does not exist on the server; its insert must come first.",
                )
            if op.table in APPEND_ONLY:
                new_row = {col: new for col, (_old, new) in changes_of(op).items()}
                check_vouched(self.session, self.office, op.table, named, new_row)
            result = self._insert(op)
        else:
            result = self._merge(op, record, self._checked(op, record))
        if op.row_id != named and result.canonical_id is None:
            result.canonical_id = op.row_id
        return result

    def _canonical(self, op: Operation) -> Operation:
        """The operation with ids of folded holders/supporters replaced by the records
        they became (its own row id and the references it sets)."""
        references = IDENTITY_REFERENCES.get(op.table, {})
        row_id = canonical_id(self.session, op.table, op.row_id)
        changes = dict(op.changes)
        for column, target in references.items():
            pair = changes.get(column)
            if pair is not None and len(pair) == 2:
                changes[column] = [
                    canonical_id(self.session, target, value) if isinstance(value, str) else value
                    for value in pair
                ]
        if row_id == op.row_id and changes == op.changes:
            return op
        return dataclasses.replace(op, row_id=row_id, changes=changes)

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

    # --- values ---

    def _checked(self, op: Operation, record: Record | None) -> dict[str, tuple[Any, Any]]:
        """The op's changes with their new values checked and normalised by the row rules
        (old values normalised as far as they can be: they are only compared). The
        office never sets ``origin_office``: the server does, on insert."""
        changes = {col: pair for col, pair in changes_of(op).items() if col != ORIGIN}
        new = {col: pair[1] for col, pair in changes.items()}
        if record is None:
            check = check_row(op.table, new, self.rules)
        else:
            row = {**data_of(record), **new}
            check = check_row(op.table, row, self.rules, columns=list(changes))
        if not check.ok:
            raise invalid(check.reason())
        checked: dict[str, tuple[Any, Any]] = {}
        for col, (old, _new) in changes.items():
            normal_old = old
            if old is not None:
                old_check = check_row(op.table, {col: old}, self.rules, columns=[col])
                normal_old = old_check.values.get(col, old)
            checked[col] = (normal_old, check.values.get(col, _new))
        if record is None:
            for col, value in check.values.items():
                checked.setdefault(col, (None, value))
        return checked

    # --- insert ---

    def _scope_for(self, op: Operation, data: Mapping[str, Any]) -> ScopeKey:
        """The home scope a new row gets from its own data (its county) or its
        parent's."""
        if op.table == "person":
            return self._batch_person_county.get(op.row_id) or office_scope(self.office)
        column = COUNTY_COLUMN.get(op.table)
        if column is not None:
            return county_scope(data.get(column))
        key = parent_key(op.table, data)
        parent = lookup.get(self.session, Record, key) if key is not None else None
        if parent is not None:
            return home(parent)
        return office_scope(self.office)

    def _insert(self, op: Operation) -> Result:
        changes = self._checked(op, None)
        data = {col: new for col, (_old, new) in changes.items()}
        key = IDENTITY_KEYS.get(op.table)
        if key is not None and data.get(key):
            found = holder(self.session, op.table, key, str(data[key]))
            if found is not None and found != op.row_id:
                return self._fold_into(op, found, changes)
        scope = self._scope_for(op, data)
        self.policy.check_insert(op.table, data, scope)
        data[ORIGIN] = self.office.id
        record = Record(
            table_name=op.table,
            id=op.row_id,
            rev=1,
            data=dump(data),
            deleted=False,
            province_code=scope[0],
            county_code=scope[1],
            owner_office=self.office.id if op.table in OFFICE_OWNED else None,
        )
        self.feed.write(record, self.office.id)
        return Result(op.op_id, "applied", rev=record.rev, server_seq=record.server_seq)

    def _fold_into(
        self, op: Operation, canonical: str, changes: Mapping[str, tuple[Any, Any]]
    ) -> Result:
        """A holder (supporter) registered here under ``op.row_id`` is the server's
        ``canonical`` record: remember the alias and merge the values as an insert of that
        record (its base is empty: a different value is a conflict, never an overwrite)."""
        add_alias(self.session, op.table, op.row_id, canonical, self.office.id)
        alias = self.session.get(RecordAlias, (op.table, op.row_id))
        if alias is not None:
            alias.merged_at = utcnow()  # nothing on the server names the alias yet
        record = lookup.get(self.session, Record, (op.table, canonical))
        assert record is not None
        folded = dataclasses.replace(op, row_id=canonical, op="insert", base_rev=0)
        log.info(
            "office %s: %s %s is %s (same %s)",
            self.office.id,
            op.table,
            op.row_id,
            canonical,
            IDENTITY_KEYS[op.table],
        )
        result = self._merge(folded, record, dict(changes), claim=True)
        result.canonical_id = canonical
        return result

    # --- update ---

    def _merge(
        self,
        op: Operation,
        record: Record,
        changes: Mapping[str, tuple[Any, Any]],
        *,
        claim: bool = False,
    ) -> Result:
        data = data_of(record)
        if op.op == "insert":
            # An insert of a row the server has: its base is empty.
            changes = {col: (None, new) for col, (_old, new) in changes.items()}
        same = all(data.get(col) == new for col, (_old, new) in changes.items())
        if op.op == "insert" and same and not record.deleted:
            # The same row again (e.g. a re-created outbox): nothing to apply.
            if not (claim or self.policy.sees(record.table_name, record.id)):
                raise out_of_scope()
            return Result(op.op_id, "applied", rev=record.rev, server_seq=record.server_seq)
        if not claim:
            new_values = {col: new for col, (_old, new) in changes.items()}
            self.policy.check_update(record, new_values, {**data, **new_values})
            self._check_identity_change(record, new_values)
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
            scope = home(record)
            county_column = COUNTY_COLUMN.get(op.table)
            if county_column is not None and county_column in changes:
                scope = county_scope(data.get(county_column))
            moved = scope != home(record)
            record.province_code, record.county_code = scope
            record.data = dump(data)
            record.rev += 1
            rekey = bool(set(NATURAL_KEYS.get(op.table, ())) & set(changes))
            self.feed.write(record, self.office.id, moved=moved, flipped=revived, rekey=rekey)
        status: PushStatus
        if conflicts:
            status = "conflict"
        elif op.base_rev == record.rev - (1 if applied else 0):
            status = "applied"
        else:
            status = "merged"
        return Result(
            op.op_id, status, rev=record.rev, server_seq=record.server_seq, conflicts=conflicts
        )

    def _check_identity_change(self, record: Record, new_values: Mapping[str, Any]) -> None:
        """A holder's national ID (a supporter's legal ID) may change only to one no other
        record holds: two existing records are never merged by an edit."""
        key = IDENTITY_KEYS.get(record.table_name)
        value = new_values.get(key) if key is not None else None
        if key is None or not value:
            return
        found = holder(self.session, record.table_name, key, str(value))
        if found is not None and found != record.id:
            raise Rejected(
                "identity_taken",
                "این کد (ملی یا شناسه ملی) در سامانه برای شخص دیگری ثبت شده است؛ "
                "دو پرونده با ویرایش یکی نمی‌شوند.",
                f"Another {record.table_name} holds this {key}.",
            )

    # --- delete ---

    def _delete(self, op: Operation, record: Record | None) -> Result:
        if record is None:
            # A delete of a row the server never saw: keep a tombstone so it never appears.
            record = Record(
                table_name=op.table,
                id=op.row_id,
                rev=1,
                data=dump({ORIGIN: self.office.id}),
                deleted=True,
                province_code=self.office.province_code,
                county_code=self.office.county_code,
                owner_office=self.office.id if op.table in OFFICE_OWNED else None,
            )
            self.feed.write(record, self.office.id)
            return Result(op.op_id, "applied", rev=record.rev, server_seq=record.server_seq)
        self.policy.check_change(record)
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
        self.feed.write(record, self.office.id, flipped=True)
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
            base_value=dump(base),
            server_value=dump(server),
            client_value=dump(client),
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


def push(
    session: Session,
    office: Office,
    batch: Sequence[Operation],
    token: OfficeToken | None = None,
) -> list[Result]:
    """Apply a batch of the office's operations, in order (the caller commits);
    ``token``: the token the batch came with (a recovery token may create a head)."""
    return Pusher(session, office, batch, token).push()


# --- identities registered twice before the server knew -------------------------------


def fold_pending(session: Session) -> int:
    """Fold the aliases an upgrade found (the same national or legal ID held by two
    records pushed before the server indexed identities) into their canonical records:
    every row naming the alias is re-pointed, and the alias becomes a tombstone that
    tells offices what it became (``merged_into``). Returns how many were folded; the
    caller commits. Safe to run again."""
    pending = list(session.scalars(select(RecordAlias).where(RecordAlias.merged_at.is_(None))))
    if not pending:
        return 0
    feed = Feed(session)
    feed.open()
    for alias in pending:
        canonical = session.get(Record, (alias.table_name, alias.canonical_id))
        if canonical is not None:
            # Offices pull the kept record before they learn what the folded one became,
            # so the one that made the folded copy can compare the two.
            feed.write(canonical, SERVER_ACTOR)
        for table, references in IDENTITY_REFERENCES.items():
            columns = [col for col, target in references.items() if target == alias.table_name]
            if not columns:
                continue
            naming = session.scalars(
                select(Record).where(
                    Record.table_name == table,
                    or_(Record.link_id == alias.alias_id, Record.person_link == alias.alias_id),
                )
            )
            for record in list(naming):
                data = data_of(record)
                touched = [col for col in columns if data.get(col) == alias.alias_id]
                if not touched:
                    continue
                for col in touched:
                    data[col] = alias.canonical_id
                record.data = dump(data)
                record.rev += 1
                feed.write(record, SERVER_ACTOR)
        folded = session.get(Record, (alias.table_name, alias.alias_id))
        if folded is not None and not folded.deleted:
            folded.deleted = True
            folded.merged_into = alias.canonical_id
            folded.rev += 1
            feed.write(folded, SERVER_ACTOR, flipped=True)
        alias.merged_at = utcnow()
        log.info("folded %s %s into %s", alias.table_name, alias.alias_id, alias.canonical_id)
    feed.close()
    return len(pending)
