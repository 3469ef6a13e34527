"""Copies of the office's database: written, verified, and read back.

The GUI («پرونده ← پشتیبان‌گیری…»), the automatic backups (app.services.core.autobackup)
and ``daftar backup`` all call :func:`write_backup`: a consistent copy (``VACUUM INTO``)
written to a temporary file beside the destination, stamped with the moment it was
taken, verified (:func:`check_backup_file`: SQLite's integrity check, Daftar's
application id, the schema revision), flushed to disk, and only then moved into place, so
a destination is never left half written and never holds a copy that does not open. The
database in use, and its ``-wal`` and ``-shm`` files, are never written over.

A full disk or a folder that can't be written is a :class:`DatabaseProblem` with a
Persian message before anything is lost. A backup holds no usable secret: the sync token
and the private signing keys live in the OS secret store, or encrypted with a key kept in
the user's profile (app.services.core.credentials), never in the database.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from app.services.core.access import requires
from app.services.core.actor import database_actor
from app.services.core.db import (
    APPLICATION_ID,
    HEAD_REVISION,
    SQLITE_HEADER,
    CorruptDatabase,
    Database,
    DatabaseProblem,
    NewerDatabase,
    NotADaftarDatabase,
    ReadOnlyDatabase,
    known_revisions,
)
from common.files import atomic_path
from common.jalali import format_jalali
from common.text import isolate_ltr, to_persian_digits
from common.vocabulary import Permission

log = logging.getLogger("daftar.db")

#: The suffix of every backup file (a backup is a Daftar database).
BACKUP_SUFFIX = ".sqlite3"
#: The setting a backup carries: the UTC moment it was taken (ISO 8601).
TAKEN_AT_SETTING = "backup.taken_at"


class DiskFull(DatabaseProblem):
    """There is no room left on the disk for the copy."""


def backup_file_name(day: dt.date) -> str:
    """The name proposed for a backup made on ``day`` (a Jalali date in it)."""
    stamp = format_jalali(day, persian_digits=False).replace("/", "-")
    return f"daftar-backup-{stamp}{BACKUP_SUFFIX}"


def with_backup_suffix(path: Path) -> Path:
    """``path``, ending in :data:`BACKUP_SUFFIX` (added when it does not)."""
    return path if path.suffix == BACKUP_SUFFIX else path.with_name(path.name + BACKUP_SUFFIX)


@dataclass(frozen=True)
class BackupFileInfo:
    """What a checked backup file holds."""

    path: Path
    #: Its schema revision (Alembic); older than the app's is migrated when restored.
    revision: str
    #: When it was taken (UTC), from the stamp it carries; else the file's time.
    taken_at: dt.datetime
    #: The office it belongs to (its local id and name; "" when it has none).
    office_id: str
    office_name: str
    #: Licences in it (tombstones excluded).
    licences: int
    #: Its local changes that had not been sent to the server when it was taken.
    pending: int

    @property
    def needs_migration(self) -> bool:
        """Written by an older version of Daftar: upgraded after it is restored."""
        return self.revision != HEAD_REVISION


def _problem_for_os_error(exc: OSError, folder: Path) -> DatabaseProblem:
    """A Persian message for an OS error met while writing into ``folder``."""
    where = isolate_ltr(str(folder))
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull(
            f"فضای دیسک برای نسخهٔ پشتیبان کافی نیست: {where}\n"
            "جای خالی درست کنید یا پوشهٔ دیگری برگزینید؛ پایگاه داده دست نخورده است."
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ReadOnlyDatabase(
            f"در این پوشه نمی‌توان نوشت (فقط‌خواندنی یا بدون دسترسی): {where}\n"
            "پوشهٔ دیگری برگزینید؛ پایگاه داده دست نخورده است."
        )
    if exc.errno in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
        return DatabaseProblem(f"این پوشه در دسترس نیست (دیسک یا حافظهٔ جانبی وصل نیست؟): {where}")
    return DatabaseProblem(f"نسخهٔ پشتیبان نوشته نشد ({exc.strerror or exc}): {where}")


def _problem_for_sqlite_error(exc: sqlite3.Error, folder: Path) -> DatabaseProblem:
    text = str(exc).lower()
    if "full" in text:
        return _problem_for_os_error(OSError(errno.ENOSPC, str(exc)), folder)
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return _problem_for_os_error(OSError(errno.EACCES, str(exc)), folder)
    return DatabaseProblem(f"نسخهٔ پشتیبان نوشته نشد ({exc}): {isolate_ltr(str(folder))}")


@contextlib.contextmanager
def writing_into(folder: Path) -> Iterator[None]:
    """Turn OS and SQLite errors met while writing into ``folder`` into Persian ones."""
    try:
        yield
    except DatabaseProblem:
        raise
    except OSError as exc:
        raise _problem_for_os_error(exc, folder) from exc
    except sqlite3.Error as exc:
        raise _problem_for_sqlite_error(exc, folder) from exc
    except Exception as exc:  # SQLAlchemy wraps the driver's error
        inner = getattr(exc, "orig", None)
        if isinstance(inner, sqlite3.Error):
            raise _problem_for_sqlite_error(inner, folder) from exc
        raise


@requires(Permission.BACKUP)
def write_backup(db: Database, destination: Path, *, replace: bool = False) -> Path:
    """A backup a person asked for (menu, ``daftar backup``): :func:`copy_database`, for
    an account whose role may back up."""
    return copy_database(db, destination, replace=replace)


def copy_database(db: Database, destination: Path, *, replace: bool = False) -> Path:
    """Write a verified, consistent copy of ``db`` to ``destination``; returns its resolved
    path. Automatic backups call this directly: they are the system's own work, taken
    whoever is signed in (or nobody, when the window closes at the sign-in).

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
    with writing_into(destination.parent), atomic_path(destination) as temporary:
        db.backup(temporary)  # (VACUUM INTO: the temporary path does not exist yet)
        _stamp(temporary)
        check_backup_file(temporary, expect_revision=HEAD_REVISION)
    log.info("backup of %s written to %s by %s", live, destination, database_actor(db))
    return destination


