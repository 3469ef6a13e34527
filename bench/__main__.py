"""``make bench``: Daftar's performance figures, each against a floor and a target.

One line per figure::

    NAME: VALUE UNIT | floor: FLOOR UNIT | ratio: R | target: T | ok

Floors are what the same work costs without Daftar: a bare PySide6 window showing one
label, a raw SQL query on the same FTS index, raw ``executemany`` inserts of the same
rows in one transaction. Benchmarks are not tests: nothing here fails the build.

Options: ``--licences N`` (default 200000), ``--import-rows N`` (default 50000),
``--workdir DIR`` (default var/bench; the 200k database is reused when present),
``--sync-records N`` (default 100000), ``--only NAME[,NAME]`` (startup, search,
scroll, import, demo, certificates, sync, supporters, events, installer; sync figures:
bench/sync.py, supporter page: bench/supporters.py, event calendar: bench/events.py, the
Windows installer's sizes and times, informational: bench/installer.py).
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

from bench.bulk import bench_bulk
from bench.events import bench_events
from bench.installer import bench_installer
from bench.supporters import bench_supporters
from bench.sync import bench_sync

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


def remove_db(path: Path) -> None:
    """Delete a database file and its WAL companions."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def new_office_db(path: Path, name: str, prefix: str) -> None:
    """A new database with a Tehran office, made by ``daftar init``."""
    remove_db(path)
    run(
        [
            PY,
            "-m",
            "app",
            "init",
            "--db",
            str(path),
            "--province",
            "تهران",
            "--county",
            "تهران",
            "--name",
            name,
            "--prefix",
            prefix,
        ]
    )


# -- raw inserts (floor of import and demo) -----------------------------------------------------


def raw_insert_floor(source: Path, target_dir: Path, limit: int | None = None) -> float:
    """Seconds to insert ``source``'s holders and licences with raw executemany, one txn.

    The target has the same schema (indexes, FTS triggers) and reference data.
    """
    target = target_dir / "floor.sqlite3"
    new_office_db(target, "floor", "1")
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


