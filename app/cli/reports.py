"""``daftar report --period 1405/08|1405-Q3|1405 --out FILE.pdf|.xlsx``: the office's
periodic report (app.services.reports)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from app.cli.common import EXIT_FAILED, EXIT_OK, err, open_db


def add_report_parser(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Add ``report`` through the parser's ``add(name, help)``."""
    p = add("report", "write the periodic report (PDF or xlsx)")
    p.add_argument(
        "--period",
        required=True,
        help="1405/08 (a Jalali month), 1405-Q3 (a quarter, فصل) or 1405 (a year)",
    )
    p.add_argument("--out", required=True, type=Path, help="the file to write (.pdf or .xlsx)")


def cmd_report(args: argparse.Namespace, db_path: Path) -> int:
    """Write the report; prints its headline totals (exit 0), or why not (exit 1)."""
    from app.services.reports.service import write_report
    from common.errors import ValidationError
    from common.periods import parse_period
    from common.reports import report_totals

    try:
        period = parse_period(args.period)
    except ValidationError as exc:
        err(exc.message)
        return EXIT_FAILED
    db = open_db(db_path, args, create=False)
    try:
        with db.session() as session:
            report = write_report(session, period, args.out)
    finally:
        db.close()
    totals = report_totals(report)
    err(f"report {period.code} written: {args.out}")
    print(" ".join(f"{key}={value}" for key, value in totals.items()), flush=True)
    return EXIT_OK
