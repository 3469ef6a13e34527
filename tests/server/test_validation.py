"""Nothing is stored on faith: the server checks every pushed row with the forms' rules
(docs/sync-protocol.md, "Validation on both sides"; the client's check of pulled rows:
tests/services/sync/test_sync_checks.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from common.rules import iran_today
from server.models import Record
from tests.server import rows
from tests.server.rows import county_of, pull_all, push

Enrolled = Any


def test_a_wrong_national_id_is_rejected_with_the_forms_message(
    client: TestClient, county_office: Enrolled
) -> None:
    results = push(
        client,
        county_office,
        rows.insert("person", rows.new_id(), rows.person_row(national_id="1111111111")),
        rows.insert("person", rows.new_id(), rows.person_row(national_id="0067749829")),
        rows.insert("person", rows.new_id(), rows.person_row(mobile="0912")),
    )
    assert [r["status"] for r in results] == ["rejected"] * 3
    assert "کد ملی نمی‌تواند از یک رقم تکراری تشکیل شود" in results[0]["reason"]
    assert "رقم کنترل کد ملی درست نیست" in results[1]["reason"]
    assert "شماره همراه" in results[2]["reason"]
    assert results[0]["reason_en"].startswith("Invalid row")
    assert pull_all(client, county_office) == []


def test_every_table_is_checked(client: TestClient, county_office: Enrolled) -> None:
    county = county_of(client, county_office)
    person, licence, supporter, event = (rows.new_id() for _ in range(4))
    good = [
        rows.insert("person", person, rows.person_row()),
        rows.insert("licence", licence, rows.licence_row(person, county)),
    ]
    assert [r["status"] for r in push(client, county_office, *good)] == ["applied"] * 2
    bad = [
        # expiry before the issue date
        rows.insert(
            "licence",
            rows.new_id(),
            rows.licence_row(person, county, expiry_date="2020-01-01"),
        ),
        # an unknown county, an unknown field, a status no form offers
        rows.insert("licence", rows.new_id(), rows.licence_row(person, rows.new_id())),
        rows.insert("licence", rows.new_id(), rows.licence_row(person, county, field_id="x")),
        rows.insert("licence", rows.new_id(), rows.licence_row(person, county, status="void")),
        # a Sheba whose check digits are wrong; a legal supporter without its legal ID
        rows.insert(
            "supporter",
            supporter,
            rows.supporter_row(licence, county, sheba="IR820540102680020817909003"),
        ),
        rows.insert("supporter", rows.new_id(), rows.supporter_row(licence, county, kind="legal")),
        # an event that ends before it starts; a time that is not HH:MM
        rows.insert("event", event, rows.event_row(county, end_date="2024-06-01")),
        rows.insert("event", rows.new_id(), rows.event_row(county, start_time="9")),
        # a column no table has, and a row missing a required column
        rows.insert("closure_day", rows.new_id(), {**rows.closure_row(county), "note": "x"}),
        rows.insert("closure_day", rows.new_id(), {"county_id": county}),
        # a history entry whose changes are not JSON
        rows.insert("licence_history", rows.new_id(), rows.history_row(licence, changes="{x")),
    ]
    results = push(client, county_office, *bad)
    assert [r["status"] for r in results] == ["rejected"] * len(bad), results
    reasons = [r["reason"] for r in results]
    assert "تاریخ انقضا باید بعد از تاریخ صدور باشد" in reasons[0]
    assert "شهرستان" in reasons[1] and "رشته" in reasons[2]
    assert "شماره شبا" in reasons[4] and "شناسه ملی" in reasons[5]
    assert "تاریخ پایان" in reasons[6] and "ساعت شروع" in reasons[7]
    assert "note" in reasons[8] and "روز" in reasons[9]


def test_text_is_normalised_and_bidi_controls_stripped(
    client: TestClient, county_office: Enrolled
) -> None:
    person = rows.new_id()
    rlo = "\u202e"
    row = rows.person_row(first_name=f"علي{rlo}", last_name="  كريمي  ", address="تهران\u200f ")
    assert push(client, county_office, rows.insert("person", person, row))[0]["status"] == "applied"
    [pulled] = pull_all(client, county_office)
    data = pulled["data"]
    assert (data["first_name"], data["last_name"], data["address"]) == ("علی", "کریمی", "تهران")
    # An update's old value is compared normalised too: no false conflict.
    [result] = push(
        client,
        county_office,
        rows.update("person", person, 1, last_name=["  كريمي  ", "کریمی‌زاده"]),
    )
    assert result["status"] == "applied" and result["conflicts"] == []


def test_the_server_sets_the_origin_office(
    client: TestClient, county_office: Enrolled, engine: Engine
) -> None:
    person = rows.new_id()
    row = {**rows.person_row(), "origin_office": "someone-else"}
    push(client, county_office, rows.insert("person", person, row))
    push(client, county_office, rows.update("person", person, 1, origin_office=["a", "b"]))
    with Session(engine) as session:
        record = session.get(Record, ("person", person))
        assert record is not None
        assert json.loads(record.data)["origin_office"] == county_office.office_id


def test_a_clock_running_ahead_is_allowed_for(
    client: TestClient, enrol: Callable[..., Enrolled]
) -> None:
    ahead = enrol("تهران", "شمیرانات", "میز با ساعت جلو")
    right = enrol("تهران", "شمیرانات", "میز با ساعت درست")
    now = dt.datetime.now(dt.UTC)
    assert rows.handshake(client, ahead, now + dt.timedelta(days=1))["skew_warning"] is True
    rows.handshake(client, right, now)
    county = county_of(client, right)
    today = iran_today()

    def issue(office: Enrolled, days: int) -> str:
        person = rows.new_id()
        issued = (today + dt.timedelta(days=days)).isoformat()
        results = push(
            client,
            office,
            rows.insert("person", person, rows.person_row()),
            rows.insert(
                "licence", rows.new_id(), rows.licence_row(person, county, issue_date=issued)
            ),
        )
        return str(results[1]["status"])

    # A day of grace for everyone (time zones, midnight); a desk whose clock runs a day
    # ahead gets that day too; nobody gets more.
    assert issue(right, 1) == "applied"
    assert issue(right, 2) == "rejected"
    assert issue(ahead, 2) == "applied"
    assert issue(ahead, 3) == "rejected"


def test_a_record_stored_before_a_rule_existed_can_still_be_edited(
    client: TestClient, county_office: Enrolled, engine: Engine
) -> None:
    person = rows.new_id()
    push(client, county_office, rows.insert("person", person, rows.person_row()))
    with Session(engine) as session, session.begin():
        record = session.get(Record, ("person", person))
        assert record is not None
        data = json.loads(record.data)
        data["national_id"] = "1111111111"  # accepted by an older server
        record.data = json.dumps(data, ensure_ascii=False)
    [edit] = push(
        client,
        county_office,
        rows.update("person", person, 1, mobile=["09121234567", "09351112233"]),
    )
    assert edit["status"] == "applied"
