"""Fast inserts of many validated holders and licences (import and demo data).

Rows arrive already validated. They are written through the DB-API cursor's
``executemany`` inside the caller's transaction, with the same side effects as
:class:`app.services.licences.service.LicenceService.issue`: sync columns, a history entry per
licence and an outbox operation per created row.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.models import new_id
from app.models.sync import OP_INSERT, OUTBOX_PENDING
from app.services.core.audit import note_appended
from app.services.core.changes import note_written
from app.services.core.outbox import actor_columns
from app.services.core.search_keys import licence_search_key
from app.services.licences.numbers import next_local_seq, unique_id_for
from app.services.licences.records import LICENCE_FIELDS


@dataclass
class NewPerson:
    """A holder to create (values already normalised)."""

    national_id: str
    first_name: str
    last_name: str
    father_name: str = ""
    birth_date: dt.date | None = None
    gender: str = ""
    mobile: str = ""
    postal_code: str = ""
    address: str = ""
    id: str = ""


@dataclass
class NewLicence:
    """A licence to create; ``person_id`` names an existing or a NewPerson's id."""

    person_id: str
    number: str
    kind: str
    field_id: str
    county_id: str
    activity_address: str
    issue_date: dt.date
    expiry_date: dt.date
    status: str = "active"
    status_reason: str = ""
    unique_id: str = ""
    id: str = ""


def _stamp(value: dt.datetime) -> str:
    """A datetime as SQLAlchemy's SQLite dialect stores it."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


#: The outbox columns every row has (then the actor columns: outbox.actor_columns).
_OUTBOX_COLUMNS = (
    "op_id",
    "table_name",
    "row_id",
    "op",
    "base_rev",
    "changes",
    "created_at",
    "state",
    "error",
)


def _outbox(table: str, row_id: str, stamp: str, who: tuple[str, ...]) -> tuple[Any, ...]:
    """One outbox row; ``who``: the values of :data:`_OUTBOX_COLUMNS`' actor columns."""
    # Inserts carry no snapshot: the pusher sends the row as it is at push time.
    return (new_id(), table, row_id, OP_INSERT, 0, "{}", stamp, OUTBOX_PENDING, "", *who)


def insert_people_and_licences(
    session: Session,
    people: Sequence[NewPerson],
    licences: Sequence[NewLicence],
    *,
    office_id: str,
    actor: str,
    action: str,
    person_names: dict[str, tuple[str, str, str, str]] | None = None,
) -> None:
    """Insert new holders and licences with their history and outbox entries.

    ``person_names`` gives (first, last, national_id, mobile) for existing holders that
    new licences refer to (for their search keys); new people are looked up directly.
    """
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    stamp = _stamp(now)
    actors = actor_columns(session)
    who = tuple(actors.values())
    columns = [*_OUTBOX_COLUMNS, *actors]
    names = dict(person_names or {})
    person_rows = []
    outbox_rows = []
    for p in people:
        p.id = p.id or new_id()
        names[p.id] = (p.first_name, p.last_name, p.national_id, p.mobile)
        person_rows.append(
            (
                p.id,
                1,
                stamp,
                office_id,
                0,
                p.national_id,
                p.first_name,
                p.last_name,
                p.father_name,
                p.birth_date.isoformat() if p.birth_date else None,
                p.gender,
                p.mobile,
                p.postal_code,
                p.address,
            )
        )
        outbox_rows.append(_outbox("person", p.id, stamp, who))
    seq = next_local_seq(session)
    licence_rows = []
    history_rows = []
    for offset, lic in enumerate(licences):
        lic.id = lic.id or new_id()
        lic.unique_id = lic.unique_id or unique_id_for(lic.id)
        first, last, nid, mobile = names[lic.person_id]
        licence_rows.append(
            (
                lic.id,
                1,
                stamp,
                office_id,
                0,
                lic.number,
                lic.unique_id,
                lic.person_id,
                lic.kind,
                lic.field_id,
                lic.county_id,
                lic.activity_address,
                lic.issue_date.isoformat(),
                lic.expiry_date.isoformat(),
                lic.status,
                lic.status_reason,
                licence_search_key(first, last, nid, lic.number, mobile),
                seq + offset,
            )
        )
        outbox_rows.append(_outbox("licence", lic.id, stamp, who))
        changes = {
            name: [None, value.isoformat() if isinstance(value, dt.date) else value]
            for name in (*LICENCE_FIELDS, "status")
            if (value := getattr(lic, name)) not in ("", None)
        }
        history_id = new_id()
        history_rows.append(
            (
                history_id,
                1,
                stamp,
                office_id,
                0,
                lic.id,
                stamp,
                actor,
                action,
                json.dumps(changes, ensure_ascii=False),
                lic.status_reason,
            )
        )
        outbox_rows.append(_outbox("licence_history", history_id, stamp, who))
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(
            "INSERT INTO person (id, rev, updated_at, origin_office, deleted, national_id, "
            "first_name, last_name, father_name, birth_date, gender, mobile, postal_code, "
            "address) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            person_rows,
        )
        cursor.executemany(
            "INSERT INTO licence (id, rev, updated_at, origin_office, deleted, number, "
            "unique_id, person_id, kind, field_id, county_id, activity_address, issue_date, "
            "expiry_date, status, status_reason, search_key, local_seq) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            licence_rows,
        )
        cursor.executemany(
            "INSERT INTO licence_history (id, rev, updated_at, origin_office, deleted, "
            "licence_id, at, actor, action, changes, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            history_rows,
        )
        cursor.executemany(
            f"INSERT INTO outbox ({', '.join(columns)}) VALUES ({','.join('?' * len(columns))})",
            outbox_rows,
        )
    finally:
        cursor.close()
    if person_rows:
        note_written(session, "person", "outbox")
    if licence_rows:
        note_written(session, "licence", "licence_history", "outbox")
        note_appended(session, "licence_history", (row[0] for row in history_rows))
