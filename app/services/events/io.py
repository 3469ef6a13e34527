"""Import and export of events and their participants as a spreadsheet (.xlsx or .csv).

One sheet, one row per participant, the event's columns repeated on each of its rows
(:data:`COLUMNS`). The event code identifies an event; a row with event columns but no
participant national ID creates or updates just the event. A row without a code is
matched to an event with the same title, start date and county (so a file without codes
imports twice without duplicates), else creates one with a new code.

Every row goes through :class:`app.services.events.service.EventService` (the form's rules) in
a savepoint: a row that breaks any rule is rolled back and reported (row, column,
Persian reason), the other rows are imported. Rows that change nothing count as already
present. Export writes the same template, so an export imports back into an empty
database unchanged (codes, statuses, waiting order and attendance included).
Cancelling an event is applied after every row, so its participants import first.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.models import (
    BusinessField,
    County,
    Event,
    EventAttendance,
    EventParticipant,
    Licence,
    OutboxOperation,
    Supporter,
)
from app.models.event import (
    EVENT_CANCELLED,
    EVENT_PLANNED,
    PARTICIPANT_CANCELLED,
    PARTICIPANT_REGISTERED,
    PARTICIPANT_WAITING,
)
from app.services.core.progress import Progress
from app.services.events.codes import normalise_code
from app.services.events.records import (
    KIND_LABELS,
    PARTICIPANT_STATUS_LABELS,
    STATUS_LABELS,
    EventInput,
    ParticipantInput,
)
from app.services.events.service import EventService
from app.services.licences.io import ImportResult, Problem, write_report
from app.services.licences.service import normalise_licence_number
from app.services.spreadsheet.sheetfile import (
    ImportFileError,
    open_sheet,
    report_rows,
    write_rows,
    write_template_book,
)
from common import jalali
from common.errors import DomainError, ValidationError, ValidationErrors
from common.text import normalize_text, search_key

__all__ = [
    "COLUMNS",
    "ImportFileError",
    "ImportResult",
    "Problem",
    "export_file",
    "import_file",
    "write_report",
    "write_template",
]


@dataclass(frozen=True)
class Column:
    """A template column: Persian header, code name, part (event/participant), example,
    note."""

    header: str
    name: str
    part: str
    example: str
    note: str


EVENT_PART = "event"
PARTICIPANT_PART = "participant"
COLUMNS: tuple[Column, ...] = (
    Column("کد رویداد", "code", EVENT_PART, "0612-E-0001", "خالی: کد خودکار (رویداد تازه)"),
    Column("نوع رویداد", "kind", EVENT_PART, "کارگاه آموزشی", "کارگاه آموزشی، نمایشگاه، …"),
    Column("عنوان", "title", EVENT_PART, "کارگاه بسته‌بندی محصولات", "الزامی برای رویداد"),
    Column("رشته‌ها", "field_ids", EVENT_PART, "020001", "کد رشته‌ها، جدا با ویرگول"),
    Column(
        "برگزارکننده",
        "organiser_supporter_id",
        EVENT_PART,
        "",
        "خالی: اداره؛ یا شماره مجوز پشتیبان",
    ),
    Column("محل برگزاری", "venue", EVENT_PART, "سالن اجتماعات اداره", ""),
    Column("شهرستان", "county_id", EVENT_PART, "تهران", "نام یا کد آماری شهرستان"),
    Column("تاریخ شروع", "start_date", EVENT_PART, "1405/02/05", "شمسی"),
    Column("تاریخ پایان", "end_date", EVENT_PART, "1405/02/07", "شمسی"),
    Column("ساعت شروع", "start_time", EVENT_PART, "09:00", "ساعت:دقیقه"),
    Column("ساعت پایان", "end_time", EVENT_PART, "12:30", "ساعت:دقیقه"),
    Column("ظرفیت", "capacity", EVENT_PART, "30", "بیشتر از صفر"),
    Column("مدرس", "instructor", EVENT_PART, "زهرا احمدی", ""),
    Column("توضیحات", "description", EVENT_PART, "", ""),
    Column("وضعیت رویداد", "status", EVENT_PART, "برنامه‌ریزی‌شده", "برنامه‌ریزی‌شده یا لغوشده"),
    Column("کد ملی شرکت‌کننده", "national_id", PARTICIPANT_PART, "0067749828", "خالی: فقط رویداد"),
    Column("نام", "first_name", PARTICIPANT_PART, "مریم", "خالی برای دارنده مجوز: از دفتر"),
    Column("نام خانوادگی", "last_name", PARTICIPANT_PART, "کریمی", ""),
    Column("تلفن همراه", "mobile", PARTICIPANT_PART, "09121234567", ""),
    Column(
        "وضعیت ثبت‌نام",
        "participant_status",
        PARTICIPANT_PART,
        "ثبت‌نام‌شده",
        "ثبت‌نام‌شده، در فهرست انتظار یا انصراف؛ خالی: بر اساس ظرفیت",
    ),
    Column("زمان ثبت‌نام", "registered_at", PARTICIPANT_PART, "", "ترتیب فهرست انتظار؛ خالی: اکنون"),
    Column(
        "روزهای حضور", "present_days", PARTICIPANT_PART, "1405/02/05, 1405/02/06", "تاریخ‌های شمسی"
    ),
)
COLUMN_BY_HEADER = {search_key(c.header): c for c in COLUMNS}
HEADER_OF = {c.name: c.header for c in COLUMNS}
#: Headers a file must have (their cells may be empty on some rows).
REQUIRED_HEADERS = ("code", "title", "national_id")
#: A participant error on one of these fields is shown in this column.
_FIELD_TO_COLUMN = {"day": "present_days", "status": "status", "reason": "status"}
_SEPARATORS = re.compile(r"[,،;\s]+")
_EVENT_STATUS = {search_key(v): k for k, v in STATUS_LABELS.items()} | {
    EVENT_PLANNED: EVENT_PLANNED,
    EVENT_CANCELLED: EVENT_CANCELLED,
}
_PARTICIPANT_STATUS = {search_key(v): k for k, v in PARTICIPANT_STATUS_LABELS.items()} | {
    PARTICIPANT_REGISTERED: PARTICIPANT_REGISTERED,
    PARTICIPANT_WAITING: PARTICIPANT_WAITING,
    PARTICIPANT_CANCELLED: PARTICIPANT_CANCELLED,
    search_key("لغو"): PARTICIPANT_CANCELLED,
    search_key("انتظار"): PARTICIPANT_WAITING,
}
_EVENT_NAMES = tuple(c.name for c in COLUMNS if c.part == EVENT_PART and c.name != "code")
_PARTICIPANT_NAMES = tuple(c.name for c in COLUMNS if c.part == PARTICIPANT_PART)
PROGRESS_EVERY = 100


class _RowProblem(Exception):
    """One problem of a row (its column by code name)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def _map_headers(header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        column = COLUMN_BY_HEADER.get(search_key(title))
        if column is not None and column.name not in positions:
            positions[column.name] = index
    missing = [HEADER_OF[name] for name in REQUIRED_HEADERS if name not in positions]
    if missing:
        raise ImportFileError(
            "ستون‌های لازم در سطر اول فایل نیستند: "
            + "، ".join(f"«{m}»" for m in missing)
            + ". الگوی فایل رویدادها را از «الگوی فایل» بسازید."
        )
    return positions


@dataclass
class _Lookups:
    fields: dict[str, str]  # code → id
    counties: dict[str, str]  # code or name key → id
    supporters: dict[str, str]  # licence number → supporter id


def _lookups(session: Session) -> _Lookups:
    fields = {
        code: field_id
        for field_id, code in session.execute(
            select(BusinessField.id, BusinessField.code).where(BusinessField.deleted.is_(False))
        )
    }
    counties: dict[str, str] = {}
    for county_id, code, name in session.execute(
        select(County.id, County.code, County.name).where(County.deleted.is_(False))
    ):
        counties[code] = county_id
        counties.setdefault(search_key(name), county_id)
    supporters = {
        number: supporter_id
        for supporter_id, number in session.execute(
            select(Supporter.id, Licence.number)
            .join(Licence, Licence.id == Supporter.licence_id)
            .where(Supporter.deleted.is_(False))
        )
    }
    return _Lookups(fields, counties, supporters)


def _event_input(cells: dict[str, str], look: _Lookups) -> EventInput:
    """The event part of a row as the form's input (unknown codes raise _RowProblem)."""
    field_ids: list[str] = []
    for code in _SEPARATORS.split(normalize_text(cells["field_ids"])):
        if not code:
            continue
        field_id = look.fields.get(code)
        if field_id is None:
            raise _RowProblem("field_ids", f"رشته‌ای با کد {code} در فهرست رشته‌ها نیست")
        field_ids.append(field_id)
    organiser = ""
    number = normalise_licence_number(cells["organiser_supporter_id"])
    if number and search_key(number) not in (search_key("اداره"), search_key("-")):
        organiser = look.supporters.get(number, "")
        if not organiser:
            raise _RowProblem(
                "organiser_supporter_id", f"پشتیبانی با شماره مجوز {number} در دفتر نیست"
            )
    county = cells["county_id"]
    county_id = look.counties.get(normalize_text(county)) or look.counties.get(
        search_key(county), ""
    )
    if county and not county_id:
        raise _RowProblem("county_id", f"شهرستان «{county}» پیدا نشد")
    return EventInput(
        kind=cells["kind"],
        title=cells["title"],
        field_ids=tuple(field_ids),
        organiser_supporter_id=organiser,
        venue=cells["venue"],
        county_id=county_id,
        start_date=cells["start_date"],
        end_date=cells["end_date"],
        start_time=cells["start_time"],
        end_time=cells["end_time"],
        capacity=cells["capacity"],
        instructor=cells["instructor"],
        description=cells["description"],
    )


def _match_event(session: Session, data: EventInput) -> str | None:
    """An event with the same title, start date and county (for rows without a code)."""
    try:
        start = (
            data.start_date
            if isinstance(data.start_date, dt.date)
            else jalali.parse_jalali(data.start_date if isinstance(data.start_date, str) else "")
        )
    except ValidationError:
        return None
    title = normalize_text(data.title)
    if not title or start is None:
        return None
    return session.scalar(
        select(Event.id).where(
            Event.title == title,
            Event.start_date == start,
            Event.county_id == data.county_id,
            Event.deleted.is_(False),
        )
    )


def _parse_registered_at(value: str) -> dt.datetime | None:
    value = normalize_text(value)
    if not value:
        return None
    try:
        stamp = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise _RowProblem(
            "registered_at", "زمان ثبت‌نام باید به شکل 2026-04-25T09:30:00 باشد"
        ) from exc
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=dt.UTC)


