"""Opening the local SQLite database: checks, backup, migrations, sessions.

The rules (architecture.md, "Data"): WAL mode, foreign keys on, one writer; Alembic
migrations at start-up after an automatic backup (``VACUUM INTO``); a database written
by a newer version of Daftar, or a file that is not a Daftar database, is refused with a
clear message and never touched.

Opening a database that is already at the current schema imports no Alembic code, so
start-up stays fast.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from app.services.core import access, audit, changes, outbox
from app.services.core.access import SignedIn
from common.errors import DomainError
from common.sqlite import apply_sqlite_pragmas, backup_path_for, vacuum_into
from common.text import isolate_ltr, persian_sort_key, to_persian_digits

log = logging.getLogger("daftar.db")

#: ``PRAGMA application_id`` of a Daftar database ("DFTR").
APPLICATION_ID = 0x44465452
#: The Alembic head this version of the app writes. tests/services/core/test_db.py checks
#: that it matches app/migrations/versions.
HEAD_REVISION = "0019"
SQLITE_HEADER = b"SQLite format 3\x00"
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


class DatabaseProblem(DomainError):
    """The database file can't be used; ``message`` tells the clerk why, in Persian."""


class NotADaftarDatabase(DatabaseProblem):
    """The file is not a SQLite database written by Daftar."""


class NewerDatabase(DatabaseProblem):
    """The database was written by a newer version of Daftar."""


class CorruptDatabase(DatabaseProblem):
    """SQLite reports the file as damaged."""


class ReadOnlyDatabase(DatabaseProblem):
    """The file or its folder can't be written."""


class LockedDatabase(DatabaseProblem):
    """Another program holds a write lock on the database."""


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    apply_sqlite_pragmas(dbapi_connection)
    dbapi_connection.execute("PRAGMA cache_size = -32000")
    # Persian dictionary order for ORDER BY (see app.services.licences.register.SORT_COLUMNS).
    dbapi_connection.create_function("fa_sort", 1, persian_sort_key, deterministic=True)


def make_engine(path: Path) -> Engine:
    """Create the SQLAlchemy engine of a database file (no checks; see open_database)."""
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False},
        pool_size=2,
        max_overflow=2,
    )
    event.listen(engine, "connect", _on_connect)
    return engine


@dataclass
class Database:
    """An open, checked and migrated local database."""

    path: Path
    engine: Engine
    session_factory: sessionmaker[Session] = field(repr=False)
    backup_path: Path | None = None
    #: Who is signed in (app.services.accounts.signin sets it; tests state theirs):
    #: every session acts for this account (app.services.core.access).
    account: SignedIn | None = None
    #: Called (once) when the database is closed: the CLI seals the audit trail.
    closing: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        changes.track(self.session_factory)
        access.guard(self.session_factory)
        outbox.stamp_actors(self.session_factory)
        audit.track(self.session_factory)

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: commits when the block ends, rolls back on any error.

        Afterwards :func:`app.services.core.changes.committed_kinds` tells what it changed.
        """
        session = self.session_factory()
        access.bind(session, self.account)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def backup(self, destination: Path) -> Path:
        """Write a consistent copy of the database to ``destination`` (VACUUM INTO)."""
        if destination.exists():
            raise DatabaseProblem(f"فایل پشتیبان از قبل وجود دارد: {isolate_ltr(str(destination))}")
        return vacuum_into(self.engine, destination)

    def close(self) -> None:
        """Run the ``closing`` callbacks, then release every connection."""
        while self.closing:
            self.closing.pop(0)()
        self.engine.dispose()


def _translate(exc: BaseException, path: Path) -> DatabaseProblem | None:
    """Turn a known SQLite error into a Persian DatabaseProblem (None if unknown)."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return LockedDatabase(
            "پایگاه داده در دست برنامه دیگری است (قفل شده). "
            "برنامه‌های دیگری را که از این فایل استفاده می‌کنند ببندید و دوباره تلاش کنید."
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return CorruptDatabase(
            f"فایل پایگاه داده آسیب دیده است و باز نمی‌شود: {isolate_ltr(str(path))}\n"
            "از آخرین نسخه پشتیبان استفاده کنید یا با پشتیبانی تماس بگیرید."
        )
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return ReadOnlyDatabase(
            f"امکان نوشتن در پایگاه داده نیست (فقط‌خواندنی یا بدون دسترسی): {isolate_ltr(str(path))}"
        )
    if "disk i/o" in text or "full" in text:
        return DatabaseProblem("خطای دیسک: فضای دیسک پر است یا دیسک در دسترس نیست.")
    return None


def _check_file(path: Path) -> None:
    """Refuse a file that isn't SQLite, or that can't be written."""
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except PermissionError as exc:
        raise ReadOnlyDatabase(
            f"اجازه خواندن فایل پایگاه داده نیست: {isolate_ltr(str(path))}"
        ) from exc
    if header and header != SQLITE_HEADER:
        raise NotADaftarDatabase(f"این فایل پایگاه داده دفتر نیست: {isolate_ltr(str(path))}")
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise ReadOnlyDatabase(
            f"پایگاه داده فقط‌خواندنی است و دفتر نمی‌تواند در آن بنویسد: {isolate_ltr(str(path))}\n"
            "فایل را به پوشه‌ای قابل نوشتن منتقل کنید یا ویژگی فقط‌خواندنی آن را بردارید."
        )


