"""Copies of the office's database in a file the clerk (or the operator) chooses.

The GUI («پرونده ← پشتیبان‌گیری…») and ``daftar backup`` both call :func:`write_backup`:
a consistent copy (``VACUUM INTO``) written to a temporary file beside the destination,
flushed to disk, then moved into place, so a destination is never left half written. The
database in use, and its ``-wal`` and ``-shm`` files, are never written over.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from app.services.core.access import requires
from app.services.core.db import Database, DatabaseProblem
from common.jalali import format_jalali
from common.text import isolate_ltr
from common.vocabulary import Permission

#: The suffix of every backup file (a backup is a Daftar database).
BACKUP_SUFFIX = ".sqlite3"


def backup_file_name(day: dt.date) -> str:
    """The name proposed for a backup made on ``day`` (a Jalali date in it)."""
    stamp = format_jalali(day, persian_digits=False).replace("/", "-")
    return f"daftar-backup-{stamp}{BACKUP_SUFFIX}"


def with_backup_suffix(path: Path) -> Path:
    """``path``, ending in :data:`BACKUP_SUFFIX` (added when it does not)."""
    return path if path.suffix == BACKUP_SUFFIX else path.with_name(path.name + BACKUP_SUFFIX)


@requires(Permission.BACKUP)
def write_backup(db: Database, destination: Path, *, replace: bool = False) -> Path:
    """Write a consistent copy of ``db`` to ``destination``; returns its resolved path.

    An existing ``destination`` is replaced only with ``replace`` (the GUI's save dialog
    has asked the clerk); otherwise, and always for the database in use, a
    :class:`DatabaseProblem` says why nothing was written.
    """
    destination = destination.expanduser().resolve()
    live = db.path.resolve()
    if destination == live or destination.name.startswith(f"{live.name}-"):
        raise DatabaseProblem("نسخهٔ پشتیبان نمی‌تواند روی پایگاه دادهٔ در حال استفاده نوشته شود.")
    if destination.exists() and not replace:
        raise DatabaseProblem(f"فایل پشتیبان از قبل وجود دارد: {isolate_ltr(str(destination))}")
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".daftar-backup-", dir=destination.parent)
    os.close(handle)
    temporary = Path(name)
    temporary.unlink()  # VACUUM INTO writes only a file that does not exist
    try:
        db.backup(temporary)
        with temporary.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)
    return destination