def _parse_days(value: str) -> list[dt.date]:
    days = []
    for part in _SEPARATORS.split(normalize_text(value)):
        if part:
            try:
                day = jalali.parse_jalali(part, field="day", label="روز حضور")
            except ValidationError as exc:
                raise _RowProblem("present_days", exc.message) from exc
            if day is not None:
                days.append(day)
    return days


def _import_row(
    session: Session,
    service: EventService,
    cells: dict[str, str],
    look: _Lookups,
    to_cancel: dict[str, None],
) -> None:
    """Apply one row (inside the caller's savepoint); raises on the first problem."""
    code = normalise_code(cells["code"])
    has_event = any(cells[name].strip() for name in _EVENT_NAMES)
    event_id = service.find_event_id(code) if code else None
    if has_event:
        data = _event_input(cells, look)
        if event_id is None and not code:
            event_id = _match_event(session, data)
        status = cells["status"].strip()
        wanted = _EVENT_STATUS.get(search_key(status), None) if status else EVENT_PLANNED
        if wanted is None:
            raise _RowProblem("status", "وضعیت رویداد باید «برنامه‌ریزی‌شده» یا «لغوشده» باشد")
        if event_id is None:
            event_id = service.create(data, code=code).id
        else:
            row = session.get(Event, event_id)
            if row is not None and row.status != EVENT_CANCELLED:
                service.update(event_id, data)
        if wanted == EVENT_CANCELLED:
            to_cancel[event_id] = None
    elif event_id is None:
        raise _RowProblem(
            "code",
            f"رویدادی با کد {code} در دفتر نیست؛ ستون‌های رویداد را هم پر کنید"
            if code
            else "کد رویداد یا مشخصات رویداد را بنویسید",
        )
    nid = cells["national_id"].strip()
    if not nid:
        if any(cells[name].strip() for name in _PARTICIPANT_NAMES):
            raise _RowProblem("national_id", "کد ملی شرکت‌کننده را بنویسید")
        return
    _import_participant(session, service, event_id, cells)


