"""Recording the tamper-evident audit trail (issue 13), and sealing its head.

What is recorded, and where:

- every service command (``@requires`` in app.services.core.access tells
  :func:`_watch` of each command not run by another one): a command that works in a
  session gets its entry in that same session, written when the session commits, with
  the records its outbox operations name; a command that rolls back (an error, or its
  unit of work rolled back later) leaves no entry. A command that works on the
  Database (a sync, a backup) gets its entry in a unit of work of its own once it has
  run without error.
- what is not a command: sign-in and failed sign-in (app.services.accounts), the idle
  lock, automatic backups, a restore (the restored database gets the entry): each calls
  :func:`note` (a session it commits) or :func:`record` (a Database).

Entries are chained per desk (common.audit_chain): each is written in the commit of its
unit of work, after that unit of work holds SQLite's write lock, so two desks' windows or
a window and ``daftar`` never hand out the same seq. :func:`seal` signs the chain head
with the desk's signing key (after a session of the app, a CLI command, a sync).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from collections import Counter as Tally
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.models import (
    Account,
    AuditEntry,
    AuditSeal,
    Base,
    Office,
    OutboxOperation,
    new_id,
    utcnow,
)
from app.models.sync import OP_INSERT
from app.services.core.access import (
    SignedIn,
    signed_in,
    system_work,
    system_writes,
    watch_commands,
)
from app.services.core.audit_rows import vouch
from app.services.core.changes import written_tables
from app.services.core.desk import desk_id
from app.services.core.hooks import attach_once
from app.services.core.office import get_setting
from common.audit_chain import (
    GENESIS,
    ROWS_PER_ENTRY,
    ChainEntry,
    entry_hash,
    rows_text,
    seal_message,
)
from common.errors import DomainError
from common.files import intended_path
from common.text import isolate_ltr, to_persian_digits
from common.vocabulary import AuditAction, Permission

if TYPE_CHECKING:
    from app.services.core.db import Database

log = logging.getLogger("daftar.audit")

#: Keys in ``Session.info``: entries waiting for the commit, outbox operations flushed.
_DRAFTS = "daftar.audit_drafts"
_OPERATIONS = "daftar.audit_operations"
#: (table, row id) of rows written behind the ORM's back (bulk inserts): note_appended.
_APPENDED = "daftar.audit_appended"

#: Persian names of the tables a command's records lie in (detail and record column).
TABLE_LABELS: dict[str, str] = {
    "licence": "مجوز",
    "licence_history": "سابقهٔ مجوز",
    "person": "دارنده",
    "supporter": "پشتیبان",
    "network_member": "عضو شبکه",
    "event": "رویداد",
    "event_participant": "شرکت‌کننده",
    "event_attendance": "حضور",
    "closure_day": "روز تعطیل",
    "certificate_issue": "گواهی‌نامه",
    "office": "اداره",
    "setting": "تنظیمات",
    "account": "حساب کاربری",
    "signing_key": "کلید امضا",
    "sync_conflict": "تعارض همگام‌سازی",
    "outbox": "صف ارسال",
    "facility_case": "پرونده تسهیلات",
    "sales_channel": "کانال فروش",
    "purchase_contract": "قرارداد خرید تضمینی",
}
#: The column that names a record to people, by table (the summary shows it).
_NAMING_COLUMN = {
    "licence": "number",
    "event": "code",
    "certificate_issue": "serial",
    "person": "national_id",
    "supporter": "legal_name",
    "account": "username",
    "sales_channel": "platform",
    "purchase_contract": "product",
}
#: Tables whose record is what a command is about, first choice first.
_MAIN_TABLES = (
    "licence",
    "supporter",
    "event",
    "certificate_issue",
    "person",
    "network_member",
    "event_participant",
    "account",
    "sales_channel",
    "purchase_contract",
)


@dataclass(frozen=True)
class Draft:
    """An entry waiting for its unit of work to commit."""

    action: AuditAction
    summary: str
    detail: str = ""
    record_kind: str = ""
    record_id: str = ""
    account_id: str = ""
    actor: str = ""
    #: (table, row id) of the rows the action inserted (the append-only ones among them
    #: are named in the entry with their digests: app.services.core.audit_rows).
    written: tuple[tuple[str, str], ...] = ()


def now_text(moment: dt.datetime | None = None) -> str:
    """A UTC time as the trail stores (and hashes) it."""
    return (moment or utcnow()).astimezone(dt.UTC).isoformat(timespec="microseconds")


def _who(account: SignedIn | None) -> tuple[str, str]:
    return ("", "") if account is None else (account.account_id, account.name)


def note(
    session: Session,
    action: AuditAction,
    summary: str,
    *,
    detail: str = "",
    record_kind: str = "",
    record_id: str = "",
    account: SignedIn | None = None,
    written: Iterable[tuple[str, str]] = (),
) -> None:
    """Record ``action`` when ``session`` commits (nothing if it rolls back); the account
    is ``account``, else the one ``session`` acts for; ``written``: the (table, row id)
    of the rows it inserted."""
    account_id, actor = _who(account or signed_in(session))
    draft = Draft(
        action,
        summary[:200],
        detail,
        record_kind,
        record_id[:64],
        account_id,
        actor[:60],
        tuple(written),
    )
    session.info.setdefault(_DRAFTS, []).append(draft)


def note_appended(session: Session, table: str, row_ids: Iterable[str]) -> None:
    """Rows of ``table`` the running command inserted with plain SQL (the bulk import):
    its entry vouches for them like for the rows the ORM wrote."""
    session.info.setdefault(_APPENDED, []).extend((table, row_id) for row_id in row_ids)


def record(
    db: Database,
    action: AuditAction,
    summary: str,
    *,
    detail: str = "",
    account: SignedIn | None = None,
) -> None:
    """Record ``action`` now, in a unit of work of its own (the account: ``account``,
    else the one signed in to ``db``)."""
    with db.session() as session:
        system_work(session, "audit entry")
        note(session, action, summary, detail=detail, account=account or db.account)


# -- writing the entries at commit --------------------------------------------------------


def track(factory: sessionmaker[Session]) -> None:
    """Write the entries of every session ``factory`` makes when it commits."""
    attach_once(
        factory,
        "audit",
        ("before_flush", _before_flush),
        ("before_commit", _before_commit),
        ("after_rollback", _after_rollback),
    )


@dataclass(frozen=True)
class Touched:
    """A record a unit of work wrote, as the trail describes it: a synced row (from its
    outbox operation) or a staff account (not synced, so read from the row)."""

    table: str
    row_id: str
    inserted: bool
    #: The operation's changes (JSON text), for the record's name.
    changes: str = "{}"


def _touched(session: Session) -> list[Touched]:
    """What the pending flush will write that the trail names."""
    found: list[Touched] = []
    for row in session.new:
        if isinstance(row, OutboxOperation):
            found.append(
                Touched(row.table_name, row.row_id, row.op == OP_INSERT, row.changes or "{}")
            )
    for row in (*session.new, *session.dirty):
        if isinstance(row, Account) and (row in session.new or session.is_modified(row)):
            if row.id is None:
                row.id = new_id()  # what its column default would give it in this flush
            name = json.dumps({"username": [None, row.username]}, ensure_ascii=False)
            found.append(Touched("account", row.id or "", row in session.new, name))
    return found


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    touched = _touched(session)
    if touched:
        session.info.setdefault(_OPERATIONS, []).extend(touched)


def _new_records(known: list[Touched], touched: list[Touched]) -> list[Touched]:
    """``touched`` without the records ``known`` has (one record written in two flushes,
    like an account row and then its outbox operation, counts once)."""
    seen = {(t.table, t.row_id) for t in known}
    fresh = []
    for item in touched:
        if (item.table, item.row_id) not in seen:
            seen.add((item.table, item.row_id))
            fresh.append(item)
    return fresh


def _after_rollback(session: Session) -> None:
    session.info.pop(_DRAFTS, None)
    session.info.pop(_OPERATIONS, None)
    session.info.pop(_APPENDED, None)


def office_id(session: Session) -> str:
    """The office's id: the server's for an office that syncs, else the local one."""
    synced = get_setting(session, "sync.office_id")
    if synced:
        return synced
    return session.scalar(select(Office.id).limit(1)) or ""


def chain_head(session: Session, desk: str) -> tuple[int, str]:
    """(seq, hash) of the desk's last entry; (0, GENESIS) before the first."""
    row = session.execute(
        select(AuditEntry.seq, AuditEntry.hash)
        .where(AuditEntry.desk_id == desk)
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    ).first()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


