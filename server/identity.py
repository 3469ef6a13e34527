"""Natural keys of records, and identities shared between offices.

Every live record's natural keys are indexed in ``record_key``: a holder's national ID, a
supporter's legal ID, a licence's number and unique ID, a certificate's serial, an
event's code. One record holds a key at a time.

- For a holder's national ID and a supporter's legal ID the key *is* the identity: two
  offices that register the same person offline make two ids for one person. The second
  id becomes an alias of the first (``record_alias``) and its data is merged into it
  field by field (server.push); every later operation or reference naming the alias is
  applied to the canonical record.
- Any other key held twice (a licence number, serial or code) is refused: numbers come
  from pools and codes carry the office's tag, so a duplicate is an error.

The verification page finds licences and certificates by these keys (find_record).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server import lookup
from server.models import Record, RecordAlias, RecordKey

#: Natural keys per table (columns of the record's data).
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "person": ("national_id",),
    "supporter": ("legal_id",),
    "licence": ("number", "unique_id"),
    "certificate_issue": ("serial",),
    "event": ("code",),
}
#: The key that is a record's identity (a second holder is the same record).
IDENTITY_KEYS: dict[str, str] = {"person": "national_id", "supporter": "legal_id"}
#: Columns that name a record of an identity table (mapped through aliases on the way in).
IDENTITY_REFERENCES: dict[str, dict[str, str]] = {
    "licence": {"person_id": "person"},
    "network_member": {"person_id": "person", "supporter_id": "supporter"},
    "event_participant": {"person_id": "person"},
    "event": {"organiser_supporter_id": "supporter"},
    "facility_case": {"person_id": "person", "supporter_id": "supporter"},
    "sales_channel": {"person_id": "person"},
    "purchase_contract": {
        "buyer_supporter_id": "supporter",
        "seller_person_id": "person",
        "seller_supporter_id": "supporter",
    },
}
_MAX_KEY = 64


def key_values(table: str, data: Mapping[str, Any]) -> dict[str, str]:
    """The natural keys a row of ``table`` holds (empty values hold none)."""
    found: dict[str, str] = {}
    for column in NATURAL_KEYS.get(table, ()):
        value = data.get(column)
        if isinstance(value, str) and value.strip() and len(value.strip()) <= _MAX_KEY:
            found[column] = value.strip()
    return found


def holder(session: Session, table: str, key_name: str, value: str) -> str | None:
    """The id of the live record holding a key, if any."""
    row = lookup.get(session, RecordKey, (table, key_name, value))
    return row.record_id if row is not None else None


def find_record(session: Session, table: str, key_name: str, value: str) -> Record | None:
    """The live record of ``table`` holding a natural key (e.g. a licence by unique ID)."""
    record_id = holder(session, table, key_name, value.strip())
    return lookup.get(session, Record, (table, record_id)) if record_id is not None else None


def index_keys(
    session: Session, record: Record, data: Mapping[str, Any], *, new: bool = False
) -> None:
    """Make ``record_key`` list exactly the keys the record holds now (none when it is a
    tombstone). The push refuses or folds a key another record holds before writing;
    should one still be held, the first holder keeps it."""
    if record.table_name not in NATURAL_KEYS:
        return
    wanted = {} if record.deleted else key_values(record.table_name, data)
    current: dict[str, RecordKey] = {}
    if not new:
        current = {
            row.key_name: row
            for row in session.scalars(
                select(RecordKey).where(
                    RecordKey.table_name == record.table_name, RecordKey.record_id == record.id
                )
            )
        }
    stale = [row for name, row in current.items() if wanted.get(name) != row.key_value]
    for row in stale:
        session.delete(row)
    if stale:
        session.flush()
    for name, value in wanted.items():
        if name in current and current[name].key_value == value:
            continue
        if holder(session, record.table_name, name, value) is None:
            session.add(
                RecordKey(
                    table_name=record.table_name,
                    key_name=name,
                    key_value=value,
                    record_id=record.id,
                )
            )


def drop_keys(session: Session, table: str, record_id: str) -> None:
    """Release every key of a record (it was folded into another)."""
    session.execute(
        delete(RecordKey).where(RecordKey.table_name == table, RecordKey.record_id == record_id)
    )


def canonical_id(session: Session, table: str, row_id: str) -> str:
    """The id a record of an identity table goes by (itself unless it is an alias)."""
    if table not in IDENTITY_KEYS:
        return row_id
    alias = lookup.get(session, RecordAlias, (table, row_id))
    return alias.canonical_id if alias is not None else row_id


def add_alias(session: Session, table: str, alias_id: str, canonical: str, office_id: str) -> None:
    """Record that ``alias_id`` names ``canonical`` (aliases of the alias follow)."""
    session.add(
        RecordAlias(
            table_name=table, alias_id=alias_id, canonical_id=canonical, office_id=office_id
        )
    )
    for older in session.scalars(
        select(RecordAlias).where(
            RecordAlias.table_name == table, RecordAlias.canonical_id == alias_id
        )
    ):
        older.canonical_id = canonical
    session.flush()
