"""``daftar setup|sync``: an office set up from the server, and syncing with it."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.common import EXIT_FAILED, EXIT_OK, EXIT_SOME_REJECTED, err, open_db
from app.cli.users import head_from_args

if TYPE_CHECKING:
    from app.services.core.progress import Progress
    from app.services.sync.report import SyncReport


def _print_sync_report(report: SyncReport) -> int:
    if report.skew_warning:
        minutes = abs(report.skew_seconds) / 60
        err(f"هشدار: ساعت این رایانه حدود {minutes:.0f} دقیقه با سرور اختلاف دارد.")
    if report.quarantined:
        err(
            f"{report.quarantined} تغییر را سرور نپذیرفت و کنار گذاشته شد "
            "(در برنامه: همگام‌سازی ← تغییرهای ردشده)."
        )
    if report.conflicts:
        err(f"{report.conflicts} تعارض منتظر بررسی است (همگام‌سازی ← بررسی تعارض‌ها).")
    print(report.summary_line(), flush=True)
    return EXIT_SOME_REJECTED if report.quarantined else EXIT_OK


def _sync_progress() -> Progress:

    from app.services.core.progress import Progress

    last = [0.0]

    def show(done: int, total: int | None, text: str) -> None:
        now = time.monotonic()
        if now - last[0] >= 1.0 or (total is not None and done >= total):
            last[0] = now
            err(f"{text} {done}/{total}" if total else f"{text} {done}")

    return Progress(show)


def cmd_setup(args: argparse.Namespace, db_path: Path) -> int:
    """``daftar setup``: a new office database from the central server."""
    from app.services.sync.setup import setup_from_server

    if db_path.exists() and db_path.stat().st_size > 0:
        err(f"این فایل از قبل وجود دارد؛ نام فایل تازه‌ای بدهید: {db_path}")
        return EXIT_FAILED
    head = head_from_args(args)
    db, report = setup_from_server(
        db_path,
        args.server,
        args.token,
        head=head,
        insecure=args.insecure,
        ca_file=args.ca_file or "",
        progress=_sync_progress(),
    )
    db.close()
    return _print_sync_report(report)


def cmd_sync(args: argparse.Namespace, db_path: Path) -> int:
    """``daftar sync``: one sync with the central server."""
    from app.services.sync.client import SyncClient
    from app.services.sync.settings import remember_transport_options
    from app.services.sync.transport import transport_for

    db = open_db(db_path, args, create=False)
    try:
        if args.insecure or args.ca_file is not None:
            with db.session() as session:
                remember_transport_options(
                    session,
                    server_url=args.server or "",
                    insecure=args.insecure,
                    ca_file=args.ca_file,
                )
        with db.session() as session:
            transport = transport_for(session, server_url=args.server or "", token=args.token or "")
        try:
            report = SyncClient(db, transport, _sync_progress()).run()
        finally:
            transport.close()
    finally:
        db.close()
    return _print_sync_report(report)
