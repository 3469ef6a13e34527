"""``daftar import|export --kind``: every kind of spreadsheet through the real command line,
with the licence import's row reports, last line and exit codes."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from app.cli import KIND_HELP
from app.services.events.io import COLUMNS as EVENT_COLUMNS
from app.services.sheet_kinds import SHEET_KINDS
from app.services.supporters.io import COLUMNS as SUPPORTER_COLUMNS
from tests.cli.test_cli import daftar

SUPPORTER = {
    "شماره مجوز پشتیبان": "0612-900001",
    "نوع پشتیبان": "حقوقی",
    "کد ملی دارنده مجوز": "0067749828",
    "نام دارنده مجوز": "مریم",
    "نام خانوادگی دارنده مجوز": "کریمی",
    "تاریخ صدور مجوز": "1403/01/10",
    "نام شخص حقوقی": "تعاونی گلیم‌بافان",
    "شناسه ملی": "10380284790",
    "شماره ثبت": "4455",
    "کد رشته پشتیبان": "020001",
    "شهرستان پشتیبان": "تهران",
    "شماره شبا": "IR050170000000123456789012",
    "ظرفیت": "3",
}
MEMBER = {
    "کد ملی عضو": "4032152314",
    "نام عضو": "زهرا",
    "نام خانوادگی عضو": "احمدی",
    "نقش عضو": "بسته‌بند",
    "تاریخ عضویت": "1403/02/01",
    "دلیل استثنا": "عضو تازه",
}
EVENT = {
    "نوع رویداد": "کارگاه آموزشی",
    "عنوان": "کارگاه بسته‌بندی",
    "محل برگزاری": "سالن اداره",
    "شهرستان": "تهران",
    "تاریخ شروع": "1405/02/05",
    "تاریخ پایان": "1405/02/07",
    "ساعت شروع": "09:00",
    "ساعت پایان": "12:00",
    "ظرفیت": "2",
    "مدرس": "زهرا احمدی",
}
PARTICIPANT = {
    "کد ملی شرکت‌کننده": "0067749828",
    "نام": "مریم",
    "نام خانوادگی": "کریمی",
    "روزهای حضور": "1405/02/05",
}
#: Per kind: its headers; a file of two good rows and a bad third (row 4) with the
#: columns of its problems.
CASES = {
    "supporters": (
        [c.header for c in SUPPORTER_COLUMNS],
        [SUPPORTER, SUPPORTER | MEMBER, SUPPORTER | MEMBER | {"کد ملی عضو": "1234567890"}],
        {"کد ملی عضو"},
    ),
    "events": (
        [c.header for c in EVENT_COLUMNS],
        [
            EVENT,
            EVENT | PARTICIPANT,
            EVENT | {"عنوان": "نمایشگاه", "تاریخ پایان": "1405/02/01", "ظرفیت": "0"},
        ],
        {"تاریخ پایان", "ظرفیت"},
    ),
}


def _init(path: Path, *county: str) -> Path:
    """A new database: Tehran's county office, or (without ``county``) the province's."""
    done = daftar(
        "init",
        "--db",
        path,
        "--province",
        "تهران",
        *(("--county", *county) if county else ()),
        "--name",
        "اداره",
        "--prefix",
        "0612",
    )
    assert done.returncode == 0, done.stderr
    return path


def _csv(path: Path, headers: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in headers])
    return path


def _last_line(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


def test_the_help_names_every_kind() -> None:
    assert set(SHEET_KINDS) == {
        "licences",
        "supporters",
        "events",
        "facilities",
        "repayments",
        "channels",
        "contracts",
    }
    for name in SHEET_KINDS:
        assert name in KIND_HELP
    shown = daftar("import", "--help").stdout
    assert "--kind KIND" in shown and "supporters" in shown


@pytest.mark.parametrize("kind", sorted(SHEET_KINDS))
def test_template_of_every_kind(tmp_path: Path, kind: str) -> None:
    template = tmp_path / f"{kind}.xlsx"
    done = daftar("import", "--template", template, "--kind", kind)
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(template)
    assert [c.value for c in book.worksheets[0][1]] == SHEET_KINDS[kind].columns.headers
    assert book.worksheets[1].title == "راهنما"


@pytest.mark.parametrize("kind", sorted(CASES))
def test_import_reports_rows_and_exit_codes_then_round_trips(tmp_path: Path, kind: str) -> None:
    headers, rows, bad_columns = CASES[kind]
    db = _init(tmp_path / "office.sqlite3", "تهران")
    source = _csv(tmp_path / "in.csv", headers, rows)
    report = tmp_path / "report.xlsx"

    done = daftar("import", source, "--kind", kind, "--db", db, "--report", report)
    assert done.returncode == 2, done.stderr
    assert _last_line(done.stderr) == "imported 2, rejected 1"
    lines = done.stderr.splitlines()
    for column in bad_columns:
        assert any(line.startswith(f"ردیف 4، ستون «{column}»: ") for line in lines), lines
    reported = list(openpyxl.load_workbook(report).worksheets[0].iter_rows(values_only=True))
    assert reported[0][:3] == ("ردیف", "ستون", "دلیل")
    assert {(r[0], r[1]) for r in reported[1:]} == {(4, c) for c in bad_columns}

    again = daftar("import", source, "--kind", kind, "--db", db)
    assert again.returncode == 2
    assert "already in the register (skipped): 2" in again.stderr
    assert _last_line(again.stderr) == "imported 0, rejected 1"

    exported = tmp_path / "out.csv"
    out = daftar("export", exported, "--kind", kind, "--db", db)
    # One row: the supporter (event) is written on its member's (participant's) row.
    assert out.returncode == 0 and _last_line(out.stderr) == "exported 1", out.stderr
    fresh = _init(tmp_path / "fresh.sqlite3")
    back = daftar("import", exported, "--kind", kind, "--db", fresh)
    assert back.returncode == 0, back.stderr
    assert _last_line(back.stderr) == "imported 1, rejected 0"
    exported_again = tmp_path / "again.csv"
    assert daftar("export", exported_again, "--kind", kind, "--db", fresh).returncode == 0
    assert exported_again.read_text(encoding="utf-8-sig") == exported.read_text(
        encoding="utf-8-sig"
    )


def test_a_file_of_another_kind_is_refused_by_its_headers(tmp_path: Path) -> None:
    db = _init(tmp_path / "office.sqlite3", "تهران")
    headers, rows, _bad = CASES["events"]
    done = daftar("import", _csv(tmp_path / "events.csv", headers, rows), "--db", db)
    assert done.returncode == 1
    assert "«شهرستان»" not in done.stderr and "«کد رشته»" in done.stderr
    assert _last_line(done.stderr) == "imported 0, rejected 0"


@pytest.mark.parametrize("command", ["import", "export"])
def test_an_unknown_kind_fails_cleanly(tmp_path: Path, command: str) -> None:
    done = daftar(command, tmp_path / "x.csv", "--kind", "leases", "--db", tmp_path / "d.db")
    assert done.returncode == 1
    assert "licences, supporters, events" in done.stderr
    assert "Traceback" not in done.stderr
