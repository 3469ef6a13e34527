"""Facility cases as spreadsheets (.xlsx or .csv): two kinds of the spreadsheet framework.

- ``facilities``: one row per case (the holder's licence number, programme, bank and
  branch, amounts in tomans, term and rate, guarantees, Sheba, stage and the day of each
  stage, the bank's last repayment report). Export writes every case; import opens the
  cases it does not know and updates the ones it does — a case is known by its licence,
  programme and request date — so an export imports back unchanged.
- ``repayments``: the repayment status a bank reports (on time, overdue N instalments,
  settled) for its paid cases, found by the holder's national ID at that bank (and the
  licence number when the holder has two paid cases there). Export writes the paid cases'
  last reports in the same columns, a sheet a bank may fill in and send back.

Every row goes through :class:`app.services.facilities.service.FacilityService` (the
form's rules, the server's rules) in a savepoint: a row that breaks any rule is rolled
back and reported with its row, column and Persian reason; the other rows are imported.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import FacilityCase, Licence, Person
from app.services.facilities.records import FacilityInput, rate_text
from app.services.facilities.service import FacilityService
from app.services.licences.numbers import normalise_licence_number
from app.services.spreadsheet.columns import (
    CellContext,
    CellProblem,
    Column,
    Columns,
    choice,
    each,
    jalali_date,
    jalali_text,
    joined,
    label,
)
from app.services.spreadsheet.importer import ImportRun, Outcome, RowHandler, SheetRow
from app.services.spreadsheet.kind import SheetKind
from common.banks import bank_from_text, bank_name
from common.errors import ValidationError
from common.facility_rules import STAGE_DATE_COLUMNS
from common.text import normalize_text
from common.validators import validate_national_id
from common.vocabulary import FacilityStage, Guarantee, RepaymentStatus

_DATES = tuple(dict.fromkeys(STAGE_DATE_COLUMNS.values()))


def _bank(value: str, _context: CellContext) -> str | None:
    if not value:
        raise CellProblem("بانک خالی است")
    code = bank_from_text(value)
    if code is None:
        raise CellProblem(f"بانک «{value}» در فهرست بانک‌ها نیست")
    return code


def _tomans(rials: int | None) -> int | None:
    return None if rials is None else rials // 10


def _date_column(column: str, header: str, required: bool = False) -> Column:
    return Column(
        header,
        column,
        required,
        "1405/02/10" if required else "",
        "شمسی",
        read=jalali_date(
            column, header, required=required, future=f"{header} نمی‌تواند در آینده باشد"
        ),
        write=jalali_text,
    )


_STAGE_HEADERS = {
    "requested_on": "تاریخ درخواست",
    "review_on": "تاریخ بررسی طرح",
    "referred_on": "تاریخ معرفی به بانک",
    "bank_file_on": "تاریخ تشکیل پرونده",
    "guarantee_on": "تاریخ تأیید ضمانت",
    "approved_on": "تاریخ تصویب",
    "paid_on": "تاریخ پرداخت",
    "closed_on": "تاریخ رد یا انصراف",
}
_REPAYMENT_COLUMNS = (
    Column(
        "وضعیت بازپرداخت",
        "repayment_status",
        False,
        "معوق",
        "منظم، معوق یا تسویه (خالی: گزارش نشده)",
        read=choice(
            RepaymentStatus,
            "وضعیت بازپرداخت باید «منظم»، «معوق» یا «تسویه» باشد",
            default=RepaymentStatus.UNKNOWN,
            also={"جاری": RepaymentStatus.ON_TIME, "تسویه شده": RepaymentStatus.SETTLED},
        ),
        write=label(RepaymentStatus),
    ),
    Column("اقساط معوق", "overdue_instalments", False, "2", "تعداد قسط‌های پرداخت‌نشده"),
    _date_column("repayment_on", "تاریخ گزارش بانک"),
)

COLUMNS = Columns(
    Column("شماره مجوز", "licence_number", True, "0612-000123", "مجوز دارنده یا پشتیبان"),
    Column("کد ملی", "national_id", False, "0067749828", "فقط برای خواندن؛ در ورود بررسی نمی‌شود"),
    Column("نام متقاضی", "applicant", False, "مریم کریمی", "فقط برای خواندن"),
    Column("برنامه تسهیلات", "programme", True, "تسهیلات تکلیفی مشاغل خانگی", ""),
    Column(
        "بانک",
        "bank_code",
        True,
        "بانک رفاه کارگران",
        "نام یا کد سه‌رقمی بانک",
        read=_bank,
        write=bank_name,
    ),
    Column("نام شعبه", "branch_name", False, "شعبه مرکزی", ""),
    Column("کد شعبه", "branch_code", False, "1234", "۳ تا ۶ رقم"),
    Column("موضوع طرح", "purpose", True, "خرید چرخ خیاطی", ""),
    Column("مبلغ درخواستی (تومان)", "requested_amount", True, "200000000", "به تومان"),
    Column("مبلغ مصوب (تومان)", "approved_amount", False, "", "به تومان"),
    Column("دلیل تصویب بیش از درخواست", "approved_over_reason", False, "", ""),
    Column("مبلغ پرداختی (تومان)", "disbursed_amount", False, "", "به تومان"),
    Column("مدت (ماه)", "term_months", False, "36", ""),
    Column("نرخ سود (درصد)", "rate", False, "4", "", write=lambda bp: rate_text(bp, percent=False)),
    Column(
        "ضمانت‌ها",
        "guarantees",
        False,
        "سفته، صندوق ضمانت",
        "با ویرگول جدا کنید",
        read=each(choice(Guarantee, "ضمانت شناخته نشد"), r"[،,؛;]"),
        write=joined("، ", label(Guarantee)),
    ),
    Column("شبای حساب دارنده", "sheba", False, "", "پیش از پرداخت الزامی است"),
    Column(
        "مرحله",
        "stage",
        False,
        "درخواست",
        "خالی: درخواست",
        read=choice(FacilityStage, "مرحله شناخته نشد", default=FacilityStage.REQUESTED),
        write=label(FacilityStage),
    ),
    *(_date_column(column, _STAGE_HEADERS[column], column == "requested_on") for column in _DATES),
    Column("دلیل رد یا انصراف", "close_reason", False, "", ""),
    *_REPAYMENT_COLUMNS,
)


def _find_case(session: Session, licence_number: str, programme: str, day: dt.date) -> str | None:
    found = session.scalar(
        select(FacilityCase.id)
        .join(Licence, Licence.id == FacilityCase.licence_id)
        .where(
            Licence.number == normalise_licence_number(licence_number),
            FacilityCase.programme == normalize_text(programme),
            FacilityCase.requested_on == day,
            FacilityCase.deleted.is_(False),
        )
    )
    return str(found) if found is not None else None


class _FacilityRows(RowHandler):
    def __init__(self, run: ImportRun) -> None:
        super().__init__(run)
        self.service = FacilityService(self.session)

    def row(self, row: SheetRow) -> Outcome | None:
        values = {name: row.value(name) for name in ("bank_code", "guarantees", "stage")}
        dates = {column: row.value(column) for column in _DATES}
        repayment = {name: row.value(name) for name in ("repayment_status", "repayment_on")}
        row.check()
        data = FacilityInput(
            licence_number=row.text("licence_number"),
            programme=row.text("programme"),
            bank_code=values["bank_code"],
            branch_name=row.text("branch_name"),
            branch_code=row.text("branch_code"),
            purpose=row.text("purpose"),
            requested_amount=row.text("requested_amount"),
            approved_amount=row.text("approved_amount"),
            approved_over_reason=row.text("approved_over_reason"),
            disbursed_amount=row.text("disbursed_amount"),
            term_months=row.text("term_months"),
            rate=row.text("rate"),
            guarantees=tuple(values["guarantees"] or ()),
            sheba=row.text("sheba"),
            stage=values["stage"],
            dates=dates,
            close_reason=row.text("close_reason"),
            repayment_status=repayment["repayment_status"],
            overdue_instalments=row.text("overdue_instalments") or "0",
            repayment_on=repayment["repayment_on"],
        )
        existing = _find_case(
            self.session, data.licence_number, data.programme, dates["requested_on"]
        )
        if existing is None:
            self.service.open_case(data, today=self.run.today)
        else:
            self.service.update(existing, data, today=self.run.today)
        return None


def _records(session: Session) -> Iterator[tuple[Any, ...]]:
    query = (
        select(FacilityCase, Licence.number, Person)
        .join(Licence, Licence.id == FacilityCase.licence_id)
        .join(Person, Person.id == FacilityCase.person_id)
        .where(FacilityCase.deleted.is_(False))
        .order_by(FacilityCase.requested_on, Licence.number)
    )
    for case, number, person in session.execute(query):
        yield (
            number,
            person.national_id,
            f"{person.first_name} {person.last_name}",
            case.programme,
            case.bank_code,
            case.branch_name,
            case.branch_code,
            case.purpose,
            _tomans(case.requested_amount),
            _tomans(case.approved_amount),
            case.approved_over_reason,
            _tomans(case.disbursed_amount),
            case.term_months,
            case.rate_bp,
            json.loads(case.guarantees or "[]"),
            case.sheba,
            case.stage,
            *(getattr(case, column) for column in _DATES),
            case.close_reason,
            case.repayment_status,
            case.overdue_instalments or "",
            case.repayment_on,
        )


KIND = SheetKind(
    name="facilities",
    columns=COLUMNS,
    rows=_FacilityRows,
    records=_records,
    sheet_title="تسهیلات",
    import_title="ورود پرونده‌های تسهیلات از اکسل",
    intro=(
        "هر ردیف فایل یک پرونده تسهیلات است (مبلغ‌ها به تومان، تاریخ‌ها شمسی). پرونده‌ای "
        "که با همان شماره مجوز، برنامه و تاریخ درخواست در دفتر باشد به‌روز می‌شود و بقیه "
        "ثبت می‌شوند. ردیف‌های دارای ایراد وارد نمی‌شوند و با شمارهٔ ردیف و دلیل گزارش "
        "می‌شوند."
    ),
    plural="تسهیلات",
    unit="پرونده",
    row_savepoints=True,
    field_columns={"rate_bp": "rate"},
    fallback_column="licence_number",
)


# -- repayments ----------------------------------------------------------------------------


def _national_id(value: str, _context: CellContext) -> str:
    try:
        return validate_national_id(value)
    except ValidationError as exc:
        raise CellProblem(exc.message) from exc


REPAYMENT_COLUMNS = Columns(
    Column("کد ملی", "national_id", True, "0067749828", "کد ملی دارنده", read=_national_id),
    Column("شماره مجوز", "licence_number", False, "", "اگر دارنده دو پرونده پرداخت‌شده دارد"),
    Column(
        "بانک",
        "bank_code",
        True,
        "بانک رفاه کارگران",
        "نام یا کد سه‌رقمی بانک",
        read=_bank,
        write=bank_name,
    ),
    *(
        Column(c.header, c.name, True, c.example, c.note, read=c.read, write=c.write)
        if c.name == "repayment_status"
        else c
        for c in _REPAYMENT_COLUMNS
    ),
)


class _RepaymentRows(RowHandler):
    def __init__(self, run: ImportRun) -> None:
        super().__init__(run)
        self.service = FacilityService(self.session)

    def row(self, row: SheetRow) -> Outcome | None:
        national_id = row.value("national_id")
        bank = row.value("bank_code")
        status = row.value("repayment_status")
        on = row.value("repayment_on") or self.run.today
        row.check()
        query = (
            select(FacilityCase.id)
            .join(Person, Person.id == FacilityCase.person_id)
            .join(Licence, Licence.id == FacilityCase.licence_id)
            .where(
                Person.national_id == national_id,
                FacilityCase.bank_code == bank,
                FacilityCase.stage == FacilityStage.PAID,
                FacilityCase.deleted.is_(False),
            )
        )
        if row.text("licence_number"):
            number = normalise_licence_number(row.text("licence_number"))
            query = query.where(Licence.number == number)
        found = list(self.session.scalars(query.limit(2)))
        if not found:
            row.reject(
                "national_id",
                f"پرونده پرداخت‌شده‌ای از این کد ملی در {bank_name(str(bank))} در دفتر نیست",
            )
        if len(found) > 1:
            row.reject(
                "licence_number", "این دارنده دو پرونده پرداخت‌شده دارد؛ شماره مجوز را بنویسید"
            )
        detail = self.service.get(found[0], today=self.run.today)
        data = detail.as_input(
            repayment_status=status,
            overdue_instalments=row.text("overdue_instalments") or "0",
            repayment_on=on,
        )
        self.service.update(found[0], data, today=self.run.today)
        return None


def _repayment_records(session: Session) -> Iterator[tuple[Any, ...]]:
    query = (
        select(Person.national_id, Licence.number, FacilityCase)
        .join(Person, Person.id == FacilityCase.person_id)
        .join(Licence, Licence.id == FacilityCase.licence_id)
        .where(FacilityCase.stage == FacilityStage.PAID, FacilityCase.deleted.is_(False))
        .order_by(FacilityCase.bank_code, Person.national_id)
    )
    for national_id, number, case in session.execute(query):
        yield (
            national_id,
            number,
            case.bank_code,
            case.repayment_status,
            case.overdue_instalments or "",
            case.repayment_on,
        )


REPAYMENTS = SheetKind(
    name="repayments",
    columns=REPAYMENT_COLUMNS,
    rows=_RepaymentRows,
    records=_repayment_records,
    sheet_title="بازپرداخت",
    import_title="ورود وضعیت بازپرداخت از فایل بانک",
    intro=(
        "هر ردیف، وضعیت بازپرداخت یک تسهیلات پرداخت‌شده است که بانک گزارش کرده است "
        "(منظم، معوق با تعداد اقساط، یا تسویه). پرونده با کد ملی دارنده و بانک پیدا "
        "می‌شود. ردیف‌هایی که پرونده‌شان پیدا نشود یا ایراد داشته باشند وارد نمی‌شوند و "
        "با شمارهٔ ردیف و دلیل گزارش می‌شوند."
    ),
    plural="بازپرداخت‌ها",
    unit="پرونده",
    row_savepoints=True,
    fallback_column="national_id",
)
