"""The rules every synced row obeys, wherever it comes from (trust: validation on both sides).

The forms and imports validate what a clerk types (app.services.licences.service, supporters,
events). A row also travels: the central server checks every pushed row before it stores
it, and the sync client checks every pulled row before it applies it. Both use
:func:`check_row`, built from the same validators as the forms (national and legal ID
checksums, Sheba, mobile, names, lengths, Persian text normalisation with bidi controls
stripped) and the same cross-field rules (an expiry after the issue date, a leaving date
after the joining date, ...).

A row here is what the protocol carries: JSON values keyed by column, dates and times in
ISO 8601. :func:`check_row` returns the normalised values and the problems, each a
:class:`ValidationError` with a Persian message.

Rules that depend on "today" (an issue date not in the future, a holder's age) take the
last acceptable day from the caller (:class:`Context.latest_day`): the server allows for
the clock skew the office's handshake measured, so a desk whose clock runs a day ahead is
warned, not locked out.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Collection, Container, Mapping
from dataclasses import dataclass
from typing import Any

from common import facility_rules, jalali
from common.banks import bank_codes
from common.errors import ValidationError
from common.text import normalize_multiline, normalize_text, to_persian_digits
from common.validators import (
    MAX_AMOUNT_RIALS,
    validate_branch_code,
    validate_capacity,
    validate_email,
    validate_legal_id,
    validate_mobile,
    validate_name,
    validate_national_id,
    validate_password_hash,
    validate_phone,
    validate_postal_code,
    validate_sheba,
    validate_shop_url,
    validate_text,
    validate_username,
)
from common.vocabulary import (
    COLUMN_LABELS,
    STORED_LICENCE_STATUSES,
    BuyerKind,
    CertificateKind,
    ContractUnit,
    EventKind,
    EventStatus,
    FacilityStage,
    Gender,
    Guarantee,
    HistoryAction,
    LicenceKind,
    MemberRole,
    ParticipantStatus,
    RepaymentStatus,
    Role,
    SellerKind,
    SupporterKind,
    SupporterStatus,
)

#: A holder must be at least this old (years) on the day they are registered.
MIN_HOLDER_AGE_YEARS = 15
#: Actions a licence's history records.
HISTORY_ACTIONS = frozenset(HistoryAction)
#: Columns every synced row may carry that no rule checks: ``origin_office`` (the server
#: sets it to the pushing office).
BOOKKEEPING = frozenset({"origin_office"})
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
_MAX_TEXT = 20_000


def column_label(column: str) -> str:
    """A column's Persian name in messages."""
    return COLUMN_LABELS.get(column, column)


@dataclass(frozen=True)
class Known:
    """Reference ids a row may name: counties and business fields; ``retired_fields``
    (the central catalogue's retired fields, checked by the server) may stay on a row
    but not be newly chosen for a licence."""

    counties: Container[str]
    fields: Container[str]
    retired_fields: Container[str] = frozenset()


@dataclass(frozen=True)
class Context:
    """What the rules need besides the row: the known reference ids and the last day a
    date that must not lie in the future may be."""

    known: Known
    latest_day: dt.date


@dataclass(frozen=True)
class RowCheck:
    """The normalised values of the checked columns, and what is wrong (Persian)."""

    values: dict[str, Any]
    problems: list[ValidationError]

    @property
    def ok(self) -> bool:
        return not self.problems

    def reason(self) -> str:
        """The problems as one Persian sentence."""
        return "؛ ".join(problem.message for problem in self.problems)


Rule = Callable[[Any, str, Context], Any]


