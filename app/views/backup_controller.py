"""The main window's backups: «پشتیبان‌گیری…», the automatic backups, «بازیابی از پشتیبان…».

:class:`BackupController` runs every piece of work in the task runner (never on the GUI
thread):

- «پشتیبان‌گیری…»: a verified copy to a file the clerk chooses
  (:func:`app.services.core.backup.write_backup`);
- automatic backups (app.services.core.autobackup): a check :data:`FIRST_CHECK_SECONDS`
  after the database is attached and then every :data:`CHECK_SECONDS`; when no backup
  was taken today, one is taken quietly; another when the window closes (the app waits
  for it before it exits). ``DAFTAR_AUTO_BACKUP=0`` turns them off (tests);
- the status line: a warning when the last good backup is older than two days, or the
  second folder is missing or can't be written (hidden when all is well);
- «بازیابی از پشتیبان…»: choose a file, check it (app.services.core.restore.plan_restore),
  ask (:class:`app.views.restore_dialog.RestoreDialog`: the backup's date, the changes
  not yet sent, «اول همگام‌سازی»), then :attr:`sig_restore_confirmed` tells the
  application to close the database and restore (app.views.app).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QCoreApplication, QObject, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMessageBox

from app.services.core.progress import Progress
from app.views.sync_common import WARNING_COLOR, format_moment
from app.views.widgets import messages
from common.text import isolate_ltr, to_persian_digits

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.services.core.autobackup import AutoBackup, BackupHealth
    from app.services.core.restore import RestorePlan
    from app.views.context import AppContext
    from app.views.sync_controller import SyncController

log = logging.getLogger("daftar.gui")

#: Environment variable: "0" turns the automatic backups off.
AUTO_BACKUP_ENV = "DAFTAR_AUTO_BACKUP"
FIRST_CHECK_SECONDS = 60
CHECK_SECONDS = 3600
MESSAGE_MS = 15_000
WARNING_STYLE = f"color: {WARNING_COLOR}; font-weight: bold;"


def _tr(text: str) -> str:
    return QCoreApplication.translate("BackupController", text)


def auto_backups_enabled() -> bool:
    """Automatic backups are on unless ``DAFTAR_AUTO_BACKUP=0``."""
    return os.environ.get(AUTO_BACKUP_ENV, "").strip() != "0"


def _health(db_path: Path, session: Session) -> BackupHealth:
    from app.services.core.autobackup import backup_health, backup_settings

    return backup_health(db_path, backup_settings(session))


def health_text(health: BackupHealth, now: dt.datetime | None = None) -> tuple[str, str]:
    """The status line's warning and its tooltip ("" when all is well)."""
    parts: list[str] = []
    tips: list[str] = []
    if health.stale:
        if health.last_good is None:
            parts.append(_tr("هنوز پشتیبانی گرفته نشده"))
        else:
            days = max(2, ((now or dt.datetime.now()) - health.last_good).days)
            parts.append(
                _tr("آخرین پشتیبان: {days} روز پیش").format(days=to_persian_digits(str(days)))
            )
            tips.append(
                _tr("آخرین پشتیبان سالم: {moment}").format(
                    moment=format_moment(health.last_good.astimezone())
                )
            )
        tips.append(_tr("از «پرونده ← پشتیبان‌گیری…» یک نسخهٔ پشتیبان بگیرید."))
    if health.second_problem:
        parts.append(_tr("پوشهٔ دوم پشتیبان در دسترس نیست"))
        tips.append(health.second_problem)
    return " | ".join(parts), "\n".join(tips)


