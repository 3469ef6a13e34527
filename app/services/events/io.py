"""Events and their participants as a spreadsheet (.xlsx or .csv): the ``events`` kind.

One sheet, one row per participant, the event's columns repeated on each of its rows
(:data:`COLUMNS`). The event code identifies an event; a row with event columns but no
participant national ID creates or updates just the event. A row without a code is
matched to an event with the same title, start date and county (so a file without codes
imports twice without duplicates), else creates one with a new code.

Every row goes through :class:`app.services.events.service.EventService` (the form's rules)
in a savepoint: a row that breaks any rule is rolled back and reported (row, column,
Persian reason), the other rows are imported. Rows that change nothing count as already
present. Export writes the same template, so an export imports back into an empty
database unchanged (codes, statuses, waiting order and attendance included).
Cancelling an event is applied after every row, so its participants import first.
Reading, reports and templates are the spreadsheet framework's
(:mod:`app.services.spreadsheet`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import County, Event, EventAttendance, EventParticipant, Licence, Supporter
from app.services.events.codes import normalise_code
from app.services.events.records import (
    EventInput,
    ParticipantInput,
)
from app.services.events.service import EventService
from app.services.licences.numbers import normalise_licence_number
from app.services.spreadsheet.columns import (
    CellContext,
    CellProblem,
    Column,
    Columns,
    choice,
    cleaned,
    each,
    jalali_date,
    jalali_text,
    joined,
    label,
    lookup,
)
from app.services.spreadsheet.exporter import write_report
from app.services.spreadsheet.importer import (
    ImportResult,
    ImportRun,
    Problem,
    RowHandler,
    SheetRow,
)
from app.services.spreadsheet.kind import SheetKind
from app.services.spreadsheet.lookups import CountyRef, FieldRef, counties, field_codes, fields
from app.services.spreadsheet.sheetfile import ImportFileError
from common import jalali
from common.errors import ValidationError, ValidationErrors
from common.text import normalize_text, search_key
from common.vocabulary import EventKind, EventStatus, ParticipantStatus

__all__ = [
    "COLUMNS",
    "KIND",
    "ImportFileError",
    "ImportResult",
    "Problem",
    "export_file",
    "import_file",
    "write_report",
    "write_template",
]

EVENT_PART = "رویداد"
PARTICIPANT_PART = "شرکت‌کننده"
#: How the fields and the days of a cell are separated.
_SEPARATORS = r"[,،;\s]+"
_OFFICE = (search_key("اداره"), search_key("-"))


def _supporters(session: Session) -> dict[str, str]:
    """Supporter ids by their licence numbers."""
    return {
        number: supporter_id
        for supporter_id, number in session.execute(
            select(Supporter.id, Licence.number)
            .join(Licence, Licence.id == Supporter.licence_id)
            .where(Supporter.deleted.is_(False))
        )
    }


def _read_organiser(value: str, context: CellContext) -> str:
    """The organising supporter's id by its licence number; "" for the office."""
    number = normalise_licence_number(value)
    if not number or search_key(number) in _OFFICE:
        return ""
    found = context.table(_supporters).get(number)
    if found is None:
        raise CellProblem(f"پشتیبانی با شماره مجوز {number} در دفتر نیست")
    return found


def _read_registered_at(value: str, _context: CellContext) -> dt.datetime | None:
    value = normalize_text(value)
    if not value:
        return None
    try:
        stamp = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CellProblem("زمان ثبت‌نام باید به شکل 2026-04-25T09:30:00 باشد") from exc
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=dt.UTC)


def _write_registered_at(value: dt.datetime | None) -> str:
    if not value:
        return ""
    stamp = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return stamp.isoformat(timespec="microseconds")


