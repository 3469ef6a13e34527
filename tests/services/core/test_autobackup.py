"""Automatic backups: names, rotation (exactly N daily and M monthly), the second folder,
the settings and the status line's health."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.services.core.autobackup import (
    BackupSettings,
    auto_backup_name,
    automatic_backups,
    backup_health,
    backup_is_due,
    backup_settings,
    backups_folder,
    parse_auto_backup_name,
    plan_rotation,
    rotate,
    save_backup_settings,
    take_automatic_backup,
)
from app.services.core.backup import check_backup_file
from app.services.core.db import Database
from common.errors import ValidationErrors
from common.jalali import to_jalali_tuple

#: 1405/01/01 (Nowruz) at noon.
NOWRUZ = dt.datetime(2026, 3, 21, 12, 0, 0)


def test_names_round_trip() -> None:
    moment = dt.datetime(2026, 3, 21, 14, 30, 5)
    assert auto_backup_name(moment) == "daftar-auto-1405-01-01-143005.sqlite3"
    assert parse_auto_backup_name(auto_backup_name(moment)) == moment
    for other in ("daftar-backup-1405-01-01.sqlite3", "daftar-before-restore-x.sqlite3", "a"):
        assert parse_auto_backup_name(other) is None


def _fill(folder: Path, moments: list[dt.datetime]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for moment in moments:
        (folder / auto_backup_name(moment)).write_bytes(b"x")


def test_rotation_keeps_exactly_n_daily_and_m_monthly(tmp_path: Path) -> None:
    # Two backups a day (on close, and the daily one) for 200 days.
    moments = [NOWRUZ + dt.timedelta(days=day, hours=hour) for day in range(200) for hour in (0, 6)]
    folder = tmp_path / "backups"
    _fill(folder, moments)
    others = ["daftar-before-0004-20260101.sqlite3", "daftar-before-restore-1.sqlite3", "x.txt"]
    for name in others:
        (folder / name).write_bytes(b"keep me")
    removed = rotate(folder, keep_daily=7, keep_monthly=3)
    kept = [moment for moment, _ in automatic_backups(folder)]
    last = moments[-1]
    daily = [last - dt.timedelta(days=day) for day in range(7)]
    months = sorted({to_jalali_tuple(m.date())[:2] for m in moments})[-3:]
    monthly = [
        max(m for m in moments if to_jalali_tuple(m.date())[:2] == month) for month in months
    ]
    assert sorted(kept) == sorted(set(daily) | set(monthly))
    assert len(kept) == 7 + 3 - 1  # the newest daily is also this month's
    assert removed == len(moments) - len(kept)
    for name in others:  # never an automatic backup: never deleted
        assert (folder / name).read_bytes() == b"keep me"


def test_rotation_without_monthly_backups() -> None:
    moments = [NOWRUZ + dt.timedelta(days=day) for day in range(40)]
    assert plan_rotation(moments, 5, 0) == set(moments[-5:])


def test_an_automatic_backup_is_verified_copied_and_rotated(db: Database, tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    settings = BackupSettings(keep_daily=2, keep_monthly=0, second_folder=str(stick))
    _fill(backups_folder(db.path), [NOWRUZ - dt.timedelta(days=d) for d in (1, 2, 3)])
    _fill(stick, [NOWRUZ - dt.timedelta(days=d) for d in (1, 2, 3)])
    done = take_automatic_backup(db, settings, now=NOWRUZ)
    assert done.path == backups_folder(db.path).resolve() / auto_backup_name(NOWRUZ)
    assert done.second == stick / auto_backup_name(NOWRUZ)
    assert done.second_problem == "" and done.removed == 4
    assert check_backup_file(done.path).licences == check_backup_file(done.second).licences
    for folder in (backups_folder(db.path), stick):
        assert [m for m, _ in automatic_backups(folder)] == [NOWRUZ - dt.timedelta(days=1), NOWRUZ]
        assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []


def test_a_missing_second_folder_does_not_stop_the_backup(db: Database, tmp_path: Path) -> None:
    settings = BackupSettings(second_folder=str(tmp_path / "unplugged"))
    done = take_automatic_backup(db, settings, now=NOWRUZ)
    assert done.path.exists() and done.second is None
    assert "در دسترس نیست" in done.second_problem
    health = backup_health(db.path, settings, now=NOWRUZ + dt.timedelta(hours=1))
    assert not health.stale and health.last_good == NOWRUZ
    assert "در دسترس نیست" in health.second_problem


def test_health_and_due(db: Database) -> None:
    settings = BackupSettings()
    assert backup_health(db.path, settings).stale  # never backed up
    assert backup_is_due(db.path)
    take_automatic_backup(db, settings, now=NOWRUZ)
    assert not backup_is_due(db.path, now=NOWRUZ + dt.timedelta(hours=5))
    assert backup_is_due(db.path, now=NOWRUZ + dt.timedelta(days=1))
    assert not backup_health(db.path, settings, now=NOWRUZ + dt.timedelta(days=1)).stale
    assert backup_health(db.path, settings, now=NOWRUZ + dt.timedelta(days=2, hours=1)).stale


def test_settings_are_saved_and_checked(db: Database, tmp_path: Path) -> None:
    stick = tmp_path / "usb"
    stick.mkdir()
    with db.session() as session:
        assert backup_settings(session) == BackupSettings(7, 12, "")
        save_backup_settings(session, BackupSettings(10, 24, str(stick)), db.path)
    with db.session() as session:
        assert backup_settings(session) == BackupSettings(10, 24, str(stick))
    bad = [
        (BackupSettings(0, 12, ""), "backup_keep_daily"),
        (BackupSettings(7, -1, ""), "backup_keep_monthly"),
        (BackupSettings(7, 12, "relative/folder"), "backup_second_folder"),
        (BackupSettings(7, 12, str(tmp_path / "missing")), "backup_second_folder"),
        (BackupSettings(7, 12, str(backups_folder(db.path))), "backup_second_folder"),
        (BackupSettings(7, 12, str(tmp_path)), "backup_second_folder"),
    ]
    backups_folder(db.path).mkdir(exist_ok=True)
    for settings, field in bad:
        with pytest.raises(ValidationErrors) as caught, db.session() as session:
            save_backup_settings(session, settings, db.path)
        assert list(caught.value.by_field()) == [field]
    with db.session() as session:
        assert backup_settings(session) == BackupSettings(10, 24, str(stick))