def _text_value(value: Any, column: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(column, f"{column_label(column)} باید متن باشد")
    return value


# --- column rules ---------------------------------------------------------------------


def text(max_length: int, *, required: bool = False) -> Rule:
    def rule(value: Any, column: str, _ctx: Context) -> str:
        return validate_text(
            _text_value(value, column), column, column_label(column), required, max_length
        )

    return rule


def multiline(max_length: int = _MAX_TEXT) -> Rule:
    def rule(value: Any, column: str, _ctx: Context) -> str:
        s = normalize_multiline(_text_value(value, column))
        if len(s) > max_length:
            raise ValidationError(
                column,
                f"{column_label(column)} نباید بیشتر از {to_persian_digits(str(max_length))} "
                "نویسه باشد",
            )
        return s

    return rule


def name(*, required: bool = True) -> Rule:
    def rule(value: Any, column: str, _ctx: Context) -> str:
        return validate_name(_text_value(value, column), column, column_label(column), required)

    return rule


def code(max_length: int) -> Rule:
    """A human-facing code (licence number, unique ID, serial, event code): normalised,
    no spaces, upper-case Latin, required."""

    def rule(value: Any, column: str, _ctx: Context) -> str:
        s = normalize_text(_text_value(value, column)).replace(" ", "").upper()
        if not s:
            raise ValidationError(column, f"{column_label(column)} خالی است")
        if len(s) > max_length or not s.isprintable():
            raise ValidationError(column, f"{column_label(column)} درست نیست")
        return s

    return rule


def choice(values: Collection[str]) -> Rule:
    def rule(value: Any, column: str, _ctx: Context) -> str:
        if value not in values:
            raise ValidationError(column, f"مقدار «{column_label(column)}» مجاز نیست")
        return str(value)

    return rule


def ref(*, required: bool = True) -> Rule:
    """The id of another synced row (a UUID), or None when not ``required``."""

    def rule(value: Any, column: str, _ctx: Context) -> str | None:
        if value is None or value == "":
            if required:
                raise ValidationError(column, f"{column_label(column)} مشخص نیست")
            return None
        if not isinstance(value, str) or not _UUID.match(value.lower()):
            raise ValidationError(column, f"شناسه «{column_label(column)}» درست نیست")
        return value.lower()

    return rule


def county(value: Any, column: str, ctx: Context) -> str:
    if not isinstance(value, str) or value not in ctx.known.counties:
        raise ValidationError(column, "شهرستان در داده‌های پایه نیست")
    return value


def business_field(value: Any, column: str, ctx: Context) -> str:
    if not isinstance(value, str) or value not in ctx.known.fields:
        raise ValidationError(column, "رشته در فهرست رشته‌ها نیست")
    return value


def licence_field(value: Any, column: str, ctx: Context) -> str:
    """A licence's field: checked when a licence is new or moves to another field (a
    change checks only the columns it sets), so a retired field keeps its licences."""
    field_id = business_field(value, column, ctx)
    if field_id in ctx.known.retired_fields:
        raise ValidationError(column, "این رشته بازنشسته شده است و مجوز تازه‌ای در آن صادر نمی‌شود")
    return field_id


def field_list(value: Any, column: str, ctx: Context) -> str:
    """A JSON list of business-field ids, stored as text."""
    try:
        items = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        items = None
    if items is None:
        items = []
    if not isinstance(items, list) or not all(
        isinstance(item, str) and item in ctx.known.fields for item in items
    ):
        raise ValidationError(column, f"{column_label(column)} درست نیست")
    return json.dumps(items, ensure_ascii=False)


def _as_date(value: Any, column: str) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def date(*, required: bool = True, not_future: bool = False) -> Rule:
    def rule(value: Any, column: str, ctx: Context) -> str | None:
        day = _as_date(value, column)
        if day is None:
            if value not in (None, "") or required:
                raise ValidationError(column, f"{column_label(column)} درست نیست")
            return None
        if day.year < 1900 or day.year > 2200:
            raise ValidationError(column, f"{column_label(column)} درست نیست")
        if not_future and day > ctx.latest_day:
            raise ValidationError(column, f"{column_label(column)} نمی‌تواند در آینده باشد")
        return day.isoformat()

    return rule


def moment(value: Any, column: str, _ctx: Context) -> str:
    """A point in time (ISO 8601; without an offset it is UTC)."""
    try:
        parsed = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationError(column, f"{column_label(column)} درست نیست")
    return str(value)


def flag(value: Any, column: str, _ctx: Context) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(column, f"{column_label(column)} باید بله یا خیر باشد")
    return value


def optional_flag(default: bool) -> Rule:
    def rule(value: Any, column: str, ctx: Context) -> bool:
        return default if value is None else flag(value, column, ctx)

    return rule


def capacity(value: Any, column: str, _ctx: Context) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(column, "ظرفیت باید یک عدد صحیح باشد")
    return validate_capacity(value, column)


def clock(value: Any, column: str, _ctx: Context) -> str:
    s = _text_value(value, column)
    if s and not _CLOCK.match(s):
        raise ValidationError(column, f"{column_label(column)} باید به شکل ۰۹:۳۰ باشد")
    return s


def changes_json(value: Any, column: str, _ctx: Context) -> str:
    """A history entry's changes: a JSON object of ``[old, new]`` pairs, as text."""
    try:
        parsed = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict) or len(str(value)) > _MAX_TEXT:
        raise ValidationError(column, "تغییرهای ثبت‌شده در تاریخچه درست نیست")
    return str(value)


def payload(value: Any, column: str, _ctx: Context) -> str:
    s = _text_value(value, column).strip()
    if len(s) > 4000 or not s.isascii() or not s.isprintable():
        raise ValidationError(column, "کد امضاشده گواهی‌نامه درست نیست")
    return s


def _identifier(validator: Callable[..., str], *, required: bool) -> Rule:
    def rule(value: Any, column: str, _ctx: Context) -> str:
        return validator(_text_value(value, column), column, required=required)

    return rule


def _postal(value: Any, column: str, _ctx: Context) -> str:
    code_, _warning = validate_postal_code(_text_value(value, column), column)
    return code_


def _simple(validator: Callable[[str | None, str], str]) -> Rule:
    def rule(value: Any, column: str, _ctx: Context) -> str:
        return validator(_text_value(value, column), column)

    return rule


def _display_name(value: Any, column: str, _ctx: Context) -> str:
    """An account's shown name: 1 to 60 characters, spaces folded."""
    shown = " ".join(normalize_text(_text_value(value, column)).split())
    if not shown or len(shown) > 60:
        raise ValidationError(column, "نام و نام خانوادگی را (تا ۶۰ نویسه) بنویسید")
    return shown


def whole(low: int, high: int, *, required: bool = True) -> Rule:
    """A whole number from ``low`` to ``high`` (None when not ``required``)."""

    def rule(value: Any, column: str, _ctx: Context) -> int | None:
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(column, f"{column_label(column)} درست نیست")
        return value

    return rule


# --- market access: amounts and deliveries --------------------------------------------

#: The largest quantity a guaranteed-purchase contract (or one delivery) may name.
MAX_QUANTITY = 100_000_000
#: The largest unit price, in rials (a thousand billion tomans).
MAX_UNIT_PRICE = 10_000_000_000_000
#: A delivery's note, at most (characters).
MAX_DELIVERY_NOTE = 300


def amount(maximum: int) -> Rule:
    """A whole number from 1 to ``maximum`` (a quantity, a price in rials)."""

    def rule(value: Any, column: str, _ctx: Context) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(column, f"{column_label(column)} باید یک عدد صحیح باشد")
        if value <= 0:
            raise ValidationError(column, f"{column_label(column)} باید بیشتر از صفر باشد")
        if value > maximum:
            raise ValidationError(column, f"{column_label(column)} بیش از اندازه بزرگ است")
        return value

    return rule


def choice_list(values: Collection[str]) -> Rule:
    """A JSON list of distinct codes from ``values``, stored as text."""

    def rule(value: Any, column: str, _ctx: Context) -> str:
        try:
            items = json.loads(value) if isinstance(value, str) else None
        except ValueError:
            items = None
        if (
            not isinstance(items, list)
            or not all(isinstance(item, str) and item in values for item in items)
            or len(set(items)) != len(items)
        ):
            raise ValidationError(column, f"{column_label(column)} درست نیست")
        return json.dumps(items, ensure_ascii=False)

    return rule


def _bank(value: Any, column: str, _ctx: Context) -> str:
    if value not in bank_codes():
        raise ValidationError(column, "بانک در فهرست بانک‌ها نیست")
    return str(value)


def deliveries_of(value: Any) -> list[dict[str, Any]]:
    """A contract's deliveries (its JSON text, or the list) as a list; [] when empty or
    unreadable (the rule reports unreadable ones)."""
    try:
        items = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return []
    return items if isinstance(items, list) else []