# Peak resident memory of this process: VmHWM belongs to the address space, so unlike
# getrusage's ru_maxrss it does not carry over the parent's peak across fork and exec.
PEAK_KB = """
def peak_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""
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


CERTIFICATE_DATA = textwrap.dedent(
    """
    import base64, datetime as dt, hashlib
    from app.services.certificates.pdf.certificate import LicenceCertificateData

    def payload(i):
        # Shaped like a signed payload: ~260 characters of base64url.
        raw = b"".join(hashlib.sha512(f"{i}-{k}".encode()).digest() for k in range(3))
        return "DAFTAR1." + base64.urlsafe_b64encode(raw[:190]).decode().rstrip("=")

    def item(i):
        return LicenceCertificateData(
            office_province="تهران",
            office_county="شمیرانات",
            holder_name=f"زهرا (فاطمه) محمدی‌نژاد {i}",
            father_name="علی‌اصغر",
            national_id=f"{i % 10**10:010d}",
            birth_date=dt.date(1985, 3, 21),
            kind_label="مستقل",
            field_name="تولید پوشاک و خیاطی سفارشی",
            field_code="141201",
            approving_body="اتاق اصناف ایران",
            county="شمیرانات",
            activity_address=f"تهران، خیابان شهید باهنر، کوچه لاله‌زار، پلاک {i % 200}، واحد 4",
            postal_code="1937733141",
            licence_number=f"0612-{i:06d}",
            unique_id="7K3M-9XQ2-ABCD",
            issue_date=dt.date(2025, 4, 4),
            expiry_date=dt.date(2030, 4, 4),
            serial=f"0612-1404-{i:06d}",
            duplicate=i % 10 == 0,
            qr_payload=payload(i),
            verification_code="K7PX-93QD",
            issued_at=dt.date(2025, 4, 20),
        )
    """
)

CERTIFICATE_FLOOR = textwrap.dedent(
    """
    import dataclasses
    from reportlab.pdfgen.canvas import Canvas
    from app.services.certificates.pdf.page import PAGE_HEIGHT, PAGE_WIDTH, QR_SIZE
    from app.services.certificates.pdf.qr import draw_qr
    from app.services.certificates.pdf.text import (
        FONT_BOLD,
        FONT_MEDIUM,
        FONT_REGULAR,
        register_fonts,
    )

    register_fonts()
    HEADER = [
        (FONT_REGULAR, 9, "بسمه تعالی"),
        (FONT_BOLD, 13, "جمهوری اسلامی ایران"),
        (FONT_MEDIUM, 12, "وزارت تعاون، کار و رفاه اجتماعی"),
        (FONT_REGULAR, 11.5, "اداره کل تعاون، کار و رفاه اجتماعی استان تهران"),
        (FONT_REGULAR, 11.5, "اداره تعاون، کار و رفاه اجتماعی شهرستان شمیرانات"),
        (FONT_BOLD, 24, "مجوز کسب‌وکار خانگی"),
        (FONT_BOLD, 10, "مشخصات دارنده مجوز"),
        (FONT_BOLD, 10, "مشخصات کسب‌وکار"),
        (FONT_BOLD, 10, "شماره و اعتبار مجوز"),
        (FONT_REGULAR, 8.5, "برای بررسی اصالت، کد را اسکن کنید"),
    ]
    LABELS = ["نام و نام خانوادگی", "نام پدر", "کد ملی", "تاریخ تولد", "نوع مجوز",
              "مرجع تأیید", "رشته فعالیت", "کد رشته", "نشانی محل فعالیت", "شهرستان",
              "کد پستی", "شماره مجوز", "شناسه یکتا", "تاریخ صدور", "تاریخ پایان اعتبار"]

    def floor_page(canvas, item):
        # The same strings in the same fonts, drawn as they are: no shaping, no bidi, no
        # wrapping or fitting; the same frame lines and the same QR code.
        canvas.setLineWidth(2.4)
        canvas.rect(28, 28, PAGE_WIDTH - 56, PAGE_HEIGHT - 56)
        canvas.setLineWidth(0.7)
        canvas.rect(33, 33, PAGE_WIDTH - 66, PAGE_HEIGHT - 66)
        y = PAGE_HEIGHT - 50
        for font, size, text in HEADER:
            canvas.setFont(font, size)
            canvas.drawCentredString(PAGE_WIDTH / 2, y, text)
            y -= size * 1.4
        values = [str(v) for f in dataclasses.fields(item)
                  if f.name != "qr_payload" and (v := getattr(item, f.name)) not in (None, "")]
        for i, label in enumerate(LABELS):
            canvas.setFont(FONT_MEDIUM, 9.5)
            canvas.drawRightString(780, 400 - i * 15, label)
        for i, value in enumerate(values):
            canvas.setFont(FONT_REGULAR, 11.5)
            canvas.drawRightString(600, 400 - i * 12, value)
        draw_qr(canvas, item.qr_payload, 680, 60, QR_SIZE)

    def render_floor(items):
        canvas = Canvas("floor.pdf", pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
        for item in items:
            floor_page(canvas, item)
            canvas.showPage()
        return canvas.getpdfdata()
    """
)

CERTIFICATE_BATCH = PEAK_KB + textwrap.dedent(
    """
    import sys, time
    from app.services.certificates.pdf.certificate import render_licence_certificates
    from app.services.certificates.pdf.layout import CertificateStyle
    from app.services.core.progress import Progress
    n, mode = int(sys.argv[1]), sys.argv[2]
    items = [item(i) for i in range(n)]
    if mode == "floor":
        render_floor(items[:2])
    else:
        render_licence_certificates(items[:2], CertificateStyle())  # fonts, caches
    rss = {}
    def listener(done, total, text):
        if done in (100, n):
            rss[done] = peak_kb()
    started_kb = peak_kb()
    started = time.perf_counter()
    if mode == "floor":
        pdf = render_floor(items)
    else:
        pdf = render_licence_certificates(items, CertificateStyle(), Progress(listener))
    elapsed = time.perf_counter() - started
    peak = peak_kb()
    print(elapsed, len(pdf), started_kb, rss.get(100, 0), rss.get(n, 0), peak)
    """
)

CERTIFICATE_ONE = textwrap.dedent(
    """
    import statistics, sys, time
    from app.services.certificates.pdf.certificate import render_licence_certificates
    from app.services.certificates.pdf.layout import CertificateStyle
    started = time.perf_counter()
    render_licence_certificates([item(0)], CertificateStyle())
    cold = time.perf_counter() - started
    style = CertificateStyle()
    ours, floor, strings = [], [], []
    for i in range(1, 22):
        data = item(i)  # new values each time: only labels are cached
        started = time.perf_counter()
        render_licence_certificates([data], style)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        render_floor([data])
        floor.append(time.perf_counter() - started)
        started = time.perf_counter()
        render_floor([dataclasses.replace(data, qr_payload="")])
        strings.append(time.perf_counter() - started)
    print(cold, statistics.median(ours), statistics.median(floor), statistics.median(strings))
    """
)


def bench_certificates(work: Path) -> None:
    """Licence certificate PDFs: one certificate, and a batch of 1,000 in one PDF.

    Floor: reportlab drawing the same strings with the same fonts without shaping,
    bidi or fitting, plus the same frame and the same QR code (encoded and drawn by the
    same function: reportlab's pure-Python QR encoder is most of a page's cost, and is
    not what the floor measures). The floor without the QR code is printed as well.
    Memory: peak RSS growth per page while the batch's pages are drawn (page 100 to
    page 1,000), against the output's own size per page; and the total peak.
    """
    del work  # nothing to keep: the PDFs stay in memory
    prelude = CERTIFICATE_DATA + CERTIFICATE_FLOOR
    out = run([PY, "-c", prelude + CERTIFICATE_ONE]).stdout.split()
    cold, ours, floor, strings = (float(x) * 1000 for x in out[-4:])
    # The floor: reportlab drawing the same strings with the same font, without
    # shaping or bidi. The QR code (encoded in pure Python by reportlab, ~15 ms) is not
    # in that floor, so a second line compares with a floor that draws it too.
    ratio = ours / strings
    line(
        "certificate_one",
        ours,
        "ms",
        strings,
        "ms",
        "<= 150 ms and <= 2x floor (strings only)",
        ours <= 150 and ratio <= 2,
    )
    line(
        "certificate_one vs floor with the same QR code (informational)",
        ours,
        "ms",
        floor,
        "ms",
        "none",
        True,
    )
    line(
        "certificate_one_cold (first one in a new process, fonts loaded; informational)",
        cold,
        "ms",
        floor,
        "ms",
        "none",
        True,
    )
    pages = 1000
    out = run([PY, "-c", prelude + CERTIFICATE_BATCH, str(pages), "ours"]).stdout.split()
    elapsed, size = float(out[-6]), int(out[-5])
    start_kb, at100_kb, at_end_kb, peak_kb = (int(x) for x in out[-4:])
    floor_out = run([PY, "-c", prelude + CERTIFICATE_BATCH, str(pages), "floor"]).stdout.split()
    floor_elapsed = float(floor_out[-6])
    line(
        f"certificate_batch_{pages}",
        elapsed,
        "s",
        floor_elapsed,
        "s",
        "<= 60 s",
        elapsed <= 60,
    )
    growth_kb = (at_end_kb - at100_kb) / (pages - 100)
    output_kb = size / 1024 / pages
    line(
        f"certificate_batch_rss_growth_per_page (peak growth {(peak_kb - start_kb) / 1024:.1f} MB"
        f" for {size / 1024 / 1024:.1f} MB of PDF)",
        growth_kb,
        "KB",
        output_kb,
        "KB (output per page)",
        "<= 2x output per page",
        growth_kb <= 2 * output_kb,
    )


def main() -> None:
    """Run the benchmarks (every ``daftar`` they run signs in as the bench's head)."""
    from bench.signin import BENCH_HEAD

    os.environ["DAFTAR_USER"] = BENCH_HEAD.username
    os.environ["DAFTAR_PASSWORD"] = BENCH_HEAD.password
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--licences", type=int, default=200_000)
    parser.add_argument("--import-rows", type=int, default=50_000)
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--sync-records", type=int, default=100_000)
    parser.add_argument(
        "--only",
        default="demo,startup,search,scroll,import,certificates,supporters,events,sync,bulk,installer",
    )
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
        ("certificates", lambda: bench_certificates(work)),
        ("supporters", lambda: bench_supporters(work, line, note)),
        ("events", lambda: bench_events(work, line, note)),
        ("sync", lambda: bench_sync(work, args.sync_records, line, note)),
        ("bulk", lambda: bench_bulk(work, args.sync_records, line, note)),
        ("installer", lambda: bench_installer(line, note)),
    ]
    needs_db = {"startup", "search", "scroll"}
    if "demo" not in only and only & needs_db and not db.exists():
        only.add("demo")  # those figures are measured on the demo database
    for name, step in steps:
        if name in only:
            note(f"{name}…")
            step()


if __name__ == "__main__":
    main()
