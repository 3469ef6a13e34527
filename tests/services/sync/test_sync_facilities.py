"""Facility cases syncing between offices: a case stays in its licence's county (both
desks of that county's office and the province office see it; another county does not),
an edit at one desk reaches the other, and a case that breaks the shared rules is
refused by the server, not stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select

from app.models import FacilityCase, Licence
from app.services.core.outbox import touch
from app.services.facilities.queries import list_cases
from app.services.facilities.records import FacilityFilter
from app.services.facilities.service import FacilityService
from app.services.sync.review import SyncReviewService
from common.vocabulary import Permission
from tests.accounts_support import granted
from tests.services.facility_support import case_input
from tests.services.sync.sync_support import Office, national_id

REY = "ری"


def _open(office: Office, licence_id: str) -> str:
    with office.db.session() as session:
        number = session.get(Licence, licence_id)
        assert number is not None
        today = dt.date.today()
        case = FacilityService(session).open_case(
            case_input(number.number, dates={"requested_on": today - dt.timedelta(days=3)}),
            today=today,
        )
        return case.id


def _ids(office: Office) -> set[str]:
    with office.db.session() as session:
        return {row.id for row in list_cases(session, FacilityFilter())}


def test_a_case_travels_within_its_county_and_edits_come_back(
    office_factory: Callable[..., Office],
) -> None:
    a, b = office_factory("a"), office_factory("b")
    rey = office_factory("rey", county=REY)
    province = office_factory("province", county=None)
    case = _open(a, a.issue(national_id(11)))
    assert a.sync().complete
    for office in (b, rey, province):
        assert office.sync().complete
    assert _ids(b) == {case} and _ids(province) == {case}
    assert _ids(rey) == set()
    with b.db.session() as session:
        FacilityService(session).move(case, "review")
    assert b.sync().complete and a.sync().complete
    with a.db.session() as session:
        detail = FacilityService(session).get(case)
        assert detail.stage == "review" and detail.dates["review_on"] == dt.date.today()
        assert detail.holder_name.endswith("کریمی")


def test_the_server_refuses_a_case_that_breaks_the_rules(
    office_factory: Callable[..., Office],
) -> None:
    a = office_factory("a")
    case = _open(a, a.issue(national_id(12)))
    a.sync()
    # A desk that skipped the form (an old version, a hand-edited database) pays out
    # more than was approved and to no account.
    with a.db.session() as session:
        granted(session, Permission.EDIT)
        row = session.scalar(select(FacilityCase).where(FacilityCase.id == case))
        assert row is not None
        touch(
            session,
            row,
            {"stage": ["requested", "paid"], "paid_on": [None, dt.date.today().isoformat()]},
        )
        row.stage, row.paid_on = "paid", dt.date.today()
    report = a.sync()
    assert report.quarantined == 1


def test_a_facility_conflict_is_shown_with_persian_labels(
    office_factory: Callable[..., Office],
) -> None:
    a, b = office_factory("a"), office_factory("b")
    case = _open(a, a.issue(national_id(13)))
    a.sync()
    b.sync()
    for office, amount in ((a, "۲۵۰٬۰۰۰٬۰۰۰"), (b, "۳۰۰٬۰۰۰٬۰۰۰")):
        with office.db.session() as session:
            service = FacilityService(session)
            service.update(case, service.get(case).as_input(requested_amount=amount))
    a.sync()
    assert b.sync().conflicts == 1
    with b.db.session() as session:
        (conflict,) = SyncReviewService(session).conflicts()
    assert conflict.field_label == "مبلغ درخواستی"
    assert (conflict.mine, conflict.theirs) == ("۳۰۰٬۰۰۰٬۰۰۰ تومان", "۲۵۰٬۰۰۰٬۰۰۰ تومان")
    assert conflict.record_label == "پرونده تسهیلات مریم کریمی (بانک رفاه کارگران)"
