"""The licence-history and certificate-log rows an audit entry vouches for: a row edited
or deleted with a SQLite tool afterwards is named by ``daftar audit verify`` with its
entry; rows a restore left behind are not (the sync brings them back), changed ones are."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

from sqlalchemy import select

from app.models import AuditEntry, CertificateIssue, LicenceHistory
from app.services.audit.verify import ROW_CHANGED, ROW_DELETED, verify_trail
from app.services.certificates.service import CertificateService
from app.services.core import audit
from app.services.core.db import Database
from app.services.licences import io as licence_io
from app.services.licences.io import COLUMNS
from common.audit_chain import ROWS_PER_ENTRY, parse_rows, rows_text
from common.protocol import MAX_AUDIT_ROWS_TEXT
from common.vocabulary import AuditAction
from tests.services.conftest import issue_test_licence, template_row
from tests.services.supporter_fixtures import nid


def _sql(path: Path, statement: str, params: tuple[object, ...] = ()) -> None:
    """What someone with a SQLite tool does (the history tables have no triggers)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute(statement, params)
        conn.commit()
    finally:
        conn.close()


def _vouching(db: Database, table: str, row_id: str) -> int:
    """The seq of the entry that vouches for the row."""
    with db.session() as session:
        for seq, text in session.execute(select(AuditEntry.seq, AuditEntry.rows)):
            if any(t == table and r == row_id for t, r, _ in parse_rows(text)):
                return int(seq)
    raise AssertionError(f"no entry vouches for {table} {row_id}")


def _history_id(db: Database, licence_id: str) -> str:
    with db.session() as session:
        found = session.scalar(
            select(LicenceHistory.id).where(LicenceHistory.licence_id == licence_id)
        )
    assert found is not None
    return found


def test_an_action_vouches_for_the_rows_it_appended(db: Database) -> None:
    licence = issue_test_licence(db)
    with db.session() as session:
        CertificateService(session).licence_certificates([licence.id])
        certificate = session.scalar(select(CertificateIssue.id))
    assert certificate is not None
    issued = _vouching(db, "licence_history", _history_id(db, licence.id))
    printed = _vouching(db, "certificate_issue", certificate)
    assert printed > issued
    with db.session() as session:
        assert verify_trail(session).intact


def test_a_history_row_edited_afterwards_is_named(db: Database) -> None:
    licence = issue_test_licence(db)
    issue_test_licence(db, "6688356023")
    history = _history_id(db, licence.id)
    seq = _vouching(db, "licence_history", history)
    _sql(db.path, "UPDATE licence_history SET actor = 'کس دیگر' WHERE id = ?", (history,))
    with db.session() as session:
        verdict = verify_trail(session)
    assert verdict.broken is not None
    assert (verdict.broken.seq, verdict.broken.kind) == (seq, ROW_CHANGED)
    assert "سابقهٔ مجوز" in verdict.message() and "تغییر کرده" in verdict.message()


def test_a_certificate_log_row_deleted_is_named(db: Database) -> None:
    licence = issue_test_licence(db)
    with db.session() as session:
        CertificateService(session).licence_certificates([licence.id])
        certificate = session.scalar(select(CertificateIssue.id))
    assert certificate is not None
    seq = _vouching(db, "certificate_issue", certificate)
    _sql(db.path, "DELETE FROM certificate_issue WHERE id = ?", (certificate,))
    with db.session() as session:
        verdict = verify_trail(session)
    assert verdict.broken is not None
    assert (verdict.broken.seq, verdict.broken.kind) == (seq, ROW_DELETED)
    assert "پاک شده" in verdict.message()


def test_a_row_edited_back_as_it_was_passes(db: Database) -> None:
    """The digest is of the content: the same values read again, in another form (a
    time with its offset), are the same row."""
    licence = issue_test_licence(db)
    history = _history_id(db, licence.id)
    conn = sqlite3.connect(db.path)
    (at,) = conn.execute("SELECT at FROM licence_history WHERE id = ?", (history,)).fetchone()
    conn.close()
    _sql(db.path, "UPDATE licence_history SET at = ? WHERE id = ?", (at + "+00:00", history))
    with db.session() as session:
        assert verify_trail(session).intact


def test_rows_older_than_a_restore_may_be_absent_not_changed(db: Database) -> None:
    first = issue_test_licence(db)
    second = issue_test_licence(db, "6688356023")
    gone, edited = _history_id(db, first.id), _history_id(db, second.id)
    audit.record(db, AuditAction.RESTORE, AuditAction.RESTORE.label)
    _sql(db.path, "DELETE FROM licence_history WHERE id = ?", (gone,))
    with db.session() as session:
        assert verify_trail(session).intact  # the backup predates it: the sync brings it
    _sql(db.path, "UPDATE licence_history SET reason = 'دیگر' WHERE id = ?", (edited,))
    with db.session() as session:
        verdict = verify_trail(session)
    assert verdict.broken is not None and verdict.broken.kind == ROW_CHANGED


def test_an_entry_names_at_most_a_bounded_number_of_rows() -> None:
    """An action that appends more rows continues in further entries; the longest
    ``rows`` an entry can have fits what the server takes."""
    longest = [("licence_history", "f" * 36, "a" * 64)] * ROWS_PER_ENTRY
    assert len(rows_text(longest)) <= MAX_AUDIT_ROWS_TEXT
    assert json.loads(rows_text(longest))[0] == list(longest[0])
    parts = audit._parts([("licence_history", str(i), "d") for i in range(ROWS_PER_ENTRY * 2 + 1)])
    assert [len(part) for part in parts] == [ROWS_PER_ENTRY, ROWS_PER_ENTRY, 1]
    assert audit._parts([]) == [[]]


def test_an_import_vouches_for_the_history_it_wrote_in_bulk(db: Database, tmp_path: Path) -> None:
    """The bulk import writes history rows with plain SQL: its entries vouch for them too,
    a hundred per entry, and an edit of one is found."""
    count = ROWS_PER_ENTRY + 20
    path = tmp_path / "import.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([column.header for column in COLUMNS])
        for n in range(count):
            writer.writerow(template_row(**{"کد ملی": nid(5000 + n)}))
    with db.session() as session:
        result = licence_io.import_file(session, path)
    assert result.imported == count
    with db.session() as session:
        history = list(session.scalars(select(LicenceHistory.id)))
        entries = [
            (int(seq), parse_rows(text))
            for seq, text in session.execute(
                select(AuditEntry.seq, AuditEntry.rows).where(AuditEntry.rows != "")
            )
        ]
        assert verify_trail(session).intact
    vouched = {row_id for _, rows in entries for _, row_id, _ in rows}
    assert vouched == set(history) and len(history) == count
    assert sorted(len(rows) for _, rows in entries) == [20, ROWS_PER_ENTRY]
    last = history[-1]
    _sql(db.path, "UPDATE licence_history SET changes = '{}' WHERE id = ?", (last,))
    with db.session() as session:
        verdict = verify_trail(session)
    assert verdict.broken is not None and verdict.broken.kind == ROW_CHANGED
