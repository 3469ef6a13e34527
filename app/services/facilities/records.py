"""What the facilities service takes and gives: the input of a case form or spreadsheet
row, the frozen records the views receive (never ORM objects), the filter of the case
list, and the Persian labels of stages, guarantees and repayment statuses."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from common import jalali
from common.banks import bank_name
from common.facility_rules import OPEN_STAGES, STAGE_DATE_COLUMNS
from common.text import format_tomans, to_persian_digits
from common.vocabulary import COLUMN_LABELS, FacilityStage, Guarantee, RepaymentStatus

STAGE_LABELS = FacilityStage.labels()
GUARANTEE_LABELS = Guarantee.labels()
REPAYMENT_LABELS = RepaymentStatus.labels()
#: The form's fields, by the column names (messages land beside them).
FIELD_LABELS = {
    **{column: COLUMN_LABELS[column] for column in STAGE_DATE_COLUMNS.values()},
    "licence_number": "شماره مجوز",
    "programme": COLUMN_LABELS["programme"],
    "bank_code": COLUMN_LABELS["bank_code"],
    "branch_name": COLUMN_LABELS["branch_name"],
    "branch_code": COLUMN_LABELS["branch_code"],
    "purpose": COLUMN_LABELS["purpose"],
    "requested_amount": COLUMN_LABELS["requested_amount"],
    "approved_amount": COLUMN_LABELS["approved_amount"],
    "approved_over_reason": COLUMN_LABELS["approved_over_reason"],
    "disbursed_amount": COLUMN_LABELS["disbursed_amount"],
    "term_months": COLUMN_LABELS["term_months"],
    "rate_bp": COLUMN_LABELS["rate_bp"],
    "guarantees": COLUMN_LABELS["guarantees"],
    "sheba": "شماره شبای حساب دارنده",
    "stage": COLUMN_LABELS["stage"],
    "close_reason": COLUMN_LABELS["close_reason"],
    "repayment_status": COLUMN_LABELS["repayment_status"],
    "overdue_instalments": COLUMN_LABELS["overdue_instalments"],
    "repayment_on": COLUMN_LABELS["repayment_on"],
}
#: «معطل»: a case that overstays its stage's service level.
OVERDUE_LABEL = "معطل"


@dataclass(frozen=True)
class FacilityInput:
    """A case as typed in the form or read from a spreadsheet row: amounts in tomans
    (text or whole numbers), the rate in percent (``4`` or ``۴٫۵``), dates as Jalali text
    or dates. ``dates`` maps a stage's date column (``referred_on``, ...) to its day."""

    licence_number: str = ""
    programme: str = ""
    bank_code: str = ""
    branch_name: str = ""
    branch_code: str = ""
    purpose: str = ""
    requested_amount: str | int = ""
    approved_amount: str | int = ""
    approved_over_reason: str = ""
    disbursed_amount: str | int = ""
    term_months: str | int = ""
    rate: str = ""
    guarantees: tuple[str, ...] = ()
    sheba: str = ""
    stage: str = FacilityStage.REQUESTED
    dates: Mapping[str, str | dt.date | None] = field(default_factory=dict)
    close_reason: str = ""
    repayment_status: str = RepaymentStatus.UNKNOWN
    overdue_instalments: str | int = 0
    repayment_on: str | dt.date | None = None


@dataclass(frozen=True)
class FacilityFilter:
    """What the clerk asked the case list to show (None: any)."""

    text: str = ""
    stage: str | None = None
    bank_code: str | None = None
    programme: str | None = None
    overdue_only: bool = False
    licence_id: str | None = None
    #: The cases of one holder (the person page).
    person_id: str | None = None


@dataclass(frozen=True)
class FacilityRow:
    """One line of the case list."""

    id: str
    holder_name: str
    national_id: str
    licence_number: str
    supporter_name: str
    programme: str
    bank_code: str
    branch_name: str
    requested_amount: int
    approved_amount: int | None
    disbursed_amount: int | None
    stage: str
    stage_on: dt.date
    days_late: int
    repayment_status: str
    overdue_instalments: int

    @property
    def bank_name(self) -> str:
        return bank_name(self.bank_code)

    @property
    def stage_label(self) -> str:
        """The stage, «معطل» added when it is overstayed."""
        label = STAGE_LABELS.get(self.stage, self.stage)
        return f"{label} — {OVERDUE_LABEL}" if self.days_late > 0 else label

    @property
    def late_text(self) -> str:
        """``۱۲ روز`` when overdue, else ""."""
        return f"{to_persian_digits(str(self.days_late))} روز" if self.days_late > 0 else ""

    @property
    def repayment_text(self) -> str:
        if self.repayment_status == RepaymentStatus.OVERDUE:
            return f"معوق ({to_persian_digits(str(self.overdue_instalments))} قسط)"
        return REPAYMENT_LABELS.get(self.repayment_status, self.repayment_status)

    @property
    def requested_text(self) -> str:
        return format_tomans(self.requested_amount)

    @property
    def approved_text(self) -> str:
        return format_tomans(self.approved_amount)


