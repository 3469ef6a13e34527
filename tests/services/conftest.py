"""Database fixtures for service tests: a real SQLite file per test, office set up."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.services import reference
from app.services.db import Database, open_database
from app.services.office import OfficeInfo, OfficeInput, setup_office
from app.services.validators import national_id_check_digit


def make_national_id(rng: random.Random) -> str:
    """A random valid national ID."""
    while True:
        first9 = f"{rng.randrange(1, 10**9):09d}"
        if first9[3:9] != "000000" and len(set(first9)) > 1:
            return first9 + str(national_id_check_digit(first9))


def setup_tehran_office(db: Database, prefix: str = "0612") -> OfficeInfo:
    """Set up an office in Tehran province, county Tehran."""
    with db.session() as session:
        reference.seed_reference_data(session)
        session.flush()
        province = next(p for p in reference.list_provinces(session) if p.name == "تهران")
        county = next(c for c in reference.list_counties(session, province.id) if c.name == "تهران")
        return setup_office(
            session,
            OfficeInput(province.id, county.id, "اداره تعاون شهرستان تهران", prefix, 5),
        )


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """An open database with an office (Tehran) and the reference data."""
    database = open_database(tmp_path / "daftar.sqlite3")
    setup_tehran_office(database)
    yield database
    database.close()


@pytest.fixture
def rng() -> random.Random:
    """A seeded random generator."""
    return random.Random(1234)
