"""Workshop events (کارگاه، نمایشگاه، بازارچه), their participants and attendance, and
the office's own closure days."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, SyncMixin, utcnow
from app.models.reference import County
from common.vocabulary import EventKind, EventStatus, ParticipantStatus

# The stored values (common.vocabulary), by the names the models' users know.
EVENT_WORKSHOP = EventKind.WORKSHOP
EVENT_EXHIBITION = EventKind.EXHIBITION
EVENT_BAZAAR = EventKind.BAZAAR
EVENT_PLATFORM = EventKind.PLATFORM
EVENT_OTHER = EventKind.OTHER
EVENT_KINDS = tuple(EventKind)

EVENT_PLANNED = EventStatus.PLANNED
EVENT_CANCELLED = EventStatus.CANCELLED
EVENT_STATUSES = tuple(EventStatus)

PARTICIPANT_REGISTERED = ParticipantStatus.REGISTERED
PARTICIPANT_WAITING = ParticipantStatus.WAITING
PARTICIPANT_CANCELLED = ParticipantStatus.CANCELLED
PARTICIPANT_STATUSES = tuple(ParticipantStatus)


class Event(SyncMixin, Base):
    """An event. ``code`` is its human-facing code (``PREFIX-E-0001``, unique).

    ``field_ids`` is a JSON list of business-field ids; ``organiser_supporter_id`` empty
    means the office organises it. Times are ``HH:MM`` local time (Iran), dates are
    stored Gregorian and shown Jalali.
    """

    __tablename__ = "event"

    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    field_ids: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    organiser_supporter_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("supporter.id"), nullable=True, index=True
    )
    venue: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    county_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("county.id"), nullable=False, index=True
    )
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    start_time: Mapped[str] = mapped_column(String(5), nullable=False, default="")
    end_time: Mapped[str] = mapped_column(String(5), nullable=False, default="")
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    instructor: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=EVENT_PLANNED)
    search_key: Mapped[str] = mapped_column(Text, nullable=False, default="")

    county: Mapped[County] = relationship()

    __table_args__ = (
        # The calendar reads a month of events by date range.
        Index("ix_event_dates", "start_date", "end_date"),
    )


class EventParticipant(SyncMixin, Base):
    """A person registered for an event: a licence holder (``person_id``) or someone not
    yet licensed (``person_id`` empty). The national ID, name and mobile are kept on the
    row either way, so the list and the certificates never need the register.

    ``status``: registered, waiting (beyond capacity; ``registered_at`` orders the
    waiting list) or cancelled.

    At a seasonal bazaar (بازارچه) the participant is a seller: ``booth`` is their stall
    and ``sales`` what they reported selling, in rials (None until reported); the days
    they attended are their attendance marks (app.services.markets.bazaar).
    """

    __tablename__ = "event_participant"

    event_id: Mapped[str] = mapped_column(String(36), ForeignKey("event.id"), nullable=False)
    person_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("person.id"), nullable=True, index=True
    )
    national_id: Mapped[str] = mapped_column(String(10), nullable=False, index=True)
    first_name: Mapped[str] = mapped_column(String(60), nullable=False)
    last_name: Mapped[str] = mapped_column(String(60), nullable=False)
    mobile: Mapped[str] = mapped_column(String(11), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=PARTICIPANT_REGISTERED)
    registered_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    booth: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    sales: Mapped[int | None] = mapped_column(Integer, nullable=True, default=None)

    __table_args__ = (Index("ix_event_participant_event_status", "event_id", "status"),)


class EventAttendance(SyncMixin, Base):
    """Whether a participant attended one day of an event (one row per participant and
    day; unmarking sets ``present`` false)."""

    __tablename__ = "event_attendance"

    event_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("event.id"), nullable=False, index=True
    )
    participant_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("event_participant.id"), nullable=False, index=True
    )
    day: Mapped[dt.date] = mapped_column(Date, nullable=False)
    present: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class ClosureDay(SyncMixin, Base):
    """A day the office (of ``county_id``) is closed, besides Fridays and official
    holidays; events on it are warned about."""

    __tablename__ = "closure_day"

    county_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("county.id"), nullable=False, index=True
    )
    day: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    reason: Mapped[str] = mapped_column(String(200), nullable=False, default="")
