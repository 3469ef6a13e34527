"""The rules every synced row obeys on both sides of sync (common.rules)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from common.rules import (
    RULES,
    Context,
    Known,
    check_row,
    iran_today,
    latest_day,
)
from common.text import BIDI_CONTROLS
from tests.server import rows

COUNTY = rows.county_id("2301")
CONTEXT = Context(Known(counties={COUNTY}, fields={rows.field_id()}), dt.date(2026, 12, 7))


def _row(table: str) -> dict[str, object]:
    person, licence, supporter, event, participant = (rows.new_id() for _ in range(5))
    return {
        "person": lambda: rows.person_row(),
        "licence": lambda: rows.licence_row(person, COUNTY),
        "licence_history": lambda: rows.history_row(licence),
        "certificate_issue": lambda: rows.certificate_row(licence),
        "supporter": lambda: rows.supporter_row(licence, COUNTY),
        "network_member": lambda: rows.member_row(supporter, person, COUNTY),
        "event": lambda: rows.event_row(COUNTY),
        "event_participant": lambda: rows.participant_row(event, person),
        "event_attendance": lambda: rows.attendance_row(event, participant),
        "closure_day": lambda: rows.closure_row(COUNTY),
        "account": lambda: rows.account_row(),
        "facility_case": lambda: rows.facility_row(licence, person, COUNTY),
        "sales_channel": lambda: rows.channel_row(person, COUNTY),
        "purchase_contract": lambda: rows.contract_row(COUNTY, seller_person_id=person),
    }[table]()


def test_a_row_a_form_makes_passes_in_every_table() -> None:
    for table in RULES:
        result = check_row(table, _row(table), CONTEXT)
        assert result.ok, (table, result.reason())


def test_an_account_carries_an_argon2id_hash_never_a_password() -> None:
    """The server checks a pushed account like the desk does: the username's shape, a
    role of the vocabulary, and a password hash that is an argon2id PHC string of bounded
    length (the server never verifies a password and never needs one)."""
    good = rows.account_row(username="  Sara.Ahmadi ", display_name="  سارا   احمدی ")
    result = check_row("account", good, CONTEXT)
    assert result.ok, result.reason()
    assert result.values["username"] == "sara.ahmadi"
    assert result.values["display_name"] == "سارا احمدی"
    bad = {
        "password_hash": "head-password-1",  # a password, not a hash
        "role": "admin",
        "username": "a b",
        "display_name": "",
        "disabled": "no",
    }
    for column, value in bad.items():
        problem = check_row("account", {**good, column: value}, CONTEXT)
        assert [p.field for p in problem.problems] == [column], column
    for wrong in (
        rows.PASSWORD_HASH.replace("argon2id", "argon2i"),
        rows.PASSWORD_HASH + "A" * 200,
        "$2b$12$" + "a" * 53,  # bcrypt
    ):
        assert not check_row("account", {**good, "password_hash": wrong}, CONTEXT).ok


def test_an_update_is_checked_on_the_columns_it_changes() -> None:
    row = {**rows.person_row(), "national_id": "1111111111"}  # stored long ago
    assert check_row("person", row, CONTEXT, columns=["mobile"]).ok
    assert not check_row("person", row, CONTEXT, columns=["national_id"]).ok
    # A rule across columns counts when one of its columns changes.
    licence = rows.licence_row(rows.new_id(), COUNTY, expiry_date="2020-01-01")
    assert check_row("licence", licence, CONTEXT, columns=["status"]).ok
    bad = check_row("licence", licence, CONTEXT, columns=["expiry_date"])
    assert [p.field for p in bad.problems] == ["expiry_date"]


def test_missing_and_unknown_columns() -> None:
    row = rows.closure_row(COUNTY)
    del row["day"]
    problems = check_row("closure_day", {**row, "secret": 1}, CONTEXT).problems
    assert {p.field for p in problems} == {"day", "secret"}


def test_dates_not_in_the_future_allow_for_the_clock() -> None:
    today = dt.date(2026, 12, 7)
    assert latest_day(today) == dt.date(2026, 12, 8)
    assert latest_day(today, skew_seconds=3600) == dt.date(2026, 12, 9)
    assert latest_day(today, skew_seconds=-86400 * 3) == dt.date(2026, 12, 8)
    licence = rows.licence_row(rows.new_id(), COUNTY, issue_date="2026-12-09")
    assert not check_row("licence", licence, CONTEXT).ok
    later = Context(CONTEXT.known, latest_day(today, skew_seconds=86400))
    assert check_row("licence", licence, later).ok
    assert iran_today(dt.datetime(2026, 12, 7, 21, 0, tzinfo=dt.UTC)) == dt.date(2026, 12, 8)


@given(st.text(alphabet="علیکريمي \u200c" + "".join(BIDI_CONTROLS), min_size=1, max_size=30))
def test_names_come_out_normalised_whatever_comes_in(name: str) -> None:
    result = check_row("person", rows.person_row(first_name=name), CONTEXT)
    if result.ok:
        stored = result.values["first_name"]
        assert not set(stored) & set(BIDI_CONTROLS)
        assert "ي" not in stored and "ك" not in stored
        # Normalising what was stored changes nothing.
        again = check_row("person", rows.person_row(first_name=stored), CONTEXT)
        assert again.values["first_name"] == stored


def test_a_retired_field_refuses_a_new_licence_but_keeps_an_existing_one() -> None:
    """The server names the central catalogue's retired fields in the context: a licence
    may not be inserted in one, or moved into one, but a change that leaves the field
    alone is accepted (only the columns a change sets are checked)."""
    retired = rows.field_id()
    context = Context(
        Known(counties={COUNTY}, fields={retired}, retired_fields={retired}), CONTEXT.latest_day
    )
    licence = _row("licence")
    refused = check_row("licence", licence, context)
    assert refused.problems[0].field == "field_id"
    assert "بازنشسته" in refused.reason()
    kept = check_row(
        "licence", {**licence, "activity_address": "تجریش"}, context, columns=["activity_address"]
    )
    assert kept.ok
    assert check_row("licence", licence, CONTEXT).ok  # the offices' own checks: no retired ids
    # A supporter (not a licence) may still name the field.
    assert check_row("supporter", _row("supporter"), context).ok


def test_a_contracts_deliveries_obey_its_period_and_quantity() -> None:
    row = rows.contract_row(COUNTY, seller_person_id=rows.new_id())
    assert check_row("purchase_contract", row, CONTEXT).ok

    def fields(**change: object) -> set[str]:
        return {
            p.field for p in check_row("purchase_contract", {**row, **change}, CONTEXT).problems
        }

    assert fields(end_date="2024-05-01") == {"end_date"}
    assert fields(quantity=0) == {"quantity"}
    assert fields(unit_price=-1) == {"unit_price"}
    assert fields(unit="tonne") == {"unit"}
    assert fields(deliveries='[{"day": "2025-01-01", "quantity": 5, "note": ""}]') == {"deliveries"}
    assert fields(deliveries='[{"day": "2024-07-01", "quantity": 0}]') == {"deliveries"}
    assert fields(deliveries='[{"day": "2027-01-01", "quantity": 5}]', end_date="2027-12-01") == {
        "deliveries"
    }
    assert fields(deliveries='[{"day": "2024-07-01", "quantity": 600}]') == {"over_reason"}
    assert (
        fields(deliveries='[{"day": "2024-07-01", "quantity": 600}]', over_reason="سفارش") == set()
    )
    assert fields(buyer_kind="supporter") == {"buyer_supporter_id"}
    assert fields(seller_kind="network") == {"seller_supporter_id"}
    assert fields(buyer_name="") == {"buyer_name"}
    # Deliveries come out in date order, their notes normalised.
    mixed = '[{"day": "2024-08-01", "quantity": 1, "note": "دوم"}, {"day": "2024-07-01", "quantity": 2, "note": " اول "}]'
    values = check_row("purchase_contract", {**row, "deliveries": mixed}, CONTEXT).values
    assert values["deliveries"] == (
        '[{"day": "2024-07-01", "quantity": 2, "note": "اول"}, '
        '{"day": "2024-08-01", "quantity": 1, "note": "دوم"}]'
    )


def test_a_channel_and_a_bazaar_sellers_sales() -> None:
    channel = rows.channel_row(rows.new_id(), COUNTY)
    assert (
        check_row("sales_channel", {**channel, "shop_url": "x"}, CONTEXT).problems[0].field
        == "shop_url"
    )
    assert not check_row("sales_channel", {**channel, "onboarded_on": "2026-12-09"}, CONTEXT).ok
    participant = rows.participant_row(rows.new_id())
    assert check_row("event_participant", participant, CONTEXT).ok  # an older desk's row
    for sales, ok in ((None, True), (0, True), (35_000_000, True), (-1, False), ("5", False)):
        result = check_row("event_participant", {**participant, "sales": sales}, CONTEXT)
        assert result.ok is ok, sales