def _delivery(item: Any, column: str, ctx: Context) -> dict[str, Any]:
    if not isinstance(item, dict) or set(item) - {"day", "quantity", "note"}:
        raise ValidationError(column, "تحویل‌های ثبت‌شده درست نیست")
    day = _as_date(item.get("day"), column)
    if day is None:
        raise ValidationError(column, "تاریخ تحویل درست نیست")
    if day > ctx.latest_day:
        raise ValidationError(column, "تاریخ تحویل نمی‌تواند در آینده باشد")
    quantity = item.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise ValidationError(column, "مقدار هر تحویل باید یک عدد صحیح بیشتر از صفر باشد")
    if quantity > MAX_QUANTITY:
        raise ValidationError(column, "مقدار تحویل بیش از اندازه بزرگ است")
    note = normalize_text(_text_value(item.get("note"), column))
    if len(note) > MAX_DELIVERY_NOTE:
        raise ValidationError(
            column,
            f"یادداشت تحویل نباید بیشتر از {to_persian_digits(str(MAX_DELIVERY_NOTE))} نویسه باشد",
        )
    return {"day": day.isoformat(), "quantity": quantity, "note": note}


def deliveries(value: Any, column: str, ctx: Context) -> str:
    """A contract's deliveries: a JSON list of ``{day, quantity, note}``, stored as text in
    date order; every day a real date not in the future, every quantity positive."""
    try:
        items = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        items = None
    if items is None:
        items = []
    if not isinstance(items, list) or len(items) > 1000:
        raise ValidationError(column, "تحویل‌های ثبت‌شده درست نیست")
    cleaned = sorted((_delivery(item, column, ctx) for item in items), key=lambda d: d["day"])
    return json.dumps(cleaned, ensure_ascii=False)


