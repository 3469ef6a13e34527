"""The spreadsheet framework on its own: header mapping, readers and writers, and a kind
declared in a few lines (the office's closure days) imported, reported, exported and
templated by the one loop every kind uses."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ClosureDay
from app.services.core.db import Database, open_database
from app.services.core.progress import Cancelled, Progress
from app.services.events.service import EventService
from app.services.sheet_kinds import SHEET_KINDS
from app.services.spreadsheet.columns import (
    CellProblem,
    Column,
    Columns,
    choice,
    each,
    jalali_date,
    jalali_text,
    label,
)
from app.services.spreadsheet.exporter import write_report
from app.services.spreadsheet.importer import ImportRun, Outcome, RowHandler, SheetRow
from app.services.spreadsheet.kind import SheetKind
from app.services.spreadsheet.sheetfile import ImportFileError
from common import jalali
from common.vocabulary import Gender
from tests.accounts_support import act_as
from tests.services.conftest import setup_tehran_office

TODAY = jalali.today()

COLUMNS = Columns(
    Column(
        "روز",
        "day",
        True,
        "1405/01/01",
        "شمسی",
        read=jalali_date("day", "روز", required=True),
        write=jalali_text,
    ),
    Column("دلیل", "reason", False, "تعمیرات", aliases=("علت تعطیلی",)),
)


class _ClosureRows(RowHandler):
    def __init__(self, run: ImportRun) -> None:
        super().__init__(run)
        self.service = EventService(self.session)

    def row(self, row: SheetRow) -> Outcome | None:
        day: dt.date | None = row.value("day")
        row.check()
        assert day is not None
        if self.service.closure_days(day, day):
            return Outcome.PRESENT
        self.service.add_closure_day(day, row.text("reason"))
        return None  # judged by what it wrote to the outbox


def _records(session: Session) -> Iterator[tuple[Any, ...]]:
    for closure in session.scalars(select(ClosureDay).order_by(ClosureDay.day)):
        yield closure.day, closure.reason


CLOSURES = SheetKind(
    name="closures",
    columns=COLUMNS,
    rows=_ClosureRows,
    records=_records,
    sheet_title="تعطیلی‌ها",
    import_title="ورود روزهای تعطیل",
    intro="هر ردیف یک روز تعطیل است.",
    plural="تعطیلی‌ها",
    progress_every=2,
    row_savepoints=True,
)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = act_as(open_database(tmp_path / "office.sqlite3"))
    setup_tehran_office(database)
    yield database
    database.close()


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


# -- columns -------------------------------------------------------------------------------


def test_headers_match_in_any_order_by_search_key_or_alias() -> None:
    header = ["توضیح", "علت  تعطیلي", "روز", "روز"]  # Arabic ی, doubled space, twice «روز»
    assert COLUMNS.map_headers(header, "") == {"reason": 1, "day": 2}


def test_a_missing_required_header_is_named_with_the_hint() -> None:
    with pytest.raises(ImportFileError) as caught:
        COLUMNS.map_headers(["دلیل"], CLOSURES.template_hint)
    assert caught.value.message.startswith("ستون‌های لازم در سطر اول فایل نیستند: «روز».")
    assert "--kind closures" in caught.value.message


def test_a_table_refuses_two_columns_of_one_name_or_header() -> None:
    with pytest.raises(ValueError, match="share a name"):
        Columns(Column("الف", "a"), Column("ب", "a"))
    with pytest.raises(ValueError, match="header"):
        Columns(Column("الف", "a"), Column("ب", "b", aliases=("الف",)))


class _Context:
    today = TODAY

    def table(self, loader: Any) -> Any:
        return loader(None)


def test_readers_give_values_or_persian_problems() -> None:
    read = choice(Gender, "جنسیت نادرست است", default=Gender.UNKNOWN, also={"خانم": "F"})
    assert read("زن", _Context()) == read("f", _Context()) == read("خانم", _Context())
    assert read("", _Context()) == Gender.UNKNOWN
    with pytest.raises(CellProblem, match="جنسیت نادرست است"):
        read("نامعلوم", _Context())
    days = each(jalali_date("day", "روز", required=True), r"[,،]")
    assert days("۱۴۰۳/۰۱/۰۲، 1403/01/03", _Context()) == [
        dt.date(2024, 3, 21),
        dt.date(2024, 3, 22),
    ]
    tomorrow = jalali.format_jalali(TODAY + dt.timedelta(days=1), persian_digits=False)
    future = jalali_date("day", "روز", future="روز نمی‌تواند در آینده باشد")
    with pytest.raises(CellProblem, match="آینده"):
        future(tomorrow, _Context())
    assert label(Gender)("F") == "زن" and label(Gender)(None) == ""
    assert COLUMNS.write_row([dt.date(2024, 3, 21), "x"]) == ["1403/01/02", "x"]


# -- a kind --------------------------------------------------------------------------------


def test_a_kind_imports_reports_and_exports_through_the_one_loop(
    db: Database, tmp_path: Path
) -> None:
    source = _csv(
        tmp_path / "closures.csv",
        ["علت تعطیلی", "روز"],
        [
            ["تعمیرات", "1404/01/15"],
            ["", "1404/13/01"],  # no 13th month: the reader's problem
            ["", ""],  # an empty row is skipped, its number kept
            ["x" * 201, "1404/01/16"],  # the service refuses the reason: on «دلیل»
            ["دوباره", "1404/01/15"],  # the same day: already there
        ],
    )
    seen: list[tuple[int, int | None, str]] = []
    progress = Progress()
    progress.report = lambda done, total, text="": seen.append((done, total, text))  # type: ignore[method-assign]
    with db.session() as session:
        result = CLOSURES.import_file(session, source, progress)
    assert (result.total_rows, result.imported, result.already_present) == (4, 1, 1)
    assert [(p.row, p.column) for p in result.problems] == [(3, "روز"), (5, "دلیل")]
    assert seen[0] == (2, 5, "۲ از ۵ ردیف") and seen[-1] == (5, 5, "۵ از ۵ ردیف")
    assert sorted(result.rejected_rows) == [3, 5]

    report = write_report(result, tmp_path / "report.xlsx")
    rows = list(openpyxl.load_workbook(report).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("ردیف", "ستون", "دلیل", "علت تعطیلی", "روز")
    assert rows[1][:2] == (3, "روز") and rows[1][3:] == (None, "1404/13/01")

    with db.session() as session:
        again = CLOSURES.import_file(session, source)
    assert (again.imported, again.already_present, again.rejected) == (0, 2, 2)

    exported = tmp_path / "out.csv"
    with db.session() as session:
        assert CLOSURES.export_file(session, exported) == 1
    assert exported.read_text(encoding="utf-8-sig").splitlines() == [
        "روز,دلیل",
        "1404/01/15,تعمیرات",
    ]
    fresh = act_as(open_database(tmp_path / "fresh.sqlite3"))
    try:
        setup_tehran_office(fresh)
        with fresh.session() as session:
            assert CLOSURES.import_file(session, exported).imported == 1
        with fresh.session() as session:
            assert CLOSURES.export_file(session, tmp_path / "again.csv") == 1
    finally:
        fresh.close()
    assert (tmp_path / "again.csv").read_bytes() == exported.read_bytes()


def test_cancelling_stops_at_the_next_report(db: Database, tmp_path: Path) -> None:
    source = _csv(tmp_path / "c.csv", ["روز"], [[f"1404/02/{d:02d}"] for d in range(1, 8)])
    progress = Progress()
    progress.cancel()
    with pytest.raises(Cancelled), db.session() as session:
        CLOSURES.import_file(session, source, progress)
    with db.session() as session:
        assert session.scalars(select(ClosureDay)).all() == []


def test_an_empty_file_and_a_file_of_headers_import_nothing(db: Database, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="هیچ ردیفی"), db.session() as session:
        CLOSURES.import_file(session, _csv(tmp_path / "h.csv", ["روز"], []))


def test_the_template_lists_each_column_with_its_example_and_note(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(CLOSURES.write_template(tmp_path / "t.xlsx"))
    assert [c.value for c in book.worksheets[0][1]] == ["روز", "دلیل"]
    assert book.worksheets[0].sheet_view.rightToLeft
    guide = list(book["راهنما"].iter_rows(values_only=True))
    assert guide[:3] == [
        ("ستون", "الزامی", "نمونه", "توضیح"),
        ("روز", "بله", "1405/01/01", "شمسی"),
        ("دلیل", "خیر", "تعمیرات", None),
    ]


@pytest.mark.parametrize("name", sorted(SHEET_KINDS))
def test_every_kind_is_one_table_of_columns(name: str) -> None:
    kind = SHEET_KINDS[name]
    assert kind.name == name
    assert kind.columns.headers == [c.header for c in kind.columns]
    assert any(c.required for c in kind.columns)
    assert f"--kind {name}" in kind.template_hint
