"""Push and pull on the server: idempotency, merge, conflicts, tombstones, scope, paging."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from server.models import AppliedOp, Conflict, Record
from tests.server import rows

#: An enrolled office (conftest.Enrolled: ``office_id``, ``token``, ``headers``).
Enrolled = Any


_id = rows.new_id
_county_id = rows.county_of
_update = rows.update
_delete = rows.delete
_push = rows.push
_pull = rows.pull


def _insert(table: str, row_id: str, **values: Any) -> dict[str, Any]:
    return rows.insert(table, row_id, values)


def _licence_ops(county_id: str) -> tuple[str, str, list[dict[str, Any]]]:
    person_id, licence_id = _id(), _id()
    ops = [
        rows.insert("person", person_id, rows.person_row(first_name="علی")),
        rows.insert("licence", licence_id, rows.licence_row(person_id, county_id)),
    ]
    return person_id, licence_id, ops


def _person(row_id: str, **values: Any) -> dict[str, Any]:
    return rows.insert("person", row_id, rows.person_row(**values))


@pytest.fixture
def two_counties(enrol: Callable[..., Enrolled]) -> tuple[Enrolled, Enrolled]:
    return enrol("تهران", "شمیرانات", "اداره شمیرانات"), enrol("تهران", "ری", "اداره ری")


def test_insert_then_pull(client: TestClient, county_office: Enrolled) -> None:
    person_id, licence_id, ops = _licence_ops(_county_id(client, county_office))
    results = _push(client, county_office, *ops)
    assert [r["status"] for r in results] == ["applied", "applied"]
    assert [r["rev"] for r in results] == [1, 1]
    assert results[0]["server_seq"] < results[1]["server_seq"]

    page = _pull(client, county_office)
    assert page["has_more"] is False
    assert page["cursor"] == results[1]["server_seq"]
    assert [(c["table"], c["id"]) for c in page["changes"]] == [
        ("person", person_id),
        ("licence", licence_id),
    ]
    licence = page["changes"][1]
    assert licence["rev"] == 1 and licence["deleted"] is False
    assert licence["data"]["activity_address"] == "تهران"
    assert licence["data"]["person_id"] == person_id
    # Nothing new after the cursor.
    assert _pull(client, county_office, since=page["cursor"]) == {
        "changes": [],
        "cursor": page["cursor"],
        "has_more": False,
    }


def test_replayed_batch_changes_nothing(
    client: TestClient, county_office: Enrolled, engine: Engine
) -> None:
    _person_id, licence_id, ops = _licence_ops(_county_id(client, county_office))
    ops.append(_update("licence", licence_id, 1, activity_address=["تهران", "تجریش"]))
    first = _push(client, county_office, *ops)
    # The connection was cut after the server committed: the client sends it all again.
    again = _push(client, county_office, *ops)
    assert [r["status"] for r in again] == ["replayed"] * 3
    assert [r["original_status"] for r in again] == [r["status"] for r in first]
    assert [(r["rev"], r["server_seq"]) for r in again] == [
        (r["rev"], r["server_seq"]) for r in first
    ]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Record)) == 2
        assert session.scalar(select(func.count()).select_from(AppliedOp)) == 3
        licence = session.get(Record, ("licence", licence_id))
        assert licence is not None and licence.rev == 2
    assert len(_pull(client, county_office)["changes"]) == 2


def test_offices_of_other_counties_cannot_see_or_write(
    client: TestClient, two_counties: tuple[Enrolled, Enrolled], enrol: Callable[..., Enrolled]
) -> None:
    shemiranat, rey = two_counties
    _person_id, licence_id, ops = _licence_ops(_county_id(client, shemiranat))
    _push(client, shemiranat, *ops)

    assert _pull(client, rey)["changes"] == []
    # Writing the other county's record, or a new record in the other county.
    results = _push(
        client,
        rey,
        _update("licence", licence_id, 1, activity_address=["تهران", "ری"]),
        _licence_ops(_county_id(client, shemiranat))[2][1],
    )
    assert [r["status"] for r in results] == ["rejected", "rejected"]
    assert results[0]["reason"] == "خارج از حوزه این اداره"
    assert results[0]["reason_en"]
    assert _pull(client, shemiranat)["changes"][1]["data"]["activity_address"] == "تهران"

    # An office of another province sees nothing either; the province office sees both.
    isfahan = enrol("اصفهان", None, "اداره کل اصفهان")
    assert _pull(client, isfahan)["changes"] == []
    _push(client, rey, *_licence_ops(_county_id(client, rey))[2])
    tehran = enrol("تهران", None, "اداره کل تهران")
    changes = _pull(client, tehran)["changes"]
    assert len(changes) == 4
    assert len({c["data"]["county_id"] for c in changes if c["table"] == "licence"}) == 2


def test_edits_of_different_fields_merge(
    client: TestClient, two_counties: tuple[Enrolled, Enrolled], enrol: Callable[..., Enrolled]
) -> None:
    office = two_counties[0]
    _person_id, licence_id, ops = _licence_ops(_county_id(client, office))
    _push(client, office, *ops)
    # Two clerks edited rev 1 offline: one the address, the other the status.
    first = _push(
        client, office, _update("licence", licence_id, 1, activity_address=["تهران", "نیاوران"])
    )
    second = _push(
        client, office, _update("licence", licence_id, 1, status=["active", "suspended"])
    )
    assert first[0]["status"] == "applied" and first[0]["rev"] == 2
    assert second[0]["status"] == "merged" and second[0]["rev"] == 3
    assert second[0]["conflicts"] == []
    data = _pull(client, office)["changes"][-1]["data"]
    assert (data["activity_address"], data["status"]) == ("نیاوران", "suspended")


def test_same_field_conflict_keeps_both_values(
    client: TestClient, county_office: Enrolled, engine: Engine
) -> None:
    _person_id, licence_id, ops = _licence_ops(_county_id(client, county_office))
    _push(client, county_office, *ops)
    _push(
        client, county_office, _update("licence", licence_id, 1, activity_address=["تهران", "الف"])
    )
    theirs = _update(
        "licence",
        licence_id,
        1,
        activity_address=["تهران", "ب"],
        status=["active", "suspended"],
    )
    result = _push(client, county_office, theirs)[0]
    assert result["status"] == "conflict"
    assert result["rev"] == 3  # the status still applied
    [conflict] = result["conflicts"]
    assert conflict["field"] == "activity_address"
    assert (conflict["base"], conflict["server"], conflict["client"]) == ("تهران", "الف", "ب")
    data = _pull(client, county_office)["changes"][-1]["data"]
    assert (data["activity_address"], data["status"]) == ("الف", "suspended")
    with Session(engine) as session:
        stored = session.scalars(select(Conflict)).one()
        assert stored.op_id == theirs["op_id"] and stored.resolved_at is None
        assert (stored.server_value, stored.client_value) == ('"الف"', '"ب"')


def test_delete_versus_edit_is_a_conflict_in_either_order(
    client: TestClient, county_office: Enrolled
) -> None:
    county_id = _county_id(client, county_office)
    # Deleted first, then an offline edit arrives: the edit is kept in a conflict.
    _p, first_id, ops = _licence_ops(county_id)
    _push(client, county_office, *ops)
    deleted = _push(client, county_office, _delete("licence", first_id, 1))[0]
    assert (deleted["status"], deleted["rev"]) == ("applied", 2)
    edit = _push(
        client, county_office, _update("licence", first_id, 1, activity_address=["تهران", "x"])
    )
    assert edit[0]["status"] == "conflict"
    assert edit[0]["conflicts"][0]["kind"] == "deleted"
    assert edit[0]["conflicts"][0]["client"] == "x"

    # Edited first, then an offline delete against the old revision: nothing vanishes.
    _p, second_id, ops = _licence_ops(county_id)
    _push(client, county_office, *ops)
    _push(client, county_office, _update("licence", second_id, 1, activity_address=["تهران", "y"]))
    late = _push(client, county_office, _delete("licence", second_id, 1))[0]
    assert late["status"] == "conflict"

    states = {c["id"]: c for c in _pull(client, county_office)["changes"]}
    assert states[first_id]["deleted"] is True and states[first_id]["rev"] == 2
    assert states[second_id]["deleted"] is False
    assert states[second_id]["data"]["activity_address"] == "y"


def test_reference_tables_are_read_only(client: TestClient, county_office: Enrolled) -> None:
    op = _update("county", _id(), 1, name=["ری", "شهر ری"])
    op["op"] = "update"
    person = _person(_id())
    results = _push(client, county_office, op, person, _insert("outbox", _id(), state="x"))
    assert [r["status"] for r in results] == ["rejected", "applied", "rejected"]
    assert results[0]["reason"] == "داده‌های پایه را فقط سرور تغییر می‌دهد"
    # A rejected operation doesn't block (or roll back) the rest of its batch.
    assert [c["id"] for c in _pull(client, county_office)["changes"]] == [person["row_id"]]


def test_oversized_and_malformed_batches_are_4xx(
    client: TestClient, county_office: Enrolled
) -> None:
    ops = [_person(_id()) for _ in range(501)]
    response = client.post("/v1/push", json={"operations": ops}, headers=county_office.headers)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
    big = [_insert("person", _id(), note="x" * 5000) for _ in range(300)]
    response = client.post("/v1/push", json={"operations": big}, headers=county_office.headers)
    assert response.status_code == 413
    for body in (
        {},
        {"operations": [{"op_id": "nope"}]},
        {"operations": [_insert("person", "not-a-uuid")]},
        {"operations": [{**_insert("person", _id()), "changes": {"a": [1]}}]},
        {"operations": [{**_insert("person", _id()), "op": "upsert"}]},
    ):
        response = client.post("/v1/push", json=body, headers=county_office.headers)
        assert response.status_code == 422, body
    assert client.post("/v1/push", json={"operations": []}).status_code == 401
    assert client.get("/v1/pull").status_code == 401
    for params in ({"limit": 0}, {"limit": 1001}, {"since": -1}, {"since": "x"}):
        response = client.get("/v1/pull", params=params, headers=county_office.headers)
        assert response.status_code == 422, params


def test_paging_resumes_without_repeats(client: TestClient, county_office: Enrolled) -> None:
    county_id = _county_id(client, county_office)
    ops = [op for _ in range(6) for op in _licence_ops(county_id)[2]]
    _push(client, county_office, *ops)
    seen: list[str] = []
    cursor, pages = 0, 0
    while True:
        page = _pull(client, county_office, since=cursor, limit=5)
        pages += 1
        seen += [c["id"] for c in page["changes"]]
        seqs = [c["server_seq"] for c in page["changes"]]
        assert seqs == sorted(seqs) and all(s > cursor for s in seqs)
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    assert pages == 3
    assert seen == [op["row_id"] for op in ops]
    assert len(set(seen)) == 12


def test_person_without_licence_takes_the_office_county(
    client: TestClient, two_counties: tuple[Enrolled, Enrolled]
) -> None:
    shemiranat, rey = two_counties
    person_id = _id()
    assert _push(client, shemiranat, _person(person_id))[0]["status"] == "applied"
    assert [c["id"] for c in _pull(client, shemiranat)["changes"]] == [person_id]
    assert _pull(client, rey)["changes"] == []
    # A history entry follows its licence's scope.
    _p, licence_id, ops = _licence_ops(_county_id(client, shemiranat))
    history = rows.insert("licence_history", _id(), rows.history_row(licence_id, action="issued"))
    results = _push(client, shemiranat, *ops, history)
    assert [r["status"] for r in results] == ["applied"] * 3
    assert (
        _push(client, rey, _update("licence_history", history["row_id"], 1))[0]["status"]
        == "rejected"
    )


def test_a_national_id_is_never_edited_into_another_holders(
    client: TestClient, county_office: Enrolled
) -> None:
    first, second = rows.person_row(), rows.person_row()
    first_id, second_id = _id(), _id()
    _push(
        client,
        county_office,
        rows.insert("person", first_id, first),
        rows.insert("person", second_id, second),
    )
    taken = first["national_id"]
    [result] = _push(
        client,
        county_office,
        _update("person", second_id, 1, national_id=[second["national_id"], taken]),
    )
    assert result["status"] == "rejected"
    assert "شخص دیگری" in result["reason"]
