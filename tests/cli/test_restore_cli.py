"""``daftar restore FILE``: exit 0 restored, 1 refused with the reason; and the command
line's Persian message while another program holds the database."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from tests.cli.test_cli import GOOD, _csv, daftar, dbfile  # noqa: F401 - fixture


def _licences(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("SELECT count(*) FROM licence").fetchone()[0])


def _import_one(db: Path, tmp_path: Path, national_id: str, number: str) -> None:
    row = {**GOOD, "کد ملی": national_id, "شماره مجوز": number}
    done = daftar("import", _csv(tmp_path / f"{number}.csv", [row]), "--db", db)
    assert done.returncode == 0, done.stderr


def test_restore(dbfile: Path, tmp_path: Path) -> None:  # noqa: F811
    _import_one(dbfile, tmp_path, "0067749828", "0612-000101")
    backup = tmp_path / "b.sqlite3"
    assert daftar("backup", backup, "--db", dbfile).returncode == 0
    _import_one(dbfile, tmp_path, "4032152314", "0612-000102")
    assert _licences(dbfile) == 2
    done = daftar("restore", backup, "--db", dbfile)
    assert done.returncode == 0, done.stderr
    assert "restored from" in done.stderr and "نسخهٔ ایمنی" in done.stderr
    assert _licences(dbfile) == 1
    safety = list((dbfile.parent / "backups").glob("*before-restore*.sqlite3"))
    assert len(safety) == 1 and _licences(safety[0]) == 2


def test_restore_refuses_a_bad_file(dbfile: Path, tmp_path: Path) -> None:  # noqa: F811
    bad = tmp_path / "notes.sqlite3"
    bad.write_text("hello", encoding="utf-8")
    before = dbfile.read_bytes()
    done = daftar("restore", bad, "--db", dbfile)
    assert done.returncode == 1 and "پشتیبان دفتر نیست" in done.stderr
    assert dbfile.read_bytes() == before
    missing = daftar("restore", tmp_path / "missing.sqlite3", "--db", dbfile)
    assert missing.returncode == 1 and "پیدا نشد" in missing.stderr


def test_restore_needs_force_for_unsent_changes(dbfile: Path, tmp_path: Path) -> None:  # noqa: F811
    backup = tmp_path / "b.sqlite3"
    assert daftar("backup", backup, "--db", dbfile).returncode == 0
    with contextlib.closing(sqlite3.connect(dbfile)) as conn:  # as if it synced
        conn.execute(
            "INSERT INTO setting (key, value) VALUES ('sync.server_url', 'https://sync.example.ir')"
        )
        conn.commit()
    _import_one(dbfile, tmp_path, "0067749828", "0612-000101")
    done = daftar("restore", backup, "--db", dbfile)
    assert done.returncode == 1
    assert "هنوز به سرور نرسیده است" in done.stderr and "--force" in done.stderr
    assert _licences(dbfile) == 1
    forced = daftar("restore", backup, "--db", dbfile, "--force")
    assert forced.returncode == 0, forced.stderr
    assert _licences(dbfile) == 0


def test_a_held_database_is_refused_in_persian(dbfile: Path, tmp_path: Path) -> None:  # noqa: F811
    holder = sqlite3.connect(dbfile, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the GUI in the middle of a write
    try:
        done = daftar("demo", "--licences", "1", "--db", dbfile)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert done.returncode == 1
    assert "قفل شده" in done.stderr and "Traceback" not in done.stderr
