"""Reading supporters for the screens: the supporter list (search and filters, with active
member counts), a network's members page by page, its coverage month by month and its
summary by county and field, and the supporter licences not yet used.

Plain SQL over one session: supporters are hundreds and networks thousands, and the list
and the members page are what the screens redraw on every keystroke or scroll.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.models.licence import KIND_SUPPORTER
from app.models.supporter import SUPPORTER_LEGAL
from app.services.supporters.records import (
    COVERAGE_NEAR,
    COVERAGE_OVER,
    COVERAGE_UNDER_HALF,
    CoveragePoint,
    MemberRow,
    MembershipRow,
    NetworkSummary,
    SummaryLine,
    SupporterFilter,
    SupporterRow,
)
from common import jalali
from common.text import persian_sort_key, search_key

_COVERAGE_SQL = {
    COVERAGE_OVER: "active > s.capacity",
    COVERAGE_NEAR: "active * 10 >= s.capacity * 9 AND active <= s.capacity",
    COVERAGE_UNDER_HALF: "active * 2 < s.capacity",
}

# -- the list, the members page, coverage and summary --------------------------------------

_ACTIVE_COUNTS = (
    "SELECT supporter_id, count(*) AS n FROM network_member "
    "WHERE left_on IS NULL AND deleted = 0 GROUP BY supporter_id"
)


def list_supporters(session: Session, flt: SupporterFilter | None = None) -> list[SupporterRow]:
    """The supporters matching ``flt``, by name (supporters are hundreds: no paging)."""
    flt = flt or SupporterFilter()
    clauses = ["s.deleted = 0"]
    params: dict[str, Any] = {}
    for i, token in enumerate(search_key(flt.text).split()):
        # Words match at their start, as in the register: «12» finds «12…», not «0612».
        clauses.append(f"(' ' || s.search_key) LIKE :t{i} ESCAPE '\\'")
        escaped = token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params[f"t{i}"] = f"% {escaped}%"
    if flt.field_id:
        clauses.append(
            "(s.field_id = :field_id OR EXISTS (SELECT 1 FROM json_each(s.related_field_ids) "
            "WHERE value = :field_id))"
        )
        params["field_id"] = flt.field_id
    if flt.county_id:
        clauses.append("s.county_id = :county_id")
        params["county_id"] = flt.county_id
    if flt.status:
        clauses.append("s.status = :status")
        params["status"] = flt.status
    if flt.coverage in _COVERAGE_SQL:
        clauses.append(_COVERAGE_SQL[flt.coverage])
    sql = (
        "SELECT * FROM (SELECT s.id, s.kind, s.legal_name, p.first_name || ' ' || p.last_name "
        "AS holder, s.legal_id, p.national_id, l.number, f.name AS field, c.name AS county, "
        "s.capacity, coalesce(a.n, 0) AS active, s.status, s.mobile, p.mobile AS pmobile, "
        "s.deleted, s.search_key, s.field_id, s.related_field_ids, s.county_id "
        "FROM supporter s JOIN licence l ON l.id = s.licence_id "
        "JOIN person p ON p.id = l.person_id JOIN business_field f ON f.id = s.field_id "
        f"JOIN county c ON c.id = s.county_id LEFT JOIN ({_ACTIVE_COUNTS}) a "
        "ON a.supporter_id = s.id) s "
        f"WHERE {' AND '.join(clauses)}"
    )
    rows = [
        SupporterRow(
            id=r[0],
            name=r[2] if r[1] == SUPPORTER_LEGAL and r[2] else r[3],
            kind=r[1],
            legal_id=r[4],
            national_id=r[5],
            licence_number=r[6],
            field=r[7],
            county=r[8],
            capacity=int(r[9]),
            active_members=int(r[10]),
            status=r[11],
            mobile=r[12] or r[13],
        )
        for r in session.execute(text(sql), params)
    ]
    rows.sort(key=lambda row: persian_sort_key(row.name))
    return rows


_MEMBER_SQL = (
    "SELECT m.id, m.person_id, p.first_name || ' ' || p.last_name, p.national_id, m.role, "
    "c.name, m.joined_on, m.left_on, m.leave_reason, m.override_reason "
    "FROM network_member m JOIN person p ON p.id = m.person_id "
    "JOIN county c ON c.id = m.county_id "
    "WHERE m.supporter_id = :sid AND m.deleted = 0"
)


def count_members(session: Session, supporter_id: str, *, include_left: bool = True) -> int:
    """How many memberships the supporter's page lists."""
    sql = "SELECT count(*) FROM network_member WHERE supporter_id = :sid AND deleted = 0"
    if not include_left:
        sql += " AND left_on IS NULL"
    return int(session.execute(text(sql), {"sid": supporter_id}).scalar_one())


