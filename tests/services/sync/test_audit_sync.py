"""The desk's audit trail travels with each sync: the server stores it append-only,
checks its continuity with the chain check of ``daftar audit verify``, and refuses a
history rewritten after it was sent (the clerk sees why, in Persian)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.models import AuditEntry as LocalEntry
from app.services.core.desk import desk_id
from app.services.sync.errors import SyncError
from server.models import AuditEntry
from tests.services.sync.sync_support import Office


def _server_entries(engine: Engine, desk: str) -> list[tuple[int, str]]:
    with Session(engine) as session:
        return [
            (row.seq, row.hash)
            for row in session.scalars(
                select(AuditEntry).where(AuditEntry.desk_id == desk).order_by(AuditEntry.seq)
            )
        ]


def _local(office: Office) -> tuple[str, list[tuple[int, str]]]:
    with office.db.session() as session:
        desk = desk_id(session)
        rows = session.execute(
            select(LocalEntry.seq, LocalEntry.hash).order_by(LocalEntry.seq)
        ).all()
    return desk, [(int(seq), str(digest)) for seq, digest in rows]


def test_the_trail_reaches_the_server_and_a_rewrite_is_refused(
    office_factory: Callable[..., Office], engine: Engine
) -> None:
    a = office_factory("a")
    a.issue("0067749828")
    a.sync()
    desk, local = _local(a)
    held = _server_entries(engine, desk)
    assert held == local  # the sync's own entry included: recorded before the trail went
    a.issue("6688356023")
    a.sync()
    assert _server_entries(engine, desk) == _local(a)[1]
    assert len(_server_entries(engine, desk)) > len(held)
    trips = a.sync().round_trips  # nothing to do: no entry, nothing sent
    assert trips == 1 and _server_entries(engine, desk) == _local(a)[1]

    # Someone edits an entry the server already holds, with a SQLite tool.
    conn = sqlite3.connect(a.db.path)
    conn.execute("DROP TRIGGER audit_entry_no_update")
    last_sent = _server_entries(engine, desk)[-1][0]
    conn.execute("UPDATE audit_entry SET hash = ? WHERE seq = ?", ("e" * 64, last_sent))
    conn.commit()
    conn.close()
    a.issue("2742819991")  # something new to send: the trail goes with it
    with pytest.raises(SyncError, match="ردپای ممیزی این میز با آنچه سرور مرکزی"):
        a.sync()


def test_an_unsent_entry_changed_is_refused_by_the_server(
    office_factory: Callable[..., Office], engine: Engine
) -> None:
    a = office_factory("a")
    a.sync()
    a.issue("0067749828")
    desk, local = _local(a)
    unsent = local[-1][0]
    conn = sqlite3.connect(a.db.path)
    conn.execute("DROP TRIGGER audit_entry_no_update")
    conn.execute("UPDATE audit_entry SET actor = 'کس دیگر' WHERE seq = ?", (unsent,))
    conn.commit()
    conn.close()
    before = len(_server_entries(engine, desk))
    with pytest.raises(SyncError, match="سرور مرکزی ردپای ممیزی این میز را نپذیرفت"):
        a.sync()
    assert len(_server_entries(engine, desk)) == before  # nothing of the batch stored
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == before