def _trail_columns(session: Session) -> frozenset[str]:
    """The columns of the trail's table (none in a file at a schema before 0013, opened
    without migrating it, as the migration tests do; no ``rows`` before 0018)."""
    found = session.connection().exec_driver_sql("PRAGMA table_info(audit_entry)")
    return frozenset(str(row[1]) for row in found)


def _before_commit(session: Session) -> None:
    drafts: list[Draft] = session.info.pop(_DRAFTS, [])
    session.info.pop(_OPERATIONS, None)
    session.info.pop(_APPENDED, None)
    if not drafts:
        return
    columns = _trail_columns(session)
    if not columns:
        return
    with system_writes(session, "audit trail"):
        session.flush()
        # Take SQLite's write lock before reading the head (a write that matches no
        # row): no other unit of work can append between the read and the insert.
        session.connection().exec_driver_sql("DELETE FROM counter WHERE 0")
        desk = desk_id(session)
        office = office_id(session)
        seq, previous = chain_head(session, desk)
        for draft in drafts:
            vouched = vouch(session, draft.written) if "rows" in columns else []
            for part, rows in enumerate(_parts(vouched)):
                seq += 1
                chained = ChainEntry(
                    desk_id=desk,
                    seq=seq,
                    office_id=office,
                    at=now_text(),
                    account_id=draft.account_id,
                    actor=draft.actor,
                    action=draft.action.value,
                    record_kind=draft.record_kind,
                    record_id=draft.record_id,
                    summary=draft.summary if part == 0 else f"{draft.summary[:190]} (ادامه)",
                    detail=draft.detail if part == 0 else "",
                    prev_hash=previous,
                    rows=rows_text(rows),
                )
                previous = entry_hash(chained)
                values = {**vars(chained), "hash": previous}
                if "rows" not in columns:
                    del values["rows"]
                session.execute(insert(AuditEntry).values(values))
        session.flush()