def _import_participant(
    session: Session, service: EventService, event_id: str, cells: dict[str, str]
) -> None:
    status_text = cells["participant_status"].strip()
    status = _PARTICIPANT_STATUS.get(search_key(status_text)) if status_text else None
    if status_text and status is None:
        raise _RowProblem(
            "participant_status",
            "وضعیت ثبت‌نام باید «ثبت‌نام‌شده»، «در فهرست انتظار» یا «انصراف» باشد",
        )
    registered_at = _parse_registered_at(cells["registered_at"])
    days = _parse_days(cells["present_days"])
    data = ParticipantInput(
        cells["national_id"], cells["first_name"], cells["last_name"], cells["mobile"]
    )
    errors: list[ValidationError] = []
    values, _person = service.validate_participant(data, errors)
    if errors:
        raise ValidationErrors(errors)
    existing = session.scalar(
        select(EventParticipant).where(
            EventParticipant.event_id == event_id,
            EventParticipant.national_id == values["national_id"],
            EventParticipant.deleted.is_(False),
        )
    )
    if existing is None:
        participant_id = service.register(
            event_id, data, status=status, registered_at=registered_at
        ).id
    else:
        participant_id = existing.id
        service.update_participant(participant_id, data)
        if status == PARTICIPANT_CANCELLED and existing.status != PARTICIPANT_CANCELLED:
            service.cancel_participant(participant_id)
    if days:
        present = set(
            session.scalars(
                select(EventAttendance.day).where(
                    EventAttendance.participant_id == participant_id,
                    EventAttendance.present.is_(True),
                    EventAttendance.deleted.is_(False),
                )
            )
        )
        for day in days:
            if day not in present:
                service.set_attendance(participant_id, day, True)


