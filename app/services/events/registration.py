"""Registration and attendance: participants, the waiting list, attendance marks.

Rules (see docs/events.md):

- Registration beyond the capacity puts a person on the waiting list (ordered by
  ``registered_at``); cancelling a registered participant, or raising the capacity,
  promotes the first ones waiting. A person (national ID) is registered at most once
  per event (a cancelled registration may be renewed).
- Attendance is one row per participant and day, only for registered participants and
  days of the event; unmarking sets ``present`` false.

:class:`EventRegistration` is the registration half of
:class:`app.services.events.service.EventService` (which callers use).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from app.models import Event, EventAttendance, EventParticipant, Person, new_id, utcnow
from app.models.event import (
    EVENT_CANCELLED,
    PARTICIPANT_CANCELLED,
    PARTICIPANT_REGISTERED,
    PARTICIPANT_WAITING,
)
from app.services.core.access import requires
from app.services.core.outbox import apply_values, insert_record, touch
from app.services.events.fields import as_date
from app.services.events.queries import EventQueries
from app.services.events.records import PARTICIPANT_STATUS_LABELS, ParticipantInfo, ParticipantInput
from common import jalali
from common.errors import DomainError, ValidationError, ValidationErrors, collect
from common.validators import validate_mobile, validate_name, validate_national_id
from common.vocabulary import Permission


class EventRegistration(EventQueries):
    """Registering people for events, the waiting list and attendance (one session)."""

    # -- registration -------------------------------------------------------------------

    def _open_for_registration(self, event_id: str) -> Event:
        event = self._load(event_id)
        if event.status == EVENT_CANCELLED:
            raise DomainError("این رویداد لغو شده است و ثبت‌نام نمی‌پذیرد.")
        return event

    @requires(Permission.EVENTS)
    def register_holder(self, event_id: str, national_id: str) -> ParticipantInfo:
        """Register a licence holder found by national ID (name and mobile from the
        register)."""
        try:
            nid = validate_national_id(national_id)
        except ValidationError as exc:
            raise ValidationErrors([exc]) from exc
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
        values["national_id"] = collect(errors, lambda: validate_national_id(data.national_id))
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
        values["first_name"] = collect(errors, lambda: validate_name(first, "first_name", "نام"))
        values["last_name"] = collect(
            errors, lambda: validate_name(last, "last_name", "نام خانوادگی")
        )
        values["mobile"] = collect(errors, lambda: validate_mobile(mobile)) or ""
        return values, person

    @requires(Permission.EVENTS)
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
            insert_record(self.session, row)
        self.session.flush()
        return self.participant(row.id)

    @requires(Permission.EVENTS)
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

    @requires(Permission.EVENTS)
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

    @requires(Permission.EVENTS)
    def set_attendance(
        self, participant_id: str, day: str | dt.date, present: bool = True
    ) -> ParticipantInfo:
        """Mark (or with ``present`` false, unmark) a participant present on one day."""
        row = self._load_participant(participant_id)
        event = self._load(row.event_id)
        errors: list[ValidationError] = []
        date = as_date(day, "day", errors)
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
                insert_record(self.session, record)
        else:
            changes = apply_values(record, {"present": present}, ("present",))
            if changes:
                touch(self.session, record, changes)
        self.session.flush()
        return self.participant(participant_id)

    @requires(Permission.EVENTS)
    def set_attendance_many(self, marks: Iterable[tuple[str, dt.date, bool]]) -> int:
        """Several attendance marks in one unit of work; how many were applied."""
        count = 0
        for participant_id, day, present in marks:
            self.set_attendance(participant_id, day, present)
            count += 1
        return count
