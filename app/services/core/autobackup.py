"""Automatic backups: taken when the app closes and daily while it is open, rotated.

Each one is a verified copy (:func:`app.services.core.backup.copy_database`) named
``daftar-auto-1405-02-10-143005.sqlite3`` (the Jalali date and local time it was taken)
in ``<the database's folder>/backups``, and copied to a second folder when the office
chose one (a USB stick, a network share). Rotation keeps, in each folder, the newest
backup of each of the last N days that have one and of each of the last M Jalali months
(:func:`plan_rotation`); it only ever deletes automatic backups: the copies made before
a migration or a restore, and the clerk's own backups, are never deleted.

The settings (N, M, the second folder) are kept in the database (:class:`BackupSettings`);
:func:`backup_health` tells the status line whether the last good backup is too old or
the second folder is missing or can't be written.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from app.services.core.access import requires
from app.services.core.backup import BACKUP_SUFFIX, check_backup_file, copy_database
from app.services.core.db import Database, DatabaseProblem
from app.services.core.office import get_setting, set_setting
from common.errors import ValidationError, ValidationErrors
from common.files import atomic_path
from common.jalali import from_jalali, to_jalali_tuple
from common.text import isolate_ltr, to_persian_digits
from common.vocabulary import Permission

log = logging.getLogger("daftar.db")

KEY_KEEP_DAILY = "backup.keep_daily"
KEY_KEEP_MONTHLY = "backup.keep_monthly"
KEY_SECOND_FOLDER = "backup.second_folder"
DEFAULT_KEEP_DAILY = 7
DEFAULT_KEEP_MONTHLY = 12
MAX_KEEP_DAILY = 90
MAX_KEEP_MONTHLY = 120
#: The status line warns when the last good backup is older than this.
STALE_AFTER = dt.timedelta(days=2)
#: The folder of backups, beside the database.
BACKUPS_FOLDER = "backups"
AUTO_PREFIX = "daftar-auto-"
_AUTO_NAME = re.compile(
    r"^daftar-auto-(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})(\d{2})" + re.escape(BACKUP_SUFFIX) + "$"
)


@dataclass(frozen=True)
class BackupSettings:
    """How many automatic backups to keep, and the optional second folder."""

    keep_daily: int = DEFAULT_KEEP_DAILY
    keep_monthly: int = DEFAULT_KEEP_MONTHLY
    second_folder: str = ""


@dataclass(frozen=True)
class AutoBackup:
    """What one automatic backup did."""

    path: Path
    #: The copy in the second folder (None: no second folder, or it failed).
    second: Path | None
    #: Why the second copy failed (Persian), "" when it did not.
    second_problem: str
    #: How many older automatic backups rotation deleted (both folders).
    removed: int


@dataclass(frozen=True)
class BackupHealth:
    """What the status line says about backups."""

    #: When the newest automatic backup was taken (local time), None: never.
    last_good: dt.datetime | None
    #: The last good backup is older than :data:`STALE_AFTER` (or there is none).
    stale: bool
    #: Why the second folder can't be used (Persian), "" when it can or there is none.
    second_problem: str


def backups_folder(db_path: Path) -> Path:
    """Where the automatic backups of the database at ``db_path`` go."""
    return db_path.parent / BACKUPS_FOLDER


# -- settings ---------------------------------------------------------------------------------


def _int_setting(session: Session, key: str, default: int) -> int:
    try:
        return int(get_setting(session, key) or default)
    except ValueError:
        return default


def backup_settings(session: Session) -> BackupSettings:
    """The office's backup settings (defaults where none are stored)."""
    return BackupSettings(
        keep_daily=_int_setting(session, KEY_KEEP_DAILY, DEFAULT_KEEP_DAILY),
        keep_monthly=_int_setting(session, KEY_KEEP_MONTHLY, DEFAULT_KEEP_MONTHLY),
        second_folder=get_setting(session, KEY_SECOND_FOLDER),
    )


