"""Periodic reports (app.services.reports, common.reports): the figures against known
licences, networks and events; the PDF looked at (rendered by pdftoppm); the .xlsx read
back with openpyxl (Persian sheet names, right to left); a province office's counties."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text

from app.services import demo
from app.services.core import reference
from app.services.core.db import Database
from app.services.licences.records import LicenceInput, PersonInput
from app.services.licences.service import LicenceService
from app.services.reports.service import build_report, preview_report, write_report
from common import jalali
from common.errors import DomainError
from common.periods import Period
from common.reports import Report, ReportTable, fa_cell, report_totals
from common.validators import national_id_check_digit

SCREENSHOTS = Path(__file__).resolve().parents[3] / "screenshots"
ABAN_1404 = Period("month", 1404, 8)

needs_pdftoppm = pytest.mark.skipif(
    shutil.which("pdftoppm") is None,
    reason="pdftoppm (poppler-utils) is not installed; CI installs it",
)


def issue(
    db: Database,
    national_id: str,
    issued: str,
    *,
    gender: str,
    field: int = 0,
    county: str = "تهران",
    expiry: str | None = None,
) -> str:
    with db.session() as session:
        fields = reference.list_fields(session, only_active=True)
        # One field of the first group, one of the last: two groups, two fields.
        chosen = fields[0] if field == 0 else fields[-1]
        county_id = next(c.id for c in reference.list_counties(session) if c.name == county)
        return (
            LicenceService(session)
            .issue(
                PersonInput(
                    national_id=national_id,
                    first_name="نام",
                    last_name="خانوادگی",
                    gender=gender,
                    mobile="09121234567",
                ),
                LicenceInput(
                    kind="مستقل",
                    field_id=chosen.id,
                    county_id=county_id,
                    issue_date=issued,
                    expiry_date=expiry,
                ),
            )
            .id
        )


def nid(n: int) -> str:
    """A valid national ID made from ``n``."""
    first9 = f"{n + 100:09d}"
    return first9 + str(national_id_check_digit(first9))


def table(report: Report, key: str) -> ReportTable:
    return next(t for t in report.tables if t.key == key)


def rows_by_label(t: ReportTable) -> dict[object, tuple[object, ...]]:
    return {row[0]: row[1:] for row in t.rows}


@pytest.fixture
def known(db: Database) -> Database:
    """Six licences around Aban 1404 (their expected counts: the test below)."""
    issue(db, nid(1), "1404/08/05", gender="زن")  # A: issued, active
    issue(db, nid(2), "1404/08/20", gender="مرد", field=1)  # B: issued, active
    issue(db, nid(3), "1404/07/10", gender="زن")  # C: the month before
    issue(db, nid(4), "1403/08/15", gender="مرد", expiry="1404/08/10")  # D
    revoked = issue(db, nid(5), "1404/08/02", gender="مرد")  # E: issued, revoked
    issue(db, nid(6), "1404/09/01", gender="زن")  # F: after the period
    with db.session() as session:
        LicenceService(session).revoke(revoked, "آزمون")
    return db


def test_licence_figures(known: Database) -> None:
    with known.session() as session:
        report = build_report(session, ABAN_1404)
    assert report.title == "گزارش آبان ۱۴۰۴"
    assert report.place == "شهرستان تهران، استان تهران"
    summary = rows_by_label(table(report, "summary"))
    assert table(report, "summary").columns[1:4] == ("آبان ۱۴۰۴", "مهر ۱۴۰۴", "آبان ۱۴۰۳")
    assert summary["مجوزهای صادرشده در دوره"] == (3, 1, 1, 2.0, 2.0)
    assert summary["مجوزهای صادرشده برای زنان"][:3] == (1, 1, 0)
    assert summary["مجوزهای فعال در پایان دوره"][:3] == (3, 2, 1)
    assert summary["مجوزهایی که در دوره منقضی می‌شوند"][:3] == (1, 0, 0)
    assert summary["مجوزهایی که در دوره منقضی می‌شوند"][3:] == (None, None)
    groups = table(report, "groups")
    assert groups.rows[-1] == ("جمع", 3, 1, 1, 3, 1)
    assert sum(1 for row in groups.rows[:-1] if row[1]) == 2  # two groups issued this month
    assert len(groups.rows) == 8  # the seven groups and the total
    top = table(report, "top_fields").rows
    assert [row[0] for row in top] == [1, 2] and [row[4] for row in top] == [2, 1]
    assert rows_by_label(table(report, "gender")) == {
        "زن": (1, 1 / 3, 2, 2 / 3),
        "مرد": (2, 2 / 3, 1, 1 / 3),
    }
    assert not any(t.key == "counties" for t in report.tables)  # a county office
    assert report_totals(report) == {
        "issued": 3,
        "women": 1,
        "active": 3,
        "expiring": 1,
        "supporters": 0,
        "members": 0,
    }


def test_a_year_is_compared_with_the_year_before_once(known: Database) -> None:
    with known.session() as session:
        report = build_report(session, Period("year", 1404))
    summary = table(report, "summary")
    assert summary.columns == ("شاخص", "سال ۱۴۰۴", "سال ۱۴۰۳", "تغییر به دوره قبل")
    assert rows_by_label(summary)["مجوزهای صادرشده در دوره"] == (5, 1, 4.0)


def test_networks_and_events_match_plain_sql(db: Database) -> None:
    """The demo's networks and events, counted by the report and by plain SQL."""
    with db.session() as session:
        demo.generate(session, 600, seed=3)
    with db.session() as session:
        demo.generate_networks_and_events(session, 600, seed=3)
    with db.session() as session:
        first_event = session.execute(text("SELECT min(start_date) FROM event")).scalar_one()
        period = Period("year", jalali.to_jalali_tuple(dt.date.fromisoformat(first_event))[0])
        report = build_report(session, period)
        end = period.end.isoformat()
        members = session.execute(
            text(
                "SELECT count(*) FROM network_member WHERE deleted = 0 AND joined_on <= :end "
                "AND (left_on IS NULL OR left_on > :end)"
            ),
            {"end": end},
        ).scalar_one()
        events = session.execute(
            text(
                "SELECT count(*) FROM event WHERE deleted = 0 AND status != 'cancelled' "
                "AND start_date BETWEEN :start AND :end"
            ),
            {"start": period.start.isoformat(), "end": end},
        ).scalar_one()
        present = session.execute(
            text(
                "SELECT count(DISTINCT a.participant_id) FROM event_attendance a "
                "JOIN event e ON e.id = a.event_id WHERE a.present = 1 AND a.deleted = 0 "
                "AND e.deleted = 0 AND e.status != 'cancelled' "
                "AND e.start_date BETWEEN :start AND :end"
            ),
            {"start": period.start.isoformat(), "end": end},
        ).scalar_one()
    assert members > 0 and events > 0
    networks = rows_by_label(table(report, "networks"))
    assert networks["اعضای فعال"][0] == members
    event_rows = table(report, "events").rows
    assert event_rows[-1][0] == "جمع"
    assert event_rows[-1][1] == events
    assert event_rows[-1][-2] == present


