"""The audit trail is recorded where it must be: every command (in its own transaction),
sign-ins and their failures, backups, restores; and nothing for a command that rolled
back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import AuditEntry, AuditSeal
from app.services.accounts.service import AccountService, SignInFailed, sign_in, start_as_head
from app.services.audit.verify import verify_trail
from app.services.core import audit
from app.services.core.access import permission_of
from app.services.core.autobackup import BackupSettings, take_automatic_backup
from app.services.core.backup import write_backup
from app.services.core.db import Database, open_database
from app.services.core.restore import restore_over
from app.services.licences.service import LicenceService
from common.errors import DomainError
from common.vocabulary import AuditAction, Permission
from tests.accounts_support import HEAD_INPUT, TEST_CLERK, act_as
from tests.services.accounts.test_permissions import COMMANDS
from tests.services.conftest import issue_test_licence


def entries(db: Database) -> list[AuditEntry]:
    with db.session() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def test_a_command_is_recorded_with_its_record_its_account_and_the_chain(db: Database) -> None:
    before = len(entries(db))
    act_as(db, TEST_CLERK)
    licence = issue_test_licence(db)
    found = entries(db)
    assert len(found) == before + 1
    entry = found[-1]
    assert entry.action == AuditAction.REGISTER
    assert (entry.account_id, entry.actor) == (TEST_CLERK.account_id, TEST_CLERK.name)
    assert (entry.record_kind, entry.record_id) == ("licence", licence.id)
    assert licence.number in entry.summary
    assert "مجوز: ۱ افزوده" in entry.detail
    assert entry.seq == found[-2].seq + 1 and entry.prev_hash == found[-2].hash
    with db.session() as session:
        assert verify_trail(session).intact


def test_a_command_rolled_back_leaves_no_entry(db: Database) -> None:
    licence = issue_test_licence(db)
    before = len(entries(db))
    with pytest.raises(RuntimeError), db.session() as session:
        LicenceService(session).revoke(licence.id, "تخلف")
        raise RuntimeError("the unit of work fails after the command")
    with pytest.raises(DomainError), db.session() as session:
        LicenceService(session).revoke(licence.id, "")  # refused: no reason
    assert len(entries(db)) == before


def test_every_command_is_watched_by_the_trail() -> None:
    """The trail is recorded in ``requires``: every command found carries it, and only a
    restore (which records itself, in the restored database) is left to itself."""
    unwatched = [
        name for name, function, _cls in COMMANDS if not getattr(function, "__watched__", False)
    ]
    assert unwatched == ["app.services.core.restore.restore_over"]
    actions = set(AuditAction)
    assert all(AuditAction(permission.value) in actions for permission in Permission)
    assert all(permission_of(function) is not None for _n, function, _c in COMMANDS)


def test_a_command_on_the_database_is_recorded_after_it_ran(db: Database, tmp_path: Path) -> None:
    target = write_backup(db, tmp_path / "by-hand.sqlite3")
    entry = entries(db)[-1]
    assert entry.action == AuditAction.BACKUP and str(target) in entry.detail
    with pytest.raises(DomainError):
        write_backup(db, target)  # exists: refused, not recorded
    assert entries(db)[-1].seq == entry.seq
    take_automatic_backup(db, BackupSettings())
    assert entries(db)[-1].action == AuditAction.AUTO_BACKUP


def test_sign_in_its_failures_and_the_lock_are_recorded(tmp_path: Path) -> None:
    db = open_database(tmp_path / "accounts.sqlite3")
    try:
        start_as_head(db, HEAD_INPUT)
        with pytest.raises(SignInFailed):
            sign_in(db, "nobody-here", "wrong")
        with pytest.raises(SignInFailed):
            sign_in(db, HEAD_INPUT.username, "wrong password")
        from app.services.accounts.service import confirm_password, note_locked

        note_locked(db)
        confirm_password(db, HEAD_INPUT.password)
        found = [(e.action, e.summary, e.actor) for e in entries(db)]
        assert (AuditAction.SIGN_IN, "ورود", HEAD_INPUT.display_name) in found
        failed = [summary for action, summary, _ in found if action == AuditAction.SIGN_IN_FAILED]
        assert failed == ["ورود ناموفق: «nobody-here»", f"ورود ناموفق: «{HEAD_INPUT.username}»"]
        assert [a for a, _s, _w in found][-2:] == [AuditAction.LOCK, AuditAction.UNLOCK]
        with db.session() as session:
            added = AccountService(session).add(
                "clerk2", "کارشناس دوم", "clerk", "clerk-password-2"
            )
        with db.session() as session:
            AccountService(session).reset_password("clerk2", "another-password-3")
        made, reset = entries(db)[-2:]
        assert made.action == reset.action == AuditAction.ACCOUNTS
        assert (made.record_kind, made.record_id) == ("account", added.id)
        assert "clerk2" in made.summary and "۱ افزوده" in made.detail
        assert reset.record_id == added.id and "۱ تغییر" in reset.detail
        assert "another-password-3" not in reset.detail + reset.summary  # never a password
    finally:
        db.close()


def test_the_trail_is_append_only_in_sqlite(db: Database) -> None:
    issue_test_licence(db)
    conn = sqlite3.connect(db.path)
    try:
        for statement in ("UPDATE audit_entry SET actor = 'x'", "DELETE FROM audit_entry"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(statement)
    finally:
        conn.close()


def test_a_seal_signs_the_head_once(db: Database) -> None:
    issue_test_licence(db)
    seal = audit.seal(db)
    assert seal is not None and seal.seq == entries(db)[-1].seq
    assert audit.seal(db) is None  # nothing new since
    with db.session() as session:
        assert session.scalar(select(AuditSeal.hash)) == entries(db)[-1].hash


def test_a_restore_keeps_the_trail_and_records_who_restored_which_file(
    db: Database, tmp_path: Path
) -> None:
    backup = write_backup(db, tmp_path / "yesterday.sqlite3")
    issue_test_licence(db)  # after the backup: its entry must survive the restore
    kept = entries(db)
    restore_over(db, backup)
    restored = act_as(open_database(db.path, create=False))
    try:
        after = entries(restored)
        assert [e.hash for e in after[: len(kept)]] == [e.hash for e in kept]
        last = after[-1]
        assert last.action == AuditAction.RESTORE and backup.name in last.summary
        assert str(backup) in last.detail and last.actor
        with restored.session() as session:
            verdict = verify_trail(session)
        assert verdict.intact and verdict.seals >= 1
        conn = sqlite3.connect(db.path)
        try:
            with pytest.raises(sqlite3.IntegrityError):
                conn.execute("DELETE FROM audit_entry")
        finally:
            conn.close()
    finally:
        restored.close()