@requires(Permission.OFFICE_SETTINGS)
def save_backup_settings(session: Session, settings: BackupSettings, db_path: Path) -> None:
    """Store the settings; a refused value raises :class:`ValidationErrors` (fields
    ``backup_keep_daily``, ``backup_keep_monthly``, ``backup_second_folder``)."""
    errors: list[ValidationError] = []
    if not 1 <= settings.keep_daily <= MAX_KEEP_DAILY:
        errors.append(
            ValidationError(
                "backup_keep_daily",
                "تعداد پشتیبان‌های روزانه باید از ۱ تا "
                f"{to_persian_digits(str(MAX_KEEP_DAILY))} باشد.",
            )
        )
    if not 0 <= settings.keep_monthly <= MAX_KEEP_MONTHLY:
        errors.append(
            ValidationError(
                "backup_keep_monthly",
                "تعداد پشتیبان‌های ماهانه باید از ۰ تا "
                f"{to_persian_digits(str(MAX_KEEP_MONTHLY))} باشد.",
            )
        )
    second = settings.second_folder.strip()
    if second:
        folder = Path(second).expanduser()
        if not folder.is_absolute():
            errors.append(ValidationError("backup_second_folder", "مسیر کامل پوشه را برگزینید."))
        elif not folder.is_dir():
            errors.append(
                ValidationError(
                    "backup_second_folder",
                    "این پوشه پیدا نشد (حافظهٔ جانبی یا شبکه وصل است؟).",
                )
            )
        elif folder.resolve() in (backups_folder(db_path).resolve(), db_path.parent.resolve()):
            errors.append(
                ValidationError(
                    "backup_second_folder",
                    "پوشهٔ دوم باید جای دیگری باشد (مثلاً یک فلش یا پوشهٔ اشتراکی شبکه)، "
                    "نه کنار پایگاه داده.",
                )
            )
        elif not os.access(folder, os.W_OK):
            errors.append(
                ValidationError(
                    "backup_second_folder",
                    "در این پوشه نمی‌توان نوشت.",
                )
            )
    if errors:
        raise ValidationErrors(errors)
    set_setting(session, KEY_KEEP_DAILY, str(settings.keep_daily))
    set_setting(session, KEY_KEEP_MONTHLY, str(settings.keep_monthly))
    set_setting(session, KEY_SECOND_FOLDER, second)


# -- names and rotation -----------------------------------------------------------------------


def auto_backup_name(moment: dt.datetime) -> str:
    """The file name of an automatic backup taken at ``moment`` (local time)."""
    year, month, day = to_jalali_tuple(moment.date())
    return (
        f"{AUTO_PREFIX}{year:04d}-{month:02d}-{day:02d}-"
        f"{moment.hour:02d}{moment.minute:02d}{moment.second:02d}{BACKUP_SUFFIX}"
    )


def parse_auto_backup_name(name: str) -> dt.datetime | None:
    """The local moment in an automatic backup's name; None for any other file."""
    found = _AUTO_NAME.match(name)
    if found is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in found.groups())
    try:
        return dt.datetime.combine(from_jalali(year, month, day), dt.time(hour, minute, second))
    except ValueError:
        return None


