"""Workshop events: create, edit, cancel; registration with a waiting list; attendance;
the month calendar with Fridays, official holidays and the office's closure days; figures.

Every change runs inside the caller's session (one unit of work), bumps the row's
``rev`` and ``updated_at``, stamps ``origin_office`` on new rows and writes an outbox
operation (app.services.core.outbox) in the same transaction. Input arrives raw (as typed or
as read from a spreadsheet) and is validated here; all errors of a form are reported
together (ValidationErrors, Persian messages, by field code name).

Rules (see docs/events.md):

- An event's code is ``PREFIX-E-0001``: the office's licence prefix (plus the office's
  tag once it syncs, like certificate serials) and the local ``event_serial`` counter,
  skipping codes already taken.
- Registration beyond the capacity puts a person on the waiting list (ordered by
  ``registered_at``); cancelling a registered participant, or raising the capacity,
  promotes the first ones waiting. A person (national ID) is registered at most once
  per event (a cancelled registration may be renewed).
- Attendance is one row per participant and day, only for registered participants and
  days of the event; unmarking sets ``present`` false.
- An **attendee** (who gets an attendance certificate) is a registered participant
  present on at least :data:`ATTENDEE_MIN_DAYS` day(s) of the event.
- Attendance rate = present participant-days / (registered participants × event days).
- "Later licensed" = registered participants whose national ID holds a licence issued on
  or after the event's start date.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.models import (
    BusinessField,
    ClosureDay,
    Counter,
    County,
    Event,
    EventAttendance,
    EventParticipant,
    Licence,
    Person,
    Supporter,
    new_id,
    utcnow,
)
from app.models.event import (
    EVENT_CANCELLED,
    EVENT_KINDS,
    EVENT_PLANNED,
    EVENT_WORKSHOP,
    PARTICIPANT_CANCELLED,
    PARTICIPANT_REGISTERED,
    PARTICIPANT_WAITING,
)
from app.services.core.actor import current_actor
from app.services.core.office import get_setting, require_office
from app.services.core.outbox import apply_values, record_insert, touch
from app.services.core.scope import ScopedService, require_county_in_scope
from app.services.core.search_keys import event_search_key
from common import jalali
from common.errors import DomainError, ValidationError, ValidationErrors
from common.rules import event_dates_problem
from common.text import normalize_multiline, normalize_text, search_key, to_persian_digits
from common.validators import (
    validate_capacity,
    validate_mobile,
    validate_name,
    validate_national_id,
    validate_text,
)
from common.vocabulary import EventKind, EventStatus, ParticipantStatus

log = logging.getLogger("daftar.events")

KIND_LABELS = EventKind.labels()
STATUS_LABELS = EventStatus.labels()
PARTICIPANT_STATUS_LABELS = ParticipantStatus.labels()
FIELD_LABELS = {
    "code": "کد رویداد",
    "kind": "نوع رویداد",
    "title": "عنوان",
    "field_ids": "رشته‌ها",
    "organiser_supporter_id": "برگزارکننده",
    "venue": "محل برگزاری",
    "county_id": "شهرستان",
    "start_date": "تاریخ شروع",
    "end_date": "تاریخ پایان",
    "start_time": "ساعت شروع",
    "end_time": "ساعت پایان",
    "capacity": "ظرفیت",
    "instructor": "مدرس",
    "description": "توضیحات",
    "status": "وضعیت",
    "national_id": "کد ملی",
    "first_name": "نام",
    "last_name": "نام خانوادگی",
    "mobile": "تلفن همراه",
    "day": "روز حضور",
}
EVENT_FIELDS = (
    "kind",
    "title",
    "field_ids",
    "organiser_supporter_id",
    "venue",
    "county_id",
    "start_date",
    "end_date",
    "start_time",
    "end_time",
    "capacity",
    "instructor",
    "description",
)
CODE_COUNTER = "event_serial"
#: A registered participant present on at least this many days is an attendee.
ATTENDEE_MIN_DAYS = 1
#: An event may last at most this many days (a year: the longest exhibition).
MAX_DAYS = 366
#: Warnings name at most this many closed days of one event.
_MAX_NAMED_DAYS = 5
_CHUNK = 500
_TIME = re.compile(r"([0-9]{1,2})\s*[:٫.]\s*([0-9]{2})")
WEEKDAY_NAMES = ("شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه")
FRIDAY = 6


# -- small helpers ------------------------------------------------------------------------


def _fa(value: int) -> str:
    return to_persian_digits(str(value))


def _code_prefix(session: Session) -> str:
    office = require_office(session)
    if get_setting(session, "sync.office_id"):
        # Offices of one county share the licence prefix: add this office's own tag.
        return f"{office.licence_prefix}-{office.id.replace('-', '')[-6:].upper()}"
    return office.licence_prefix


def allocate_event_codes(session: Session, count: int) -> list[str]:
    """The next ``count`` free event codes, ``PREFIX-E-0001`` (one counter update)."""
    if count <= 0:
        return []
    prefix = _code_prefix(session)
    counter = session.get(Counter, CODE_COUNTER)
    if counter is None:
        counter = Counter(name=CODE_COUNTER, next_value=1)
        session.add(counter)
    value = counter.next_value
    result: list[str] = []
    while len(result) < count:
        wanted = [f"{prefix}-E-{value + i:04d}" for i in range(count - len(result))]
        value += len(wanted)
        taken: set[str] = set()
        for start in range(0, len(wanted), _CHUNK):
            taken.update(
                session.scalars(
                    select(Event.code).where(Event.code.in_(wanted[start : start + _CHUNK]))
                )
            )
        result.extend(code for code in wanted if code not in taken)
    counter.next_value = value
    session.flush()
    return result


def normalise_code(value: str) -> str:
    """An event code as stored: normalised text, ASCII digits, upper-case Latin."""
    return normalize_text(value).replace(" ", "").upper()


def parse_time(value: str | None, fname: str) -> str:
    """``HH:MM`` from what was typed (any digits; ``9:5`` is refused, ``9:05`` is fine);
    "" for empty input."""
    text = normalize_text(value)
    if not text:
        return ""
    match = _TIME.fullmatch(text)
    if match is None:
        raise ValidationError(fname, f"{FIELD_LABELS[fname]} باید به شکل ۰۹:۳۰ باشد")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        raise ValidationError(
            fname, f"{FIELD_LABELS[fname]} درست نیست (ساعت ۰ تا ۲۳، دقیقه ۰ تا ۵۹)"
        )
    return f"{hours:02d}:{minutes:02d}"


def event_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every day from ``start`` to ``end`` inclusive."""
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def hours_of(
    start_date: dt.date, end_date: dt.date, start_time: str, end_time: str
) -> float | None:
    """The event's length in hours (daily hours × days), when both times are known."""
    if not start_time or not end_time:
        return None
    sh, sm = (int(p) for p in start_time.split(":"))
    eh, em = (int(p) for p in end_time.split(":"))
    daily = (eh * 60 + em - sh * 60 - sm) / 60
    if daily <= 0:
        return None
    return daily * ((end_date - start_date).days + 1)


