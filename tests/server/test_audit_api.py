"""``/v1/audit/{desk_id}``: a desk's trail is appended only when it continues the chain
the server holds; another office may neither read nor extend it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from common.audit_chain import GENESIS, row_digest, rows_text
from tests.server import rows
from tests.server.rows import audit_chain as chain
from tests.server.rows import push_audit as _post

Enrolled = Any


def test_a_desk_appends_and_a_rewrite_gap_or_break_is_refused(
    client: TestClient, enrol: Callable[..., Enrolled]
) -> None:
    office = enrol("تهران", "تهران")
    desk = str(uuid.uuid4())
    head = client.get(f"/v1/audit/{desk}/head", headers=office.headers)
    assert head.status_code == 200 and head.json() == {"seq": 0, "hash": GENESIS}
    first = chain(desk, 5)
    answer = _post(client, office, desk, first)
    assert answer.status_code == 200 and answer.json() == {"seq": 5, "hash": first[-1]["hash"]}
    assert _post(client, office, desk, first[3:]).status_code == 200  # sent again: the same

    more = chain(desk, 3, start=6, previous=first[-1]["hash"])
    changed = [{**first[4], "summary": "دیگر"}, *more]
    refused = _post(client, office, desk, changed)
    assert refused.status_code == 409 and refused.json()["error"] == "audit_rewritten"
    assert "ردیف ۵" in refused.json()["message"]
    gap = _post(client, office, desk, more[1:])
    assert gap.status_code == 409 and "ردیف ۶" in gap.json()["message"]
    broken = _post(client, office, desk, chain(desk, 2, start=6))  # not chained to entry 5
    assert broken.status_code == 409
    tampered = [{**more[0], "actor": "دیگری"}, *more[1:]]
    assert _post(client, office, desk, tampered).status_code == 409
    assert client.get(f"/v1/audit/{desk}/head", headers=office.headers).json()["seq"] == 5
    assert _post(client, office, desk, more).json()["seq"] == 8


def test_another_office_can_neither_read_nor_extend_a_desk_trail(
    client: TestClient, enrol: Callable[..., Enrolled]
) -> None:
    victim, attacker = enrol("تهران", "تهران", "قربانی"), enrol("تهران", "شمیرانات", "مهاجم")
    desk = str(uuid.uuid4())
    entries = chain(desk, 3)
    assert _post(client, victim, desk, entries).status_code == 200
    assert client.get(f"/v1/audit/{desk}/head", headers=attacker.headers).status_code == 403
    more = chain(desk, 1, start=4, previous=entries[-1]["hash"])
    assert _post(client, attacker, desk, more).status_code == 403
    assert client.get(f"/v1/audit/{desk}/head", headers=victim.headers).json()["seq"] == 3
    assert client.get(f"/v1/audit/{desk}/head").status_code == 401
    assert client.get("/v1/audit/not-a-desk/head", headers=victim.headers).status_code == 422


def test_an_appended_row_must_be_what_its_entry_vouched_for(
    client: TestClient, enrol: Callable[..., Enrolled]
) -> None:
    """A licence-history or certificate-log row pushed with other content than the digest
    its desk's audit entry recorded is refused as tampered with; the row as written passes,
    and a row no entry names (a desk older than the trail) is judged by the rules alone."""
    office = enrol("تهران", "شمیرانات")
    county = rows.county_of(client, office)
    person_id, licence_id = rows.new_id(), rows.new_id()
    history_id, certificate_id, unvouched_id = rows.new_id(), rows.new_id(), rows.new_id()
    history = rows.history_row(licence_id, actor="مریم")
    certificate = rows.certificate_row(licence_id)
    vouched = rows_text(
        [
            ("licence_history", history_id, row_digest("licence_history", history_id, history)),
            (
                "certificate_issue",
                certificate_id,
                row_digest("certificate_issue", certificate_id, certificate),
            ),
        ]
    )
    desk = str(uuid.uuid4())
    assert _post(client, office, desk, chain(desk, 2, rows={2: vouched})).status_code == 200
    setup = rows.push(
        client,
        office,
        rows.insert("person", person_id, rows.person_row()),
        rows.insert("licence", licence_id, rows.licence_row(person_id, county)),
    )
    assert [r["status"] for r in setup] == ["applied", "applied"]

    edited = [
        rows.insert("licence_history", history_id, {**history, "actor": "کس دیگر"}),
        rows.insert("certificate_issue", certificate_id, {**certificate, "duplicate": True}),
    ]
    refused = rows.push(client, office, *edited)
    assert [r["status"] for r in refused] == ["rejected", "rejected"]
    assert all("vouched for" in r["reason_en"] for r in refused)
    assert "دستکاری" in refused[0]["reason"] and "ردیف ۲" in refused[0]["reason"]
    assert not [c for c in rows.pull_all(client, office) if c["table"] == "licence_history"]

    as_written = rows.push(
        client,
        office,
        rows.insert("licence_history", history_id, history),
        rows.insert("certificate_issue", certificate_id, certificate),
        rows.insert("licence_history", unvouched_id, rows.history_row(licence_id)),
    )
    assert [r["status"] for r in as_written] == ["applied", "applied", "applied"]


def test_another_office_cannot_vouch_for_a_row_it_did_not_write(
    client: TestClient, enrol: Callable[..., Enrolled]
) -> None:
    """Digests are kept per office: an entry of one office naming a row id does not
    make another office's push of that id fail, nor pass."""
    owner, other = enrol("تهران", "شمیرانات", "صاحب"), enrol("تهران", "شمیرانات", "دیگری")
    county = rows.county_of(client, owner)
    person_id, licence_id, history_id = rows.new_id(), rows.new_id(), rows.new_id()
    desk = str(uuid.uuid4())
    bogus = rows_text([("licence_history", history_id, "0" * 40)])
    assert _post(client, other, desk, chain(desk, 1, rows={1: bogus})).status_code == 200
    results = rows.push(
        client,
        owner,
        rows.insert("person", person_id, rows.person_row()),
        rows.insert("licence", licence_id, rows.licence_row(person_id, county)),
        rows.insert("licence_history", history_id, rows.history_row(licence_id)),
    )
    assert [r["status"] for r in results] == ["applied", "applied", "applied"]
