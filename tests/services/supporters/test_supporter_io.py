"""Supporter import/export: template, row problems, no duplicates, round trip."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from app.models import Licence, NetworkMember, OutboxOperation, Person, Supporter
from app.services.core.db import Database, open_database
from app.services.core.progress import Progress
from app.services.licences.io import ImportFileError, write_report
from app.services.licences.records import PersonInput
from app.services.supporters.io import COLUMNS, export_file, import_file, write_template
from app.services.supporters.queries import count_members, list_supporters
from app.services.supporters.records import MemberInput
from app.services.supporters.service import SupporterService
from common import jalali
from tests.accounts_support import act_as
from tests.services.conftest import setup_tehran_office
from tests.services.supporter_fixtures import (
    BAD_LEGAL_ID,
    BAD_SHEBA,
    VALID_LEGAL_ID,
    VALID_SHEBA,
    issue,
    make_supporter,
    nid,
)

TODAY = dt.date.today()
JOINED = jalali.format_jalali(TODAY - dt.timedelta(days=40), persian_digits=False)
HEADERS = [c.header for c in COLUMNS]


def row(**values: str) -> list[str]:
    """A row by Persian header; supporter columns default to a valid legal supporter."""
    base = {
        "نوع پشتیبان": "حقوقی",
        "نام شخص حقوقی": "تعاونی گلیم‌بافان",
        "شناسه ملی": VALID_LEGAL_ID,
        "شماره ثبت": "4455",
        "شماره شبا": VALID_SHEBA,
        "ظرفیت": "3",
        "تلفن همراه پشتیبان": "09121234567",
    }
    base.update(values)
    return [base.get(h, "") for h in HEADERS]


def member(number: str, national_id: str, **values: str) -> list[str]:
    """A member row of the supporter with licence ``number``."""
    return row(
        **{
            "شماره مجوز پشتیبان": number,
            "کد ملی عضو": national_id,
            "نام عضو": "زهرا",
            "نام خانوادگی عضو": "احمدی",
            "نقش عضو": "بسته‌بند",
            "تاریخ عضویت": JOINED,
            "دلیل استثنا": "عضو تازه",
            **values,
        }
    )


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return path


def _import(db: Database, path: Path, **kw: object):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return import_file(s, path, **kw)  # type: ignore[arg-type]


def _count(db: Database, model: type) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_template_has_every_column_and_a_guide(tmp_path: Path) -> None:
    path = write_template(tmp_path / "template.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet.sheet_view.rightToLeft
    assert book.worksheets[1].title == "راهنما"


def test_import_supporters_and_members(province_db: Database, tmp_path: Path) -> None:
    db = province_db  # a member in ری: the province office's scope
    licence = issue(db, "0067749828")
    holder = issue(db, nid(1), kind="مستقل")
    path = write_csv(
        tmp_path / "in.csv",
        [
            row(**{"شماره مجوز پشتیبان": licence.number}),  # the supporter alone
            member(licence.number, holder.holder.national_id, **{"دلیل استثنا": ""}),
            member(licence.number, nid(2), **{"شهرستان عضو": "ری"}),
        ],
    )
    result = _import(db, path)
    assert (result.total_rows, result.imported, result.rejected) == (3, 3, 0)
    with db.session() as s:
        supporters = list_supporters(s)
        assert [r.name for r in supporters] == ["تعاونی گلیم‌بافان"]
        assert supporters[0].active_members == 2
        assert s.scalar(select(Person.last_name).where(Person.national_id == nid(2))) == "احمدی"
        roles = set(s.scalars(select(NetworkMember.role)))
    assert roles == {"packer"}
    with db.session() as s:
        tables = set(s.scalars(select(OutboxOperation.table_name)))
    assert {"supporter", "network_member", "person"} <= tables
    # The same file again: nothing new.
    again = _import(db, path)
    assert (again.imported, again.already_present, again.rejected) == (0, 3, 0)
    assert _count(db, NetworkMember) == 2 and _count(db, Supporter) == 1


def test_bad_rows_are_reported_and_skipped(db: Database, tmp_path: Path) -> None:
    good = issue(db, "0067749828")
    bad_legal = issue(db, nid(3))
    bad_sheba = issue(db, nid(4))
    zero = issue(db, nid(5))
    path = write_csv(
        tmp_path / "in.csv",
        [
            row(**{"شماره مجوز پشتیبان": good.number}),  # 2
            row(**{"شماره مجوز پشتیبان": bad_legal.number, "شناسه ملی": BAD_LEGAL_ID}),  # 3
            row(**{"شماره مجوز پشتیبان": bad_sheba.number, "شماره شبا": BAD_SHEBA}),  # 4
            row(**{"شماره مجوز پشتیبان": zero.number, "ظرفیت": "0"}),  # 5
            member(good.number, nid(6)),  # 6
            member(good.number, nid(6), **{"تاریخ عضویت": "1390/01/01"}),  # 7: twice
            member(
                good.number,
                nid(7),
                **{
                    "تاریخ عضویت": jalali.format_jalali(TODAY + dt.timedelta(days=3), False),
                },
            ),  # 8: joins in the future
            member(
                good.number,
                nid(8),
                **{"تاریخ خروج": "1390/01/01"},
            ),  # 9: leaves before joining
            member(bad_legal.number, nid(9)),  # 10: its supporter failed
            member(good.number, nid(10), **{"دلیل استثنا": "", "نقش عضو": "فروشنده"}),  # 11
        ],
    )
    result = _import(db, path)
    reasons = {(p.row, p.column): p.message for p in result.problems}
    assert reasons[(3, "شناسه ملی")] == "رقم کنترل شناسه ملی درست نیست"
    assert reasons[(4, "شماره شبا")] == "شماره شبا درست نیست (رقم‌های کنترل آن نمی‌خواند)"
    assert reasons[(5, "ظرفیت")] == "ظرفیت باید بیشتر از صفر باشد"
    assert reasons[(7, "کد ملی عضو")] == "این شخص هم‌اکنون عضو این شبکه است"
    assert reasons[(8, "تاریخ عضویت")] == "تاریخ عضویت نمی‌تواند در آینده باشد"
    assert reasons[(9, "تاریخ خروج")] == "تاریخ خروج نمی‌تواند پیش از تاریخ عضویت باشد"
    assert "ردیف ۳" in reasons[(10, "شماره مجوز پشتیبان")]
    assert sorted(result.rejected_rows) == [3, 4, 5, 7, 8, 9, 10]
    # No licence in the supporter's field: imported, with a warning.
    warnings = {(p.row, p.column): p.message for p in result.warnings}
    assert "مجوز فعالی" in warnings[(11, "کد ملی عضو")]
    assert result.imported == 3
    assert _count(db, Supporter) == 1 and _count(db, NetworkMember) == 2
    report = write_report(result, tmp_path / "report.csv")
    text = report.read_text(encoding="utf-8-sig")
    assert "رقم کنترل شناسه ملی درست نیست" in text


def test_over_capacity_needs_a_reason_in_the_file(db: Database, tmp_path: Path) -> None:
    licence = issue(db, "0067749828")
    holders = [issue(db, nid(20 + i), kind="مستقل").holder.national_id for i in range(3)]
    rows = [member(licence.number, n, **{"ظرفیت": "2", "دلیل استثنا": ""}) for n in holders]
    result = _import(db, write_csv(tmp_path / "in.csv", rows))
    assert result.imported == 2 and list(result.rejected_rows) == [4]
    assert "ظرفیت این پشتیبان ۲ نفر است" in result.problems[0].message
    rows[2] = member(licence.number, holders[2], **{"ظرفیت": "2", "دلیل استثنا": "طرح ویژه"})
    again = _import(db, write_csv(tmp_path / "in2.csv", rows))
    assert (again.imported, again.already_present) == (1, 2)


def test_unknown_licence_without_holder_and_missing_columns(db: Database, tmp_path: Path) -> None:
    result = _import(db, write_csv(tmp_path / "in.csv", [row(**{"شماره مجوز پشتیبان": "X-1"})]))
    assert "کد ملی، نام و تاریخ صدور" in result.problems[0].message
    bad = tmp_path / "bad.csv"
    bad.write_text("شماره مجوز پشتیبان,ظرفیت\nX,1\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as info:
        _import(db, bad)
    assert "«نوع پشتیبان»" in info.value.message


def _populate(db: Database) -> None:
    legal = issue(db, "0067749828", first_name="رضا", last_name="موسوی")
    person = issue(db, nid(30), first_name="سکینه", last_name="حسینی", field_index=2)
    in_field = issue(db, nid(31), kind="مستقل")
    with db.session() as s:
        service = SupporterService(s)
        a = service.create(SupporterInputFactory.legal(legal.number, [s_field(db, 1)]))
        b = service.create(SupporterInputFactory.person(person.number))
        service.add_member(
            a.id,
            MemberInput(
                PersonInput(national_id=in_field.holder.national_id),
                role="trainer",
                joined_on=TODAY - dt.timedelta(days=200),
            ),
        )
        gone = service.add_member(
            a.id,
            MemberInput(
                PersonInput(national_id=nid(32), first_name="علی", last_name="رضایی"),
                joined_on=TODAY - dt.timedelta(days=100),
            ),
            override_reason="در انتظار مجوز",
        )
        service.remove_member(gone.id, TODAY - dt.timedelta(days=10), "مهاجرت")
        service.suspend(b.id, "بازرسی")


def s_field(db: Database, index: int) -> str:
    from tests.services.supporter_fixtures import field_ids

    return field_ids(db)[index]


class SupporterInputFactory:
    """Inputs of the round-trip supporters."""

    @staticmethod
    def legal(number: str, related: list[str]):  # type: ignore[no-untyped-def]
        from tests.services.supporter_fixtures import supporter_input

        return supporter_input(
            number,
            kind="حقوقی",
            legal_name="شرکت فرش دستباف",
            legal_id=VALID_LEGAL_ID,
            registration_no="987",
            related_field_ids=tuple(related),
            capacity="40",
        )

    @staticmethod
    def person(number: str):  # type: ignore[no-untyped-def]
        from tests.services.supporter_fixtures import supporter_input

        return supporter_input(number, capacity="12", email="")


def _snapshot(db: Database) -> list[tuple[object, ...]]:
    with db.session() as s:
        service = SupporterService(s)
        out: list[tuple[object, ...]] = []
        for r in list_supporters(s):
            d = service.get(r.id)
            out.append(
                (
                    d.kind,
                    d.name,
                    d.legal_id,
                    d.registration_no,
                    d.licence_number,
                    d.holder_national_id,
                    d.licence_expiry,
                    d.field_code,
                    d.related_field_names,
                    d.county_name,
                    d.phone,
                    d.mobile,
                    d.email,
                    d.address,
                    d.sheba,
                    d.capacity,
                    d.status,
                    d.status_reason,
                    count_members(s, d.id),
                )
            )
            members = s.execute(
                select(
                    Person.national_id,
                    Person.first_name,
                    NetworkMember.role,
                    NetworkMember.joined_on,
                    NetworkMember.left_on,
                    NetworkMember.leave_reason,
                    NetworkMember.override_reason,
                )
                .join(Person, Person.id == NetworkMember.person_id)
                .where(NetworkMember.supporter_id == d.id)
                .order_by(Person.national_id)
            )
            out.extend(tuple(m) for m in members)
        return out


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_imports_into_an_empty_database(db: Database, tmp_path: Path, suffix: str) -> None:
    _populate(db)
    path = tmp_path / f"supporters{suffix}"
    progress = Progress()
    with db.session() as s:
        written = export_file(s, path, progress)
    assert written == 3  # two memberships of the legal supporter, the other alone
    empty = act_as(open_database(tmp_path / "empty.sqlite3"))
    try:
        setup_tehran_office(empty)
        result = _import(empty, path)
        assert result.problems == [] and result.imported == 3
        assert _snapshot(empty) == _snapshot(db)
        with empty.session() as s:
            assert s.scalar(select(func.count()).select_from(Licence)) == 2
        again = _import(empty, path)
        assert (again.imported, again.already_present) == (0, 3)
    finally:
        empty.close()


def test_export_needs_xlsx_or_csv(db: Database, tmp_path: Path) -> None:
    make_supporter(db)
    from common.errors import DomainError

    with db.session() as s, pytest.raises(DomainError):
        export_file(s, tmp_path / "out.pdf")