def _outbox_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(OutboxOperation)) or 0)


def import_file(
    session: Session,
    path: Path | str,
    progress: Progress | None = None,
    *,
    today: dt.date | None = None,
) -> ImportResult:
    """Import an events spreadsheet into the session's database (one transaction).

    Raises ImportFileError (nothing imported) when the file can't be read, is empty or
    lacks a required column; cancelling through ``progress`` raises Cancelled.
    ``today`` is accepted for the import dialog's signature (events have no rule
    about today).
    """
    del today
    sheet = open_sheet(path)
    rows = sheet.rows
    positions = _map_headers(sheet.header)
    result = ImportResult(headers=sheet.header)
    look = _lookups(session)
    service = EventService(session)
    to_cancel: dict[str, None] = {}
    # pysqlite opens its transaction lazily, at the first write: a SAVEPOINT issued
    # before it would become the outermost transaction and its RELEASE would commit.
    # This no-op write opens the transaction, so each row's savepoint nests inside it.
    session.execute(text("UPDATE counter SET next_value = next_value WHERE name = ''"))
    line = 1
    for raw in rows:
        line += 1
        if not any(cell.strip() for cell in raw):
            continue
        result.total_rows += 1
        cells = {
            c.name: (
                raw[positions[c.name]]
                if c.name in positions and positions[c.name] < len(raw)
                else ""
            )
            for c in COLUMNS
        }
        before = _outbox_count(session)
        savepoint = session.begin_nested()
        try:
            _import_row(session, service, cells, look, to_cancel)
            session.flush()
        except (ValidationErrors, ValidationError, DomainError, _RowProblem) as exc:
            savepoint.rollback()
            _reject(result, line, raw, exc)
        else:
            savepoint.commit()
            if _outbox_count(session) > before:
                result.imported += 1
            else:
                result.already_present += 1
        if progress is not None and result.total_rows % PROGRESS_EVERY == 0:
            progress.check()
            sheet.report(progress, line - 1)
    for event_id in to_cancel:
        row = session.get(Event, event_id)
        if row is not None and row.status != EVENT_CANCELLED:
            service.cancel(event_id)
    if progress is not None:
        report_rows(progress, line - 1, [line])
    if result.total_rows == 0:
        raise ImportFileError("فایل به‌جز سطر عنوان‌ها هیچ ردیفی ندارد.")
    session.flush()
    return result


_SERVICE_FIELD_COLUMN = {
    "code": "code",
    "kind": "kind",
    "title": "title",
    "field_ids": "field_ids",
    "organiser_supporter_id": "organiser_supporter_id",
    "venue": "venue",
    "county_id": "county_id",
    "start_date": "start_date",
    "end_date": "end_date",
    "start_time": "start_time",
    "end_time": "end_time",
    "capacity": "capacity",
    "instructor": "instructor",
    "description": "description",
    "national_id": "national_id",
    "first_name": "first_name",
    "last_name": "last_name",
    "mobile": "mobile",
}


