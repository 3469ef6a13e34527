"""Jalali reporting periods (common.periods): reading, bounds, names, comparisons."""

from __future__ import annotations

import datetime as dt

import pytest

from common import jalali
from common.errors import ValidationError
from common.periods import Period, current_month, parse_period


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("1405/08", Period("month", 1405, 8)),
        ("۱۴۰۵/۸", Period("month", 1405, 8)),
        ("1405-08", Period("month", 1405, 8)),
        ("1405-Q3", Period("quarter", 1405, 3)),
        ("۱۴۰۵-q۳", Period("quarter", 1405, 3)),
        ("1405 فصل 3", Period("quarter", 1405, 3)),
        ("1405", Period("year", 1405)),
    ],
)
def test_parse(text: str, period: Period) -> None:
    assert parse_period(text) == period
    assert parse_period(period.code) == period


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1405/13", "ماه دوره باید میان ۱ و ۱۲ باشد"),
        ("1405-Q5", "دوره را به یکی از این شکل‌ها بنویسید"),
        ("", "دوره را به یکی از این شکل‌ها بنویسید"),
        ("آبان", "دوره را به یکی از این شکل‌ها بنویسید"),
        ("1600", "سال دوره باید میان ۱۳۰۰ و ۱۵۰۰ باشد"),
    ],
)
def test_bad_periods(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        parse_period(text)
    assert caught.value.field == "period"


def test_bounds_and_names() -> None:
    aban = Period("month", 1405, 8)
    assert (aban.start, aban.end) == (
        jalali.from_jalali(1405, 8, 1),
        jalali.from_jalali(1405, 8, 30),
    )
    assert aban.label == "آبان ۱۴۰۵"
    autumn = Period("quarter", 1405, 3)
    assert autumn.start == jalali.from_jalali(1405, 7, 1)
    assert autumn.end == jalali.from_jalali(1405, 9, 30)
    assert autumn.label == "فصل سوم (پاییز) ۱۴۰۵" and autumn.short_label == "فصل سوم ۱۴۰۵"
    leap = Period("year", 1403)  # 1403 is a leap year: Esfand has 30 days
    assert leap.end == jalali.from_jalali(1403, 12, 30)
    assert (leap.end - leap.start).days == 365
    assert Period("year", 1404).end == jalali.from_jalali(1404, 12, 29)
    assert aban.contains(aban.end) and not aban.contains(aban.end + dt.timedelta(days=1))


def test_previous_and_year_before() -> None:
    assert Period("month", 1405, 1).previous() == Period("month", 1404, 12)
    assert Period("month", 1405, 8).previous() == Period("month", 1405, 7)
    assert Period("quarter", 1405, 1).previous() == Period("quarter", 1404, 4)
    assert Period("year", 1405).previous() == Period("year", 1404)
    assert Period("quarter", 1405, 3).year_before() == Period("quarter", 1404, 3)


def test_current_month() -> None:
    assert current_month(jalali.from_jalali(1405, 9, 17)) == Period("month", 1405, 9)
