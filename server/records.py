"""What the server knows about synced tables, and the values a push carries.

Every synced row lives in ``record`` (server.models) as JSON of its synced columns. This
module names the tables, their home and reference columns, the operation and result
types of a push, and the small helpers the push (server.push), the scope rules
(server.policy, server.visibility) and the pull (server.pull) share.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from common.audit_chain import APPEND_ONLY_TABLES
from common.protocol import OperationKind, PushStatus
from common.reference import reference_id
from server.models import Office, Record
from server.offices import load_reference

#: Tables offices may write.
SYNCED_TABLES = frozenset(
    {
        "person",
        "licence",
        "licence_history",
        "certificate_issue",
        "supporter",
        "network_member",
        "event",
        "event_participant",
        "event_attendance",
        "closure_day",
        "account",
        "facility_case",
        "sales_channel",
        "purchase_contract",
    }
)
#: Tables whose rows belong to one office: seen and changed by that office alone
#: (``record.owner_office``), never by county or province scope — not by another office
#: of the same county, nor by the province office above it. A staff account.
OFFICE_OWNED = frozenset({"account"})
#: Reference tables: central wins, read-only for offices.
REFERENCE_TABLES = frozenset({"province", "county", "field_group", "business_field"})
#: Columns never stored in ``record.data`` (row identity, revision, local-only columns).
NOT_DATA = frozenset(
    {"id", "rev", "deleted", "updated_at", "server_seq", "local_seq", "search_key"}
)
#: Tables whose own county column (the client's reference id of the county) is their
#: home scope.
COUNTY_COLUMN = {
    "licence": "county_id",
    "supporter": "county_id",
    "network_member": "county_id",
    "event": "county_id",
    "closure_day": "county_id",
    "facility_case": "county_id",
    "sales_channel": "county_id",
    "purchase_contract": "county_id",
}
#: Tables seen wherever their parent is: (column, parent table) pairs, the first one set
#: wins (an attendance certificate has no licence but a participant).
PARENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "licence_history": (("licence_id", "licence"),),
    "certificate_issue": (("licence_id", "licence"), ("participant_id", "event_participant")),
    "network_member": (("supporter_id", "supporter"),),
    "event_participant": (("event_id", "event"),),
    "event_attendance": (("event_id", "event"),),
}
#: The columns whose first value set is kept in ``record.link_id``: a follower's parent,
#: a licence's holder, a supporter's licence (seen wherever the supporter is), an
#: event's organiser (a supporter seen wherever the event is).
LINK_COLUMN: dict[str, tuple[str, ...]] = {
    "licence": ("person_id",),
    "supporter": ("licence_id",),
    "event": ("organiser_supporter_id",),
    "purchase_contract": ("seller_supporter_id", "buyer_supporter_id"),
    **{table: tuple(column for column, _parent in pairs) for table, pairs in PARENTS.items()},
}
#: Rows that make a person visible wherever they are seen (``record.person_link``).
PERSON_COLUMN = {
    "licence": "person_id",
    "network_member": "person_id",
    "event_participant": "person_id",
    "sales_channel": "person_id",
    "purchase_contract": "seller_person_id",
}
#: The table of the row ``link_id`` names, for rows whose existence (not scope) decides
#: where that row is seen: a supporter's licence, a network member's or an event's
#: supporter.
PULLS_LINK = {
    "supporter": "licence",
    "network_member": "supporter",
    "event": "supporter",
    "purchase_contract": "supporter",
}
#: Follower tables of each parent table (their ``link_id`` is the parent's id).
CHILDREN: dict[str, tuple[str, ...]] = {}
for _table, _pairs in PARENTS.items():
    for _column, _parent in _pairs:
        CHILDREN[_parent] = (*CHILDREN.get(_parent, ()), _table)
#: Every column that names another synced row, with the table it names.
REFERENCES: dict[str, dict[str, str]] = {
    "licence": {"person_id": "person"},
    "licence_history": {"licence_id": "licence"},
    "certificate_issue": {"licence_id": "licence", "participant_id": "event_participant"},
    "supporter": {"licence_id": "licence"},
    "network_member": {"supporter_id": "supporter", "person_id": "person"},
    "event": {"organiser_supporter_id": "supporter"},
    "event_participant": {"event_id": "event", "person_id": "person"},
    "event_attendance": {"event_id": "event", "participant_id": "event_participant"},
    "facility_case": {"licence_id": "licence", "person_id": "person", "supporter_id": "supporter"},
    "sales_channel": {"person_id": "person"},
    "purchase_contract": {
        "buyer_supporter_id": "supporter",
        "seller_person_id": "person",
        "seller_supporter_id": "supporter",
    },
}
#: Tables that accept inserts only: a history entry or a certificate log entry is never
#: changed, re-pointed or deleted.
APPEND_ONLY = APPEND_ONLY_TABLES
#: Columns fixed once a row exists: the rows an attendance mark, a participant or a
#: membership belongs to (a new membership or registration is a new row).
IMMUTABLE_COLUMNS: dict[str, frozenset[str]] = {
    "network_member": frozenset({"supporter_id", "person_id"}),
    "event_participant": frozenset({"event_id"}),
    "event_attendance": frozenset({"event_id", "participant_id", "day"}),
}


@dataclass(frozen=True)
class Operation:
    """One outbox operation as pushed."""

    op_id: str
    table: str
    row_id: str
    op: OperationKind
    base_rev: int
    changes: Mapping[str, Sequence[Any]]
    #: Who made it at the office (recorded in applied_op): account id and name, desk.
    account_id: str = ""
    actor: str = ""
    desk_id: str = ""


@dataclass
class Result:
    """The answer for one operation."""

    op_id: str
    status: PushStatus
    rev: int | None = None
    server_seq: int | None = None
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    reason: str | None = None
    reason_en: str | None = None
    original_status: str | None = None
    #: The record the operation was applied to, when not the one it named (the same
    #: holder or supporter was already registered by another office).
    canonical_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "op_id": self.op_id,
            "status": self.status,
            "rev": self.rev,
            "server_seq": self.server_seq,
            "conflicts": self.conflicts,
            "reason": self.reason,
            "reason_en": self.reason_en,
            "original_status": self.original_status,
            "canonical_id": self.canonical_id,
        }


class Rejected(Exception):
    """An operation the server refuses; the client quarantines it with the reason."""

    def __init__(self, code: str, reason: str, reason_en: str) -> None:
        super().__init__(reason_en)
        self.code = code
        self.reason = reason
        self.reason_en = reason_en


def out_of_scope() -> Rejected:
    return Rejected(
        "out_of_scope",
        "خارج از حوزه این اداره",
        "The record is outside this office's scope.",
    )


# --- scope keys -----------------------------------------------------------------------

ScopeKey = tuple[str, str | None]  # (province code, county code or None)


@functools.cache
def county_scopes() -> dict[str, ScopeKey]:
    """County reference id (as clients compute it) → (province code, county code)."""
    reference = load_reference()
    return {
        reference_id("county", place.code): (province_code, place.code)
        for province_code, counties in reference.counties.items()
        for place in counties.values()
    }


def office_scope(office: Office) -> ScopeKey:
    return (office.province_code, office.county_code)


def in_scope(office: Office, scope: ScopeKey) -> bool:
    """Whether a record of ``scope`` belongs to the office's county (or province)."""
    province, county = scope
    if office.county_code is not None:
        return county == office.county_code
    return province == office.province_code


