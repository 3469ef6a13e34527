"""Restoring the office's database from a backup («بازیابی از پشتیبان…», ``daftar restore``).

:func:`plan_restore` checks the backup (app.services.core.backup.check_backup_file: a
Daftar database, whole, not from a newer version) and says what the clerk must know
first: how many local changes of the current database have not reached the server, and
whether the backup is another office's. :func:`restore_database` then, with the database
closed by everyone else:

1. copies the backup beside the database (the chosen file is never written) and checks
   the copy; a backup from an older version is migrated (the same migrations as at
   start-up, app.services.core.db.open_database);
2. carries over from the current database what belongs to this desk rather than to the
   register, when both are the same office (:data:`DESK_SETTINGS`: the sync connection,
   where the token and the signing keys' private halves are kept, backup settings; the
   signing keys; the counters and licence-number pools, never going back, so a number,
   serial or code handed out after the backup is never handed out again; the staff
   accounts as they are now, so a restore never brings back a disabled account or an
   old password);
3. keeps a safety copy of the current database in ``backups/`` (never deleted
   automatically), and
4. puts the restored file in place in one rename.

An office that syncs loses and resurrects nothing: the restored sync cursor is older, so
the next pull brings back everything the server has received since; operations in the
backup's outbox that had already reached the server are answered ``replayed`` and
applied once.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from app.services.core.access import requires
from app.services.core.actor import database_actor
from app.services.core.backup import (
    TAKEN_AT_SETTING,
    BackupFileInfo,
    check_backup_file,
    writing_into,
)
from app.services.core.db import Database, DatabaseProblem, LockedDatabase, open_database
from common.files import atomic_path
from common.vocabulary import Permission

log = logging.getLogger("daftar.db")

#: Settings of the desk, not of the register, carried over from the current database
#: (tests/services/core/test_restore.py checks they are the owners' keys).
DESK_SETTINGS = frozenset(
    {
        "desk.id",  # app.services.core.desk.DESK_ID_SETTING
        "sync.server_url",  # app.services.sync.settings.KEY_SERVER
        "sync.office_id",  # app.services.sync.settings.KEY_OFFICE
        "sync.insecure_origin",  # app.services.sync.security.KEY_INSECURE
        "sync.ca_file",  # app.services.sync.security.KEY_CA_FILE
        "sync.token",  # app.services.core.credentials (where the token is kept)
        "sync.token_key_id",  # app.services.core.credentials (the profile key's id)
        "signing.current_key",  # app.services.core.signing_keys.CURRENT_KEY_SETTING
        "backup.keep_daily",  # app.services.core.autobackup
        "backup.keep_monthly",
        "backup.second_folder",
    }
)
#: Settings whose key starts so are carried over too (where each private key is kept).
DESK_SETTING_PREFIXES = ("signing.secret.",)
#: How long the restore waits for another program to let go of the database.
EXCLUSIVE_WAIT_SECONDS = 2.0


@dataclass(frozen=True)
class RestorePlan:
    """What the clerk is told before a restore."""

    backup: BackupFileInfo
    #: A current database exists (and could be read).
    live_exists: bool
    live_office_id: str
    live_office_name: str
    #: Local changes of the current database not yet sent to its server (0 when it
    #: does not sync).
    live_pending: int
    #: The current database is set up to sync with a server.
    live_syncs: bool

    @property
    def other_office(self) -> bool:
        """The backup belongs to another office than the current database."""
        return bool(self.live_office_id) and self.live_office_id != self.backup.office_id


@dataclass(frozen=True)
class RestoreResult:
    """What :func:`restore_database` did."""

    backup: BackupFileInfo
    #: The copy of the database that was replaced (None: there was none).
    safety_copy: Path | None
    #: The backup's older schema revision it was migrated from (None: none needed).
    migrated_from: str | None
    #: The desk's settings, keys, counters and pools were carried over.
    carried: bool


def _live_facts(live: Path) -> tuple[bool, str, str, int, bool]:
    """(exists and readable, office id, office name, pending changes, syncs)."""
    if not live.exists() or live.stat().st_size == 0:
        return False, "", "", 0, False
    try:
        conn = sqlite3.connect(f"{live.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return False, "", "", 0, False
    try:
        office = conn.execute("SELECT id, name FROM office LIMIT 1").fetchone()
        pending = conn.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()
        server = conn.execute("SELECT value FROM setting WHERE key = 'sync.server_url'").fetchone()
    except sqlite3.Error as exc:
        log.warning("the current database %s could not be read: %s", live, exc)
        return False, "", "", 0, False
    finally:
        conn.close()
    syncs = bool(server and server[0])
    return (
        True,
        str(office[0]) if office else "",
        str(office[1]) if office else "",
        # An office without a server keeps its outbox for the day it joins: nothing is
        # "not sent yet" in the sense a restore loses.
        int(pending[0]) if pending and syncs else 0,
        syncs,
    )


def plan_restore(live: Path, backup: Path) -> RestorePlan:
    """Check ``backup`` and describe what restoring it over ``live`` means; raises a
    :class:`DatabaseProblem` (Persian) when it can't be restored."""
    live, backup = live.expanduser().resolve(), backup.expanduser().resolve()
    if backup == live:
        raise DatabaseProblem("این همان پایگاه دادهٔ در حال استفاده است، نه یک نسخهٔ پشتیبان.")
    info = check_backup_file(backup)
    exists, office_id, office_name, pending, syncs = _live_facts(live)
    return RestorePlan(info, exists, office_id, office_name, pending, syncs)


