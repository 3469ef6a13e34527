"""``daftar report`` and ``daftar-server report`` give the same figures for the same
records (issue 15): offices sync their demo registers, networks and events, then the
province office's report and the server's report of the province are compared."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.services import demo
from app.services.reports.service import build_report
from common import jalali
from common.periods import Period
from common.reports import Report, report_totals
from server.cli import main as server_main
from server.offices import load_reference, resolve_place
from server.report import build_server_report
from tests.services.sync.sync_support import Office


def comparable(report: Report) -> dict[str, object]:
    """What both reports must agree on: every table's rows but the top fields (ties may
    order differently) and the county parts' summaries."""
    tables = {t.key: t.rows for t in report.tables if t.key != "top_fields"}
    counties = {name: tables_[0].rows for name, tables_ in report.counties}
    return {"tables": tables, "counties": counties}


@pytest.mark.slow
def test_office_and_server_reports_agree(
    office_factory: Callable[..., Office], engine: Engine
) -> None:
    province = office_factory("province", county=None)
    county = office_factory("shemiranat", county="شمیرانات")
    with province.db.session() as session:
        demo.generate(session, 400, seed=5)
    with province.db.session() as session:
        demo.generate_networks_and_events(session, 400, seed=5)
    with county.db.session() as session:
        demo.generate(session, 150, seed=6)
    for office in (province, county, province):
        report = office.sync()
        assert report.complete and not report.quarantined
    year = jalali.to_jalali_tuple(jalali.today())[0]
    tehran, _ = resolve_place(load_reference(), "تهران", None)
    attended = 0
    for period in (Period("year", year - 1), Period("year", year), Period("quarter", year, 1)):
        with province.db.session() as session:
            office_report = build_report(session, period)
        with Session(engine) as session:
            server_report = build_server_report(session, period, tehran)
        totals = report_totals(office_report)
        assert totals == report_totals(server_report), period
        assert comparable(office_report) == comparable(server_report), period
        attended += int(next(t for t in server_report.tables if t.key == "events").rows[-1][5] or 0)
    assert totals["issued"] > 0 and totals["supporters"] > 0 and totals["members"] > 0
    assert attended > 0  # the events' attendance was compared, not only zeros


def test_server_report_cli(
    server_db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tehran.xlsx"
    args = ["report", "--db", str(server_db_path), "--period", "1405/08", "--out", str(out)]
    assert server_main([*args, "--province", "تهران"]) == 0
    printed = capsys.readouterr().out
    assert "استان تهران" in printed and "issued=0" in printed
    book = openpyxl.load_workbook(out)
    assert {"خلاصه", "مقایسه شهرستان‌ها", "شمیرانات"} <= set(book.sheetnames)
    assert all(sheet.sheet_view.rightToLeft for sheet in book.worksheets)
    national = tmp_path / "iran.xlsx"
    assert server_main([*args[:-1], str(national)]) == 0
    assert "مقایسه شهرستان‌ها" not in openpyxl.load_workbook(national).sheetnames
    pdf = tmp_path / "tehran.pdf"
    assert server_main([*args[:-1], str(pdf), "--province", "تهران"]) == 0
    assert pdf.read_bytes().startswith(b"%PDF") and b"Vazirmatn" in pdf.read_bytes()
    assert server_main([*args[:-1], str(tmp_path / "x.docx")]) == 2
    bad_period = ["report", "--db", str(server_db_path), "--period", "1405/13"]
    assert server_main([*bad_period, "--out", str(national)]) == 2
