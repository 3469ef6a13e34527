"""The desk's audit trail travels with each sync: the server stores it append-only,
checks its continuity with the chain check of ``daftar audit verify``, and refuses a
history rewritten after it was sent (the clerk sees why, in Persian)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.models import AuditEntry as LocalEntry
from app.models import LicenceHistory, OutboxOperation
from app.services.audit.verify import ROW_CHANGED, verify_trail
from app.services.certificates.service import CertificateService
from app.services.core.desk import desk_id
from app.services.sync.errors import SyncError
from server.models import AuditEntry, AuditRow, Record
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
    with pytest.raises(SyncError, match="ردپای ممیزی این میز پس از ارسال به سرور مرکزی"):
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


def test_history_edited_before_it_was_sent_is_refused_and_named(
    office_factory: Callable[..., Office], engine: Engine
) -> None:
    """A licence's history row edited with a SQLite tool before the sync (its queued
    insert too, so the edit would travel) is refused by the server against the digest its
    entry vouched for; ``audit verify`` names the row. The untouched rows go through."""
    a = office_factory("a")
    a.sync()
    kept = a.issue("0067749828")
    edited = a.issue("6688356023")
    with a.db.session() as session:
        history = session.scalar(
            select(LicenceHistory.id).where(LicenceHistory.licence_id == edited)
        )
    conn = sqlite3.connect(a.db.path)
    conn.execute("UPDATE licence_history SET actor = 'کس دیگر' WHERE id = ?", (history,))
    (changes,) = conn.execute(
        "SELECT changes FROM outbox WHERE row_id = ? AND table_name = 'licence_history'",
        (history,),
    ).fetchone()
    forged = json.loads(changes)
    forged["actor"] = [None, "کس دیگر"]
    conn.execute(
        "UPDATE outbox SET changes = ? WHERE row_id = ?",
        (json.dumps(forged, ensure_ascii=False), history),
    )
    conn.commit()
    conn.close()

    report = a.sync()
    assert report.quarantined == 1
    with a.db.session() as session:
        refused = session.scalar(
            select(OutboxOperation.error).where(OutboxOperation.row_id == history)
        )
        verdict = verify_trail(session)
    assert refused is not None and "دستکاری" in refused
    assert verdict.broken is not None and verdict.broken.kind == ROW_CHANGED
    with Session(engine) as session:
        held = set(
            session.scalars(select(Record.data).where(Record.table_name == "licence_history"))
        )
        vouched = session.scalar(select(func.count()).select_from(AuditRow))
    assert not any("کس دیگر" in data for data in held)
    assert any(kept in data for data in held)  # the other licence's history went through
    assert vouched and vouched >= 2


def test_a_synced_desk_still_holds_what_its_trail_vouched_for(
    office_factory: Callable[..., Office],
) -> None:
    """Rows that went to the server and came back (a second sync, a verification) are
    still what their entries vouched for: the digest survives the round trip."""
    a = office_factory("a")
    licence = a.issue("0067749828")
    with a.db.session() as session:
        CertificateService(session).licence_certificates([licence])
    a.sync()
    b = a.issue("6688356023")
    a.sync()
    assert b
    with a.db.session() as session:
        assert verify_trail(session).intact
        assert session.scalar(select(func.count()).select_from(OutboxOperation)) == 0


def test_an_older_sent_entry_changed_is_refused_at_the_next_sync(
    office_factory: Callable[..., Office], engine: Engine
) -> None:
    """Not only the last entry the server holds: any entry changed after it was sent is
    found at the next sync, sent as it is now, refused by the server, and the sync stops
    before pushing anything."""
    a = office_factory("a")
    a.issue("0067749828")
    a.sync()
    a.issue("6688356023")
    a.sync()
    desk, _local_entries = _local(a)
    held = _server_entries(engine, desk)
    assert len(held) >= 4
    conn = sqlite3.connect(a.db.path)
    conn.execute("DROP TRIGGER audit_entry_no_update")
    conn.execute("UPDATE audit_entry SET actor = 'کس دیگر' WHERE seq = 2")
    conn.commit()
    conn.close()
    waiting = a.issue("2742819991")
    with pytest.raises(SyncError, match="پس از ارسال به سرور مرکزی تغییر کرده"):
        a.sync()
    assert _server_entries(engine, desk) == held
    with Session(engine) as session:
        assert not session.scalar(
            select(func.count()).select_from(Record).where(Record.id == waiting)
        )


def test_a_trail_cut_back_after_it_was_sent_is_refused(
    office_factory: Callable[..., Office], engine: Engine
) -> None:
    """Entries the server holds deleted from the desk's tail: the next entries take their
    seqs, the server refuses them, and the desk's own entry at the server's head is gone."""
    a = office_factory("a")
    a.issue("0067749828")
    a.sync()
    desk, local = _local(a)
    held = _server_entries(engine, desk)
    conn = sqlite3.connect(a.db.path)
    conn.execute("DROP TRIGGER audit_entry_no_delete")
    conn.execute("DELETE FROM audit_entry WHERE seq > ?", (local[-1][0] - 2,))
    conn.commit()
    conn.close()
    a.issue("6688356023")
    with pytest.raises(SyncError, match="پس از ارسال به سرور مرکزی تغییر کرده یا کوتاه شده"):
        a.sync()
    assert _server_entries(engine, desk) == held
