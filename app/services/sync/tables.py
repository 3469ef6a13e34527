"""The synced tables as the sync client sees them: their models, the kind of record each
holds, how pulled values become column values, which local fields still wait in the
outbox, and what follows when sync writes rows (search keys, the kinds it changed).

Shared by the push (app.services.sync.push), the pull (app.services.sync.pull), the
folding of holders registered twice (app.services.sync.identity) and the conflict
review (app.services.sync.review).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Select, Table, select
from sqlalchemy.orm import Session

from app.models import (
    Account,
    CertificateIssue,
    ClosureDay,
    Event,
    EventAttendance,
    EventParticipant,
    FacilityCase,
    Licence,
    LicenceHistory,
    NetworkMember,
    OutboxOperation,
    Person,
    PurchaseContract,
    SalesChannel,
    Supporter,
    SyncMixin,
)
from app.services.core.outbox import TABLE_LOCAL_COLUMNS
from app.services.core.search_keys import refresh_network_search_keys, refresh_search_keys

#: Synced tables, parents first (each table's foreign keys point at tables above it),
#: and their models.
MODELS: dict[str, type[SyncMixin]] = {
    "person": Person,
    "licence": Licence,
    "supporter": Supporter,
    "network_member": NetworkMember,
    "event": Event,
    "event_participant": EventParticipant,
    "event_attendance": EventAttendance,
    "closure_day": ClosureDay,
    "sales_channel": SalesChannel,
    "purchase_contract": PurchaseContract,
    "licence_history": LicenceHistory,
    "certificate_issue": CertificateIssue,
    "account": Account,
    "facility_case": FacilityCase,
}
#: Unique columns besides the id: two offices (two desks of one office, for an account's
#: username) offline may both use the same value.
UNIQUE_COLUMNS = {
    "account": ("username",),
    "person": ("national_id",),
    "licence": ("number", "unique_id"),
    "event": ("code",),
    "certificate_issue": ("serial",),
}
#: Tables with a local search key (not synced; rebuilt from the row after a pull).
SEARCH_KEY_TABLES = frozenset({"licence", "supporter", "event"})
#: Columns a pulled row never sets (local-only, or set from the change's envelope).
LOCAL_ONLY = frozenset({"local_seq", "search_key", "updated_at"})

# --- the kinds of records -------------------------------------------------------------

#: The kinds of records the screens show and refresh (the register, the supporters, the
#: events: the values app.views.context emits as "records changed").
LICENCES = "licences"
SUPPORTERS = "supporters"
EVENTS = "events"
ACCOUNTS = "accounts"
FACILITIES = "facilities"
MARKETS = "markets"
#: The kind of record each synced table holds: a holder, a licence's history and its
#: certificate log belong to the register; a network member to its supporter; a
#: participant, an attendance mark and a closure day to the events.
KINDS: dict[str, str] = {
    "person": LICENCES,
    "licence": LICENCES,
    "licence_history": LICENCES,
    "certificate_issue": LICENCES,
    "supporter": SUPPORTERS,
    "network_member": SUPPORTERS,
    "event": EVENTS,
    "event_participant": EVENTS,
    "event_attendance": EVENTS,
    "closure_day": EVENTS,
    "account": ACCOUNTS,
    "facility_case": FACILITIES,
    "sales_channel": MARKETS,
    "purchase_contract": MARKETS,
}
#: Records other kinds show, and how to find whether any of them shows given rows: a
#: holder appears in the networks it is a member of, on the page of the supporter whose
#: licence it holds and among the participants of events; a licence on its supporter's.
_SHOWN_BY: dict[str, tuple[tuple[str, Callable[[Sequence[str]], Select[Any]]], ...]] = {
    "person": (
        (SUPPORTERS, lambda ids: select(NetworkMember.id).where(NetworkMember.person_id.in_(ids))),
        (
            SUPPORTERS,
            lambda ids: (
                select(Supporter.id)
                .join(Licence, Licence.id == Supporter.licence_id)
                .where(Licence.person_id.in_(ids))
            ),
        ),
        (
            EVENTS,
            lambda ids: select(EventParticipant.id).where(EventParticipant.person_id.in_(ids)),
        ),
        (FACILITIES, lambda ids: select(FacilityCase.id).where(FacilityCase.person_id.in_(ids))),
        (MARKETS, lambda ids: select(SalesChannel.id).where(SalesChannel.person_id.in_(ids))),
        (
            MARKETS,
            lambda ids: select(PurchaseContract.id).where(
                PurchaseContract.seller_person_id.in_(ids)
            ),
        ),
    ),
    "licence": (
        (SUPPORTERS, lambda ids: select(Supporter.id).where(Supporter.licence_id.in_(ids))),
        (
            FACILITIES,
            lambda ids: select(FacilityCase.id).where(FacilityCase.licence_id.in_(ids)),
        ),
    ),
    "supporter": (
        (
            FACILITIES,
            lambda ids: select(FacilityCase.id).where(FacilityCase.supporter_id.in_(ids)),
        ),
        (
            MARKETS,
            lambda ids: select(PurchaseContract.id).where(
                PurchaseContract.seller_supporter_id.in_(ids)
                | PurchaseContract.buyer_supporter_id.in_(ids)
            ),
        ),
    ),
}


def kinds_of(session: Session, written: Mapping[str, Collection[str]]) -> set[str]:
    """The kinds of records that rows sync wrote (table → ids) change on screen: each
    table's kind, and the kinds of records that show them (a holder who is a network
    member changes the supporter's page too)."""
    kinds = {KINDS[table] for table, ids in written.items() if ids and table in KINDS}
    for table, shown_by in _SHOWN_BY.items():
        ids = list(written.get(table, ()))
        for kind, showing in shown_by:
            if ids and kind not in kinds and _any_row(session, showing, ids):
                kinds.add(kind)
    return kinds


