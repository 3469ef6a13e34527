"""The central picture (issue 15): a periodic report from the server's records, national
or one province's — ``daftar-server report --period P --out FILE.xlsx [--province NAME]``.

The same tables as an office's report (common.reports builds them from counts), counted
with the same definitions as app.services.reports.figures (docs/reports.md), here in SQL
over the server's generic ``record`` table: its JSON ``data`` read with the database's
JSON functions (SQLite ``json_extract``, PostgreSQL ``->>``), one GROUP BY per table with
conditional sums for the three periods compared. A test syncs offices and checks that
``daftar report`` and this report give the same totals for the same records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from sqlalchemy import JSON, ColumnElement, and_, case, cast, distinct, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from common import jalali
from common.periods import Period
from common.reports import (
    Counts,
    EventCounts,
    Figures,
    NetworkCounts,
    Report,
    ReportTable,
    report_tables,
)
from common.text import persian_sort_key
from common.vocabulary import (
    EventKind,
    EventStatus,
    Gender,
    LicenceStatus,
    ParticipantStatus,
    SupporterStatus,
)
from server.catalogue import catalogue_state
from server.models import Record
from server.offices import Place, load_reference

#: How many fields the "top fields" table lists (as an office's report).
TOP_FIELDS = 10


class _Rows:
    """One kind of synced row in the record table, its JSON fields as SQL expressions."""

    def __init__(self, session: Session, table: str) -> None:
        self.alias = aliased(Record)
        self.table = table
        postgres = session.get_bind().dialect.name == "postgresql"
        self.data = cast(self.alias.data, JSON) if postgres else type_coerce(self.alias.data, JSON)

    def text(self, name: str) -> ColumnElement[Any]:
        value: ColumnElement[Any] = self.data[name].as_string()
        return value

    def integer(self, name: str) -> ColumnElement[Any]:
        value: ColumnElement[Any] = self.data[name].as_integer()
        return value

    def flag(self, name: str) -> ColumnElement[Any]:
        value: ColumnElement[Any] = self.data[name].as_boolean()
        return value

    def live(self) -> ColumnElement[bool]:
        a = self.alias
        return and_(a.table_name == self.table, a.deleted.is_(False), a.merged_into.is_(None))


def _sum(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _iso(day: dt.date) -> str:
    return day.isoformat()


def _periods(period: Period) -> tuple[Period, Period, Period]:
    return period, period.previous(), period.year_before()


class ServerFigures:
    """The counts of a report over the records of ``counties`` (amar codes)."""

    def __init__(self, session: Session, period: Period, counties: Collection[str]) -> None:
        self.session = session
        self.period = period
        self.counties = list(counties)

    def _licence_query(self, *columns: Any) -> Any:
        lic, person = _Rows(self.session, "licence"), _Rows(self.session, "person")
        sums = []
        for measure in ("issued", "active", "expiring", "women"):
            for p in _periods(self.period):
                issue, expiry = lic.text("issue_date"), lic.text("expiry_date")
                issued: ColumnElement[bool] = issue.between(_iso(p.start), _iso(p.end))
                condition: ColumnElement[bool]
                if measure == "issued":
                    condition = issued
                elif measure == "active":
                    condition = and_(
                        issue <= _iso(p.end),
                        expiry >= _iso(p.end),
                        lic.text("status") == LicenceStatus.ACTIVE.value,
                    )
                elif measure == "expiring":
                    condition = and_(
                        expiry.between(_iso(p.start), _iso(p.end)),
                        lic.text("status") != LicenceStatus.REVOKED.value,
                    )
                else:
                    condition = and_(issued, person.text("gender") == Gender.FEMALE.value)
                sums.append(_sum(condition))
        return (
            select(*[c(lic, person) for c in columns], *sums)
            .select_from(lic.alias)
            .join(
                person.alias,
                and_(person.alias.table_name == "person", person.alias.id == lic.alias.person_link),
            )
            .where(lic.live(), lic.alias.county_code.in_(self.counties))
        )

    @staticmethod
    def _counts(values: Any) -> Counts:
        v = [int(x or 0) for x in values]
        return Counts(
            (v[0], v[1], v[2]), (v[3], v[4], v[5]), (v[6], v[7], v[8]), (v[9], v[10], v[11])
        )

    def total(self) -> Counts:
        return self._counts(self.session.execute(self._licence_query()).one())

    def by(self, column: Any) -> dict[str, Counts]:
        """Counts grouped by one expression of (licence, person)."""
        query = self._licence_query(lambda lic, person: column(lic, person).label("key"))
        return {
            str(key): self._counts(values)
            for key, *values in self.session.execute(query.group_by("key"))
        }

    def top_fields(
        self, names: dict[str, tuple[str, str, str]]
    ) -> list[tuple[str, str, str, int, int]]:
        """(code, name, group, issued, active) of the fields with most licences issued."""
        by_field = self.by(lambda lic, _person: lic.text("field_id"))
        ranked = sorted(
            (
                (names[f][0], names[f][1], names[f][2], c.issued[0], c.active[0])
                for f, c in by_field.items()
                if c.issued[0] and f in names
            ),
            key=lambda row: (-row[3], row[0]),
        )
        return ranked[:TOP_FIELDS]

    def networks(self) -> NetworkCounts:
        sup, lic = _Rows(self.session, "supporter"), _Rows(self.session, "licence")
        periods = _periods(self.period)
        issued = lic.text("issue_date")
        supporter_row = self.session.execute(
            select(
                *(_sum(issued <= _iso(p.end)) for p in periods),
                *(
                    func.coalesce(
                        func.sum(case((issued <= _iso(p.end), sup.integer("capacity")), else_=0)), 0
                    )
                    for p in periods
                ),
            )
            .select_from(sup.alias)
            .join(
                lic.alias,
                and_(lic.alias.table_name == "licence", lic.alias.id == sup.alias.link_id),
            )
            .where(
                sup.live(),
                sup.text("status") == SupporterStatus.ACTIVE.value,
                sup.alias.county_code.in_(self.counties),
            )
        ).one()
        member, owner = _Rows(self.session, "network_member"), _Rows(self.session, "supporter")
        joined, left = member.text("joined_on"), member.text("left_on")
        member_row = self.session.execute(
            select(
                *(
                    _sum(and_(joined <= _iso(p.end), left.is_(None) | (left > _iso(p.end))))
                    for p in periods
                ),
                *(_sum(joined.between(_iso(p.start), _iso(p.end))) for p in periods),
                *(_sum(left.between(_iso(p.start), _iso(p.end))) for p in periods),
            )
            .select_from(member.alias)
            .join(
                owner.alias,
                and_(
                    owner.alias.table_name == "supporter",
                    owner.alias.id == member.alias.link_id,
                    owner.alias.deleted.is_(False),
                ),
            )
            .where(member.live(), member.alias.county_code.in_(self.counties))
        ).one()
        v = [int(x or 0) for x in (*supporter_row, *member_row)]
        return NetworkCounts(
            (v[0], v[1], v[2]),
            (v[3], v[4], v[5]),
            (v[6], v[7], v[8]),
            (v[9], v[10], v[11]),
            (v[12], v[13], v[14]),
        )

    def events(self) -> dict[str, EventCounts]:
        event = _Rows(self.session, "event")
        start = event.text("start_date")
        live = and_(
            event.live(),
            event.text("status") != EventStatus.CANCELLED.value,
            event.alias.county_code.in_(self.counties),
        )
        kind = event.text("kind").label("kind")
        held = {
            str(k): (int(a), int(b), int(c))
            for k, a, b, c in self.session.execute(
                select(
                    kind,
                    *(
                        _sum(start.between(_iso(p.start), _iso(p.end)))
                        for p in _periods(self.period)
                    ),
                )
                .where(live)
                .group_by("kind")
            )
        }
        in_period = and_(live, start.between(_iso(self.period.start), _iso(self.period.end)))
        part = _Rows(self.session, "event_participant")
        registered = {
            str(k): int(n)
            for k, n in self.session.execute(
                select(kind, func.count(part.alias.id))
                .select_from(event.alias)
                .join(part.alias, and_(part.live(), part.alias.link_id == event.alias.id))
                .where(in_period, part.text("status") == ParticipantStatus.REGISTERED.value)
                .group_by("kind")
            )
        }
        seen = _Rows(self.session, "event_attendance")
        attended = {
            str(k): int(n)
            for k, n in self.session.execute(
                select(kind, func.count(distinct(seen.text("participant_id"))))
                .select_from(event.alias)
                .join(seen.alias, and_(seen.live(), seen.alias.link_id == event.alias.id))
                .where(in_period, seen.flag("present").is_(True))
                .group_by("kind")
            )
        }
        return {
            k.label: EventCounts(
                held.get(k.value, (0, 0, 0)), registered.get(k.value, 0), attended.get(k.value, 0)
            )
            for k in EventKind
        }


def _catalogue_names(
    session: Session,
) -> tuple[dict[str, tuple[str, str, str]], list[tuple[str, str]]]:
    """Field id → (code, name, group name), and the groups (id, name) by code."""
    tables = catalogue_state(session).tables
    groups = {str(g["id"]): str(g["name"]) for g in tables["field_group"]}
    names = {
        str(f["id"]): (str(f["code"]), str(f["name"]), groups.get(str(f["group_id"]), ""))
        for f in tables["business_field"]
    }
    order = [
        (str(g["id"]), str(g["name"]))
        for g in sorted(tables["field_group"], key=lambda g: str(g["code"]))
    ]
    return names, order


def server_figures(session: Session, period: Period, counties: dict[str, str]) -> Figures:
    """Every figure of a report for ``counties`` (amar code → name)."""
    f = ServerFigures(session, period, counties)
    names, groups = _catalogue_names(session)
    by_field = f.by(lambda lic, _person: lic.text("field_id"))
    by_group: dict[str, Counts] = {name: Counts() for _id, name in groups}
    for field_id, counts in by_field.items():
        group = names.get(field_id, ("", "", ""))[2]
        if group in by_group:
            by_group[group] = _add(by_group[group], counts)
    by_county_code = f.by(lambda lic, _person: lic.alias.county_code)
    by_county = {
        name: by_county_code.get(code, Counts())
        for code, name in sorted(counties.items(), key=lambda item: persian_sort_key(item[1]))
    }
    by_gender_code = f.by(lambda _lic, person: func.coalesce(person.text("gender"), ""))
    by_gender = {
        (g.label or "ثبت‌نشده"): by_gender_code.get(g.value, Counts())
        for g in (Gender.FEMALE, Gender.MALE, Gender.UNKNOWN)
        if g != Gender.UNKNOWN or g.value in by_gender_code
    }
    return Figures(
        total=f.total(),
        by_group=by_group,
        top_fields=f.top_fields(names),
        by_county=by_county,
        by_gender=by_gender,
        networks=f.networks(),
        events=f.events(),
    )


def _add(a: Counts, b: Counts) -> Counts:
    def plus(x: tuple[int, int, int], y: tuple[int, int, int]) -> tuple[int, int, int]:
        return (x[0] + y[0], x[1] + y[1], x[2] + y[2])

    return Counts(
        plus(a.issued, b.issued),
        plus(a.active, b.active),
        plus(a.expiring, b.expiring),
        plus(a.women, b.women),
    )


def build_server_report(
    session: Session, period: Period, province: Place | None = None, today: dt.date | None = None
) -> Report:
    """The national report of ``period``, or one province's (with each county's part)."""
    reference = load_reference()
    if province is None:
        provinces = {p.code: p.name for p in reference.provinces.values()}
        counties = {
            county.code: county.name
            for code in provinces
            for county in reference.counties.get(code, {}).values()
        }
        place = "همهٔ استان‌ها"
    else:
        counties = {c.code: c.name for c in reference.counties.get(province.code, {}).values()}
        place = f"استان {province.name}"
    tables = report_tables(
        period, server_figures(session, period, counties), with_counties=province is not None
    )
    parts: list[tuple[str, tuple[ReportTable, ...]]] = []
    if province is not None:
        for code, name in sorted(counties.items(), key=lambda item: persian_sort_key(item[1])):
            county_tables = report_tables(
                period, server_figures(session, period, {code: name}), with_counties=False
            )
            parts.append(
                (
                    name,
                    tuple(
                        t
                        for t in county_tables
                        if t.key in ("summary", "groups", "gender", "networks", "events")
                    ),
                )
            )
    return Report(
        office="دبیرخانهٔ مشاغل خانگی — سرور مرکزی",
        place=place,
        period=period,
        generated=today or jalali.today(),
        tables=tuple(tables),
        counties=tuple(parts),
    )