COLUMNS = Columns(
    Column(
        "کد رویداد",
        "code",
        True,
        "0612-E-0001",
        "خالی: کد خودکار (رویداد تازه)",
        EVENT_PART,
        read=cleaned(normalise_code),
    ),
    Column(
        "نوع رویداد",
        "kind",
        False,
        "کارگاه آموزشی",
        "کارگاه آموزشی، نمایشگاه، …",
        EVENT_PART,
        write=label(EventKind),
    ),
    Column("عنوان", "title", True, "کارگاه بسته‌بندی محصولات", "الزامی برای رویداد", EVENT_PART),
    Column(
        "رشته‌ها",
        "field_ids",
        False,
        "020001",
        "کد رشته‌ها، جدا با ویرگول",
        EVENT_PART,
        read=each(
            lookup(fields, lambda code: f"رشته‌ای با کد {code} در فهرست رشته‌ها نیست"), _SEPARATORS
        ),
        write=joined(", "),
    ),
    Column(
        "برگزارکننده",
        "organiser_supporter_id",
        False,
        "",
        "خالی: اداره؛ یا شماره مجوز پشتیبان",
        EVENT_PART,
        read=_read_organiser,
    ),
    Column("محل برگزاری", "venue", False, "سالن اجتماعات اداره", "", EVENT_PART),
    Column(
        "شهرستان",
        "county_id",
        False,
        "تهران",
        "نام یا کد آماری شهرستان",
        EVENT_PART,
        read=lookup(counties, lambda county: f"شهرستان «{county}» پیدا نشد"),
    ),
    Column("تاریخ شروع", "start_date", False, "1405/02/05", "شمسی", EVENT_PART, write=jalali_text),
    Column("تاریخ پایان", "end_date", False, "1405/02/07", "شمسی", EVENT_PART, write=jalali_text),
    Column("ساعت شروع", "start_time", False, "09:00", "ساعت:دقیقه", EVENT_PART),
    Column("ساعت پایان", "end_time", False, "12:30", "ساعت:دقیقه", EVENT_PART),
    Column("ظرفیت", "capacity", False, "30", "بیشتر از صفر", EVENT_PART, write=str),
    Column("مدرس", "instructor", False, "زهرا احمدی", "", EVENT_PART),
    Column("توضیحات", "description", False, "", "", EVENT_PART),
    Column(
        "وضعیت رویداد",
        "status",
        False,
        "برنامه‌ریزی‌شده",
        "برنامه‌ریزی‌شده یا لغوشده",
        EVENT_PART,
        read=choice(
            EventStatus,
            "وضعیت رویداد باید «برنامه‌ریزی‌شده» یا «لغوشده» باشد",
            default=EventStatus.PLANNED,
        ),
        write=label(EventStatus),
    ),
    Column(
        "کد ملی شرکت‌کننده",
        "national_id",
        True,
        "0067749828",
        "خالی: فقط رویداد",
        PARTICIPANT_PART,
    ),
    Column("نام", "first_name", False, "مریم", "خالی برای دارنده مجوز: از دفتر", PARTICIPANT_PART),
    Column("نام خانوادگی", "last_name", False, "کریمی", "", PARTICIPANT_PART),
    Column("تلفن همراه", "mobile", False, "09121234567", "", PARTICIPANT_PART),
    Column(
        "وضعیت ثبت‌نام",
        "participant_status",
        False,
        "ثبت‌نام‌شده",
        "ثبت‌نام‌شده، در فهرست انتظار یا انصراف؛ خالی: بر اساس ظرفیت",
        PARTICIPANT_PART,
        read=choice(
            ParticipantStatus,
            "وضعیت ثبت‌نام باید «ثبت‌نام‌شده»، «در فهرست انتظار» یا «انصراف» باشد",
            default=None,
            also={"لغو": ParticipantStatus.CANCELLED, "انتظار": ParticipantStatus.WAITING},
        ),
        write=label(ParticipantStatus),
    ),
    Column(
        "زمان ثبت‌نام",
        "registered_at",
        False,
        "",
        "ترتیب فهرست انتظار؛ خالی: اکنون",
        PARTICIPANT_PART,
        read=_read_registered_at,
        write=_write_registered_at,
    ),
    Column(
        "روزهای حضور",
        "present_days",
        False,
        "1405/02/05, 1405/02/06",
        "تاریخ‌های شمسی",
        PARTICIPANT_PART,
        read=each(jalali_date("day", "روز حضور", required=True), _SEPARATORS),
        write=joined(", ", jalali_text),
    ),
)
_EVENT_NAMES = tuple(c.name for c in COLUMNS if c.part == EVENT_PART and c.name != "code")
_PARTICIPANT_NAMES = tuple(c.name for c in COLUMNS if c.part == PARTICIPANT_PART)