def test_province_office_has_each_county(province_db: Database, tmp_path: Path) -> None:
    issue(province_db, nid(1), "1404/08/05", gender="زن", county="ری")
    issue(province_db, nid(2), "1404/08/06", gender="مرد", county="شمیرانات")
    issue(province_db, nid(3), "1404/08/07", gender="زن", county="شمیرانات")
    with province_db.session() as session:
        report = write_report(session, ABAN_1404, tmp_path / "province.xlsx")
    counties = rows_by_label(table(report, "counties"))
    assert counties["ری"][0] == 1 and counties["شمیرانات"][0] == 2
    assert counties["جمع"][0] == 3
    names = [name for name, _tables in report.counties]
    assert {"ری", "شمیرانات", "تهران"} <= set(names) and len(names) == len(counties) - 1
    ray = dict(report.counties)["ری"]
    assert rows_by_label(ray[0])["مجوزهای صادرشده در دوره"][0] == 1
    book = openpyxl.load_workbook(tmp_path / "province.xlsx")
    assert {"مقایسه شهرستان‌ها", "ری", "شمیرانات"} <= set(book.sheetnames)
    assert all(sheet.sheet_view.rightToLeft for sheet in book.worksheets)
    sheet = book["شمیرانات"]
    assert sheet["A1"].value == "خلاصه"
    assert sheet["A3"].value == "مجوزهای صادرشده در دوره" and sheet["B3"].value == 2


def test_xlsx_sheets_are_persian_and_right_to_left(known: Database, tmp_path: Path) -> None:
    out = tmp_path / "aban.xlsx"
    with known.session() as session:
        write_report(session, ABAN_1404, out)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [
        "گزارش",
        "خلاصه",
        "گروه رشته",
        "رشته‌های برتر",
        "جنسیت",
        "شبکه‌ها",
        "رویدادها",
    ]
    assert all(sheet.sheet_view.rightToLeft for sheet in book.worksheets)
    summary = book["خلاصه"]
    assert [cell.value for cell in summary[2]][:4] == ["شاخص", "آبان ۱۴۰۴", "مهر ۱۴۰۴", "آبان ۱۴۰۳"]
    assert [cell.value for cell in summary[3]][:4] == ["مجوزهای صادرشده در دوره", 3, 1, 1]
    assert summary["E3"].number_format == "0.0%" and summary["E3"].value == 2.0
    assert book["گزارش"]["A1"].value == "گزارش آبان ۱۴۰۴"


def test_bad_suffix_is_refused(known: Database, tmp_path: Path) -> None:
    with known.session() as session, pytest.raises(DomainError, match=r"\.pdf یا"):
        write_report(session, ABAN_1404, tmp_path / "report.docx")
    assert not (tmp_path / "report.docx").exists()


def test_cells_print_in_persian() -> None:
    assert fa_cell(12345) == "۱۲٬۳۴۵"
    assert fa_cell(0.452) == "۴۵٫۲٪"
    assert fa_cell(2.0) == "۲۰۰٪"
    assert fa_cell(-0.0625) == "۶٫۲٪ کاهش"
    assert fa_cell(None) == "—"


@needs_pdftoppm
def test_pdf_is_looked_at(known: Database, tmp_path: Path) -> None:
    """The PDF renders (pdftoppm) with the office's header and page numbers; the first
    page is saved in screenshots/ to be looked at."""
    from PIL import Image

    with known.session() as session:
        preview = preview_report(session, ABAN_1404)
    assert preview.pdf.startswith(b"%PDF")
    assert b"Vazirmatn" in preview.pdf
    path = tmp_path / "report.pdf"
    path.write_bytes(preview.pdf)
    done = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
    )
    pages = done.stdout.decode("utf-8").split("\f")
    assert len([page for page in pages if page.strip()]) == 2
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", str(path), str(tmp_path / "page")],
        check=True,
        capture_output=True,
    )
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == 2
    first = Image.open(images[0]).convert("L")
    # Ink on the page's right half (the header and the tables' first column) and a
    # drawn chart: far from blank.
    width, height = first.size
    right = first.crop((width // 2, 0, width, height // 4))
    assert right.getextrema()[0] < 100
    SCREENSHOTS.mkdir(exist_ok=True)
    shutil.copy(images[0], SCREENSHOTS / "report-month-page1.png")