def automatic_backups(folder: Path) -> list[tuple[dt.datetime, Path]]:
    """The automatic backups in ``folder``, oldest first."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    found = [(parse_auto_backup_name(path.name), path) for path in entries if path.is_file()]
    return sorted((moment, path) for moment, path in found if moment is not None)


def plan_rotation(
    moments: Iterable[dt.datetime], keep_daily: int, keep_monthly: int
) -> set[dt.datetime]:
    """Which backups rotation keeps: the newest of each of the last ``keep_daily`` days
    that have one, and the newest of each of the last ``keep_monthly`` Jalali months."""
    newest_of_day: dict[dt.date, dt.datetime] = {}
    newest_of_month: dict[tuple[int, int], dt.datetime] = {}
    for moment in moments:
        day = moment.date()
        if day not in newest_of_day or moment > newest_of_day[day]:
            newest_of_day[day] = moment
        year, month, _ = to_jalali_tuple(day)
        if (year, month) not in newest_of_month or moment > newest_of_month[(year, month)]:
            newest_of_month[(year, month)] = moment
    kept = {newest_of_day[day] for day in sorted(newest_of_day, reverse=True)[:keep_daily]}
    if keep_monthly > 0:
        months = sorted(newest_of_month, reverse=True)[:keep_monthly]
        kept.update(newest_of_month[month] for month in months)
    return kept


def rotate(folder: Path, keep_daily: int, keep_monthly: int) -> int:
    """Delete the automatic backups of ``folder`` rotation does not keep; returns how
    many it deleted. Other files are never touched."""
    backups = automatic_backups(folder)
    kept = plan_rotation((moment for moment, _ in backups), keep_daily, keep_monthly)
    removed = 0
    for moment, path in backups:
        if moment in kept:
            continue
        try:
            path.unlink()
            removed += 1
        except OSError as exc:
            log.warning("could not delete the old backup %s: %s", path, exc)
    return removed


# -- taking one -------------------------------------------------------------------------------


def _copy_verified(source: Path, folder: Path) -> Path:
    """Copy a verified backup into ``folder`` (temporary file, fsync, rename), then check
    the copy itself."""
    destination = folder / source.name
    with atomic_path(destination) as temporary:
        shutil.copyfile(source, temporary)
        check_backup_file(temporary)
    return destination


def second_folder_problem(second_folder: str) -> str:
    """Why the second folder can't take a backup now (Persian), "" when it can."""
    if not second_folder:
        return ""
    folder = Path(second_folder)
    shown = isolate_ltr(second_folder)
    if not folder.is_dir():
        return f"پوشهٔ دوم پشتیبان در دسترس نیست (حافظهٔ جانبی یا شبکه وصل نیست؟): {shown}"
    if not os.access(folder, os.W_OK):
        return f"در پوشهٔ دوم پشتیبان نمی‌توان نوشت: {shown}"
    return ""


def take_automatic_backup(
    db: Database, settings: BackupSettings, now: dt.datetime | None = None
) -> AutoBackup:
    """Take an automatic backup, copy it to the second folder, rotate both folders.

    A failure to write the backup beside the database raises :class:`DatabaseProblem`
    (Persian); a failure of the second copy is reported in the result, not raised."""
    moment = (now or dt.datetime.now()).replace(microsecond=0)
    folder = backups_folder(db.path)
    path = copy_database(db, folder / auto_backup_name(moment), replace=True)
    removed = rotate(folder, settings.keep_daily, settings.keep_monthly)
    second: Path | None = None
    problem = second_folder_problem(settings.second_folder)
    if settings.second_folder and not problem:
        try:
            second = _copy_verified(path, Path(settings.second_folder))
            removed += rotate(
                Path(settings.second_folder), settings.keep_daily, settings.keep_monthly
            )
        except DatabaseProblem as exc:
            problem = exc.message
        except OSError as exc:
            problem = (
                f"نسخهٔ پشتیبان در پوشهٔ دوم نوشته نشد ({exc.strerror or exc}): "
                f"{isolate_ltr(settings.second_folder)}"
            )
    if problem:
        log.warning("second backup folder: %s", problem)
    log.info("automatic backup %s (%d old ones removed)", path, removed)
    return AutoBackup(path, second, problem, removed)


def backup_is_due(db_path: Path, now: dt.datetime | None = None) -> bool:
    """No automatic backup has been taken today yet."""
    today = (now or dt.datetime.now()).date()
    backups = automatic_backups(backups_folder(db_path))
    return not backups or backups[-1][0].date() < today


def backup_health(
    db_path: Path, settings: BackupSettings, now: dt.datetime | None = None
) -> BackupHealth:
    """The newest automatic backup, whether it is too old, and the second folder."""
    backups = automatic_backups(backups_folder(db_path))
    last = backups[-1][0] if backups else None
    moment = now or dt.datetime.now()
    stale = last is None or moment - last > STALE_AFTER
    return BackupHealth(last, stale, second_folder_problem(settings.second_folder))
