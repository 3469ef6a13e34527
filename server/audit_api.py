"""The offices' audit trails (issue 13): each desk pushes its hash-chained entries, the
server keeps them append-only and refuses a rewritten history.

- ``GET /v1/audit/{desk_id}/head`` (Bearer): the last entry the server holds of that desk
  (seq 0 before the first), so the desk pushes from the next one and checks that its own
  entry at that seq still has the same hash.
- ``POST /v1/audit/{desk_id}`` (Bearer): the desk's next entries, in seq order. Entries
  the server already holds are accepted again only unchanged; the new ones must continue
  the chain (common.audit_chain.check_chain, the same check ``daftar audit verify``
  makes: seq contiguous, each one's ``prev_hash`` the hash of the one before, each hash
  right). Anything else is refused with 409 ``audit_rewritten``, nothing stored.

Entries vouch for the licence-history and certificate-log rows their action wrote (with
a digest of each: common.audit_chain). The server keeps those digests by row
(``audit_row``) and refuses a push of such a row whose content differs from what its
entry vouched for (:func:`check_vouched`): a row edited with a SQLite tool before it was
sent never reaches the other offices. The desk sends its trail before its operations, so
the digests are there first.

A desk belongs to the office whose token first pushed its trail: another office may
neither read its head nor push to it (403). Entries are never served to anyone (no
office pulls another's, nor its own: the desk keeps its own copy).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.audit_chain import (
    APPEND_ONLY_TABLES,
    GENESIS,
    ChainEntry,
    check_chain,
    entry_hash,
    parse_rows,
    row_digest,
)
from common.protocol import AuditEntryIn, AuditHead, AuditPush, ErrorResponse
from common.text import to_persian_digits
from server.auth import Bearer, office_work
from server.errors import ApiError
from server.models import AuditEntry, AuditRow, Office
from server.records import Rejected

DeskId = Annotated[
    str, Path(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
]

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorResponse, "description": "Missing, unknown or revoked token."},
    403: {"model": ErrorResponse, "description": "The desk belongs to another office."},
    413: {"model": ErrorResponse, "description": "Request body too large."},
}

router = APIRouter()
log = logging.getLogger("daftar.server")


def _head(session: Session, desk_id: str) -> tuple[int, str]:
    row = session.execute(
        select(AuditEntry.seq, AuditEntry.hash)
        .where(AuditEntry.desk_id == desk_id)
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    ).first()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


def _own_desk(session: Session, office: Office, desk_id: str) -> None:
    """Refuse a desk whose trail another office pushed."""
    owner = session.scalar(
        select(AuditEntry.office_id).where(AuditEntry.desk_id == desk_id).limit(1)
    )
    if owner is not None and owner != office.id:
        raise ApiError(
            403,
            "other_office",
            "این میز از ادارهٔ دیگری است.",
            "This desk's audit trail belongs to another office.",
        )


def _chain_entry(desk_id: str, entry: AuditEntryIn) -> ChainEntry:
    return ChainEntry(desk_id=desk_id, **entry.model_dump())


def _rewritten(seq: int, reason: str) -> ApiError:
    return ApiError(
        409,
        "audit_rewritten",
        f"سرور مرکزی ردپای ممیزی این میز را نپذیرفت: ردیف {to_persian_digits(str(seq))} "
        f"با تاریخچه‌ای که سرور دارد نمی‌خواند ({reason}). ردپا پس از ثبت بازنویسی شده است؛ "
        "با کارشناس فناوری استان تماس بگیرید.",
        f"Audit entry {seq} does not continue the history the server holds: refused.",
    )


def accept_entries(
    session: Session, office: Office, desk_id: str, entries: list[AuditEntryIn]
) -> tuple[int, str]:
    """Store the entries that continue the desk's chain; returns the new head."""
    _own_desk(session, office, desk_id)
    head_seq, head_hash = _head(session, desk_id)
    held = [entry for entry in entries if entry.seq <= head_seq]
    if held:
        stored = {
            int(seq): str(digest)
            for seq, digest in session.execute(
                select(AuditEntry.seq, AuditEntry.hash).where(
                    AuditEntry.desk_id == desk_id,
                    AuditEntry.seq.in_([entry.seq for entry in held]),
                )
            )
        }
        for entry in held:
            recomputed = entry_hash(_chain_entry(desk_id, entry))
            if stored.get(entry.seq) != entry.hash or recomputed != entry.hash:
                raise _rewritten(entry.seq, "همین ردیف پیش‌تر با محتوای دیگری رسیده بود")
    new = [_chain_entry(desk_id, entry) for entry in entries if entry.seq > head_seq]
    broken = check_chain(new, desk_id=desk_id, after=(head_seq, head_hash))
    if broken is not None:
        raise _rewritten(broken.seq, broken.reason)
    for chained in new:
        values = {name: getattr(chained, name) for name in ChainEntry.__dataclass_fields__}
        values["entry_office"] = values.pop("office_id")
        session.add(AuditEntry(office_id=office.id, **values))
        _keep_vouched(session, office, chained)
    session.flush()
    return (new[-1].seq, new[-1].hash) if new else (head_seq, head_hash)


