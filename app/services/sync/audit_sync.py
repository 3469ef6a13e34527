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
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AuditEntry
from app.services.core.db import Database
from app.services.core.desk import desk_id
from app.services.core.office import get_setting, set_setting
from app.services.sync.errors import SyncError
from app.services.sync.transport import Transport
from common.protocol import MAX_AUDIT_BATCH, AuditEntryIn, AuditHead
from common.text import to_persian_digits

log = logging.getLogger("daftar.sync")

#: The seq of the last audit entry the server acknowledged.
SENT_SETTING = "audit.sent_seq"
#: The entry fields the server takes (all the chain's but the desk, which is the path's).
_FIELDS = tuple(AuditEntryIn.model_fields)


def _entry(row: AuditEntry) -> AuditEntryIn:
    return AuditEntryIn(**{name: getattr(row, name) for name in _FIELDS})


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
        last = session.scalar(select(func.max(AuditEntry.seq)).where(AuditEntry.desk_id == desk))
    if not desk or last is None or last <= sent:
        return 0
    try:
        return _send_from(db, transport, desk, max(1, sent))
    except SyncError as exc:
        if exc.code != "refused":
            raise
    head = transport.audit_head(desk)
    _check_head(db, desk, head)
    return _send_from(db, transport, desk, head.seq + 1)


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
            entries = [_entry(row) for row in rows]
        if not entries:
            break
        head = transport.push_audit(desk, entries)
        after = entries[-1].seq
        if head.seq < after:
            raise SyncError("پاسخ سرور به ارسال ردپای ممیزی ناقص است.", "bad_answer")
        count += len(entries)
        with db.session() as session:
            set_setting(session, SENT_SETTING, str(after))
    if count:
        log.info("audit trail: %d entries sent (the server holds up to %d)", count, after)
    return count
