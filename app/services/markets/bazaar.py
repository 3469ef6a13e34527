"""Seasonal markets (بازارچه‌های فصلی): the sellers of a bazaar event — its registered
participants (app.services.events) — with their booth, the days they attended (their
attendance marks) and the sales they reported (rials, on the participant row, synced with
it). :class:`BazaarService` records a seller's booth and sales."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.models import County, Event, EventParticipant
from app.services.core.access import requires
from app.services.core.outbox import apply_values, touch
from app.services.core.scope import ScopedService
from app.services.markets.service import toman_to_rials
from common.errors import DomainError, ValidationError, ValidationErrors, collect
from common.rules import Context, Known, check_row, iran_today
from common.text import format_tomans, normalize_text, persian_sort_key, to_ascii_digits
from common.vocabulary import EventKind, ParticipantStatus, Permission


@dataclass(frozen=True)
class BazaarEvent:
    id: str
    code: str
    title: str
    start_date: dt.date
    end_date: dt.date

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1


@dataclass(frozen=True)
class BazaarSeller:
    participant_id: str
    person_id: str | None
    name: str
    national_id: str
    booth: str
    days_attended: int
    #: Rials; None until the seller reports.
    sales: int | None

    @property
    def sales_text(self) -> str:
        return format_tomans(self.sales) if self.sales is not None else "—"


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def bazaar_events(session: Session) -> list[BazaarEvent]:
    """The bazaar events (not cancelled), latest first."""
    rows = session.execute(
        text(
            "SELECT id, code, title, start_date, end_date FROM event WHERE deleted = 0 "
            "AND kind = :kind AND status != 'cancelled' ORDER BY start_date DESC, code"
        ),
        {"kind": EventKind.BAZAAR.value},
    )
    return [BazaarEvent(r[0], r[1], r[2], _date(r[3]), _date(r[4])) for r in rows]


_SELLERS = (
    "SELECT p.id, p.person_id, p.first_name || ' ' || p.last_name, p.national_id, p.booth, "
    "(SELECT count(*) FROM event_attendance a WHERE a.participant_id = p.id "
    "AND a.present = 1 AND a.deleted = 0), p.sales, p.event_id "
    "FROM event_participant p WHERE p.deleted = 0 AND p.status = :registered"
)


def _booth_order(seller: BazaarSeller) -> tuple[bool, str, str]:
    """Sellers without a booth last; booths in natural order («غرفه 2» before «غرفه 10»)."""
    natural = re.sub(r"\d+", lambda m: m.group().zfill(6), seller.booth)
    return (not seller.booth, persian_sort_key(natural), persian_sort_key(seller.name))


def bazaar_sellers(session: Session, event_id: str) -> list[BazaarSeller]:
    """A bazaar's sellers (registered participants), by booth then name."""
    rows = session.execute(
        text(f"{_SELLERS} AND p.event_id = :eid"),
        {"eid": event_id, "registered": ParticipantStatus.REGISTERED.value},
    )
    sellers = [BazaarSeller(r[0], r[1], r[2], r[3], r[4], int(r[5]), r[6]) for r in rows]
    return sorted(sellers, key=_booth_order)


@dataclass(frozen=True)
class HolderBazaar:
    """One bazaar a holder sold at (for a person's page)."""

    event: BazaarEvent
    seller: BazaarSeller


def holder_bazaars(session: Session, person_id: str) -> list[HolderBazaar]:
    """The bazaars a holder is registered at as a seller, latest first."""
    rows = session.execute(
        text(
            f"{_SELLERS} AND p.person_id = :pid AND p.event_id IN (SELECT id FROM event "
            "WHERE deleted = 0 AND kind = :kind AND status != 'cancelled')"
        ),
        {
            "pid": person_id,
            "kind": EventKind.BAZAAR.value,
            "registered": ParticipantStatus.REGISTERED.value,
        },
    ).all()
    events = {e.id: e for e in bazaar_events(session)} if rows else {}
    found = [
        HolderBazaar(events[r[7]], BazaarSeller(r[0], r[1], r[2], r[3], r[4], int(r[5]), r[6]))
        for r in rows
        if r[7] in events
    ]
    found.sort(key=lambda item: item.event.start_date, reverse=True)
    return found


def parse_sales(value: str) -> int | None:
    """Sales typed in tomans → rials: empty is «not reported» (None), zero is zero."""
    s = to_ascii_digits(normalize_text(value)).replace(",", "").replace("\u066c", "")
    if not s:
        return None
    if s.strip("0") == "" and s:
        return 0
    return toman_to_rials(s, "sales")


class BazaarService(ScopedService):
    """A bazaar seller's booth and reported sales, within one unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @requires(Permission.EVENTS)
    def record_seller(self, participant_id: str, booth: str, sales_toman: str) -> BazaarSeller:
        """Set a seller's booth and the sales they reported (tomans typed; rials kept)."""
        participant = self.session.get(EventParticipant, participant_id)
        event = self.session.get(Event, participant.event_id) if participant else None
        if participant is None or participant.deleted or event is None or event.deleted:
            raise DomainError("این فروشنده در رویداد پیدا نشد؛ شاید حذف شده باشد.")
        if event.kind != EventKind.BAZAAR:
            raise DomainError("فروش فقط برای غرفه‌داران بازارچه ثبت می‌شود.")
        if participant.status != ParticipantStatus.REGISTERED:
            raise DomainError("این شخص در بازارچه ثبت‌نام قطعی ندارد (در انتظار یا انصراف).")
        county = self.session.get(County, event.county_id)
        if county is not None:
            self.require_owned(county)
        errors: list[ValidationError] = []
        sales = collect(errors, lambda: parse_sales(sales_toman))
        row = {"booth": booth, "sales": sales}
        known = Known(counties=frozenset(), fields=frozenset())
        result = check_row(
            "event_participant", row, Context(known, iran_today()), columns=("booth", "sales")
        )
        errors.extend(p for p in result.problems if p.field not in {e.field for e in errors})
        if errors:
            raise ValidationErrors(errors)
        touch(
            self.session, participant, apply_values(participant, result.values, ("booth", "sales"))
        )
        self.session.flush()
        [seller] = [
            s for s in bazaar_sellers(self.session, event.id) if s.participant_id == participant_id
        ]
        return seller
