"""What the events service takes and gives: the inputs of a form or spreadsheet row, and
the frozen records the views receive (never live ORM objects), with the Persian labels of
kinds and statuses.

The figures (see docs/events.md):

- An **attendee** (who gets an attendance certificate) is a registered participant
  present on at least :data:`ATTENDEE_MIN_DAYS` day(s) of the event.
- Attendance rate = present participant-days / (registered participants × event days).
- "Later licensed" = registered participants whose national ID holds a licence issued on
  or after the event's start date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.models.event import EVENT_CANCELLED, EVENT_WORKSHOP, PARTICIPANT_REGISTERED
from app.services.events.calendar import event_days
from common.vocabulary import EventKind, EventStatus, ParticipantStatus

KIND_LABELS = EventKind.labels()
STATUS_LABELS = EventStatus.labels()
PARTICIPANT_STATUS_LABELS = ParticipantStatus.labels()
#: A registered participant present on at least this many days is an attendee.
ATTENDEE_MIN_DAYS = 1


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


@dataclass(frozen=True)
class ParticipationRow:
    """An event a person registered for, as the person page lists it."""

    participant_id: str
    event_id: str
    code: str
    title: str
    kind: str
    start_date: dt.date
    end_date: dt.date
    status: str
    days_present: int

    @property
    def kind_label(self) -> str:
        return EventKind.label_of(self.kind)

    @property
    def status_label(self) -> str:
        return ParticipantStatus.label_of(self.status)
