"""Writing outbox operations for every change to a synced row (same transaction)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from app.models import LOCAL_ACCOUNT_COLUMNS, OutboxOperation, SyncMixin, new_id, utcnow
from app.models.sync import OP_INSERT, OP_UPDATE, OUTBOX_PENDING
from app.services.core.access import signed_in
from app.services.core.desk import desk_id
from app.services.core.hooks import attach_once

#: Local-only columns that are never pushed.
LOCAL_COLUMNS = frozenset({"rev", "updated_at", "server_seq", "local_seq", "search_key"})
#: Columns of one table that stay on their desk besides LOCAL_COLUMNS (an account's failed
#: sign-ins, wait and last sign-in belong to the desk where they happened).
TABLE_LOCAL_COLUMNS: dict[str, frozenset[str]] = {"account": LOCAL_ACCOUNT_COLUMNS}


def local_columns(table: str) -> frozenset[str]:
    """The columns of ``table`` that are never pushed."""
    return LOCAL_COLUMNS | TABLE_LOCAL_COLUMNS.get(table, frozenset())


def json_value(value: Any) -> Any:
    """A column value as JSON holds it (dates and times in ISO 8601)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def row_snapshot(row: SyncMixin) -> dict[str, Any]:
    """The synced columns of a row, JSON-ready."""
    mapper = inspect(type(row))
    local = local_columns(getattr(type(row), "__tablename__"))  # noqa: B009 - mixin
    return {
        column.key: json_value(getattr(row, column.key))
        for column in mapper.column_attrs
        if column.key not in local
    }


def operation_row(
    table: str, row_id: str, op: str, base_rev: int, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """One outbox row as a dict, for bulk inserts."""
    return {
        "op_id": new_id(),
        "table_name": table,
        "row_id": row_id,
        "op": op,
        "base_rev": base_rev,
        "changes": json.dumps(changes, ensure_ascii=False, default=str),
        "created_at": utcnow(),
        "state": OUTBOX_PENDING,
        "error": "",
    }


def actor_columns(session: Session) -> dict[str, str]:
    """Who makes the changes of ``session``: the signed-in account and this desk (the
    outbox columns account_id, actor, desk_id); empty for a database at a schema before
    0011 (opened unmigrated by the migration tests), which has no such columns."""
    if not _has_actor_columns(session):
        return {}
    account = signed_in(session)
    return {
        "account_id": "" if account is None else account.account_id,
        "actor": "" if account is None else account.name,
        "desk_id": desk_id(session),
    }


def _has_actor_columns(session: Session) -> bool:
    known = session.info.get(_ACTOR_COLUMNS)
    if not isinstance(known, bool):
        columns = session.connection().exec_driver_sql("PRAGMA table_info(outbox)").all()
        known = session.info[_ACTOR_COLUMNS] = any(row[1] == "desk_id" for row in columns)
    return known


_ACTOR_COLUMNS = "daftar.outbox_has_actor"


def stamp_actors(factory: sessionmaker[Session]) -> None:
    """Every outbox operation a session of ``factory`` adds records who made it."""
    attach_once(factory, "outbox actors", ("before_flush", _stamp))


def _stamp(session: Session, _context: Any, _instances: Any) -> None:
    operations = [
        row for row in session.new if isinstance(row, OutboxOperation) and not row.desk_id
    ]
    if operations:
        columns = actor_columns(session)
        for operation in operations:
            for name, value in columns.items():
                setattr(operation, name, value)


def record_insert(session: Session, row: SyncMixin) -> None:
    """Queue the creation of ``row`` (all its synced columns as new values)."""
    table = getattr(type(row), "__tablename__")  # noqa: B009 - mixin has no attribute
    changes = {name: [None, value] for name, value in row_snapshot(row).items()}
    session.add(OutboxOperation(**operation_row(table, row.id, OP_INSERT, 0, changes)))


def insert_record(session: Session, row: SyncMixin) -> None:
    """Add a new synced row and queue its creation (flushed first, so its defaults are
    in the snapshot the outbox records)."""
    session.add(row)
    session.flush()
    record_insert(session, row)


def record_update(
    session: Session, row: SyncMixin, base_rev: int, changes: Mapping[str, list[Any]]
) -> None:
    """Queue a change of ``row`` made against revision ``base_rev``."""
    if not changes:
        return
    table = getattr(type(row), "__tablename__")  # noqa: B009 - mixin has no attribute
    local = local_columns(table)
    synced = {k: v for k, v in changes.items() if k not in local}
    if synced:
        session.add(OutboxOperation(**operation_row(table, row.id, OP_UPDATE, base_rev, synced)))


def apply_values(
    row: SyncMixin, values: Mapping[str, Any], names: Iterable[str]
) -> dict[str, list[Any]]:
    """Set the attributes ``names`` of ``row`` to ``values`` where they differ (names
    missing from ``values`` are left alone); returns ``{name: [old, new]}``, JSON-ready."""
    changes: dict[str, list[Any]] = {}
    for name in names:
        if name not in values:
            continue
        old, new = getattr(row, name), values[name]
        if old != new:
            changes[name] = [json_value(old), json_value(new)]
            setattr(row, name, new)
    return changes


def touch(session: Session, row: SyncMixin, changes: Mapping[str, list[Any]]) -> None:
    """A changed row: the next revision, the time, and its outbox operation."""
    base_rev = row.rev
    row.rev = base_rev + 1
    row.updated_at = utcnow()
    record_update(session, row, base_rev, changes)


def pending_count(session: Session) -> int:
    """How many local changes wait to be pushed."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(OutboxOperation)
            .where(OutboxOperation.state == OUTBOX_PENDING)
        )
        or 0
    )