def _stamp(path: Path) -> None:
    """Note in the copy when it was taken (shown before a restore)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute(
            "INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)",
            (TAKEN_AT_SETTING, dt.datetime.now(dt.UTC).isoformat()),
        )
        conn.commit()
    finally:
        conn.close()


def _read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection that writes nothing beside the file (a backup may be on a
    read-only stick); nobody writes a backup while it is read."""
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    return sqlite3.connect(uri, uri=True)


def check_backup_file(path: Path, *, expect_revision: str | None = None) -> BackupFileInfo:
    """Check that ``path`` is a whole Daftar database this version can open; returns what
    it holds. Raises :class:`NotADaftarDatabase`, :class:`CorruptDatabase` or
    :class:`NewerDatabase` (Persian messages) otherwise; the file is never written.

    ``expect_revision``: the file must be at exactly this revision (a backup just taken).
    """
    shown = isolate_ltr(str(path))
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except FileNotFoundError as exc:
        raise DatabaseProblem(f"فایل پشتیبان پیدا نشد: {shown}") from exc
    except OSError as exc:
        raise DatabaseProblem(f"فایل پشتیبان خوانده نمی‌شود: {shown}") from exc
    if header != SQLITE_HEADER:
        raise NotADaftarDatabase(f"این فایل نسخهٔ پشتیبان دفتر نیست: {shown}")
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        # The last changes of a database in use are in its -wal file, which a copy of the
        # main file alone would lose.
        raise DatabaseProblem(
            f"این فایل پایگاه دادهٔ در حال استفاده است، نه یک نسخهٔ پشتیبان: {shown}\n"
            "دفتر را در آنجا ببندید، یا با «پشتیبان‌گیری» از آن نسخهٔ پشتیبان بگیرید."
        )
    try:
        conn = _read_only(path)
    except sqlite3.Error as exc:
        raise DatabaseProblem(f"فایل پشتیبان خوانده نمی‌شود: {shown}") from exc
    try:
        return _inspect(conn, path, expect_revision)
    except sqlite3.DatabaseError as exc:
        log.warning("backup %s is damaged: %s", path, exc)
        raise CorruptDatabase(
            f"فایل پشتیبان آسیب دیده است و نمی‌توان از آن بازیابی کرد: {shown}"
        ) from exc
    finally:
        conn.close()


def _inspect(conn: sqlite3.Connection, path: Path, expect: str | None) -> BackupFileInfo:
    shown = isolate_ltr(str(path))
    problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        log.warning("backup %s fails the integrity check: %s", path, problems[:5])
        raise CorruptDatabase(f"فایل پشتیبان آسیب دیده است و نمی‌توان از آن بازیابی کرد: {shown}")
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    if app_id != APPLICATION_ID or "alembic_version" not in tables:
        raise NotADaftarDatabase(f"این فایل نسخهٔ پشتیبان دفتر نیست: {shown}")
    found = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    revision = str(found[0]) if found else ""
    if expect is not None and revision != expect:
        raise CorruptDatabase(f"نسخهٔ پشتیبان با پایگاه داده نمی‌خواند: {shown}")
    if revision != HEAD_REVISION and revision not in known_revisions():
        raise NewerDatabase(
            "این نسخهٔ پشتیبان با نسخهٔ جدیدتری از دفتر ساخته شده است "
            f"(نسخهٔ طرح {to_persian_digits(revision)}) و با این نسخه بازیابی نمی‌شود. "
            "ابتدا دفتر را به‌روز کنید."
        )

    def setting(key: str) -> str:
        row = conn.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row and row[0] else ""

    office = conn.execute("SELECT id, name FROM office LIMIT 1").fetchone()
    licences = conn.execute("SELECT count(*) FROM licence WHERE deleted = 0").fetchone()[0]
    pending = conn.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0]
    stamp = setting(TAKEN_AT_SETTING)
    try:
        taken_at = dt.datetime.fromisoformat(stamp) if stamp else None
    except ValueError:
        taken_at = None
    if taken_at is None:
        taken_at = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    return BackupFileInfo(
        path=path,
        revision=revision,
        taken_at=taken_at,
        office_id=str(office[0]) if office else "",
        office_name=str(office[1]) if office else "",
        licences=int(licences),
        pending=int(pending),
    )
