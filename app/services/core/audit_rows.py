"""The append-only rows an audit entry vouches for (licence history, certificate log).

An entry names each such row its action wrote with a digest of the row's content as the
database holds it (common.audit_chain.row_digest). Those rows never change afterwards:
``daftar audit verify`` reads them again and names the entry whose row was edited or
deleted with a SQLite tool (:func:`first_changed_row`), and the server refuses a push of
such a row whose content differs from what its entry vouched for (server.audit_api).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from app.models import Base
from common.audit_chain import APPEND_ONLY_TABLES, parse_rows, row_digest

#: Rows read from the database at a time.
_CHUNK = 500


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def current_digests(session: Session, table: str, row_ids: Sequence[str]) -> dict[str, str]:
    """The digest of each of these rows of ``table`` as the database holds them now (a
    row that is gone is absent)."""
    found: dict[str, str] = {}
    columns = _table(table)
    for start in range(0, len(row_ids), _CHUNK):
        chunk = list(row_ids[start : start + _CHUNK])
        for row in session.execute(select(columns).where(columns.c.id.in_(chunk))):
            values = dict(row._mapping)
            found[str(values["id"])] = row_digest(table, str(values["id"]), values)
    return found


def vouch(session: Session, written: Iterable[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(table, row id, digest) of the append-only rows among ``written`` (table, row id),
    read from the database (flushed first), in the order given."""
    pairs = [(table, row_id) for table, row_id in written if table in APPEND_ONLY_TABLES]
    if not pairs:
        return []
    digests: dict[tuple[str, str], str] = {}
    for table in {table for table, _ in pairs}:
        ids = [row_id for name, row_id in pairs if name == table]
        for row_id, digest in current_digests(session, table, ids).items():
            digests[(table, row_id)] = digest
    return [
        (table, row_id, digests[(table, row_id)])
        for table, row_id in pairs
        if (table, row_id) in digests
    ]


@dataclass(frozen=True)
class ChangedRow:
    """A row an entry vouched for that the database no longer holds as it was."""

    seq: int
    table: str
    row_id: str
    deleted: bool


def first_changed_row(
    session: Session, entries: Iterable[tuple[int, str]], *, absent_ok_before: int = 0
) -> ChangedRow | None:
    """The first row named by ``entries`` ((seq, rows text) in seq order) whose content
    differs from its digest, or that is gone; None when all hold. A row named by an entry
    before seq ``absent_ok_before`` may be absent (a restore brought back a backup taken
    before it was written; the sync brings it back), not different."""
    batch: list[tuple[int, str, str, str]] = []
    for seq, text in entries:
        batch.extend((seq, table, row_id, digest) for table, row_id, digest in parse_rows(text))
        if len(batch) >= _CHUNK:
            found = _check(session, batch, absent_ok_before)
            if found is not None:
                return found
            batch = []
    return _check(session, batch, absent_ok_before) if batch else None


def _check(
    session: Session, batch: list[tuple[int, str, str, str]], absent_ok_before: int
) -> ChangedRow | None:
    now: dict[tuple[str, str], str] = {}
    for table in {table for _, table, _, _ in batch}:
        if table not in Base.metadata.tables:
            continue
        ids = [row_id for _, name, row_id, _ in batch if name == table]
        now.update(
            ((table, row_id), digest)
            for row_id, digest in current_digests(session, table, ids).items()
        )
    for seq, table, row_id, digest in batch:
        held = now.get((table, row_id))
        if held is None and seq < absent_ok_before:
            continue
        if held != digest:
            return ChangedRow(seq, table, row_id, deleted=held is None)
    return None


def chunks(
    rows: Sequence[tuple[str, str, str]], size: int
) -> Iterator[Sequence[tuple[str, str, str]]]:
    """``rows`` in pieces of at most ``size`` (one piece per entry)."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