def month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first and last (Gregorian) dates of a Jalali month."""
    return (
        jalali.from_jalali(year, month, 1),
        jalali.from_jalali(year, month, jalali.month_length(year, month)),
    )


# -- holidays and closures --------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _holidays_of_year(year: int) -> dict[dt.date, str]:
    import holidays  # a slow import: only when a calendar or a warning needs it

    try:
        table = holidays.country_holidays("IR", years=year, language="fa_IR")
    except (NotImplementedError, KeyError, ValueError):  # pragma: no cover - old package
        log.warning("the holidays package has no Iran calendar; official holidays not shown")
        return {}
    return {day: str(name) for day, name in table.items()}


def official_holidays(start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """Iran's official holidays from ``start`` to ``end`` (Persian names), from the
    ``holidays`` package. Lunar (Islamic) dates beyond the current year are estimates
    (their names end with «(تخمینی)»)."""
    result: dict[dt.date, str] = {}
    for year in range(start.year, end.year + 1):
        for day, name in _holidays_of_year(year).items():
            if start <= day <= end:
                result[day] = name
    return result


def office_county_id(session: Session) -> str:
    """The county whose closure days apply to this office: the office's own county, or
    for a province office the province's county of the same name (its capital), else
    the province's first county."""
    office = require_office(session)
    if office.county_id:
        return office.county_id
    rows = session.execute(
        select(County.id, County.name)
        .where(County.province_id == office.province_id, County.deleted.is_(False))
        .order_by(County.code)
    ).all()
    if not rows:
        raise DomainError("شهرستانی برای استان این اداره ثبت نشده است.")
    same = [row.id for row in rows if search_key(row.name) == search_key(office.province_name)]
    return str(same[0] if same else rows[0].id)


@dataclass(frozen=True)
class ClosureInfo:
    """A closure day of the office."""

    id: str
    day: dt.date
    reason: str


@dataclass(frozen=True)
class DayMark:
    """Why a day is off: Friday, official holiday (name), office closure (reason)."""

    day: dt.date
    friday: bool = False
    holiday: str = ""
    closure: str = ""
    closure_id: str = ""

    @property
    def off(self) -> bool:
        """True on a Friday, an official holiday or a closure day."""
        return self.friday or bool(self.holiday) or bool(self.closure_id)

    def reasons(self) -> list[str]:
        """Each reason in Persian."""
        result = []
        if self.friday:
            result.append("جمعه")
        if self.holiday:
            result.append(f"تعطیل رسمی: {self.holiday}")
        if self.closure_id:
            result.append(f"تعطیلی اداره: {self.closure}" if self.closure else "تعطیلی اداره")
        return result


def closure_days(
    session: Session, start: dt.date, end: dt.date, county_id: str | None = None
) -> list[ClosureInfo]:
    """The office's closure days from ``start`` to ``end`` (by day)."""
    county = county_id or office_county_id(session)
    rows = session.scalars(
        select(ClosureDay)
        .where(
            ClosureDay.county_id == county,
            ClosureDay.deleted.is_(False),
            ClosureDay.day >= start,
            ClosureDay.day <= end,
        )
        .order_by(ClosureDay.day)
    )
    return [ClosureInfo(row.id, row.day, row.reason) for row in rows]


def day_marks(
    session: Session, start: dt.date, end: dt.date, county_id: str | None = None
) -> dict[dt.date, DayMark]:
    """The off days from ``start`` to ``end``: Fridays, official holidays, closures."""
    holidays_ = official_holidays(start, end)
    closures = {c.day: c for c in closure_days(session, start, end, county_id)}
    result: dict[dt.date, DayMark] = {}
    for day in event_days(start, end):
        closure = closures.get(day)
        mark = DayMark(
            day=day,
            friday=jalali.jalali_weekday(day) == FRIDAY,
            holiday=holidays_.get(day, ""),
            closure=closure.reason if closure else "",
            closure_id=closure.id if closure else "",
        )
        if mark.off:
            result[day] = mark
    return result


def off_day_warnings(marks: Iterable[DayMark]) -> tuple[str, ...]:
    """One Persian warning naming the off days an event falls on (or nothing)."""
    marks = sorted(marks, key=lambda m: m.day)
    if not marks:
        return ()
    named = [
        f"{jalali.format_jalali(m.day)} ({'، '.join(m.reasons())})" for m in marks[:_MAX_NAMED_DAYS]
    ]
    text = "این رویداد در روز تعطیل برگزار می‌شود: " + "؛ ".join(named)
    if len(marks) > _MAX_NAMED_DAYS:
        text += f" و {_fa(len(marks) - _MAX_NAMED_DAYS)} روز دیگر"
    return (text,)


# -- data passed to views ------------------------------------------------------------------------


@dataclass(frozen=True)
class EventInput:
    """An event's details as typed in a form or read from a spreadsheet row.

    ``field_ids`` are business-field ids; ``organiser_supporter_id`` empty means the office.
    """

    kind: str = EVENT_WORKSHOP
    title: str = ""
    field_ids: Sequence[str] = ()
    organiser_supporter_id: str = ""
    venue: str = ""
    county_id: str = ""
    start_date: str | dt.date | None = None
    end_date: str | dt.date | None = None
    start_time: str = ""
    end_time: str = ""
    capacity: str | int = ""
    instructor: str = ""
    description: str = ""


@dataclass(frozen=True)
class ParticipantInput:
    """A person registering: national ID, name and mobile (the name may be left empty
    for a licence holder already in the register)."""

    national_id: str = ""
    first_name: str = ""
    last_name: str = ""
    mobile: str = ""


def attendance_rate(present_days: int, registered: int, days: int) -> float | None:
    """Present participant-days / (registered × days); None with nobody registered."""
    possible = registered * days
    return present_days / possible if possible else None


