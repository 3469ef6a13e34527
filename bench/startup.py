"""Start-up: from spawning ``daftar`` to the register's first page of rows painted.

Floor: a bare QMainWindow whose QTableView shows the same first page (the same count
and the same 200 rows, read by the register's own SQL with the raw ``sqlite3`` module)
from a fresh process to the table's first paint with the rows in it. What the floor
leaves out is Daftar's own overhead: its imports, the database layer, migrations check,
the office, the window's screens and the register model. Target: <= 2x the floor.
The first paint of the empty frame is printed too (informational).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from bench.common import PY, line, median_time

ROWS_FLOOR = textwrap.dedent(
    """
    import sqlite3, sys
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QMainWindow, QTableView
    app = QApplication(sys.argv)
    window = QMainWindow()
    view = QTableView()
    window.setCentralWidget(view)
    window.resize(1280, 800)
    con = sqlite3.connect(sys.argv[1])
    con.execute("SELECT count(*) FROM licence l WHERE l.deleted = 0").fetchone()
    rows = con.execute(
        "SELECT l.id, l.number, p.first_name || ' ' || p.last_name, p.national_id, f.name, "
        "c.name, l.issue_date, l.expiry_date, l.status, p.mobile FROM licence l "
        "JOIN person p ON p.id = l.person_id JOIN business_field f ON f.id = l.field_id "
        "JOIN county c ON c.id = l.county_id WHERE l.deleted = 0 "
        "ORDER BY l.local_seq DESC LIMIT 200"
    ).fetchall()
    model = QStandardItemModel(len(rows), 9)
    for r, row in enumerate(rows):
        for c, value in enumerate(row[1:]):
            model.setItem(r, c, QStandardItem(str(value)))
    view.setModel(model)
    class Painted(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                print("painted", flush=True)
                app.quit()
            return False
    probe = Painted()
    view.viewport().installEventFilter(probe)
    window.show()
    app.exec()
    """
)

FRAME_FLOOR = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication, QMainWindow
    app = QApplication(sys.argv)
    window = QMainWindow()
    window.resize(1280, 800)
    class Painted(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                print("painted", flush=True)
                app.quit()
            return False
    probe = Painted()
    window.installEventFilter(probe)
    window.show()
    app.exec()
    """
)


def bench_startup(db: Path) -> None:
    """Spawn to the register's first rows painted, against the bare window and table."""
    app_args = [PY, "-m", "app", "--db", str(db)]
    floor = median_time([PY, "-c", ROWS_FLOOR, str(db)])
    ours = median_time(app_args, {"DAFTAR_EXIT_AFTER_PAINT": "rows"})
    line(
        "startup_to_first_rows_painted",
        ours,
        "s",
        floor,
        "s (bare window + table, same page by raw SQL)",
        "<= 2x floor",
        ours <= 2 * floor,
    )
    frame_floor = median_time([PY, "-c", FRAME_FLOOR])
    frame = median_time(app_args, {"DAFTAR_EXIT_AFTER_PAINT": "1"})
    line(
        "startup_to_first_frame (informational)",
        frame,
        "s",
        frame_floor,
        "s (bare QMainWindow)",
        "none",
        True,
    )
