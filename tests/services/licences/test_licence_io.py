"""Import and export of the register: template, row-level errors, duplicates, round trip."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from app.services import demo
from app.services.core.db import Database, open_database
from app.services.core.progress import Progress
from app.services.licences import io as spreadsheet
from app.services.licences import register
from app.services.licences.io import COLUMNS, ImportFileError
from app.services.licences.register import RegisterFilter
from app.services.spreadsheet import sheetfile
from tests.accounts_support import act_as
from tests.services.conftest import setup_tehran_office, template_row

HEADERS = [c.header for c in COLUMNS]


def _row(**values: str) -> list[str]:
    return template_row(**values)


def _write_csv(
    path: Path,
    rows: list[list[str]],
    *,
    encoding: str = "utf-8-sig",
    headers: list[str] | None = None,
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers or HEADERS)
        writer.writerows(rows)
    return path


def _write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _import(db: Database, path: Path) -> spreadsheet.ImportResult:
    with db.session() as s:
        return spreadsheet.import_file(s, path)


def _count(db: Database) -> int:
    with db.session() as s:
        return register.count(s, RegisterFilter())


def test_template_has_every_column(tmp_path: Path) -> None:
    path = spreadsheet.write_template(tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    assert [c.value for c in book.worksheets[0][1]] == HEADERS
    assert book.worksheets[0].sheet_view.rightToLeft


def test_import_valid_rows_with_any_digits(db: Database, tmp_path: Path) -> None:
    rows = [
        _row(),
        _row(
            **{
                "کد ملی": "۴۰۳۲۱۵۲۳۱۴",
                "نام": "علي",
                "تاریخ صدور": "۱۴۰۳/۰۵/۱۲",
                "شماره مجوز": "0612-009999",
            }
        ),
        _row(**{"کد ملی": "٤٠٣٢١٥٢٣١٤", "تاریخ صدور": "1402/1/5", "کد رشته": "020002"}),
    ]
    result = _import(db, _write_csv(tmp_path / "r.csv", rows))
    assert (result.imported, result.rejected) == (3, 0)
    found = [r for r in _all_rows(db) if r.national_id == "4032152314"]
    assert len(found) == 2 and all(r.holder.startswith("علی") for r in found)


def _all_rows(db: Database) -> list[register.RegisterRow]:
    with db.session() as s:
        return register.page(s, RegisterFilter(), 0, 100_000)


def test_bad_rows_are_rejected_with_row_column_and_reason(db: Database, tmp_path: Path) -> None:
    rows = [
        _row(),  # row 2: fine
        _row(**{"کد ملی": "1234567890"}),  # row 3
        _row(**{"کد ملی": "4032152314", "تاریخ صدور": "1404/12/30"}),  # row 4
        _row(**{"کد ملی": "4032152314", "تاریخ صدور": "1403/13/01"}),  # row 5
        _row(**{"کد ملی": "4032152314", "کد رشته": "999999"}),  # row 6
        _row(**{"کد ملی": "4032152314", "نام": "م" * 500}),  # row 7
        _row(**{"کد ملی": "4032152314", "شهرستان": "ناکجاآباد", "نوع مجوز": "شرکتی"}),  # 8
    ]
    result = _import(db, _write_csv(tmp_path / "r.csv", rows))
    assert result.imported == 1
    assert result.rejected == 6
    by_row = {}
    for p in result.problems:
        by_row.setdefault(p.row, []).append(p)
    assert by_row[3][0].column == "کد ملی" and "رقم کنترل" in by_row[3][0].message
    assert by_row[4][0].column == "تاریخ صدور" and "کبیسه" in by_row[4][0].message
    assert "ماه" in by_row[5][0].message
    assert by_row[6][0].column == "کد رشته"
    assert by_row[7][0].column == "نام"
    assert {p.column for p in by_row[8]} == {"شهرستان", "نوع مجوز"}
    assert _count(db) == 1


def test_same_file_twice_creates_no_duplicates(db: Database, tmp_path: Path) -> None:
    rows = [_row(**{"شماره مجوز": "A-1"}), _row(**{"کد رشته": "020003"})]
    path = _write_csv(tmp_path / "r.csv", rows)
    first = _import(db, path)
    second = _import(db, path)
    assert (first.imported, second.imported, second.already_present) == (2, 0, 2)
    assert second.rejected == 0
    assert _count(db) == 2


def test_number_of_another_holder_is_rejected(db: Database, tmp_path: Path) -> None:
    _import(db, _write_csv(tmp_path / "a.csv", [_row(**{"شماره مجوز": "X-1"})]))
    result = _import(
        db, _write_csv(tmp_path / "b.csv", [_row(**{"شماره مجوز": "X-1", "کد ملی": "4032152314"})])
    )
    assert result.rejected == 1 and "شخص دیگری" in result.problems[0].message


def test_repeated_number_inside_one_file(db: Database, tmp_path: Path) -> None:
    rows = [_row(**{"شماره مجوز": "N-1"}), _row(**{"شماره مجوز": "N-1", "کد ملی": "4032152314"})]
    result = _import(db, _write_csv(tmp_path / "r.csv", rows))
    assert result.imported == 1 and result.rejected == 1
    assert "ردیف ۲" in result.problems[0].message


def test_eleventh_licence_of_a_person_is_rejected(db: Database, tmp_path: Path) -> None:
    rows = [_row(**{"شماره مجوز": f"L-{i}"}) for i in range(11)]
    result = _import(db, _write_csv(tmp_path / "r.csv", rows))
    assert result.imported == 10 and result.rejected == 1
    assert result.problems[0].row == 12


def test_xlsx_with_numeric_cells(db: Database, tmp_path: Path) -> None:
    row: list[object] = list(_row())
    row[HEADERS.index("کد ملی")] = 67749828  # leading zeros lost by Excel
    row[HEADERS.index("تلفن همراه")] = 9121234567
    row[HEADERS.index("کد رشته")] = "020001"
    result = _import(db, _write_xlsx(tmp_path / "r.xlsx", [row]))
    assert (result.imported, result.rejected) == (1, 0)
    assert _all_rows(db)[0].national_id == "0067749828"


def test_csv_without_bom_and_with_semicolons(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows([HEADERS, _row()])
    assert _import(db, path).imported == 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "خالی"),
        (b"%PDF-1.4 not a sheet", "xlsx و csv"),
        ("كد ملي,نام,شهرستان\n".encode("cp1256"), "Windows-1256"),
    ],
)
def test_unreadable_files_import_nothing(
    db: Database, tmp_path: Path, content: bytes, expected: str
) -> None:
    suffix = ".pdf" if content.startswith(b"%PDF") else ".csv"
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(content)
    with pytest.raises(ImportFileError) as info:
        _import(db, path)
    assert expected in info.value.message
    assert _count(db) == 0


def test_renamed_non_xlsx_is_refused(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"PK\x03\x04garbage that is not a zip")
    with pytest.raises(ImportFileError):
        _import(db, path)


def test_missing_required_column_is_named(db: Database, tmp_path: Path) -> None:
    headers = [h for h in HEADERS if h != "کد رشته"]
    path = _write_csv(tmp_path / "r.csv", [_row()[:-1]], headers=headers)
    with pytest.raises(ImportFileError) as info:
        _import(db, path)
    assert "«کد رشته»" in info.value.message
    assert _count(db) == 0


def test_headers_only_is_an_error(db: Database, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError):
        _import(db, _write_csv(tmp_path / "r.csv", []))


def test_report_lists_rejected_rows(db: Database, tmp_path: Path) -> None:
    result = _import(db, _write_csv(tmp_path / "r.csv", [_row(**{"کد ملی": "1111111111"})]))
    report = spreadsheet.write_report(result, tmp_path / "report.xlsx")
    sheet = openpyxl.load_workbook(report).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("ردیف", "ستون", "دلیل")
    assert rows[1][0] == 2 and rows[1][1] == "کد ملی" and "تکراری" in rows[1][2]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_then_import_round_trips(db: Database, tmp_path: Path, suffix: str) -> None:
    with db.session() as s:
        demo.generate(s, 120, seed=3)
    out = tmp_path / f"export{suffix}"
    with db.session() as s:
        assert spreadsheet.export_file(s, out) == 120
    other = act_as(open_database(tmp_path / "other.sqlite3"))
    setup_tehran_office(other, prefix="9999")
    try:
        with other.session() as s:
            result = spreadsheet.import_file(s, out)
        assert (result.imported, result.rejected) == (120, 0), result.problems[:3]

        def snapshot(database: Database) -> list[tuple[object, ...]]:
            return sorted(
                (
                    r.number,
                    r.holder,
                    r.national_id,
                    r.field,
                    r.county,
                    r.issue_date,
                    r.expiry_date,
                    r.status,
                    r.mobile,
                )
                for r in _all_rows(database)
            )

        assert snapshot(other) == snapshot(db)
        with db.session() as s1, other.session() as s2:
            assert spreadsheet.export_file(s2, tmp_path / f"again{suffix}") == 120
            assert s1 is not s2
    finally:
        other.close()


def test_row_count_and_progress_total(db: Database, tmp_path: Path) -> None:
    rows = [_row(), _row(**{"کد رشته": "020002"}), _row(**{"کد رشته": "020003"})]
    for path in (_write_csv(tmp_path / "r.csv", rows), _write_xlsx(tmp_path / "r.xlsx", rows)):
        totals: list[int] = []
        assert len(list(sheetfile.read_rows(path, totals.append))) == 4
        assert totals == [4], path
    reports: list[tuple[int, int | None, str]] = []
    with db.session() as s:
        spreadsheet.import_file(
            s, tmp_path / "r.xlsx", Progress(lambda *report: reports.append(report))
        )
    assert reports == [(3, 3, "۳ از ۳ ردیف")]
