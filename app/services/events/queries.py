"""Reading events: one event with its figures, the list (search and filters, with
participant counts), the month calendar, the participants (waiting list in order),
licence holders to register, organisers to choose from.

:class:`EventQueries` is the reading half of :class:`app.services.events.service.EventService`
(which callers use); it holds the session, the actor and the office.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import Session

from app.models import (
    BusinessField,
    County,
    Event,
    EventAttendance,
    EventParticipant,
    Licence,
    Person,
    Supporter,
)
from app.models.event import PARTICIPANT_CANCELLED, PARTICIPANT_REGISTERED, PARTICIPANT_WAITING
from app.services.core.actor import current_actor
from app.services.core.office import require_office
from app.services.core.scope import ScopedService
from app.services.events.calendar import (
    CalendarDay,
    CalendarEvent,
    MonthCalendar,
    day_marks,
    event_days,
    month_range,
)
from app.services.events.codes import normalise_code
from app.services.events.records import (
    ATTENDEE_MIN_DAYS,
    Choice,
    EventDetail,
    EventFigures,
    EventFilter,
    EventSummary,
    HolderMatch,
    ParticipantInfo,
    ParticipationRow,
)
from common import jalali
from common.errors import DomainError
from common.text import search_key

_CHUNK = 500


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


class EventQueries(ScopedService):
    """Reading events, participants and the calendar (one session)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.actor = current_actor(session)
        self.office_id = require_office(session).id

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

    def _count(self, event_id: str, status: str) -> int:
        """How many live participants of the event have ``status``."""
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


def participations_of(session: Session, person_id: str, national_id: str) -> list[ParticipationRow]:
    """The events a person registered for (as a holder, or by national ID before they had
    a record), newest first, with the days they were present."""
    rows = session.execute(
        text(
            "SELECT pt.id, e.id, e.code, e.title, e.kind, e.start_date, e.end_date, pt.status, "
            "(SELECT count(*) FROM event_attendance a WHERE a.participant_id = pt.id "
            "AND a.present = 1 AND a.deleted = 0) "
            "FROM event_participant pt JOIN event e ON e.id = pt.event_id "
            "WHERE (pt.person_id = :person OR pt.national_id = :nid) "
            "AND pt.deleted = 0 AND e.deleted = 0 ORDER BY e.start_date DESC, e.code"
        ),
        {"person": person_id, "nid": national_id},
    )
    return [
        ParticipationRow(
            participant_id=r[0],
            event_id=r[1],
            code=r[2],
            title=r[3],
            kind=r[4],
            start_date=dt.date.fromisoformat(r[5]),
            end_date=dt.date.fromisoformat(r[6]),
            status=r[7],
            days_present=int(r[8]),
        )
        for r in rows
    ]