def safety_copy_path(live: Path, now: dt.datetime | None = None) -> Path:
    """Where the current database is kept before a restore replaces it."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S-%f")
    return live.parent / "backups" / f"{live.stem}-before-restore-{stamp}.sqlite3"


#: The files SQLite keeps beside a database while it is open or mid-transaction.
_SIDE_FILES = ("-wal", "-shm", "-journal")


@requires(Permission.RESTORE)
def restore_over(db: Database, backup: Path) -> RestoreResult:
    """A person's restore (menu, ``daftar restore``): only a head of office may replace
    the register with an older copy (it would undo revocations). ``db`` is closed first;
    then :func:`restore_database`."""
    actor, live = database_actor(db), db.path
    db.close()
    return restore_database(live, backup, actor=actor)


def restore_database(live: Path, backup: Path, *, actor: str = "") -> RestoreResult:
    """Replace the database at ``live`` with ``backup`` (see the module's docstring);
    ``actor`` (the signed-in account's name) is logged.

    Nobody else may have ``live`` open (the GUI closes it first; ``daftar restore``
    refuses while the GUI runs): a database another program holds is refused with
    :class:`LockedDatabase`. On any failure the current database is left as it was.
    """
    live, backup = live.expanduser().resolve(), backup.expanduser().resolve()
    plan = plan_restore(live, backup)
    folder = live.parent
    migrated_from = None
    # The backup is copied beside the live database, checked, migrated and given what
    # carries over; only then does it take the live database's place, in one rename.
    with atomic_path(live) as staging:
        try:
            with writing_into(folder):
                shutil.copyfile(backup, staging)
            check_backup_file(staging)
            if plan.backup.needs_migration:
                migrated_from = plan.backup.revision
                _migrate(staging)
            with writing_into(folder):
                safety, carried = _take_over(live, staging, same_office=not plan.other_office)
                _settle(staging)
        finally:
            for suffix in _SIDE_FILES:
                Path(f"{staging}{suffix}").unlink(missing_ok=True)
    for suffix in _SIDE_FILES:
        Path(f"{live}{suffix}").unlink(missing_ok=True)
    log.info(
        "database %s restored from %s by %s (safety copy %s)",
        live,
        backup,
        actor or "the system",
        safety,
    )
    return RestoreResult(plan.backup, safety, migrated_from, carried)


def _migrate(staging: Path) -> None:
    """Bring the copy of an older backup to this version's schema."""
    database = open_database(staging, create=False)
    database.close()
    if database.backup_path is not None:
        # The copy made before the migration is the chosen backup file itself.
        database.backup_path.unlink(missing_ok=True)


def _exclusive(live: Path, staging: Path) -> sqlite3.Connection:
    """A connection holding ``live`` alone (rollback journal, exclusive lock) with
    ``staging`` attached as ``restored``; :class:`LockedDatabase` when another program
    has ``live`` open."""
    conn = sqlite3.connect(live, timeout=EXCLUSIVE_WAIT_SECONDS, isolation_level=None)
    try:
        mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
        if str(mode).lower() != "delete":
            raise sqlite3.OperationalError("database is locked")
        conn.execute("ATTACH DATABASE ? AS restored", (str(staging),))
        conn.execute("BEGIN EXCLUSIVE")
    except sqlite3.Error as exc:
        conn.close()
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            raise LockedDatabase(
                "دفتر یا برنامهٔ دیگری این پایگاه داده را باز کرده است. "
                "آن را ببندید و دوباره بازیابی کنید."
            ) from exc
        raise
    return conn


def _take_over(live: Path, staging: Path, *, same_office: bool) -> tuple[Path | None, bool]:
    """Hold the current database alone, keep a safety copy of it and carry the desk's
    state into ``staging``; returns (the safety copy, whether anything was carried)."""
    if not live.exists():
        return None, False
    try:
        conn = _exclusive(live, staging)
    except LockedDatabase:
        raise
    except sqlite3.DatabaseError as exc:
        # A damaged database (the reason for many restores): keep its bytes as they are.
        log.warning("the current database %s can't be opened (%s): copied as it is", live, exc)
        return _raw_copy(live), False
    try:
        safety = _raw_copy(live)
        carried = False
        if same_office:
            try:
                _carry(conn)
                carried = True
            except sqlite3.DatabaseError as exc:
                log.warning("the desk's state could not be carried over: %s", exc)
                conn.rollback()
                conn.execute("BEGIN EXCLUSIVE")
        conn.execute("DELETE FROM restored.setting WHERE key = ?", (TAKEN_AT_SETTING,))
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.execute("DETACH DATABASE restored")
        conn.close()
    return safety, carried


def _raw_copy(live: Path) -> Path:
    """Copy the database file (and a WAL beside it) byte for byte to its safety copy."""
    target = safety_copy_path(live)
    target.parent.mkdir(parents=True, exist_ok=True)
    for source, destination in (
        (live, target),
        (Path(f"{live}-wal"), Path(f"{target}-wal")),
    ):
        if not source.exists() or (source != live and source.stat().st_size == 0):
            continue
        with atomic_path(destination) as copy:
            shutil.copyfile(source, copy)
    return target


def _tables(conn: sqlite3.Connection, schema: str) -> set[str]:
    return {
        row[0]
        for row in conn.execute(f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table'")
    }


def _columns(conn: sqlite3.Connection, table: str, schema: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA {schema}.table_info({table})")]


def _carry(conn: sqlite3.Connection) -> None:
    """Carry the desk's state from the current database (``main``, held exclusively) into
    the restored one (attached as ``restored``)."""
    live_tables = _tables(conn, "main")
    if "setting" in live_tables:
        for key, value in conn.execute("SELECT key, value FROM main.setting").fetchall():
            if key in DESK_SETTINGS or key.startswith(DESK_SETTING_PREFIXES):
                conn.execute(
                    "INSERT INTO restored.setting (key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )
    if "counter" in live_tables:
        conn.execute(
            "INSERT INTO restored.counter (name, next_value) "
            "SELECT name, next_value FROM main.counter WHERE true "
            "ON CONFLICT(name) DO UPDATE SET next_value = "
            "max(restored.counter.next_value, excluded.next_value)"
        )
    if "number_pool" in live_tables:
        _carry_pools(conn)
    if "account" in live_tables and conn.execute("SELECT 1 FROM main.account").fetchone():
        _carry_table(conn, "account")
    if "signing_key" in live_tables:
        wanted = set(_columns(conn, "signing_key", "restored"))
        columns = [name for name in _columns(conn, "signing_key", "main") if name in wanted]
        names = ", ".join(columns)
        updates = ", ".join(f"{name} = excluded.{name}" for name in columns if name != "key_id")
        conn.execute(
            f"INSERT INTO restored.signing_key ({names}) SELECT {names} FROM main.signing_key "
            f"WHERE true ON CONFLICT(key_id) DO UPDATE SET {updates}"
        )


def _carry_table(conn: sqlite3.Connection, table: str) -> None:
    """The restored database's ``table`` becomes the current one's (the columns both
    have)."""
    wanted = set(_columns(conn, table, "restored"))
    names = ", ".join(name for name in _columns(conn, table, "main") if name in wanted)
    conn.execute(f"DELETE FROM restored.{table}")
    conn.execute(f"INSERT INTO restored.{table} ({names}) SELECT {names} FROM main.{table}")


def _carry_pools(conn: sqlite3.Connection) -> None:
    """Licence-number pools never go back: a pool both have keeps the further position;
    a pool only the current database has is added."""
    for prefix, first, last, next_value, reserved_at in conn.execute(
        "SELECT prefix, first, last, next_value, reserved_at FROM main.number_pool"
    ).fetchall():
        found = conn.execute(
            "SELECT seq, next_value FROM restored.number_pool "
            "WHERE prefix = ? AND first = ? AND last = ?",
            (prefix, first, last),
        ).fetchone()
        if found is None:
            conn.execute(
                "INSERT INTO restored.number_pool (prefix, first, last, next_value, reserved_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (prefix, first, last, next_value, reserved_at),
            )
        elif next_value > found[1]:
            conn.execute(
                "UPDATE restored.number_pool SET next_value = ? WHERE seq = ?",
                (next_value, found[0]),
            )


def _settle(staging: Path) -> None:
    """Leave the restored file whole on its own (no WAL beside it) and on disk."""
    conn = sqlite3.connect(staging, isolation_level=None)
    try:
        conn.execute("DELETE FROM setting WHERE key = ?", (TAKEN_AT_SETTING,))
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()
