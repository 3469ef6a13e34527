"""Jalali (Solar Hijri) dates on top of jdatetime; values are stored as Gregorian dates.

Weekdays count from Saturday: 0 = Saturday … 6 = Friday.
"""

from __future__ import annotations

import datetime
import functools
import re

import jdatetime

from common.errors import ValidationError, collect
from common.text import normalize_text, to_persian_digits

JALALI_MONTH_NAMES: tuple[str, ...] = (
    "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
)  # fmt: skip
MIN_YEAR = 1300
MAX_YEAR = 1500

_SEP = r"\s*[/\-.٫]\s*"
_DATE = re.compile(rf"([0-9]{{4}}){_SEP}([0-9]{{1,2}}){_SEP}([0-9]{{1,2}})")


def _fa(n: int) -> str:
    return to_persian_digits(str(n))


@functools.lru_cache(maxsize=16384)
def is_leap(year: int) -> bool:
    """Return True if the Jalali ``year`` is a leap year (Esfand has 30 days)."""
    return bool(jdatetime.date(year, 1, 1).isleap())


def month_length(year: int, month: int) -> int:
    """Return the number of days in a Jalali month."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be in 1..12, got {month}")
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if is_leap(year) else 29


@functools.lru_cache(maxsize=16384)
def from_jalali(year: int, month: int, day: int) -> datetime.date:
    """Return the Gregorian date of a Jalali date; ValueError if it does not exist."""
    result: datetime.date = jdatetime.date(year, month, day).togregorian()
    return result


@functools.lru_cache(maxsize=16384)
def to_jalali_tuple(d: datetime.date) -> tuple[int, int, int]:
    """Return ``(year, month, day)`` of a Gregorian date in the Jalali calendar."""
    j = jdatetime.date.fromgregorian(date=d)
    return j.year, j.month, j.day


def format_jalali(d: datetime.date | None, persian_digits: bool = True) -> str:
    """Format as ``۱۴۰۳/۰۵/۱۲`` (or ``1403/05/12``); None gives ""."""
    if d is None:
        return ""
    y, m, day = to_jalali_tuple(d)
    s = f"{y:04d}/{m:02d}/{day:02d}"
    return to_persian_digits(s) if persian_digits else s


def parse_jalali(
    value: str | None, field: str = "date", label: str = "تاریخ", required: bool = True
) -> datetime.date | None:
    """Parse a Jalali date typed by a user and return the Gregorian date.

    Accepts ``۱۴۰۳/۰۵/۱۲``, ``1403/5/12``, ``-``, ``.`` or ``٫`` separators, any digits.
    Returns None for empty input when not ``required``.
    """
    s = normalize_text(value)
    if not s:
        if required:
            raise ValidationError(field, f"وارد کردن {label} الزامی است")
        return None
    match = _DATE.fullmatch(s)
    if match is None:
        raise ValidationError(field, f"{label} باید به شکل ۱۴۰۳/۰۵/۱۲ باشد")
    year, month, day = (int(g) for g in match.groups())
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(
            field,
            f"سال باید بین {_fa(MIN_YEAR)} تا {_fa(MAX_YEAR)} باشد (تاریخ را شمسی وارد کنید)",
        )
    if not 1 <= month <= 12:
        raise ValidationError(field, "ماه باید بین ۱ تا ۱۲ باشد")
    length = month_length(year, month)
    if day < 1:
        raise ValidationError(field, f"روز باید بین ۱ تا {_fa(length)} باشد")
    if day > length:
        if month == 12 and day == 30:
            raise ValidationError(field, f"سال {_fa(year)} کبیسه نیست و اسفند آن ۲۹ روز دارد")
        name = JALALI_MONTH_NAMES[month - 1]
        raise ValidationError(field, f"ماه {name} {_fa(length)} روز دارد")
    return from_jalali(year, month, day)


def add_jalali_years(d: datetime.date, years: int) -> datetime.date:
    """Add Jalali years keeping month and day (30 Esfand becomes 29 in a common year)."""
    y, m, day = to_jalali_tuple(d)
    return from_jalali(y + years, m, min(day, month_length(y + years, m)))


def add_jalali_months(d: datetime.date, months: int) -> datetime.date:
    """Add Jalali months, clamping the day to the length of the target month."""
    y, m, day = to_jalali_tuple(d)
    y, m0 = divmod(y * 12 + m - 1 + months, 12)
    return from_jalali(y, m0 + 1, min(day, month_length(y, m0 + 1)))


def today() -> datetime.date:
    """Return today's (local, Gregorian) date."""
    return datetime.date.today()


def jalali_weekday(d: datetime.date) -> int:
    """Return the weekday of ``d`` with 0 = Saturday … 6 = Friday."""
    return (d.weekday() + 2) % 7


def date_field(
    value: str | datetime.date | None,
    field: str,
    label: str,
    errors: list[ValidationError],
    *,
    required: bool = True,
) -> datetime.date | None:
    """A form's date: as given, or parsed from Jalali text; None with the problem
    appended to ``errors``."""
    if isinstance(value, datetime.date):
        return value
    return collect(errors, lambda: parse_jalali(value, field=field, label=label, required=required))
