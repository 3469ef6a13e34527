"""The events calendar: days and Jalali months, Iran's official holidays, the office's
closure days, the off-day marks of a range of days and the warning of an event that falls
on them, and the month grid's data (:class:`MonthCalendar`, built by
:meth:`app.services.events.queries.EventQueries.month`).

Off days are Fridays, official holidays (from the ``holidays`` package) and the closure
days of the office's county.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ClosureDay, County
from app.services.core.office import require_office
from app.services.events.fields import fa_number
from common import jalali
from common.errors import DomainError
from common.text import search_key

log = logging.getLogger("daftar.events")

#: Warnings name at most this many closed days of one event.
_MAX_NAMED_DAYS = 5
WEEKDAY_NAMES = ("شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه")
FRIDAY = 6


def event_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every day from ``start`` to ``end`` inclusive."""
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first and last (Gregorian) dates of a Jalali month."""
    return (
        jalali.from_jalali(year, month, 1),
        jalali.from_jalali(year, month, jalali.month_length(year, month)),
    )


# -- holidays and closures --------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _holidays_of_year(year: int) -> dict[dt.date, str]:
    import holidays  # a slow import: only when a calendar or a warning needs it

    try:
        table = holidays.country_holidays("IR", years=year, language="fa_IR")
    except (NotImplementedError, KeyError, ValueError):  # pragma: no cover - old package
        log.warning("the holidays package has no Iran calendar; official holidays not shown")
        return {}
    return {day: str(name) for day, name in table.items()}


def official_holidays(start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """Iran's official holidays from ``start`` to ``end`` (Persian names), from the
    ``holidays`` package. Lunar (Islamic) dates beyond the current year are estimates
    (their names end with «(تخمینی)»)."""
    result: dict[dt.date, str] = {}
    for year in range(start.year, end.year + 1):
        for day, name in _holidays_of_year(year).items():
            if start <= day <= end:
                result[day] = name
    return result


def office_county_id(session: Session) -> str:
    """The county whose closure days apply to this office: the office's own county, or
    for a province office the province's county of the same name (its capital), else
    the province's first county."""
    office = require_office(session)
    if office.county_id:
        return office.county_id
    rows = session.execute(
        select(County.id, County.name)
        .where(County.province_id == office.province_id, County.deleted.is_(False))
        .order_by(County.code)
    ).all()
    if not rows:
        raise DomainError("شهرستانی برای استان این اداره ثبت نشده است.")
    same = [row.id for row in rows if search_key(row.name) == search_key(office.province_name)]
    return str(same[0] if same else rows[0].id)


@dataclass(frozen=True)
class ClosureInfo:
    """A closure day of the office."""

    id: str
    day: dt.date
    reason: str


@dataclass(frozen=True)
class DayMark:
    """Why a day is off: Friday, official holiday (name), office closure (reason)."""

    day: dt.date
    friday: bool = False
    holiday: str = ""
    closure: str = ""
    closure_id: str = ""

    @property
    def off(self) -> bool:
        """True on a Friday, an official holiday or a closure day."""
        return self.friday or bool(self.holiday) or bool(self.closure_id)

    def reasons(self) -> list[str]:
        """Each reason in Persian."""
        result = []
        if self.friday:
            result.append("جمعه")
        if self.holiday:
            result.append(f"تعطیل رسمی: {self.holiday}")
        if self.closure_id:
            result.append(f"تعطیلی اداره: {self.closure}" if self.closure else "تعطیلی اداره")
        return result


def closure_days(
    session: Session, start: dt.date, end: dt.date, county_id: str | None = None
) -> list[ClosureInfo]:
    """The office's closure days from ``start`` to ``end`` (by day)."""
    county = county_id or office_county_id(session)
    rows = session.scalars(
        select(ClosureDay)
        .where(
            ClosureDay.county_id == county,
            ClosureDay.deleted.is_(False),
            ClosureDay.day >= start,
            ClosureDay.day <= end,
        )
        .order_by(ClosureDay.day)
    )
    return [ClosureInfo(row.id, row.day, row.reason) for row in rows]


def day_marks(
    session: Session, start: dt.date, end: dt.date, county_id: str | None = None
) -> dict[dt.date, DayMark]:
    """The off days from ``start`` to ``end``: Fridays, official holidays, closures."""
    holidays_ = official_holidays(start, end)
    closures = {c.day: c for c in closure_days(session, start, end, county_id)}
    result: dict[dt.date, DayMark] = {}
    for day in event_days(start, end):
        closure = closures.get(day)
        mark = DayMark(
            day=day,
            friday=jalali.jalali_weekday(day) == FRIDAY,
            holiday=holidays_.get(day, ""),
            closure=closure.reason if closure else "",
            closure_id=closure.id if closure else "",
        )
        if mark.off:
            result[day] = mark
    return result


def off_day_warnings(marks: Iterable[DayMark]) -> tuple[str, ...]:
    """One Persian warning naming the off days an event falls on (or nothing)."""
    marks = sorted(marks, key=lambda m: m.day)
    if not marks:
        return ()
    named = [
        f"{jalali.format_jalali(m.day)} ({'، '.join(m.reasons())})" for m in marks[:_MAX_NAMED_DAYS]
    ]
    text = "این رویداد در روز تعطیل برگزار می‌شود: " + "؛ ".join(named)
    if len(marks) > _MAX_NAMED_DAYS:
        text += f" و {fa_number(len(marks) - _MAX_NAMED_DAYS)} روز دیگر"
    return (text,)


# -- the month grid -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarEvent:
    """An event in a day cell of the month calendar."""

    id: str
    code: str
    title: str
    kind: str
    status: str
    start_time: str


@dataclass(frozen=True)
class CalendarDay:
    """One day of the month calendar."""

    date: dt.date
    day: int
    weekday: int
    mark: DayMark | None
    events: tuple[CalendarEvent, ...]


@dataclass(frozen=True)
class MonthCalendar:
    """A Jalali month: its days (with off-day marks and events)."""

    year: int
    month: int
    days: tuple[CalendarDay, ...]

    @property
    def title(self) -> str:
        """``فروردین ۱۴۰۵``."""
        return f"{jalali.JALALI_MONTH_NAMES[self.month - 1]} {fa_number(self.year)}"

    @property
    def event_count(self) -> int:
        """Distinct events shown in the month."""
        return len({e.id for d in self.days for e in d.events})
