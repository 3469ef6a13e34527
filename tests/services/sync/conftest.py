"""Fixtures of the sync client's tests: office databases set up from the in-process
server (its fixtures: tests/server_fixtures.py).

Each office is a real SQLite database set up from the server (``setup_from_server``);
its transport talks to the FastAPI app through starlette's TestClient, so every request
goes through the same routing, validation and database code as over the network.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.services.core.db import Database
from app.services.sync.setup import setup_from_server
from app.services.sync.transport import Transport
from tests.accounts_support import HEAD_INPUT
from tests.services.sync.sync_support import BASE, Office


@pytest.fixture
def office_factory(
    client: TestClient, enrol: Callable[..., Any], tmp_path: Path
) -> Iterator[Callable[..., Office]]:
    """Make an office: ``office_factory(name, county="شمیرانات", province="تهران")``
    (``county=None``: a province office)."""
    opened: list[Database] = []

    def make(name: str, county: str | None = "شمیرانات", province: str = "تهران") -> Office:
        enrolled = enrol(province, county, f"اداره {name}")
        transport = Transport(BASE, enrolled.token, client=client)
        db, _report = setup_from_server(
            tmp_path / f"{name}.sqlite3", BASE, enrolled.token, transport=transport, head=HEAD_INPUT
        )
        opened.append(db)
        return Office(db, transport)

    yield make
    for db in opened:
        db.close()
