"""Backups to a file the clerk chooses (the GUI's «پشتیبان‌گیری…» and ``daftar backup``)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from app.services.core.backup import backup_file_name, with_backup_suffix, write_backup
from app.services.core.db import Database, DatabaseProblem
from common.vocabulary import Permission
from tests.accounts_support import granted
from tests.services.conftest import issue_test_licence


def _rows(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT l.number, l.status, p.national_id, p.first_name FROM licence l "
            "JOIN person p ON p.id = l.person_id ORDER BY l.number"
        ).fetchall()


def test_a_backup_holds_the_same_records(db: Database, tmp_path: Path) -> None:
    issue_test_licence(db)
    issue_test_licence(db, "4032152314", first_name="علی")
    written = write_backup(db, tmp_path / "copies" / "today.sqlite3")
    assert written == (tmp_path / "copies" / "today.sqlite3").resolve()
    assert _rows(written) == _rows(db.path) and len(_rows(written)) == 2
    assert [p.name for p in written.parent.iterdir()] == ["today.sqlite3"]  # no temporary


def test_an_existing_file_is_replaced_only_when_asked(db: Database, tmp_path: Path) -> None:
    target = tmp_path / "backup.sqlite3"
    target.write_bytes(b"an older backup")
    with pytest.raises(DatabaseProblem, match="از قبل وجود دارد"):
        write_backup(db, target)
    assert target.read_bytes() == b"an older backup"
    issue_test_licence(db)
    write_backup(db, target, replace=True)
    assert _rows(target) == _rows(db.path)


@pytest.mark.parametrize("name", ["", "-wal", "-shm"])
def test_the_database_in_use_is_never_written_over(db: Database, name: str) -> None:
    live = db.path.with_name(db.path.name + name)
    before = live.read_bytes() if live.exists() else None
    with pytest.raises(DatabaseProblem, match="در حال استفاده"):
        write_backup(db, live, replace=True)
    assert (live.read_bytes() if live.exists() else None) == before


def test_names() -> None:
    assert backup_file_name(dt.date(2026, 3, 21)) == "daftar-backup-1405-01-01.sqlite3"
    assert with_backup_suffix(Path("a/backup")) == Path("a/backup.sqlite3")
    assert with_backup_suffix(Path("a/b.sqlite3")) == Path("a/b.sqlite3")


def test_a_backup_is_verified_and_stamped(db: Database, tmp_path: Path) -> None:
    from app.services.core.backup import check_backup_file
    from app.services.core.db import HEAD_REVISION

    issue_test_licence(db)
    written = write_backup(db, tmp_path / "b.sqlite3")
    info = check_backup_file(written)
    assert info.revision == HEAD_REVISION and not info.needs_migration
    assert info.licences == 1 and info.office_name
    assert abs(info.taken_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    # The live database carries no stamp: only its copies do.
    with sqlite3.connect(db.path) as conn:
        assert conn.execute("SELECT 1 FROM setting WHERE key = 'backup.taken_at'").fetchall() == []


def test_a_copy_that_does_not_verify_is_never_put_in_place(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.services.core import backup
    from app.services.core.db import CorruptDatabase

    def damaged(path: Path, **_kwargs: object) -> None:
        raise CorruptDatabase("آسیب دیده")

    monkeypatch.setattr(backup, "check_backup_file", damaged)
    with pytest.raises(CorruptDatabase):
        write_backup(db, tmp_path / "out" / "b.sqlite3")
    assert list((tmp_path / "out").iterdir()) == []


def test_a_read_only_folder_is_reported_in_persian(db: Database, tmp_path: Path) -> None:
    import os

    from app.services.core.db import ReadOnlyDatabase

    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):  # root ignores permissions
            pytest.skip("running as root")
        with pytest.raises(ReadOnlyDatabase, match="نمی‌توان نوشت"):
            write_backup(db, folder / "b.sqlite3")
    finally:
        folder.chmod(0o700)
    assert list(folder.iterdir()) == []


def test_a_read_only_file_system_is_reported_in_persian(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from app.services.core.db import ReadOnlyDatabase

    def read_only(self: Database, destination: Path) -> Path:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(Database, "backup", read_only)
    with pytest.raises(ReadOnlyDatabase, match="فقط‌خواندنی"):
        write_backup(db, tmp_path / "cdrom" / "b.sqlite3")
    assert list((tmp_path / "cdrom").iterdir()) == []


def test_a_full_disk_is_reported_in_persian(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.services.core.backup import DiskFull

    def full(self: Database, destination: Path) -> Path:
        destination.write_bytes(b"half")
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Database, "backup", full)
    out = tmp_path / "stick"
    with pytest.raises(DiskFull, match="فضای دیسک"):
        write_backup(db, out / "b.sqlite3")
    assert list(out.iterdir()) == []  # neither the backup nor its temporary file


def test_a_backup_holds_no_usable_secret(db: Database, tmp_path: Path) -> None:
    """The sync token and the private signing key are in the secret store (here: the
    database, encrypted with a key in the profile), never in a backup in clear."""
    import base64

    from app.services.core import credentials, signing_keys

    token = "tok-" + "x7Q9" * 10
    with db.session() as session:
        granted(session, Permission.SYNC)
        credentials.store_token(session, "office", token)
        private = signing_keys.ensure_signing_key(session)
        raw = private.private_bytes_raw()
    written = write_backup(db, tmp_path / "b.sqlite3")
    data = written.read_bytes()
    assert token.encode() not in data
    assert raw not in data
    assert base64.b64encode(raw) not in data
    assert base64.b64encode(raw).rstrip(b"=") not in data