def optional_sales(value: Any, column: str, ctx: Context) -> int | None:
    """Sales reported at a bazaar, in rials (zero when nothing was sold), or None when
    not reported."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(column, "فروش گزارش‌شده باید یک عدد صحیح نامنفی باشد")
    if value > MAX_UNIT_PRICE:
        raise ValidationError(column, "فروش گزارش‌شده بیش از اندازه بزرگ است")
    return value


def _shop_url(value: Any, column: str, _ctx: Context) -> str:
    return validate_shop_url(_text_value(value, column), column)


# --- the tables -----------------------------------------------------------------------

RULES: dict[str, dict[str, Rule]] = {
    "person": {
        "national_id": _identifier(validate_national_id, required=True),
        "first_name": name(),
        "last_name": name(),
        "father_name": name(required=False),
        "birth_date": date(required=False),
        "gender": choice(tuple(Gender)),
        "mobile": _identifier(validate_mobile, required=False),
        "postal_code": _postal,
        "address": text(500),
    },
    "licence": {
        "number": code(40),
        "unique_id": code(20),
        "person_id": ref(),
        "kind": choice(tuple(LicenceKind)),
        "field_id": licence_field,
        "county_id": county,
        "activity_address": text(500),
        "issue_date": date(not_future=True),
        "expiry_date": date(),
        "status": choice(STORED_LICENCE_STATUSES),
        "status_reason": text(500),
    },
    "licence_history": {
        "licence_id": ref(),
        "at": moment,
        "actor": text(60),
        "action": choice(HISTORY_ACTIONS),
        "changes": changes_json,
        "reason": text(500),
    },
    "certificate_issue": {
        "licence_id": ref(required=False),
        "serial": code(40),
        "issued_at": moment,
        "actor": text(60),
        "duplicate": optional_flag(False),
        "payload": payload,
        "kind": choice(tuple(CertificateKind)),
        "participant_id": ref(required=False),
    },
    "supporter": {
        "kind": choice(tuple(SupporterKind)),
        "licence_id": ref(),
        "legal_name": text(200),
        "legal_id": _identifier(validate_legal_id, required=False),
        "registration_no": text(20),
        "field_id": business_field,
        "related_field_ids": field_list,
        "county_id": county,
        "phone": _simple(validate_phone),
        "mobile": _identifier(validate_mobile, required=False),
        "email": _simple(validate_email),
        "address": text(500),
        "sheba": _identifier(validate_sheba, required=True),
        "capacity": capacity,
        "status": choice(tuple(SupporterStatus)),
        "status_reason": text(500),
    },
    "network_member": {
        "supporter_id": ref(),
        "person_id": ref(),
        "role": choice(tuple(MemberRole)),
        "county_id": county,
        "joined_on": date(not_future=True),
        "left_on": date(required=False, not_future=True),
        "leave_reason": text(500),
        "override_reason": text(500),
    },
    "event": {
        "code": code(40),
        "kind": choice(tuple(EventKind)),
        "title": text(200, required=True),
        "field_ids": field_list,
        "organiser_supporter_id": ref(required=False),
        "venue": text(300),
        "county_id": county,
        "start_date": date(),
        "end_date": date(),
        "start_time": clock,
        "end_time": clock,
        "capacity": capacity,
        "instructor": text(120),
        "description": multiline(),
        "status": choice(tuple(EventStatus)),
    },
    "event_participant": {
        "event_id": ref(),
        "person_id": ref(required=False),
        "national_id": _identifier(validate_national_id, required=True),
        "first_name": name(),
        "last_name": name(),
        "mobile": _identifier(validate_mobile, required=False),
        "status": choice(tuple(ParticipantStatus)),
        "registered_at": moment,
        # A seasonal bazaar's seller: the stall, and the sales reported (rials).
        "booth": text(40),
        "sales": optional_sales,
    },
    "event_attendance": {
        "event_id": ref(),
        "participant_id": ref(),
        "day": date(),
        "present": optional_flag(True),
    },
    "closure_day": {
        "county_id": county,
        "day": date(),
        "reason": text(200),
    },
    # A bank facility case (پرونده تسهیلات) of a licence holder or a supporter.
    "facility_case": {
        "licence_id": ref(),
        "person_id": ref(),
        "supporter_id": ref(required=False),
        "county_id": county,
        "programme": text(120, required=True),
        "bank_code": _bank,
        "branch_name": text(120),
        "branch_code": _simple(validate_branch_code),
        "purpose": text(500, required=True),
        "requested_amount": whole(1, MAX_AMOUNT_RIALS),
        "approved_amount": whole(1, MAX_AMOUNT_RIALS, required=False),
        "approved_over_reason": text(500),
        "disbursed_amount": whole(1, MAX_AMOUNT_RIALS, required=False),
        "term_months": whole(1, facility_rules.MAX_TERM_MONTHS, required=False),
        "rate_bp": whole(0, facility_rules.MAX_RATE_BP, required=False),
        "guarantees": choice_list(tuple(Guarantee)),
        "sheba": _identifier(validate_sheba, required=False),
        "stage": choice(tuple(FacilityStage)),
        **{
            column: date(required=column == "requested_on", not_future=True)
            for column in (*facility_rules.PROGRESS_DATE_COLUMNS, "closed_on")
        },
        "close_reason": text(500),
        "referral_no": text(40),
        "repayment_status": choice(tuple(RepaymentStatus)),
        "overdue_instalments": whole(0, 600),
        "repayment_on": date(required=False, not_future=True),
    },
    # Market access (app.services.markets): a holder's sales channel, and a
    # guaranteed-purchase contract with its deliveries (amounts in rials).
    "sales_channel": {
        "person_id": ref(),
        "county_id": county,
        "platform": text(60, required=True),
        "shop_name": text(120),
        "shop_url": _shop_url,
        "onboarded_on": date(not_future=True),
        "active": optional_flag(True),
    },
    "purchase_contract": {
        "county_id": county,
        "buyer_kind": choice(tuple(BuyerKind)),
        "buyer_supporter_id": ref(required=False),
        "buyer_name": text(200),
        "seller_kind": choice(tuple(SellerKind)),
        "seller_person_id": ref(required=False),
        "seller_supporter_id": ref(required=False),
        "product": text(200, required=True),
        "unit": choice(tuple(ContractUnit)),
        "quantity": amount(MAX_QUANTITY),
        "unit_price": amount(MAX_UNIT_PRICE),
        "start_date": date(),
        "end_date": date(),
        "deliveries": deliveries,
        "over_reason": text(500),
    },
    # A staff account (its office's only; server.policy). Never a password: its argon2id
    # hash, which the server stores as opaque data and never verifies.
    "account": {
        "username": _simple(validate_username),
        "display_name": _display_name,
        "role": choice(tuple(Role)),
        "password_hash": _simple(validate_password_hash),
        "disabled": optional_flag(False),
    },
}


# --- rules across columns -------------------------------------------------------------


def birth_date_problem(birth: dt.date | None, latest_day: dt.date) -> ValidationError | None:
    """A holder's birth date: in the past, at least MIN_HOLDER_AGE_YEARS years ago."""
    if birth is None:
        return None
    if birth >= latest_day:
        return ValidationError("birth_date", "تاریخ تولد باید در گذشته باشد")
    if jalali.add_jalali_years(birth, MIN_HOLDER_AGE_YEARS) > latest_day:
        return ValidationError(
            "birth_date",
            f"دارنده مجوز باید دست‌کم {to_persian_digits(str(MIN_HOLDER_AGE_YEARS))} سال داشته باشد",
        )
    if birth.year < 1900:
        return ValidationError("birth_date", "تاریخ تولد درست نیست")
    return None