@dataclass(frozen=True)
class EventFigures:
    """An event's figures (see the module docstring for the rules)."""

    registered: int = 0
    waiting: int = 0
    cancelled: int = 0
    days: int = 1
    present_days: int = 0
    attendees: int = 0
    later_licensed: int = 0

    @property
    def attendance_rate(self) -> float | None:
        """Present participant-days / (registered × days); None with nobody registered."""
        return attendance_rate(self.present_days, self.registered, self.days)


@dataclass(frozen=True)
class EventSummary:
    """An event as the list and the calendar show it."""

    id: str
    code: str
    kind: str
    title: str
    start_date: dt.date
    end_date: dt.date
    start_time: str
    end_time: str
    status: str
    county_name: str
    venue: str
    instructor: str
    capacity: int
    registered: int = 0
    waiting: int = 0
    present_days: int = 0
    #: Registered participants who got a licence on or after the event's start.
    later_licensed: int = 0

    @property
    def kind_label(self) -> str:
        """Persian label of the kind."""
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        """Persian label of the status."""
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def days(self) -> int:
        """How many days the event lasts."""
        return (self.end_date - self.start_date).days + 1

    @property
    def attendance_rate(self) -> float | None:
        """Present participant-days / (registered × days)."""
        return attendance_rate(self.present_days, self.registered, self.days)


@dataclass(frozen=True)
class EventDetail:
    """An event with everything its page shows."""

    id: str
    rev: int
    code: str
    kind: str
    title: str
    field_ids: tuple[str, ...]
    field_names: tuple[str, ...]
    organiser_supporter_id: str
    organiser_name: str
    venue: str
    county_id: str
    county_name: str
    start_date: dt.date
    end_date: dt.date
    start_time: str
    end_time: str
    capacity: int
    instructor: str
    description: str
    status: str
    figures: EventFigures
    warnings: tuple[str, ...] = field(default=())

    @property
    def kind_label(self) -> str:
        """Persian label of the kind."""
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        """Persian label of the status."""
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def days(self) -> list[dt.date]:
        """The event's days."""
        return event_days(self.start_date, self.end_date)

    @property
    def cancelled(self) -> bool:
        """True once the event was cancelled."""
        return self.status == EVENT_CANCELLED


@dataclass(frozen=True)
class ParticipantInfo:
    """A participant of an event, as the participants table shows it."""

    id: str
    event_id: str
    person_id: str | None
    national_id: str
    first_name: str
    last_name: str
    mobile: str
    status: str
    registered_at: dt.datetime
    present_days: frozenset[dt.date] = frozenset()
    #: 1-based place on the waiting list (None unless waiting).
    waiting_position: int | None = None

    @property
    def full_name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def status_label(self) -> str:
        """Persian label of the status."""
        return PARTICIPANT_STATUS_LABELS.get(self.status, self.status)

    @property
    def is_attendee(self) -> bool:
        """A registered participant present on enough days for a certificate."""
        return self.status == PARTICIPANT_REGISTERED and len(self.present_days) >= ATTENDEE_MIN_DAYS


@dataclass(frozen=True)
class CalendarEvent:
    """An event in a day cell of the month calendar."""

    id: str
    code: str
    title: str
    kind: str
    status: str
    start_time: str


@dataclass(frozen=True)
class CalendarDay:
    """One day of the month calendar."""

    date: dt.date
    day: int
    weekday: int
    mark: DayMark | None
    events: tuple[CalendarEvent, ...]


@dataclass(frozen=True)
class MonthCalendar:
    """A Jalali month: its days (with off-day marks and events)."""

    year: int
    month: int
    days: tuple[CalendarDay, ...]

    @property
    def title(self) -> str:
        """``فروردین ۱۴۰۵``."""
        return f"{jalali.JALALI_MONTH_NAMES[self.month - 1]} {_fa(self.year)}"

    @property
    def event_count(self) -> int:
        """Distinct events shown in the month."""
        return len({e.id for d in self.days for e in d.events})


@dataclass(frozen=True)
class EventFilter:
    """The list's filters: text (title, code, venue, instructor), kind, status, Jalali
    month (events overlapping it)."""

    text: str = ""
    kind: str = ""
    status: str = ""
    year: int | None = None
    month: int | None = None


@dataclass(frozen=True)
class Choice:
    """An item of a chooser: id and Persian text."""

    id: str
    text: str


@dataclass(frozen=True)
class HolderMatch:
    """A licence holder found by a search, for registration."""

    person_id: str
    national_id: str
    first_name: str
    last_name: str
    mobile: str

    @property
    def full_name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}".strip()


def _collect(errors: list[ValidationError], func_: Any) -> Any:
    try:
        return func_()
    except ValidationError as exc:
        errors.append(exc)
        return None


def _as_date(
    value: str | dt.date | None, fname: str, errors: list[ValidationError]
) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return jalali.parse_jalali(value, field=fname, label=FIELD_LABELS[fname], required=True)
    except ValidationError as exc:
        errors.append(exc)
        return None


def list_organisers(session: Session) -> list[Choice]:
    """Supporters that may organise an event (the office itself is the empty choice):
    the legal name or the holder's name, with the licence number."""
    rows = session.execute(
        select(
            Supporter.id, Supporter.legal_name, Person.first_name, Person.last_name, Licence.number
        )
        .join(Licence, Licence.id == Supporter.licence_id)
        .join(Person, Person.id == Licence.person_id)
        .where(Supporter.deleted.is_(False))
        .order_by(Licence.number)
    ).all()
    return [
        Choice(row.id, f"{row.legal_name or f'{row.first_name} {row.last_name}'} ({row.number})")
        for row in rows
    ]


def _organiser_name(session: Session, supporter_id: str | None) -> str:
    if not supporter_id:
        return require_office(session).name
    row = session.execute(
        select(Supporter.legal_name, Person.first_name, Person.last_name)
        .join(Licence, Licence.id == Supporter.licence_id)
        .join(Person, Person.id == Licence.person_id)
        .where(Supporter.id == supporter_id)
    ).first()
    if row is None:
        return ""
    return str(row.legal_name or f"{row.first_name} {row.last_name}")


# -- the service -----------------------------------------------------------------------------


