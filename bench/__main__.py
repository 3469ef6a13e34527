"""``make bench``: Daftar's performance figures, each against a floor and a target.

One line per figure::

    NAME: VALUE UNIT | floor: FLOOR UNIT | ratio: R | target: T | ok

Floors are what the same work costs without Daftar: a bare PySide6 window showing one
label, a raw SQL query on the same FTS index, raw ``executemany`` inserts of the same
rows in one transaction. Benchmarks are not tests: nothing here fails the build.

Options: ``--licences N`` (default 200000), ``--import-rows N`` (default 50000),
``--workdir DIR`` (default var/bench; the 200k database is reused when present),
``--only NAME[,NAME]`` (startup, search, scroll, import, demo).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def line(
    name: str,
    value: float,
    unit: str,
    floor: float,
    floor_unit: str,
    target: str,
    ok: bool,
    ratio: float | None = None,
) -> None:
    """Print one figure in the agreed format."""
    r = ratio if ratio is not None else (value / floor if floor else float("nan"))
    print(
        f"{name}: {value:.3f} {unit} | floor: {floor:.3f} {floor_unit} | ratio: {r:.2f} | "
        f"target: {target} | {'ok' if ok else 'MISS'}",
        flush=True,
    )


def note(text: str) -> None:
    """Progress notes go to stderr so stdout holds only the figures."""
    print(f"# {text}", file=sys.stderr, flush=True)


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command, failing loudly."""
    full_env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **(env or {}))
    done = subprocess.run(args, capture_output=True, text=True, env=full_env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done


# -- raw inserts (floor of import and demo) -----------------------------------------------------


def raw_insert_floor(source: Path, target_dir: Path, limit: int | None = None) -> float:
    """Seconds to insert ``source``'s holders and licences with raw executemany, one txn.

    The target has the same schema (indexes, FTS triggers) and reference data.
    """
    target = target_dir / "floor.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    run(
        [
            PY,
            "-m",
            "app",
            "init",
            "--db",
            str(target),
            "--province",
            "تهران",
            "--county",
            "تهران",
            "--name",
            "floor",
            "--prefix",
            "1",
        ]
    )
    src = sqlite3.connect(source)
    cap = f" LIMIT {limit}" if limit else ""
    licence_cols = [r[1] for r in src.execute("PRAGMA table_info(licence)")]
    person_cols = [r[1] for r in src.execute("PRAGMA table_info(person)")]
    licences = src.execute(f"SELECT * FROM licence ORDER BY local_seq{cap}").fetchall()
    person_ids = {row[licence_cols.index("person_id")] for row in licences}
    pid = person_cols.index("id")
    people = [p for p in src.execute("SELECT * FROM person") if p[pid] in person_ids]
    src.close()
    dst = sqlite3.connect(target)
    dst.execute("PRAGMA journal_mode = WAL")
    dst.execute("PRAGMA synchronous = NORMAL")
    dst.execute("PRAGMA foreign_keys = ON")
    started = time.perf_counter()
    with dst:
        dst.executemany(
            f"INSERT INTO person ({','.join(person_cols)}) "
            f"VALUES ({','.join('?' * len(person_cols))})",
            people,
        )
        dst.executemany(
            f"INSERT INTO licence ({','.join(licence_cols)}) "
            f"VALUES ({','.join('?' * len(licence_cols))})",
            licences,
        )
    elapsed = time.perf_counter() - started
    dst.close()
    return elapsed


# -- the figures -----------------------------------------------------------------------------


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


