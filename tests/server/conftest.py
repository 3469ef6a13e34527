"""Fixtures of the central server's tests: a fresh migrated database, an app, offices.

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
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import URL, Engine, create_engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from app.services.core.db import Database
from app.services.sync.client import Transport, setup_from_server
from server.app import create_app
from server.db import open_database
from server.offices import Reference, enrol_office, load_reference
from tests.server.sync_support import BASE, Office

#: The environment variable naming the PostgreSQL database the server tests may use.
POSTGRES_URL_VARIABLE = "DAFTAR_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"] if os.environ.get(POSTGRES_URL_VARIABLE) else ["sqlite"]


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
    return load_reference()


@pytest.fixture
def engine(server_database: ServerDatabase) -> Iterator[Engine]:
    engine = server_database.open()
    yield engine
    engine.dispose()


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine)) as test_client:
        yield test_client


@pytest.fixture
def enrol(engine: Engine, reference: Reference) -> Callable[..., Enrolled]:
    """Enrol an office: ``enrol(province, county=None, name=...)``."""

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


@pytest.fixture
def office_factory(
    client: TestClient, enrol: Callable[..., Any], tmp_path: Path
) -> Iterator[Callable[..., Office]]:
    opened: list[Database] = []

    def make(name: str, county: str | None = "شمیرانات", province: str = "تهران") -> Office:
        enrolled = enrol(province, county, f"اداره {name}")
        transport = Transport(BASE, enrolled.token, client=client)
        db, _report = setup_from_server(
            tmp_path / f"{name}.sqlite3", BASE, enrolled.token, transport=transport
        )
        opened.append(db)
        return Office(db, transport)

    yield make
    for db in opened:
        db.close()
