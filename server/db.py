"""The central server's database: engine, checks, backup and Alembic migrations.

SQLite by default (``--db PATH``: WAL mode, foreign keys on); PostgreSQL when
``--database-url`` or ``DATABASE_URL`` names one. Migrations run at start-up, as in the
client (app.services.core.db); an existing SQLite file is backed up first (``VACUUM INTO``).
A database written by a newer server, or a file that is not a Daftar server database, is
refused and never touched.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect

from common.sqlite import apply_sqlite_pragmas, backup_path_for, vacuum_into

log = logging.getLogger("daftar.server.db")

#: ``PRAGMA application_id`` of a server SQLite database ("DFSV").
SERVER_APPLICATION_ID = 0x44465356
#: The Alembic head this version of the server writes (tests check it against the
#: scripts in server/migrations/versions).
HEAD_REVISION = "0013"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_HEADER = b"SQLite format 3\x00"


class ServerDatabaseError(Exception):
    """The server's database can't be used; the message says why (English, for operators)."""


def resolve_url(
    db: str | Path | None,
    database_url: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """Return the SQLAlchemy URL: ``--database-url``, else ``--db``, else ``DATABASE_URL``."""
    environ = os.environ if environ is None else environ
    if database_url:
        return database_url
    if db is not None:
        return f"sqlite:///{Path(db).expanduser().resolve()}"
    from_env = environ.get("DATABASE_URL", "")
    if from_env:
        return from_env
    raise ServerDatabaseError("no database: give --db PATH, --database-url URL or DATABASE_URL")


#: How long a server request waits for SQLite's write lock (ms). Pushes queue on the
#: server_seq counter by design; the client's 5 s is too short for a busy server.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    apply_sqlite_pragmas(dbapi_connection)
    dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")


#: Connections kept by a server process: as many as requests admitted to the database
#: at once (server.work.DEFAULT_SLOTS; ``daftar-server serve --db-connections``).
DEFAULT_CONNECTIONS = 10
#: A few more for work outside the admitted requests (start-up, the CLI's commands).
POOL_OVERFLOW = 2
#: An admitted request never waits for a connection; a wait this long means a leak, and
#: is answered 503 (server.app) rather than left hanging.
POOL_TIMEOUT_SECONDS = 5.0


def make_engine(url: str, connections: int = DEFAULT_CONNECTIONS) -> Engine:
    """Create the engine for ``url`` (no checks, no migrations; see open_database), its
    pool sized for ``connections`` requests at once (server.work)."""
    pool: dict[str, Any] = {
        "pool_size": connections,
        "max_overflow": POOL_OVERFLOW,
        "pool_timeout": POOL_TIMEOUT_SECONDS,
    }
    if url.startswith("sqlite"):
        if ":memory:" in url or url.rstrip("/") in ("sqlite:", "sqlite+pysqlite:"):
            pool = {}  # one connection shared (SQLAlchemy's default for memory)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **pool)
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    return create_engine(url, pool_pre_ping=True, **pool)


def _sqlite_path(engine: Engine) -> Path | None:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database)


def current_revision(engine: Engine) -> str | None:
    """Return the database's Alembic revision; None for an empty new database.

    Raises ServerDatabaseError for a database that holds tables but is not ours.
    """
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        app_id = 0
        if engine.dialect.name == "sqlite":
            app_id = int(conn.exec_driver_sql("PRAGMA application_id").scalar_one())
        if not tables and app_id == 0:
            return None
        if "alembic_version" not in tables or (
            engine.dialect.name == "sqlite" and app_id != SERVER_APPLICATION_ID
        ):
            raise ServerDatabaseError(f"not a Daftar server database: {engine.url!r}")
        revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        return str(revision) if revision is not None else None


def _alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def known_revisions() -> set[str]:
    """Every revision in server/migrations/versions."""
    from alembic.script import ScriptDirectory

    return {
        script.revision
        for script in ScriptDirectory.from_config(_alembic_config()).walk_revisions()
    }


def script_head() -> str:
    """The head revision of server/migrations/versions."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - there is always a first migration
        raise ServerDatabaseError("no server migrations found")
    return str(head)


def backup_sqlite(engine: Engine, revision: str | None) -> Path | None:
    """Copy a SQLite database file aside before migrating it; None when there is no file."""
    path = _sqlite_path(engine)
    if path is None:
        return None
    return vacuum_into(engine, backup_path_for(path, revision))


def migrate(engine: Engine) -> Path | None:
    """Bring the database to HEAD_REVISION; returns the backup's path if one was made."""
    revision = current_revision(engine)
    if revision == HEAD_REVISION:
        return None
    if revision is not None and revision not in known_revisions():
        raise ServerDatabaseError(
            f"the database is at revision {revision}, written by a newer daftar-server; "
            "upgrade the server"
        )
    backup = backup_sqlite(engine, revision) if revision is not None else None
    log.info("migrating the server database from %s to %s", revision, HEAD_REVISION)
    from alembic import command

    config = _alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql(f"PRAGMA application_id = {SERVER_APPLICATION_ID}")
    return backup


def fold_identities(engine: Engine) -> int:
    """Fold the holders (supporters) an upgrade found registered twice into one
    (server.push.fold_pending); a no-op once done."""
    from sqlalchemy.orm import Session

    from server.push import fold_pending

    with Session(engine) as session, session.begin():
        folded = fold_pending(session)
    if folded:
        log.info("folded %d identities registered twice", folded)
    return folded


def open_database(
    db: str | Path | None,
    database_url: str | None = None,
    *,
    connections: int = DEFAULT_CONNECTIONS,
) -> Engine:
    """Open (create, check and migrate) the server database named by the arguments;
    its pool holds ``connections`` connections (make_engine)."""
    url = resolve_url(db, database_url)
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        if path.exists() and path.stat().st_size > 0:
            with path.open("rb") as handle:
                if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                    raise ServerDatabaseError(f"not a SQLite database: {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url, connections)
    try:
        migrate(engine)
        fold_identities(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine
