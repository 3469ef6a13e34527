"""The change feed an office pulls (docs/sync-protocol.md, "Pull").

Records in the office's scope with ``server_seq`` after the cursor, in feed order, each
once at its latest state (tombstones included), the office's own records (its staff
accounts: ``record.owner_office``, seen by no other office), and the records that left
its scope (``left_scope``). A record folded into another (the same holder registered twice)
arrives as a tombstone naming what it became (``merged_into``).

A page is read in several statements, and each may see a later snapshot (PostgreSQL's
READ COMMITTED, SQLite's reads outside a transaction). So the pull first reads where the
feed ends — the ``server_seq`` counter, which a writer stores in the transaction that
commits its rows, while holding the counter's lock (server.feed) — and reads nothing
numbered after it: every row numbered up to there is committed, and none can still
come with a smaller number. Without that bound, a writer committing a record and then a
scope exit between the two reads would move the cursor past the record unseen
(docs/sync-protocol.md, "Several server processes").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.lookup import key_conditions
from server.models import Office, Record, RecordScope, ScopeExit, SyncCounter
from server.records import data_of


@dataclass(frozen=True)
class Page:
    """One page of the change feed."""

    changes: list[dict[str, Any]]
    cursor: int
    has_more: bool


def scoped(query: Any, model: Any, office: Office) -> Any:
    """``query`` of ``model`` (RecordScope, ScopeExit) limited to what ``office`` sees."""
    if office.county_code is not None:
        return query.where(model.county_code == office.county_code)
    return query.where(model.province_code == office.province_code)


def _owned(office: Office) -> Any:
    """The office's own records (staff accounts), by their owner: no scope sees them."""
    return select(Record.server_seq, Record.table_name, Record.id).where(
        Record.owner_office == office.id
    )


#: The columns of a record the feed carries (plain rows: no ORM objects to build).
FEED_COLUMNS = (
    Record.table_name,
    Record.id,
    Record.rev,
    Record.deleted,
    Record.server_seq,
    Record.data,
    Record.merged_into,
)


def change_of(row: Any) -> dict[str, Any]:
    """A record (or a row of FEED_COLUMNS) as the feed carries it
    (common.protocol.PullChange)."""
    return {
        "table": row.table_name,
        "id": row.id,
        "rev": row.rev,
        "deleted": row.deleted,
        "left_scope": False,
        "server_seq": row.server_seq,
        "data": data_of(row),
        "merged_into": row.merged_into,
    }


def changes_after(session: Session, office: Office, since: int) -> bool:
    """Whether the office's feed holds anything after ``since`` (three indexed probes)."""
    for model in (RecordScope, ScopeExit):
        probe = scoped(select(model.server_seq).where(model.server_seq > since), model, office)
        if session.execute(probe.limit(1)).first() is not None:
            return True
    owned = _owned(office).where(Record.server_seq > since)
    return session.execute(owned.limit(1)).first() is not None


def feed_end(session: Session) -> int:
    """The last ``server_seq`` committed: every row numbered up to it is committed."""
    end = session.execute(
        select(SyncCounter.value).where(SyncCounter.name == "server_seq")
    ).scalar_one_or_none()
    return int(end or 0)


def pull(session: Session, office: Office, since: int, limit: int) -> Page:
    """The office's records changed after ``since``, in ``server_seq`` order, and the
    records that left its scope (``left_scope``); nothing after the feed's end as it was
    when the pull began (module docstring)."""
    end = feed_end(session)
    visible = session.execute(
        scoped(
            select(RecordScope.server_seq, RecordScope.table_name, RecordScope.id).where(
                RecordScope.server_seq > since, RecordScope.server_seq <= end
            ),
            RecordScope,
            office,
        )
        .order_by(RecordScope.server_seq)
        .limit(limit + 1)
    ).all()
    exits = session.execute(
        scoped(
            select(ScopeExit.server_seq, ScopeExit.table_name, ScopeExit.id).where(
                ScopeExit.server_seq > since, ScopeExit.server_seq <= end
            ),
            ScopeExit,
            office,
        )
        .order_by(ScopeExit.server_seq)
        .limit(limit + 1)
    ).all()
    owned = session.execute(
        _owned(office)
        .where(Record.server_seq > since, Record.server_seq <= end)
        .order_by(Record.server_seq)
        .limit(limit + 1)
    ).all()
    entries: dict[tuple[int, str, str], bool] = {}  # (seq, table, id) → left scope
    for seq, table, row_id in (*visible, *owned):
        entries[(seq, table, row_id)] = False  # a province sees a record once per county
    for seq, table, row_id in exits:
        entries[(seq, table, row_id)] = True
    ordered = sorted(entries.items())
    lists = (visible, exits, owned)
    has_more = any(len(rows) > limit for rows in lists) or len(ordered) > limit
    # Stop before the first entry past any list's end: nothing beyond it is known.
    horizon = min([rows[-1][0] for rows in lists if len(rows) > limit], default=None)
    page = [item for item in ordered if horizon is None or item[0][0] < horizon][:limit]
    keys = [(table, row_id) for (_seq, table, row_id), left in page if not left]
    gone = [(table, row_id) for (_seq, table, row_id), left in page if left]
    still_visible = {
        (row.table_name, row.id)
        for condition in key_conditions((RecordScope.table_name, RecordScope.id), gone)
        for row in session.scalars(
            scoped(select(RecordScope).where(*condition), RecordScope, office)
        )
    }
    records = {
        (row.table_name, row.id): row
        for condition in key_conditions((Record.table_name, Record.id), keys)
        for row in session.execute(select(*FEED_COLUMNS).where(*condition))
    }
    changes: list[dict[str, Any]] = []
    for (seq, table, row_id), left in page:
        if left and (table, row_id) in still_visible:
            continue  # it moved within this office's scope (e.g. between two counties)
        if left:
            changes.append(
                {
                    "table": table,
                    "id": row_id,
                    "rev": 0,
                    "deleted": False,
                    "left_scope": True,
                    "server_seq": seq,
                    "data": {},
                    "merged_into": None,
                }
            )
            continue
        row = records.get((table, row_id))
        if row is None or row.server_seq != seq:
            continue
        changes.append(change_of(row))
    cursor = page[-1][0][0] if page else since
    return Page(changes, cursor, has_more and bool(page))
