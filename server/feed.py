"""The change feed: writing a record and keeping where it is seen.

Writing a record gives it the next ``server_seq`` and keeps ``record_scope`` (every
county, or whole province, where the record is seen) and ``scope_exit`` (a county a
record left) up to date, following the rows whose visibility the written one decides.

Where a record is seen (its "wanted" scopes):
- licence: its county, and wherever a live supporter holding it is seen;
- supporter: its county, the county of each live member of its network, and of each
  live event it organises;
- event, closure_day: their county;
- followers (history entries, certificates, network members, event participants and
  attendance): wherever their parent is seen;
- person: wherever a live licence of theirs is seen (their home when they have none), and
  wherever a live network member or event participant naming them is;
- an office-owned record (a staff account): by its office alone (``record.owner_office``,
  no scope rows: server.pull reads it by owner).

``server_seq`` values come from the ``sync_counter`` row: :meth:`Feed.open` takes that
row's lock (so writers are serialised and the feed becomes visible in order) and
:meth:`Feed.close` stores the last number used.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select, tuple_, update
from sqlalchemy.orm import Session

from server import lookup
from server.identity import index_keys
from server.models import Record, RecordScope, ScopeExit, SyncCounter, utcnow
from server.records import (
    CHILDREN,
    COUNTY_COLUMN,
    OFFICE_OWNED,
    PARENTS,
    PERSON_COLUMN,
    PULLS_LINK,
    ScopeKey,
    data_of,
    home,
    links,
    parent_key,
)

#: Hot queries of the scope rules, built once. Row-value IN rather than a join, so both
#: databases start from the link index (SQLite would otherwise scan a table's scopes).
_SCOPES_OF = select(RecordScope.province_code, RecordScope.county_code).where(
    RecordScope.table_name == bindparam("table"), RecordScope.id == bindparam("row_id")
)
_PERSON_REFERRERS = select(
    RecordScope.table_name, RecordScope.province_code, RecordScope.county_code
).where(
    tuple_(RecordScope.table_name, RecordScope.id).in_(
        select(Record.table_name, Record.id).where(
            Record.person_link == bindparam("row_id"),
            Record.table_name.in_(tuple(PERSON_COLUMN)),
            Record.deleted.is_(False),
        )
    )
)
_SUPPORTERS_SCOPES = select(RecordScope.province_code, RecordScope.county_code).where(
    tuple_(RecordScope.table_name, RecordScope.id).in_(
        select(Record.table_name, Record.id).where(
            Record.link_id == bindparam("row_id"),
            Record.table_name == "supporter",
            Record.deleted.is_(False),
        )
    )
)


class Feed:
    """Writes records into the change feed within one transaction (the caller commits)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._seq = 0
        #: Where records are seen, as read or written by this feed: record_scope is
        #: written only here, and no other writer runs while the feed's lock is held
        #: (open). Forgotten when an operation's savepoint rolls back (server.push).
        self._seen: dict[tuple[str, str], frozenset[ScopeKey]] = {}

    def open(self) -> None:
        """Take the counter row's lock and read where the feed is.

        A real write opens the transaction (SQLite's driver only begins one on DML, and
        savepoints need it) and serialises writers. Holding the lock, writes are numbered
        in memory and the last number is stored once, by :meth:`close` (a rolled-back
        operation leaves a harmless gap).
        """
        self.session.execute(
            update(SyncCounter)
            .where(SyncCounter.name == "server_seq")
            .values(value=SyncCounter.value)
            .execution_options(synchronize_session=False)
        )
        self._seq = int(
            self.session.execute(
                select(SyncCounter.value).where(SyncCounter.name == "server_seq")
            ).scalar_one()
        )

    def close(self) -> None:
        self.session.execute(
            update(SyncCounter)
            .where(SyncCounter.name == "server_seq")
            .values(value=self._seq)
            .execution_options(synchronize_session=False)
        )

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def write(
        self,
        record: Record,
        office_id: str,
        *,
        moved: bool = False,
        flipped: bool = False,
        rekey: bool = False,
    ) -> None:
        """Give a new or changed record the next ``server_seq`` (and add a new one), and
        keep where it and the rows it decides are seen up to date. ``moved``: its county
        changed; ``flipped``: it was deleted, or brought back; ``rekey``: a natural key
        (national ID, number, ...) may have changed."""
        new = record not in self.session
        record.server_seq = self.next_seq()
        if new:
            self.session.add(record)
        record.updated_by_office = office_id
        record.updated_at = utcnow()
        if record.table_name in OFFICE_OWNED:
            return  # seen by its owner office alone (server.pull), never by scope
        old_links = (record.link_id, record.person_link)
        data = data_of(record)
        record.link_id, record.person_link = links(record.table_name, data)
        if new or flipped or rekey:
            index_keys(self.session, record, data, new=new)
        relinked = not new and (record.link_id, record.person_link) != old_links
        if new:
            self._add_scopes(record)
        elif moved or relinked:
            self.refresh_scopes(record)
        else:
            self._touch_scopes(record)
        if new or moved or relinked or flipped:
            # Rows seen where this one is (its holder, a supporter's licence) or because
            # it exists (a member's supporter) may be seen somewhere else now.
            for other in self._pulled_in(record, old_links if relinked else (None, None)):
                self.follow(other)

    # --- where records are seen ---

    def scope_keys(self, table: str, row_id: str) -> set[ScopeKey]:
        """Where the row ``table``/``row_id`` is seen now."""
        seen = self._seen.get((table, row_id))
        if seen is None:
            seen = self._seen[(table, row_id)] = frozenset(
                (province, county or None)
                for province, county in self.session.execute(
                    _SCOPES_OF, {"table": table, "row_id": row_id}
                )
            )
        return set(seen)

    def forget(self) -> None:
        """Forget where records are seen (an operation's savepoint rolled back)."""
        self._seen.clear()

    def wanted_scopes(self, record: Record) -> set[ScopeKey]:
        """Where a record should be visible (the rules in the module docstring)."""
        table = record.table_name
        if table == "person":
            licences: set[ScopeKey] = set()
            others: set[ScopeKey] = set()
            for referrer, province, county in self.session.execute(
                _PERSON_REFERRERS, {"row_id": record.id}
            ):
                (licences if referrer == "licence" else others).add((province, county or None))
            return (licences or {home(record)}) | others
        if table in PARENTS:
            parent = parent_key(table, data_of(record))
            scopes = self.scope_keys(*parent) if parent is not None else set()
            return scopes or {home(record)}
        if table == "licence":
            return {home(record)} | {
                (province, county or None)
                for province, county in self.session.execute(
                    _SUPPORTERS_SCOPES, {"row_id": record.id}
                )
            }
        if table == "supporter":
            # Its members' counties, and those of the events it organises.
            referrers = self.session.execute(
                select(Record.province_code, Record.county_code).where(
                    Record.table_name.in_(("network_member", "event")),
                    Record.link_id == record.id,
                    Record.deleted.is_(False),
                )
            )
            return {home(record)} | {(province, county) for province, county in referrers}
        return {home(record)}

    def _scope_row(self, record: Record, scope: ScopeKey) -> RecordScope:
        return RecordScope(
            table_name=record.table_name,
            id=record.id,
            province_code=scope[0],
            county_code=scope[1] or "",
            server_seq=record.server_seq,
        )

    def _touch_scopes(self, record: Record) -> None:
        """A changed record keeps where it is seen; its feed position moves."""
        self.session.execute(
            update(RecordScope)
            .where(RecordScope.table_name == record.table_name, RecordScope.id == record.id)
            .values(server_seq=record.server_seq)
            .execution_options(synchronize_session=False)
        )

    def _add_scopes(self, record: Record) -> None:
        wanted = self.wanted_scopes(record)
        for scope in wanted:
            self.session.add(self._scope_row(record, scope))
        self._seen[(record.table_name, record.id)] = frozenset(wanted)

    def _scope_rows(self, record: Record) -> dict[ScopeKey, RecordScope]:
        """Where the record is seen now, with its record_scope rows."""
        return {
            (row.province_code, row.county_code or None): row
            for row in self.session.scalars(
                select(RecordScope).where(
                    RecordScope.table_name == record.table_name, RecordScope.id == record.id
                )
            )
        }

    def _pulled_in(self, record: Record, old_links: tuple[str | None, str | None]) -> list[Record]:
        """Rows whose visibility this record decides by existing: its person (a licence's
        holder, a member's or participant's person), a supporter's licence, a member's
        supporter — with the ones it named before a change of those columns."""
        keys: list[tuple[str, str]] = []
        link_table = PULLS_LINK.get(record.table_name)
        for link, person in ((record.link_id, record.person_link), old_links):
            if link_table is not None and link is not None:
                keys.append((link_table, link))
            if record.table_name in PERSON_COLUMN and person is not None:
                keys.append(("person", person))
        return [
            other
            for key in dict.fromkeys(keys)
            if (other := lookup.get(self.session, Record, key)) is not None
        ]

    def _dependents(self, record: Record) -> list[Record]:
        """Rows seen wherever this record is: its children, its person, a supporter's
        licence."""
        related: list[Record] = []
        if record.table_name in PERSON_COLUMN and record.person_link is not None:
            person = lookup.get(self.session, Record, ("person", record.person_link))
            if person is not None:
                related.append(person)
        if record.table_name == "supporter" and record.link_id is not None:
            licence = lookup.get(self.session, Record, ("licence", record.link_id))
            if licence is not None:
                related.append(licence)
        children = CHILDREN.get(record.table_name)
        if children:
            related.extend(
                self.session.scalars(
                    select(Record).where(
                        Record.table_name.in_(children), Record.link_id == record.id
                    )
                )
            )
        return related

    def follow(self, record: Record) -> None:
        """Bring a related record's visibility up to date; newly visible somewhere, it
        gets a new place in the feed, so offices there pull it."""
        wanted = self.wanted_scopes(record)
        if wanted != self.scope_keys(record.table_name, record.id):
            record.server_seq = self.next_seq()
            if record.table_name in PARENTS and record.table_name not in COUNTY_COLUMN:
                # A follower's home is its parent's (which may have moved).
                key = parent_key(record.table_name, data_of(record))
                parent = lookup.get(self.session, Record, key) if key is not None else None
                if parent is not None:
                    record.province_code = parent.province_code
                    record.county_code = parent.county_code
            self.session.flush()
            self.refresh_scopes(record, wanted)

    def refresh_scopes(self, record: Record, wanted: set[ScopeKey] | None = None) -> None:
        """Make record_scope match where the record should be seen; a county it leaves
        gets a scope_exit entry. The rows seen wherever it is follow it."""
        rows = self._scope_rows(record)
        if wanted is None:
            wanted = self.wanted_scopes(record)
        for scope, row in rows.items():
            if scope in wanted:
                row.server_seq = record.server_seq
            else:
                self.session.delete(row)
                self.session.add(
                    ScopeExit(
                        server_seq=self.next_seq(),
                        table_name=record.table_name,
                        id=record.id,
                        province_code=scope[0],
                        county_code=scope[1] or "",
                    )
                )
        for scope in wanted - set(rows):
            self.session.add(self._scope_row(record, scope))
        self.session.flush()
        self._seen[(record.table_name, record.id)] = frozenset(wanted)
        if wanted != set(rows):
            for other in self._dependents(record):
                self.follow(other)
