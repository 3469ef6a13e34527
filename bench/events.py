"""Events figures (issue 5): the month calendar with 500 events in one Jalali month.

- events_calendar_month_500: from ``EventsScreen.show_month(1405, 2)`` to the month grid
  painted (the month loaded from the database through the task runner, the grid
  rendered offscreen with ``grab()``), median of a few runs. Floor: a bare
  ``QTableWidget`` filled with the same 500 titles and rendered the same way. Target:
  <= 200 ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

Line = Callable[..., None]
EVENTS = 500
RUNS = 5
TARGET_MS = 200.0


def _build(path: Path) -> list[str]:
    """An office database with EVENTS events spread over Ordibehesht 1405; the titles."""
    from app.services.core import reference
    from app.services.core.db import open_database
    from app.services.core.office import OfficeInput, setup_office
    from app.services.events.records import EventInput
    from app.services.events.service import EventService
    from bench.signin import as_head

    db = as_head(open_database(path))
    titles = []
    try:
        with db.session() as session:
            reference.seed_reference_data(session)
            session.flush()
            province = next(p for p in reference.list_provinces(session) if p.name == "تهران")
            county = next(
                c for c in reference.list_counties(session, province.id) if c.name == "تهران"
            )
            setup_office(
                session, OfficeInput(province.id, county.id, "اداره تعاون تهران", "0612", 5)
            )
        kinds = ("workshop", "exhibition", "bazaar", "platform", "other")
        with db.session() as session:
            service = EventService(session)
            for n in range(EVENTS):
                day = 1 + n % 31
                title = f"کارگاه آموزشی شماره {n + 1} بسته‌بندی و فروش"
                service.create(
                    EventInput(
                        kind=kinds[n % len(kinds)],
                        title=title,
                        county_id=county.id,
                        start_date=f"1405/02/{day:02d}",
                        end_date=f"1405/02/{min(31, day + n % 3):02d}",
                        start_time=f"{8 + n % 8:02d}:00",
                        end_time=f"{10 + n % 8:02d}:00",
                        capacity=str(20 + n % 30),
                    )
                )
                titles.append(title)
    finally:
        db.close()
    return titles


def bench_events(work: Path, line: Line, note: Callable[[str], None]) -> None:
    """Measure the calendar of a month with 500 events against a bare table."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication, QTableWidget, QTableWidgetItem

    from app.services.core.db import open_database
    from app.views.bootstrap import create_application
    from app.views.context import AppContext, AppSignals
    from app.views.events.screen import EventsScreen
    from app.views.worker import TaskRunner
    from bench.signin import as_head

    app = QApplication.instance() or create_application(sys.argv)
    work.mkdir(parents=True, exist_ok=True)
    path = work / "events.sqlite3"
    path.unlink(missing_ok=True)
    note(f"building {EVENTS} events in one month")
    titles = _build(path)
    db = as_head(open_database(path))
    runner = TaskRunner(synchronous=True)
    try:
        ctx = AppContext(db=db, runner=runner, signals=AppSignals())
        screen = EventsScreen(ctx)
        screen.resize(1280, 800)
        screen.show()
        app.processEvents()
        grid = screen.calendar.grid
        times = []
        for run in range(RUNS):
            other = (1405, 3) if run % 2 == 0 else (1405, 1)
            screen.show_month(*other)
            grid.grab()
            started = time.perf_counter()
            screen.show_month(1405, 2)
            grid.grab()  # renders the grid now (what a paint event would do)
            times.append((time.perf_counter() - started) * 1000)
            assert grid.month is not None and grid.month.event_count == EVENTS
        value = statistics.median(times)

        floors = []
        for _run in range(RUNS):
            started = time.perf_counter()
            table = QTableWidget(len(titles), 1)
            for row, title in enumerate(titles):
                table.setItem(row, 0, QTableWidgetItem(title))
            table.resize(grid.size())
            table.grab()
            floors.append((time.perf_counter() - started) * 1000)
            table.deleteLater()
        floor = statistics.median(floors)
        line(
            "events_calendar_month_500",
            value,
            "ms",
            floor,
            "ms (bare QTableWidget, same 500 titles)",
            f"<= {TARGET_MS:.0f} ms",
            value <= TARGET_MS,
        )
        screen.close()
        screen.deleteLater()
        app.processEvents()
    finally:
        runner.deleteLater()
        db.close()


def _line(
    name: str, value: float, unit: str, floor: float, floor_unit: str, target: str, ok: bool
) -> None:
    ratio = value / floor if floor else float("nan")
    print(
        f"{name}: {value:.3f} {unit} | floor: {floor:.3f} {floor_unit} | ratio: {ratio:.2f} | "
        f"target: {target} | {'ok' if ok else 'MISS'}",
        flush=True,
    )


if __name__ == "__main__":  # pragma: no cover - manual run (make bench calls bench_events)
    bench_events(
        Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/daftar-bench"),
        _line,
        lambda text: print(f"# {text}", file=sys.stderr, flush=True),
    )