def _parts(rows: list[tuple[str, str, str]]) -> list[list[tuple[str, str, str]]]:
    """The rows an action vouches for, one piece per entry (one empty piece for none)."""
    return [rows[i : i + ROWS_PER_ENTRY] for i in range(0, len(rows), ROWS_PER_ENTRY)] or [[]]


# -- what a command changed ---------------------------------------------------------------


def _operations_since(session: Session, start: int) -> list[Touched]:
    flushed: list[Touched] = session.info.get(_OPERATIONS, [])[start:]
    return _new_records([], [*flushed, *_touched(session)])


def _named(session: Session, table: str, row_id: str, operation: Touched) -> str:
    """How people name the record (a licence's number…), "" when unknown."""
    column = _NAMING_COLUMN.get(table)
    if column is None:
        return ""
    try:
        changes = json.loads(operation.changes or "{}")
    except ValueError:
        changes = {}
    pair = changes.get(column)
    if isinstance(pair, list) and len(pair) == 2 and pair[1]:
        return str(pair[1])
    for mapper in Base.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == table:
            row = session.get(mapper.class_, row_id)
            value = getattr(row, column, None) if row is not None else None
            return str(value) if value else ""
    return ""


def _count_text(count: int) -> str:
    return to_persian_digits(str(count))


def describe_changes(
    session: Session, operations: list[Touched], tables: Iterable[str]
) -> tuple[str, str, str, str]:
    """(record kind, record id, how the record is named, detail) of what a command wrote."""
    record_kind = record_id = name = ""
    by_table: dict[str, Touched] = {}
    for operation in operations:
        by_table.setdefault(operation.table, operation)
    for table in _MAIN_TABLES:
        if table in by_table:
            first = by_table[table]
            record_kind, record_id = table, first.row_id
            name = _named(session, table, first.row_id, first)
            break
    tally = Tally((op.table, op.inserted) for op in operations)
    parts: list[str] = []
    for table in sorted({op.table for op in operations}):
        added, changed = tally[(table, True)], tally[(table, False)]
        counts = [
            *([f"{_count_text(added)} افزوده"] if added else []),
            *([f"{_count_text(changed)} تغییر"] if changed else []),
        ]
        parts.append(f"{TABLE_LABELS.get(table, table)}: {'، '.join(counts)}")
    others = sorted(set(tables) - {op.table for op in operations} - {"outbox", "counter"})
    if others:
        parts.append("نوشته در: " + "، ".join(TABLE_LABELS.get(t, t) for t in others))
    return record_kind, record_id, name, "؛ ".join(parts)


def _files(arguments: tuple[Any, ...]) -> str:
    paths = [
        isolate_ltr(str(intended_path(value))) for value in arguments if isinstance(value, Path)
    ]
    return ("فایل: " + "، ".join(paths)) if paths else ""


