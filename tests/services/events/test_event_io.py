"""Events import and export: template, row-level errors, idempotence, round trip."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from app.models import Event, EventAttendance, EventParticipant
from app.services.core.db import Database, open_database
from app.services.core.progress import Progress
from app.services.events import io as event_io
from app.services.events.records import ParticipantInput
from app.services.events.service import EventService
from app.services.licences.io import ImportFileError
from tests.accounts_support import act_as
from tests.services.conftest import setup_tehran_office
from tests.services.events.event_support import NID_A, NID_B, NID_C, create

HEADERS = [c.header for c in event_io.COLUMNS]


def row(**values: str) -> list[str]:
    base = {
        "کد رویداد": "",
        "نوع رویداد": "کارگاه آموزشی",
        "عنوان": "کارگاه بسته‌بندی",
        "رشته‌ها": "",
        "محل برگزاری": "سالن اداره",
        "شهرستان": "تهران",
        "تاریخ شروع": "1405/02/05",
        "تاریخ پایان": "1405/02/07",
        "ساعت شروع": "09:00",
        "ساعت پایان": "12:00",
        "ظرفیت": "2",
        "مدرس": "زهرا احمدی",
    }
    base.update(values)
    return [base.get(h, "") for h in HEADERS]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return path


def _import(db: Database, path: Path) -> event_io.ImportResult:
    with db.session() as s:
        return event_io.import_file(s, path, Progress())


def _count(db: Database, model: type) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_template_has_one_data_sheet_with_every_header(tmp_path: Path) -> None:
    path = event_io.write_template(tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == "رویدادها"
    assert [c.value for c in book.worksheets[0][1]] == HEADERS
    guide = [r[0] for r in book["راهنما"].iter_rows(min_row=2, values_only=True)]
    assert guide == HEADERS


def test_import_rows_errors_and_idempotence(db: Database, tmp_path: Path) -> None:
    rows = [
        row(),  # the event alone
        row(**{"کد ملی شرکت‌کننده": NID_A, "نام": "مریم", "نام خانوادگی": "کریمی"}),
        row(
            **{
                "کد ملی شرکت‌کننده": NID_B,
                "نام": "علی",
                "نام خانوادگی": "رضایی",
                "روزهای حضور": "1405/02/05، 1405/02/06",
            }
        ),
        row(**{"کد ملی شرکت‌کننده": NID_C, "نام": "سارا", "نام خانوادگی": "موسوی"}),  # waits
        row(**{"کد ملی شرکت‌کننده": "1234567890", "نام": "رضا", "نام خانوادگی": "کاظمی"}),
        row(**{"عنوان": "نمایشگاه", "تاریخ پایان": "1405/02/01", "ظرفیت": "0"}),
        row(**{"کد ملی شرکت‌کننده": NID_A, "نام": "مریم", "نام خانوادگی": "کریمی"}),
        row(
            **{
                "کد ملی شرکت‌کننده": "0084575948",
                "نام": "رضا",
                "نام خانوادگی": "کاظمی",
                "روزهای حضور": "1405/02/09",
            }
        ),
        row(
            **{
                "کد رویداد": "0612-E-0099",
                "عنوان": "",
                "نوع رویداد": "",
                "محل برگزاری": "",
                "شهرستان": "",
                "تاریخ شروع": "",
                "تاریخ پایان": "",
                "ساعت شروع": "",
                "ساعت پایان": "",
                "ظرفیت": "",
                "مدرس": "",
                "کد ملی شرکت‌کننده": NID_A,
            }
        ),
    ]
    path = write_csv(tmp_path / "events.csv", rows)
    result = _import(db, path)
    assert result.total_rows == 9
    problems = {(p.row, p.column) for p in result.problems}
    assert (6, "کد ملی شرکت‌کننده") in problems  # invalid national ID
    assert (7, "تاریخ پایان") in problems and (7, "ظرفیت") in problems
    assert (9, "روزهای حضور") in problems  # a day outside the event
    assert (10, "کد رویداد") in problems  # unknown code, no event columns
    assert result.rejected == 4
    messages = {p.message for p in result.problems}
    assert "تاریخ پایان نمی‌تواند پیش از تاریخ شروع باشد" in messages
    # Row 8 repeats row 3's participant: nothing new.
    assert result.imported == 4 and result.already_present == 1
    with db.session() as s:
        [event] = s.scalars(select(Event)).all()
        people = EventService(s).participants(event.id)
    assert event.code == "0612-E-0001"
    assert [(p.national_id, p.status) for p in people] == [
        (NID_A, "registered"),
        (NID_B, "registered"),
        (NID_C, "waiting"),
    ]
    assert len(people[1].present_days) == 2
    # The bad rows' partial work was rolled back (no participant for row 9).
    assert _count(db, EventParticipant) == 3

    again = _import(db, path)
    assert again.imported == 0 and again.already_present == 5 and again.rejected == 4
    assert _count(db, Event) == 1 and _count(db, EventParticipant) == 3
    assert _count(db, EventAttendance) == 2

    report = event_io.write_report(again, tmp_path / "report.xlsx")
    sheet = openpyxl.load_workbook(report).worksheets[0]
    assert [c.value for c in sheet[1]][:3] == ["ردیف", "ستون", "دلیل"]


def test_missing_headers_and_bad_files(db: Database, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("عنوان,ظرفیت\nx,1\n", encoding="utf-8")
    with db.session() as s, pytest.raises(ImportFileError) as info:
        event_io.import_file(s, bad)
    assert "کد رویداد" in info.value.message
    empty = tmp_path / "empty.csv"
    empty.write_text(",".join(HEADERS) + "\n", encoding="utf-8")
    with db.session() as s, pytest.raises(ImportFileError):
        event_io.import_file(s, empty)


def test_export_round_trips_into_an_empty_database(db: Database, tmp_path: Path) -> None:
    first = create(db)
    second = create(db, title="بازارچه نوروزی", kind="bazaar", capacity="10")
    with db.session() as s:
        service = EventService(s)
        a = service.register(first.id, ParticipantInput(NID_A, "مریم", "کریمی", "09121234567"))
        service.register(first.id, ParticipantInput(NID_B, "علی", "رضایی"))
        c = service.register(first.id, ParticipantInput(NID_C, "سارا", "موسوی"))
        service.set_attendance(a.id, "1405/02/05")
        service.set_attendance(a.id, "1405/02/07")
        service.cancel_participant(c.id)
        service.cancel(second.id)
    out = tmp_path / "export.xlsx"
    with db.session() as s:
        written = event_io.export_file(s, out)
    assert written == 4  # three participants + one event without any

    other = act_as(open_database(tmp_path / "other.sqlite3"))
    try:
        setup_tehran_office(other)
        result = _import(other, out)
        assert result.rejected == 0, result.problems
        assert result.imported == 4
        again = tmp_path / "again.xlsx"
        with other.session() as s:
            event_io.export_file(s, again)
            events = {e.code: e for e in EventService(s).list_events()}
        assert events[second.code].status == "cancelled"
        assert events[first.code].registered == 2 and events[first.code].present_days == 2

        def cells(path: Path) -> list[tuple[object, ...]]:
            return list(openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True))

        assert cells(again) == cells(out)
        assert _import(other, out).imported == 0
    finally:
        other.close()