def _current_revision(engine: Engine, path: Path) -> str | None:
    """Return the database's Alembic revision; None for an empty new file."""
    with engine.connect() as conn:
        app_id = conn.exec_driver_sql("PRAGMA application_id").scalar_one()
        tables = {
            row[0]
            for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if not tables and app_id == 0:
            return None
        if app_id != APPLICATION_ID or "alembic_version" not in tables:
            raise NotADaftarDatabase(
                f"این فایل پایگاه داده دفتر نیست و باز نمی‌شود: {isolate_ltr(str(path))}"
            )
        revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        return str(revision) if revision is not None else None


def known_revisions() -> set[str]:
    """Every schema revision this version of Daftar knows (it can migrate from)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}


def _migrate(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")


def open_database(path: Path | str, *, create: bool = True) -> Database:
    """Open (and if needed create or migrate) the database at ``path``.

    Raises a :class:`DatabaseProblem` with a Persian message when the file can't be used
    (also when it lies on a network share or a removable drive: app.services.core.storage).
    """
    from app.services.core.storage import refuse_unsafe_location

    path = Path(path).expanduser().resolve()
    exists = path.exists() and path.stat().st_size > 0
    if not exists and not create:
        raise DatabaseProblem(f"پایگاه داده پیدا نشد: {isolate_ltr(str(path))}")
    refuse_unsafe_location(path)
    if exists:
        _check_file(path)
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ReadOnlyDatabase(
                f"پوشه پایگاه داده ساخته نمی‌شود: {isolate_ltr(str(path.parent))}"
            ) from exc
    engine = make_engine(path)
    backup: Path | None = None
    try:
        revision = _current_revision(engine, path)
        if revision != HEAD_REVISION:
            if revision is not None and revision not in known_revisions():
                raise NewerDatabase(
                    "این پایگاه داده با نسخه جدیدتری از دفتر ساخته شده است "
                    f"(نسخه طرح {to_persian_digits(revision)}). "
                    "برای باز کردن آن، دفتر را به‌روز کنید."
                )
            if exists:
                database = Database(path, engine, sessionmaker(engine, expire_on_commit=False))
                backup = database.backup(backup_path_for(path, revision))
            log.info("migrating %s from %s to %s", path, revision, HEAD_REVISION)
            _migrate(engine)
        with engine.connect() as conn:
            # A write probe: fails now, with a clear message, if another program
            # holds the write lock or the file is read-only.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            conn.exec_driver_sql("ROLLBACK")
        database = Database(path, engine, sessionmaker(engine, expire_on_commit=False), backup)
        _protect_plaintext_key(database)
        _rebuild_stale_search_keys(database)
    except DatabaseProblem:
        engine.dispose()
        raise
    except (DBAPIError, sqlite3.Error) as exc:
        engine.dispose()
        problem = _translate(exc, path)
        if problem is None:
            raise
        raise problem from exc
    return database


def _rebuild_stale_search_keys(database: Database) -> None:
    """Search keys built by older rules are rebuilt once (app.services.core.search_keys)."""
    from app.services.core.search_keys import rebuild_if_stale

    with database.session() as session:
        if rebuild_if_stale(access.system_work(session, "search keys")):
            log.info("search keys rebuilt with the current rules")


def _protect_plaintext_key(database: Database) -> None:
    """Daftar before issue 10 kept the private signing key in plain text in the
    ``setting`` table: move it into the secret store (app.services.core.signing_keys), then
    rewrite the file so that no free page keeps it, and erase it from the backup made
    before this migration too (a copy of the database must not be able to sign)."""
    from app.services.core.signing_keys import LEGACY_PRIVATE_SETTING, adopt_legacy_key

    with database.session() as session:
        adopted = adopt_legacy_key(access.system_work(session, "legacy key"))
    if adopted:
        scrub_freed_pages(database.engine)
    if database.backup_path is not None:
        _scrub_backup(database.backup_path, LEGACY_PRIVATE_SETTING)


def scrub_freed_pages(engine: Engine) -> None:
    """Rewrite the database file (VACUUM) and empty its WAL, so that deleted rows are not
    left readable in free pages or old WAL frames."""
    with engine.connect() as conn:
        conn.exec_driver_sql("VACUUM")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    log.info("database file rewritten (deleted secrets erased)")


def _scrub_backup(path: Path, setting_key: str) -> None:
    """Delete setting ``setting_key`` from a backup file, leaving no trace of it."""
    conn = sqlite3.connect(path)
    try:
        table = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'setting'"
        ).fetchone()
        found = table and conn.execute("SELECT 1 FROM setting WHERE key = ?", (setting_key,))
        if not found or found.fetchone() is None:
            return
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("DELETE FROM setting WHERE key = ?", (setting_key,))
        conn.commit()
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    log.info("plain-text signing key erased from the backup %s", path)


def describe_problem(exc: BaseException, path: Path) -> DatabaseProblem | None:
    """Public form of the SQLite error translation, for callers that catch late errors."""
    return _translate(exc, path)
