"""Facility cases: :class:`FacilityService`, the one service callers use to open a case,
edit it and move it through its stages (request → plan review → referral to the bank →
file at the bank → guarantee accepted → approval → payment, or rejection / withdrawal).

Input arrives raw (as typed or read from a spreadsheet: amounts in tomans, Jalali dates)
and is parsed here; the parsed row then passes the same rules the central server and the
sync client apply (common.rules, common.facility_rules), so a case the form saves is a
case the server accepts. Every change writes its outbox operation in the same unit of
work. A case's home is its licence's county: this office opens and changes cases of
licences in its scope only.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import FacilityCase, Licence, Supporter, new_id
from app.models.licence import STATUS_ACTIVE
from app.services.core.access import requires
from app.services.core.office import require_office
from app.services.core.outbox import apply_values, insert_record, json_value, touch
from app.services.core.scope import ScopedService
from app.services.facilities.records import FIELD_LABELS, FacilityDetail, FacilityInput
from app.services.facilities.settings import days_late, facility_settings
from app.services.licences.numbers import normalise_licence_number
from app.services.licences.records import effective_status
from common import jalali
from common.banks import bank_from_text
from common.errors import DomainError, ValidationError, ValidationErrors
from common.facility_rules import (
    CLOSING,
    MAX_RATE_BP,
    MAX_TERM_MONTHS,
    PROGRESS,
    STAGE_DATE_COLUMNS,
)
from common.rules import Context, Known, check_row
from common.text import normalize_text, to_persian_digits
from common.validators import parse_tomans, validate_branch_code, validate_sheba, validate_text
from common.vocabulary import FacilityStage, Guarantee, Permission, RepaymentStatus

#: The columns a form sets (everything but the sync columns and the referral number).
CASE_FIELDS = (
    "licence_id",
    "person_id",
    "supporter_id",
    "county_id",
    "programme",
    "bank_code",
    "branch_name",
    "branch_code",
    "purpose",
    "requested_amount",
    "approved_amount",
    "approved_over_reason",
    "disbursed_amount",
    "term_months",
    "rate_bp",
    "guarantees",
    "sheba",
    "stage",
    *dict.fromkeys(STAGE_DATE_COLUMNS.values()),
    "close_reason",
    "repayment_status",
    "overdue_instalments",
    "repayment_on",
)
DATE_COLUMNS = tuple(dict.fromkeys(STAGE_DATE_COLUMNS.values()))
_GUARANTEE_FROM_TEXT = {label: code for code, label in Guarantee.labels().items()} | {
    code.value: code.value for code in Guarantee
}


def _collect(errors: list[ValidationError], fn: Any) -> Any:
    try:
        return fn()
    except ValidationError as exc:
        errors.append(exc)
        return None


def _whole(value: str | int, field: str, high: int, errors: list[ValidationError]) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        number: int | None = value
    else:
        text = normalize_text(str(value or ""))
        number = int(text) if text.isdigit() else None
        if not text:
            return None
    if number is None or not 1 <= number <= high:
        errors.append(
            ValidationError(
                field,
                f"{FIELD_LABELS[field]} باید عددی از ۱ تا {to_persian_digits(str(high))} باشد",
            )
        )
        return None
    return number


def parse_rate(value: str, errors: list[ValidationError]) -> int | None:
    """A rate typed in percent (``4``, ``۴٫۵``, ``18.5٪``) in hundredths of a percent."""
    text = normalize_text(value).replace("٫", ".").replace("/", ".").rstrip("%٪").strip()
    if not text:
        return None
    whole, _, cents = text.partition(".")
    if (
        not whole.isdigit()
        or (cents and not cents.isdigit())
        or len(cents) > 2
        or int(whole) * 100 + int((cents or "0").ljust(2, "0")) > MAX_RATE_BP
    ):
        errors.append(ValidationError("rate_bp", "نرخ سود باید درصدی از ۰ تا ۱۰۰ باشد (مثل ۴)"))
        return None
    return int(whole) * 100 + int((cents or "0").ljust(2, "0"))


class FacilityService(ScopedService):
    """Facility cases within one unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.office_id = require_office(session).id

    # -- reading ---------------------------------------------------------------------------

    def _load(self, case_id: str) -> FacilityCase:
        case = self.session.get(FacilityCase, case_id)
        if case is None or case.deleted:
            raise DomainError("پرونده تسهیلات پیدا نشد؛ شاید حذف شده باشد.")
        return case

    def get(self, case_id: str, *, today: dt.date | None = None) -> FacilityDetail:
        """A case with its holder, licence, supporter and how late it is."""
        case = self._load(case_id)
        licence, person = case.licence, case.person
        dates = {column: getattr(case, column) for column in DATE_COLUMNS}
        sla = facility_settings(self.session).sla_days
        stage_on = dates.get(STAGE_DATE_COLUMNS[FacilityStage(case.stage)])
        holder = f"{person.first_name} {person.last_name}".strip()
        supporter = case.supporter
        return FacilityDetail(
            id=case.id,
            rev=case.rev,
            licence_id=licence.id,
            licence_number=licence.number,
            licence_kind=licence.kind,
            field_name=licence.field.name,
            licence_issue=licence.issue_date,
            licence_expiry=licence.expiry_date,
            person_id=person.id,
            holder_name=holder,
            national_id=person.national_id,
            father_name=person.father_name,
            mobile=person.mobile,
            address=person.address,
            supporter_id=case.supporter_id,
            supporter_name=(supporter.legal_name or holder) if supporter is not None else "",
            county_id=case.county_id,
            county_name=case.county.name,
            programme=case.programme,
            bank_code=case.bank_code,
            branch_name=case.branch_name,
            branch_code=case.branch_code,
            purpose=case.purpose,
            requested_amount=case.requested_amount,
            approved_amount=case.approved_amount,
            approved_over_reason=case.approved_over_reason,
            disbursed_amount=case.disbursed_amount,
            term_months=case.term_months,
            rate_bp=case.rate_bp,
            guarantees=tuple(json.loads(case.guarantees or "[]")),
            sheba=case.sheba,
            stage=case.stage,
            dates=dates,
            close_reason=case.close_reason,
            referral_no=case.referral_no,
            repayment_status=case.repayment_status,
            overdue_instalments=case.overdue_instalments,
            repayment_on=case.repayment_on,
            days_late=days_late(case.stage, stage_on, sla, today or jalali.today()),
            outside_scope=self.outside_message(case.county),
        )

    def sheba_on_file(self, licence_number: str) -> str:
        """The Sheba a form may start from: the supporter's (for a supporter's licence),
        else the one of the holder's latest case ("" when none is known)."""
        licence = self.session.scalar(
            select(Licence).where(
                Licence.number == normalise_licence_number(licence_number),
                Licence.deleted.is_(False),
            )
        )
        if licence is None:
            return ""
        supporter_sheba = self.session.scalar(
            select(Supporter.sheba).where(
                Supporter.licence_id == licence.id, Supporter.deleted.is_(False)
            )
        )
        if supporter_sheba:
            return str(supporter_sheba)
        latest = self.session.scalar(
            select(FacilityCase.sheba)
            .where(
                FacilityCase.person_id == licence.person_id,
                FacilityCase.sheba != "",
                FacilityCase.deleted.is_(False),
            )
            .order_by(FacilityCase.requested_on.desc())
            .limit(1)
        )
        return str(latest or "")

    def applicant(self, licence_number: str) -> tuple[str, str]:
        """Who a new case on this licence is for (one line: the holder, or the supporter
        and its holder, with national ID and county) and the Sheba to start from;
        ValidationErrors on ``licence_number`` when no case may be opened on it."""
        errors: list[ValidationError] = []
        licence = self._licence_for(licence_number, errors, None)
        if licence is None:
            raise ValidationErrors(errors)
        person = licence.person
        name = f"{person.first_name} {person.last_name}"
        who = f"{name}، کد ملی {to_persian_digits(person.national_id)}، {licence.county.name}"
        supporter = self.session.scalar(
            select(Supporter).where(
                Supporter.licence_id == licence.id, Supporter.deleted.is_(False)
            )
        )
        if supporter is not None:
            who = f"پشتیبان: {supporter.legal_name or name} — {who}"
        return who, self.sheba_on_file(licence_number)

    # -- validation ------------------------------------------------------------------------

    def _licence_for(
        self, number_text: str, errors: list[ValidationError], current: FacilityCase | None
    ) -> Licence | None:
        number = normalise_licence_number(number_text)
        if not number:
            errors.append(ValidationError("licence_number", "شماره مجوز را وارد کنید"))
            return None
        licence = self.session.scalar(
            select(Licence).where(Licence.number == number, Licence.deleted.is_(False))
        )
        if licence is None:
            errors.append(
                ValidationError(
                    "licence_number", f"مجوزی با شماره {to_persian_digits(number)} در دفتر نیست"
                )
            )
            return None
        if current is not None and current.licence_id == licence.id:
            return licence  # the case keeps its licence whatever became of it since
        if effective_status(licence.status, licence.expiry_date) != STATUS_ACTIVE:
            errors.append(
                ValidationError("licence_number", "این مجوز فعال نیست؛ تسهیلات برای مجوز فعال است")
            )
            return None
        if (problem := self.county_problem(licence.county)) is not None:
            errors.append(ValidationError("licence_number", problem.message))
            return None
        return licence

    def _party(self, licence: Licence) -> dict[str, Any]:
        supporter_id = self.session.scalar(
            select(Supporter.id).where(
                Supporter.licence_id == licence.id, Supporter.deleted.is_(False)
            )
        )
        return {
            "licence_id": licence.id,
            "person_id": licence.person_id,
            "supporter_id": supporter_id,
            "county_id": licence.county_id,
        }

    def _texts(self, data: FacilityInput, errors: list[ValidationError]) -> dict[str, Any]:
        def text(value: str, field: str, required: bool, length: int) -> str:
            return (
                _collect(
                    errors,
                    lambda: validate_text(value, field, FIELD_LABELS[field], required, length),
                )
                or ""
            )

        bank = bank_from_text(data.bank_code)
        if bank is None:
            errors.append(ValidationError("bank_code", "بانک را از فهرست بانک‌ها انتخاب کنید"))
        guarantees: list[str] = []
        for item in data.guarantees:
            code = _GUARANTEE_FROM_TEXT.get(normalize_text(item))
            if code is None:
                errors.append(ValidationError("guarantees", f"ضمانت «{item}» شناخته نیست"))
            elif code not in guarantees:
                guarantees.append(code)
        return {
            "programme": text(data.programme, "programme", True, 120),
            "bank_code": bank,
            "branch_name": text(data.branch_name, "branch_name", False, 120),
            "branch_code": _collect(errors, lambda: validate_branch_code(data.branch_code)) or "",
            "purpose": text(data.purpose, "purpose", True, 500),
            "approved_over_reason": text(
                data.approved_over_reason, "approved_over_reason", False, 500
            ),
            "close_reason": text(data.close_reason, "close_reason", False, 500),
            "guarantees": json.dumps(guarantees),
            "sheba": _collect(errors, lambda: validate_sheba(data.sheba, required=False)) or "",
        }

    def _numbers(self, data: FacilityInput, errors: list[ValidationError]) -> dict[str, Any]:
        def amount(value: str | int, field: str, required: bool) -> int | None:
            return _collect(  # type: ignore[no-any-return]
                errors,
                lambda: parse_tomans(value, field, FIELD_LABELS[field], required=required),
            )

        overdue = normalize_text(str(data.overdue_instalments or "0"))
        if not overdue.isdigit() or int(overdue) > 600:
            errors.append(ValidationError("overdue_instalments", "تعداد اقساط معوق درست نیست"))
        return {
            "requested_amount": amount(data.requested_amount, "requested_amount", True),
            "approved_amount": amount(data.approved_amount, "approved_amount", False),
            "disbursed_amount": amount(data.disbursed_amount, "disbursed_amount", False),
            "term_months": _whole(data.term_months, "term_months", MAX_TERM_MONTHS, errors),
            "rate_bp": parse_rate(data.rate, errors),
            "overdue_instalments": int(overdue) if overdue.isdigit() else 0,
        }

    def _dates(
        self, data: FacilityInput, errors: list[ValidationError], today: dt.date
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for column in DATE_COLUMNS:
            values[column] = jalali.date_field(
                data.dates.get(column), column, FIELD_LABELS[column], errors, required=False
            )
        if values["requested_on"] is None and not data.dates.get("requested_on"):
            values["requested_on"] = today
        values["repayment_on"] = jalali.date_field(
            data.repayment_on, "repayment_on", FIELD_LABELS["repayment_on"], errors, required=False
        )
        return values

    def validate(
        self,
        data: FacilityInput,
        *,
        today: dt.date | None = None,
        current: FacilityCase | None = None,
    ) -> dict[str, Any]:
        """Parse and check a case; raises ValidationErrors with every problem (each on
        its field). The parsed row passes common.rules as the server would check it."""
        now = today or jalali.today()
        errors: list[ValidationError] = []
        licence = self._licence_for(data.licence_number, errors, current)
        values: dict[str, Any] = {
            **(self._party(licence) if licence is not None else {}),
            **self._texts(data, errors),
            **self._numbers(data, errors),
            **self._dates(data, errors, now),
        }
        if data.stage not in tuple(FacilityStage):
            errors.append(ValidationError("stage", "مرحله شناخته نیست"))
        values["stage"] = data.stage
        if data.repayment_status not in tuple(RepaymentStatus):
            errors.append(ValidationError("repayment_status", "وضعیت بازپرداخت شناخته نیست"))
        values["repayment_status"] = data.repayment_status
        if errors:
            raise ValidationErrors(errors)
        row = {column: json_value(values[column]) for column in CASE_FIELDS}
        row["referral_no"] = current.referral_no if current is not None else ""
        check = check_row(
            "facility_case",
            row,
            Context(Known(counties={values["county_id"]}, fields=frozenset()), now),
        )
        if check.problems:
            raise ValidationErrors(check.problems)
        return values

    # -- writing ---------------------------------------------------------------------------

    @requires(Permission.REGISTER)
    def open_case(self, data: FacilityInput, *, today: dt.date | None = None) -> FacilityDetail:
        """Open a case for a licence's holder (or the supporter holding it)."""
        values = self.validate(data, today=today)
        case = FacilityCase(id=new_id(), origin_office=self.office_id, referral_no="", **values)
        insert_record(self.session, case)
        return self.get(case.id, today=today)

    @requires(Permission.EDIT)
    def update(
        self,
        case_id: str,
        data: FacilityInput,
        *,
        expected_rev: int | None = None,
        today: dt.date | None = None,
    ) -> FacilityDetail:
        """Edit a case (its amounts, bank, guarantees, stage dates, repayment report)."""
        case = self._load(case_id)
        self.require_owned(case.county)
        if expected_rev is not None and case.rev != expected_rev:
            raise DomainError(
                "این پرونده در این فاصله تغییر کرده است؛ آن را دوباره باز کنید و ویرایش کنید."
            )
        values = self.validate(data, today=today, current=case)
        changes = apply_values(case, values, CASE_FIELDS)
        if changes:
            touch(self.session, case, changes)
        self.session.flush()
        return self.get(case.id, today=today)

    @requires(Permission.EDIT)
    def move(
        self,
        case_id: str,
        stage: str,
        on: dt.date | str | None = None,
        *,
        reason: str = "",
        today: dt.date | None = None,
        **changes: Any,
    ) -> FacilityDetail:
        """Move an open case to a later stage on day ``on`` (today when None), or close
        it (rejection with a ``reason``, withdrawal). ``changes`` are other fields of
        the input the step needs (the approved amount on approval, say; a form passes
        all it holds, its ``dates`` included)."""
        now = today or jalali.today()
        detail = self.get(case_id, today=now)
        if not detail.is_open:
            raise DomainError(f"این پرونده در مرحلهٔ «{detail.stage_label}» بسته شده است.")
        if stage not in CLOSING and (
            stage not in PROGRESS or PROGRESS.index(FacilityStage(stage)) <= _index(detail.stage)
        ):
            raise DomainError(
                "پرونده فقط به مرحله‌های بعدی می‌رود؛ برای اصلاح تاریخ‌ها پرونده را ویرایش کنید."
            )
        column = STAGE_DATE_COLUMNS[FacilityStage(stage)]
        dates = {**changes.pop("dates", detail.dates), column: on or now}
        if stage in CLOSING:
            changes["close_reason"] = reason
        data = detail.as_input(stage=stage, dates=dates, **changes)
        return self.update(case_id, data, today=now)


def _index(stage: str) -> int:
    return PROGRESS.index(FacilityStage(stage)) if stage in PROGRESS else len(PROGRESS)
