"""Facility cases: opening one for a holder or a supporter, the rules beside each field,
moving through the stages to payment, rejection, the service levels and «معطل»."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from app.models import FacilityCase, OutboxOperation
from app.services.core.db import Database
from app.services.facilities.queries import list_cases, overdue_at_bank
from app.services.facilities.records import FacilityFilter, rate_text
from app.services.facilities.service import FacilityService, parse_rate
from app.services.facilities.settings import (
    DEFAULT_PROGRAMME,
    facility_settings,
    save_facility_settings,
)
from common.errors import DomainError, ValidationErrors
from tests.accounts_support import TEST_CLERK, TEST_VIEWER, act_as
from tests.services.conftest import issue_test_licence
from tests.services.facility_support import DAY0, VALID_SHEBA, case_input, open_case
from tests.services.supporter_fixtures import make_supporter


def _day(n: int) -> dt.date:
    return DAY0 + dt.timedelta(days=n)


def _errors(db: Database, licence_number: str, **values: object) -> dict[str, str]:
    with db.session() as s, pytest.raises(ValidationErrors) as caught:
        FacilityService(s).open_case(case_input(licence_number, **values), today=_day(1))
    return caught.value.by_field()


def test_a_case_is_opened_for_a_holder_and_queued_for_sync(db: Database) -> None:
    case = open_case(db)
    assert case.stage == "requested"
    assert case.requested_amount == 2_000_000_000  # ۲۰۰ million tomans, in rials
    assert case.guarantees == ("promissory_note", "guarantee_fund")
    assert case.rate_bp == 400 and case.term_months == 36
    assert case.holder_name == "مریم کریمی" and case.supporter_id is None
    assert case.bank_name == "بانک رفاه کارگران"
    with db.session() as s:
        op = s.scalar(select(OutboxOperation).where(OutboxOperation.row_id == case.id))
        assert op is not None and op.table_name == "facility_case" and op.op == "insert"
        assert json.loads(op.changes)["requested_amount"] == [None, 2_000_000_000]


def test_a_supporters_licence_makes_it_the_supporters_case(db: Database) -> None:
    supporter = make_supporter(db)
    with db.session() as s:
        case = FacilityService(s).open_case(case_input(supporter.licence_number), today=_day(1))
        assert FacilityService(s).sheba_on_file(supporter.licence_number) == supporter.sheba
        who, sheba = FacilityService(s).applicant(supporter.licence_number)
        assert who.startswith(f"پشتیبان: {supporter.name} — ") and sheba == supporter.sheba
    assert case.supporter_id == supporter.id
    assert case.supporter_name == supporter.name


def test_every_field_is_checked_beside_itself(db: Database) -> None:
    licence = issue_test_licence(db)
    errors = _errors(
        db,
        licence.number,
        programme="",
        bank_code="بانک ناموجود",
        branch_code="۱۲",
        purpose="",
        requested_amount="-۵",
        term_months="۹۰۰",
        rate="۱۲۰",
        guarantees=("طلا",),
        sheba="IR000000000000000000000000",
    )
    assert set(errors) == {
        "programme",
        "bank_code",
        "branch_code",
        "purpose",
        "requested_amount",
        "term_months",
        "rate_bp",
        "guarantees",
        "sheba",
    }
    assert errors["branch_code"] == "کد شعبه باید ۳ تا ۶ رقم باشد (مثل ۱۲۳۴)"
    assert "بیشتر از صفر" in errors["requested_amount"]
    assert "licence_number" in _errors(db, "NOPE-1")
    # A request in the future is refused like the server would.
    assert "requested_on" in _errors(db, licence.number, dates={"requested_on": _day(5)})


def test_approved_above_the_request_needs_a_reason(db: Database) -> None:
    licence = issue_test_licence(db)
    errors = _errors(
        db,
        licence.number,
        stage="approved",
        dates={"requested_on": DAY0, "approved_on": _day(1)},
        approved_amount="۳۰۰٬۰۰۰٬۰۰۰",
    )
    assert errors == {"approved_amount": "مبلغ مصوب بیشتر از مبلغ درخواستی است؛ دلیل آن را بنویسید"}


def test_a_clerk_takes_a_case_from_request_to_payment(db: Database) -> None:
    act_as(db, TEST_CLERK)
    case = open_case(db)
    with db.session() as s:
        service = FacilityService(s)
        service.move(case.id, "review", _day(2), today=_day(2))
        with pytest.raises(ValidationErrors) as caught:  # a referral names the branch
            service.move(case.id, "referred", _day(3), today=_day(3))
        assert set(caught.value.by_field()) == {"branch_name"}
        service.move(
            case.id,
            "referred",
            _day(3),
            today=_day(3),
            branch_name="شعبه میدان انقلاب",
            branch_code="۴۵۶۷",
        )
        service.move(case.id, "bank_file", _day(5), today=_day(5))
        service.move(case.id, "guarantee", _day(9), today=_day(9))
        with pytest.raises(ValidationErrors):  # approval needs its amount
            service.move(case.id, "approved", _day(12), today=_day(12))
        service.move(case.id, "approved", _day(12), today=_day(12), approved_amount="۱۵۰٬۰۰۰٬۰۰۰")
        with pytest.raises(ValidationErrors) as caught:  # no Sheba, no payment
            service.move(case.id, "paid", _day(20), today=_day(20), disbursed_amount="۱۵۰٬۰۰۰٬۰۰۰")
        assert "sheba" in caught.value.by_field()
        with pytest.raises(ValidationErrors) as caught:  # never more than approved
            service.move(
                case.id,
                "paid",
                _day(20),
                today=_day(20),
                disbursed_amount="۱۶۰٬۰۰۰٬۰۰۰",
                sheba=VALID_SHEBA,
            )
        assert "disbursed_amount" in caught.value.by_field()
        paid = service.move(
            case.id,
            "paid",
            _day(20),
            today=_day(20),
            disbursed_amount="۱۵۰٬۰۰۰٬۰۰۰",
            sheba=VALID_SHEBA,
        )
        assert paid.stage == "paid" and not paid.is_open
        assert paid.dates["referred_on"] == _day(3)
        with pytest.raises(DomainError):
            service.move(case.id, "rejected", _day(21), reason="x", today=_day(21))
        ops = s.scalars(select(OutboxOperation.op).where(OutboxOperation.row_id == case.id)).all()
    assert ops.count("update") == 6


def test_a_case_moves_forward_only_and_a_rejection_says_why(db: Database) -> None:
    case = open_case(db)
    with db.session() as s:
        service = FacilityService(s)
        service.move(case.id, "review", _day(2), today=_day(2))
        with pytest.raises(DomainError):
            service.move(case.id, "requested", _day(3), today=_day(3))
        with pytest.raises(ValidationErrors) as caught:
            service.move(case.id, "rejected", _day(3), today=_day(3))
        assert set(caught.value.by_field()) == {"close_reason"}
        with pytest.raises(ValidationErrors) as caught:  # before the review
            service.move(case.id, "rejected", _day(1), reason="طرح توجیهی ندارد", today=_day(3))
        assert set(caught.value.by_field()) == {"closed_on"}
        closed = service.move(
            case.id, "rejected", _day(3), reason="طرح توجیهی ندارد", today=_day(3)
        )
    assert closed.stage_label == "رد" and closed.close_reason == "طرح توجیهی ندارد"


def test_a_case_that_overstays_its_stage_is_late(db: Database) -> None:
    case = open_case(db)
    with db.session() as s:
        service = FacilityService(s)
        service.move(case.id, "review", _day(2), today=_day(2))
        assert service.get(case.id, today=_day(16)).days_late == 0  # 14 days allowed
        assert service.get(case.id, today=_day(20)).days_late == 4
        [row] = list_cases(s, FacilityFilter(overdue_only=True), today=_day(20))
        assert row.days_late == 4 and row.stage_label == "بررسی طرح — معطل"
        assert row.late_text == "۴ روز"
        assert list_cases(s, FacilityFilter(overdue_only=True), today=_day(16)) == []
        # The office gives the review more time: it is no longer late.
        save_facility_settings(s, [DEFAULT_PROGRAMME], {"review": 30})
        assert list_cases(s, FacilityFilter(overdue_only=True), today=_day(20)) == []


def test_the_bank_follow_up_lists_its_late_cases(db: Database) -> None:
    first = open_case(db, branch_name="شعبه مرکزی", branch_code="1234")
    other = open_case(db, "0013542419", bank_code="ملت")
    with db.session() as s:
        service = FacilityService(s)
        service.move(first.id, "referred", _day(2), today=_day(2))
        service.move(other.id, "review", _day(2), today=_day(2))
        late = overdue_at_bank(s, "013", today=_day(40))
        assert [row.id for row in late] == [first.id]
        assert late[0].days_late == 40 - 2 - 14
        assert overdue_at_bank(s, "012", today=_day(40)) == []  # late, but not at the bank


def test_the_list_filters_by_stage_bank_programme_and_text(db: Database) -> None:
    first = open_case(db)
    open_case(db, "0013542419", bank_code="012", programme="تسهیلات اشتغال روستایی")
    with db.session() as s:
        assert {r.id for r in list_cases(s, FacilityFilter(bank_code="013"))} == {first.id}
        assert len(list_cases(s, FacilityFilter(programme="تسهیلات اشتغال روستایی"))) == 1
        assert len(list_cases(s, FacilityFilter(stage="requested"))) == 2
        assert list_cases(s, FacilityFilter(stage="paid")) == []
        assert [r.id for r in list_cases(s, FacilityFilter(text="مریم 0067749828"))] == [first.id]


def test_programmes_and_service_levels_are_office_settings(db: Database) -> None:
    with db.session() as s:
        settings = facility_settings(s)
        assert settings.programmes == (DEFAULT_PROGRAMME,)
        assert settings.sla_days["guarantee"] == 30
        with pytest.raises(ValidationErrors) as caught:
            save_facility_settings(s, ["", " "], {"review": "0"})
        assert set(caught.value.by_field()) == {"programmes", "sla.review"}
        save_facility_settings(s, [DEFAULT_PROGRAMME, "وام قرض‌الحسنه", DEFAULT_PROGRAMME], {})
        assert facility_settings(s).programmes == (DEFAULT_PROGRAMME, "وام قرض‌الحسنه")


def test_a_viewer_may_not_open_a_case(db: Database) -> None:
    licence = issue_test_licence(db)
    act_as(db, TEST_VIEWER)
    with db.session() as s, pytest.raises(DomainError):
        FacilityService(s).open_case(case_input(licence.number), today=_day(1))
    with db.session() as s:
        assert s.scalar(select(FacilityCase.id)) is None


def test_rates_are_typed_in_percent() -> None:
    errors: list = []
    assert parse_rate("۴٫۵", errors) == 450
    assert parse_rate("18%", errors) == 1800
    assert parse_rate("", errors) is None
    assert errors == []
    assert parse_rate("4.555", errors) is None and errors
    assert rate_text(450) == "۴٫۵٪" and rate_text(400) == "۴٪"
