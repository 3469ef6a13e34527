"""The central server in process, for the server's tests (tests/server) and the sync
client's (tests/services/sync): a fresh migrated database, the app, enrolled offices.

A pytest plugin, registered by tests/conftest.py (``pytest_plugins``), so both test
folders get the same fixtures without importing each other. The server's modules are
imported inside the fixtures: test runs that use none of them (the views') don't pay for
loading FastAPI.

Every test that uses ``server_database`` (and so ``engine``, ``client``, ``enrol``...)
runs on SQLite, and also on PostgreSQL when ``DAFTAR_TEST_POSTGRES_URL`` names a
PostgreSQL database whose role may create databases, e.g.::

    DAFTAR_TEST_POSTGRES_URL=postgresql+psycopg://daftar:daftar@127.0.0.1:5432/daftar_test

(``.ci/run`` sets it up). Each PostgreSQL test gets a new, empty database of its own,
created next to that one and dropped afterwards; test ids say ``[sqlite]`` or
``[postgresql]``.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import URL, Engine, create_engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from server.offices import Reference

#: The environment variable naming the PostgreSQL database the server tests may use.
POSTGRES_URL_VARIABLE = "DAFTAR_TEST_POSTGRES_URL"
#: Every server test runs on both; without the URL the PostgreSQL runs are skipped, and
#: say so (CI always sets it: .ci/run).
BACKENDS = ["sqlite", "postgresql"]
NO_POSTGRES = f"PostgreSQL server tests need {POSTGRES_URL_VARIABLE} (see .ci/run)"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line at the end of a run without PostgreSQL, so its absence is never silent."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if NO_POSTGRES in str(getattr(report, "longrepr", ""))
    ]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} PostgreSQL server tests skipped: {POSTGRES_URL_VARIABLE} is not set",
            yellow=True,
        )


@dataclass
class Enrolled:
    """An enrolled office: its id and its (plain) token."""

    office_id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class ServerDatabase:
    """A fresh, empty server database: a SQLite file, or a PostgreSQL database."""

    backend: str  # "sqlite" or "postgresql"
    url: str  # the SQLAlchemy URL, password included
    path: Path | None = None  # the SQLite file

    @property
    def cli_args(self) -> list[str]:
        """How ``daftar-server`` is told to use this database."""
        if self.path is not None:
            return ["--db", str(self.path)]
        return ["--database-url", self.url]

    def open(self) -> Engine:
        """Open (create, check and migrate) it as the server does."""
        from server.db import open_database

        if self.path is not None:
            return open_database(self.path)
        return open_database(None, self.url)


def postgres_base_url() -> URL:
    """The URL of DAFTAR_TEST_POSTGRES_URL (driver psycopg unless it names another)."""
    url = make_url(os.environ[POSTGRES_URL_VARIABLE])
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """An autocommit engine on DAFTAR_TEST_POSTGRES_URL's database, to create others."""
    engine = create_engine(postgres_base_url(), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    yield engine
    engine.dispose()


@pytest.fixture
def server_db_path(tmp_path: Path) -> Path:
    return tmp_path / "server.sqlite3"


@pytest.fixture(params=BACKENDS)
def server_database(
    request: pytest.FixtureRequest, server_db_path: Path
) -> Iterator[ServerDatabase]:
    """A fresh, empty server database on each backend under test."""
    if request.param == "sqlite":
        yield ServerDatabase("sqlite", f"sqlite:///{server_db_path}", server_db_path)
        return
    if not os.environ.get(POSTGRES_URL_VARIABLE):
        pytest.skip(NO_POSTGRES)
    admin: Engine = request.getfixturevalue("postgres_admin")
    base = postgres_base_url()
    name = f"{(base.database or 'daftar_test')[:40]}_{uuid.uuid4().hex[:16]}"
    with admin.connect() as conn:
        # UTF-8 whatever the cluster's default (a cluster made under LANG=C is SQL_ASCII).
        conn.exec_driver_sql(
            f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' "
            "LC_COLLATE 'C' LC_CTYPE 'C'"
        )
    try:
        url = base.set(database=name).render_as_string(hide_password=False)
        yield ServerDatabase("postgresql", url)
    finally:
        _drop_database(admin, name)


def _drop_database(admin: Engine, name: str) -> None:
    """Drop a test database. FORCE ends our own leftover connections; an autovacuum
    worker (a superuser process the test role may not end) can hold it for a moment, so
    try again briefly before giving up."""
    for attempt in range(40):
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except DBAPIError:
            if attempt == 39:
                raise
            time.sleep(0.25)


@pytest.fixture(scope="session")
def reference() -> Reference:
    from server.offices import load_reference

    return load_reference()


@pytest.fixture
def engine(server_database: ServerDatabase) -> Iterator[Engine]:
    engine = server_database.open()
    yield engine
    engine.dispose()


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    from fastapi.testclient import TestClient

    from server.app import create_app

    with TestClient(create_app(engine)) as test_client:
        yield test_client


@pytest.fixture
def enrol(engine: Engine, reference: Reference) -> Callable[..., Enrolled]:
    """Enrol an office: ``enrol(province, county=None, name=...)``."""
    from server.offices import enrol_office

    def _enrol(province: str, county: str | None = None, name: str = "اداره") -> Enrolled:
        with Session(engine) as session, session.begin():
            office, token = enrol_office(
                session, name=name, province=province, county=county, reference=reference
            )
            return Enrolled(office.id, token)

    return _enrol


@pytest.fixture
def county_office(enrol: Callable[..., Enrolled]) -> Enrolled:
    return enrol("تهران", "شمیرانات", "اداره کار شمیرانات")
