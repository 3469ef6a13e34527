"""The ``daftar`` command: the GUI by default, sub-commands for automation and support.

Every sub-command takes ``--db PATH`` (default: the app's own database in the user's
local data folder), prints its messages to stderr and exits non-zero on failure.

The sub-commands live by subject: records.py (init, demo, import, export, backup,
restore), certificates.py (certificate, verify, key), sync.py (setup, sync), audit.py
(audit verify|export), reports.py (report), users.py (user, and the sign-in of --user
every other sub-command but verify makes); parser.py declares them, common.py holds what
they share.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from app.cli.audit import cmd_audit
from app.cli.certificates import cmd_certificate, cmd_key, cmd_verify
from app.cli.common import EXIT_FAILED, EXIT_OK, default_db_path, err
from app.cli.parser import KIND_HELP, build_parser
from app.cli.records import cmd_backup, cmd_demo, cmd_export, cmd_import, cmd_init, cmd_restore
from app.cli.reports import cmd_report
from app.cli.sync import cmd_setup, cmd_sync
from app.cli.users import cmd_user

__all__ = ["COMMANDS", "KIND_HELP", "default_db_path", "main"]


COMMANDS = {
    "init": cmd_init,
    "demo": cmd_demo,
    "import": cmd_import,
    "export": cmd_export,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "certificate": cmd_certificate,
    "verify": cmd_verify,
    "key": cmd_key,
    "setup": cmd_setup,
    "sync": cmd_sync,
    "user": cmd_user,
    "audit": cmd_audit,
    "report": cmd_report,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``daftar`` and ``python -m app``."""
    args = build_parser().parse_args(argv)
    if args.version:
        from app.version import app_version

        print(f"daftar {app_version()}", flush=True)
        return EXIT_OK
    if args.smoke:
        from app.views.smoke import run_smoke

        return run_smoke(args.db)
    db_path: Path = args.db or default_db_path()
    if args.command is None:
        from app.views.app import run_gui

        return run_gui(db_path)
    from sqlalchemy.exc import DBAPIError

    from common.errors import DomainError

    try:
        return COMMANDS[args.command](args, db_path)
    except DomainError as exc:
        err(exc.message)
        return EXIT_FAILED
    except DBAPIError as exc:
        # The GUI holds a write lock longer than SQLite's wait (5 s), the disk is full…
        from app.services.core.db import describe_problem

        problem = describe_problem(exc, db_path)
        if problem is None:
            raise
        err(problem.message)
        return EXIT_FAILED
    except OSError as exc:
        err(f"خطای فایل: {exc}")
        return EXIT_FAILED
