"""Helpers the view tests share: valid national IDs, a licence issued in a test office,
counting licences, and saving a screenshot of a widget. The fixtures (``db``, ``ctx``,
``office``, ``province_office``, ``register_db``, ``register_ctx``) are in conftest.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from app.services.core import reference
from app.services.core.db import Database
from app.services.core.office import OfficeInfo
from app.services.licences.records import LicenceDetail, LicenceInput, PersonInput
from app.services.licences.service import LicenceService

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
VALID_NID = "0067749828"
OTHER_VALID_NID = "4032152314"
#: A postal code the service does not warn about (no 0 or 2 in its first five digits).
QUIET_POSTAL_CODE = "1345678901"


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
