"""Fixtures of the central server's tests: a migrated SQLite database, an app, offices."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from server.app import create_app
from server.db import open_database
from server.offices import Reference, enrol_office, load_reference


@dataclass
class Enrolled:
    """An enrolled office: its id and its (plain) token."""

    office_id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="session")
def reference() -> Reference:
    return load_reference()


@pytest.fixture
def server_db_path(tmp_path: Path) -> Path:
    return tmp_path / "server.sqlite3"


@pytest.fixture
def engine(server_db_path: Path) -> Iterator[Engine]:
    engine = open_database(server_db_path)
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
