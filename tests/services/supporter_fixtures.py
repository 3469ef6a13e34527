"""Helpers shared by the supporter service, import and view tests (plain functions)."""

from __future__ import annotations

import datetime as dt

from app.services.core import reference
from app.services.core.db import Database
from app.services.licences.records import LicenceDetail, LicenceInput, PersonInput
from app.services.licences.service import LicenceService
from app.services.supporters.records import SupporterDetail, SupporterInput
from app.services.supporters.service import SupporterService
from common.validators import national_id_check_digit

VALID_SHEBA = "IR050170000000123456789012"
BAD_SHEBA = "IR060170000000123456789012"
VALID_LEGAL_ID = "10380284790"
BAD_LEGAL_ID = "10380284792"
SUPPORTER_NID = "0067749828"


def nid(n: int) -> str:
    """A valid national ID, different for every ``n``."""
    first9 = f"{313_456_789 + n * 10_007:09d}"
    return first9 + str(national_id_check_digit(first9))


def field_ids(db: Database) -> list[str]:
    """Ids of the active catalogue fields."""
    with db.session() as s:
        return [f.id for f in reference.list_fields(s, only_active=True)]


def county_id(db: Database, name: str = "تهران") -> str:
    """The id of a county by name."""
    with db.session() as s:
        return next(c.id for c in reference.list_counties(s) if c.name == name)


def issue(
    db: Database,
    national_id: str,
    *,
    kind: str = "پشتیبان",
    field_index: int = 0,
    first_name: str = "مریم",
    last_name: str = "کریمی",
    issue_date: dt.date | None = None,
    expiry_date: dt.date | None = None,
) -> LicenceDetail:
    """Issue a licence (a supporter-kind one by default) in Tehran."""
    fields = field_ids(db)
    with db.session() as s:
        return LicenceService(s).issue(
            PersonInput(
                national_id=national_id,
                first_name=first_name,
                last_name=last_name,
                birth_date="1365/04/21",
                mobile="09121234567",
            ),
            LicenceInput(
                kind=kind,
                field_id=fields[field_index],
                county_id=county_id(db),
                issue_date=issue_date or dt.date.today() - dt.timedelta(days=100),
                expiry_date=expiry_date,
            ),
        )


def supporter_input(licence_number: str, **kw: object) -> SupporterInput:
    """A valid SupporterInput for a person supporter; ``kw`` replaces fields."""
    values: dict[str, object] = dict(
        kind="حقیقی",
        licence_number=licence_number,
        phone="021-66123456",
        mobile="۰۹۱۲۱۱۱۲۲۳۳",
        email="Info@Example.com",
        address="تهران، خیابان انقلاب",
        sheba=VALID_SHEBA,
        capacity="۵",
    )
    values.update(kw)
    return SupporterInput(**values)  # type: ignore[arg-type]


def make_supporter(db: Database, capacity: int = 5, **kw: object) -> SupporterDetail:
    """A supporter (person) with a fresh supporter-kind licence."""
    licence = issue(db, kw.pop("national_id", SUPPORTER_NID))  # type: ignore[arg-type]
    with db.session() as s:
        return SupporterService(s).create(
            supporter_input(licence.number, capacity=str(capacity), **kw)
        )
