"""The rules of a facility case (پرونده تسهیلات) that span its columns: stage dates in
order, the amounts consistent, the bank branch named once the case is referred, the
holder's Sheba present before disbursement, a repayment report only for a paid case.

Pure functions of the row's values (no database): the form (app.services.facilities), the
central server and the sync client's pull all apply them through common.rules.
"""

from __future__ import annotations

import datetime as dt

from common.errors import ValidationError
from common.vocabulary import FacilityStage, RepaymentStatus

#: The stages a case moves through, in order; rejection and withdrawal end it early.
PROGRESS: tuple[FacilityStage, ...] = (
    FacilityStage.REQUESTED,
    FacilityStage.REVIEW,
    FacilityStage.REFERRED,
    FacilityStage.BANK_FILE,
    FacilityStage.GUARANTEE,
    FacilityStage.APPROVED,
    FacilityStage.PAID,
)
CLOSING: tuple[FacilityStage, ...] = (FacilityStage.REJECTED, FacilityStage.WITHDRAWN)
#: Stages a case still waits in (its service level can be overstayed).
OPEN_STAGES: tuple[FacilityStage, ...] = PROGRESS[:-1]
#: The column holding the day each stage was reached.
STAGE_DATE_COLUMNS: dict[FacilityStage, str] = {
    FacilityStage.REQUESTED: "requested_on",
    FacilityStage.REVIEW: "review_on",
    FacilityStage.REFERRED: "referred_on",
    FacilityStage.BANK_FILE: "bank_file_on",
    FacilityStage.GUARANTEE: "guarantee_on",
    FacilityStage.APPROVED: "approved_on",
    FacilityStage.PAID: "paid_on",
    FacilityStage.REJECTED: "closed_on",
    FacilityStage.WITHDRAWN: "closed_on",
}
PROGRESS_DATE_COLUMNS: tuple[str, ...] = tuple(STAGE_DATE_COLUMNS[s] for s in PROGRESS)
#: The longest repayment term (months) and the highest rate (hundredths of a percent).
MAX_TERM_MONTHS = 360
MAX_RATE_BP = 10_000


def stage_dates_problem(
    stage: str, dates: dict[str, dt.date | None], close_reason: str
) -> ValidationError | None:
    """The stage's own date is set, no later stage has a date, the dates set run in
    order (none before the one of an earlier stage), a rejection says why."""
    if stage not in STAGE_DATE_COLUMNS:
        return None
    own = STAGE_DATE_COLUMNS[FacilityStage(stage)]
    if dates.get(own) is None:
        return ValidationError(own, f"تاریخ مرحلهٔ «{FacilityStage(stage).label}» را وارد کنید")
    reached = PROGRESS.index(FacilityStage(stage)) if stage in PROGRESS else len(PROGRESS) - 1
    if stage in CLOSING:
        # Closed early: the later steps it never reached have no date; the closing date is
        # checked after the last step it did reach.
        last = max((i for i, c in enumerate(PROGRESS_DATE_COLUMNS) if dates.get(c)), default=0)
        reached = min(last, len(PROGRESS) - 2)
        if dates.get("paid_on") is not None:
            return ValidationError("paid_on", "پرونده‌ای که پرداخت شده است رد یا انصراف نمی‌خورد")
    for column in PROGRESS_DATE_COLUMNS[reached + 1 :]:
        if dates.get(column) is not None:
            return ValidationError(column, "تاریخ مرحله‌ای که پرونده هنوز به آن نرسیده است")
    order = list(PROGRESS_DATE_COLUMNS[: reached + 1])
    if stage in CLOSING:
        order.append("closed_on")
    previous: tuple[str, dt.date] | None = None
    for column in order:
        day = dates.get(column)
        if day is None:
            continue
        if previous is not None and day < previous[1]:
            return ValidationError(column, "تاریخ این مرحله نمی‌تواند پیش از مرحلهٔ قبلی باشد")
        previous = (column, day)
    if stage == FacilityStage.REJECTED and not close_reason:
        return ValidationError("close_reason", "دلیل رد درخواست را بنویسید")
    return None


def amounts_problem(
    requested: int | None,
    approved: int | None,
    disbursed: int | None,
    over_reason: str,
    stage: str,
) -> ValidationError | None:
    """Approved ≤ requested (unless a reason is given), disbursed ≤ approved, an approved
    case has its approved amount and a paid one its disbursed amount."""
    reached = PROGRESS.index(FacilityStage(stage)) if stage in PROGRESS else -1
    if approved is None and reached >= PROGRESS.index(FacilityStage.APPROVED):
        return ValidationError("approved_amount", "مبلغ مصوب را وارد کنید")
    if disbursed is None and stage == FacilityStage.PAID:
        return ValidationError("disbursed_amount", "مبلغ پرداختی را وارد کنید")
    if approved is not None and requested is not None and approved > requested and not over_reason:
        return ValidationError(
            "approved_amount",
            "مبلغ مصوب بیشتر از مبلغ درخواستی است؛ دلیل آن را بنویسید",
        )
    if disbursed is not None and approved is None:
        return ValidationError("disbursed_amount", "پیش از پرداخت، مبلغ مصوب را وارد کنید")
    if disbursed is not None and approved is not None and disbursed > approved:
        return ValidationError("disbursed_amount", "مبلغ پرداختی نمی‌تواند بیشتر از مبلغ مصوب باشد")
    return None


def branch_problem(
    referred_on: dt.date | None, branch_name: str, branch_code: str
) -> ValidationError | None:
    """A case referred to a bank names the branch (its name and code)."""
    if referred_on is None:
        return None
    if not branch_name:
        return ValidationError("branch_name", "برای معرفی به بانک، نام شعبه را وارد کنید")
    if not branch_code:
        return ValidationError("branch_code", "برای معرفی به بانک، کد شعبه را وارد کنید")
    return None


def sheba_problem(stage: str, disbursed: int | None, sheba: str) -> ValidationError | None:
    """The holder's Sheba is on the case before any money is paid."""
    if (stage == FacilityStage.PAID or disbursed is not None) and not sheba:
        return ValidationError("sheba", "پیش از پرداخت، شماره شبای حساب دارنده را وارد کنید")
    return None


def repayment_problem(stage: str, status: str, overdue: int) -> ValidationError | None:
    """Repayment is reported for a paid case only; an overdue one counts its instalments."""
    if status and stage != FacilityStage.PAID:
        return ValidationError("repayment_status", "وضعیت بازپرداخت فقط برای پرونده پرداخت‌شده است")
    if status == RepaymentStatus.OVERDUE and overdue < 1:
        return ValidationError("overdue_instalments", "تعداد اقساط معوق را وارد کنید")
    if status != RepaymentStatus.OVERDUE and overdue:
        return ValidationError("overdue_instalments", "اقساط معوق فقط برای وضعیت «معوق» است")
    return None