def _any_row(
    session: Session, query: Callable[[Sequence[str]], Select[Any]], ids: Sequence[str]
) -> bool:
    return any(session.execute(query(chunk).limit(1)).first() for chunk in chunks(ids))


def rows_written(session: Session, written: Mapping[str, Collection[str]]) -> set[str]:
    """After sync wrote rows (table → ids): rebuild the local search keys that hold them
    (the register's, and supporters' and events' — a supporter's holds its licence's
    number and holder); returns the kinds of records they change (:func:`kinds_of`)."""
    session.flush()
    licences, people = written.get("licence", ()), written.get("person", ())
    refresh_search_keys(session, licence_ids=licences, person_ids=people)
    refresh_network_search_keys(
        session,
        supporter_ids=written.get("supporter", ()),
        event_ids=written.get("event", ()),
        licence_ids=licences,
        person_ids=people,
    )
    return kinds_of(session, written)


# --- value conversion -----------------------------------------------------------------


@functools.cache
def _columns(table: Table) -> dict[str, Any]:
    """The columns a pulled row may set, each with its decoder (None: as is)."""
    decoders: dict[str, Any] = {}
    local = LOCAL_ONLY | TABLE_LOCAL_COLUMNS.get(table.name, frozenset())
    for column in table.columns:
        if column.key in local:
            continue
        if isinstance(column.type, DateTime):
            decoders[column.key] = _as_datetime
        elif isinstance(column.type, Date):
            decoders[column.key] = _as_date
        elif isinstance(column.type, Boolean):
            decoders[column.key] = _as_bool
        else:
            decoders[column.key] = None
    return decoders


def _as_datetime(value: Any) -> Any:
    if isinstance(value, str):
        parsed = dt.datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return value


def _as_date(value: Any) -> Any:
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value


def _as_bool(value: Any) -> Any:
    return bool(value) if value is not None else value


def decode_row(model: type[Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """Pulled JSON values → column values of ``model``; unknown columns are dropped."""
    columns = _columns(model.__table__)
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in columns:
            decode = columns[key]
            values[key] = decode(value) if decode is not None and value is not None else value
    return values


def chunks(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    """``items`` in slices of ``size`` (SQL ``IN`` lists stay short)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def dump(value: Any) -> str:
    """A value as the local conflict and duplicate tables store it (JSON text)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


# --- local fields waiting to be pushed ------------------------------------------------

ALL_FIELDS = frozenset({"*"})


def pending_fields(
    session: Session, table: str, row_ids: Sequence[str], *, after_seq: int = 0
) -> dict[str, frozenset[str]]:
    """For rows with operations not yet accepted by the server (pending or quarantined,
    after outbox position ``after_seq``): the fields those operations change
    (ALL_FIELDS for an insert or delete)."""
    found: dict[str, set[str]] = defaultdict(set)
    for chunk in chunks(row_ids):
        for row_id, op, changes in session.execute(
            select(OutboxOperation.row_id, OutboxOperation.op, OutboxOperation.changes).where(
                OutboxOperation.table_name == table,
                OutboxOperation.row_id.in_(chunk),
                OutboxOperation.seq > after_seq,
            )
        ):
            if op != "update":
                found[row_id].add("*")
                continue
            try:
                found[row_id].update(json.loads(changes))
            except ValueError:
                found[row_id].add("*")
    return {
        row_id: (ALL_FIELDS if "*" in fields else frozenset(fields))
        for row_id, fields in found.items()
    }
