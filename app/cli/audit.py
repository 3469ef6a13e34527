"""``daftar audit verify|export``: the tamper-evident audit trail on the command line.

``verify`` is open to every signed-in account (it changes nothing and shows only
whether the chain is intact, or its first bad entry): exit 0 intact, 1 tampered.
``export FILE`` (.xlsx or .csv) is the head of office's (Permission.AUDIT), like the
audit screen; the export is itself recorded.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.common import EXIT_FAILED, EXIT_OK, err, open_db

if TYPE_CHECKING:
    from app.services.core.db import Database


def add_audit_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``daftar audit`` sub-command."""
    from app.cli.users import add_user_option

    p = sub.add_parser(
        "audit",
        help="the audit trail: verify its hash chain (0 intact, 1 tampered) or export it",
    )
    p.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="database file")
    add_user_option(p)
    p.add_argument("action", choices=["verify", "export"], help="verify | export")
    p.add_argument("file", type=Path, nargs="?", help="export: the file to write (.xlsx/.csv)")


def cmd_audit(args: argparse.Namespace, db_path: Path) -> int:
    """``daftar audit verify`` / ``daftar audit export FILE``."""
    if args.action == "export" and args.file is None:
        err("فایل خروجی را بدهید: daftar audit export FILE.xlsx (the output file is missing)")
        return EXIT_FAILED
    db = open_db(db_path, args, create=False)
    try:
        if args.action == "verify":
            return _verify(db)
        from app.services.audit.trail import export_trail

        with db.session() as session:
            written = export_trail(session, args.file)
        err(f"{written} audit entries written to {args.file}")
        return EXIT_OK
    finally:
        db.close()


def _verify(db: Database) -> int:
    from app.services.audit.verify import verify_trail

    with db.session() as session:
        verdict = verify_trail(session)
    err(verdict.message())
    if verdict.intact:
        err(f"audit trail intact ({verdict.entries} entries, {verdict.seals} seals)")
        return EXIT_OK
    broken = verdict.broken
    assert broken is not None
    err(f"audit trail TAMPERED: entry {broken.seq} ({broken.kind})")
    return EXIT_FAILED