class EventService(ScopedService):
    """Operations on events, participants, attendance and closure days (one session)."""

    def __init__(self, session: Session, actor: str | None = None) -> None:
        self.session = session
        self.actor = current_actor() if actor is None else actor
        self.office_id = require_office(session).id

    # -- reading --------------------------------------------------------------------------

    def _load(self, event_id: str) -> Event:
        event = self.session.get(Event, event_id)
        if event is None or event.deleted:
            raise DomainError("رویداد پیدا نشد؛ شاید حذف شده باشد.")
        return event

    def _load_participant(self, participant_id: str) -> EventParticipant:
        row = self.session.get(EventParticipant, participant_id)
        if row is None or row.deleted:
            raise DomainError("شرکت‌کننده پیدا نشد؛ شاید حذف شده باشد.")
        return row

    def find_event_id(self, code: str) -> str | None:
        """The id of the event with this code, or None."""
        return self.session.scalar(
            select(Event.id).where(Event.code == normalise_code(code), Event.deleted.is_(False))
        )

    def get_by_code(self, code: str) -> EventDetail:
        """An event by its code."""
        event_id = self.find_event_id(code)
        if event_id is None:
            raise DomainError(f"رویدادی با کد {code} پیدا نشد.")
        return self.get(event_id)

    def get(self, event_id: str, warnings: tuple[str, ...] = ()) -> EventDetail:
        """An event with its figures."""
        event = self._load(event_id)
        ids = tuple(json.loads(event.field_ids or "[]"))
        names: dict[str, str] = {}
        if ids:
            names = {
                row.id: f"{row.name} ({row.code})"
                for row in self.session.execute(
                    select(BusinessField.id, BusinessField.name, BusinessField.code).where(
                        BusinessField.id.in_(ids)
                    )
                )
            }
        return EventDetail(
            id=event.id,
            rev=event.rev,
            code=event.code,
            kind=event.kind,
            title=event.title,
            field_ids=ids,
            field_names=tuple(names.get(i, i) for i in ids),
            organiser_supporter_id=event.organiser_supporter_id or "",
            organiser_name=_organiser_name(self.session, event.organiser_supporter_id),
            venue=event.venue,
            county_id=event.county_id,
            county_name=event.county.name,
            start_date=event.start_date,
            end_date=event.end_date,
            start_time=event.start_time,
            end_time=event.end_time,
            capacity=event.capacity,
            instructor=event.instructor,
            description=event.description,
            status=event.status,
            figures=self.figures(event_id),
            warnings=warnings,
        )

    def figures(self, event_id: str) -> EventFigures:
        """Participants by status, attendance, attendees and later licences."""
        event = self._load(event_id)
        counts = dict(
            self.session.execute(
                select(EventParticipant.status, func.count())
                .where(EventParticipant.event_id == event_id, EventParticipant.deleted.is_(False))
                .group_by(EventParticipant.status)
            ).all()
        )
        per_participant = dict(
            self.session.execute(
                select(EventAttendance.participant_id, func.count())
                .join(EventParticipant, EventParticipant.id == EventAttendance.participant_id)
                .where(
                    EventAttendance.event_id == event_id,
                    EventAttendance.present.is_(True),
                    EventAttendance.deleted.is_(False),
                    EventAttendance.day >= event.start_date,
                    EventAttendance.day <= event.end_date,
                    EventParticipant.status == PARTICIPANT_REGISTERED,
                    EventParticipant.deleted.is_(False),
                )
                .group_by(EventAttendance.participant_id)
            ).all()
        )
        later = self.session.scalar(
            select(func.count(func.distinct(EventParticipant.national_id)))
            .select_from(EventParticipant)
            .join(Person, Person.national_id == EventParticipant.national_id)
            .join(Licence, Licence.person_id == Person.id)
            .where(
                EventParticipant.event_id == event_id,
                EventParticipant.status == PARTICIPANT_REGISTERED,
                EventParticipant.deleted.is_(False),
                Licence.deleted.is_(False),
                Licence.issue_date >= event.start_date,
            )
        )
        return EventFigures(
            registered=int(counts.get(PARTICIPANT_REGISTERED, 0)),
            waiting=int(counts.get(PARTICIPANT_WAITING, 0)),
            cancelled=int(counts.get(PARTICIPANT_CANCELLED, 0)),
            days=(event.end_date - event.start_date).days + 1,
            present_days=int(sum(per_participant.values())),
            attendees=sum(1 for n in per_participant.values() if n >= ATTENDEE_MIN_DAYS),
            later_licensed=int(later or 0),
        )

    def list_events(
        self, flt: EventFilter | None = None, limit: int | None = None
    ) -> list[EventSummary]:
        """Events matching ``flt``, latest start first, with participant counts."""
        flt = flt or EventFilter()
        stmt = (
            select(
                Event.id,
                Event.code,
                Event.kind,
                Event.title,
                Event.start_date,
                Event.end_date,
                Event.start_time,
                Event.end_time,
                Event.status,
                County.name.label("county_name"),
                Event.venue,
                Event.instructor,
                Event.capacity,
            )
            .join(County, County.id == Event.county_id)
            .where(Event.deleted.is_(False))
        )
        key = search_key(flt.text)
        for word in key.split():
            # Words match at their start, as in the register: «12» finds «12…», not «0612».
            stmt = stmt.where((" " + Event.search_key).contains(" " + word, autoescape=True))
        if flt.kind:
            stmt = stmt.where(Event.kind == flt.kind)
        if flt.status:
            stmt = stmt.where(Event.status == flt.status)
        if flt.year is not None:
            if flt.month is not None:
                first, last = month_range(flt.year, flt.month)
            else:
                first = jalali.from_jalali(flt.year, 1, 1)
                last = jalali.from_jalali(flt.year, 12, jalali.month_length(flt.year, 12))
            stmt = stmt.where(Event.start_date <= last, Event.end_date >= first)
        stmt = stmt.order_by(Event.start_date.desc(), Event.code.desc())
        if limit is not None:
            stmt = stmt.limit(limit)
        rows = self.session.execute(stmt).all()
        ids = [row.id for row in rows]
        registered, waiting, present, licensed = self._bulk_counts(ids)
        return [
            EventSummary(
                id=row.id,
                code=row.code,
                kind=row.kind,
                title=row.title,
                start_date=row.start_date,
                end_date=row.end_date,
                start_time=row.start_time,
                end_time=row.end_time,
                status=row.status,
                county_name=row.county_name,
                venue=row.venue,
                instructor=row.instructor,
                capacity=row.capacity,
                registered=registered.get(row.id, 0),
                waiting=waiting.get(row.id, 0),
                present_days=present.get(row.id, 0),
                later_licensed=licensed.get(row.id, 0),
            )
            for row in rows
        ]

    def _bulk_counts(
        self, ids: Sequence[str]
    ) -> tuple[dict[str, int], dict[str, int], dict[str, int], dict[str, int]]:
        registered: dict[str, int] = {}
        waiting: dict[str, int] = {}
        present: dict[str, int] = {}
        licensed: dict[str, int] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            for event_id, status, count in self.session.execute(
                select(EventParticipant.event_id, EventParticipant.status, func.count())
                .where(EventParticipant.event_id.in_(chunk), EventParticipant.deleted.is_(False))
                .group_by(EventParticipant.event_id, EventParticipant.status)
            ):
                if status == PARTICIPANT_REGISTERED:
                    registered[event_id] = int(count)
                elif status == PARTICIPANT_WAITING:
                    waiting[event_id] = int(count)
            for event_id, count in self.session.execute(
                select(EventAttendance.event_id, func.count())
                .join(EventParticipant, EventParticipant.id == EventAttendance.participant_id)
                .join(Event, Event.id == EventAttendance.event_id)
                .where(
                    EventAttendance.event_id.in_(chunk),
                    EventAttendance.present.is_(True),
                    EventAttendance.deleted.is_(False),
                    EventAttendance.day >= Event.start_date,
                    EventAttendance.day <= Event.end_date,
                    EventParticipant.status == PARTICIPANT_REGISTERED,
                    EventParticipant.deleted.is_(False),
                )
                .group_by(EventAttendance.event_id)
            ):
                present[event_id] = int(count)
            for event_id, count in self.session.execute(
                select(
                    EventParticipant.event_id,
                    func.count(func.distinct(EventParticipant.national_id)),
                )
                .join(Event, Event.id == EventParticipant.event_id)
                .join(Person, Person.national_id == EventParticipant.national_id)
                .join(Licence, Licence.person_id == Person.id)
                .where(
                    EventParticipant.event_id.in_(chunk),
                    EventParticipant.status == PARTICIPANT_REGISTERED,
                    EventParticipant.deleted.is_(False),
                    Licence.deleted.is_(False),
                    Licence.issue_date >= Event.start_date,
                )
                .group_by(EventParticipant.event_id)
            ):
                licensed[event_id] = int(count)
        return registered, waiting, present, licensed

    def month(self, year: int, month: int) -> MonthCalendar:
        """A Jalali month: each day with its off-day mark and the events on it."""
        if not 1 <= month <= 12 or not jalali.MIN_YEAR <= year <= jalali.MAX_YEAR:
            raise DomainError("ماه یا سال درست نیست.")
        first, last = month_range(year, month)
        marks = day_marks(self.session, first, last)
        rows = self.session.execute(
            select(
                Event.id,
                Event.code,
                Event.title,
                Event.kind,
                Event.status,
                Event.start_time,
                Event.start_date,
                Event.end_date,
            )
            .where(Event.deleted.is_(False), Event.start_date <= last, Event.end_date >= first)
            .order_by(Event.start_date, Event.start_time, Event.code)
        ).all()
        by_day: dict[dt.date, list[CalendarEvent]] = {}
        for row in rows:
            item = CalendarEvent(row.id, row.code, row.title, row.kind, row.status, row.start_time)
            day = max(row.start_date, first)
            end = min(row.end_date, last)
            while day <= end:
                by_day.setdefault(day, []).append(item)
                day += dt.timedelta(days=1)
        days = tuple(
            CalendarDay(
                date=day,
                day=n + 1,
                weekday=jalali.jalali_weekday(day),
                mark=marks.get(day),
                events=tuple(by_day.get(day, ())),
            )
            for n, day in enumerate(event_days(first, last))
        )
        return MonthCalendar(year, month, days)

    def participants(
        self, event_id: str, *, include_cancelled: bool = True
    ) -> list[ParticipantInfo]:
        """The participants: registered first, then waiting (in order), then cancelled."""
        self._load(event_id)
        rows = list(
            self.session.scalars(
                select(EventParticipant)
                .where(EventParticipant.event_id == event_id, EventParticipant.deleted.is_(False))
                .order_by(EventParticipant.registered_at, EventParticipant.id)
            )
        )
        present: dict[str, set[dt.date]] = {}
        for participant_id, day in self.session.execute(
            select(EventAttendance.participant_id, EventAttendance.day).where(
                EventAttendance.event_id == event_id,
                EventAttendance.present.is_(True),
                EventAttendance.deleted.is_(False),
            )
        ):
            present.setdefault(participant_id, set()).add(day)
        order: dict[str, int] = {
            PARTICIPANT_REGISTERED: 0,
            PARTICIPANT_WAITING: 1,
            PARTICIPANT_CANCELLED: 2,
        }
        rows.sort(key=lambda r: order.get(r.status, 3))
        result = []
        position = 0
        for row in rows:
            if row.status == PARTICIPANT_CANCELLED and not include_cancelled:
                continue
            place = None
            if row.status == PARTICIPANT_WAITING:
                position += 1
                place = position
            result.append(self._info(row, frozenset(present.get(row.id, ())), place))
        return result

    def participant(self, participant_id: str) -> ParticipantInfo:
        """One participant (with the days present)."""
        row = self._load_participant(participant_id)
        return next(p for p in self.participants(row.event_id) if p.id == participant_id)

    def _info(
        self,
        row: EventParticipant,
        present: frozenset[dt.date] = frozenset(),
        place: int | None = None,
    ) -> ParticipantInfo:
        return ParticipantInfo(
            id=row.id,
            event_id=row.event_id,
            person_id=row.person_id,
            national_id=row.national_id,
            first_name=row.first_name,
            last_name=row.last_name,
            mobile=row.mobile,
            status=row.status,
            registered_at=row.registered_at,
            present_days=present,
            waiting_position=place,
        )

    def attendee_ids(self, event_id: str) -> list[str]:
        """The participants who get an attendance certificate (see ATTENDEE_MIN_DAYS),
        in registration order."""
        return [p.id for p in self.participants(event_id) if p.is_attendee]

    def search_holders(self, text: str, limit: int = 20) -> list[HolderMatch]:
        """Licence holders whose name, national ID or mobile matches ``text``."""
        key = search_key(text)
        if not key:
            return []
        stmt = select(
            Person.id, Person.national_id, Person.first_name, Person.last_name, Person.mobile
        ).where(Person.deleted.is_(False))
        for word in key.split():
            like = f"%{word}%"
            stmt = stmt.where(
                or_(
                    Person.national_id.like(like),
                    Person.mobile.like(like),
                    func.lower(Person.first_name).like(like),
                    func.lower(Person.last_name).like(like),
                )
            )
        rows = self.session.execute(stmt.order_by(Person.last_name, Person.first_name).limit(limit))
        return [HolderMatch(r.id, r.national_id, r.first_name, r.last_name, r.mobile) for r in rows]

    # -- validation -----------------------------------------------------------------------

    def validate_event(
        self, data: EventInput, errors: list[ValidationError], *, event: Event | None = None
    ) -> dict[str, Any]:
        """Validate an event's details (appending to ``errors``); returns the values."""
        values: dict[str, Any] = {}
        kind = normalize_text(data.kind)
        by_label = {search_key(label): code for code, label in KIND_LABELS.items()}
        kind = by_label.get(search_key(kind), kind)
        if kind not in EVENT_KINDS:
            errors.append(ValidationError("kind", "نوع رویداد را از فهرست انتخاب کنید"))
        values["kind"] = kind
        values["title"] = _collect(
            errors,
            lambda: validate_text(data.title, "title", "عنوان", required=True, max_length=200),
        )
        ids = list(dict.fromkeys(i for i in data.field_ids if i))
        if ids:
            found = set(
                self.session.scalars(
                    select(BusinessField.id).where(
                        BusinessField.id.in_(ids), BusinessField.deleted.is_(False)
                    )
                )
            )
            if len(found) != len(ids):
                errors.append(ValidationError("field_ids", "رشته‌ها را از فهرست رشته‌ها انتخاب کنید"))
        values["field_ids"] = json.dumps(ids)
        organiser = data.organiser_supporter_id or None
        if organiser is not None:
            supporter = self.session.get(Supporter, organiser)
            if supporter is None or supporter.deleted:
                errors.append(
                    ValidationError(
                        "organiser_supporter_id", "برگزارکننده را از فهرست پشتیبان‌ها انتخاب کنید"
                    )
                )
        values["organiser_supporter_id"] = organiser
        values["venue"] = (
            _collect(
                errors, lambda: validate_text(data.venue, "venue", "محل برگزاری", max_length=300)
            )
            or ""
        )
        county = self.session.get(County, data.county_id) if data.county_id else None
        if (problem := self.county_problem(county)) is not None:
            errors.append(problem)
        values["county_id"] = county.id if county is not None else None
        start = _as_date(data.start_date, "start_date", errors)
        end = _as_date(data.end_date, "end_date", errors)
        if start is not None and end is not None:
            order = event_dates_problem(start, end)
            if order is not None:
                errors.append(order)
            elif (end - start).days + 1 > MAX_DAYS:
                errors.append(
                    ValidationError("end_date", f"یک رویداد حداکثر {_fa(MAX_DAYS)} روز طول می‌کشد")
                )
        values["start_date"], values["end_date"] = start, end
        start_time = _collect(errors, lambda: parse_time(data.start_time, "start_time"))
        end_time = _collect(errors, lambda: parse_time(data.end_time, "end_time"))
        if (
            start_time
            and end_time
            and start is not None
            and start == end
            and end_time <= start_time
        ):
            errors.append(
                ValidationError(
                    "end_time", "در رویداد یک‌روزه، ساعت پایان باید بعد از ساعت شروع باشد"
                )
            )
        values["start_time"], values["end_time"] = start_time or "", end_time or ""
        capacity = self._capacity(data.capacity, errors)
        if capacity is not None and event is not None:
            registered = self._count(event.id, PARTICIPANT_REGISTERED)
            if capacity < registered:
                errors.append(
                    ValidationError(
                        "capacity",
                        f"{_fa(registered)} نفر ثبت‌نام کرده‌اند؛ ظرفیت نمی‌تواند کمتر از آن باشد "
                        "(ابتدا ثبت‌نام چند نفر را لغو کنید)",
                    )
                )
        values["capacity"] = capacity
        values["instructor"] = (
            _collect(
                errors, lambda: validate_text(data.instructor, "instructor", "مدرس", max_length=120)
            )
            or ""
        )
        description = normalize_multiline(data.description)
        if len(description) > 4000:
            errors.append(ValidationError("description", "توضیحات حداکثر ۴۰۰۰ نویسه است"))
        values["description"] = description
        if event is not None and start is not None and end is not None and not errors:
            outside = self.session.scalar(
                select(func.count())
                .select_from(EventAttendance)
                .where(
                    EventAttendance.event_id == event.id,
                    EventAttendance.present.is_(True),
                    EventAttendance.deleted.is_(False),
                    or_(EventAttendance.day < start, EventAttendance.day > end),
                )
            )
            if outside:
                errors.append(
                    ValidationError(
                        "start_date",
                        "برای روزهایی بیرون از تاریخ‌های تازه حضور ثبت شده است؛ "
                        "ابتدا حضور آن روزها را بردارید",
                    )
                )
        return values

    @staticmethod
    def _capacity(value: str | int, errors: list[ValidationError]) -> int | None:
        try:
            return validate_capacity(value)
        except ValidationError as exc:
            errors.append(exc)
            return None

    def _warnings(self, start: dt.date, end: dt.date) -> tuple[str, ...]:
        return off_day_warnings(day_marks(self.session, start, end).values())

    def warnings_for(self, start: dt.date, end: dt.date) -> tuple[str, ...]:
        """The off-day warning of an event from ``start`` to ``end`` (for a form's preview)."""
        return self._warnings(start, end)

    # -- writing events ------------------------------------------------------------------

    def create(self, data: EventInput, *, code: str = "") -> EventDetail:
        """Create an event (a new code unless ``code`` is given, e.g. by an import).

        Nothing is written unless every field is valid (ValidationErrors). The result's
        ``warnings`` name the Fridays, holidays and closure days the event falls on.
        """
        errors: list[ValidationError] = []
        values = self.validate_event(data, errors)
        code = normalise_code(code)
        if code:
            if len(code) > 40:
                errors.append(ValidationError("code", "کد رویداد حداکثر ۴۰ نویسه است"))
            elif self.find_event_id(code) is not None:
                errors.append(ValidationError("code", "رویداد دیگری با این کد ثبت شده است"))
        if errors:
            raise ValidationErrors(errors)
        code = code or allocate_event_codes(self.session, 1)[0]
        now = utcnow()
        event = Event(
            id=new_id(),
            code=code,
            status=EVENT_PLANNED,
            search_key=event_search_key(
                values["title"], code, values["venue"], values["instructor"]
            ),
            rev=1,
            updated_at=now,
            origin_office=self.office_id,
            deleted=False,
            **values,
        )
        self.session.add(event)
        self.session.flush()
        record_insert(self.session, event)
        return self.get(event.id, self._warnings(event.start_date, event.end_date))

    def update(
        self, event_id: str, data: EventInput, *, expected_rev: int | None = None
    ) -> EventDetail:
        """Edit an event; raising the capacity promotes people from the waiting list."""
        event = self._load(event_id)
        if expected_rev is not None and event.rev != expected_rev:
            raise DomainError("این رویداد در این فاصله تغییر کرده است؛ آن را دوباره باز کنید.")
        if event.status == EVENT_CANCELLED:
            raise DomainError("این رویداد لغو شده است و ویرایش نمی‌شود.")
        errors: list[ValidationError] = []
        values = self.validate_event(data, errors, event=event)
        if errors:
            raise ValidationErrors(errors)
        changes = apply_values(event, values, EVENT_FIELDS)
        if changes:
            touch(self.session, event, changes)
            event.search_key = event_search_key(
                event.title, event.code, event.venue, event.instructor
            )
            self.session.flush()
            self._promote_waiting(event)
        return self.get(event_id, self._warnings(event.start_date, event.end_date))

    def cancel(self, event_id: str) -> EventDetail:
        """Cancel an event (it stays in the register, marked cancelled)."""
        event = self._load(event_id)
        if event.status == EVENT_CANCELLED:
            raise DomainError("این رویداد پیش‌تر لغو شده است.")
        changes = apply_values(event, {"status": EVENT_CANCELLED}, ("status",))
        touch(self.session, event, changes)
        self.session.flush()
        return self.get(event_id)

    # -- registration -------------------------------------------------------------------

    def _count(self, event_id: str, status: str) -> int:
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(EventParticipant)
                .where(
                    EventParticipant.event_id == event_id,
                    EventParticipant.status == status,
                    EventParticipant.deleted.is_(False),
                )
            )
            or 0
        )

    def _open_for_registration(self, event_id: str) -> Event:
        event = self._load(event_id)
        if event.status == EVENT_CANCELLED:
            raise DomainError("این رویداد لغو شده است و ثبت‌نام نمی‌پذیرد.")
        return event

    def register_holder(self, event_id: str, national_id: str) -> ParticipantInfo:
        """Register a licence holder found by national ID (name and mobile from the
        register)."""
        errors: list[ValidationError] = []
        nid = _collect(errors, lambda: validate_national_id(national_id))
        if errors:
            raise ValidationErrors(errors)
        person = self.session.scalar(
            select(Person).where(Person.national_id == nid, Person.deleted.is_(False))
        )
        if person is None:
            raise ValidationErrors(
                [
                    ValidationError(
                        "national_id",
                        "دارنده مجوزی با این کد ملی در دفتر نیست؛ "
                        "او را به‌عنوان «فرد بدون مجوز» ثبت‌نام کنید",
                    )
                ]
            )
        return self.register(
            event_id,
            ParticipantInput(nid, person.first_name, person.last_name, person.mobile),
        )

    def validate_participant(
        self, data: ParticipantInput, errors: list[ValidationError]
    ) -> tuple[dict[str, Any], Person | None]:
        """Validate a registration (appending to ``errors``); values and the holder with
        that national ID if the register has one (whose name fills in empty fields)."""
        values: dict[str, Any] = {}
        values["national_id"] = _collect(errors, lambda: validate_national_id(data.national_id))
        person = None
        if values["national_id"]:
            person = self.session.scalar(
                select(Person).where(
                    Person.national_id == values["national_id"], Person.deleted.is_(False)
                )
            )
        first = data.first_name or (person.first_name if person is not None else "")
        last = data.last_name or (person.last_name if person is not None else "")
        mobile = data.mobile or (person.mobile if person is not None else "")
        values["first_name"] = _collect(errors, lambda: validate_name(first, "first_name", "نام"))
        values["last_name"] = _collect(
            errors, lambda: validate_name(last, "last_name", "نام خانوادگی")
        )
        values["mobile"] = _collect(errors, lambda: validate_mobile(mobile)) or ""
        return values, person

    def register(
        self,
        event_id: str,
        data: ParticipantInput,
        *,
        status: str | None = None,
        registered_at: dt.datetime | None = None,
    ) -> ParticipantInfo:
        """Register a person (a licence holder is linked by national ID): registered
        while there are places, else on the waiting list.

        ``status`` and ``registered_at`` are for imports that carry them; a registered
        status beyond the capacity still goes to the waiting list.
        """
        event = self._open_for_registration(event_id)
        errors: list[ValidationError] = []
        values, person = self.validate_participant(data, errors)
        existing = None
        if values["national_id"]:
            existing = self.session.scalar(
                select(EventParticipant).where(
                    EventParticipant.event_id == event_id,
                    EventParticipant.national_id == values["national_id"],
                    EventParticipant.deleted.is_(False),
                )
            )
            if existing is not None and existing.status != PARTICIPANT_CANCELLED:
                errors.append(
                    ValidationError("national_id", "این شخص پیش‌تر در این رویداد ثبت‌نام کرده است")
                )
        if errors:
            raise ValidationErrors(errors)
        if status == PARTICIPANT_CANCELLED:
            wanted = PARTICIPANT_CANCELLED
        elif status == PARTICIPANT_WAITING:
            wanted = PARTICIPANT_WAITING
        else:
            full = self._count(event_id, PARTICIPANT_REGISTERED) >= event.capacity
            wanted = PARTICIPANT_WAITING if full else PARTICIPANT_REGISTERED
        now = utcnow()
        row_values = {
            "person_id": person.id if person is not None else None,
            "national_id": values["national_id"],
            "first_name": values["first_name"],
            "last_name": values["last_name"],
            "mobile": values["mobile"],
            "status": wanted,
            "registered_at": registered_at or now,
        }
        if existing is not None:  # a cancelled registration, renewed
            changes = apply_values(existing, row_values, row_values.keys())
            touch(self.session, existing, changes)
            row = existing
        else:
            row = EventParticipant(
                id=new_id(),
                event_id=event_id,
                rev=1,
                updated_at=now,
                origin_office=self.office_id,
                deleted=False,
                **row_values,
            )
            self.session.add(row)
            self.session.flush()
            record_insert(self.session, row)
        self.session.flush()
        return self.participant(row.id)

    def cancel_participant(self, participant_id: str) -> ParticipantInfo | None:
        """Cancel a registration; a registered place goes to the first one waiting
        (returned, or None)."""
        row = self._load_participant(participant_id)
        if row.status == PARTICIPANT_CANCELLED:
            raise DomainError("ثبت‌نام این شخص پیش‌تر لغو شده است.")
        event = self._load(row.event_id)
        was_registered = row.status == PARTICIPANT_REGISTERED
        touch(self.session, row, apply_values(row, {"status": PARTICIPANT_CANCELLED}, ("status",)))
        self.session.flush()
        if not was_registered:
            return None
        promoted = self._promote_waiting(event)
        return self.participant(promoted[0]) if promoted else None

    def _promote_waiting(self, event: Event) -> list[str]:
        """Move people from the waiting list while there are places; their ids."""
        if event.status == EVENT_CANCELLED:
            return []
        free = event.capacity - self._count(event.id, PARTICIPANT_REGISTERED)
        if free <= 0:
            return []
        waiting = self.session.scalars(
            select(EventParticipant)
            .where(
                EventParticipant.event_id == event.id,
                EventParticipant.status == PARTICIPANT_WAITING,
                EventParticipant.deleted.is_(False),
            )
            .order_by(EventParticipant.registered_at, EventParticipant.id)
            .limit(free)
        ).all()
        for row in waiting:
            touch(
                self.session,
                row,
                apply_values(row, {"status": PARTICIPANT_REGISTERED}, ("status",)),
            )
        self.session.flush()
        return [row.id for row in waiting]

    def update_participant(self, participant_id: str, data: ParticipantInput) -> ParticipantInfo:
        """Correct a participant's name or mobile (the national ID is fixed)."""
        row = self._load_participant(participant_id)
        errors: list[ValidationError] = []
        values, _person = self.validate_participant(data, errors)
        if values.get("national_id") and values["national_id"] != row.national_id:
            errors.append(ValidationError("national_id", "کد ملی شرکت‌کننده را نمی‌توان تغییر داد"))
        if errors:
            raise ValidationErrors(errors)
        changes = apply_values(row, values, ("first_name", "last_name", "mobile"))
        if changes:
            touch(self.session, row, changes)
            self.session.flush()
        return self.participant(participant_id)

    # -- attendance -----------------------------------------------------------------------

    def set_attendance(
        self, participant_id: str, day: str | dt.date, present: bool = True
    ) -> ParticipantInfo:
        """Mark (or with ``present`` false, unmark) a participant present on one day."""
        row = self._load_participant(participant_id)
        event = self._load(row.event_id)
        errors: list[ValidationError] = []
        date = _as_date(day, "day", errors)
        if date is not None and not event.start_date <= date <= event.end_date:
            errors.append(
                ValidationError(
                    "day",
                    f"روز {jalali.format_jalali(date)} از روزهای این رویداد نیست "
                    f"({jalali.format_jalali(event.start_date)} تا "
                    f"{jalali.format_jalali(event.end_date)})",
                )
            )
        if errors:
            raise ValidationErrors(errors)
        assert date is not None
        if present and row.status != PARTICIPANT_REGISTERED:
            raise DomainError(
                f"{row.first_name} {row.last_name} ثبت‌نام قطعی ندارد "
                f"({PARTICIPANT_STATUS_LABELS.get(row.status, row.status)})؛ حضور ثبت نمی‌شود."
            )
        if present and event.status == EVENT_CANCELLED:
            raise DomainError("این رویداد لغو شده است؛ حضور ثبت نمی‌شود.")
        record = self.session.scalar(
            select(EventAttendance).where(
                EventAttendance.participant_id == participant_id,
                EventAttendance.day == date,
                EventAttendance.deleted.is_(False),
            )
        )
        if record is None:
            if present:
                now = utcnow()
                record = EventAttendance(
                    id=new_id(),
                    event_id=event.id,
                    participant_id=participant_id,
                    day=date,
                    present=True,
                    rev=1,
                    updated_at=now,
                    origin_office=self.office_id,
                    deleted=False,
                )
                self.session.add(record)
                self.session.flush()
                record_insert(self.session, record)
        else:
            changes = apply_values(record, {"present": present}, ("present",))
            if changes:
                touch(self.session, record, changes)
        self.session.flush()
        return self.participant(participant_id)

    def set_attendance_many(self, marks: Iterable[tuple[str, dt.date, bool]]) -> int:
        """Several attendance marks in one unit of work; how many were applied."""
        count = 0
        for participant_id, day, present in marks:
            self.set_attendance(participant_id, day, present)
            count += 1
        return count

    # -- closure days ----------------------------------------------------------------------

    def add_closure_day(self, day: str | dt.date, reason: str = "") -> ClosureInfo:
        """Close the office on ``day`` (its county's closure days)."""
        errors: list[ValidationError] = []
        date = _as_date(day, "day", errors)
        text = (
            _collect(errors, lambda: validate_text(reason, "reason", "دلیل", max_length=200)) or ""
        )
        county = office_county_id(self.session)
        require_county_in_scope(self.session, county, "day", self.scope)
        if date is not None and closure_days(self.session, date, date, county):
            errors.append(ValidationError("day", "این روز پیش‌تر تعطیل اعلام شده است"))
        if errors:
            raise ValidationErrors(errors)
        assert date is not None
        now = utcnow()
        row = ClosureDay(
            id=new_id(),
            county_id=county,
            day=date,
            reason=text,
            rev=1,
            updated_at=now,
            origin_office=self.office_id,
            deleted=False,
        )
        self.session.add(row)
        self.session.flush()
        record_insert(self.session, row)
        return ClosureInfo(row.id, row.day, row.reason)

    def remove_closure_day(self, closure_id: str) -> None:
        """Open the office again on a closure day (a tombstone, synced)."""
        row = self.session.get(ClosureDay, closure_id)
        if row is None or row.deleted:
            raise DomainError("این روز تعطیل پیدا نشد.")
        require_county_in_scope(self.session, row.county_id, "day", self.scope)
        touch(self.session, row, apply_values(row, {"deleted": True}, ("deleted",)))
        self.session.flush()

    def closure_days(self, start: dt.date, end: dt.date) -> list[ClosureInfo]:
        """The office's closure days from ``start`` to ``end``."""
        return closure_days(self.session, start, end)


def later_licensed_ids(session: Session, event_id: str) -> list[str]:
    """Ids of the registered participants of an event who got a licence on or after its
    start date (for reports)."""
    event = session.get(Event, event_id)
    if event is None:
        return []
    return list(
        session.scalars(
            select(EventParticipant.id)
            .join(Person, Person.national_id == EventParticipant.national_id)
            .join(Licence, and_(Licence.person_id == Person.id, Licence.deleted.is_(False)))
            .where(
                EventParticipant.event_id == event_id,
                EventParticipant.status == PARTICIPANT_REGISTERED,
                EventParticipant.deleted.is_(False),
                Licence.issue_date >= event.start_date,
            )
            .distinct()
        )
    )