class BackupController(QObject):
    """Backups and restore for the main window."""

    #: The clerk confirmed restoring this backup (a Path): the application restores it.
    sig_restore_confirmed = Signal(object)
    #: An automatic backup ended: its AutoBackup, or the exception it stopped with.
    sig_auto_backup_finished = Signal(object)

    def __init__(
        self,
        ctx: AppContext,
        window: QMainWindow,
        sync: SyncController | None = None,
        *,
        auto: bool | None = None,
    ) -> None:
        super().__init__(window)
        self.ctx = ctx
        self.sync = sync
        self.auto = auto_backups_enabled() if auto is None else auto
        self.running = False
        self.health: BackupHealth | None = None
        self.status_label = QLabel()
        self.status_label.setObjectName("backupStatus")
        self.status_label.setStyleSheet(WARNING_STYLE)
        self.status_label.hide()
        self._pending_backup: Path | None = None
        self.timer = QTimer(self)
        self.timer.setObjectName("autoBackupTimer")
        self.timer.timeout.connect(self.on_timer_timeout)
        if self.auto:
            self.timer.setInterval(CHECK_SECONDS * 1000)
            QTimer.singleShot(FIRST_CHECK_SECONDS * 1000, self, self.on_timer_timeout)
            self.timer.start()
        self.refresh_status()

    @property
    def window(self) -> QMainWindow:
        """The main window (the parent)."""
        return cast(QMainWindow, self.parent())

    # -- the status line ------------------------------------------------------------------

    def refresh_status(self) -> None:
        """Read the backups' health again (a worker) and show it."""
        path = self.ctx.db.path
        self.ctx.run_op(
            lambda session: _health(path, session),
            self.on_health_loaded,
            self.on_health_failed,
            parent=self.window,
        )

    def on_health_loaded(self, health: BackupHealth) -> None:
        """Show a warning when backups are too old or the second folder is missing."""
        self.health = health
        text, tip = health_text(health)
        self.status_label.setText(text)
        self.status_label.setToolTip(tip)
        self.status_label.setVisible(bool(text))

    def on_health_failed(self, exc: BaseException) -> None:
        """The settings could not be read: the line keeps what it showed."""
        log.warning("could not read the backups' state: %s", exc)

    # -- automatic backups ----------------------------------------------------------------

    def on_timer_timeout(self) -> None:
        """Every hour: take today's backup if there is none yet."""
        from app.services.core.autobackup import backup_is_due

        if self.running or not backup_is_due(self.ctx.db.path):
            return
        self.take_automatic_backup()

    def take_automatic_backup(self) -> None:
        """Take an automatic backup quietly (a worker); the status line says the outcome."""
        from app.services.core.autobackup import backup_settings, take_automatic_backup

        self.running = True
        db = self.ctx.db

        def op(_progress: Progress) -> AutoBackup:
            with db.session() as session:
                settings = backup_settings(session)
            return take_automatic_backup(db, settings)

        self.ctx.runner.run(
            op, self.on_auto_backup_succeeded, self.on_auto_backup_failed, parent=self.window
        )

    def on_auto_backup_succeeded(self, done: AutoBackup) -> None:
        """Read the health again (a second folder that failed shows on the line)."""
        self.running = False
        self.refresh_status()
        self.sig_auto_backup_finished.emit(done)

    def on_auto_backup_failed(self, exc: BaseException) -> None:
        """Say it on the status bar (no box: nobody asked for this backup)."""
        from common.errors import DomainError

        self.running = False
        text = exc.message if isinstance(exc, DomainError) else str(exc)
        log.error("automatic backup failed: %s", text)
        self.window.statusBar().showMessage(
            _tr("پشتیبان‌گیری خودکار انجام نشد: {reason}").format(reason=text), MESSAGE_MS
        )
        self.refresh_status()
        self.sig_auto_backup_finished.emit(exc)

    def shutdown(self, *, take_backup: bool) -> None:
        """The window closes: no more checks; with ``take_backup``, one last backup (the
        application waits for the runner before it exits)."""
        self.timer.stop()
        if take_backup and self.auto and not self.running:
            self.take_automatic_backup()

    # -- «پشتیبان‌گیری…» -------------------------------------------------------------------

    def back_up_now(self) -> None:
        """Write a copy of the database to a file the clerk chooses (in a worker)."""
        from app.services.core.backup import backup_file_name, with_backup_suffix, write_backup
        from common.jalali import today

        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        suggested = Path(folder or Path.home()) / backup_file_name(today())
        chosen, _ = QFileDialog.getSaveFileName(
            self.window,
            _tr("پشتیبان‌گیری از پایگاه داده"),
            str(suggested),
            _tr("پایگاه داده دفتر (*.sqlite3)"),
        )
        if not chosen:
            return
        destination = with_backup_suffix(Path(chosen))
        db = self.ctx.db

        def op(_progress: Progress) -> Path:
            # The save dialog has asked whether to replace an existing file.
            return write_backup(db, destination, replace=True)

        self.ctx.runner.run(
            op,
            self.on_backup_succeeded,
            progress_title=_tr("پشتیبان‌گیری از پایگاه داده"),
            parent=self.window,
        )

    def on_backup_succeeded(self, destination: Path) -> None:
        """Tell the clerk where the backup is."""
        box = QMessageBox(
            QMessageBox.Icon.Information,
            _tr("پشتیبان‌گیری"),
            _tr("نسخهٔ پشتیبان در این پرونده ذخیره شد:\n{path}").format(
                path=isolate_ltr(str(destination))
            ),
            QMessageBox.StandardButton.Ok,
            self.window,
        )
        box.button(QMessageBox.StandardButton.Ok).setText(_tr("باشه"))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # -- «بازیابی از پشتیبان…» ---------------------------------------------------------------

    def restore(self) -> None:
        """Choose a backup file, then check it."""
        from app.services.core.autobackup import backups_folder

        folder = backups_folder(self.ctx.db.path)
        chosen, _ = QFileDialog.getOpenFileName(
            self.window,
            _tr("بازیابی از پشتیبان"),
            str(folder if folder.is_dir() else Path.home()),
            _tr("پایگاه داده دفتر (*.sqlite3)"),
        )
        if chosen:
            self.check_backup(Path(chosen))

    def check_backup(self, backup: Path) -> None:
        """Check ``backup`` in a worker, then ask the clerk."""
        from app.services.core.restore import plan_restore

        live = self.ctx.db.path
        self._pending_backup = backup
        self.ctx.runner.run(
            lambda _progress: plan_restore(live, backup),
            self.on_plan_ready,
            progress_title=_tr("بررسی نسخهٔ پشتیبان"),
            parent=self.window,
        )

    def on_plan_ready(self, plan: RestorePlan) -> None:
        """Ask (the backup's date, the changes not yet sent); act on the answer."""
        from app.views.restore_dialog import RestoreChoice, RestoreDialog

        dialog = RestoreDialog(plan, self.window)
        dialog.exec()
        choice = dialog.choice
        dialog.deleteLater()
        if choice is RestoreChoice.RESTORE:
            if self.sync is not None and self.sync.running:
                messages.inform(
                    self.window,
                    _tr("بازیابی از پشتیبان"),
                    _tr("همگام‌سازی در جریان است؛ پس از پایان آن دوباره بازیابی کنید."),
                )
                return
            self.sig_restore_confirmed.emit(plan.backup.path)
        elif choice is RestoreChoice.SYNC_FIRST and self.sync is not None:
            self.sync.sig_sync_finished.connect(self.on_sync_before_restore_finished)
            self.sync.sync_now()

    def on_sync_before_restore_finished(self, _outcome: object) -> None:
        """The sync asked for before the restore ended: check and ask again."""
        assert self.sync is not None
        self.sync.sig_sync_finished.disconnect(self.on_sync_before_restore_finished)
        if self._pending_backup is not None:
            self.check_backup(self._pending_backup)
