"""``daftar-server serve``: one uvicorn process, or several workers on PostgreSQL.

With ``--workers 1`` (the default) the app runs in this process on the engine the
command opened. With ``--workers N`` uvicorn starts N worker processes; each builds its
own app and engine (:func:`worker_app`, from the settings this process leaves in the
environment variable ``WORKER_SETTINGS``) after this process has migrated the database
once. Several processes (or machines) share nothing but the database: the feed's
numbering, the licence-number pools and idempotency rest on PostgreSQL's row locks and
unique keys (docs/sync-protocol.md, "Several server processes"), so they are correct
across processes. SQLite has one writer at a time and a file lock per machine: several
workers are refused there.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import asdict, dataclass
from typing import Any

from fastapi import FastAPI

from server.db import (
    DEFAULT_CONNECTIONS,
    ServerDatabaseError,
    make_engine,
    open_database,
    resolve_url,
)
from server.work import DEFAULT_PER_OFFICE, DEFAULT_WAIT_SECONDS

log = logging.getLogger("daftar.server")

#: The environment variable through which the serving process hands its settings to
#: uvicorn's worker processes.
WORKER_SETTINGS = "DAFTAR_SERVER_WORKER_SETTINGS"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@dataclass(frozen=True)
class Settings:
    """What ``serve`` needs to build an app in any process."""

    url: str
    docs: bool = False
    db_connections: int = DEFAULT_CONNECTIONS
    db_wait: float = DEFAULT_WAIT_SECONDS
    per_office: int = DEFAULT_PER_OFFICE
    metrics: bool = False
    metrics_token: str | None = None
    figures_token: str | None = None
    log_level: str = "INFO"


@dataclass(frozen=True)
class Listen:
    """Where and how uvicorn listens."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    ssl_keyfile: str | None = None
    ssl_certfile: str | None = None
    forwarded_allow_ips: str | None = None


def refuse_workers(url: str, workers: int) -> None:
    """Several workers need PostgreSQL; raise ServerDatabaseError otherwise."""
    if workers < 1:
        raise ServerDatabaseError("--workers must be at least 1")
    if workers > 1 and url.startswith("sqlite"):
        raise ServerDatabaseError(
            "--workers > 1 needs PostgreSQL (--database-url): SQLite has one writer at a "
            "time, so several processes would only queue on its lock; use --workers 1 on "
            "SQLite"
        )


def worker_app() -> FastAPI:
    """The app of one uvicorn worker process (``--workers N``): its own engine on the
    database the serving process migrated."""
    from server.app import create_app
    from server.db import HEAD_REVISION, current_revision

    settings = Settings(**json.loads(os.environ[WORKER_SETTINGS]))
    logging.basicConfig(level=settings.log_level, stream=sys.stderr, format=LOG_FORMAT)
    engine = make_engine(settings.url, settings.db_connections)
    revision = current_revision(engine)
    if revision != HEAD_REVISION:
        raise ServerDatabaseError(f"the database is at {revision}, not {HEAD_REVISION}")
    return create_app(engine, **app_options(settings))


def app_options(settings: Settings) -> dict[str, Any]:
    """The keyword arguments of server.app.create_app that ``settings`` give."""
    return {
        "docs": settings.docs,
        "db_slots": settings.db_connections,
        "db_wait": settings.db_wait,
        "per_office": settings.per_office,
        "metrics": settings.metrics,
        "metrics_token": settings.metrics_token,
        "figures_token": settings.figures_token,
    }


def serve(db: str | None, database_url: str | None, settings: Settings, listen: Listen) -> int:
    """Migrate the database, then serve it (``daftar-server serve``)."""
    import uvicorn

    from server.app import create_app

    if bool(listen.ssl_keyfile) != bool(listen.ssl_certfile):
        raise ServerDatabaseError("give both --ssl-keyfile and --ssl-certfile, or neither")
    refuse_workers(resolve_url(db, database_url), listen.workers)
    engine = open_database(db, database_url, connections=settings.db_connections)
    settings = Settings(**{**asdict(settings), "url": engine.url.render_as_string(False)})
    scheme = "https" if listen.ssl_certfile else "http"
    log.info(
        "serving on %s://%s:%s (%s), %d worker%s, %d database connections each%s%s",
        scheme,
        listen.host,
        listen.port,
        engine.url.render_as_string(),
        listen.workers,
        "s" if listen.workers > 1 else "",
        settings.db_connections,
        f", proxy headers from {listen.forwarded_allow_ips}" if listen.forwarded_allow_ips else "",
        ", docs at /docs" if settings.docs else "",
    )
    options: dict[str, Any] = {
        "host": listen.host,
        "port": listen.port,
        "log_config": None,
        # The client address (failed logins are limited per address) is the socket
        # peer unless the operator names the proxies to trust.
        "proxy_headers": bool(listen.forwarded_allow_ips),
        "forwarded_allow_ips": listen.forwarded_allow_ips or None,
        "ssl_keyfile": listen.ssl_keyfile,
        "ssl_certfile": listen.ssl_certfile,
    }
    try:
        if listen.workers == 1:
            app = create_app(engine, **app_options(settings))
            uvicorn.run(app, **options)
            return 0
        engine.dispose()
        os.environ[WORKER_SETTINGS] = json.dumps(asdict(settings))
        uvicorn.run("server.serve:worker_app", factory=True, workers=listen.workers, **options)
        return 0
    finally:
        engine.dispose()
