"""The desk's audit trail travels to the server with each sync (``/v1/audit``).

The server holds every desk's trail append-only and checks its continuity with the same
chain check as ``daftar audit verify`` (server/audit_api.py). Before sending, the desk
asks for the last entry the server holds and checks that its own entry at that seq has
the same hash: a trail edited after it was sent, or cut back, is reported in Persian and
nothing is sent. Then the entries after it go in batches, oldest first; the server
refuses (409, Persian message) any that do not continue the chain.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from app.models import AuditEntry
from app.services.core.db import Database
from app.services.core.desk import desk_id
from app.services.sync.errors import SyncError
from app.services.sync.transport import Transport
from common.protocol import MAX_AUDIT_BATCH, AuditEntryIn
from common.text import to_persian_digits

log = logging.getLogger("daftar.sync")

#: The entry fields the server takes (all the chain's but the desk, which is the path's).
_FIELDS = tuple(AuditEntryIn.model_fields)


def _entry(row: AuditEntry) -> AuditEntryIn:
    return AuditEntryIn(**{name: getattr(row, name) for name in _FIELDS})


def push_audit(db: Database, transport: Transport) -> int:
    """Send the entries of this desk's trail the server does not hold yet; returns how
    many. SyncError when the server's copy and this desk's disagree."""
    with db.session() as session:
        desk = desk_id(session)
    if not desk:
        return 0
    head = transport.audit_head(desk)
    sent = 0
    with db.session() as session:
        if head.seq > 0:
            local = session.scalar(
                select(AuditEntry.hash).where(
                    AuditEntry.desk_id == desk, AuditEntry.seq == head.seq
                )
            )
            if local != head.hash:
                raise SyncError(
                    "ردپای ممیزی این میز با آنچه سرور مرکزی از آن دارد نمی‌خواند (ردیف "
                    f"{to_persian_digits(str(head.seq))}): ردپا پس از ارسال تغییر کرده یا "
                    "کوتاه شده است. «بررسی زنجیره» را در «پرونده ← ردپای ممیزی…» بزنید و با "
                    "کارشناس فناوری استان تماس بگیرید.",
                    "audit_rewritten",
                )
        after = head.seq
        while True:
            rows = session.scalars(
                select(AuditEntry)
                .where(AuditEntry.desk_id == desk, AuditEntry.seq > after)
                .order_by(AuditEntry.seq)
                .limit(MAX_AUDIT_BATCH)
            ).all()
            if not rows:
                break
            head = transport.push_audit(desk, [_entry(row) for row in rows])
            sent += len(rows)
            after = rows[-1].seq
            if head.seq < after:
                raise SyncError("پاسخ سرور به ارسال ردپای ممیزی ناقص است.", "bad_answer")
    if sent:
        log.info("audit trail: %d entries sent (server holds up to %d)", sent, after)
    return sent