class _EventRows(RowHandler):
    """A row's event (created, matched or updated), then its participant."""

    def __init__(self, run: ImportRun) -> None:
        super().__init__(run)
        self.service = EventService(self.session)
        #: Events the file marks cancelled (cancelled by finish(), after every row).
        self.to_cancel: dict[str, None] = {}

    def row(self, row: SheetRow) -> None:
        code: str = row.value("code")
        event_id = self.service.find_event_id(code) if code else None
        if row.has_text(_EVENT_NAMES):
            data = self._event_input(row)
            if event_id is None and not code:
                event_id = self._match_event(data)
            wanted = row.value("status")
            row.check()
            if event_id is None:
                event_id = self.service.create(data, code=code).id
            else:
                event = self.session.get(Event, event_id)
                if event is not None and event.status != EventStatus.CANCELLED:
                    self.service.update(event_id, data)
            if wanted == EventStatus.CANCELLED:
                self.to_cancel[event_id] = None
        elif event_id is None:
            row.reject(
                "code",
                f"رویدادی با کد {code} در دفتر نیست؛ ستون‌های رویداد را هم پر کنید"
                if code
                else "کد رویداد یا مشخصات رویداد را بنویسید",
            )
        if row.text("national_id"):
            self._participant(row, event_id)
        elif row.has_text(_PARTICIPANT_NAMES):
            row.reject("national_id", "کد ملی شرکت‌کننده را بنویسید")
        return None  # imported if it changed anything

    def finish(self) -> None:
        for event_id in self.to_cancel:
            event = self.session.get(Event, event_id)
            if event is not None and event.status != EventStatus.CANCELLED:
                self.service.cancel(event_id)

    def _event_input(self, row: SheetRow) -> EventInput:
        """The event part of a row as the form's input."""
        field_refs: list[FieldRef] | None = row.value("field_ids")
        organiser: str | None = row.value("organiser_supporter_id")
        county: CountyRef | None = row.value("county_id")
        row.check()
        return EventInput(
            kind=row.text("kind"),
            title=row.text("title"),
            field_ids=tuple(ref.id for ref in field_refs or ()),
            organiser_supporter_id=organiser or "",
            venue=row.text("venue"),
            county_id=county.id if county is not None else "",
            start_date=row.text("start_date"),
            end_date=row.text("end_date"),
            start_time=row.text("start_time"),
            end_time=row.text("end_time"),
            capacity=row.text("capacity"),
            instructor=row.text("instructor"),
            description=row.text("description"),
        )

    def _match_event(self, data: EventInput) -> str | None:
        """An event with the same title, start date and county (for rows without a code)."""
        try:
            start = (
                data.start_date
                if isinstance(data.start_date, dt.date)
                else jalali.parse_jalali(
                    data.start_date if isinstance(data.start_date, str) else ""
                )
            )
        except ValidationError:
            return None
        title = normalize_text(data.title)
        if not title or start is None:
            return None
        return self.session.scalar(
            select(Event.id).where(
                Event.title == title,
                Event.start_date == start,
                Event.county_id == data.county_id,
                Event.deleted.is_(False),
            )
        )

    def _participant(self, row: SheetRow, event_id: str) -> None:
        """Register the row's participant (or update it), and mark its days present."""
        status = row.value("participant_status")
        registered_at: dt.datetime | None = row.value("registered_at")
        days: list[dt.date] | None = row.value("present_days")
        row.check()
        data = ParticipantInput(
            row.text("national_id"),
            row.text("first_name"),
            row.text("last_name"),
            row.text("mobile"),
        )
        errors: list[ValidationError] = []
        values, _person = self.service.validate_participant(data, errors)
        if errors:
            raise ValidationErrors(errors)
        existing = self.session.scalar(
            select(EventParticipant).where(
                EventParticipant.event_id == event_id,
                EventParticipant.national_id == values["national_id"],
                EventParticipant.deleted.is_(False),
            )
        )
        if existing is None:
            participant_id = self.service.register(
                event_id, data, status=status, registered_at=registered_at
            ).id
        else:
            participant_id = existing.id
            self.service.update_participant(participant_id, data)
            if status == ParticipantStatus.CANCELLED and existing.status != status:
                self.service.cancel_participant(participant_id)
        if days:
            present = set(
                self.session.scalars(
                    select(EventAttendance.day).where(
                        EventAttendance.participant_id == participant_id,
                        EventAttendance.present.is_(True),
                        EventAttendance.deleted.is_(False),
                    )
                )
            )
            for day in days:
                if day not in present:
                    self.service.set_attendance(participant_id, day, True)


