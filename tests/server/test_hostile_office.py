"""A hostile office against the scope rules (docs/sync-protocol.md, "Scope"; trust.md).

The attacker is a county office of the same province with its own valid token, which
knows every id of the victim's records (ids leak: a record that left its scope, a backup,
a province office's copy). For every synced table and every reference column it tries
to create, change, delete and re-point through the HTTP API; each test proves the
victim's records unchanged on the server and the attacker's pull free of them. A
property test then lets hypothesis make up operation sequences of its own. Every test
runs on SQLite and on PostgreSQL (tests/server_fixtures.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from tests.server import rows
from tests.server.hostile import TABLES, World, make_world
from tests.server.rows import pull_all, push

Enrolled = Any
Attack = Callable[[World], list[dict[str, Any]]]


@pytest.fixture
def world(client: TestClient, engine: Engine, enrol: Callable[..., Enrolled]) -> World:
    return make_world(client, engine, enrol)


# --- the attacks, one per cell of the scope table -------------------------------------

#: A change of a content column of each of the victim's records.
CHANGES: dict[str, tuple[str, Any, Any]] = {
    "person": ("last_name", "کریمی", "دزد"),
    "licence": ("status", "active", "revoked"),
    "licence_history": ("reason", "", "بازنویسی"),
    "certificate_issue": ("actor", "clerk", "attacker"),
    "supporter": ("sheba", "IR820540102680020817909002", "IR430120000000000000000001"),
    "network_member": ("role", "producer", "seller"),
    "event": ("title", "کارگاه بسته‌بندی", "لغو شد"),
    "event_participant": ("status", "registered", "cancelled"),
    "event_attendance": ("present", True, False),
    "closure_day": ("reason", "تعطیلی محلی", "باز است"),
    "account": ("role", "head", "viewer"),
    "facility_case": ("branch_name", "شعبه مرکزی", "شعبه دیگر"),
    "sales_channel": ("active", True, False),
    "purchase_contract": ("quantity", 500, 50_000),
}


def _change(name: str) -> Attack:
    column, old, new = CHANGES[name]

    def attack(w: World) -> list[dict[str, Any]]:
        return [rows.update(TABLES[name], w.theirs.ids[name], 1, **{column: [old, new]})]

    return attack


def _delete(name: str) -> Attack:
    def attack(w: World) -> list[dict[str, Any]]:
        return [rows.delete(TABLES[name], w.theirs.ids[name], 1)]

    return attack


def _same_id(name: str) -> Attack:
    """An insert that reuses the victim's id with the attacker's own data."""

    def attack(w: World) -> list[dict[str, Any]]:
        return [rows.insert(TABLES[name], w.theirs.ids[name], dict(w.mine.rows[name]))]

    return attack


def _in_their_county(table: str) -> Attack:
    """A new record of the attacker's homed in the victim's county."""

    def attack(w: World) -> list[dict[str, Any]]:
        v, m = w.theirs, w.mine
        row = {
            "licence": lambda: rows.licence_row(m.ids["person"], v.county),
            "supporter": lambda: rows.supporter_row(m.ids["supporter_licence"], v.county),
            "event": lambda: rows.event_row(v.county),
            "closure_day": lambda: rows.closure_row(v.county),
            "facility_case": lambda: rows.facility_row(m.ids["licence"], m.ids["person"], v.county),
            "sales_channel": lambda: rows.channel_row(m.ids["person"], v.county),
            "purchase_contract": lambda: rows.contract_row(
                v.county, seller_person_id=m.ids["person"]
            ),
        }[table]()
        return [rows.insert(table, rows.new_id(), row)]

    return attack


#: New rows of the attacker's that name one of the victim's records (table, column).
def _naming(table: str, column: str) -> Attack:
    def attack(w: World) -> list[dict[str, Any]]:
        v, m = w.theirs.ids, w.mine.ids
        county = w.mine.county
        row = {
            ("licence", "person_id"): lambda: rows.licence_row(v["person"], county),
            ("supporter", "licence_id"): lambda: rows.supporter_row(v["supporter_licence"], county),
            ("network_member", "supporter_id"): lambda: rows.member_row(
                v["supporter"], m["member_holder"], county
            ),
            ("network_member", "person_id"): lambda: rows.member_row(
                m["supporter"], v["person"], county
            ),
            ("event", "organiser_supporter_id"): lambda: rows.event_row(
                county, organiser_supporter_id=v["supporter"]
            ),
            ("event_participant", "event_id"): lambda: rows.participant_row(v["event"]),
            ("event_participant", "person_id"): lambda: rows.participant_row(
                m["event"], v["person"]
            ),
            ("event_attendance", "event_id"): lambda: rows.attendance_row(
                v["event"], v["event_participant"]
            ),
            ("event_attendance", "participant_id"): lambda: rows.attendance_row(
                m["event"], v["event_participant"]
            ),
            ("licence_history", "licence_id"): lambda: rows.history_row(v["licence"]),
            ("certificate_issue", "licence_id"): lambda: rows.certificate_row(v["licence"]),
            ("certificate_issue", "participant_id"): lambda: rows.certificate_row(
                None, kind="attendance", participant_id=v["event_participant"]
            ),
            ("facility_case", "licence_id"): lambda: rows.facility_row(
                v["licence"], m["person"], county
            ),
            ("facility_case", "person_id"): lambda: rows.facility_row(
                m["licence"], v["person"], county
            ),
            ("facility_case", "supporter_id"): lambda: rows.facility_row(
                m["licence"], m["person"], county, supporter_id=v["supporter"]
            ),
            ("sales_channel", "person_id"): lambda: rows.channel_row(v["person"], county),
            ("purchase_contract", "buyer_supporter_id"): lambda: rows.contract_row(
                county, buyer_supporter_id=v["supporter"], seller_person_id=m["person"]
            ),
            ("purchase_contract", "seller_person_id"): lambda: rows.contract_row(
                county, seller_person_id=v["person"]
            ),
            ("purchase_contract", "seller_supporter_id"): lambda: rows.contract_row(
                county, seller_supporter_id=v["supporter"]
            ),
        }[(table, column)]()
        return [rows.insert(table, rows.new_id(), row)]

    return attack


#: The attacker's own records re-pointed at the victim's: (record, column, victim's).
REPOINTS = [
    ("licence", "person_id", "person"),
    ("supporter", "licence_id", "supporter_licence"),
    ("network_member", "supporter_id", "supporter"),
    ("network_member", "person_id", "person"),
    ("event", "organiser_supporter_id", "supporter"),
    ("event_participant", "event_id", "event"),
    ("event_participant", "person_id", "person"),
    ("event_attendance", "event_id", "event"),
    ("event_attendance", "participant_id", "event_participant"),
    ("licence_history", "licence_id", "licence"),
    ("certificate_issue", "licence_id", "licence"),
    ("facility_case", "licence_id", "licence"),
    ("facility_case", "person_id", "person"),
    ("facility_case", "supporter_id", "supporter"),
    ("sales_channel", "person_id", "person"),
    ("purchase_contract", "buyer_supporter_id", "supporter"),
    ("purchase_contract", "seller_person_id", "person"),
]


def _repoint(name: str, column: str, target: str) -> Attack:
    def attack(w: World) -> list[dict[str, Any]]:
        old = w.mine.rows[name][column]
        return [
            rows.update(TABLES[name], w.mine.ids[name], 1, **{column: [old, w.theirs.ids[target]]})
        ]

    return attack


def _move(name: str) -> Attack:
    """The attacker's own record moved into the victim's county."""

    def attack(w: World) -> list[dict[str, Any]]:
        return [
            rows.update(
                TABLES[name], w.mine.ids[name], 1, county_id=[w.mine.county, w.theirs.county]
            )
        ]

    return attack


ATTACKS: dict[str, Attack] = {
    **{f"change-{name}": _change(name) for name in CHANGES},
    **{f"delete-{name}": _delete(name) for name in CHANGES},
    **{f"same-id-{name}": _same_id(name) for name in CHANGES},
    **{
        f"create-in-their-county-{table}": _in_their_county(table)
        for table in (
            "licence",
            "supporter",
            "event",
            "closure_day",
            "facility_case",
            "sales_channel",
            "purchase_contract",
        )
    },
    **{
        f"create-naming-{table}.{column}": _naming(table, column)
        for table, column in (
            ("licence", "person_id"),
            ("supporter", "licence_id"),
            ("network_member", "supporter_id"),
            ("network_member", "person_id"),
            ("event", "organiser_supporter_id"),
            ("event_participant", "event_id"),
            ("event_participant", "person_id"),
            ("event_attendance", "event_id"),
            ("event_attendance", "participant_id"),
            ("licence_history", "licence_id"),
            ("certificate_issue", "licence_id"),
            ("certificate_issue", "participant_id"),
            ("facility_case", "licence_id"),
            ("facility_case", "person_id"),
            ("facility_case", "supporter_id"),
            ("sales_channel", "person_id"),
            ("purchase_contract", "buyer_supporter_id"),
            ("purchase_contract", "seller_person_id"),
            ("purchase_contract", "seller_supporter_id"),
        )
    },
    **{f"repoint-{n}.{c}": _repoint(n, c, t) for n, c, t in REPOINTS},
    # (A member of the attacker's own network may live in another county: its supporter's
    # office places it there, by design; that changes none of that county's records.)
    **{
        f"move-{name}": _move(name)
        for name in (
            "licence",
            "supporter",
            "event",
            "closure_day",
            "facility_case",
            "sales_channel",
            "purchase_contract",
        )
    },
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_hostile_office_changes_nothing_of_another_county(world: World, attack: str) -> None:
    before = world.snapshot()
    ops = world.as_attackers_head(ATTACKS[attack](world))
    results = push(world.client, world.attacker, *ops)
    assert [r["status"] for r in results] == ["rejected"] * len(results), results
    # Refused by the scope rules, not because the values were malformed.
    assert all(r["reason"] and not r["reason"].startswith("داده نامعتبر") for r in results), results
    assert world.snapshot() == before
    assert not world.attacker_sees() & world.victim_ids()


def test_rejections_say_why_in_persian(world: World) -> None:
    [out_of_scope] = push(world.client, world.attacker, *_change("licence")(world))
    assert out_of_scope["reason"] == "خارج از حوزه این اداره"
    [history] = push(world.client, world.victim, *_repoint_own_history(world))
    assert "فقط افزوده" in history["reason"]
    [fixed] = push(world.client, world.victim, *_repoint_own_member(world))
    assert "تغییر نمی‌کند" in fixed["reason"]


def test_a_facility_case_names_its_licences_holder(world: World) -> None:
    """Even in its own county an office cannot file a case under a licence for someone
    who does not hold it, nor move it to another holder later."""
    m = world.mine.ids
    wrong = rows.facility_row(m["licence"], m["member_holder"], world.mine.county)
    [made] = push(world.client, world.attacker, rows.insert("facility_case", rows.new_id(), wrong))
    assert made["status"] == "rejected" and "دارندهٔ مجوز آن نیست" in made["reason"]
    [moved] = push(
        world.client,
        world.attacker,
        rows.update(
            "facility_case", m["facility_case"], 1, person_id=[m["person"], m["member_holder"]]
        ),
    )
    assert moved["status"] == "rejected"


def _repoint_own_history(w: World) -> list[dict[str, Any]]:
    """Even its owner cannot rewrite a history entry."""
    return [
        rows.update("licence_history", w.theirs.ids["licence_history"], 1, reason=["", "بازنویسی"])
    ]


def _repoint_own_member(w: World) -> list[dict[str, Any]]:
    return [
        rows.update(
            "network_member",
            w.theirs.ids["network_member"],
            1,
            person_id=[w.theirs.ids["member_holder"], w.theirs.ids["person"]],
        )
    ]


# --- what the rules do allow ---------------------------------------------------------


def test_owners_keep_their_rights(
    world: World, enrol: Callable[..., Enrolled], client: TestClient
) -> None:
    v = world.theirs.ids
    # The victim's own office changes its records (history stays append-only).
    results = push(
        client,
        world.victim,
        rows.update("licence", v["licence"], 1, status=["active", "suspended"]),
        rows.update("supporter", v["supporter"], 1, capacity=[50, 60]),
        rows.insert("licence_history", rows.new_id(), rows.history_row(v["licence"])),
        rows.update("event_attendance", v["event_attendance"], 1, present=[True, False]),
    )
    assert [r["status"] for r in results] == ["applied"] * 4
    # The province office owns every county of its province.
    province = enrol("تهران", None, "اداره کل تهران")
    [edit] = push(
        client,
        province,
        rows.update("closure_day", v["closure_day"], 1, reason=["تعطیلی محلی", "عزای عمومی"]),
    )
    assert edit["status"] == "applied"
    # An office that sees a network (its province office) may add a member in another
    # county; that member's county office then edits its member row and the member's
    # holder, but not the supporter (its bank account) nor the supporter's licence.
    rey_person = world.mine.ids["person"]
    member = rows.new_id()
    [added] = push(
        client,
        province,
        rows.insert(
            "network_member", member, rows.member_row(v["supporter"], rey_person, world.mine.county)
        ),
    )
    assert added["status"] == "applied"
    seen = world.attacker_sees()
    assert {v["supporter"], v["supporter_licence"], v["supporter_holder"]} <= seen
    results = push(
        client,
        world.attacker,
        rows.update("network_member", member, 1, role=["producer", "trainer"]),
        rows.update(
            "supporter",
            v["supporter"],
            2,
            sheba=["IR820540102680020817909002", "IR430120000000000000000001"],
        ),
        rows.update("licence", v["supporter_licence"], 1, status=["active", "revoked"]),
    )
    assert [r["status"] for r in results] == ["applied", "rejected", "rejected"]


def test_the_same_national_id_makes_one_holder_and_overwrites_nothing(world: World) -> None:
    """An office registering a national ID the server has (another county's holder) gets
    that holder: identical values merge, different ones are conflicts at that office; the
    other county's record keeps its values. The office then sees the holder — by design,
    documented in docs/sync-protocol.md — because it presented the national ID."""
    before = world.snapshot()
    theirs = world.theirs.rows["person"]
    claim = rows.new_id()
    licence = rows.new_id()
    results = push(
        world.client,
        world.attacker,
        rows.insert("person", claim, {**theirs, "last_name": "دیگری", "mobile": "09350000000"}),
        rows.insert("licence", licence, rows.licence_row(claim, world.mine.county)),
    )
    assert [r["status"] for r in results] == ["conflict", "applied"]
    assert results[0]["canonical_id"] == world.theirs.ids["person"]
    assert {c["field"] for c in results[0]["conflicts"]} == {"last_name", "mobile"}
    after = world.snapshot()
    person_key = ("person", world.theirs.ids["person"])
    assert after[person_key][1] == before[person_key][1]  # the victim's values unchanged
    pulled = {c["id"]: c for c in pull_all(world.client, world.attacker)}
    assert pulled[licence]["data"]["person_id"] == world.theirs.ids["person"]
    assert claim not in pulled


# --- a property test: operations made up by hypothesis --------------------------------

_VALUES = st.sampled_from(
    ["", "x", "کریمی", 0, 1, 50, True, False, None, "2024-05-01", "active", "revoked"]
)


@st.composite
def hostile_operations(draw: st.DrawFn, w: World) -> list[dict[str, Any]]:
    """Operations an attacker might send: any table, any op, ids of the victim's and its
    own records (or fresh ones), references to either side, counties of either side."""
    ids = sorted(w.theirs.ids.items()) + sorted(w.mine.ids.items())
    referable = [row_id for _name, row_id in ids]
    ops: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 6))):
        name, row_id = draw(st.sampled_from(ids))
        table = TABLES[name]
        kind = draw(st.sampled_from(["insert", "update", "delete", "same_row"]))
        if kind == "delete":
            ops.append(rows.delete(table, row_id, draw(st.integers(0, 3))))
            continue
        base = dict((w.theirs.rows | w.mine.rows)[name])
        column = draw(st.sampled_from(sorted(base)))
        value = draw(
            st.one_of(
                _VALUES,
                st.sampled_from(referable),
                st.sampled_from([w.theirs.county, w.mine.county]),
            )
        )
        if kind == "update":
            ops.append(
                rows.update(
                    table, row_id, draw(st.integers(0, 3)), **{column: [base[column], value]}
                )
            )
        else:
            target = row_id if kind == "same_row" else rows.new_id()
            # A national (legal) ID presented is a claim on that holder, by design (see
            # test_the_same_national_id_makes_one_holder_and_overwrites_nothing): keep the
            # attacker's own here.
            row = {**base, column: value}
            for key in ("national_id", "legal_id"):
                if key in row and key in w.theirs.rows.get(name, {}):
                    row[key] = rows.national_id() if key == "national_id" else rows.legal_id()
            ops.append(rows.insert(table, target, row))
    return ops


def test_made_up_operations_change_nothing_of_another_county(world: World) -> None:
    before = world.snapshot()
    victims = world.victim_ids()

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        ops = data.draw(hostile_operations(world))
        results = push(world.client, world.attacker, *ops)
        for op, result in zip(ops, results, strict=True):
            if op["row_id"] in victims:
                assert result["status"] == "rejected", (op, result)
        assert world.snapshot() == before
        assert not world.attacker_sees() & victims

    run()


def test_accounts_are_their_office_alone(
    world: World, enrol: Callable[..., Enrolled], client: TestClient
) -> None:
    """Staff accounts are seen and changed by their own office only: not by the province
    office above it (which owns every county record of the province), and within the
    office only by a head of it."""
    head = world.theirs.ids["account"]
    province = enrol("تهران", None, "اداره کل تهران")
    assert head not in {change["id"] for change in pull_all(client, province)}
    [edit] = push(client, province, rows.update("account", head, 1, role=["head", "viewer"]))
    assert edit["status"] == "rejected"
    before = world.snapshot()
    # A second "first head" from the office's token, or a change without a head's account.
    results = push(
        client,
        world.victim,
        rows.insert("account", rows.new_id(), rows.account_row()),
        rows.update("account", head, 1, disabled=[False, True]),
    )
    assert [r["status"] for r in results] == ["rejected", "rejected"], results
    assert all("مدیر اداره" in r["reason"] for r in results)
    assert world.snapshot() == before
    # The office's head adds a clerk and the clerk can change no account.
    clerk = rows.new_id()
    [added] = push(
        client,
        world.victim,
        {"account_id": head, **rows.insert("account", clerk, rows.account_row(role="clerk"))},
    )
    assert added["status"] == "applied"
    [refused] = push(
        client,
        world.victim,
        {"account_id": clerk, **rows.update("account", clerk, 1, role=["clerk", "head"])},
    )
    assert refused["status"] == "rejected"
    assert {head, clerk} <= {change["id"] for change in pull_all(client, world.victim)}


def test_another_office_desk_audit_trail_is_neither_read_nor_extended(world: World) -> None:
    """The audit trail (``/v1/audit/{desk}``; scope table: own office only): the attacker
    knows the victim's desk id, yet can't read its head, append to it, or pull it."""
    desk = "0190b4f0-0000-7000-8000-00000000d35c"
    entries = rows.audit_chain(desk, 3)
    assert rows.push_audit(world.client, world.victim, desk, entries).status_code == 200
    head = world.client.get(f"/v1/audit/{desk}/head", headers=world.attacker.headers)
    assert head.status_code == 403
    forged = rows.audit_chain(desk, 1, start=4, previous=entries[-1]["hash"])
    assert rows.push_audit(world.client, world.attacker, desk, forged).status_code == 403
    rewritten = rows.audit_chain(desk, 3)
    rewritten[0] = {**rewritten[0], "actor": "مهاجم"}
    assert rows.push_audit(world.client, world.attacker, desk, rewritten).status_code == 403
    victim_head = world.client.get(f"/v1/audit/{desk}/head", headers=world.victim.headers).json()
    assert victim_head == {"seq": 3, "hash": entries[-1]["hash"]}
    assert not {entry["record_id"] for entry in entries} & world.attacker_sees()


def test_a_hostile_office_verifies_and_fetches_nothing_of_another_county(world: World) -> None:
    """Per-scope verification (server.verify) is scoped like the pull: the attacker's
    scopes count only what it pulls, and asking for the victim's scopes by table and
    bucket (ids leak), or leaving the victim's ids out, brings nothing of theirs."""
    from common.scope_digest import bucket_of, digests

    headers = world.attacker.headers
    victim = {(TABLES[name], row_id) for name, row_id in world.theirs.ids.items()}
    answer = world.client.post(
        "/v1/verify",
        json={"cursor": 0, "exclude": [{"table": t, "id": i} for t, i in sorted(victim)]},
        headers=headers,
    )
    assert answer.status_code == 200
    pulled = [c for c in pull_all(world.client, world.attacker) if not c["deleted"]]
    expected = digests((c["table"], c["id"], c["rev"]) for c in pulled)
    scopes = {
        (s["table"], s["bucket"]): (s["count"], int(s["digest"], 16))
        for s in answer.json()["scopes"]
    }
    assert scopes == {key: (s.count, s.digest) for key, s in expected.items()}
    for table, row_id in sorted(victim):
        page = world.client.get(
            "/v1/verify/rows",
            params={"table": table, "bucket": bucket_of(row_id)},
            headers=headers,
        )
        assert page.status_code == 200
        assert not {c["id"] for c in page.json()["changes"]} & world.victim_ids()
    unknown = world.client.get(
        "/v1/verify/rows", params={"table": "office_token", "bucket": 0}, headers=headers
    )
    assert unknown.status_code == 200 and unknown.json()["changes"] == []
    refused = world.client.get(
        "/v1/verify/rows", params={"table": "person", "bucket": 64}, headers=headers
    )
    assert refused.status_code == 422
    no_token = world.client.post("/v1/verify", json={"cursor": 0})
    assert no_token.status_code == 401


def test_an_office_keeps_its_market_records_and_the_server_checks_deliveries(
    world: World,
) -> None:
    """The victim's office changes its own channel and contract; a delivery outside the
    contract's period, or more delivered than agreed without a reason, is refused by the
    server with the forms' Persian message (common.rules)."""
    v = world.theirs.ids
    old = world.theirs.rows["purchase_contract"]["deliveries"]
    more = '[{"day": "2024-07-01", "quantity": 100, "note": ""}, {"day": "2024-08-01", "quantity": 50, "note": ""}]'
    outside = '[{"day": "2025-07-01", "quantity": 100, "note": ""}]'
    over = '[{"day": "2024-07-01", "quantity": 900, "note": ""}]'
    results = push(
        world.client,
        world.victim,
        rows.update("sales_channel", v["sales_channel"], 1, active=[True, False]),
        rows.update("purchase_contract", v["purchase_contract"], 1, deliveries=[old, more]),
        rows.update("purchase_contract", v["purchase_contract"], 2, deliveries=[more, outside]),
        rows.update("purchase_contract", v["purchase_contract"], 2, deliveries=[more, over]),
    )
    assert [r["status"] for r in results] == ["applied", "applied", "rejected", "rejected"]
    assert "دوره قرارداد" in results[2]["reason"]
    assert "دلیل" in results[3]["reason"]