def _keep_vouched(session: Session, office: Office, entry: ChainEntry) -> None:
    """Remember the digest of each append-only row ``entry`` vouches for (the first
    entry to name a row is the one that wrote it)."""
    for table, row_id, digest in parse_rows(entry.rows):
        if table not in APPEND_ONLY_TABLES:
            continue
        key = (table, row_id.lower())
        if session.get(AuditRow, key) is None:
            session.add(
                AuditRow(
                    table_name=key[0],
                    row_id=key[1],
                    office_id=office.id,
                    digest=digest,
                    desk_id=entry.desk_id,
                    seq=entry.seq,
                )
            )
            session.flush()


def check_vouched(
    session: Session, office: Office, table: str, row_id: str, values: Mapping[str, Any]
) -> None:
    """Refuse a new append-only row of ``office`` whose content is not what its audit
    entry vouched for (a row no entry names, from a desk before the trail, passes)."""
    vouched = session.get(AuditRow, (table, row_id.lower()))
    if vouched is None or vouched.office_id != office.id:
        return
    if row_digest(table, row_id, values) != vouched.digest:
        log.warning(
            "office %s: %s %s differs from what audit entry %s/%d vouched for",
            office.id,
            table,
            row_id,
            vouched.desk_id,
            vouched.seq,
        )
        raise Rejected(
            "tampered",
            "این ردیف پس از ثبت دستکاری شده است: محتوای آن با آنچه ردپای ممیزی میز در "
            f"ردیف {to_persian_digits(str(vouched.seq))} ثبت کرده نمی‌خواند، و پذیرفته نشد.",
            f"The row differs from what audit entry {vouched.seq} of its desk vouched for.",
        )


@router.get("/v1/audit/{desk_id}/head", response_model=AuditHead, responses=_ERRORS)
async def audit_head(desk_id: DeskId, request: Request, credentials: Bearer) -> AuditHead:
    """The last entry of the desk's trail the server holds."""

    def work(db_session: Session, office: Office) -> AuditHead:
        _own_desk(db_session, office, desk_id)
        seq, digest = _head(db_session, desk_id)
        return AuditHead(seq=seq, hash=digest)

    return await office_work(request, credentials, work)


@router.post(
    "/v1/audit/{desk_id}",
    response_model=AuditHead,
    responses={
        **_ERRORS,
        409: {"model": ErrorResponse, "description": "The entries rewrite the history."},
    },
)
async def push_audit(
    desk_id: DeskId, body: AuditPush, request: Request, credentials: Bearer
) -> AuditHead:
    """Append the desk's next audit entries (all or none)."""

    def work(db_session: Session, office: Office) -> AuditHead:
        seq, digest = accept_entries(db_session, office, desk_id, body.entries)
        db_session.commit()
        return AuditHead(seq=seq, hash=digest)

    return await office_work(request, credentials, work)