def date_order_problem(
    first: dt.date | None, then: dt.date | None, column: str, message: str, *, strict: bool
) -> ValidationError | None:
    """``then`` must come after ``first`` (on or after, unless ``strict``)."""
    if first is None or then is None:
        return None
    if then < first or (strict and then == first):
        return ValidationError(column, message)
    return None


Cross = Callable[[Mapping[str, Any], Context], ValidationError | None]


def _person_birth(row: Mapping[str, Any], ctx: Context) -> ValidationError | None:
    return birth_date_problem(_as_date(row.get("birth_date"), "birth_date"), ctx.latest_day)


def _licence_dates(row: Mapping[str, Any], _ctx: Context) -> ValidationError | None:
    return date_order_problem(
        _as_date(row.get("issue_date"), "issue_date"),
        _as_date(row.get("expiry_date"), "expiry_date"),
        "expiry_date",
        "تاریخ انقضا باید بعد از تاریخ صدور باشد",
        strict=True,
    )


def member_dates_problem(joined: dt.date | None, left: dt.date | None) -> ValidationError | None:
    """A network member leaves on or after the day they joined."""
    return date_order_problem(
        joined, left, "left_on", "تاریخ خروج نمی‌تواند پیش از تاریخ عضویت باشد", strict=False
    )


def _member_dates(row: Mapping[str, Any], _ctx: Context) -> ValidationError | None:
    return member_dates_problem(
        _as_date(row.get("joined_on"), "joined_on"), _as_date(row.get("left_on"), "left_on")
    )


def event_dates_problem(start: dt.date | None, end: dt.date | None) -> ValidationError | None:
    """An event ends on or after the day it starts."""
    return date_order_problem(
        start, end, "end_date", "تاریخ پایان نمی‌تواند پیش از تاریخ شروع باشد", strict=False
    )


def _event_dates(row: Mapping[str, Any], _ctx: Context) -> ValidationError | None:
    return event_dates_problem(
        _as_date(row.get("start_date"), "start_date"), _as_date(row.get("end_date"), "end_date")
    )


def _legal_supporter(row: Mapping[str, Any], _ctx: Context) -> ValidationError | None:
    if row.get("kind") != SupporterKind.LEGAL:
        return None
    if not row.get("legal_id"):
        return ValidationError("legal_id", "شناسه ملی پشتیبان حقوقی الزامی است")
    if not row.get("legal_name"):
        return ValidationError("legal_name", "نام شخص حقوقی الزامی است")
    if not row.get("registration_no"):
        return ValidationError("registration_no", "وارد کردن شماره ثبت الزامی است")
    return None


def _certificate_subject(row: Mapping[str, Any], _ctx: Context) -> ValidationError | None:
    column = "participant_id" if row.get("kind") == CertificateKind.ATTENDANCE else "licence_id"
    if not row.get(column):
        return ValidationError(column, "گواهی‌نامه به مجوز یا شرکت‌کننده‌ای اشاره نمی‌کند")
    return None


