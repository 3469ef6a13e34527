"""Helpers shared by the facility service and view tests (plain functions)."""

from __future__ import annotations

import datetime as dt

from app.services.core.db import Database
from app.services.facilities.records import FacilityDetail, FacilityInput
from app.services.facilities.service import FacilityService
from tests.services.conftest import issue_test_licence

VALID_SHEBA = "IR050170000000123456789012"
#: Days the tests run on: a request made on DAY0, moved on the days after.
DAY0 = dt.date(2026, 6, 1)


def case_input(licence_number: str, **values: object) -> FacilityInput:
    """A valid request at Bank Refah Kargaran; ``values`` replace fields."""
    data: dict[str, object] = dict(
        licence_number=licence_number,
        programme="تسهیلات تکلیفی مشاغل خانگی",
        bank_code="013",
        purpose="خرید چرخ خیاطی صنعتی",
        requested_amount="۲۰۰٬۰۰۰٬۰۰۰",
        term_months="۳۶",
        rate="۴",
        guarantees=("سفته", "guarantee_fund"),
        dates={"requested_on": DAY0},
    )
    data.update(values)
    return FacilityInput(**data)  # type: ignore[arg-type]


def open_case(db: Database, national_id: str = "0067749828", **values: object) -> FacilityDetail:
    """A licence for ``national_id`` and a case requested on DAY0 for it."""
    licence = issue_test_licence(db, national_id, issue_date="1403/05/12")
    with db.session() as s:
        return FacilityService(s).open_case(
            case_input(licence.number, **values), today=DAY0 + dt.timedelta(days=1)
        )
