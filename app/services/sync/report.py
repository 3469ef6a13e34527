"""What a sync did (:class:`SyncReport`) and where the office stands (:func:`sync_status`);
what each part of a sync works with and reports to (:class:`SyncStep`).

The report is what the CLI prints, the status line shows and the views refresh from:
``changed_kinds`` names the kinds of records the sync wrote in this database
(app.services.sync.tables: "licences", "supporters", "events"), so the screens showing
them, and only those, reload.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import OutboxOperation, SyncConflict
from app.models.sync import OUTBOX_PENDING, OUTBOX_QUARANTINED
from app.services.core.office import get_setting
from app.services.sync.settings import (
    KEY_LAST_ERROR,
    KEY_LAST_SYNC,
    KEY_SERVER,
    KEY_SKEW,
)
from common.text import to_persian_digits

if TYPE_CHECKING:
    from app.services.core.db import Database
    from app.services.core.progress import Progress
    from app.services.sync.transport import Transport


@dataclass
class SyncReport:
    """What one sync did."""

    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    quarantined: int = 0
    round_trips: int = 0
    #: Pages or batches sent or received again after an interruption.
    repeated: int = 0
    skew_seconds: float = 0.0
    skew_warning: bool = False
    reference_changed: int = 0
    #: Signing keys of the published set added or changed locally.
    keys_changed: int = 0
    numbers_reserved: int = 0
    #: Pulled rows not applied because they break the rules (app.services.sync.checks).
    refused: int = 0
    #: The kinds of records ("licences", "supporters", "events") whose rows this sync
    #: wrote here: pulled, hidden when they left the office's scope, folded into the
    #: record the server kept, or set back to the server's value by a conflict. Reference
    #: data and signing keys are counted apart (``reference_changed``, ``keys_changed``).
    changed_kinds: set[str] = field(default_factory=set)
    #: Per-scope verification (app.services.sync.verify): whether it ran, how many
    #: scopes it compared, how many differed and were fetched again, and how many still
    #: differ after that (rows the checks refuse).
    verified: bool = False
    scopes_checked: int = 0
    scopes_fetched_again: int = 0
    scopes_differing: int = 0
    seconds: float = 0.0
    complete: bool = False

    def changed(self, kinds: Iterable[str]) -> None:
        """Note kinds of records the sync wrote."""
        self.changed_kinds.update(kinds)

    def changed_anything(self) -> bool:
        """Whether the sync sent or brought anything (a sync that did not is not recorded
        in the audit trail: app.services.sync.client)."""
        return bool(
            self.pushed
            or self.pulled
            or self.conflicts
            or self.refused
            or self.reference_changed
            or self.keys_changed
            or self.numbers_reserved
            or self.changed_kinds
        )

    def summary_line(self) -> str:
        """The CLI's last line."""
        return f"pushed {self.pushed}, pulled {self.pulled}, conflicts {self.conflicts}"

    def message(self) -> str:
        """A Persian summary for the status line."""
        parts = [
            f"{to_persian_digits(str(self.pushed))} تغییر فرستاده شد",
            f"{to_persian_digits(str(self.pulled))} ردیف دریافت شد",
        ]
        if self.conflicts:
            parts.append(f"{to_persian_digits(str(self.conflicts))} تعارض برای بررسی")
        if self.quarantined:
            parts.append(f"{to_persian_digits(str(self.quarantined))} تغییر ردشده")
        if self.refused:
            parts.append(
                f"{to_persian_digits(str(self.refused))} ردیف دریافتی نامعتبر (در گزارش ثبت شد)"
            )
        if self.scopes_fetched_again:
            parts.append(
                f"{to_persian_digits(str(self.scopes_fetched_again))} بخش از داده‌ها با سرور "
                "نمی‌خواند و دوباره دریافت شد"
            )
        if self.scopes_differing:
            parts.append(
                f"{to_persian_digits(str(self.scopes_differing))} بخش هنوز با سرور نمی‌خواند "
                "(در گزارش ثبت شد)"
            )
        return "، ".join(parts)


@dataclass
class SyncStep:
    """A part of one sync (the push, the pull): the database, the server, the progress it
    shows and the report it adds to."""

    db: Database
    transport: Transport
    progress: Progress
    report: SyncReport


@dataclass(frozen=True)
class SyncStatus:
    """What the status line shows."""

    configured: bool
    server_url: str
    last_sync_at: dt.datetime | None
    pending: int
    quarantined: int
    conflicts: int
    last_error: str
    skew_seconds: float


def sync_status(session: Session) -> SyncStatus:
    """The office's sync state, from its settings and queues."""
    counts = dict(
        session.execute(
            select(OutboxOperation.state, func.count()).group_by(OutboxOperation.state)
        ).all()
    )
    conflicts = session.scalar(
        select(func.count()).select_from(SyncConflict).where(SyncConflict.resolved_at.is_(None))
    )
    last = get_setting(session, KEY_LAST_SYNC)
    skew = get_setting(session, KEY_SKEW)
    return SyncStatus(
        configured=bool(get_setting(session, KEY_SERVER)),
        server_url=get_setting(session, KEY_SERVER),
        last_sync_at=dt.datetime.fromisoformat(last) if last else None,
        pending=int(counts.get(OUTBOX_PENDING, 0)),
        quarantined=int(counts.get(OUTBOX_QUARANTINED, 0)),
        conflicts=int(conflicts or 0),
        last_error=get_setting(session, KEY_LAST_ERROR),
        skew_seconds=float(skew) if skew else 0.0,
    )
