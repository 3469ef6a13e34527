"""``/v1/audit/{desk_id}``: a desk's trail is appended only when it continues the chain
the server holds; another office may neither read nor extend it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from common.audit_chain import GENESIS
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
