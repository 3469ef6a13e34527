"""The rows ``make load``'s desks push (bench/load.py): valid holders, licences, history
entries and certificates of a desk's county, numbered so no two desks ever collide."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any, Protocol

from common.reference import reference_id, reference_rows
from common.validators import national_id_check_digit

FIRST = ("مریم", "زهرا", "فاطمه", "علی", "رضا", "حسین", "نرگس", "محمد", "سارا", "مهدی")
LAST = ("کریمی", "احمدی", "محمدی", "رضایی", "حسینی", "موسوی", "جعفری", "صادقی")


class Desk(Protocol):
    """What the rows need of a desk: its number and its county's amar code."""

    number: int
    county: str


class Rows:
    """Valid rows of a county office, numbered so no two desks ever collide."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.serial = 0
        self.field_ids = [str(r["id"]) for r in reference_rows()["business_field"][:40]]
        self.today = dt.date.today()

    def _next(self) -> int:
        self.serial += 1
        return self.serial

    def operations(self, desk: Desk, count: int) -> list[dict[str, Any]]:
        """``count`` insert operations: holders, their licences with the history entry,
        and a certificate for each licence, in an order the server accepts."""
        ops: list[dict[str, Any]] = []
        while len(ops) < count:
            ops.extend(self._licence(desk))
        return ops[:count]

    def _licence(self, desk: Desk) -> list[dict[str, Any]]:
        n = self._next()
        tag = f"{desk.number:04d}{n:07d}"
        first9 = f"{100_000_000 + n:09d}"
        person_id, licence_id = str(uuid.uuid4()), str(uuid.uuid4())
        issued = self.today - dt.timedelta(days=self.random.randrange(1, 900))
        at = f"{issued.isoformat()}T08:00:00+00:00"
        county_id = reference_id("county", desk.county)
        person = {
            "national_id": first9 + str(national_id_check_digit(first9)),
            "first_name": self.random.choice(FIRST),
            "last_name": self.random.choice(LAST),
            "father_name": self.random.choice(FIRST),
            "birth_date": f"{self.random.randrange(1960, 2002)}-03-01",
            "gender": self.random.choice(("F", "M")),
            "mobile": f"0912{self.random.randrange(10**7):07d}",
            "postal_code": "",
            "address": "خیابان امام، کوچه لاله",
        }
        licence = {
            "number": f"L{tag}",
            "unique_id": f"U{tag}",
            "person_id": person_id,
            "kind": "independent",
            "field_id": self.random.choice(self.field_ids),
            "county_id": county_id,
            "activity_address": "خیابان امام، کوچه لاله",
            "issue_date": issued.isoformat(),
            "expiry_date": (issued + dt.timedelta(days=1826)).isoformat(),
            "status": "active",
            "status_reason": "",
        }
        history = {
            "licence_id": licence_id,
            "at": at,
            "actor": "clerk",
            "action": "issued",
            "changes": "{}",
            "reason": "",
        }
        certificate = {
            "licence_id": licence_id,
            "serial": f"C{tag}",
            "issued_at": at,
            "actor": "clerk",
            "duplicate": False,
            "payload": f"DFT1.{tag}.load",
            "kind": "licence",
            "participant_id": None,
        }
        return [
            _insert("person", person_id, person),
            _insert("licence", licence_id, licence),
            _insert("licence_history", str(uuid.uuid4()), history),
            _insert("certificate_issue", str(uuid.uuid4()), certificate),
        ]


def _insert(table: str, row_id: str, row: dict[str, Any]) -> dict[str, Any]:
    return {
        "op_id": str(uuid.uuid4()),
        "table": table,
        "row_id": row_id,
        "op": "insert",
        "base_rev": 0,
        "changes": {column: [None, value] for column, value in row.items()},
    }
