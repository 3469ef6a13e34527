"""Fixtures every view test can use (pytest finds them here; no import needed).

``db``: an empty migrated database; ``office`` / ``province_office``: the Tehran county or
province office set up in it; ``ctx``: an :class:`AppContext` over ``db`` whose task runner
runs jobs inline. ``register_db`` / ``register_ctx``: a database holding
:data:`register_support.LICENCE_COUNT` licences and a context over it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.services.core import office as office_service
from app.services.core import reference
from app.services.core.db import Database, open_database
from app.services.core.office import OfficeInfo, OfficeInput
from app.views.context import AppContext, AppSignals
from app.views.worker import TaskRunner
from tests.accounts_support import act_as
from tests.views.register_support import seed_register


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """An empty Daftar database (migrated, no reference data, no office)."""
    database = act_as(open_database(tmp_path / "daftar.sqlite3"))
    yield database
    database.close()


@pytest.fixture
def ctx(db: Database, qapp: object) -> Iterator[AppContext]:
    """A context whose task runner runs jobs inline."""
    runner = TaskRunner(synchronous=True)
    yield AppContext(db=db, runner=runner, signals=AppSignals())
    runner.deleteLater()


@pytest.fixture
def office(db: Database) -> OfficeInfo:
    """The office of the database: the county office of Tehran, prefix 0612."""
    with db.session() as session:
        reference.seed_reference_data(session)
        session.flush()
        tehran = next(p for p in reference.list_provinces(session) if p.name == "تهران")
        county = next(c for c in reference.list_counties(session, tehran.id) if c.name == "تهران")
        return office_service.setup_office(
            session,
            OfficeInput(
                tehran.id, county.id, "اداره تعاون، کار و رفاه اجتماعی شهرستان تهران", "0612", 5
            ),
        )


@pytest.fixture
def province_office(db: Database) -> OfficeInfo:
    """The office of the database: the province office of Tehran (all its counties)."""
    with db.session() as session:
        reference.seed_reference_data(session)
        session.flush()
        tehran = next(p for p in reference.list_provinces(session) if p.name == "تهران")
        return office_service.setup_office(
            session,
            OfficeInput(
                tehran.id, None, "اداره کل تعاون، کار و رفاه اجتماعی استان تهران", "0600", 5
            ),
        )


@pytest.fixture
def register_db(tmp_path: Path) -> Iterator[tuple[Database, OfficeInfo]]:
    """A database with an office and :data:`LICENCE_COUNT` licences."""
    database = act_as(open_database(tmp_path / "register.sqlite3"))
    office = seed_register(database)
    yield database, office
    database.close()


@pytest.fixture
def register_ctx(register_db: tuple[Database, OfficeInfo], qapp: object) -> Iterator[AppContext]:
    """A context over :func:`register_db` whose task runner runs jobs inline."""
    runner = TaskRunner(synchronous=True)
    yield AppContext(db=register_db[0], runner=runner, signals=AppSignals())
    runner.deleteLater()