def _facility_dates(row: Mapping[str, Any], _ctx: Context) -> ValidationError | None:
    columns = (*facility_rules.PROGRESS_DATE_COLUMNS, "closed_on")
    dates = {column: _as_date(row.get(column), column) for column in columns}
    return facility_rules.stage_dates_problem(
        str(row.get("stage")), dates, str(row.get("close_reason") or "")
    )


def _facility_amounts(row: Mapping[str, Any], _ctx: Context) -> ValidationError | None:
    return facility_rules.amounts_problem(
        row.get("requested_amount"),
        row.get("approved_amount"),
        row.get("disbursed_amount"),
        str(row.get("approved_over_reason") or ""),
        str(row.get("stage")),
    )


def _facility_branch(row: Mapping[str, Any], _ctx: Context) -> ValidationError | None:
    return facility_rules.branch_problem(
        _as_date(row.get("referred_on"), "referred_on"),
        str(row.get("branch_name") or ""),
        str(row.get("branch_code") or ""),
    )


def _facility_sheba(row: Mapping[str, Any], _ctx: Context) -> ValidationError | None:
    return facility_rules.sheba_problem(
        str(row.get("stage")), row.get("disbursed_amount"), str(row.get("sheba") or "")
    )


def _facility_repayment(row: Mapping[str, Any], _ctx: Context) -> ValidationError | None:
    overdue = row.get("overdue_instalments")
    return facility_rules.repayment_problem(
        str(row.get("stage")),
        str(row.get("repayment_status") or ""),
        overdue if isinstance(overdue, int) else 0,
    )


_FACILITY_DATES = frozenset({"stage", "close_reason", "closed_on"}) | frozenset(
    facility_rules.PROGRESS_DATE_COLUMNS
)


def _contract_parties(row: Mapping[str, Any], _ctx: Context) -> ValidationError | None:
    """The buyer and the seller are named the way their kinds say."""
    if row.get("buyer_kind") == BuyerKind.SUPPORTER:
        if not row.get("buyer_supporter_id"):
            return ValidationError("buyer_supporter_id", "پشتیبان خریدار را انتخاب کنید")
    elif not row.get("buyer_name"):
        return ValidationError("buyer_name", "نام خریدار را بنویسید")
    if row.get("seller_kind") == SellerKind.HOLDER and not row.get("seller_person_id"):
        return ValidationError("seller_person_id", "دارنده مجوز فروشنده را انتخاب کنید")
    if row.get("seller_kind") == SellerKind.NETWORK and not row.get("seller_supporter_id"):
        return ValidationError("seller_supporter_id", "پشتیبانی را که شبکه‌اش می‌فروشد انتخاب کنید")
    return None


def contract_period_problem(start: dt.date | None, end: dt.date | None) -> ValidationError | None:
    """A contract's period ends on or after the day it starts."""
    return date_order_problem(
        start, end, "end_date", "پایان دوره قرارداد نمی‌تواند پیش از شروع آن باشد", strict=False
    )


def _contract_period(row: Mapping[str, Any], _ctx: Context) -> ValidationError | None:
    return contract_period_problem(
        _as_date(row.get("start_date"), "start_date"), _as_date(row.get("end_date"), "end_date")
    )


def _contract_deliveries(row: Mapping[str, Any], _ctx: Context) -> ValidationError | None:
    """Deliveries fall inside the contract's period, and add up to no more than its
    quantity unless ``over_reason`` says why."""
    start = _as_date(row.get("start_date"), "start_date")
    end = _as_date(row.get("end_date"), "end_date")
    items = deliveries_of(row.get("deliveries"))
    for item in items:
        day = _as_date(item.get("day"), "deliveries")
        if start and end and day and start <= end and not start <= day <= end:
            return ValidationError("deliveries", "تاریخ هر تحویل باید در دوره قرارداد باشد")
    delivered = sum(int(item.get("quantity") or 0) for item in items)
    quantity = row.get("quantity")
    if isinstance(quantity, int) and delivered > quantity and not row.get("over_reason"):
        return ValidationError(
            "over_reason", "تحویل‌ها از مقدار قرارداد بیشتر است؛ دلیل آن را بنویسید"
        )
    return None


