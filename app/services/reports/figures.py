"""A report's figures from the office database, all in SQL: each table is one GROUP BY
with conditional sums over the three periods compared (the period, the one before and
the same period a year earlier), so nothing is loaded row by row.

What is counted (docs/reports.md):
- issued: licences whose issue date lies in the period;
- active: licences issued by the period's end, valid on its last day, and neither revoked nor
  suspended (their status now: a licence's past statuses are not kept apart);
- expiring: licences (not revoked) whose expiry date lies in the period;
- women: licences issued in the period to holders recorded as women;
- networks: supporters active now whose licence was issued by the period's end, their
  capacity, and members who had joined by the end and not left;
- events: events (not cancelled) starting in the period, places registered (not waiting
  or cancelled), and participants present at least one day.
Only the office's counties are counted (a county office's database may hold another
county's records synced in).
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
from common.reports import Counts, EventCounts, Figures, NetworkCounts
from common.text import persian_sort_key
from common.vocabulary import (
    EventKind,
    EventStatus,
    Gender,
    LicenceStatus,
    ParticipantStatus,
    SupporterStatus,
)

#: How many fields the "top fields" table lists.
TOP_FIELDS = 10


def _periods(period: Period) -> tuple[Period, Period, Period]:
    return period, period.previous(), period.year_before()


def _sum(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _licence_sums(period: Period) -> list[Any]:
    """Twelve conditional sums: issued, active, expiring, women, for the three periods."""
    sums: list[Any] = []
    for measure in ("issued", "active", "expiring", "women"):
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
            sums.append(_sum(condition).label(f"{measure}_{p.code}"))
    return sums


def _counts(values: Any) -> Counts:
    v = [int(x or 0) for x in values]
    return Counts(
        issued=(v[0], v[1], v[2]),
        active=(v[3], v[4], v[5]),
        expiring=(v[6], v[7], v[8]),
        women=(v[9], v[10], v[11]),
    )


def _licences(counties: Collection[str]) -> Any:
    """Live licences of ``counties`` joined with their holder."""
    return (
        select()
        .select_from(Licence)
        .join(Person, Person.id == Licence.person_id)
        .where(Licence.deleted.is_(False), Licence.county_id.in_(list(counties)))
    )


def licence_counts(session: Session, period: Period, counties: Collection[str]) -> Counts:
    row = session.execute(_licences(counties).add_columns(*_licence_sums(period))).one()
    return _counts(row)


def counts_by_group(
    session: Session, period: Period, counties: Collection[str]
) -> dict[str, Counts]:
    """Every field group (by code), with its counts (zeros for a group without licences)."""
    found = {
        code: _counts(values)
        for code, *values in session.execute(
            _licences(counties)
            .join(BusinessField, BusinessField.id == Licence.field_id)
            .join(FieldGroup, FieldGroup.id == BusinessField.group_id)
            .add_columns(FieldGroup.code, *_licence_sums(period))
            .group_by(FieldGroup.code)
        )
    }
    groups = session.execute(select(FieldGroup.code, FieldGroup.name).order_by(FieldGroup.code))
    return {str(name): found.get(code, Counts()) for code, name in groups}


def counts_by_county(
    session: Session, period: Period, counties: Collection[str]
) -> dict[str, Counts]:
    """Each of ``counties`` by Persian name, with its counts."""
    found = {
        county_id: _counts(values)
        for county_id, *values in session.execute(
            _licences(counties)
            .add_columns(Licence.county_id, *_licence_sums(period))
            .group_by(Licence.county_id)
        )
    }
    names = sorted(
        session.execute(select(County.id, County.name).where(County.id.in_(list(counties)))),
        key=lambda row: persian_sort_key(row[1]),
    )
    return {str(name): found.get(county_id, Counts()) for county_id, name in names}


def counts_by_gender(
    session: Session, period: Period, counties: Collection[str]
) -> dict[str, Counts]:
    """Women, men and holders whose gender is not recorded."""
    found = {
        gender: _counts(values)
        for gender, *values in session.execute(
            _licences(counties)
            .add_columns(Person.gender, *_licence_sums(period))
            .group_by(Person.gender)
        )
    }
    order = (Gender.FEMALE, Gender.MALE, Gender.UNKNOWN)
    return {
        (g.label or "ثبت‌نشده"): found.get(g.value, Counts())
        for g in order
        if g != Gender.UNKNOWN or g.value in found
    }


def top_fields(
    session: Session, period: Period, counties: Collection[str], limit: int = TOP_FIELDS
) -> list[tuple[str, str, str, int, int]]:
    """The fields with most licences issued in the period: code, name, group, issued,
    active at its end."""
    issued = _sum(Licence.issue_date.between(period.start, period.end))
    active = _sum(
        and_(
            Licence.issue_date <= period.end,
            Licence.expiry_date >= period.end,
            Licence.status == LicenceStatus.ACTIVE,
        )
    )
    rows = session.execute(
        _licences(counties)
        .join(BusinessField, BusinessField.id == Licence.field_id)
        .join(FieldGroup, FieldGroup.id == BusinessField.group_id)
        .add_columns(BusinessField.code, BusinessField.name, FieldGroup.name, issued, active)
        .group_by(BusinessField.code, BusinessField.name, FieldGroup.name)
        .having(issued > 0)
        .order_by(issued.desc(), BusinessField.code)
        .limit(limit)
    )
    return [(str(c), str(n), str(g), int(i), int(a)) for c, n, g, i, a in rows]


def _network_values(row: Any) -> NetworkCounts:
    v = [int(x or 0) for x in row]
    return NetworkCounts(
        supporters=(v[0], v[1], v[2]),
        capacity=(v[3], v[4], v[5]),
        members=(v[6], v[7], v[8]),
        joined=(v[9], v[10], v[11]),
        left=(v[12], v[13], v[14]),
    )


def network_counts(
    session: Session, period: Period, counties: Collection[str]
) -> dict[str, NetworkCounts]:
    """Networks by county id (supporters by their county, members by theirs)."""
    supporter_sums = []
    for p in _periods(period):
        supporter_sums.append(_sum(Licence.issue_date <= p.end).label(f"s_{p.code}"))
    for p in _periods(period):
        capacity = func.coalesce(
            func.sum(case((Licence.issue_date <= p.end, Supporter.capacity), else_=0)), 0
        )
        supporter_sums.append(capacity.label(f"c_{p.code}"))
    supporters = {
        county_id: values
        for county_id, *values in session.execute(
            select(Supporter.county_id, *supporter_sums)
            .join(Licence, Licence.id == Supporter.licence_id)
            .where(
                Supporter.deleted.is_(False),
                Supporter.status == SupporterStatus.ACTIVE,
                Supporter.county_id.in_(list(counties)),
            )
            .group_by(Supporter.county_id)
        )
    }
    member_sums = []
    for p in _periods(period):
        member_sums.append(
            _sum(
                and_(
                    NetworkMember.joined_on <= p.end,
                    NetworkMember.left_on.is_(None) | (NetworkMember.left_on > p.end),
                )
            ).label(f"m_{p.code}")
        )
    for p in _periods(period):
        member_sums.append(_sum(NetworkMember.joined_on.between(p.start, p.end)))
    for p in _periods(period):
        member_sums.append(_sum(NetworkMember.left_on.between(p.start, p.end)))
    members = {
        county_id: values
        for county_id, *values in session.execute(
            select(NetworkMember.county_id, *member_sums)
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
        county_id: _network_values(
            [*supporters.get(county_id, [0] * 6), *members.get(county_id, [0] * 9)]
        )
        for county_id in counties
    }


def sum_networks(values: Collection[NetworkCounts]) -> NetworkCounts:
    def add(name: str) -> tuple[int, int, int]:
        return (
            sum(getattr(v, name)[0] for v in values),
            sum(getattr(v, name)[1] for v in values),
            sum(getattr(v, name)[2] for v in values),
        )

    return NetworkCounts(
        add("supporters"), add("capacity"), add("members"), add("joined"), add("left")
    )


def _pairs(rows: Any) -> dict[str, int]:
    """(key, count) rows as a dict (a Result has keys(): dict() would take it for a mapping)."""
    return {str(key): int(count) for key, count in rows}


def event_counts(
    session: Session, period: Period, counties: Collection[str]
) -> dict[str, EventCounts]:
    """Events by kind (Persian label): held in each period, and for the period itself the
    places registered and the participants present at least one day."""
    live = and_(
        Event.deleted.is_(False),
        Event.status != EventStatus.CANCELLED,
        Event.county_id.in_(list(counties)),
    )
    held = session.execute(
        select(
            Event.kind, *(_sum(Event.start_date.between(p.start, p.end)) for p in _periods(period))
        )
        .where(live)
        .group_by(Event.kind)
    )
    counts = {kind: (int(a), int(b), int(c)) for kind, a, b, c in held}
    in_period = and_(live, Event.start_date.between(period.start, period.end))
    registered: dict[str, int] = _pairs(
        session.execute(
            select(Event.kind, func.count(EventParticipant.id))
            .join(EventParticipant, EventParticipant.event_id == Event.id)
            .where(
                in_period,
                EventParticipant.deleted.is_(False),
                EventParticipant.status == ParticipantStatus.REGISTERED,
            )
            .group_by(Event.kind)
        )
    )
    attended: dict[str, int] = _pairs(
        session.execute(
            select(Event.kind, func.count(distinct(EventAttendance.participant_id)))
            .join(EventAttendance, EventAttendance.event_id == Event.id)
            .join(EventParticipant, EventParticipant.id == EventAttendance.participant_id)
            .where(
                in_period,
                EventAttendance.deleted.is_(False),
                EventAttendance.present.is_(True),
                EventParticipant.deleted.is_(False),
            )
            .group_by(Event.kind)
        )
    )
    return {
        kind.label: EventCounts(
            events=counts.get(kind.value, (0, 0, 0)),
            registered=int(registered.get(kind.value, 0)),
            attended=int(attended.get(kind.value, 0)),
        )
        for kind in EventKind
    }


def figures(session: Session, period: Period, counties: Collection[str]) -> Figures:
    """Every figure of a report for ``counties`` (ids)."""
    networks = network_counts(session, period, counties)
    return Figures(
        total=licence_counts(session, period, counties),
        by_group=counts_by_group(session, period, counties),
        top_fields=top_fields(session, period, counties),
        by_county=counts_by_county(session, period, counties),
        by_gender=counts_by_gender(session, period, counties),
        networks=sum_networks(list(networks.values())),
        events=event_counts(session, period, counties),
        network_by_county=networks,
    )
