"""Restoring from a backup: what is refused (and the live database untouched), the
safety copy, what the desk keeps, an older schema migrated."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from app.services.core.backup import write_backup
from app.services.core.db import (
    HEAD_REVISION,
    CorruptDatabase,
    Database,
    DatabaseProblem,
    LockedDatabase,
    NewerDatabase,
    NotADaftarDatabase,
    known_revisions,
    open_database,
)
from app.services.core.restore import DESK_SETTINGS, plan_restore, restore_database
from tests.accounts_support import act_as
from tests.services.conftest import issue_test_licence


def _numbers(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT number FROM licence ORDER BY number")]


def _damaged_copy(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    data = bytearray(target.read_bytes())
    page = 4096
    for offset in range(3 * page, min(len(data), 12 * page), 97):
        data[offset] = (data[offset] + 0x5A) % 256
    target.write_bytes(bytes(data))
    return target


def _newer_copy(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    with sqlite3.connect(target) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    return target


def _foreign_sqlite(_source: Path, target: Path) -> Path:
    with sqlite3.connect(target) as conn:
        conn.execute("CREATE TABLE notes (x TEXT)")
    return target


def _text_file(_source: Path, target: Path) -> Path:
    target.write_text("not a database at all", encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (_damaged_copy, CorruptDatabase, "آسیب دیده"),
        (_newer_copy, NewerDatabase, "نسخهٔ جدیدتری"),
        (_foreign_sqlite, NotADaftarDatabase, "پشتیبان دفتر نیست"),
        (_text_file, NotADaftarDatabase, "پشتیبان دفتر نیست"),
    ],
)
def test_a_bad_backup_is_refused_and_the_live_database_untouched(
    db: Database, tmp_path: Path, make: object, error: type[DatabaseProblem], words: str
) -> None:
    issue_test_licence(db)
    good = write_backup(db, tmp_path / "good.sqlite3")
    bad = make(good, tmp_path / "bad.sqlite3")  # type: ignore[operator]
    issue_test_licence(db, "4032152314")
    db.close()
    before = db.path.read_bytes()
    with pytest.raises(error, match=words):
        plan_restore(db.path, bad)
    with pytest.raises(error, match=words):
        restore_database(db.path, bad)
    assert db.path.read_bytes() == before
    assert not (db.path.parent / "backups").exists()  # no safety copy made: nothing done
    assert [p.name for p in db.path.parent.iterdir() if p.name.startswith(".")] == []


def test_restore_keeps_a_safety_copy_and_carries_the_counters(db: Database, tmp_path: Path) -> None:
    first = issue_test_licence(db).number
    backup = write_backup(db, tmp_path / "copies" / "b.sqlite3")
    second = issue_test_licence(db, "4032152314").number
    db.close()
    plan = plan_restore(db.path, backup)
    assert plan.live_exists and not plan.other_office and plan.backup.licences == 1
    result = restore_database(db.path, backup)
    assert _numbers(db.path) == [first]
    assert result.safety_copy is not None and result.carried
    assert _numbers(result.safety_copy) == sorted([first, second])
    assert result.safety_copy.parent == db.path.parent / "backups"
    assert "before-restore" in result.safety_copy.name
    assert backup.exists()  # the chosen file is never consumed
    reopened = act_as(open_database(db.path))
    try:
        # The number handed out after the backup is never handed out again.
        third = issue_test_licence(reopened, "0013542419").number
        assert third not in (first, second)
        with reopened.session() as session:
            from app.models import Setting

            assert session.get(Setting, "backup.taken_at") is None
    finally:
        reopened.close()


def test_a_database_held_by_another_program_is_not_replaced(db: Database, tmp_path: Path) -> None:
    issue_test_licence(db)
    backup = write_backup(db, tmp_path / "b.sqlite3")
    issue_test_licence(db, "4032152314")
    with db.session() as session:  # the GUI, still open
        session.connection().exec_driver_sql("SELECT count(*) FROM licence").all()
        with pytest.raises(LockedDatabase, match="باز کرده است"):
            restore_database(db.path, backup)
    assert len(_numbers(db.path)) == 2


def test_a_backup_of_the_previous_schema_is_restored_and_migrated(tmp_path: Path) -> None:
    from tests.services.conftest import setup_tehran_office
    from tests.services.core.test_db import _database_at_0001

    previous = max(known_revisions() - {HEAD_REVISION})  # the revision before HEAD
    (tmp_path / "old").mkdir()
    old = _database_at_0001(tmp_path / "old" / "daftar.sqlite3", previous)
    setup_tehran_office(old, legacy_key=True)
    number = issue_test_licence(old).number
    old.close()
    live = act_as(open_database(tmp_path / "desk" / "daftar.sqlite3"))
    setup_tehran_office(live)
    live.close()
    plan = plan_restore(live.path, old.path)
    assert plan.backup.revision == previous and plan.backup.needs_migration
    result = restore_database(live.path, old.path)
    assert result.migrated_from == previous and not result.carried  # another office
    with sqlite3.connect(live.path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == (
            HEAD_REVISION
        )
        # The legacy plain-text signing key did not survive into the restored file.
        assert (
            conn.execute(
                "SELECT count(*) FROM setting WHERE key = 'signing.private_key'"
            ).fetchone()[0]
            == 0
        )
    assert _numbers(live.path) == [number]
    with sqlite3.connect(old.path) as conn:  # the chosen file is untouched
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == previous
    reopened = open_database(live.path)
    reopened.close()
    assert [p.name for p in (tmp_path / "desk").iterdir() if p.name.startswith(".")] == []
    leftovers = [p.name for p in (tmp_path / "desk" / "backups").iterdir()]
    assert leftovers == [result.safety_copy.name] if result.safety_copy else leftovers == []


def test_restoring_into_a_new_desk(db: Database, tmp_path: Path) -> None:
    number = issue_test_licence(db).number
    backup = write_backup(db, tmp_path / "b.sqlite3")
    target = tmp_path / "new" / "daftar.sqlite3"
    plan = plan_restore(target, backup)
    assert not plan.live_exists and not plan.other_office
    result = restore_database(target, backup)
    assert result.safety_copy is None and _numbers(target) == [number]


def test_the_desk_settings_are_their_owners_keys() -> None:
    from app.services.core import credentials, signing_keys
    from app.services.core.autobackup import KEY_KEEP_DAILY, KEY_KEEP_MONTHLY, KEY_SECOND_FOLDER
    from app.services.sync import security, settings

    owners = {
        settings.KEY_SERVER,
        settings.KEY_OFFICE,
        security.KEY_INSECURE,
        security.KEY_CA_FILE,
        credentials.token_secret("x").setting,
        credentials._KEY_ID,
        signing_keys.CURRENT_KEY_SETTING,
        KEY_KEEP_DAILY,
        KEY_KEEP_MONTHLY,
        KEY_SECOND_FOLDER,
    }
    assert owners == DESK_SETTINGS
    assert credentials.signing_secret("k").setting.startswith("signing.secret.")


def test_a_damaged_database_is_replaced_and_kept_as_it_was(db: Database, tmp_path: Path) -> None:
    number = issue_test_licence(db).number
    backup = write_backup(db, tmp_path / "b.sqlite3")
    db.close()
    damaged = b"this disk sector was lost" * 100
    db.path.write_bytes(damaged)
    plan = plan_restore(db.path, backup)
    assert not plan.live_exists  # unreadable: nothing to count
    result = restore_database(db.path, backup)
    assert _numbers(db.path) == [number]
    assert result.safety_copy is not None and result.safety_copy.read_bytes() == damaged
    assert not result.carried


def test_a_database_in_use_elsewhere_is_not_taken_for_a_backup(
    db: Database, tmp_path: Path
) -> None:
    issue_test_licence(db)
    with db.session() as session:  # the WAL holds this write until a checkpoint
        session.connection().exec_driver_sql("PRAGMA wal_autocheckpoint = 0")
    issue_test_licence(db, "4032152314")
    assert Path(f"{db.path}-wal").stat().st_size > 0
    with pytest.raises(DatabaseProblem, match="در حال استفاده است"):
        plan_restore(tmp_path / "other" / "daftar.sqlite3", db.path)


def test_only_a_head_restores_and_the_current_accounts_stay(db: Database, tmp_path: Path) -> None:
    """A clerk may not put an older register back (it would undo revocations); a head's
    restore keeps the accounts as they are now: a disabled account stays disabled."""
    from app.services.accounts.service import AccountService, SignInFailed, sign_in
    from app.services.core.access import AccessDenied
    from app.services.core.restore import restore_over
    from tests.accounts_support import TEST_CLERK, with_head_account

    with_head_account(db)
    with db.session() as session:
        AccountService(session).add("sara", "سارا محمدی", "clerk", "sara-password-1")
    backup = write_backup(db, tmp_path / "b.sqlite3")
    with db.session() as session:
        AccountService(session).set_disabled("sara")
    act_as(db, TEST_CLERK)
    with pytest.raises(AccessDenied, match="بازیابی از پشتیبان"):
        restore_over(db, backup)
    with_head_account(db)
    result = restore_over(db, backup)
    assert result.carried
    reopened = open_database(db.path)
    try:
        with pytest.raises(SignInFailed):
            sign_in(reopened, "sara", "sara-password-1")  # still disabled
    finally:
        reopened.close()
