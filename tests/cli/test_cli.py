"""The ``daftar`` command line, run as a real process."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from app.services.licences.io import COLUMNS


def daftar(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def dbfile(tmp_path: Path) -> Path:
    path = tmp_path / "office.sqlite3"
    done = daftar(
        "init",
        "--db",
        path,
        "--province",
        "تهران",
        "--county",
        "تهران",
        "--name",
        "اداره تعاون شهرستان تهران",
        "--prefix",
        "0612",
    )
    assert done.returncode == 0, done.stderr
    return path


def _csv(path: Path, rows: list[dict[str, str]]) -> Path:
    headers = [c.header for c in COLUMNS]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in headers])
    return path


GOOD = {
    "کد ملی": "0067749828",
    "نام": "مریم",
    "نام خانوادگی": "کریمی",
    "کد رشته": "020001",
    "شهرستان": "تهران",
    "نوع مجوز": "مستقل",
    "تاریخ صدور": "1403/05/12",
}


def test_import_exit_codes_and_last_line(dbfile: Path, tmp_path: Path) -> None:
    ok = daftar("import", _csv(tmp_path / "ok.csv", [GOOD]), "--db", dbfile)
    assert ok.returncode == 0, ok.stderr
    assert ok.stderr.strip().splitlines()[-1] == "imported 1, rejected 0"

    again = daftar("import", tmp_path / "ok.csv", "--db", dbfile)
    assert again.returncode == 0
    assert again.stderr.strip().splitlines()[-1] == "imported 0, rejected 0"

    bad = dict(GOOD, **{"کد ملی": "4032152314", "تاریخ صدور": "1404/12/30"})
    mixed = _csv(tmp_path / "mixed.csv", [dict(GOOD, **{"کد رشته": "020002"}), bad])
    report = tmp_path / "report.xlsx"
    done = daftar("import", mixed, "--db", dbfile, "--report", report)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[-1] == "imported 1, rejected 1"
    assert any("ردیف 3" in line and "تاریخ صدور" in line for line in lines)
    sheet = openpyxl.load_workbook(report).worksheets[0]
    assert sheet.max_row == 2


def test_unreadable_file_exits_1(dbfile: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    done = daftar("import", empty, "--db", dbfile)
    assert done.returncode == 1
    assert "خالی" in done.stderr


def test_template_and_export_round_trip(dbfile: Path, tmp_path: Path) -> None:
    template = tmp_path / "template.xlsx"
    assert daftar("import", "--template", template).returncode == 0
    headers = [c.value for c in openpyxl.load_workbook(template).worksheets[0][1]]
    assert headers == [c.header for c in COLUMNS]

    assert daftar("demo", "--licences", "50", "--db", dbfile, "--seed", "4").returncode == 0
    out = tmp_path / "out.xlsx"
    exported = daftar("export", out, "--db", dbfile)
    assert exported.returncode == 0 and "exported 50" in exported.stderr

    fresh = tmp_path / "fresh.sqlite3"
    assert (
        daftar(
            "init", "--db", fresh, "--province", "تهران", "--name", "اداره کل", "--prefix", "21"
        ).returncode
        == 0
    )
    back = daftar("import", out, "--db", fresh)
    assert back.returncode == 0, back.stderr
    assert back.stderr.strip().splitlines()[-1] == "imported 50, rejected 0"


def test_demo_is_deterministic_per_seed(tmp_path: Path) -> None:
    outs = []
    for name in ("a", "b"):
        db = tmp_path / f"{name}.sqlite3"
        assert daftar("demo", "--licences", "30", "--seed", "9", "--db", db).returncode == 0
        out = tmp_path / f"{name}.csv"
        assert daftar("export", out, "--db", db).returncode == 0
        with out.open(encoding="utf-8-sig") as handle:
            outs.append([row[:-1] for row in csv.reader(handle)])
    assert outs[0] == outs[1]


@pytest.mark.parametrize(
    "args",
    [
        ("demo", "--licences", "-5"),
        ("demo", "--licences", "abc"),
        ("init", "--province", "ناکجا", "--name", "x", "--prefix", "1"),
        ("init", "--province", "تهران", "--name", "x", "--prefix", "!!"),
    ],
)
def test_bad_arguments_fail_cleanly(tmp_path: Path, args: tuple[str, ...]) -> None:
    done = daftar(*args, "--db", tmp_path / "x.sqlite3")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr


def test_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.sqlite3"
    bogus.write_text("just some notes, not a database at all" * 5)
    done = daftar("export", tmp_path / "o.csv", "--db", bogus)
    assert done.returncode == 1
    assert "دفتر نیست" in done.stderr
    assert "Traceback" not in done.stderr


def test_backup(dbfile: Path, tmp_path: Path) -> None:
    target = tmp_path / "backup.sqlite3"
    assert daftar("backup", target, "--db", dbfile).returncode == 0
    assert target.exists()
    assert daftar("backup", target, "--db", dbfile).returncode == 1  # never overwrites
