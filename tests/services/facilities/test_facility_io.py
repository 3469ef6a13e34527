"""Facility cases and a bank's repayment report as spreadsheets: export imports back
unchanged, a bank's repayment sheet updates its paid cases, and every bad row is reported
with its row, column and Persian reason while the others are imported."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
from sqlalchemy import func, select

from app.models import FacilityCase
from app.services.core.db import Database
from app.services.facilities.io import KIND, REPAYMENTS
from app.services.facilities.queries import list_cases
from app.services.facilities.records import FacilityFilter
from app.services.facilities.service import FacilityService
from tests.accounts_support import TEST_CLERK, act_as
from tests.services.conftest import issue_test_licence
from tests.services.facility_support import DAY0, VALID_SHEBA, open_case

PAID_ON = DAY0 + dt.timedelta(days=20)


def _paid(db: Database, national_id: str, bank: str = "013") -> str:
    case = open_case(db, national_id, bank_code=bank, branch_name="شعبه مرکزی", branch_code="1234")
    with db.session() as s:
        FacilityService(s).update(
            case.id,
            case.as_input(
                stage="paid",
                dates={
                    **case.dates,
                    "referred_on": DAY0 + dt.timedelta(days=2),
                    "paid_on": PAID_ON,
                },
                approved_amount="۱۸۰٬۰۰۰٬۰۰۰",
                disbursed_amount="۱۸۰٬۰۰۰٬۰۰۰",
                sheba=VALID_SHEBA,
            ),
            today=PAID_ON,
        )
    return case.id


def _csv(path: Path, headers: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def test_an_export_imports_back_unchanged(db: Database, tmp_path: Path) -> None:
    first = _paid(db, "0067749828")
    open_case(db, "0013542419", guarantees=("cheque", "property_deed"), rate="۴٫۵")
    path = tmp_path / "cases.xlsx"
    with db.session() as s:
        assert KIND.export_file(s, path) == 2
        before = {row.id: row for row in list_cases(s, FacilityFilter())}
    sheet = openpyxl.load_workbook(path).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    values = {h: v for h, v in zip(header, [c.value for c in sheet[2]], strict=True)}
    assert values["بانک"] == "بانک رفاه کارگران" and values["مبلغ درخواستی (تومان)"] == 200_000_000
    assert values["مرحله"] == "پرداخت" and values["تاریخ پرداخت"] == "1405/03/31"
    with db.session() as s:
        result = KIND.import_file(s, path, today=PAID_ON)
    assert (result.imported, result.already_present, result.rejected) == (0, 2, 0)
    with db.session() as s:
        after = {row.id: row for row in list_cases(s, FacilityFilter())}
        assert after == before
        detail = FacilityService(s).get(first)
        assert detail.guarantees == ("promissory_note", "guarantee_fund")


def test_import_opens_cases_and_reports_bad_rows(db: Database, tmp_path: Path) -> None:
    licence = issue_test_licence(db)
    headers = KIND.columns.headers
    good = {
        "شماره مجوز": licence.number,
        "برنامه تسهیلات": "تسهیلات تکلیفی مشاغل خانگی",
        "بانک": "مهر ایران",
        "موضوع طرح": "خرید فر صنعتی",
        "مبلغ درخواستی (تومان)": "150,000,000",
        "ضمانت‌ها": "سفته، چک",
        "تاریخ درخواست": "1405/03/01",
    }
    rows = [
        good,
        {**good, "تاریخ درخواست": "1405/03/02", "بانک": "بانک ناشناس"},
        {**good, "تاریخ درخواست": "1405/03/03", "مبلغ درخواستی (تومان)": "0"},
        {**good, "تاریخ درخواست": "1405/03/04", "مرحله": "تصویب", "تاریخ تصویب": "1405/03/05"},
    ]
    path = _csv(tmp_path / "in.csv", headers, [[r.get(h, "") for h in headers] for r in rows])
    act_as(db, TEST_CLERK)
    with db.session() as s:
        result = KIND.import_file(s, path, today=DAY0 + dt.timedelta(days=10))
    assert (result.imported, result.rejected) == (1, 3)
    problems = {(p.row, p.column): p.message for p in result.problems}
    assert problems[(3, "بانک")] == "بانک «بانک ناشناس» در فهرست بانک‌ها نیست"
    assert "بیشتر از صفر" in problems[(4, "مبلغ درخواستی (تومان)")]
    assert problems[(5, "مبلغ مصوب (تومان)")] == "مبلغ مصوب را وارد کنید"
    with db.session() as s:
        [case] = list_cases(s, FacilityFilter())
        assert case.bank_code == "060" and case.requested_amount == 1_500_000_000


def test_a_banks_repayment_sheet_updates_its_paid_cases(db: Database, tmp_path: Path) -> None:
    on_time = _paid(db, "0067749828")
    behind = _paid(db, "0013542419")
    other_bank = _paid(db, "0084575948", bank="012")
    headers = REPAYMENTS.columns.headers
    rows = [
        ["0067749828", "", "رفاه کارگران", "منظم", "", "1405/05/01"],
        ["۰۰۱۳۵۴۲۴۱۹", "", "013", "معوق", "۲", "1405/05/01"],
        ["0084575948", "", "رفاه کارگران", "منظم", "", ""],  # paid at Mellat, not Refah
        ["0013542419", "", "013", "معوق", "", ""],  # overdue: how many instalments?
        ["1234567890", "", "013", "منظم", "", ""],  # not a valid national ID
    ]
    path = _csv(tmp_path / "bank.csv", headers, rows)
    with db.session() as s:
        result = REPAYMENTS.import_file(s, path, today=dt.date(2026, 8, 1))
    assert (result.imported, result.rejected) == (2, 3)
    problems = {(p.row, p.column): p.message for p in result.problems}
    assert "بانک رفاه کارگران" in problems[(4, "کد ملی")]
    assert problems[(5, "اقساط معوق")] == "تعداد اقساط معوق را وارد کنید"
    assert "کد ملی" in problems[(6, "کد ملی")]
    with db.session() as s:
        service = FacilityService(s)
        assert service.get(on_time).repayment_status == "on_time"
        late = service.get(behind)
        assert (late.repayment_status, late.overdue_instalments) == ("overdue", 2)
        assert service.get(other_bank).repayment_status == ""
        [row] = [r for r in list_cases(s, FacilityFilter()) if r.id == behind]
        assert row.repayment_text == "معوق (۲ قسط)"
        # The same sheet again changes nothing.
    with db.session() as s:
        again = REPAYMENTS.import_file(s, path, today=dt.date(2026, 8, 1))
    assert (again.imported, again.already_present) == (0, 2)
    out = tmp_path / "repayments.xlsx"
    with db.session() as s:
        assert REPAYMENTS.export_file(s, out) == 3
        assert s.scalar(select(func.count()).select_from(FacilityCase)) == 3
