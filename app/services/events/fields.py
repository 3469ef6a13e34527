"""The fields of events and participants: their Persian names (for messages and the sync
review), and how typed values become values (times ``HH:MM``, Jalali dates), with every
error of a form collected at once (ValidationErrors)."""

from __future__ import annotations

import datetime as dt
import re

from common import jalali
from common.errors import ValidationError
from common.text import normalize_text, to_persian_digits

FIELD_LABELS = {
    "code": "کد رویداد",
    "kind": "نوع رویداد",
    "title": "عنوان",
    "field_ids": "رشته‌ها",
    "organiser_supporter_id": "برگزارکننده",
    "venue": "محل برگزاری",
    "county_id": "شهرستان",
    "start_date": "تاریخ شروع",
    "end_date": "تاریخ پایان",
    "start_time": "ساعت شروع",
    "end_time": "ساعت پایان",
    "capacity": "ظرفیت",
    "instructor": "مدرس",
    "description": "توضیحات",
    "status": "وضعیت",
    "national_id": "کد ملی",
    "first_name": "نام",
    "last_name": "نام خانوادگی",
    "mobile": "تلفن همراه",
    "day": "روز حضور",
}
_TIME = re.compile(r"([0-9]{1,2})\s*[:٫.]\s*([0-9]{2})")


def fa_number(value: int) -> str:
    """``value`` in Persian digits."""
    return to_persian_digits(str(value))


def parse_time(value: str | None, fname: str) -> str:
    """``HH:MM`` from what was typed (any digits; ``9:5`` is refused, ``9:05`` is fine);
    "" for empty input."""
    text = normalize_text(value)
    if not text:
        return ""
    match = _TIME.fullmatch(text)
    if match is None:
        raise ValidationError(fname, f"{FIELD_LABELS[fname]} باید به شکل ۰۹:۳۰ باشد")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        raise ValidationError(
            fname, f"{FIELD_LABELS[fname]} درست نیست (ساعت ۰ تا ۲۳، دقیقه ۰ تا ۵۹)"
        )
    return f"{hours:02d}:{minutes:02d}"


def hours_of(
    start_date: dt.date, end_date: dt.date, start_time: str, end_time: str
) -> float | None:
    """The event's length in hours (daily hours × days), when both times are known."""
    if not start_time or not end_time:
        return None
    sh, sm = (int(p) for p in start_time.split(":"))
    eh, em = (int(p) for p in end_time.split(":"))
    daily = (eh * 60 + em - sh * 60 - sm) / 60
    if daily <= 0:
        return None
    return daily * ((end_date - start_date).days + 1)


def as_date(
    value: str | dt.date | None, fname: str, errors: list[ValidationError]
) -> dt.date | None:
    """A date as given or parsed from Jalali text, or None with the error appended to
    ``errors``."""
    return jalali.date_field(value, fname, FIELD_LABELS[fname], errors)
