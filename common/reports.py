"""Periodic reports (issue 15): a report's tables, built from aggregate counts; shared by
the office's reports (app.services.reports runs the SQL) and the server's (server.report).
No database here, no drawing: the .xlsx is common.report_xlsx, the PDF common.report_pdf.

Every count comes from SQL (GROUP BY with conditional sums), never from rows loaded into
Python: the SQL makes a :class:`Cube` (licences by county, field and gender; networks by
county; events by county and kind), each group with the counts of the three periods a
report compares — the period, the one before, and the same period a year earlier — and
:func:`roll_up` sums those groups into the figures of the office or of one county.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from common.periods import Period
from common.text import persian_sort_key, to_persian_digits
from common.vocabulary import EventKind, Gender

Cell = str | int | float | None


@dataclass(frozen=True)
class Chart:
    """A bar chart of a table: one bar group per row (up to ``max_bars``), one series per
    value column."""

    value_columns: tuple[int, ...]
    label_column: int = 0
    max_bars: int = 12


@dataclass(frozen=True)
class ReportTable:
    """One table of a report: its Persian title, column headers and rows (numbers as
    numbers: the PDF writes them in Persian digits, the .xlsx keeps them numeric; a float
    is always a fraction, shown as a percentage: 0.25 is «۲۵٪»); ``total`` marks a last
    total row."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    chart: Chart | None = None
    note: str = ""
    total: bool = False
    sheet: str = ""

    @property
    def sheet_name(self) -> str:
        return self.sheet or self.title


@dataclass(frozen=True)
class Report:
    """A periodic report: who it is from, the period, its tables; a province office's
    also has each county's tables (``counties``: county name → tables)."""

    office: str
    place: str
    period: Period
    generated: dt.date
    tables: tuple[ReportTable, ...]
    counties: tuple[tuple[str, tuple[ReportTable, ...]], ...] = ()

    @property
    def title(self) -> str:
        return f"گزارش {self.period.label}"


@dataclass(frozen=True)
class Counts:
    """A group's counts in the three periods compared: (period, previous, year before)."""

    issued: tuple[int, int, int] = (0, 0, 0)
    active: tuple[int, int, int] = (0, 0, 0)
    expiring: tuple[int, int, int] = (0, 0, 0)
    women: tuple[int, int, int] = (0, 0, 0)


@dataclass(frozen=True)
class NetworkCounts:
    """Networks in the three periods: supporters active at the period's end, their
    capacity, members active at its end, members who joined and left during it."""

    supporters: tuple[int, int, int] = (0, 0, 0)
    capacity: tuple[int, int, int] = (0, 0, 0)
    members: tuple[int, int, int] = (0, 0, 0)
    joined: tuple[int, int, int] = (0, 0, 0)
    left: tuple[int, int, int] = (0, 0, 0)


@dataclass(frozen=True)
class EventCounts:
    """Events of one kind held in the period (not cancelled): how many, places registered,
    participants present at least one day; and how many the two earlier periods had."""

    events: tuple[int, int, int] = (0, 0, 0)
    registered: int = 0
    attended: int = 0


@dataclass(frozen=True)
class Figures:
    """Everything a report's tables are built from (one office, or one county of it)."""

    total: Counts
    by_group: Mapping[str, Counts]
    top_fields: Sequence[tuple[str, str, str, int, int]]  # code, name, group, issued, active
    by_county: Mapping[str, Counts]
    by_gender: Mapping[str, Counts]
    networks: NetworkCounts
    events: Mapping[str, EventCounts]


#: How many fields the "top fields" table lists.
TOP_FIELDS = 10


