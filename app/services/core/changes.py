"""What a unit of work changed: the kinds of records it wrote (in the spirit of Anki's
``OpChanges``).

Every session a :class:`~app.services.core.db.Database` makes is watched (:func:`track`):
each flush notes the tables of the rows it inserted, changed or deleted, and so does every
INSERT, UPDATE or DELETE statement run through the session (``session.execute(insert(...))``).
When the session commits, those tables become its committed changes; a rollback forgets
what was not committed. :func:`committed_kinds` turns them into
:class:`~common.vocabulary.RecordKind` members, which is what the views announce
(``AppContext.run_op``) so that every screen showing such records refreshes itself, and
only those.

Writes that bypass SQLAlchemy (the DB-API ``executemany`` of
:mod:`app.services.licences.bulk`) say what they wrote with :func:`note_written`.

Each table belongs to exactly one kind (:data:`TABLE_KINDS`) or is internal
(:data:`INTERNAL_TABLES`); tests/services/core/test_changes.py checks that no table of the
models is left out, so a new table must be placed here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, sessionmaker
from sqlalchemy.sql.dml import UpdateBase

from app.services.core.access import refuse_unpermitted
from app.services.core.hooks import attach_once
from common.vocabulary import RecordKind

#: The kind of every table whose rows a screen shows.
TABLE_KINDS: dict[str, RecordKind] = {
    "licence": RecordKind.LICENCES,
    "licence_history": RecordKind.LICENCES,
    "person": RecordKind.LICENCES,
    "supporter": RecordKind.SUPPORTERS,
    "network_member": RecordKind.SUPPORTERS,
    "event": RecordKind.EVENTS,
    "event_participant": RecordKind.EVENTS,
    "event_attendance": RecordKind.EVENTS,
    "closure_day": RecordKind.EVENTS,
    "certificate_issue": RecordKind.CERTIFICATES,
    "signing_key": RecordKind.CERTIFICATES,
    "office": RecordKind.OFFICE,
    "setting": RecordKind.OFFICE,
    "province": RecordKind.REFERENCE,
    "county": RecordKind.REFERENCE,
    "field_group": RecordKind.REFERENCE,
    "business_field": RecordKind.REFERENCE,
    "outbox": RecordKind.SYNC,
    "sync_conflict": RecordKind.SYNC,
    "number_pool": RecordKind.SYNC,
    "account": RecordKind.ACCOUNTS,
    "facility_case": RecordKind.FACILITIES,
    "sales_channel": RecordKind.MARKETS,
    "purchase_contract": RecordKind.MARKETS,
}
#: Tables no screen shows: writing them changes no kind (the licence-number counter; the
#: audit trail, written with every command: its screen refreshes on any change).
INTERNAL_TABLES = frozenset({"counter", "audit_entry", "audit_seal"})

#: Keys in ``Session.info``: tables written since the last commit, and committed since
#: the session began.
_PENDING = "daftar.tables_written"
_COMMITTED = "daftar.tables_committed"


def kinds_of(tables: Iterable[str]) -> frozenset[RecordKind]:
    """The kinds of these tables (internal and unknown tables have none)."""
    return frozenset(TABLE_KINDS[name] for name in tables if name in TABLE_KINDS)


def note_written(session: Session, *tables: str) -> None:
    """Record that ``tables`` were written in ``session`` by SQL the session does not see
    (refused, like any write, unless a command's grant covers it: core.access)."""
    refuse_unpermitted(session)
    _pending(session).update(tables)


def written_tables(session: Session) -> frozenset[str]:
    """The tables written in ``session`` and not yet committed."""
    return frozenset(_pending(session))


def committed_tables(session: Session) -> frozenset[str]:
    """The tables ``session`` has written and committed (also after it is closed)."""
    return frozenset(session.info.get(_COMMITTED, ()))


def committed_kinds(session: Session) -> frozenset[RecordKind]:
    """The kinds of records ``session`` has changed and committed."""
    return kinds_of(committed_tables(session))


def track(factory: sessionmaker[Session]) -> None:
    """Watch every session ``factory`` makes (once per factory)."""
    attach_once(
        factory,
        "changes",
        ("after_flush", _after_flush),
        ("do_orm_execute", _on_execute),
        ("after_commit", _after_commit),
        ("after_rollback", _after_rollback),
    )


def _pending(session: Session) -> set[str]:
    pending: set[str] = session.info.setdefault(_PENDING, set())
    return pending


def _table_name(instance: Any) -> str | None:
    table = getattr(type(instance), "__table__", None)
    return None if table is None else str(table.name)


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    pending = _pending(session)
    for instance in (*session.new, *session.deleted):
        name = _table_name(instance)
        if name is not None:
            pending.add(name)
    for instance in session.dirty:
        name = _table_name(instance)
        if name is not None and session.is_modified(instance, include_collections=False):
            pending.add(name)


def _on_execute(state: ORMExecuteState) -> None:
    statement = state.statement
    if isinstance(statement, UpdateBase):
        table = getattr(statement, "table", None)
        name = getattr(table, "name", None)
        if isinstance(name, str):
            _pending(state.session).add(name)


def _after_commit(session: Session) -> None:
    pending = _pending(session)
    session.info.setdefault(_COMMITTED, set()).update(pending)
    pending.clear()


def _after_rollback(session: Session) -> None:
    _pending(session).clear()