def _command_name(command: Callable[..., Any]) -> str:
    return str(getattr(command, "__qualname__", getattr(command, "__name__", "")))


def _summary(action: AuditAction, record_kind: str, name: str) -> str:
    if not record_kind:
        return action.label
    label = TABLE_LABELS.get(record_kind, record_kind)
    return f"{action.label}: {label} {isolate_ltr(name)}" if name else f"{action.label}: {label}"


def _detail(*parts: str) -> str:
    return "\n".join(part for part in parts if part)


def _watch(
    permission: Permission,
    command: Callable[..., Any],
    session: Session | None,
    arguments: tuple[Any, ...],
) -> Callable[[Any], None]:
    """Record a command (app.services.core.access.requires calls this before it runs;
    what it returns runs once the command has returned)."""
    action = AuditAction(permission.value)
    log.debug("recording %s", _command_name(command))
    if session is not None:
        start = len(session.info.get(_OPERATIONS, []))
        appended_start = len(session.info.get(_APPENDED, []))
        tables_before = written_tables(session)

        def finished_in_session(result: Any) -> None:
            operations = _operations_since(session, start)
            tables = written_tables(session) - tables_before
            kind, record_id, named, changes = describe_changes(session, operations, tables)
            note(
                session,
                action,
                _summary(action, kind, named),
                detail=_detail(changes, _files(arguments), _result_text(result)),
                record_kind=kind,
                record_id=record_id,
                written=[
                    *((op.table, op.row_id) for op in operations if op.inserted),
                    *session.info.get(_APPENDED, [])[appended_start:],
                ],
            )

        return finished_in_session
    db = _database_of(arguments)

    def finished_on_database(result: Any) -> None:
        if db is None:
            return
        # A whole sync records itself (app.services.sync.client: only when it sent or
        # brought something, and before it sends the trail, so the entry goes with it).
        if not callable(getattr(result, "changed_anything", None)):
            detail = _detail(_files(arguments), _result_text(result))
            record(db, action, action.label, detail=detail)
        if permission is Permission.SYNC:
            seal(db)

    return finished_on_database


def _result_text(result: Any) -> str:
    """A command's result, when it tells people what it did (its Persian ``message``)."""
    line = getattr(result, "message", None)
    if callable(line):
        text = line()
        return text if isinstance(text, str) else ""
    return ""


def _database_of(arguments: tuple[Any, ...]) -> Database | None:
    from app.services.core.db import Database

    for target in arguments:
        for holder in (target, getattr(target, "db", None)):
            if isinstance(holder, Database):
                return holder
    return None


watch_commands(_watch)


# -- sealing ------------------------------------------------------------------------------


def seal(db: Database) -> AuditSeal | None:
    """Sign the desk's chain head with its signing key and keep the seal (None when there
    is no entry yet or the head is sealed already). A seal lets ``daftar audit verify``
    find entries cut off the tail after it."""
    from app.services.core.signing_keys import current_key_id, ensure_signing_key

    with db.session() as session:
        system_work(session, "audit seal")
        desk = desk_id(session)
        seq, head = chain_head(session, desk)
        if seq == 0:
            return None
        sealed = session.scalar(
            select(AuditSeal.seq)
            .where(AuditSeal.desk_id == desk)
            .order_by(AuditSeal.seq.desc())
            .limit(1)
        )
        if sealed is not None and sealed >= seq:
            return None
        private = ensure_signing_key(session)
        signature = private.sign(seal_message(desk, seq, head))
        row = AuditSeal(
            desk_id=desk,
            seq=seq,
            hash=head,
            key_id=current_key_id(session),
            signature=base64.b64encode(signature).decode("ascii"),
            sealed_at=now_text(),
        )
        session.add(row)
    log.info("audit chain sealed at %d", seq)
    return row


def seal_quietly(db: Database) -> str:
    """:func:`seal` at the end of a session of the app or of a command: a seal that
    can't be made (the secret store refuses, the disk is full) is logged and its reason
    returned (Persian), never raised; "" when all went well."""
    try:
        seal(db)
    except (DomainError, OSError, SQLAlchemyError) as exc:
        reason = exc.message if isinstance(exc, DomainError) else str(exc)
        log.warning("the audit trail could not be sealed: %s", reason)
        return f"مهر ردپای ممیزی زده نشد: {reason}"
    return ""