def _reject(result: ImportResult, line: int, raw: list[str], exc: Exception) -> None:
    result.rejected_rows[line] = list(raw)
    if isinstance(exc, _RowProblem):
        problems = [(exc.name, exc.message)]
    elif isinstance(exc, ValidationErrors):
        problems = [(e.field, e.message) for e in exc.errors]
    elif isinstance(exc, ValidationError):
        problems = [(exc.field, exc.message)]
    else:
        problems = [("code", exc.message if isinstance(exc, DomainError) else str(exc))]
    for name, message in problems:
        column = _SERVICE_FIELD_COLUMN.get(name) or _FIELD_TO_COLUMN.get(name, "code")
        result.problems.append(Problem(line, HEADER_OF[column], message))


# -- writing --------------------------------------------------------------------------------


def write_template(path: Path | str) -> Path:
    """Write an empty events template: one data sheet (headers), and a guide sheet."""
    return write_template_book(
        path,
        [c.header for c in COLUMNS],
        "رویدادها",
        ["ستون", "بخش", "نمونه", "توضیح"],
        [
            [c.header, "رویداد" if c.part == EVENT_PART else "شرکت‌کننده", c.example, c.note]
            for c in COLUMNS
        ],
    )


def _export_rows(session: Session, progress: Progress | None) -> Iterator[list[str]]:
    fields = {
        field_id: code
        for field_id, code in session.execute(select(BusinessField.id, BusinessField.code))
    }
    supporters = {
        supporter_id: number
        for supporter_id, number in session.execute(
            select(Supporter.id, Licence.number).join(Licence, Licence.id == Supporter.licence_id)
        )
    }
    counties = {row.id: row.name for row in session.execute(select(County.id, County.name))}
    events = session.scalars(
        select(Event).where(Event.deleted.is_(False)).order_by(Event.start_date, Event.code)
    ).all()
    for done, event in enumerate(events, start=1):
        part = [
            event.code,
            KIND_LABELS.get(event.kind, event.kind),
            event.title,
            ", ".join(fields.get(i, i) for i in json.loads(event.field_ids or "[]")),
            supporters.get(event.organiser_supporter_id or "", ""),
            event.venue,
            counties.get(event.county_id, ""),
            jalali.format_jalali(event.start_date, False),
            jalali.format_jalali(event.end_date, False),
            event.start_time,
            event.end_time,
            str(event.capacity),
            event.instructor,
            event.description,
            STATUS_LABELS.get(event.status, event.status),
        ]
        participants = session.scalars(
            select(EventParticipant)
            .where(EventParticipant.event_id == event.id, EventParticipant.deleted.is_(False))
            .order_by(EventParticipant.registered_at, EventParticipant.id)
        ).all()
        present: dict[str, list[dt.date]] = {}
        for participant_id, day in session.execute(
            select(EventAttendance.participant_id, EventAttendance.day)
            .where(
                EventAttendance.event_id == event.id,
                EventAttendance.present.is_(True),
                EventAttendance.deleted.is_(False),
            )
            .order_by(EventAttendance.day)
        ):
            present.setdefault(participant_id, []).append(day)
        if not participants:
            yield [*part, *([""] * len(_PARTICIPANT_NAMES))]
        for row in participants:
            registered_at = row.registered_at
            if registered_at.tzinfo is None:
                registered_at = registered_at.replace(tzinfo=dt.UTC)
            yield [
                *part,
                row.national_id,
                row.first_name,
                row.last_name,
                row.mobile,
                PARTICIPANT_STATUS_LABELS.get(row.status, row.status),
                registered_at.isoformat(timespec="microseconds"),
                ", ".join(jalali.format_jalali(d, False) for d in present.get(row.id, [])),
            ]
        if progress is not None:
            progress.check()
            progress.report(done, len(events), "")


def export_file(session: Session, path: Path | str, progress: Progress | None = None) -> int:
    """Write every event and its participants in the import template; returns the
    number of rows written."""
    headers = [c.header for c in COLUMNS]
    return write_rows(path, headers, _export_rows(session, progress), "رویدادها")
