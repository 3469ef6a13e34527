"""The central picture (issue 15): a periodic report from the server's records, national
or one province's — ``daftar-server report --period P --out FILE.pdf|.xlsx [--province NAME]``.

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
    GENDERS,
    KINDS,
    LICENCE_MEASURES,
    Counts,
    Cube,
    EventCounts,
    NetworkCounts,
    Report,
    counts_of,
    cube_tables,
    network_values,
    province_table,
    roll_up,
)
from common.text import persian_sort_key
from common.vocabulary import (
    EventStatus,
    Gender,
    LicenceStatus,
    ParticipantStatus,
    SupporterStatus,
)
from server.catalogue import catalogue_state
from server.models import Record
from server.offices import Place, load_reference


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


class ServerCounts:
    """The counts of a report over the records of ``counties`` (amar codes)."""

    def __init__(self, session: Session, period: Period, counties: Collection[str]) -> None:
        self.session = session
        self.period = period
        self.counties = list(counties)

    def licences(self) -> dict[tuple[str, str, str], Counts]:
        """Licences by (county, field, holder's gender): one scan."""
        lic, person = _Rows(self.session, "licence"), _Rows(self.session, "person")
        issue, expiry, status = lic.text("issue_date"), lic.text("expiry_date"), lic.text("status")
        sums = []
        for measure in LICENCE_MEASURES:
            for p in _periods(self.period):
                issued: ColumnElement[bool] = issue.between(_iso(p.start), _iso(p.end))
                condition: ColumnElement[bool]
                if measure == "issued":
                    condition = issued
                elif measure == "active":
                    condition = and_(
                        issue <= _iso(p.end),
                        expiry >= _iso(p.end),
                        status == LicenceStatus.ACTIVE.value,
                    )
                elif measure == "expiring":
                    condition = and_(
                        expiry.between(_iso(p.start), _iso(p.end)),
                        status != LicenceStatus.REVOKED.value,
                    )
                else:
                    condition = and_(issued, person.text("gender") == Gender.FEMALE.value)
                sums.append(_sum(condition))
        field_id = lic.text("field_id").label("field_id")
        gender = func.coalesce(person.text("gender"), "").label("gender")
        county = lic.alias.county_code.label("county")
        rows = self.session.execute(
            select(county, field_id, gender, *sums)
            .select_from(lic.alias)
            .join(
                person.alias,
                and_(person.alias.table_name == "person", person.alias.id == lic.alias.person_link),
            )
            .where(lic.live(), lic.alias.county_code.in_(self.counties))
            .group_by("county", "field_id", "gender")
        )
        return {(str(c), str(f), str(g or "")): counts_of(values) for c, f, g, *values in rows}

    def networks(self) -> dict[str, NetworkCounts]:
        """Networks by county (supporters by their county, members by theirs)."""
        sup, lic = _Rows(self.session, "supporter"), _Rows(self.session, "licence")
        periods = _periods(self.period)
        issued = lic.text("issue_date")
        capacity = sup.integer("capacity")
        supporters = {
            str(county): values
            for county, *values in self.session.execute(
                select(
                    sup.alias.county_code,
                    *(_sum(issued <= _iso(p.end)) for p in periods),
                    *(
                        func.coalesce(func.sum(case((issued <= _iso(p.end), capacity), else_=0)), 0)
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
                .group_by(sup.alias.county_code)
            )
        }
        member, owner = _Rows(self.session, "network_member"), _Rows(self.session, "supporter")
        joined, left = member.text("joined_on"), member.text("left_on")
        members = {
            str(county): values
            for county, *values in self.session.execute(
                select(
                    member.alias.county_code,
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
                .group_by(member.alias.county_code)
            )
        }
        return {
            county: network_values(
                [*supporters.get(county, [0] * 6), *members.get(county, [0] * 9)]
            )
            for county in self.counties
        }

    def events(self) -> dict[tuple[str, str], EventCounts]:
        """Events by (county, kind), as app.services.reports.figures.event_counts."""
        event = _Rows(self.session, "event")
        start = event.text("start_date")
        live = and_(
            event.live(),
            event.text("status") != EventStatus.CANCELLED.value,
            event.alias.county_code.in_(self.counties),
        )
        county = event.alias.county_code.label("county")
        kind = event.text("kind").label("kind")
        held = {
            (str(c), str(k)): (int(a), int(b), int(n))
            for c, k, a, b, n in self.session.execute(
                select(
                    county,
                    kind,
                    *(
                        _sum(start.between(_iso(p.start), _iso(p.end)))
                        for p in _periods(self.period)
                    ),
                )
                .where(live)
                .group_by("county", "kind")
            )
        }
        in_period = and_(live, start.between(_iso(self.period.start), _iso(self.period.end)))
        part = _Rows(self.session, "event_participant")
        registered = {
            (str(c), str(k)): int(n)
            for c, k, n in self.session.execute(
                select(county, kind, func.count(part.alias.id))
                .select_from(event.alias)
                .join(part.alias, and_(part.live(), part.alias.link_id == event.alias.id))
                .where(in_period, part.text("status") == ParticipantStatus.REGISTERED.value)
                .group_by("county", "kind")
            )
        }
        seen = _Rows(self.session, "event_attendance")
        attended = {
            (str(c), str(k)): int(n)
            for c, k, n in self.session.execute(
                select(county, kind, func.count(distinct(seen.text("participant_id"))))
                .select_from(event.alias)
                .join(seen.alias, and_(seen.live(), seen.alias.link_id == event.alias.id))
                .where(in_period, seen.flag("present").is_(True))
                .group_by("county", "kind")
            )
        }
        return {
            k: EventCounts(held.get(k, (0, 0, 0)), registered.get(k, 0), attended.get(k, 0))
            for k in {*held, *registered, *attended}
        }


def server_cube(session: Session, period: Period, counties: dict[str, str]) -> Cube:
    """Every count of a report for ``counties`` (amar code → name), ready to roll up."""
    tables = catalogue_state(session).tables
    group_names = {str(g["id"]): str(g["name"]) for g in tables["field_group"]}
    fields = {
        str(f["id"]): (str(f["code"]), str(f["name"]), group_names.get(str(f["group_id"]), ""))
        for f in tables["business_field"]
    }
    groups = [str(g["name"]) for g in sorted(tables["field_group"], key=lambda g: str(g["code"]))]
    counts = ServerCounts(session, period, counties)
    return Cube(
        licences=counts.licences(),
        networks=counts.networks(),
        events=counts.events(),
        fields=fields,
        groups=groups,
        counties=counties,
        genders=GENDERS,
        kinds=KINDS,
    )


def build_server_report(
    session: Session, period: Period, province: Place | None = None, today: dt.date | None = None
) -> Report:
    """The national report of ``period`` (with the comparison of the provinces), or one
    province's (with the comparison of its counties and each county's part)."""
    reference = load_reference()
    if province is None:
        counties = {
            county.code: county.name
            for province_counties in reference.counties.values()
            for county in province_counties.values()
        }
        place = "همهٔ استان‌ها"
    else:
        counties = {c.code: c.name for c in reference.counties.get(province.code, {}).values()}
        place = f"استان {province.name}"
    cube = server_cube(session, period, counties)
    tables, parts = cube_tables(period, cube, with_counties=province is not None)
    if province is None:
        # The provinces compared, after the summary (each province rolled up from the
        # same cube: a few thousand groups summed, no second count).
        by_province = {
            place.name: roll_up(
                cube, {c.code for c in reference.counties.get(place.code, {}).values()}
            ).total
            for place in sorted(
                reference.provinces.values(), key=lambda p: persian_sort_key(p.name)
            )
        }
        tables = (tables[0], province_table(period, by_province), *tables[1:])
    return Report(
        office="دبیرخانهٔ مشاغل خانگی — سرور مرکزی",
        place=place,
        period=period,
        generated=today or jalali.today(),
        tables=tables,
        counties=parts,
    )
