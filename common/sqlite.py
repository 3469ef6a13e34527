"""SQLite settings and copies shared by the desktop app's database and the server's."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

log = logging.getLogger("daftar.db")


def apply_sqlite_pragmas(dbapi_connection: Any) -> None:
    """The settings every Daftar SQLite connection uses (client and server): foreign keys,
    a 5 s wait for a lock, WAL with one writer, NORMAL sync."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 5000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def vacuum_into(engine: Engine, destination: Path) -> Path:
    """Write a consistent copy of a SQLite database to ``destination`` (VACUUM INTO)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with engine.connect() as conn:
        conn.exec_driver_sql("VACUUM INTO ?", (str(destination),))
    log.info("backup written to %s", destination)
    return destination


def backup_path_for(path: Path, revision: str | None) -> Path:
    """Where the automatic pre-migration backup of ``path`` goes (microseconds in the
    name, so two migrations in one second never collide)."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return path.parent / "backups" / f"{path.stem}-before-{revision or 'new'}-{stamp}.sqlite3"