@dataclass(frozen=True)
class FacilityDetail:
    """A case with everything its dialog and letters show."""

    id: str
    rev: int
    licence_id: str
    licence_number: str
    licence_kind: str
    field_name: str
    licence_issue: dt.date
    licence_expiry: dt.date
    person_id: str
    holder_name: str
    national_id: str
    father_name: str
    mobile: str
    address: str
    supporter_id: str | None
    supporter_name: str
    county_id: str
    county_name: str
    programme: str
    bank_code: str
    branch_name: str
    branch_code: str
    purpose: str
    requested_amount: int
    approved_amount: int | None
    approved_over_reason: str
    disbursed_amount: int | None
    term_months: int | None
    rate_bp: int | None
    guarantees: tuple[str, ...]
    sheba: str
    stage: str
    dates: dict[str, dt.date | None]
    close_reason: str
    referral_no: str
    repayment_status: str
    overdue_instalments: int
    repayment_on: dt.date | None
    days_late: int
    outside_scope: str = ""

    @property
    def bank_name(self) -> str:
        return bank_name(self.bank_code)

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS.get(self.stage, self.stage)

    @property
    def stage_on(self) -> dt.date | None:
        return self.dates.get(STAGE_DATE_COLUMNS[FacilityStage(self.stage)])

    @property
    def is_open(self) -> bool:
        """Still waiting in a stage (not paid, rejected or withdrawn)."""
        return self.stage in OPEN_STAGES

    @property
    def rate_text(self) -> str:
        """``۴٪`` or ``۴٫۵٪`` ("" when unknown)."""
        return rate_text(self.rate_bp)

    def as_input(self, **changes: object) -> FacilityInput:
        """The case as a form's input (amounts in tomans), with ``changes`` applied."""
        values: dict[str, object] = {
            "licence_number": self.licence_number,
            "programme": self.programme,
            "bank_code": self.bank_code,
            "branch_name": self.branch_name,
            "branch_code": self.branch_code,
            "purpose": self.purpose,
            "requested_amount": self.requested_amount // 10,
            "approved_amount": "" if self.approved_amount is None else self.approved_amount // 10,
            "approved_over_reason": self.approved_over_reason,
            "disbursed_amount": (
                "" if self.disbursed_amount is None else self.disbursed_amount // 10
            ),
            "term_months": "" if self.term_months is None else self.term_months,
            "rate": rate_text(self.rate_bp, percent=False),
            "guarantees": self.guarantees,
            "sheba": self.sheba,
            "stage": self.stage,
            "dates": dict(self.dates),
            "close_reason": self.close_reason,
            "repayment_status": self.repayment_status,
            "overdue_instalments": self.overdue_instalments,
            "repayment_on": self.repayment_on,
        }
        return FacilityInput(**(values | changes))  # type: ignore[arg-type]


def rate_text(rate_bp: int | None, *, percent: bool = True) -> str:
    """A rate in hundredths of a percent as Persian text: ``۴٪``, ``۴٫۵٪``."""
    if rate_bp is None:
        return ""
    whole, cents = divmod(rate_bp, 100)
    text = str(whole) if not cents else f"{whole}.{cents:02d}".rstrip("0")
    shown = to_persian_digits(text).replace(".", "٫")
    return f"{shown}٪" if percent else shown


_AMOUNT_FIELDS = frozenset({"requested_amount", "approved_amount", "disbursed_amount"})


def display_value(field_name: str, value: object) -> str | None:
    """A facility case's stored value as a clerk reads it (the conflict review): stages,
    guarantees and repayment statuses by label, amounts in tomans, dates in Jalali, the
    bank by name; None for a value shown as it is."""
    if value is None or value == "":
        return ""
    labels = {
        "stage": STAGE_LABELS,
        "repayment_status": REPAYMENT_LABELS,
    }.get(field_name)
    if labels is not None:
        return labels.get(str(value), str(value))
    if field_name in _AMOUNT_FIELDS and isinstance(value, int):
        return format_tomans(value)
    if field_name == "bank_code":
        return bank_name(str(value))
    if field_name == "rate_bp" and isinstance(value, int):
        return rate_text(value)
    if field_name == "guarantees":
        codes = json.loads(str(value)) if isinstance(value, str) else value
        if isinstance(codes, list):
            return "، ".join(GUARANTEE_LABELS.get(str(code), str(code)) for code in codes)
    if field_name in STAGE_DATE_COLUMNS.values() or field_name == "repayment_on":
        return jalali.format_jalali(dt.date.fromisoformat(str(value)[:10]))
    return None