@dataclass(frozen=True)
class Cube:
    """A report's counts as SQL aggregated them, ready to roll up: licences by (county,
    field, gender); networks by county; events by (county, kind). Keys are the caller's
    (ids in an office, amar codes at the server); ``fields`` names each field (code,
    name, group name), ``groups`` lists the group names in order, ``counties`` maps each
    county key of the report to its name, ``genders`` and ``kinds`` give the labels."""

    licences: Mapping[tuple[str, str, str], Counts]
    networks: Mapping[str, NetworkCounts]
    events: Mapping[tuple[str, str], EventCounts]
    fields: Mapping[str, tuple[str, str, str]]
    groups: Sequence[str]
    counties: Mapping[str, str]
    genders: Sequence[tuple[str, str]]
    kinds: Sequence[tuple[str, str]]


#: The genders in the order a report lists them, and the event kinds, with their labels.
GENDERS = (
    (Gender.FEMALE.value, Gender.FEMALE.label),
    (Gender.MALE.value, Gender.MALE.label),
    (Gender.UNKNOWN.value, "ثبت‌نشده"),
)
KINDS = tuple((kind.value, kind.label) for kind in EventKind)
#: The licence measures, each summed over the three periods, in the order of counts_of.
LICENCE_MEASURES = ("issued", "active", "expiring", "women")


def counts_of(values: Iterable[Any]) -> Counts:
    """Twelve sums (issued, active, expiring, women × the three periods) as Counts."""
    v = [int(x or 0) for x in values]
    return Counts((v[0], v[1], v[2]), (v[3], v[4], v[5]), (v[6], v[7], v[8]), (v[9], v[10], v[11]))


def network_values(values: Iterable[Any]) -> NetworkCounts:
    """Fifteen sums (supporters, capacity, members, joined, left × the three periods)."""
    v = [int(x or 0) for x in values]
    return NetworkCounts(
        (v[0], v[1], v[2]),
        (v[3], v[4], v[5]),
        (v[6], v[7], v[8]),
        (v[9], v[10], v[11]),
        (v[12], v[13], v[14]),
    )


def _plus(a: tuple[int, int, int], b: tuple[int, int, int]) -> tuple[int, int, int]:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def add_counts(a: Counts, b: Counts) -> Counts:
    return Counts(
        _plus(a.issued, b.issued),
        _plus(a.active, b.active),
        _plus(a.expiring, b.expiring),
        _plus(a.women, b.women),
    )


def add_networks(a: NetworkCounts, b: NetworkCounts) -> NetworkCounts:
    return NetworkCounts(
        _plus(a.supporters, b.supporters),
        _plus(a.capacity, b.capacity),
        _plus(a.members, b.members),
        _plus(a.joined, b.joined),
        _plus(a.left, b.left),
    )


def roll_up(cube: Cube, counties: Collection[str] | None = None) -> Figures:
    """The figures of ``counties`` (keys; None: every county of the cube), summed from the
    cube's aggregates (a few thousand groups, never the records themselves)."""
    wanted = set(cube.counties) if counties is None else set(counties)
    total = Counts()
    by_group = {name: Counts() for name in cube.groups}
    by_county = {key: Counts() for key in wanted if key in cube.counties}
    by_gender: dict[str, Counts] = {}
    by_field: dict[str, Counts] = {}
    for (county, field_id, gender), counts in cube.licences.items():
        if county not in wanted:
            continue
        total = add_counts(total, counts)
        group = cube.fields.get(field_id, ("", "", ""))[2]
        if group in by_group:
            by_group[group] = add_counts(by_group[group], counts)
        by_county[county] = add_counts(by_county.get(county, Counts()), counts)
        by_gender[gender] = add_counts(by_gender.get(gender, Counts()), counts)
        by_field[field_id] = add_counts(by_field.get(field_id, Counts()), counts)
    top = sorted(
        (
            (*cube.fields[field_id], c.issued[0], c.active[0])
            for field_id, c in by_field.items()
            if c.issued[0] and field_id in cube.fields
        ),
        key=lambda row: (-row[3], row[0]),
    )[:TOP_FIELDS]
    networks = NetworkCounts()
    for county, network in cube.networks.items():
        if county in wanted:
            networks = add_networks(networks, network)
    events: dict[str, EventCounts] = {}
    for kind, label in cube.kinds:
        held, registered, attended = (0, 0, 0), 0, 0
        for (county, event_kind), e in cube.events.items():
            if county in wanted and event_kind == kind:
                held = _plus(held, e.events)
                registered += e.registered
                attended += e.attended
        events[label] = EventCounts(held, registered, attended)
    return Figures(
        total=total,
        by_group=by_group,
        top_fields=top,
        by_county={
            cube.counties[key]: by_county[key]
            for key in sorted(by_county, key=lambda k: persian_sort_key(cube.counties[k]))
        },
        by_gender={
            label: by_gender.get(value, Counts())
            for value, label in cube.genders
            if value or value in by_gender
        },
        networks=networks,
        events=events,
    )