CROSS_RULES: dict[str, tuple[tuple[frozenset[str], Cross], ...]] = {
    "person": ((frozenset({"birth_date"}), _person_birth),),
    "licence": ((frozenset({"issue_date", "expiry_date"}), _licence_dates),),
    "network_member": ((frozenset({"joined_on", "left_on"}), _member_dates),),
    "event": ((frozenset({"start_date", "end_date"}), _event_dates),),
    "supporter": (
        (frozenset({"kind", "legal_id", "legal_name", "registration_no"}), _legal_supporter),
    ),
    "certificate_issue": (
        (frozenset({"kind", "licence_id", "participant_id"}), _certificate_subject),
    ),
    "facility_case": (
        (_FACILITY_DATES, _facility_dates),
        (
            frozenset(
                {
                    "stage",
                    "requested_amount",
                    "approved_amount",
                    "disbursed_amount",
                    "approved_over_reason",
                }
            ),
            _facility_amounts,
        ),
        (frozenset({"referred_on", "branch_name", "branch_code"}), _facility_branch),
        (frozenset({"stage", "disbursed_amount", "sheba"}), _facility_sheba),
        (
            frozenset({"stage", "repayment_status", "overdue_instalments"}),
            _facility_repayment,
        ),
    ),
    "purchase_contract": (
        (
            frozenset(
                {
                    "buyer_kind",
                    "buyer_supporter_id",
                    "buyer_name",
                    "seller_kind",
                    "seller_person_id",
                    "seller_supporter_id",
                }
            ),
            _contract_parties,
        ),
        (frozenset({"start_date", "end_date"}), _contract_period),
        (
            frozenset({"start_date", "end_date", "deliveries", "quantity", "over_reason"}),
            _contract_deliveries,
        ),
    ),
}


def check_row(
    table: str,
    row: Mapping[str, Any],
    ctx: Context,
    *,
    columns: Collection[str] | None = None,
) -> RowCheck:
    """Normalise and check a row of a synced ``table``.

    ``row`` is the whole row as it will be stored. ``columns`` limits the checks to the
    columns an update changes (and the cross-column rules that involve one of them);
    None checks every column, as for an insert or a pulled row: a required column that is
    missing is a problem, and so is a column no rule knows.
    """
    rules = RULES.get(table)
    if rules is None:
        return RowCheck({}, [ValidationError("table", "این نوع رکورد شناخته نیست")])
    checked = list(rules) if columns is None else [c for c in columns if c not in BOOKKEEPING]
    values: dict[str, Any] = {}
    problems: list[ValidationError] = []
    unknown = set(row if columns is None else checked) - set(rules) - BOOKKEEPING
    for column in sorted(unknown):
        problems.append(ValidationError(column, f"ستون «{column}» شناخته نیست"))
    for column in checked:
        rule = rules.get(column)
        if rule is None:
            continue
        try:
            values[column] = rule(row.get(column), column, ctx)
        except ValidationError as exc:
            problems.append(exc)
    merged = {**row, **values}
    failed = {problem.field for problem in problems}
    for involved, cross in CROSS_RULES.get(table, ()):
        if (columns is None or involved & set(checked)) and not involved & failed:
            problem = cross(merged, ctx)
            if problem is not None:
                problems.append(problem)
    return RowCheck(values, problems)


def latest_day(today: dt.date, skew_seconds: float | None = None, grace_days: int = 1) -> dt.date:
    """The last day a "not in the future" date may be: ``today`` plus the days a clock
    running ahead by ``skew_seconds`` adds, plus ``grace_days``."""
    ahead = max(0.0, skew_seconds or 0.0)
    return today + dt.timedelta(days=int(-(-ahead // 86400)) + grace_days)


def iran_today(now: dt.datetime | None = None) -> dt.date:
    """Today's date in Iran (UTC+03:30, no daylight saving since 1401)."""
    moment_ = now or dt.datetime.now(dt.UTC)
    return (moment_.astimezone(dt.UTC) + dt.timedelta(hours=3, minutes=30)).date()
