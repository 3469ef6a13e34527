"""Valid rows, operations and protocol calls for tests that speak to the server directly.

The server checks every pushed row with the forms' rules (common.rules), so
tests that craft operations by hand start from rows a real office would push and change
only what they are about.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import uuid
from typing import Any

from fastapi.testclient import TestClient

from common.audit_chain import GENESIS, ChainEntry, entry_hash
from common.protocol import PROTOCOL_VERSION
from common.reference import reference_id, reference_rows
from common.validators import national_id_check_digit

#: An enrolled office (tests/server_fixtures.Enrolled: office_id, token, headers).
Enrolled = Any

_serial = itertools.count(1)


def new_id() -> str:
    return str(uuid.uuid4())


def national_id(n: int | None = None) -> str:
    """A valid national ID made from ``n`` (a fresh one each call without it)."""
    first9 = f"{(n if n is not None else 1000 + next(_serial)):09d}"
    return first9 + str(national_id_check_digit(first9))


def legal_id(n: int | None = None) -> str:
    """A valid legal-entity ID (شناسه ملی) made from ``n`` (fresh without it)."""
    first10 = f"{(n if n is not None else 1000 + next(_serial)):010d}"
    d = int(first10[9]) + 2
    total = sum((d + int(c)) * (29, 27, 23, 19, 17)[i % 5] for i, c in enumerate(first10))
    return first10 + str(total % 11 % 10)


@functools.cache
def field_id(index: int = 0) -> str:
    """The id of a business field of the shipped catalogue."""
    return str(reference_rows()["business_field"][index]["id"])


def county_id(amar_code: str) -> str:
    return reference_id("county", amar_code)


def person_row(**values: Any) -> dict[str, Any]:
    return {
        "national_id": national_id(),
        "first_name": "مریم",
        "last_name": "کریمی",
        "father_name": "حسن",
        "birth_date": "1985-03-01",
        "gender": "F",
        "mobile": "09121234567",
        "postal_code": "",
        "address": "تهران",
        **values,
    }


def licence_row(person_id: str, county: str, **values: Any) -> dict[str, Any]:
    n = next(_serial)
    return {
        "number": f"TEST-{n:06d}",
        "unique_id": f"U{n:06d}",
        "person_id": person_id,
        "kind": "independent",
        "field_id": field_id(),
        "county_id": county,
        "activity_address": "تهران",
        "issue_date": "2024-05-01",
        "expiry_date": "2029-05-01",
        "status": "active",
        "status_reason": "",
        **values,
    }


def history_row(licence_id: str, **values: Any) -> dict[str, Any]:
    return {
        "licence_id": licence_id,
        "at": "2024-05-01T08:00:00+00:00",
        "actor": "clerk",
        "action": "edited",
        "changes": "{}",
        "reason": "",
        **values,
    }


def certificate_row(licence_id: str | None, **values: Any) -> dict[str, Any]:
    n = next(_serial)
    return {
        "licence_id": licence_id,
        "serial": f"TEST-C-{n:06d}",
        "issued_at": "2024-05-01T08:00:00+00:00",
        "actor": "clerk",
        "duplicate": False,
        "payload": "DFT1.x.y",
        "kind": "licence",
        "participant_id": None,
        **values,
    }


def supporter_row(licence_id: str, county: str, **values: Any) -> dict[str, Any]:
    return {
        "kind": "person",
        "licence_id": licence_id,
        "legal_name": "",
        "legal_id": "",
        "registration_no": "",
        "field_id": field_id(),
        "related_field_ids": "[]",
        "county_id": county,
        "phone": "",
        "mobile": "09121234567",
        "email": "",
        "address": "تهران",
        "sheba": "IR820540102680020817909002",
        "capacity": 50,
        "status": "active",
        "status_reason": "",
        **values,
    }


def member_row(supporter_id: str, person_id: str, county: str, **values: Any) -> dict[str, Any]:
    return {
        "supporter_id": supporter_id,
        "person_id": person_id,
        "role": "producer",
        "county_id": county,
        "joined_on": "2024-06-01",
        "left_on": None,
        "leave_reason": "",
        "override_reason": "",
        **values,
    }


def event_row(county: str, **values: Any) -> dict[str, Any]:
    n = next(_serial)
    return {
        "code": f"TEST-E-{n:04d}",
        "kind": "workshop",
        "title": "کارگاه بسته‌بندی",
        "field_ids": "[]",
        "organiser_supporter_id": None,
        "venue": "سالن اداره",
        "county_id": county,
        "start_date": "2024-07-01",
        "end_date": "2024-07-02",
        "start_time": "09:00",
        "end_time": "12:00",
        "capacity": 30,
        "instructor": "",
        "description": "",
        "status": "planned",
        **values,
    }


def participant_row(event_id: str, person_id: str | None = None, **values: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "person_id": person_id,
        "national_id": national_id(),
        "first_name": "زهرا",
        "last_name": "احمدی",
        "mobile": "",
        "status": "registered",
        "registered_at": "2024-06-20T08:00:00+00:00",
        **values,
    }


def attendance_row(event_id: str, participant_id: str, **values: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "participant_id": participant_id,
        "day": "2024-07-01",
        "present": True,
        **values,
    }


def closure_row(county: str, **values: Any) -> dict[str, Any]:
    return {"county_id": county, "day": "2024-07-03", "reason": "تعطیلی محلی", **values}


def facility_row(licence_id: str, person_id: str, county: str, **values: Any) -> dict[str, Any]:
    """A facility case referred to a branch of Bank Refah Kargaran."""
    return {
        "licence_id": licence_id,
        "person_id": person_id,
        "supporter_id": None,
        "county_id": county,
        "programme": "تسهیلات تکلیفی مشاغل خانگی",
        "bank_code": "013",
        "branch_name": "شعبه مرکزی",
        "branch_code": "1234",
        "purpose": "خرید چرخ خیاطی",
        "requested_amount": 2_000_000_000,
        "approved_amount": None,
        "approved_over_reason": "",
        "disbursed_amount": None,
        "term_months": 36,
        "rate_bp": 400,
        "guarantees": '["promissory_note"]',
        "sheba": "",
        "stage": "referred",
        "requested_on": "2024-06-01",
        "review_on": "2024-06-05",
        "referred_on": "2024-06-10",
        "bank_file_on": None,
        "guarantee_on": None,
        "approved_on": None,
        "paid_on": None,
        "closed_on": None,
        "close_reason": "",
        "referral_no": "",
        "repayment_status": "",
        "overdue_instalments": 0,
        "repayment_on": None,
        **values,
    }


def channel_row(person_id: str, county: str, **values: Any) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "county_id": county,
        "platform": "باسلام",
        "shop_name": "ترشی مادربزرگ",
        "shop_url": "https://basalam.com/torshi",
        "onboarded_on": "2024-06-01",
        "active": True,
        **values,
    }


def contract_row(
    county: str,
    *,
    buyer_supporter_id: str | None = None,
    seller_person_id: str | None = None,
    seller_supporter_id: str | None = None,
    **values: Any,
) -> dict[str, Any]:
    """A guaranteed-purchase contract (a company buying, unless a buyer supporter is
    given; a holder selling, unless a seller network is given)."""
    return {
        "county_id": county,
        "buyer_kind": "supporter" if buyer_supporter_id else "company",
        "buyer_supporter_id": buyer_supporter_id,
        "buyer_name": "" if buyer_supporter_id else "شرکت پخش البرز",
        "seller_kind": "network" if seller_supporter_id else "holder",
        "seller_person_id": seller_person_id,
        "seller_supporter_id": seller_supporter_id,
        "product": "رب گوجه",
        "unit": "kg",
        "quantity": 500,
        "unit_price": 1_200_000,
        "start_date": "2024-06-01",
        "end_date": "2024-12-01",
        "deliveries": '[{"day": "2024-07-01", "quantity": 100, "note": ""}]',
        "over_reason": "",
        **values,
    }


#: An argon2id hash (of "x") as a desk stores and pushes it; the server never verifies it.
PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$5AA6wFrhTKFytqL2fx5Bow$IMx90EJHMTZca5Ir+BNB8CvgBjEu0uTDlQIqfHR6hwU"


def account_row(**values: Any) -> dict[str, Any]:
    """A head of office's account (the office's first, accepted from its token)."""
    return {
        "username": f"head{next(_serial)}",
        "display_name": "مدیر اداره",
        "role": "head",
        "password_hash": PASSWORD_HASH,
        "disabled": False,
        **values,
    }


# --- operations -----------------------------------------------------------------------


def insert(table: str, row_id: str, row: dict[str, Any]) -> dict[str, Any]:
    return {
        "op_id": new_id(),
        "table": table,
        "row_id": row_id,
        "op": "insert",
        "base_rev": 0,
        "changes": {column: [None, value] for column, value in row.items()},
    }


def update(table: str, row_id: str, base_rev: int, **changes: list[Any]) -> dict[str, Any]:
    return {
        "op_id": new_id(),
        "table": table,
        "row_id": row_id,
        "op": "update",
        "base_rev": base_rev,
        "changes": changes,
    }


def delete(table: str, row_id: str, base_rev: int) -> dict[str, Any]:
    return {
        "op_id": new_id(),
        "table": table,
        "row_id": row_id,
        "op": "delete",
        "base_rev": base_rev,
        "changes": {},
    }


# --- calls ----------------------------------------------------------------------------


def handshake(
    client: TestClient, office: Enrolled, clock: dt.datetime | None = None
) -> dict[str, Any]:
    """The office's handshake (its clock: now unless given)."""
    response = client.post(
        "/v1/handshake",
        json={
            "protocol": PROTOCOL_VERSION,
            "client_schema": "x",
            "client_version": "test",
            "client_time": (clock or dt.datetime.now(dt.UTC)).isoformat(),
        },
        headers=office.headers,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def county_of(client: TestClient, office: Enrolled) -> str:
    """The reference id of a county office's county."""
    return str(handshake(client, office)["office"]["county"]["id"])


def push(client: TestClient, office: Enrolled, *ops: dict[str, Any]) -> list[dict[str, Any]]:
    """Push ``ops``; one result per operation, in order."""
    response = client.post("/v1/push", json={"operations": list(ops)}, headers=office.headers)
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    assert [r["op_id"] for r in results] == [op["op_id"] for op in ops]
    return results


def pull(client: TestClient, office: Enrolled, since: int = 0, limit: int = 1000) -> Any:
    """One page of the office's feed."""
    response = client.get(
        "/v1/pull", params={"since": since, "limit": limit}, headers=office.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def pull_all(client: TestClient, office: Enrolled) -> list[dict[str, Any]]:
    """The office's whole feed."""
    changes: list[dict[str, Any]] = []
    cursor = 0
    while True:
        page = pull(client, office, cursor)
        changes.extend(page["changes"])
        cursor = page["cursor"]
        if not page["has_more"]:
            return changes


def audit_chain(
    desk: str,
    count: int,
    *,
    start: int = 1,
    previous: str = GENESIS,
    rows: dict[int, str] | None = None,
) -> list[dict[str, Any]]:
    """``count`` well-chained audit entries of ``desk`` from seq ``start`` (the body of
    ``POST /v1/audit/{desk}``: every field but the desk); ``rows``: the rows an entry
    vouches for, by seq (common.audit_chain.rows_text)."""
    entries = []
    for seq in range(start, start + count):
        entry = ChainEntry(
            desk_id=desk,
            seq=seq,
            office_id="",
            at=f"2026-12-07T10:00:{seq % 60:02d}.000000+00:00",
            account_id="a1",
            actor="مدیر",
            action="register",
            record_kind="licence",
            record_id=f"r{seq}",
            summary=f"ثبت {seq}",
            detail="",
            prev_hash=previous,
            rows=(rows or {}).get(seq, ""),
        )
        previous = entry_hash(entry)
        values = {k: v for k, v in vars(entry).items() if k != "desk_id"}
        entries.append({**values, "hash": previous})
    return entries


def push_audit(client: TestClient, office: Enrolled, desk: str, entries: list[Any]) -> Any:
    """``POST /v1/audit/{desk}`` (the response, whatever its status)."""
    return client.post(f"/v1/audit/{desk}", json={"entries": entries}, headers=office.headers)
