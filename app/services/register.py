"""The licence register as a query: filter, search, sort and page in SQL.

The register's table model asks for a count and for pages of rows; nothing is sorted or
filtered in Python, so it stays smooth with hundreds of thousands of licences. Search
uses the FTS5 index over each licence's normalised search key (prefix match of every
word typed, in any order).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.models.licence import STATUS_ACTIVE, STATUS_REVOKED, STATUS_SUSPENDED
from app.services import jalali
from app.services.licences import STATUS_EXPIRED, effective_status
from app.services.text import search_key

#: Sortable columns: name → SQL expression. "recent" (the default) is the order licences
#: were entered, newest first: it follows the FTS index, so a search that matches most of
#: the register still returns its first page at once.
SORT_COLUMNS: dict[str, str] = {
    "recent": "l.local_seq",
    "number": "l.number",
    "holder": "p.last_name || ' ' || p.first_name",
    "national_id": "p.national_id",
    "field": "f.name",
    "county": "c.name",
    "issue_date": "l.issue_date",
    "expiry_date": "l.expiry_date",
    "status": "l.status",
}

FILTER_STATUSES = (STATUS_ACTIVE, STATUS_EXPIRED, STATUS_SUSPENDED, STATUS_REVOKED)


class RegisterRow(NamedTuple):
    """One row of the register table (plain data, safe to pass between threads)."""

    id: str
    number: str
    holder: str
    national_id: str
    field: str
    county: str
    issue_date: dt.date
    expiry_date: dt.date
    status: str
    mobile: str


@dataclass(frozen=True)
class RegisterFilter:
    """What the clerk asked the register to show."""

    text: str = ""
    status: str | None = None
    field_id: str | None = None
    county_id: str | None = None
    expiring_within_days: int | None = None
    issued_since: dt.date | None = None
    sort: str = "recent"
    descending: bool = True

    def with_text(self, value: str) -> RegisterFilter:
        """A copy with another search text."""
        return replace(self, text=value)


def fts_query(value: str) -> str:
    """The FTS5 MATCH expression for what was typed ("" when nothing searchable)."""
    tokens = search_key(value).split()
    return " ".join(f'"{token}"*' for token in tokens)


def _where(flt: RegisterFilter, today: dt.date) -> tuple[list[str], dict[str, Any]]:
    """WHERE clauses on ``licence l`` other than the text search, and their parameters."""
    clauses = ["l.deleted = 0"]
    params: dict[str, Any] = {"today": today.isoformat()}
    if flt.status == STATUS_ACTIVE:
        clauses.append("l.status = 'active' AND l.expiry_date >= :today")
    elif flt.status == STATUS_EXPIRED:
        clauses.append("l.status = 'active' AND l.expiry_date < :today")
    elif flt.status in (STATUS_SUSPENDED, STATUS_REVOKED):
        clauses.append("l.status = :status")
        params["status"] = flt.status
    if flt.field_id:
        clauses.append("l.field_id = :field_id")
        params["field_id"] = flt.field_id
    if flt.county_id:
        clauses.append("l.county_id = :county_id")
        params["county_id"] = flt.county_id
    if flt.expiring_within_days is not None:
        clauses.append(
            "l.status = 'active' AND l.expiry_date >= :today AND l.expiry_date <= :until"
        )
        params["until"] = (today + dt.timedelta(days=flt.expiring_within_days)).isoformat()
    if flt.issued_since is not None:
        clauses.append("l.issue_date >= :since")
        params["since"] = flt.issued_since.isoformat()
    return clauses, params


def _source(flt: RegisterFilter, params: dict[str, Any]) -> str:
    """The FROM part: with a search, the FTS index drives the join (CROSS JOIN fixes the
    order: SQLite would otherwise scan licences and probe the index for each)."""
    match = fts_query(flt.text)
    if not match:
        return "licence l"
    params["match"] = match
    return "licence_fts CROSS JOIN licence l ON l.local_seq = licence_fts.rowid"


def _text_clause(flt: RegisterFilter) -> list[str]:
    return ["licence_fts MATCH :match"] if fts_query(flt.text) else []


def count(session: Session, flt: RegisterFilter, today: dt.date | None = None) -> int:
    """How many licences match the filter."""
    clauses, params = _where(flt, today or jalali.today())
    source = _source(flt, params)
    if "match" in params and len(clauses) == 1:
        # Only a search: tombstones are indexed empty, so the index alone counts.
        sql = "SELECT count(*) FROM licence_fts WHERE licence_fts MATCH :match"
    else:
        where = " AND ".join(clauses + _text_clause(flt))
        sql = f"SELECT count(*) FROM {source} WHERE {where}"
    return int(session.execute(text(sql), params).scalar_one())


_COLUMNS = (
    "l.id, l.number, p.first_name || ' ' || p.last_name, p.national_id, f.name, "
    "c.name, l.issue_date, l.expiry_date, l.status, p.mobile"
)
_JOINS = (
    "JOIN person p ON p.id = l.person_id "
    "JOIN business_field f ON f.id = l.field_id JOIN county c ON c.id = l.county_id"
)


def _ordered_sql(flt: RegisterFilter, columns: str, today: dt.date) -> tuple[str, dict[str, Any]]:
    clauses, params = _where(flt, today)
    source = _source(flt, params)
    where = " AND ".join(clauses + _text_clause(flt))
    direction = "DESC" if flt.descending else "ASC"
    if flt.sort not in SORT_COLUMNS or flt.sort == "recent":
        key = "licence_fts.rowid" if "match" in params else "l.local_seq"
        order = f"{key} {direction}"
    else:
        order = f"{SORT_COLUMNS[flt.sort]} {direction}, l.local_seq {direction}"
    return f"SELECT {columns} FROM {source} {_JOINS} WHERE {where} ORDER BY {order}", params


def page(
    session: Session,
    flt: RegisterFilter,
    offset: int,
    limit: int,
    today: dt.date | None = None,
) -> list[RegisterRow]:
    """Rows ``offset`` … ``offset + limit`` of the filtered, sorted register."""
    today = today or jalali.today()
    sql, params = _ordered_sql(flt, _COLUMNS, today)
    params.update(limit=limit, offset=offset)
    rows = session.execute(text(f"{sql} LIMIT :limit OFFSET :offset"), params)
    result = []
    for row in rows:
        issue = dt.date.fromisoformat(row[6])
        expiry = dt.date.fromisoformat(row[7])
        result.append(
            RegisterRow(
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                row[5],
                issue,
                expiry,
                effective_status(row[8], expiry, today),
                row[9],
            )
        )
    return result


def ids(session: Session, flt: RegisterFilter, today: dt.date | None = None) -> list[str]:
    """Ids of every matching licence, in the filter's order (for batch work)."""
    sql, params = _ordered_sql(flt, "l.id", today or jalali.today())
    return [str(row[0]) for row in session.execute(text(sql), params)]


def export_clause(
    flt: RegisterFilter, today: dt.date | None = None
) -> tuple[str, str, dict[str, Any]]:
    """(FROM source, WHERE clause, params) of a filter, for exports over ``licence l``."""
    clauses, params = _where(flt, today or jalali.today())
    source = _source(flt, params)
    return source, " AND ".join(clauses + _text_clause(flt)), params
