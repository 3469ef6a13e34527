"""A report's counts from the office database, all in SQL: a few GROUP BY queries with
conditional sums over the three periods compared (the period, the one before and the
same period a year earlier) make a :class:`common.reports.Cube` — licences by (county,
field, gender), networks by county, events by (county, kind) — which common.reports rolls
up into the office's tables and each county's. No record is loaded into Python.

What is counted (docs/reports.md):
- issued: licences whose issue date lies in the period;
- active: licences issued by the period's end, valid on its last day, and neither
  revoked nor suspended (their status now: a licence's past statuses are not kept apart);
- expiring: licences (not revoked) whose expiry date lies in the period;
- women: licences issued in the period to holders recorded as women;
- networks: supporters active now whose licence was issued by the period's end, their
  capacity, and members who had joined by the end and not left;
- events: events (not cancelled) starting in the period, places registered (not waiting
  or cancelled), and participants present at least one day.
Only the office's counties are counted (a county office's database may hold another
county's records synced in). server.report counts the server's records the same way.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, and_, case, distinct, func, select
from sqlalchemy.orm import Session

from app.models import (
    BusinessField,
    County,
    Event,
    EventAttendance,
    EventParticipant,
    FieldGroup,
    Licence,
    NetworkMember,
    Person,
    Supporter,
)
from common.periods import Period
from common.reports import (
    GENDERS,
    KINDS,
    LICENCE_MEASURES,
    Counts,
    Cube,
    EventCounts,
    NetworkCounts,
    counts_of,
    network_values,
)
from common.vocabulary import (
    EventStatus,
    Gender,
    LicenceStatus,
    ParticipantStatus,
    SupporterStatus,
)


def _periods(period: Period) -> tuple[Period, Period, Period]:
    return period, period.previous(), period.year_before()


def _sum(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _licence_sums(period: Period) -> list[Any]:
    """Twelve conditional sums: issued, active, expiring, women, for the three periods."""
    sums: list[Any] = []
    for measure in LICENCE_MEASURES:
        for p in _periods(period):
            issued: ColumnElement[bool] = Licence.issue_date.between(p.start, p.end)
            condition: ColumnElement[bool]
            if measure == "issued":
                condition = issued
            elif measure == "active":
                condition = and_(
                    Licence.issue_date <= p.end,
                    Licence.expiry_date >= p.end,
                    Licence.status == LicenceStatus.ACTIVE,
                )
            elif measure == "expiring":
                condition = and_(
                    Licence.expiry_date.between(p.start, p.end),
                    Licence.status != LicenceStatus.REVOKED,
                )
            else:
                condition = and_(issued, Person.gender == Gender.FEMALE)
            sums.append(_sum(condition))
    return sums


def licence_cube(
    session: Session, period: Period, counties: Collection[str]
) -> dict[tuple[str, str, str], Counts]:
    """Licences of ``counties`` by (county, field, holder's gender): one scan."""
    rows = session.execute(
        select(Licence.county_id, Licence.field_id, Person.gender, *_licence_sums(period))
        .join(Person, Person.id == Licence.person_id)
        .where(Licence.deleted.is_(False), Licence.county_id.in_(list(counties)))
        .group_by(Licence.county_id, Licence.field_id, Person.gender)
    )
    return {
        (str(county), str(field_id), str(gender or "")): counts_of(values)
        for county, field_id, gender, *values in rows
    }


def network_counts(
    session: Session, period: Period, counties: Collection[str]
) -> dict[str, NetworkCounts]:
    """Networks by county id (supporters by their county, members by theirs)."""
    periods = _periods(period)
    issued = Licence.issue_date
    supporters = {
        county_id: values
        for county_id, *values in session.execute(
            select(
                Supporter.county_id,
                *(_sum(issued <= p.end) for p in periods),
                *(
                    func.coalesce(func.sum(case((issued <= p.end, Supporter.capacity), else_=0)), 0)
                    for p in periods
                ),
            )
            .join(Licence, Licence.id == Supporter.licence_id)
            .where(
                Supporter.deleted.is_(False),
                Supporter.status == SupporterStatus.ACTIVE,
                Supporter.county_id.in_(list(counties)),
            )
            .group_by(Supporter.county_id)
        )
    }
    joined, left = NetworkMember.joined_on, NetworkMember.left_on
    members = {
        county_id: values
        for county_id, *values in session.execute(
            select(
                NetworkMember.county_id,
                *(_sum(and_(joined <= p.end, left.is_(None) | (left > p.end))) for p in periods),
                *(_sum(joined.between(p.start, p.end)) for p in periods),
                *(_sum(left.between(p.start, p.end)) for p in periods),
            )
            .join(Supporter, Supporter.id == NetworkMember.supporter_id)
            .where(
                NetworkMember.deleted.is_(False),
                Supporter.deleted.is_(False),
                NetworkMember.county_id.in_(list(counties)),
            )
            .group_by(NetworkMember.county_id)
        )
    }
    return {
        county_id: network_values(
            [*supporters.get(county_id, [0] * 6), *members.get(county_id, [0] * 9)]
        )
        for county_id in counties
    }


def event_counts(
    session: Session, period: Period, counties: Collection[str]
) -> dict[tuple[str, str], EventCounts]:
    """Events by (county id, kind): held in each period, and for the period itself the
    places registered and the participants present at least one day."""
    live = and_(
        Event.deleted.is_(False),
        Event.status != EventStatus.CANCELLED,
        Event.county_id.in_(list(counties)),
    )
    key = (Event.county_id, Event.kind)
    held = {
        (str(county), str(kind)): (int(a), int(b), int(c))
        for county, kind, a, b, c in session.execute(
            select(
                *key, *(_sum(Event.start_date.between(p.start, p.end)) for p in _periods(period))
            )
            .where(live)
            .group_by(*key)
        )
    }
    in_period = and_(live, Event.start_date.between(period.start, period.end))
    registered = {
        (str(county), str(kind)): int(n)
        for county, kind, n in session.execute(
            select(*key, func.count(EventParticipant.id))
            .join(EventParticipant, EventParticipant.event_id == Event.id)
            .where(
                in_period,
                EventParticipant.deleted.is_(False),
                EventParticipant.status == ParticipantStatus.REGISTERED,
            )
            .group_by(*key)
        )
    }
    attended = {
        (str(county), str(kind)): int(n)
        for county, kind, n in session.execute(
            select(*key, func.count(distinct(EventAttendance.participant_id)))
            .join(EventAttendance, EventAttendance.event_id == Event.id)
            .join(EventParticipant, EventParticipant.id == EventAttendance.participant_id)
            .where(
                in_period,
                EventAttendance.deleted.is_(False),
                EventAttendance.present.is_(True),
                EventParticipant.deleted.is_(False),
            )
            .group_by(*key)
        )
    }
    return {
        k: EventCounts(held.get(k, (0, 0, 0)), registered.get(k, 0), attended.get(k, 0))
        for k in {*held, *registered, *attended}
    }


def cube(session: Session, period: Period, counties: Collection[str]) -> Cube:
    """Every count of a report for ``counties`` (ids), ready to roll up."""
    fields = {
        str(field_id): (str(code), str(name), str(group))
        for field_id, code, name, group in session.execute(
            select(BusinessField.id, BusinessField.code, BusinessField.name, FieldGroup.name).join(
                FieldGroup, FieldGroup.id == BusinessField.group_id
            )
        )
    }
    groups = list(session.scalars(select(FieldGroup.name).order_by(FieldGroup.code)))
    names = {
        str(county_id): str(name)
        for county_id, name in session.execute(
            select(County.id, County.name).where(County.id.in_(list(counties)))
        )
    }
    return Cube(
        licences=licence_cube(session, period, counties),
        networks=network_counts(session, period, counties),
        events=event_counts(session, period, counties),
        fields=fields,
        groups=[str(g) for g in groups],
        counties=names,
        genders=GENDERS,
        kinds=KINDS,
    )
