"""Backups to a file the clerk chooses (the GUI's «پشتیبان‌گیری…» and ``daftar backup``)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from app.services.core.backup import backup_file_name, with_backup_suffix, write_backup
from app.services.core.db import Database, DatabaseProblem
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