# -- exporting -------------------------------------------------------------------------------


def _records(session: Session) -> Iterator[tuple[Any, ...]]:
    """Every event, once per participant (or once alone), one value per column."""
    codes = field_codes(session)
    supporters = {
        supporter_id: number
        for supporter_id, number in session.execute(
            select(Supporter.id, Licence.number).join(Licence, Licence.id == Supporter.licence_id)
        )
    }
    county_names = {row.id: row.name for row in session.execute(select(County.id, County.name))}
    events = session.scalars(
        select(Event).where(Event.deleted.is_(False)).order_by(Event.start_date, Event.code)
    ).all()
    for event in events:
        part = (
            event.code,
            event.kind,
            event.title,
            [codes.get(i, i) for i in json.loads(event.field_ids or "[]")],
            supporters.get(event.organiser_supporter_id or "", ""),
            event.venue,
            county_names.get(event.county_id, ""),
            event.start_date,
            event.end_date,
            event.start_time,
            event.end_time,
            event.capacity,
            event.instructor,
            event.description,
            event.status,
        )
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
            yield (*part, *([""] * len(_PARTICIPANT_NAMES)))
        for participant in participants:
            yield (
                *part,
                participant.national_id,
                participant.first_name,
                participant.last_name,
                participant.mobile,
                participant.status,
                participant.registered_at,
                present.get(participant.id, []),
            )


KIND = SheetKind(
    name="events",
    columns=COLUMNS,
    rows=_EventRows,
    records=_records,
    sheet_title="رویدادها",
    import_title="ورود رویدادها و شرکت‌کنندگان از اکسل",
    intro=(
        "هر ردیف فایل یک شرکت‌کنندهٔ یک رویداد است و ستون‌های رویداد در هر ردیف تکرار "
        "می‌شوند (رویداد با کدش شناخته می‌شود)؛ ردیفی که کد ملی شرکت‌کننده ندارد فقط "
        "رویداد را ثبت یا به‌روز می‌کند. سطر اول عنوان ستون‌هاست (مثل الگوی خالی). "
        "ردیف‌های دارای ایراد وارد نمی‌شوند و با شمارهٔ ردیف و دلیل گزارش می‌شوند. اگر "
        "فایلی را دو بار وارد کنید، چیزی تکراری ثبت نمی‌شود."
    ),
    plural="رویدادها",
    row_savepoints=True,
    field_columns={"day": "present_days", "reason": "status"},
    fallback_column="code",
)
import_file = KIND.import_file
export_file = KIND.export_file
write_template = KIND.write_template