def county_scope(county_id: Any) -> ScopeKey:
    scope = county_scopes().get(str(county_id)) if isinstance(county_id, str) else None
    if scope is None:
        raise Rejected(
            "unknown_county",
            "شهرستان این رکورد در داده‌های پایه نیست.",
            f"Unknown county id {county_id!r}.",
        )
    return scope


def home(record: Record) -> ScopeKey:
    return (record.province_code, record.county_code)


# --- values ---------------------------------------------------------------------------


def link_value(value: Any) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= 36 else None


def parent_key(table: str, data: Mapping[str, Any]) -> tuple[str, str] | None:
    """The (table, id) a follower row is seen with, from its data."""
    for column, parent in PARENTS.get(table, ()):
        value = link_value(data.get(column))
        if value is not None:
            return (parent, value)
    return None


def links(table: str, data: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """A row's ``link_id`` and ``person_link`` from its data."""
    link = next(
        (
            value
            for column in LINK_COLUMN.get(table, ())
            if (value := link_value(data.get(column))) is not None
        ),
        None,
    )
    person_column = PERSON_COLUMN.get(table)
    person = link_value(data.get(person_column)) if person_column is not None else None
    return link, person


def new_value(op: Operation, column: str) -> Any:
    change = op.changes.get(column)
    return change[1] if change is not None and len(change) == 2 else None


def changes_of(op: Operation) -> dict[str, tuple[Any, Any]]:
    """The op's changes to stored columns, as (old, new)."""
    return {
        col: (change[0], change[1])
        for col, change in op.changes.items()
        if col not in NOT_DATA and len(change) == 2
    }


def data_of(record: Record) -> dict[str, Any]:
    loaded = json.loads(record.data)
    return loaded if isinstance(loaded, dict) else {}


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