# --- formatting ----------------------------------------------------------------------


def fa_count(value: int | float) -> str:
    """A count in Persian digits with the Persian thousands separator: «۱۲٬۳۴۵»."""
    return to_persian_digits(f"{int(value):,}".replace(",", "٬"))


def fa_percent(fraction: float) -> str:
    """A fraction as a Persian percentage with one decimal: «۴۵٫۲٪»."""
    text = f"{fraction * 100:.1f}".replace(".", "٫")
    if text.endswith("٫0"):
        text = text[:-2]
    return to_persian_digits(text) + "٪"


def fa_cell(value: Cell) -> str:
    """A cell as the PDF prints it: a count with separators, a fraction (a float) as a
    percentage (a fall as «۶٫۳٪ کاهش»: a minus sign is easily misread right to left),
    nothing as «—»."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return f"{fa_percent(-value)} کاهش" if value < 0 else fa_percent(value)
    return fa_count(value)


def change(now: int, before: int) -> float | None:
    """The relative change from ``before`` to ``now`` (None when ``before`` is 0)."""
    return None if before == 0 else (now - before) / before


def share(part: int, whole: int) -> float:
    return 0.0 if whole == 0 else part / whole


# --- tables --------------------------------------------------------------------------


def _slots(period: Period) -> tuple[int, ...]:
    """Which of the three compared periods a table shows: a year's "previous period" and
    "same period last year" are the same year, shown once."""
    return (0, 1) if period.kind == "year" else (0, 1, 2)


def _headers(period: Period) -> list[str]:
    names = (period.short_label, period.previous().short_label, period.year_before().short_label)
    return [names[i] for i in _slots(period)]


def _pick(period: Period, values: tuple[Cell, Cell, Cell]) -> list[Cell]:
    return [values[i] for i in _slots(period)]


def summary_table(period: Period, total: Counts, networks: NetworkCounts) -> ReportTable:
    """The key figures against the previous period and the same period last year."""
    lines = (
        ("مجوزهای صادرشده در دوره", total.issued),
        ("مجوزهای صادرشده برای زنان", total.women),
        ("مجوزهای فعال در پایان دوره", total.active),
        ("مجوزهایی که در دوره منقضی می‌شوند", total.expiring),
        ("پشتیبان‌های فعال", networks.supporters),
        ("اعضای فعال شبکه‌ها", networks.members),
    )
    slots = _slots(period)
    changes = ["تغییر به دوره قبل", "تغییر به سال قبل"][: len(slots) - 1]
    return ReportTable(
        key="summary",
        title="خلاصه",
        columns=("شاخص", *_headers(period), *changes),
        rows=tuple(
            (
                label,
                *_pick(period, values),
                *(change(values[0], values[i]) for i in slots[1:]),
            )
            for label, values in lines
        ),
    )


def _total_of(counts: Iterable[Counts]) -> Counts:
    def add(name: str) -> tuple[int, int, int]:
        values = [getattr(c, name) for c in counts_list]
        return (
            sum(v[0] for v in values),
            sum(v[1] for v in values),
            sum(v[2] for v in values),
        )

    counts_list = list(counts)
    return Counts(add("issued"), add("active"), add("expiring"), add("women"))


def _issued_columns(period: Period) -> list[str]:
    return [f"صادرشده {name}" for name in _headers(period)]


def group_table(period: Period, by_group: Mapping[str, Counts]) -> ReportTable:
    """Licences by field group, the period against the earlier ones, with a chart."""
    rows = [
        (name, *_pick(period, c.issued), c.active[0], c.expiring[0]) for name, c in by_group.items()
    ]
    total = _total_of(by_group.values())
    rows.append(("جمع", *_pick(period, total.issued), total.active[0], total.expiring[0]))
    compared = len(_slots(period))
    return ReportTable(
        key="groups",
        title="مجوزها به تفکیک گروه رشته",
        sheet="گروه رشته",
        columns=(
            "گروه رشته",
            *_issued_columns(period),
            "فعال در پایان دوره",
            "منقضی‌شونده در دوره",
        ),
        rows=tuple(rows),
        chart=Chart(value_columns=tuple(range(1, 1 + compared))),
        total=True,
    )


def top_fields_table(top: Sequence[tuple[str, str, str, int, int]]) -> ReportTable:
    """The fields with most licences issued in the period."""
    return ReportTable(
        key="top_fields",
        title="رشته‌های برتر دوره (بیشترین صدور)",
        sheet="رشته‌های برتر",
        columns=("رتبه", "کد رشته", "رشته", "گروه", "صادرشده در دوره", "فعال در پایان دوره"),
        rows=tuple(
            (rank, to_persian_digits(code), name, group, issued, active)
            for rank, (code, name, group, issued, active) in enumerate(top, start=1)
        ),
        note="" if top else "در این دوره مجوزی صادر نشده است.",
    )


def county_table(period: Period, by_county: Mapping[str, Counts]) -> ReportTable:
    """Licences by county (a province office's comparison of its counties)."""
    return _places_table(period, by_county, "counties", "مقایسه شهرستان‌ها", "شهرستان")


def province_table(period: Period, by_province: Mapping[str, Counts]) -> ReportTable:
    """Licences by province (the national report's comparison of the provinces)."""
    return _places_table(period, by_province, "provinces", "مقایسه استان‌ها", "استان")


def _places_table(
    period: Period, by_place: Mapping[str, Counts], key: str, title: str, place: str
) -> ReportTable:
    rows = [
        (name, *_pick(period, c.issued), c.women[0], c.active[0], c.expiring[0])
        for name, c in by_place.items()
    ]
    total = _total_of(by_place.values())
    rows.append(
        (
            "جمع",
            *_pick(period, total.issued),
            total.women[0],
            total.active[0],
            total.expiring[0],
        )
    )
    compared = len(_slots(period))
    return ReportTable(
        key=key,
        title=title,
        columns=(
            place,
            *_issued_columns(period),
            "برای زنان",
            "فعال در پایان دوره",
            "منقضی‌شونده در دوره",
        ),
        rows=tuple(rows),
        chart=(
            Chart(value_columns=(1, 2 + compared), max_bars=len(by_place))
            if len(by_place) > 1
            else None
        ),
        total=True,
    )


def gender_table(by_gender: Mapping[str, Counts]) -> ReportTable:
    """Licences by the holder's gender: issued in the period and active at its end."""
    total = _total_of(by_gender.values())
    rows = tuple(
        (
            label,
            c.issued[0],
            share(c.issued[0], total.issued[0]),
            c.active[0],
            share(c.active[0], total.active[0]),
        )
        for label, c in by_gender.items()
    )
    return ReportTable(
        key="gender",
        title="مجوزها به تفکیک جنسیت دارنده",
        sheet="جنسیت",
        columns=("جنسیت", "صادرشده در دوره", "سهم", "فعال در پایان دوره", "سهم"),
        rows=rows,
    )


def network_table(period: Period, networks: NetworkCounts) -> ReportTable:
    """Supporters, members and capacity at the period's end, against the earlier ones."""
    use: tuple[Cell, Cell, Cell] = (
        share(networks.members[0], networks.capacity[0]),
        share(networks.members[1], networks.capacity[1]),
        share(networks.members[2], networks.capacity[2]),
    )
    lines: tuple[tuple[str, tuple[Cell, Cell, Cell]], ...] = (
        ("پشتیبان‌های فعال (شبکه‌ها)", networks.supporters),
        ("ظرفیت کل شبکه‌ها", networks.capacity),
        ("اعضای فعال", networks.members),
        ("درصد استفاده از ظرفیت", use),
        ("اعضای تازه در دوره", networks.joined),
        ("اعضای خارج‌شده در دوره", networks.left),
    )
    return ReportTable(
        key="networks",
        title="شبکه‌های پشتیبان",
        sheet="شبکه‌ها",
        columns=("شاخص", *_headers(period)),
        rows=tuple((label, *_pick(period, values)) for label, values in lines),
        note="پشتیبان‌ها و اعضا در پایان هر دوره شمرده شده‌اند؛ درصد استفاده از ظرفیت "
        "= اعضای فعال ÷ ظرفیت کل.",
    )


def event_table(period: Period, events: Mapping[str, EventCounts]) -> ReportTable:
    """Events held in the period by kind: count (and in the earlier periods), places
    registered, participants present at least one day, attendance rate."""
    rows: list[tuple[Cell, ...]] = []
    for label, e in events.items():
        rate = share(e.attended, e.registered)
        rows.append((label, *_pick(period, e.events), e.registered, e.attended, rate))
    held = (
        sum(e.events[0] for e in events.values()),
        sum(e.events[1] for e in events.values()),
        sum(e.events[2] for e in events.values()),
    )
    registered = sum(e.registered for e in events.values())
    attended = sum(e.attended for e in events.values())
    rows.append(("جمع", *_pick(period, held), registered, attended, share(attended, registered)))
    return ReportTable(
        key="events",
        title="رویدادهای دوره",
        sheet="رویدادها",
        columns=(
            "نوع رویداد",
            *(f"تعداد {name}" for name in _headers(period)),
            "ثبت‌نام‌شده",
            "حاضر (دست‌کم یک روز)",
            "نرخ حضور",
        ),
        rows=tuple(rows),
        total=True,
    )


def report_tables(period: Period, figures: Figures, *, with_counties: bool) -> list[ReportTable]:
    """The tables of a report (or of one county's part of it), in their order."""
    tables = [
        summary_table(period, figures.total, figures.networks),
        group_table(period, figures.by_group),
        top_fields_table(figures.top_fields),
    ]
    if with_counties:
        tables.append(county_table(period, figures.by_county))
    tables += [
        gender_table(figures.by_gender),
        network_table(period, figures.networks),
        event_table(period, figures.events),
    ]
    return tables


#: The tables a county's part of a province's report repeats.
COUNTY_TABLES = ("summary", "groups", "gender", "networks", "events")


def cube_tables(
    period: Period, cube: Cube, *, with_counties: bool
) -> tuple[tuple[ReportTable, ...], tuple[tuple[str, tuple[ReportTable, ...]], ...]]:
    """A report's tables from its cube, and with ``with_counties`` (a province's report)
    the comparison of the counties and each county's part."""
    tables = report_tables(period, roll_up(cube), with_counties=with_counties)
    parts: list[tuple[str, tuple[ReportTable, ...]]] = []
    if with_counties:
        for key in sorted(cube.counties, key=lambda k: persian_sort_key(cube.counties[k])):
            county = report_tables(period, roll_up(cube, {key}), with_counties=False)
            parts.append((cube.counties[key], tuple(t for t in county if t.key in COUNTY_TABLES)))
    return tuple(tables), tuple(parts)


def report_totals(report: Report) -> dict[str, int]:
    """The headline totals of a report (what an office's and the server's reports of the
    same records must agree on)."""
    summary = next(table for table in report.tables if table.key == "summary")
    keys = ("issued", "women", "active", "expiring", "supporters", "members")
    return {key: int(row[1] or 0) for key, row in zip(keys, summary.rows, strict=True)}
