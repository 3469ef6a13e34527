"""Workshop events: :class:`EventService`, the one service callers use for events,
registration, attendance, the calendar and closure days. This module holds its commands
on events (create, edit, cancel, with their validation) and on closure days; the reading
half is in :mod:`app.services.events.queries`, registration and attendance in
:mod:`app.services.events.registration`.

Every change runs inside the caller's session (one unit of work), bumps the row's
``rev`` and ``updated_at``, stamps ``origin_office`` on new rows and writes an outbox
operation (app.services.core.outbox) in the same transaction. Input arrives raw (as typed or
as read from a spreadsheet) and is validated here; all errors of a form are reported
together (ValidationErrors, Persian messages, by field code name; see docs/events.md).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select

from app.models import (
    BusinessField,
    ClosureDay,
    County,
    Event,
    EventAttendance,
    Supporter,
    new_id,
    utcnow,
)
from app.models.event import EVENT_CANCELLED, EVENT_KINDS, EVENT_PLANNED, PARTICIPANT_REGISTERED
from app.services.core.access import requires
from app.services.core.outbox import apply_values, insert_record, touch
from app.services.core.scope import require_county_in_scope
from app.services.core.search_keys import event_search_key
from app.services.events.calendar import (
    ClosureInfo,
    closure_days,
    day_marks,
    off_day_warnings,
    office_county_id,
)
from app.services.events.codes import allocate_event_codes, normalise_code
from app.services.events.fields import as_date, fa_number, parse_time
from app.services.events.records import KIND_LABELS, EventDetail, EventInput
from app.services.events.registration import EventRegistration
from common.errors import DomainError, ValidationError, ValidationErrors, collect
from common.rules import event_dates_problem
from common.text import normalize_multiline, normalize_text, search_key
from common.validators import validate_capacity, validate_text
from common.vocabulary import Permission

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
#: An event may last at most this many days (a year: the longest exhibition).
MAX_DAYS = 366


class EventService(EventRegistration):
    """Operations on events, participants, attendance and closure days (one session)."""

    # -- validation -----------------------------------------------------------------------

    def _field_ids(self, field_ids: Sequence[str], errors: list[ValidationError]) -> list[str]:
        """The event's business fields, each once; an unknown or deleted one is an error."""
        ids = list(dict.fromkeys(i for i in field_ids if i))
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
        return ids

    def _organiser(self, organiser: str | None, errors: list[ValidationError]) -> str | None:
        """The organising supporter's id (None for none); an unknown one is an error."""
        if not organiser:
            return None
        supporter = self.session.get(Supporter, organiser)
        if supporter is None or supporter.deleted:
            errors.append(
                ValidationError(
                    "organiser_supporter_id", "برگزارکننده را از فهرست پشتیبان‌ها انتخاب کنید"
                )
            )
        return organiser

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
        values["title"] = collect(
            errors,
            lambda: validate_text(data.title, "title", "عنوان", required=True, max_length=200),
        )
        values["field_ids"] = json.dumps(self._field_ids(data.field_ids, errors))
        values["organiser_supporter_id"] = self._organiser(data.organiser_supporter_id, errors)
        values["venue"] = (
            collect(
                errors, lambda: validate_text(data.venue, "venue", "محل برگزاری", max_length=300)
            )
            or ""
        )
        county = self.session.get(County, data.county_id) if data.county_id else None
        if (problem := self.county_problem(county)) is not None:
            errors.append(problem)
        values["county_id"] = county.id if county is not None else None
        start = as_date(data.start_date, "start_date", errors)
        end = as_date(data.end_date, "end_date", errors)
        if start is not None and end is not None:
            order = event_dates_problem(start, end)
            if order is not None:
                errors.append(order)
            elif (end - start).days + 1 > MAX_DAYS:
                errors.append(
                    ValidationError(
                        "end_date", f"یک رویداد حداکثر {fa_number(MAX_DAYS)} روز طول می‌کشد"
                    )
                )
        values["start_date"], values["end_date"] = start, end
        start_time = collect(errors, lambda: parse_time(data.start_time, "start_time"))
        end_time = collect(errors, lambda: parse_time(data.end_time, "end_time"))
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
                        f"{fa_number(registered)} نفر ثبت‌نام کرده‌اند؛ "
                        "ظرفیت نمی‌تواند کمتر از آن باشد (ابتدا ثبت‌نام چند نفر را لغو کنید)",
                    )
                )
        values["capacity"] = capacity
        values["instructor"] = (
            collect(
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

    @requires(Permission.EVENTS)
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
        insert_record(self.session, event)
        return self.get(event.id, self._warnings(event.start_date, event.end_date))

    @requires(Permission.EVENTS)
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

    @requires(Permission.EVENTS)
    def cancel(self, event_id: str) -> EventDetail:
        """Cancel an event (it stays in the register, marked cancelled)."""
        event = self._load(event_id)
        if event.status == EVENT_CANCELLED:
            raise DomainError("این رویداد پیش‌تر لغو شده است.")
        changes = apply_values(event, {"status": EVENT_CANCELLED}, ("status",))
        touch(self.session, event, changes)
        self.session.flush()
        return self.get(event_id)

    # -- closure days ----------------------------------------------------------------------

    @requires(Permission.EVENTS)
    def add_closure_day(self, day: str | dt.date, reason: str = "") -> ClosureInfo:
        """Close the office on ``day`` (its county's closure days)."""
        errors: list[ValidationError] = []
        date = as_date(day, "day", errors)
        text = (
            collect(errors, lambda: validate_text(reason, "reason", "دلیل", max_length=200)) or ""
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
        insert_record(self.session, row)
        return ClosureInfo(row.id, row.day, row.reason)

    @requires(Permission.EVENTS)
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