def member_page(
    session: Session,
    supporter_id: str,
    offset: int,
    limit: int,
    *,
    include_left: bool = True,
) -> list[MemberRow]:
    """Memberships ``offset`` … ``offset + limit``: current members first, then those who
    left by leaving date (the order of ``ix_network_member_supporter_left``)."""
    sql = _MEMBER_SQL + ("" if include_left else " AND m.left_on IS NULL")
    sql += " ORDER BY m.left_on, m.rowid LIMIT :limit OFFSET :offset"
    rows = session.execute(text(sql), {"sid": supporter_id, "limit": limit, "offset": offset})
    return [
        MemberRow(
            id=r[0],
            person_id=r[1],
            name=r[2],
            national_id=r[3],
            role=r[4],
            county=r[5],
            joined_on=dt.date.fromisoformat(r[6]),
            left_on=dt.date.fromisoformat(r[7]) if r[7] else None,
            leave_reason=r[8],
            override_reason=r[9],
        )
        for r in rows
    ]


def coverage_by_month(
    session: Session, supporter_id: str, months: int = 24, today: dt.date | None = None
) -> list[CoveragePoint]:
    """Members active during each of the last ``months`` Jalali months (oldest first);
    a member counts in a month if they joined by its end and had not left before it."""
    now = today or jalali.today()
    y, m, _d = jalali.to_jalali_tuple(now)
    spans = [
        (dt.date.fromisoformat(j), dt.date.fromisoformat(left) if left else None)
        for j, left in session.execute(
            text(
                "SELECT joined_on, left_on FROM network_member "
                "WHERE supporter_id = :sid AND deleted = 0"
            ),
            {"sid": supporter_id},
        )
    ]
    points: list[CoveragePoint] = []
    for back in range(months - 1, -1, -1):
        year, month0 = divmod(y * 12 + (m - 1) - back, 12)
        start = jalali.from_jalali(year, month0 + 1, 1)
        end = jalali.from_jalali(year, month0 + 1, jalali.month_length(year, month0 + 1))
        active = sum(1 for j, left in spans if j <= end and (left is None or left >= start))
        points.append(CoveragePoint(year, month0 + 1, active))
    return points


def network_summary(session: Session, supporter_id: str) -> NetworkSummary:
    """The network's members by county and by the field of their latest licence."""
    by_county = [
        SummaryLine(name, int(active), int(left))
        for name, active, left in session.execute(
            text(
                "SELECT c.name, sum(m.left_on IS NULL), sum(m.left_on IS NOT NULL) "
                "FROM network_member m JOIN county c ON c.id = m.county_id "
                "WHERE m.supporter_id = :sid AND m.deleted = 0 "
                "GROUP BY c.name ORDER BY sum(m.left_on IS NULL) DESC, c.name"
            ),
            {"sid": supporter_id},
        )
    ]
    none_label = "بدون مجوز"
    by_field = [
        SummaryLine(name or none_label, int(active), int(left))
        for name, active, left in session.execute(
            text(
                "SELECT (SELECT f.name FROM licence l JOIN business_field f ON f.id = l.field_id "
                "WHERE l.person_id = m.person_id AND l.deleted = 0 AND l.status != 'revoked' "
                "ORDER BY l.issue_date DESC LIMIT 1) AS fname, "
                "sum(m.left_on IS NULL), sum(m.left_on IS NOT NULL) "
                "FROM network_member m WHERE m.supporter_id = :sid AND m.deleted = 0 "
                "GROUP BY fname ORDER BY sum(m.left_on IS NULL) DESC, fname"
            ),
            {"sid": supporter_id},
        )
    ]
    return NetworkSummary(by_county, by_field)


def supporter_licence_choices(session: Session) -> list[tuple[str, str]]:
    """Active supporter-kind licences not yet used by a supporter: (number, holder)."""
    today = jalali.today().isoformat()
    rows = session.execute(
        text(
            "SELECT l.number, p.first_name || ' ' || p.last_name FROM licence l "
            "JOIN person p ON p.id = l.person_id WHERE l.deleted = 0 AND l.kind = :kind "
            "AND l.status = 'active' AND l.expiry_date >= :today AND NOT EXISTS "
            "(SELECT 1 FROM supporter s WHERE s.licence_id = l.id AND s.deleted = 0) "
            "ORDER BY l.number"
        ),
        {"kind": KIND_SUPPORTER, "today": today},
    )
    return [(str(n), str(h)) for n, h in rows]


def memberships_of(session: Session, person_id: str) -> list[MembershipRow]:
    """The networks ``person_id`` belongs or belonged to, current ones first, newest first."""
    rows = session.execute(
        text(
            "SELECT m.id, s.id, s.kind, s.legal_name, p.first_name || ' ' || p.last_name, "
            "m.role, c.name, m.joined_on, m.left_on "
            "FROM network_member m JOIN supporter s ON s.id = m.supporter_id "
            "JOIN licence l ON l.id = s.licence_id JOIN person p ON p.id = l.person_id "
            "JOIN county c ON c.id = m.county_id "
            "WHERE m.person_id = :person AND m.deleted = 0 AND s.deleted = 0 "
            "ORDER BY m.left_on IS NOT NULL, m.joined_on DESC"
        ),
        {"person": person_id},
    )
    return [
        MembershipRow(
            member_id=r[0],
            supporter_id=r[1],
            supporter_name=r[3] if r[2] == SUPPORTER_LEGAL and r[3] else r[4],
            role=r[5],
            county=r[6],
            joined_on=dt.date.fromisoformat(r[7]),
            left_on=dt.date.fromisoformat(r[8]) if r[8] else None,
        )
        for r in rows
    ]
