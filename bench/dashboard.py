"""The dashboard (پیشخوان, issue 15) on the demo register.

- dashboard_first_paint: from building the dashboard tab (``DashboardScreen``) to the
  first paint of its cards with figures (the bars follow: the report's scan of the
  licences), offscreen, in a fresh process. Floor: the cards' aggregates by raw SQL (the
  active licences, this month's, last month's and last year's issues, the expiring
  windows, the facility cases by stage and by bank) in a bare window of labels, to its
  first paint. Target: <= 300 ms.
- dashboard_bars (informational): to the bars painted, against the report's licence
  aggregate by raw SQL (grouped by county, field and gender).
"""

from __future__ import annotations

import statistics
import textwrap
from collections.abc import Callable
from pathlib import Path

from bench.common import script_times

RUNS = 5

Line = Callable[..., None]
Note = Callable[[str], None]

OURS = textwrap.dedent(
    """
    import sys, time
    from PySide6.QtCore import QEvent, QObject, QTimer
    from app.views.bootstrap import create_application
    from app.services.core.db import open_database
    from bench.signin import as_head
    from app.views.context import AppContext, AppSignals
    from app.views.worker import TaskRunner
    from app.views.dashboard import DashboardScreen
    app = create_application([])
    db = as_head(open_database(sys.argv[1]))
    ctx = AppContext(db=db, runner=TaskRunner(), signals=AppSignals())
    class Painted(QObject):
        def __init__(self, ready, started, last):
            super().__init__()
            self.ready, self.started, self.last, self.done = ready, started, last, False
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and not self.done and self.ready():
                self.done = True
                print(f"{time.perf_counter() - self.started:.6f}", flush=True)
                if self.last:
                    app.quit()
            return False
    def go():
        started = time.perf_counter()
        screen = DashboardScreen(ctx)
        cards = Painted(lambda: screen.data is not None, started, False)
        bars = Painted(lambda: screen.charts is not None, started, True)
        screen.active_card.installEventFilter(cards)
        screen.group_chart.installEventFilter(bars)
        screen.resize(1200, 800)
        screen.show()
        app._keep = (screen, cards, bars)
    QTimer.singleShot(300, go)
    app.exec()
    """
)

#: The floors: the cards' aggregates (index lookups), or the bars' (the licence scan).
FLOOR = textwrap.dedent(
    """
    import datetime as dt, sqlite3, sys, time
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QGridLayout, QLabel, QWidget
    app = QApplication([])
    def cards(con, today):
        month = today.replace(day=1)
        last = (month - dt.timedelta(days=1)).replace(day=1)
        year = month.replace(year=month.year - 1)
        values = [con.execute(
            "SELECT count(*) FROM licence WHERE status = 'active' AND expiry_date >= ? "
            "AND deleted = 0", (today.isoformat(),)).fetchone()[0]]
        for start, end in ((month, today), (last, month), (year, year + dt.timedelta(days=30))):
            values += con.execute(
                "SELECT count(*) FROM licence WHERE issue_date BETWEEN ? AND ? "
                "AND coalesce(deleted, 0) IS 0",
                (start.isoformat(), end.isoformat())).fetchone()
        values += con.execute(
            "SELECT sum(expiry_date <= ?), sum(expiry_date <= ?), count(*) FROM licence "
            "WHERE status = 'active' AND deleted = 0 AND expiry_date BETWEEN ? AND ?",
            tuple((today + dt.timedelta(days=d)).isoformat() for d in (30, 60, 0, 90))).fetchone()
        values += [len(con.execute(
            "SELECT stage, count(*) FROM facility_case WHERE deleted = 0 GROUP BY stage"
        ).fetchall())]
        values += [len(con.execute(
            "SELECT bank_code, count(*), sum(disbursed_amount) FROM facility_case "
            "WHERE deleted = 0 GROUP BY bank_code").fetchall())]
        return values
    def bars(con, today):
        rows = con.execute(
            "SELECT l.county_id, l.field_id, p.gender, sum(l.issue_date >= ?), "
            "sum(l.status = 'active' AND l.expiry_date >= ?) "
            "FROM licence l JOIN person p ON p.id = l.person_id WHERE l.deleted = 0 "
            "GROUP BY l.county_id, l.field_id, p.gender",
            (today.replace(day=1).isoformat(), today.isoformat())).fetchall()
        return [len(rows), sum(r[4] or 0 for r in rows)]
    def go():
        started = time.perf_counter()
        con = sqlite3.connect(sys.argv[1])
        values = (cards if sys.argv[2] == "cards" else bars)(con, dt.date.today())
        window = QWidget()
        grid = QGridLayout(window)
        for i, value in enumerate(values):
            grid.addWidget(QLabel(str(value)), i // 4, i % 4)
        class Painted(QObject):
            def eventFilter(self, obj, event):
                if event.type() == QEvent.Type.Paint:
                    print(f"{time.perf_counter() - started:.6f}", flush=True)
                    app.quit()
                return False
        f = Painted()
        window.installEventFilter(f)
        window.resize(1200, 800)
        window.show()
        app._keep = (window, f)
    QTimer.singleShot(300, go)
    app.exec()
    """
)


def _measure(script: str, *args: str) -> list[float]:
    return script_times(script, *args, what="dashboard")


def bench_dashboard(db: Path, line: Line, note: Note) -> None:
    """Time the dashboard's cards and bars against their floors."""
    note(f"dashboard of {db.name}…")
    runs = [_measure(OURS, str(db)) for _ in range(RUNS)]
    cards = statistics.median(run[0] for run in runs)
    bars = statistics.median(run[1] for run in runs)
    floor = statistics.median(_measure(FLOOR, str(db), "cards")[0] for _ in range(RUNS))
    floor_bars = statistics.median(_measure(FLOOR, str(db), "bars")[0] for _ in range(RUNS))
    line(
        "dashboard_first_paint",
        cards,
        "s",
        floor,
        "s (the cards' aggregates by raw SQL in a bare window)",
        "<= 0.3 s",
        cards <= 0.3,
    )
    line(
        "dashboard_bars (informational)",
        bars,
        "s",
        floor_bars,
        "s (the licences grouped by county, field and gender by raw SQL)",
        "none",
        True,
    )
