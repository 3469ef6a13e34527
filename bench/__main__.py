"""``make bench``: Daftar's performance figures, each against a fair floor and a target.

One line per figure::

    NAME: VALUE UNIT | floor: FLOOR UNIT | ratio: R | target: T | OK|MISS

A floor does the same work as the app minus the app's own overhead: the register's
first page shown by raw SQL in a bare window (bench/startup.py), the same FTS query, raw
inserts of the same rows (bench/register.py), the same signing and one INSERT
(bench/certificates.py), a bare table of the same 200 members (bench/supporters.py), the
person page's reads by raw SQL and a bare table of the licences (bench/people.py), one
warm round trip, the same operations written by raw SQL into the server's tables, the
same pages downloaded from a warm server (bench/sync.py). Benchmarks are not tests:
nothing here fails the build.

Options: ``--licences N`` (default 200000), ``--import-rows N`` (default 50000),
``--workdir DIR`` (default var/bench; the 200k database is reused when present),
``--sync-records N`` (default 100000), ``--only NAME[,NAME]`` (demo, startup, search,
scroll, import, certificates, supporters, people, facilities, dashboard, events, sync,
reports, installer; the yearly report on the demo database: bench/reports.py; the event
calendar: bench/events.py, the Windows installer's sizes and times, informational:
bench/installer.py). ``make load`` (bench/load.py) is the server's load test.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from bench.bulk import bench_bulk
from bench.certificates import bench_certificates
from bench.common import ROOT, line, note
from bench.dashboard import bench_dashboard
from bench.events import bench_events
from bench.facilities import bench_facilities
from bench.installer import bench_installer
from bench.people import bench_person_page
from bench.register import bench_demo, bench_import, bench_scroll, bench_search
from bench.reports import bench_reports
from bench.startup import bench_startup
from bench.supporters import bench_supporters
from bench.sync import bench_sync


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
        default=(
            "demo,startup,search,scroll,import,certificates,supporters,people,facilities,"
            "dashboard,events,sync,bulk,reports,installer"
        ),
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
        ("people", lambda: bench_person_page(db, line, note)),
        ("facilities", lambda: bench_facilities(db, work, line, note)),
        ("dashboard", lambda: bench_dashboard(db, line, note)),
        ("events", lambda: bench_events(work, line, note)),
        ("sync", lambda: bench_sync(work, args.sync_records, line, note)),
        ("bulk", lambda: bench_bulk(work, args.sync_records, line, note)),
        ("reports", lambda: bench_reports(db, line, note)),
        ("installer", lambda: bench_installer(line, note)),
    ]
    needs_db = {"startup", "search", "scroll", "people", "facilities", "dashboard", "reports"}
    if "demo" not in only and only & needs_db and not db.exists():
        only.add("demo")  # those figures are measured on the demo database
    for name, step in steps:
        if name in only:
            note(f"{name}…")
            step()


if __name__ == "__main__":
    main()
