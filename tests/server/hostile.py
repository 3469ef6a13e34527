"""A victim office's records and a hostile office that knows every id of them.

Used by the hostile-office suite (test_hostile_office.py) and its property test: the
victim (Shemiranat) has one record of every synced table; the attacker (Rey, same
province) has its own set, and speaks the API with its own valid token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from server.models import Record, RecordScope
from tests.server import rows
from tests.server.rows import county_of, pull_all, push

Enrolled = Any


@dataclass
class Records:
    """One record of every synced table, by table (plus a supporter's licence and
    holder, and a member's holder)."""

    county: str
    ids: dict[str, str] = field(default_factory=dict)
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, name: str, table: str, row: dict[str, Any]) -> dict[str, Any]:
        self.ids[name] = rows.new_id()
        self.rows[name] = row
        return rows.insert(table, self.ids[name], row)


#: Record name → its table.
TABLES = {
    "person": "person",
    "licence": "licence",
    "licence_history": "licence_history",
    "certificate_issue": "certificate_issue",
    "supporter_holder": "person",
    "supporter_licence": "licence",
    "supporter": "supporter",
    "member_holder": "person",
    "network_member": "network_member",
    "event": "event",
    "event_participant": "event_participant",
    "event_attendance": "event_attendance",
    "closure_day": "closure_day",
    "account": "account",
    "facility_case": "facility_case",
    "sales_channel": "sales_channel",
    "purchase_contract": "purchase_contract",
}


def build_records(client: TestClient, office: Enrolled, county: str) -> Records:
    """Push one record of every synced table for ``office``; all are applied."""
    r = Records(county)
    ops = [r.add("person", "person", rows.person_row())]
    ops.append(r.add("licence", "licence", rows.licence_row(r.ids["person"], county)))
    ops.append(r.add("licence_history", "licence_history", rows.history_row(r.ids["licence"])))
    ops.append(
        r.add("certificate_issue", "certificate_issue", rows.certificate_row(r.ids["licence"]))
    )
    ops.append(r.add("supporter_holder", "person", rows.person_row(last_name="پشتیبان")))
    ops.append(
        r.add(
            "supporter_licence",
            "licence",
            rows.licence_row(r.ids["supporter_holder"], county, kind="supporter"),
        )
    )
    ops.append(
        r.add(
            "supporter",
            "supporter",
            rows.supporter_row(r.ids["supporter_licence"], county),
        )
    )
    ops.append(r.add("member_holder", "person", rows.person_row(last_name="عضو")))
    ops.append(
        r.add(
            "network_member",
            "network_member",
            rows.member_row(r.ids["supporter"], r.ids["member_holder"], county),
        )
    )
    ops.append(
        r.add("event", "event", rows.event_row(county, organiser_supporter_id=r.ids["supporter"]))
    )
    ops.append(
        r.add(
            "event_participant",
            "event_participant",
            rows.participant_row(r.ids["event"], r.ids["person"]),
        )
    )
    ops.append(
        r.add(
            "event_attendance",
            "event_attendance",
            rows.attendance_row(r.ids["event"], r.ids["event_participant"]),
        )
    )
    ops.append(r.add("closure_day", "closure_day", rows.closure_row(county)))
    ops.append(r.add("sales_channel", "sales_channel", rows.channel_row(r.ids["person"], county)))
    ops.append(
        r.add(
            "purchase_contract",
            "purchase_contract",
            rows.contract_row(
                county, buyer_supporter_id=r.ids["supporter"], seller_person_id=r.ids["person"]
            ),
        )
    )
    ops.append(r.add("account", "account", rows.account_row()))  # the office's first head
    ops.append(
        r.add(
            "facility_case",
            "facility_case",
            rows.facility_row(
                r.ids["licence"], r.ids["person"], county, supporter_id=r.ids["supporter"]
            ),
        )
    )
    results = push(client, office, *ops)
    assert [result["status"] for result in results] == ["applied"] * len(ops), results
    return r


@dataclass
class World:
    """The victim's records and the attacker's, on one server."""

    client: TestClient
    engine: Engine
    victim: Enrolled
    attacker: Enrolled
    theirs: Records  # the victim's
    mine: Records  # the attacker's

    def snapshot(self) -> dict[tuple[str, str], Any]:
        """Everything the server holds about the victim's records."""
        keys = {(TABLES[name], row_id) for name, row_id in self.theirs.ids.items()}
        with Session(self.engine) as session:
            records = {
                (r.table_name, r.id): (r.rev, r.data, r.deleted, r.province_code, r.county_code)
                for r in session.scalars(select(Record))
                if (r.table_name, r.id) in keys
            }
            scopes = sorted(
                (s.table_name, s.id, s.province_code, s.county_code)
                for s in session.scalars(select(RecordScope))
                if (s.table_name, s.id) in keys
            )
        assert len(records) == len(keys)
        return {**records, ("scopes", ""): scopes}

    def victim_ids(self) -> set[str]:
        return set(self.theirs.ids.values())

    def as_attackers_head(self, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``ops`` made by the attacker's head of office (the strongest of its accounts)."""
        return [{"account_id": self.mine.ids["account"], **op} for op in ops]

    def attacker_sees(self) -> set[str]:
        return {change["id"] for change in pull_all(self.client, self.attacker)}


def make_world(client: TestClient, engine: Engine, enrol: Callable[..., Enrolled]) -> World:
    victim = enrol("تهران", "شمیرانات", "اداره شمیرانات")
    attacker = enrol("تهران", "ری", "اداره ری")
    theirs = build_records(client, victim, county_of(client, victim))
    mine = build_records(client, attacker, county_of(client, attacker))
    return World(client, engine, victim, attacker, theirs, mine)
