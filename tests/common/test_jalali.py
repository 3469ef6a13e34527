"""Tests for common.jalali."""

from __future__ import annotations

import datetime

import jdatetime
import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.errors import ValidationError
from common.jalali import (
    JALALI_MONTH_NAMES,
    add_jalali_months,
    add_jalali_years,
    format_jalali,
    from_jalali,
    is_leap,
    jalali_weekday,
    month_length,
    parse_jalali,
    to_jalali_tuple,
    today,
)

FIRST = from_jalali(1300, 1, 1)
LAST = from_jalali(1499, 12, month_length(1499, 12))
dates = st.dates(min_value=FIRST, max_value=LAST)


def error_of(value: str | None, **kwargs: object) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        parse_jalali(value, **kwargs)  # type: ignore[arg-type]
    return info.value


def test_leap_years() -> None:
    assert is_leap(1403) and not is_leap(1404) and is_leap(1399)
    assert month_length(1403, 12) == 30 and month_length(1404, 12) == 29
    assert month_length(1404, 1) == 31 and month_length(1404, 7) == 30
    with pytest.raises(ValueError):
        month_length(1404, 13)


def test_parse_forms_agree() -> None:
    expected = datetime.date(2024, 8, 2)
    forms = ["۱۴۰۳/۰۵/۱۲", "1403/5/12", "1403-05-12", "1403.5.12", "۱۴۰۳٫۵٫۱۲",
             "١٤٠٣/٠٥/١٢", " 1403 / 05 / 12 ", "\u20661403/05/12\u2069"]  # fmt: skip
    for raw in forms:
        assert parse_jalali(raw) == expected, raw


def test_parse_esfand_30() -> None:
    assert parse_jalali("1403/12/30") == datetime.date(2025, 3, 20)
    assert error_of("1404/12/30").message == "سال ۱۴۰۴ کبیسه نیست و اسفند آن ۲۹ روز دارد"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1403/13/01", "ماه باید بین ۱ تا ۱۲ باشد"),
        ("1403/00/01", "ماه باید بین ۱ تا ۱۲ باشد"),
        ("1403/07/31", "ماه مهر ۳۰ روز دارد"),
        ("1403/01/32", "ماه فروردین ۳۱ روز دارد"),
        ("1403/01/00", "روز باید بین ۱ تا ۳۱ باشد"),
        ("2024/08/02", "سال باید بین ۱۳۰۰ تا ۱۵۰۰ باشد"),
        ("1299/01/01", "سال باید بین ۱۳۰۰ تا ۱۵۰۰ باشد"),
        ("12/05/1403", "تاریخ باید به شکل ۱۴۰۳/۰۵/۱۲ باشد"),
        ("1403/05", "تاریخ باید به شکل ۱۴۰۳/۰۵/۱۲ باشد"),
        ("دیروز", "تاریخ باید به شکل ۱۴۰۳/۰۵/۱۲ باشد"),
        ("", "وارد کردن تاریخ الزامی است"),
    ],
)
def test_parse_errors(raw: str, message: str) -> None:
    assert message in error_of(raw).message


def test_parse_field_label_and_optional() -> None:
    error = error_of("x", field="issue_date", label="تاریخ صدور")
    assert error.field == "issue_date"
    assert error.message == "تاریخ صدور باید به شکل ۱۴۰۳/۰۵/۱۲ باشد"
    assert parse_jalali("  ", required=False) is None
    assert parse_jalali(None, required=False) is None


def test_format_and_tuples() -> None:
    d = datetime.date(2024, 8, 2)
    assert format_jalali(d) == "۱۴۰۳/۰۵/۱۲"
    assert format_jalali(d, persian_digits=False) == "1403/05/12"
    assert format_jalali(None) == ""
    assert to_jalali_tuple(d) == (1403, 5, 12)
    assert from_jalali(1403, 5, 12) == d
    with pytest.raises(ValueError):
        from_jalali(1404, 12, 30)


@given(dates, st.booleans())
def test_parse_format_round_trip(d: datetime.date, persian: bool) -> None:
    assert parse_jalali(format_jalali(d, persian_digits=persian)) == d


def test_add_years_and_months() -> None:
    esfand30 = from_jalali(1403, 12, 30)
    assert to_jalali_tuple(add_jalali_years(esfand30, 1)) == (1404, 12, 29)
    assert to_jalali_tuple(add_jalali_years(esfand30, 4)) == (1407, 12, 29)
    assert to_jalali_tuple(add_jalali_years(from_jalali(1403, 5, 12), -3)) == (1400, 5, 12)
    assert to_jalali_tuple(add_jalali_months(from_jalali(1403, 6, 31), 1)) == (1403, 7, 30)
    assert to_jalali_tuple(add_jalali_months(from_jalali(1403, 11, 30), 1)) == (1403, 12, 30)
    assert to_jalali_tuple(add_jalali_months(from_jalali(1403, 12, 30), 12)) == (1404, 12, 29)
    assert to_jalali_tuple(add_jalali_months(from_jalali(1403, 1, 15), -1)) == (1402, 12, 15)
    assert to_jalali_tuple(add_jalali_months(from_jalali(1403, 3, 31), 14)) == (1404, 5, 31)


@given(dates, st.integers(-100, 100))
def test_add_years_valid(d: datetime.date, years: int) -> None:
    y, m, day = to_jalali_tuple(d)
    result = to_jalali_tuple(add_jalali_years(d, years))
    assert result[:2] == (y + years, m)
    assert result[2] == min(day, month_length(y + years, m))


@given(dates, st.integers(-1200, 1200))
def test_add_months_valid(d: datetime.date, months: int) -> None:
    y, m, day = to_jalali_tuple(d)
    ry, rm, rday = to_jalali_tuple(add_jalali_months(d, months))
    assert ry * 12 + rm == y * 12 + m + months
    assert rday == min(day, month_length(ry, rm))


@given(dates)
def test_weekday_matches_jdatetime(d: datetime.date) -> None:
    assert jalali_weekday(d) == jdatetime.date.fromgregorian(date=d).weekday()


def test_weekday_and_today() -> None:
    assert jalali_weekday(datetime.date(2024, 8, 2)) == 6  # Friday
    assert jalali_weekday(datetime.date(2024, 8, 3)) == 0  # Saturday
    assert isinstance(today(), datetime.date)
    assert len(JALALI_MONTH_NAMES) == 12
    assert JALALI_MONTH_NAMES[0] == "فروردین" and JALALI_MONTH_NAMES[-1] == "اسفند"
