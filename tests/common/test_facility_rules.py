"""The rules of a facility case on both sides of sync (common.rules, common.facility_rules):
what the form refuses, the server refuses too."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from common.rules import Context, Known, check_row
from tests.server import rows

COUNTY = rows.county_id("2301")
CONTEXT = Context(Known(counties={COUNTY}, fields={rows.field_id()}), dt.date(2026, 12, 7))


def _case(**values: Any) -> dict[str, Any]:
    return rows.facility_row(rows.new_id(), rows.new_id(), COUNTY, **values)


def _paid(**values: Any) -> dict[str, Any]:
    paid: dict[str, Any] = {
        "stage": "paid",
        "bank_file_on": "2024-06-20",
        "guarantee_on": "2024-07-01",
        "approved_on": "2024-07-10",
        "paid_on": "2024-07-20",
        "approved_amount": 2_000_000_000,
        "disbursed_amount": 1_500_000_000,
        "sheba": "IR820540102680020817909002",
    }
    return _case(**(paid | values))


def _fields(row: dict[str, Any]) -> list[str]:
    return [problem.field for problem in check_row("facility_case", row, CONTEXT).problems]


def test_a_case_from_request_to_payment_passes() -> None:
    assert _fields(_case()) == []
    assert _fields(_paid()) == []
    assert _fields(_paid(repayment_status="overdue", overdue_instalments=2)) == []
    assert _fields(_case(stage="requested", review_on=None, referred_on=None)) == []


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"requested_amount": 0}, "requested_amount"),
        ({"requested_amount": -5}, "requested_amount"),
        ({"requested_amount": "1000"}, "requested_amount"),
        ({"approved_amount": 3_000_000_000}, "approved_amount"),  # above the request
        ({"bank_code": "999"}, "bank_code"),
        ({"branch_code": "12"}, "branch_code"),
        ({"branch_code": "12a4"}, "branch_code"),
        ({"branch_code": ""}, "branch_code"),  # referred: the branch must be named
        ({"branch_name": ""}, "branch_name"),
        ({"guarantees": '["gold"]'}, "guarantees"),
        ({"guarantees": '["cheque", "cheque"]'}, "guarantees"),
        ({"stage": "approved"}, "approved_on"),  # the stage's own date is missing
        ({"review_on": "2024-06-20"}, "referred_on"),  # the referral before the review
        ({"bank_file_on": "2024-06-20"}, "bank_file_on"),  # a stage not reached yet
        ({"referred_on": "2027-01-01"}, "referred_on"),  # in the future
        ({"term_months": 0}, "term_months"),
        ({"rate_bp": 20_000}, "rate_bp"),
        ({"stage": "rejected", "closed_on": "2024-06-12"}, "close_reason"),
        ({"stage": "withdrawn", "closed_on": "2024-06-01"}, "closed_on"),  # before referral
        ({"repayment_status": "on_time"}, "repayment_status"),  # not paid yet
    ],
)
def test_what_a_case_may_not_be(values: dict[str, Any], field: str) -> None:
    assert field in _fields(_case(**values))


def test_approved_above_the_request_needs_a_reason() -> None:
    over = _paid(approved_amount=2_500_000_000)
    assert "approved_amount" in _fields(over)
    assert _fields({**over, "approved_over_reason": "افزایش سقف برنامه"}) == []


def test_disbursement_needs_the_approval_the_amount_and_the_sheba() -> None:
    assert "disbursed_amount" in _fields(_paid(disbursed_amount=2_100_000_000))
    assert "disbursed_amount" in _fields(_paid(disbursed_amount=None))
    assert "sheba" in _fields(_paid(sheba=""))
    assert "sheba" in _fields(_paid(sheba="IR000000000000000000000000"))
    assert "approved_amount" in _fields(_paid(approved_amount=None, disbursed_amount=None))


def test_repayment_reports_count_overdue_instalments() -> None:
    assert "overdue_instalments" in _fields(_paid(repayment_status="overdue"))
    assert "overdue_instalments" in _fields(
        _paid(repayment_status="on_time", overdue_instalments=3)
    )
    assert _fields(_paid(repayment_status="settled", repayment_on="2026-01-01")) == []


def test_an_update_rechecks_the_order_of_its_dates() -> None:
    stored = _case()
    changed = {**stored, "referred_on": "2024-05-01"}
    problems = check_row("facility_case", changed, CONTEXT, columns=["referred_on"]).problems
    assert [p.field for p in problems] == ["referred_on"]
    assert "پیش از" in problems[0].message