BARE_WINDOW = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication, QLabel
    app = QApplication(sys.argv)
    label = QLabel("دفتر")
    class Painted(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                print("painted", flush=True)
                app.quit()
            return False
    f = Painted()
    label.installEventFilter(f)
    label.show()
    app.exec()
    """
)


def _time_to_first_line(args: list[str], env: dict[str, str] | None = None) -> float:
    """Seconds from spawning a process to the first line it prints (not its exit)."""
    full_env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **(env or {}))
    started = time.perf_counter()
    with subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=full_env
    ) as process:
        assert process.stdout is not None
        first = process.stdout.readline()
        elapsed = time.perf_counter() - started
        process.wait(timeout=60)
    if not first.strip() or process.returncode != 0:
        raise SystemExit(f"bench: {' '.join(args)} printed nothing or failed")
    return elapsed


def _median_time(args: list[str], env: dict[str, str] | None = None, runs: int = 7) -> float:
    _time_to_first_line(args, env)  # warm the disk cache
    return statistics.median(_time_to_first_line(args, env) for _ in range(runs))


def bench_startup(db: Path) -> None:
    """Process spawn to the first painted main window, vs a bare window with a label.

    The main window paints its frame first and opens the database in a worker; the time
    until the register's first rows are on screen is printed too (no target of its own).
    """
    floor = _median_time([PY, "-c", BARE_WINDOW])
    app_args = [PY, "-m", "app", "--db", str(db)]
    ours = _median_time(app_args, {"DAFTAR_EXIT_AFTER_PAINT": "1"})
    ratio = ours / floor
    line("startup_to_first_paint", ours, "s", floor, "s", "<= 1.5x floor", ratio <= 1.5)
    rows = _median_time(app_args, {"DAFTAR_EXIT_AFTER_PAINT": "rows"})
    line("startup_to_first_rows (informational)", rows, "s", floor, "s", "none", True)


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
    queries = []
    for text in texts:
        queries.extend(text[:n] for n in range(1, len(text) + 1) if text[:n].strip())
    return queries


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def bench_search(db: Path) -> None:
    """Search as you type: count + first page per keystroke, vs the raw FTS query."""
    from app.services import register
    from app.services.db import open_database
    from app.services.register import RegisterFilter

    queries = _queries(db)
    database = open_database(db)
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
    p95, floor_p95 = _p95(ours) * 1000, _p95(floor) * 1000
    ratio = p95 / floor_p95
    line(
        f"search_keystroke_p95 ({len(queries)} keystrokes)",
        p95,
        "ms",
        floor_p95,
        "ms",
        "<= 50 ms and <= 3x floor",
        p95 <= 50 and ratio <= 3,
    )


SCROLL = textwrap.dedent(
    """
    import resource, sys
    from pathlib import Path
    from PySide6.QtWidgets import QApplication, QTableView
    from app.views.bootstrap import create_application
    from app.views.context import AppContext, AppSignals
    from app.views.worker import TaskRunner
    from app.views.register_model import RegisterModel
    from app.services.db import open_database
    app = create_application(sys.argv)
    db = open_database(Path(sys.argv[1]))
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
    print(rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    """
)
BARE_RSS = textwrap.dedent(
    """
    import resource, sys
    from PySide6.QtWidgets import QApplication, QTableView
    app = QApplication(sys.argv)
    view = QTableView()
    view.resize(1200, 800)
    view.show()
    app.processEvents()
    print(0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
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
    from app.services import spreadsheet

    source = work / f"import-source-{rows}.sqlite3"
    sheet = work / f"import-{rows}.xlsx"
    if not sheet.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{source}{suffix}").unlink(missing_ok=True)
        run([PY, "-m", "app", "demo", "--licences", str(rows), "--db", str(source), "--seed", "2"])
        run([PY, "-m", "app", "export", str(sheet), "--db", str(source)])
    target = work / "import-target.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    run(
        [
            PY,
            "-m",
            "app",
            "init",
            "--db",
            str(target),
            "--province",
            "تهران",
            "--county",
            "تهران",
            "--name",
            "bench",
            "--prefix",
            "9",
        ]
    )
    started = time.perf_counter()
    parsed = sum(1 for _ in spreadsheet.read_rows(sheet))
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


def main() -> None:
    """Run the benchmarks."""
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--licences", type=int, default=200_000)
    parser.add_argument("--import-rows", type=int, default=50_000)
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--only", default="demo,startup,search,scroll,import")
    args = parser.parse_args()
    only = set(args.only.split(","))
    work: Path = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"demo-{args.licences}.sqlite3"
    steps: list[tuple[str, Callable[[], object]]] = [
        ("demo", lambda: bench_demo(work, args.licences)),
        ("startup", lambda: bench_startup(db)),
        ("search", lambda: bench_search(db)),
        ("scroll", lambda: bench_scroll(db)),
        ("import", lambda: bench_import(work, args.import_rows)),
    ]
    if "demo" not in only and not db.exists():
        only.add("demo")
    for name, step in steps:
        if name in only:
            note(f"{name}…")
            step()


if __name__ == "__main__":
    main()
