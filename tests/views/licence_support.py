"""Fixtures shared by the setup, licence-form and licence-dialog tests.

A database in ``tmp_path``, an office set up in Tehran, and an :class:`AppContext` whose
TaskRunner is synchronous (worker jobs run inline). Import the fixtures into a test
module with ``from licence_support import *`` … or by name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.services.core import office as office_service
from app.services.core import reference
from app.services.core.db import Database, open_database
from app.services.core.office import OfficeInfo, OfficeInput
from app.services.licences.records import LicenceDetail, LicenceInput, PersonInput
from app.services.licences.service import LicenceService
from app.views.context import AppContext, AppSignals
from app.views.worker import TaskRunner

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
VALID_NID = "0067749828"
OTHER_VALID_NID = "4032152314"
#: A postal code the service does not warn about (no 0 or 2 in its first five digits).
QUIET_POSTAL_CODE = "1345678901"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """An empty Daftar database (migrated, no reference data, no office)."""
    database = open_database(tmp_path / "daftar.sqlite3")
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


def first_field_id(db: Database) -> str:
    """The id of the first active business field."""
    with db.session() as session:
        return reference.list_fields(session, only_active=True)[0].id


def issue_licence(db: Database, office: OfficeInfo, national_id: str = VALID_NID) -> LicenceDetail:
    """Issue a licence directly through the service."""
    field_id = first_field_id(db)
    with db.session() as session:
        return LicenceService(session).issue(
            PersonInput(
                national_id=national_id,
                first_name="مریم",
                last_name="کریمی",
                father_name="حسن",
                birth_date=dt.date(1990, 8, 3),
                gender="F",
                mobile="09121234567",
                postal_code=QUIET_POSTAL_CODE,
                address="تهران، خیابان آزادی، پلاک ۱۲",
            ),
            LicenceInput(
                kind="independent",
                field_id=field_id,
                county_id=office.county_id or "",
                activity_address="",
                issue_date=dt.date.today() - dt.timedelta(days=30),
            ),
        )


def licence_count(db: Database) -> int:
    """How many licences the register holds (through the register service)."""
    from app.services.licences import register

    with db.session() as session:
        return register.count(session, register.RegisterFilter())


def save_screenshot(widget: object, name: str) -> Path:
    """Save ``widget.grab()`` as screenshots/<name>.png; returns the path."""
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()  # let pending layout requests settle first
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    assert widget.grab().save(str(path))  # type: ignore[attr-defined]
    return path
