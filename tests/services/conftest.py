"""Database fixtures for service tests: a real SQLite file per test, office set up."""

from __future__ import annotations

import base64
import random
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from app.models import Setting
from app.services.core import reference
from app.services.core.db import Database, open_database
from app.services.core.office import OfficeInfo, OfficeInput, setup_office
from app.services.licences.records import LicenceDetail, LicenceInput, PersonInput
from app.services.licences.service import LicenceService
from common.validators import national_id_check_digit
from tests.accounts_support import act_as, granted


def make_national_id(rng: random.Random) -> str:
    """A random valid national ID."""
    while True:
        first9 = f"{rng.randrange(1, 10**9):09d}"
        if first9[3:9] != "000000" and len(set(first9)) > 1:
            return first9 + str(national_id_check_digit(first9))


def write_legacy_key(session: Session, private: Ed25519PrivateKey | None = None) -> str:
    """Keep a signing key as Daftar did before issue 10: in plain text in the ``setting``
    table (``signing.private_key`` / ``signing.public_key``); returns the private key's
    base64 text."""
    granted(session)
    private = private or Ed25519PrivateKey.generate()
    text = base64.b64encode(private.private_bytes_raw()).decode()
    public = base64.b64encode(private.public_key().public_bytes_raw()).decode()
    session.merge(Setting(key="signing.private_key", value=text))
    session.merge(Setting(key="signing.public_key", value=public))
    session.flush()
    return text


def setup_tehran_office(
    db: Database, prefix: str = "0612", *, legacy_key: bool = False
) -> OfficeInfo:
    """Set up an office in Tehran province, county Tehran. ``legacy_key``: keep its key
    the way Daftar did before issue 10 (a database at an older revision has no
    ``signing_key`` table)."""
    with db.session() as session:
        reference.seed_reference_data(session)
        session.flush()
        province = next(p for p in reference.list_provinces(session) if p.name == "تهران")
        county = next(c for c in reference.list_counties(session, province.id) if c.name == "تهران")
        data = OfficeInput(province.id, county.id, "اداره تعاون شهرستان تهران", prefix, 5)
        if not legacy_key:
            return setup_office(session, data)
        with mock.patch("app.services.core.office.ensure_signing_key", write_legacy_key):
            return setup_office(session, data)


def setup_tehran_province_office(db: Database, prefix: str = "0600") -> OfficeInfo:
    """Set up the province office of Tehran (no county: it works in all the province's
    counties)."""
    with db.session() as session:
        reference.seed_reference_data(session)
        session.flush()
        province = next(p for p in reference.list_provinces(session) if p.name == "تهران")
        return setup_office(
            session, OfficeInput(province.id, None, "اداره کل استان تهران", prefix, 5)
        )


@pytest.fixture
def province_db(tmp_path: Path) -> Iterator[Database]:
    """An open database with the province office of Tehran and the reference data."""
    database = act_as(open_database(tmp_path / "daftar.sqlite3"))
    setup_tehran_province_office(database)
    yield database
    database.close()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """An open database with an office (Tehran) and the reference data."""
    database = act_as(open_database(tmp_path / "daftar.sqlite3"))
    setup_tehran_office(database)
    yield database
    database.close()


@pytest.fixture
def rng() -> random.Random:
    """A seeded random generator."""
    return random.Random(1234)


def issue_test_licence(
    db: Database,
    national_id: str = "0067749828",
    *,
    issue_date: str = "1403/05/12",
    expiry_date: str | None = None,
    first_name: str = "مریم",
    last_name: str = "کریمی",
) -> LicenceDetail:
    """Issue one licence (Tehran, the catalogue's first field) and return it."""
    with db.session() as session:
        field = reference.list_fields(session)[0]
        county = next(c for c in reference.list_counties(session) if c.name == "تهران")
        return LicenceService(session).issue(
            PersonInput(
                national_id=national_id,
                first_name=first_name,
                last_name=last_name,
                father_name="حسن",
                birth_date="1365/04/21",
                gender="زن",
                mobile="09121234567",
                postal_code="1351746851",
                address="تهران، خیابان آزادی، کوچه (۱۲)",
            ),
            LicenceInput(
                kind="مستقل",
                field_id=field.id,
                county_id=county.id,
                issue_date=issue_date,
                expiry_date=expiry_date,
            ),
        )


def template_row(**values: str) -> list[str]:
    """A valid row of the import template; ``values`` (by Persian header) replace the
    defaults (no licence number, no expiry: the office allocates and computes them)."""
    from app.services.licences.io import COLUMNS

    base = {
        "کد ملی": "0067749828",
        "نام": "مریم",
        "نام خانوادگی": "کریمی",
        "نام پدر": "حسن",
        "تاریخ تولد": "1365/04/21",
        "جنسیت": "زن",
        "تلفن همراه": "09121234567",
        "کد پستی": "1351746851",
        "نشانی": "تهران، خیابان آزادی",
        "کد رشته": "020001",
        "شهرستان": "تهران",
        "نوع مجوز": "مستقل",
        "تاریخ صدور": "1403/05/12",
    }
    base.update(values)
    return [base.get(c.header, "") for c in COLUMNS]
