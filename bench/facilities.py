"""The facility case list (issue 14) on the demo register with 50,000 facility cases.

- facility_list_first_paint_50000_cases: from showing the «تسهیلات» screen
  (``FacilitiesScreen``) to the first paint of its table with rows, offscreen, in a fresh
  process. The list paints its newest 200 cases first and reads the rest after. Floor:
  the same first page by raw SQL (joined with the holder, the licence and the supporter,
  newest request first) in a bare QTableView, to its first paint. Target: <= 200 ms.

The cases are made by one case opened through the service and copied with raw SQL onto
random licences of the register, with random stages and request dates (a bench reads
them; it does not check them).
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import sqlite3
import statistics
import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path

from bench.common import remove_db, script_times

CASES = 50_000
RUNS = 5

Line = Callable[..., None]
Note = Callable[[str], None]

_STAGES = ("requested", "review", "referred", "bank_file", "guarantee", "approved", "paid")


def build_database(demo: Path, path: Path, cases: int = CASES) -> None:
    """A copy of the demo register with ``cases`` facility cases."""
    from app.services.core.db import open_database
    from app.services.facilities.records import FacilityInput
    from app.services.facilities.service import FacilityService
    from bench.signin import as_head

    remove_db(path)
    shutil.copyfile(demo, path)
    db = as_head(open_database(path))  # migrated to this version
    try:
        with db.session() as session:
            number = (
                session.connection()
                .exec_driver_sql(
                    "SELECT number FROM licence WHERE status = 'active' AND deleted = 0 LIMIT 1"
                )
                .scalar_one()
            )
            FacilityService(session).open_case(
                FacilityInput(
                    licence_number=number,
                    programme="تسهیلات تکلیفی مشاغل خانگی",
                    bank_code="013",
                    purpose="خرید چرخ خیاطی صنعتی",
                    requested_amount="۲۰۰٬۰۰۰٬۰۰۰",
                    term_months="۳۶",
                    rate="۴",
                    guarantees=("سفته",),
                    dates={"requested_on": dt.date.today() - dt.timedelta(days=400)},
                )
            )
    finally:
        db.close()
    con = sqlite3.connect(path)
    try:
        columns = [r[1] for r in con.execute("PRAGMA table_info(facility_case)")]
        template = dict(
            zip(columns, con.execute("SELECT * FROM facility_case").fetchone(), strict=True)
        )
        licences = con.execute(
            "SELECT id, person_id, county_id FROM licence WHERE deleted = 0"
        ).fetchall()
        rng = random.Random(1)
        today = dt.date.today()
        rows = []
        for n in range(cases - 1):
            licence, person, county = rng.choice(licences)
            stage = rng.choice(_STAGES)
            requested = today - dt.timedelta(days=rng.randrange(5, 700))
            row = dict(template)
            row.update(
                id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                licence_id=licence,
                person_id=person,
                county_id=county,
                requested_amount=10 * rng.randrange(10_000_000, 500_000_000),
                stage=stage,
                requested_on=requested.isoformat(),
                review_on=(requested + dt.timedelta(days=3)).isoformat()
                if stage != "requested"
                else None,
                referral_no=f"B-{n}",
            )
            rows.append(tuple(row[c] for c in columns))
        marks = ",".join("?" * len(columns))
        con.executemany(f"INSERT INTO facility_case ({','.join(columns)}) VALUES ({marks})", rows)
        con.commit()
    finally:
        con.close()


OURS = textwrap.dedent(
    """
    import sys, time
    from PySide6.QtCore import QEvent, QObject, QTimer
    from app.views.bootstrap import create_application
    from app.services.core.db import open_database
    from bench.signin import as_head
    from app.views.context import AppContext, AppSignals
    from app.views.worker import TaskRunner
    from app.views.facilities.screen import FacilitiesScreen
    app = create_application([])
    db = as_head(open_database(sys.argv[1]))
    ctx = AppContext(db=db, runner=TaskRunner(), signals=AppSignals())
    class Painted(QObject):
        def __init__(self, screen, started):
            super().__init__()
            self.screen, self.started = screen, started
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and self.screen.model.rowCount():
                print(f"{time.perf_counter() - self.started:.6f}", flush=True)
                app.quit()
            return False
    def go():
        started = time.perf_counter()
        screen = FacilitiesScreen(ctx)
        watcher = Painted(screen, started)
        screen.table.viewport().installEventFilter(watcher)
        screen.show()
        app._keep = (screen, watcher)
    QTimer.singleShot(300, go)
    app.exec()
    """
)

FLOOR = textwrap.dedent(
    """
    import sqlite3, sys, time
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QTableView
    from app.services.facilities.queries import FIRST_PAGE
    app = QApplication([])
    def go():
        started = time.perf_counter()
        con = sqlite3.connect(sys.argv[1])
        rows = con.execute(
            "SELECT f.id, p.first_name || ' ' || p.last_name, p.national_id, l.number, "
            "s.legal_name, f.programme, f.bank_code, f.branch_name, f.requested_amount, "
            "f.approved_amount, f.stage FROM facility_case f "
            "JOIN person p ON p.id = f.person_id JOIN licence l ON l.id = f.licence_id "
            "LEFT JOIN supporter s ON s.id = f.supporter_id WHERE coalesce(f.deleted, 0) IS 0 "
            "ORDER BY f.requested_on DESC, f.id DESC LIMIT ?", (FIRST_PAGE,)).fetchall()
        model = QStandardItemModel(len(rows), 10)
        for r, row in enumerate(rows):
            for c, value in enumerate(row[1:]):
                model.setItem(r, c, QStandardItem(str(value or "")))
        view = QTableView()
        view.setModel(model)
        class Painted(QObject):
            def eventFilter(self, obj, event):
                if event.type() == QEvent.Type.Paint:
                    print(f"{time.perf_counter() - started:.6f}", flush=True)
                    app.quit()
                return False
        f = Painted()
        view.viewport().installEventFilter(f)
        view.show()
        app._keep = (view, model, f)
    QTimer.singleShot(300, go)
    app.exec()
    """
)


def _measure(script: str, db: Path) -> float:
    return script_times(script, str(db), what="facility list")[0]


def bench_facilities(demo: Path, work: Path, line: Line, note: Note) -> None:
    """Build 50,000 cases on the demo register, then time the list's first paint."""
    db = work / f"facilities-{CASES}.sqlite3"
    note(f"building {CASES} facility cases on {demo.name}…")
    build_database(demo, db)
    ours = statistics.median(_measure(OURS, db) for _ in range(RUNS))
    floor = statistics.median(_measure(FLOOR, db) for _ in range(RUNS))
    line(
        f"facility_list_first_paint_{CASES}_cases",
        ours,
        "s",
        floor,
        "s (the same first 200 rows by raw SQL, a bare table)",
        "<= 0.2 s",
        ours <= 0.2,
    )
