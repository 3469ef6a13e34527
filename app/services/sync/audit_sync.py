"""The desk's audit trail travels to the server with each sync (``/v1/audit``).

The server holds every desk's trail append-only and checks its continuity with the same
chain check as ``daftar audit verify`` (server/audit_api.py). The desk remembers the
last entry the server acknowledged (setting :data:`SENT_SETTING`); a sync with nothing
new sends nothing (no round trip). Otherwise the entries from that last acknowledged one
(sent again: the server accepts it only unchanged, so an edit of it shows) go in
batches, oldest first. When the server refuses (409: the history does not continue what
it holds) or the memory is wrong, the desk asks for the server's head and checks its own
entry there: a trail edited after it was sent, or cut back, is reported in Persian and
nothing more is sent; else it sends again from the server's head.

A sync with changes to push sends the trail first (app.services.sync.client): the server
checks each licence-history or certificate-log row it receives against the digest its
entry vouched for (server/audit_api.py), so the entries must be there before the rows.
"""

from __future__ import annotations

import contextlib
import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AuditEntry
from app.services.audit.verify import first_break
from app.services.core.db import Database
from app.services.core.desk import desk_id
from app.services.core.office import get_setting, set_setting
from app.services.sync.errors import SyncError
from app.services.sync.transport import Transport
from common.protocol import MAX_AUDIT_BATCH, AuditEntryIn, AuditHead
from common.text import to_persian_digits

log = logging.getLogger("daftar.sync")

#: The most JSON one push of entries carries (the server takes up to 1 MiB).
BATCH_BYTES = 512 * 1024
#: The seq of the last audit entry the server acknowledged.
SENT_SETTING = "audit.sent_seq"
#: The hash of that entry (the desk's copy of it must keep it).
SENT_HASH_SETTING = "audit.sent_hash"
#: The entry fields the server takes (all the chain's but the desk, which is the path's).
_FIELDS = tuple(AuditEntryIn.model_fields)


def _entry(row: AuditEntry) -> AuditEntryIn:
    return AuditEntryIn(**{name: getattr(row, name) for name in _FIELDS})


def _within_budget(entries: list[AuditEntryIn]) -> list[AuditEntryIn]:
    """The first of ``entries`` that fit in one request (at least one): entries that
    vouch for many rows are long, and the server takes a bounded body."""
    kept: list[AuditEntryIn] = []
    size = 0
    for entry in entries:
        size += len(entry.model_dump_json()) + 2
        if kept and size > BATCH_BYTES:
            break
        kept.append(entry)
    return kept


def _sent(session: Session) -> int:
    try:
        return max(0, int(get_setting(session, SENT_SETTING) or 0))
    except ValueError:
        return 0


def push_audit(db: Database, transport: Transport) -> int:
    """Send the entries of this desk's trail the server does not hold yet; returns how
    many. SyncError when the server's copy and this desk's disagree."""
    with db.session() as session:
        desk = desk_id(session)
        sent = _sent(session)
        sent_hash = get_setting(session, SENT_HASH_SETTING)
        last = session.scalar(select(func.max(AuditEntry.seq)).where(AuditEntry.desk_id == desk))
    if not desk or last is None:
        return 0
    if sent:
        _check_held(db, transport, desk, sent, sent_hash, whole=last > sent)
    if last <= sent:
        return 0
    try:
        return _send_from(db, transport, desk, max(1, sent))
    except SyncError as exc:
        if exc.code != "refused":
            raise
    head = transport.audit_head(desk)
    _check_head(db, desk, head)
    return _send_from(db, transport, desk, head.seq + 1)


def _check_held(
    db: Database, transport: Transport, desk: str, sent: int, sent_hash: str, *, whole: bool
) -> None:
    """Check this desk's entries the server already holds: the last one acknowledged must
    still be there as it was (one query, every sync) and, when there is something to send,
    the whole chain up to it must hold. An entry changed since it was sent is sent again as
    it is now, for the server to refuse (and log), and the sync stops: the server keeps
    the history as it was."""
    with db.session() as session:
        last_held = session.scalar(
            select(AuditEntry.hash).where(AuditEntry.desk_id == desk, AuditEntry.seq == sent)
        )
        broken_seq, reason = 0, ""
        if last_held is None or (sent_hash and last_held != sent_hash):
            broken_seq, reason = sent, "ردیف‌های پایانی پاک یا جایگزین شده‌اند"
        elif whole:
            broken = first_break(session, desk, upto=sent)
            if broken is not None:
                broken_seq, reason = broken.seq, broken.reason
        row = (
            session.scalar(
                select(AuditEntry).where(AuditEntry.desk_id == desk, AuditEntry.seq == broken_seq)
            )
            if broken_seq
            else None
        )
        changed = None if row is None else _entry(row)
    if not broken_seq:
        return
    if changed is not None:
        with contextlib.suppress(SyncError):  # refused: what we expect
            transport.push_audit(desk, [changed])
    raise SyncError(
        "ردپای ممیزی این میز پس از ارسال به سرور مرکزی تغییر کرده یا کوتاه شده است (ردیف "
        f"{to_persian_digits(str(broken_seq))}: {reason}) و سرور آن را نپذیرفت. "
        "«بررسی زنجیره» را در «پرونده ← ردپای ممیزی…» بزنید و با کارشناس فناوری استان "
        "تماس بگیرید.",
        "audit_rewritten",
    )


def _check_head(db: Database, desk: str, head: AuditHead) -> None:
    """Refuse to go on when this desk's entry at the server's head differs from it."""
    if head.seq == 0:
        return
    with db.session() as session:
        local = session.scalar(
            select(AuditEntry.hash).where(AuditEntry.desk_id == desk, AuditEntry.seq == head.seq)
        )
    if local != head.hash:
        raise SyncError(
            "ردپای ممیزی این میز با آنچه سرور مرکزی از آن دارد نمی‌خواند (ردیف "
            f"{to_persian_digits(str(head.seq))}): ردپا پس از ارسال تغییر کرده یا کوتاه شده "
            "است. «بررسی زنجیره» را در «پرونده ← ردپای ممیزی…» بزنید و با کارشناس فناوری "
            "استان تماس بگیرید.",
            "audit_rewritten",
        )


def _send_from(db: Database, transport: Transport, desk: str, first: int) -> int:
    """Send the desk's entries from seq ``first`` on, in batches; remember the head."""
    count = 0
    after = first - 1
    while True:
        with db.session() as session:
            rows = session.scalars(
                select(AuditEntry)
                .where(AuditEntry.desk_id == desk, AuditEntry.seq > after)
                .order_by(AuditEntry.seq)
                .limit(MAX_AUDIT_BATCH)
            ).all()
            entries = _within_budget([_entry(row) for row in rows])
        if not entries:
            break
        head = transport.push_audit(desk, entries)
        after = entries[-1].seq
        if head.seq < after:
            raise SyncError("پاسخ سرور به ارسال ردپای ممیزی ناقص است.", "bad_answer")
        count += len(entries)
        with db.session() as session:
            set_setting(session, SENT_SETTING, str(after))
            set_setting(session, SENT_HASH_SETTING, entries[-1].hash)
    if count:
        log.info("audit trail: %d entries sent (the server holds up to %d)", count, after)
    return count
