"""What every ``daftar`` sub-command shares: exit codes, the default database, messages
to stderr, opening the database."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.services.core.db import Database

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_SOME_REJECTED = 2
#: ``daftar verify``: the certificate is genuine but its licence is revoked, suspended or
#: expired.
EXIT_NOT_IN_FORCE = 2


def default_db_path() -> Path:
    """The embedded default database: ``<local app data>/Daftar/daftar/daftar.sqlite3``.

    The same folder as Qt's ``QStandardPaths.AppLocalDataLocation`` for the app.
    """
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "Daftar" / "daftar" / "daftar.sqlite3"


def err(message: str) -> None:
    """Print a message for the person at the terminal (stderr)."""
    print(message, file=sys.stderr, flush=True)


def open_db(db_path: Path, args: argparse.Namespace | None, *, create: bool = True) -> Database:
    """Open (create, migrate) the database a sub-command works on; with ``args``, signed
    in as its ``--user`` (app.cli.users), or refused with the reason."""
    from app.cli.users import sign_in
    from app.services.core.db import open_database

    db = open_database(db_path, create=create)
    if args is not None:
        try:
            sign_in(db, args)
        except BaseException:
            db.close()
            raise
    return db
