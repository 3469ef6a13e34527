"""The register the register, catalogue and main-window tests work on.

:func:`seed_register` sets up the province office of Tehran and :data:`LICENCE_COUNT`
licences issued through :class:`LicenceService` in the province's counties (valid national
IDs; a few expired, suspended and revoked). The ``register_db`` and ``register_ctx``
fixtures (conftest.py) are built on it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from app.services.core import office as office_service
from app.services.core import reference
from app.services.core.db import Database
from app.services.core.office import OfficeInfo, OfficeInput
from app.services.licences.records import LicenceInput, PersonInput
from app.services.licences.service import LicenceService
from common.validators import national_id_check_digit

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
LICENCE_COUNT = 30
FIRST_NAMES = ("مریم", "علی", "زهرا", "حسین", "فاطمه", "رضا", "سکینه", "محمد", "نرگس", "جواد")
LAST_NAMES = ("کریمی", "احمدی", "رضایی", "موسوی", "حسینی", "محمدی", "کاظمی", "جعفری")
#: Rows (by issue order) given another status.
EXPIRED_ROWS = (3, 11)
SUSPENDED_ROWS = (5,)
REVOKED_ROWS = (8,)


def national_id(n: int) -> str:
    """A valid national ID, different for every ``n``."""
    first9 = f"{213_456_789 + n * 10_007:09d}"
    return first9 + str(national_id_check_digit(first9))


def holder_name(n: int) -> tuple[str, str]:
    """First and last name of the ``n``-th holder."""
    return FIRST_NAMES[n % len(FIRST_NAMES)], LAST_NAMES[n % len(LAST_NAMES)]


def seed_register(db: Database, count: int = LICENCE_COUNT) -> OfficeInfo:
    """Set up the office and issue ``count`` licences; returns the office."""
    today = dt.date.today()
    with db.session() as session:
        reference.seed_reference_data(session)
        session.flush()
        tehran = next(p for p in reference.list_provinces(session) if p.name == "تهران")
        counties = reference.list_counties(session, tehran.id)
        # A province office: its register spans the province's counties (a county
        # office's could hold only its own county).
        office = office_service.setup_office(
            session,
            OfficeInput(
                tehran.id, None, "اداره کل تعاون، کار و رفاه اجتماعی استان تهران", "0612", 5
            ),
        )
        fields = reference.list_fields(session, only_active=True)
    for n in range(count):
        first, last = holder_name(n)
        issue = today - dt.timedelta(days=17 * n + 3)
        expiry = None
        if n in EXPIRED_ROWS:
            issue = today - dt.timedelta(days=800 + n)
            expiry = today - dt.timedelta(days=20 + n)
        with db.session() as session:
            service = LicenceService(session)
            detail = service.issue(
                PersonInput(
                    national_id=national_id(n),
                    first_name=first,
                    last_name=last,
                    birth_date=dt.date(1980 + n % 15, 1 + n % 12, 1 + n % 27),
                    gender="F" if n % 2 == 0 else "M",
                    mobile=f"0912{1_000_000 + n:07d}",
                    postal_code="1345678901",
                    address="تهران، خیابان آزادی",
                ),
                LicenceInput(
                    kind="independent",
                    field_id=fields[(n * 7) % len(fields)].id,
                    county_id=counties[n % len(counties)].id,
                    issue_date=issue,
                    expiry_date=expiry,
                ),
            )
            if n in SUSPENDED_ROWS:
                service.suspend(detail.id, "عدم فعالیت")
            if n in REVOKED_ROWS:
                service.revoke(detail.id, "درخواست دارنده")
    return office
