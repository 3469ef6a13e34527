"""Every kind of record a spreadsheet carries, by the name ``--kind`` takes.

The one list that ``daftar import|export --kind NAME`` and the import dialog offer. A
domain's kind (its columns and row handler: :class:`app.services.spreadsheet.kind.SheetKind`)
becomes usable everywhere by being listed here.
"""

from __future__ import annotations

from app.services.events.io import KIND as EVENTS
from app.services.facilities.io import KIND as FACILITIES
from app.services.facilities.io import REPAYMENTS
from app.services.licences.io import KIND as LICENCES
from app.services.markets.io import CHANNELS, CONTRACTS
from app.services.spreadsheet.kind import SheetKind
from app.services.supporters.io import KIND as SUPPORTERS
from common.errors import DomainError

__all__ = [
    "CHANNELS",
    "CONTRACTS",
    "DEFAULT_KIND",
    "EVENTS",
    "FACILITIES",
    "LICENCES",
    "REPAYMENTS",
    "SHEET_KINDS",
    "SUPPORTERS",
    "sheet_kind",
]

SHEET_KINDS: dict[str, SheetKind] = {
    kind.name: kind
    for kind in (LICENCES, SUPPORTERS, EVENTS, FACILITIES, REPAYMENTS, CHANNELS, CONTRACTS)
}
#: What ``daftar import`` and ``daftar export`` read and write without ``--kind``.
DEFAULT_KIND = LICENCES.name


def sheet_kind(name: str) -> SheetKind:
    """The kind called ``name``; DomainError (naming the kinds there are) if none is."""
    try:
        return SHEET_KINDS[name]
    except KeyError:
        known = ", ".join(SHEET_KINDS)
        raise DomainError(
            f"unknown --kind {name!r}; one of: {known} (نوع فایل شناخته نشد)"
        ) from None
