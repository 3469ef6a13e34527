"""Jalali reporting periods (issue 15): a month ``1405/08``, a quarter (فصل) ``1405-Q3``
or a year ``1405``; their first and last days, their Persian names, the period before
and the same period a year earlier. Shared by the office's reports and the server's.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from common import jalali
from common.errors import ValidationError
from common.text import normalize_text, to_ascii_digits, to_persian_digits

PeriodKind = Literal["month", "quarter", "year"]

#: The quarters' Persian names (a Jalali quarter is a season: months 1–3 are spring).
QUARTER_NAMES = ("اول (بهار)", "دوم (تابستان)", "سوم (پاییز)", "چهارم (زمستان)")

_MONTH = re.compile(r"^(\d{4})\s*[/\-.]\s*(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})\s*-?\s*[Qq]\s*([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")

#: What ``parse_period`` says about text it can't read.
PERIOD_HELP = "دوره را به یکی از این شکل‌ها بنویسید: ۱۴۰۵/۰۸ (ماه)، 1405-Q3 (فصل)، ۱۴۰۵ (سال)"


@dataclass(frozen=True)
class Period:
    """A Jalali month (``index`` 1–12), quarter (1–4) or year (``index`` 0)."""

    kind: PeriodKind
    year: int
    index: int = 0

    @property
    def months(self) -> tuple[int, int]:
        """Its first and last Jalali month."""
        if self.kind == "month":
            return self.index, self.index
        if self.kind == "quarter":
            return self.index * 3 - 2, self.index * 3
        return 1, 12

    @property
    def start(self) -> dt.date:
        """Its first day (Gregorian)."""
        return jalali.from_jalali(self.year, self.months[0], 1)

    @property
    def end(self) -> dt.date:
        """Its last day (Gregorian), included."""
        last = self.months[1]
        return jalali.from_jalali(self.year, last, jalali.month_length(self.year, last))

    @property
    def code(self) -> str:
        """How ``parse_period`` reads it back: ``1405/08``, ``1405-Q3``, ``1405``."""
        if self.kind == "month":
            return f"{self.year}/{self.index:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.index}"
        return str(self.year)

    @property
    def label(self) -> str:
        """Its Persian name: «آبان ۱۴۰۵», «فصل سوم (پاییز) ۱۴۰۵», «سال ۱۴۰۵»."""
        year = to_persian_digits(str(self.year))
        if self.kind == "month":
            return f"{jalali.JALALI_MONTH_NAMES[self.index - 1]} {year}"
        if self.kind == "quarter":
            return f"فصل {QUARTER_NAMES[self.index - 1]} {year}"
        return f"سال {year}"

    @property
    def short_label(self) -> str:
        """A short name for table headers and charts: «آبان ۱۴۰۵», «فصل سوم ۱۴۰۵» (an
        ordinal word: two numbers side by side read ambiguously right to left)."""
        if self.kind == "quarter":
            ordinal = QUARTER_NAMES[self.index - 1].split(" ")[0]
            return f"فصل {ordinal} {to_persian_digits(str(self.year))}"
        return self.label

    def previous(self) -> Period:
        """The period just before (the month, quarter or year before)."""
        if self.kind == "year":
            return Period("year", self.year - 1)
        count = 12 if self.kind == "month" else 4
        if self.index == 1:
            return Period(self.kind, self.year - 1, count)
        return Period(self.kind, self.year, self.index - 1)

    def year_before(self) -> Period:
        """The same period a year earlier."""
        return Period(self.kind, self.year - 1, self.index)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def parse_period(text: str | None, field: str = "period") -> Period:
    """Read ``1405/08``, ``1405-Q3`` or ``1405`` (any digits); raises ValidationError."""
    value = to_ascii_digits(normalize_text(text)).replace("فصل", "Q")
    for pattern, kind in ((_MONTH, "month"), (_QUARTER, "quarter"), (_YEAR, "year")):
        found = pattern.match(value)
        if found is None:
            continue
        year = int(found.group(1))
        index = int(found.group(2)) if kind != "year" else 0
        if not jalali.MIN_YEAR <= year <= jalali.MAX_YEAR:
            raise ValidationError(field, "سال دوره باید میان ۱۳۰۰ و ۱۵۰۰ باشد")
        if kind == "month" and not 1 <= index <= 12:
            raise ValidationError(field, "ماه دوره باید میان ۱ و ۱۲ باشد")
        return Period(kind, year, index)  # type: ignore[arg-type]
    raise ValidationError(field, PERIOD_HELP)


def current_month(today: dt.date | None = None) -> Period:
    """The Jalali month of ``today`` (default: today)."""
    year, month, _day = jalali.to_jalali_tuple(today or jalali.today())
    return Period("month", year, month)
