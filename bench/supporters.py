"""Supporter figures: opening a supporter with 2,000 network members.

- supporter_page_first_paint_2000_members: from asking for the supporter's page
  (``SupportersScreen.open_supporter``) to the first paint of its members table with rows
  shown, offscreen, in a fresh process. The page shows the network's first 200 members
  (the rest come as the table scrolls). Floor: a bare QTableView over a
  QStandardItemModel filled with the same first 200 rows (the count and the page read by
  raw SQL in the same order), from the request to its first paint with rows. Target:
  <= 300 ms.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import script_times

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
MEMBERS = 2_000
RUNS = 5

Line = Callable[..., None]
Note = Callable[[str], None]


def build_database(path: Path, members: int = MEMBERS) -> str:
    """A database with one supporter of ``members`` members (one session, the service);
    returns the supporter's id."""
    from app.services.core import reference
    from app.services.core.db import open_database
    from app.services.core.office import OfficeInput, setup_office
    from app.services.licences.records import LicenceInput, PersonInput
    from app.services.licences.service import LicenceService
    from app.services.supporters.records import MemberInput, SupporterInput
    from app.services.supporters.service import SupporterService
    from bench.signin import as_head
    from common.validators import national_id_check_digit

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = as_head(open_database(path))
    try:
        with db.session() as s:
            reference.seed_reference_data(s)
            s.flush()
            province = next(p for p in reference.list_provinces(s) if p.name == "تهران")
            counties = reference.list_counties(s, province.id)
            county = next(c for c in counties if c.name == "تهران")
            # A province office: the network's members live in the province's counties.
            setup_office(s, OfficeInput(province.id, None, "bench", "0612", 5))
            field = reference.list_fields(s, only_active=True)[0]
            licence = LicenceService(s).issue(
                PersonInput(national_id="0067749828", first_name="مریم", last_name="کریمی"),
                LicenceInput(
                    kind="supporter",
                    field_id=field.id,
                    county_id=county.id,
                    issue_date=dt.date.today() - dt.timedelta(days=400),
                ),
            )
            service = SupporterService(s)
            supporter = service.create(
                SupporterInput(
                    licence_number=licence.number,
                    sheba="IR050170000000123456789012",
                    capacity=str(members + 100),
                )
            )
            names = ("زهرا", "علی", "فاطمه", "رضا", "نرگس", "حسین")
            for i in range(members):
                first9 = f"{413_456_789 + i * 10_007:09d}"
                nid = first9 + str(national_id_check_digit(first9))
                service.add_member(
                    supporter.id,
                    MemberInput(
                        PersonInput(national_id=nid, first_name=names[i % 6], last_name="احمدی"),
                        county_id=counties[i % len(counties)].id,
                        joined_on=dt.date.today() - dt.timedelta(days=1 + i % 700),
                    ),
                    override_reason="bench",
                )
            return supporter.id
    finally:
        db.close()


OURS = textwrap.dedent(
    """
    import sys, time
    from PySide6.QtCore import QTimer
    from app.views.bootstrap import create_application
    from app.services.core.db import open_database
    from bench.signin import as_head
    from app.views.context import AppContext, AppSignals
    from app.views.worker import TaskRunner
    from app.views.supporters_screen import SupportersScreen
    app = create_application([])
    db = as_head(open_database(sys.argv[1]))
    ctx = AppContext(db=db, runner=TaskRunner(), signals=AppSignals())
    screen = SupportersScreen(ctx)
    screen.show()
    def go():
        started = time.perf_counter()
        page = screen.open_supporter(sys.argv[2])
        def painted():
            print(f"{time.perf_counter() - started:.6f}", flush=True)
            app.quit()
        page.sig_members_painted.connect(painted)
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
    app = QApplication([])
    def go():
        started = time.perf_counter()
        con = sqlite3.connect(sys.argv[1])
        con.execute(
            "SELECT count(*) FROM network_member WHERE supporter_id = ? AND deleted = 0",
            (sys.argv[2],)).fetchone()
        rows = con.execute(
            "SELECT p.first_name || ' ' || p.last_name, p.national_id, m.role, c.name, "
            "m.joined_on, m.left_on, m.override_reason FROM network_member m "
            "JOIN person p ON p.id = m.person_id JOIN county c ON c.id = m.county_id "
            "WHERE m.supporter_id = ? AND m.deleted = 0 ORDER BY m.left_on, m.rowid "
            "LIMIT 200", (sys.argv[2],)).fetchall()
        model = QStandardItemModel(len(rows), 7)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
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


def _measure(script: str, db: Path, supporter_id: str) -> float:
    return script_times(script, str(db), supporter_id, what="supporter page")[0]


def bench_supporters(work: Path, line: Line, note: Note) -> None:
    """Build the 2,000-member database, then time the supporter page's first paint."""
    db = work / "supporters-2000.sqlite3"
    note(f"building a supporter with {MEMBERS} members…")
    started = time.perf_counter()
    supporter_id = build_database(db)
    note(f"built in {time.perf_counter() - started:.1f} s")
    ours = statistics.median(_measure(OURS, db, supporter_id) for _ in range(RUNS))
    floor = statistics.median(_measure(FLOOR, db, supporter_id) for _ in range(RUNS))
    line(
        f"supporter_page_first_paint_{MEMBERS}_members",
        ours,
        "s",
        floor,
        "s (bare table, the same 200 rows)",
        "<= 0.3 s",
        ours <= 0.3,
    )
