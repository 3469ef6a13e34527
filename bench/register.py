"""The register: demo data, search as you type, scrolling, spreadsheet import.

- demo_N_licences: ``daftar demo --licences N`` into a new database. Floor: raw
  ``executemany`` inserts of the same holders and licences in one transaction.
- search_keystroke_p95: count + first page per keystroke through the register service.
  Floor: the raw FTS query on the same index.
- scroll_peak_memory: peak RSS scrolling the whole register table. Floor: a bare
  QTableView's process.
- import_N_rows: ``daftar import`` of an N-row .xlsx (parsing excluded from the ratio).
  Floor: raw inserts of the same rows.
"""

from __future__ import annotations

import sqlite3
import textwrap
import time
from pathlib import Path

from bench.common import PEAK_KB, PY, line, new_office_db, p95, raw_insert_floor, run


def bench_demo(work: Path, licences: int) -> Path:
    """`daftar demo --licences N` into a new database; returns the database."""
    db = work / f"demo-{licences}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    run([PY, "-m", "app", "demo", "--licences", str(licences), "--db", str(db), "--seed", "1"])
    elapsed = time.perf_counter() - started
    floor = raw_insert_floor(db, work)
    line(f"demo_{licences}_licences", elapsed, "s", floor, "s", "<= 60 s", elapsed <= 60)
    return db


def _queries(db: Path) -> list[str]:
    """What a clerk types, keystroke by keystroke: names, national IDs, numbers, mobiles."""
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT p.first_name, p.last_name, p.national_id, l.number, p.mobile "
        "FROM licence l JOIN person p ON p.id = l.person_id "
        "ORDER BY l.local_seq LIMIT 40 OFFSET 1000"
    ).fetchall()
    conn.close()
    texts = []
    for i, (first, last, nid, number, mobile) in enumerate(rows):
        texts.append([f"{first} {last}", nid, number, mobile, f"{last} {first}"][i % 5])
    queries: list[str] = []
    for text in texts:
        queries.extend(text[:n] for n in range(1, len(text) + 1) if text[:n].strip())
    return queries


def bench_search(db: Path) -> None:
    """Search as you type: count + first page per keystroke, vs the raw FTS query."""
    from app.services.core.db import open_database
    from app.services.licences import register
    from app.services.licences.register import RegisterFilter
    from bench.signin import as_head

    queries = _queries(db)
    database = as_head(open_database(db))
    ours: list[float] = []
    with database.session() as session:
        register.count(session, RegisterFilter())  # warm caches
        for query in queries:
            started = time.perf_counter()
            flt = RegisterFilter(text=query)
            register.count(session, flt)
            register.page(session, flt, 0, 200)
            ours.append(time.perf_counter() - started)
    database.close()
    raw = sqlite3.connect(db)
    floor: list[float] = []
    for query in queries:
        match = register.fts_query(query)
        started = time.perf_counter()
        if match:
            raw.execute("SELECT count(*) FROM licence_fts WHERE licence_fts MATCH ?", (match,))
            raw.execute(
                "SELECT rowid FROM licence_fts WHERE licence_fts MATCH ? LIMIT 200", (match,)
            ).fetchall()
        floor.append(time.perf_counter() - started)
    raw.close()
    ours_p95, floor_p95 = p95(ours) * 1000, p95(floor) * 1000
    ratio = ours_p95 / floor_p95
    line(
        f"search_keystroke_p95 ({len(queries)} keystrokes)",
        ours_p95,
        "ms",
        floor_p95,
        "ms",
        "<= 50 ms and <= 3x floor",
        ours_p95 <= 50 and ratio <= 3,
    )


SCROLL = PEAK_KB + textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from PySide6.QtWidgets import QApplication, QTableView
    from app.views.bootstrap import create_application
    from app.views.context import AppContext, AppSignals
    from app.views.worker import TaskRunner
    from app.views.register_model import RegisterModel
    from app.services.core.db import open_database
    from bench.signin import as_head
    app = create_application(sys.argv)
    db = as_head(open_database(Path(sys.argv[1])))
    ctx = AppContext(db, TaskRunner(synchronous=True), AppSignals())
    model = RegisterModel(ctx)
    view = QTableView()
    view.setModel(model)
    view.resize(1200, 800)
    view.show()
    model.refresh()
    app.processEvents()
    rows = model.rowCount()
    step = 40
    missing = 0
    for row in range(0, rows, step):
        view.scrollTo(model.index(row, 0))
        visible = range(row, min(row + step, rows))
        for r in visible:
            model.data(model.index(r, 0))
        model.on_fetch_timer_timeout()  # what the model's debounce timer would do
        for r in visible:
            for c in range(model.columnCount()):
                if model.data(model.index(r, c)) in (None, "…"):
                    missing += 1
        if row % 4000 == 0:
            app.processEvents()
    app.processEvents()
    assert missing == 0, f"{missing} cells never loaded"
    print(rows, peak_kb())
    """
)
BARE_RSS = PEAK_KB + textwrap.dedent(
    """
    import sys
    from PySide6.QtWidgets import QApplication, QTableView
    app = QApplication(sys.argv)
    view = QTableView()
    view.resize(1200, 800)
    view.show()
    app.processEvents()
    print(0, peak_kb())
    """
)


def bench_scroll(db: Path) -> None:
    """Peak memory while scrolling through the whole register table."""
    floor_kb = int(run([PY, "-c", BARE_RSS]).stdout.split()[-1])
    out = run([PY, "-c", SCROLL, str(db)]).stdout.split()
    rows, peak_kb = int(out[-2]), int(out[-1])
    peak, floor = peak_kb / 1024, floor_kb / 1024
    line(f"scroll_peak_memory ({rows} rows)", peak, "MB", floor, "MB", "<= 300 MB", peak <= 300)


def bench_import(work: Path, rows: int) -> None:
    """Import an N-row .xlsx into an office database; floor: raw inserts of the same rows."""
    from app.services.spreadsheet import sheetfile

    source = work / f"import-source-{rows}.sqlite3"
    sheet = work / f"import-{rows}.xlsx"
    if not sheet.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{source}{suffix}").unlink(missing_ok=True)
        run([PY, "-m", "app", "demo", "--licences", str(rows), "--db", str(source), "--seed", "2"])
        run([PY, "-m", "app", "export", str(sheet), "--db", str(source)])
    target = work / "import-target.sqlite3"
    new_office_db(target, "bench", "9")
    started = time.perf_counter()
    parsed = sum(1 for _ in sheetfile.read_rows(sheet))
    parse = time.perf_counter() - started
    started = time.perf_counter()
    done = run([PY, "-m", "app", "import", str(sheet), "--db", str(target)])
    total = time.perf_counter() - started
    if f"imported {rows}," not in done.stderr:
        raise SystemExit(f"bench: import did not import every row: {done.stderr[-500:]}")
    floor = raw_insert_floor(target, work)
    work_part = max(total - parse, 0.0)
    ratio = work_part / floor
    line(
        f"import_{rows}_rows (total {total:.1f} s, parsing {parse:.1f} s of {parsed} rows)",
        work_part,
        "s",
        floor,
        "s",
        "total <= 60 s and <= 3x floor (parsing excluded)",
        total <= 60 and ratio <= 3,
        ratio,
    )
