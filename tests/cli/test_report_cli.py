"""``daftar report --period … --out …``: the periodic report from the command line."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from app.cli import main


@pytest.fixture
def dbfile(tmp_path: Path) -> Path:
    path = tmp_path / "office.sqlite3"
    init = ["init", "--db", str(path), "--province", "تهران", "--county", "تهران"]
    init += ["--name", "اداره تعاون شهرستان تهران", "--prefix", "0612"]
    assert main(init) == 0
    assert main(["demo", "--db", str(path), "--licences", "400", "--seed", "2"]) == 0
    return path


def test_report_pdf_and_xlsx(
    dbfile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    xlsx = tmp_path / "q.xlsx"
    assert main(["report", "--db", str(dbfile), "--period", "1404-Q3", "--out", str(xlsx)]) == 0
    out = capsys.readouterr()
    assert "report 1404-Q3 written" in out.err
    totals = dict(item.split("=") for item in out.out.split())
    assert set(totals) == {"issued", "women", "active", "expiring", "supporters", "members"}
    assert int(totals["active"]) > 0
    book = openpyxl.load_workbook(xlsx)
    assert book["خلاصه"]["B3"].value == int(totals["issued"])
    assert book["خلاصه"]["B2"].value == "فصل سوم ۱۴۰۴"
    pdf = tmp_path / "year.pdf"
    assert main(["report", "--db", str(dbfile), "--period", "۱۴۰۴", "--out", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("period", "out", "message"),
    [
        ("1404/13", "r.pdf", "ماه دوره باید میان ۱ و ۱۲ باشد"),
        ("آبان", "r.pdf", "دوره را به یکی از این شکل‌ها بنویسید"),
        ("1404/08", "r.docx", "‎.pdf یا ‎.xlsx"),
    ],
)
def test_bad_input_is_refused(
    dbfile: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    period: str,
    out: str,
    message: str,
) -> None:
    target = tmp_path / out
    assert main(["report", "--db", str(dbfile), "--period", period, "--out", str(target)]) == 1
    assert message in capsys.readouterr().err
    assert not target.exists()
