"""The audit trail as people read it: filtered pages for its screen, and its export.

A page is read with LIMIT/OFFSET on the row number (newest first), so a trail of any
length is never loaded whole; the export streams the entries a page at a time into the
spreadsheet framework's writer (texts stay texts: no cell becomes a formula).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from app.models import AuditEntry
from app.services.core.access import requires
from app.services.core.audit import TABLE_LABELS, now_text
from app.services.spreadsheet.sheetfile import write_rows
from common.jalali import format_jalali
from common.text import normalize_text, to_ascii_digits, to_persian_digits
from common.vocabulary import AuditAction, Permission

#: Rows the screen shows at a time.
PAGE_SIZE = 100
#: Rows the export reads from the database at a time.
_EXPORT_PAGE = 2000
#: The export's columns.
EXPORT_HEADERS = [
    "ردیف",
    "زمان",
    "کاربر",
    "اقدام",
    "نوع رکورد",
    "شناسهٔ رکورد",
    "شرح",
    "جزئیات",
    "میز",
    "چکیده",
]


def shown_time(at: str) -> str:
    """A stored UTC time as people read it: Jalali date and local time, Persian digits."""
    try:
        moment = dt.datetime.fromisoformat(at)
    except ValueError:
        return at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone()
    return f"{format_jalali(local.date())} {to_persian_digits(local.strftime('%H:%M:%S'))}"


def _day_start(day: dt.date) -> str:
    """The first moment of a local day, as the trail stores times."""
    return now_text(dt.datetime.combine(day, dt.time.min).astimezone())


@dataclass(frozen=True)
class AuditFilter:
    """What the screen (or the export) shows: all filters are optional."""

    #: Who: an account id ("" every account; :data:`SYSTEM` the system's own work).
    account_id: str = ""
    #: What: an AuditAction value ("" every action).
    action: str = ""
    #: When: local days, both included.
    since: dt.date | None = None
    until: dt.date | None = None
    #: Which record: text found in the record's id or the summary (a licence number…).
    record: str = ""


#: ``AuditFilter.account_id`` of entries made by the system (no account).
SYSTEM = "-"


@dataclass(frozen=True)
class AuditRow:
    """One entry as the screen shows it."""

    seq: int
    desk_id: str
    at: str
    when: str
    actor: str
    action: str
    action_label: str
    record_kind: str
    record_label: str
    record_id: str
    summary: str
    detail: str
    hash: str


def _filtered(statement: Select[Any], chosen: AuditFilter) -> Select[Any]:
    if chosen.account_id:
        wanted = "" if chosen.account_id == SYSTEM else chosen.account_id
        statement = statement.where(AuditEntry.account_id == wanted)
    if chosen.action:
        statement = statement.where(AuditEntry.action == chosen.action)
    if chosen.since is not None:
        statement = statement.where(AuditEntry.at >= _day_start(chosen.since))
    if chosen.until is not None:
        statement = statement.where(AuditEntry.at < _day_start(chosen.until + dt.timedelta(days=1)))
    text = to_ascii_digits(normalize_text(chosen.record))
    if text:
        pattern = f"%{text}%"
        statement = statement.where(
            or_(AuditEntry.record_id.like(pattern), AuditEntry.summary.like(pattern))
        )
    return statement


def _row(entry: AuditEntry) -> AuditRow:
    return AuditRow(
        seq=entry.seq,
        desk_id=entry.desk_id,
        at=entry.at,
        when=shown_time(entry.at),
        actor=entry.actor or "سامانه",
        action=entry.action,
        action_label=AuditAction.label_of(entry.action),
        record_kind=entry.record_kind,
        record_label=TABLE_LABELS.get(entry.record_kind, entry.record_kind),
        record_id=entry.record_id,
        summary=entry.summary,
        detail=entry.detail,
        hash=entry.hash,
    )


def count_entries(session: Session, chosen: AuditFilter = AuditFilter()) -> int:
    """How many entries the filter lets through."""
    statement = _filtered(select(func.count()).select_from(AuditEntry), chosen)
    return int(session.scalar(statement) or 0)


def entries_page(
    session: Session, chosen: AuditFilter = AuditFilter(), offset: int = 0, limit: int = PAGE_SIZE
) -> list[AuditRow]:
    """One page of the entries the filter lets through, newest first."""
    statement = (
        _filtered(select(AuditEntry), chosen)
        .order_by(AuditEntry.id.desc())
        .offset(max(0, offset))
        .limit(max(1, limit))
    )
    return [_row(entry) for entry in session.scalars(statement)]


def actors(session: Session) -> list[tuple[str, str]]:
    """(account id, name) of everyone the trail names, by name (the «who» filter); the
    system's own work is :data:`SYSTEM`."""
    found: dict[str, str] = {}
    for account_id, actor in session.execute(
        select(AuditEntry.account_id, AuditEntry.actor).distinct()
    ):
        key = account_id or SYSTEM
        found.setdefault(key, actor or "سامانه")
    return sorted(found.items(), key=lambda pair: pair[1])


def _export_rows(session: Session, chosen: AuditFilter) -> Iterator[list[Any]]:
    after = 0
    while True:
        page = session.scalars(
            _filtered(select(AuditEntry), chosen)
            .where(AuditEntry.id > after)
            .order_by(AuditEntry.id)
            .limit(_EXPORT_PAGE)
        ).all()
        if not page:
            return
        for entry in page:
            row = _row(entry)
            yield [
                row.seq,
                row.when,
                row.actor,
                row.action_label,
                row.record_label,
                row.record_id,
                row.summary,
                row.detail,
                row.desk_id,
                row.hash,
            ]
        after = page[-1].id


@requires(Permission.AUDIT)
def export_trail(session: Session, path: Path, chosen: AuditFilter = AuditFilter()) -> int:
    """Write the entries the filter lets through to ``path`` (.xlsx or .csv), oldest
    first; returns how many. The export itself is recorded in the trail."""
    return write_rows(path, EXPORT_HEADERS, _export_rows(session, chosen), "ردپای ممیزی")
