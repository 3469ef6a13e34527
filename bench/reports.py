"""Report figures (issue 15) on the demo database of ``--licences`` licences.

- report_year_pdf: ``build_report`` of the last Jalali year (every count: the licence
  cube, networks, events; the roll-up into the tables) and its PDF drawn, median of a few
  runs. Floor: the same licence aggregate as one raw SQL query (sqlite3, the twelve
  conditional sums grouped by county, field and gender), the bulk of the work. Target:
  <= 5 s (issue 15: a yearly province report within 5 s).
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path

Line = Callable[..., None]
RUNS = 3
TARGET_S = 5.0

FLOOR_SQL = """
SELECT l.county_id, l.field_id, p.gender, {sums}
FROM licence l JOIN person p ON p.id = l.person_id
WHERE l.deleted = 0
GROUP BY l.county_id, l.field_id, p.gender
"""


def _floor_sql(periods: list[tuple[str, str]]) -> str:
    sums = []
    for first, last in periods:
        sums.append(f"SUM(l.issue_date BETWEEN '{first}' AND '{last}')")
        sums.append(
            f"SUM(l.issue_date <= '{last}' AND l.expiry_date >= '{last}' AND l.status = 'active')"
        )
        sums.append(f"SUM(l.expiry_date BETWEEN '{first}' AND '{last}' AND l.status != 'revoked')")
        sums.append(f"SUM(l.issue_date BETWEEN '{first}' AND '{last}' AND p.gender = 'F')")
    return FLOOR_SQL.format(sums=", ".join(sums))


def bench_reports(db_path: Path, line: Line, note: Line) -> None:
    from app.services.core.db import open_database
    from app.services.reports.service import build_report
    from bench.signin import as_head
    from common import jalali
    from common.periods import Period
    from common.report_pdf import render_report_pdf
    from common.reports import report_totals

    period = Period("year", jalali.to_jalali_tuple(jalali.today())[0] - 1)
    db = as_head(open_database(db_path))
    times = []
    try:
        for _ in range(RUNS):
            started = time.perf_counter()
            with db.session() as session:
                report = build_report(session, period)
            render_report_pdf(report)
            times.append(time.perf_counter() - started)
    finally:
        db.close()
    periods = [period, period.previous(), period.year_before()]
    sql = _floor_sql([(p.start.isoformat(), p.end.isoformat()) for p in periods])
    floors = []
    connection = sqlite3.connect(db_path)
    try:
        for _ in range(RUNS):
            started = time.perf_counter()
            connection.execute(sql).fetchall()
            floors.append(time.perf_counter() - started)
    finally:
        connection.close()
    value, floor = statistics.median(times), statistics.median(floors)
    totals = " ".join(f"{k}={v}" for k, v in report_totals(report).items())
    note(f"report {period.code}: {totals}")
    line("report_year_pdf", value, "s", floor, "s", f"<= {TARGET_S:.0f} s", value <= TARGET_S)
