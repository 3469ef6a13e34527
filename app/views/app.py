"""Starting the GUI: application, logging, main window, database, first-run setup.

``run_gui(db_path)`` is what ``daftar`` (and ``python -m app``) runs without a
sub-command. A second start on the same database brings the running window forward and
exits (app.views.instance). A restore («بازیابی از پشتیبان…») closes the database,
restores it in a worker and opens it again in a new window (:class:`_Startup`).

The main window's frame is shown and painted first, with nothing but Qt
imported; the database is then opened (and migrated, after a backup, if it must be) in a
worker, the office is read, a new database shows the set-up dialog, and the window
builds its screens (:meth:`MainWindow.attach`).

With ``DAFTAR_EXIT_AFTER_PAINT=1`` the application prints the seconds from
:data:`app.STARTED` to the main window's first paint event and quits; with
``DAFTAR_EXIT_AFTER_PAINT=rows``, to the register's first page of licences (for
start-up benchmarks).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QStandardPaths, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

import app as app_package
from app.logging_setup import setup_logging
from app.services.core.progress import Progress
from app.views.bootstrap import create_application
from app.views.errors import ErrorDialog, install_excepthook, show_error
from app.views.instance import SingleInstance
from app.views.main_window import MainWindow
from app.views.worker import TaskRunner
from common.errors import DomainError

if TYPE_CHECKING:
    from app.services.core.db import Database
    from app.services.core.office import OfficeInfo
    from app.services.core.restore import RestoreResult

log = logging.getLogger("daftar.gui")

DB_FILE_NAME = "daftar.sqlite3"
EXIT_AFTER_PAINT_ENV = "DAFTAR_EXIT_AFTER_PAINT"


def _tr(text: str) -> str:
    return QCoreApplication.translate("app", text)


def data_dir() -> Path:
    """The user's local data folder of the app (database, logs)."""
    return Path(
        QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    )


def default_db_path() -> Path:
    """Where the database lives when no path is given."""
    return data_dir() / DB_FILE_NAME


def show_fatal(exc: BaseException, parent: QWidget | None = None) -> None:
    """Show an error that stops start-up (blocking)."""
    if isinstance(exc, DomainError):
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            _tr("دفتر"),
            exc.message,
            QMessageBox.StandardButton.Ok,
            parent,
        )
        box.button(QMessageBox.StandardButton.Ok).setText(_tr("باشه"))
        box.exec()
    else:
        ErrorDialog(exc).exec()


def _report_and_exit(seconds: float) -> None:
    print(f"{seconds:.3f}", flush=True)
    # exit(), not quit(): quit() closes the windows, and the last one closing posts
    # another quit that would end the next event loop too.
    QTimer.singleShot(0, lambda: QCoreApplication.exit(0))


class FirstPaintProbe(QObject):
    """Prints the seconds from :data:`app.STARTED` to a widget's first paint, then quits."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self._widget = widget
        self.seconds: float | None = None
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Catch the first paint event of the window."""
        if self.seconds is None and watched is self._widget and event.type() == QEvent.Type.Paint:
            self.seconds = time.perf_counter() - app_package.STARTED
            self._widget.removeEventFilter(self)
            _report_and_exit(self.seconds)
        return False


def _open(
    path: Path, _progress: Progress, credentials: tuple[str, str] | None = None
) -> tuple[Database, OfficeInfo | None, bool]:
    """Worker: open (create, migrate) the database; read its office and whether it has
    accounts yet; with ``credentials`` (username, password: the smoke run's), sign in."""
    from app.services.accounts.service import has_accounts, sign_in
    from app.services.core.db import open_database
    from app.services.core.office import get_office

    db = open_database(path)
    try:
        with db.session() as session:
            office, accounts = get_office(session), has_accounts(session)
        if credentials is not None and accounts:
            sign_in(db, *credentials)
        return db, office, accounts
    except BaseException:
        db.close()
        raise


class _Startup(QObject):
    """Opens the database, runs the first-run setup if needed, attaches the window."""

    def __init__(
        self,
        qt_app: QApplication,
        runner: TaskRunner,
        window: MainWindow,
        path: Path,
        *,
        exit_after_rows: bool = False,
        credentials: tuple[str, str] | None = None,
    ):
        super().__init__(qt_app)
        self._app = qt_app
        self._runner = runner
        self._path = path
        self._exit_after_rows = exit_after_rows
        self._credentials = credentials
        self.window = window
        self.db: Database | None = None
        #: What the last restore did (app.services.core.restore.RestoreResult).
        self.restored: RestoreResult | None = None
        window.sig_restore_requested.connect(self.on_window_restore_requested)

    def bring_forward(self) -> None:
        """Another start of Daftar on this database: show the window instead."""
        self.window.bring_forward()

    def start(self) -> None:
        """Open the database in a worker."""
        path, credentials = self._path, self._credentials
        self._runner.run(
            lambda progress: _open(path, progress, credentials), self.on_opened, self.on_failed
        )

    def on_opened(self, result: tuple[Database, OfficeInfo | None, bool]) -> None:
        """Sign in (a database without accounts first makes the head of office's), then
        attach the window to the database; a new database first shows the set-up."""
        from app.views.context import AppContext, AppSignals
        from app.views.sign_in import HeadAccountDialog, SignInDialog

        db, office, accounts = result
        self.db = db
        ctx = AppContext(db, self._runner, AppSignals())
        if db.account is None:
            sign_in: QDialog = (
                SignInDialog(ctx, self.window) if accounts else HeadAccountDialog(ctx, self.window)
            )
            signed_in = sign_in.exec() == QDialog.DialogCode.Accepted
            sign_in.deleteLater()
            if not signed_in or db.account is None:
                self._app.exit(0)
                return
        if office is None:
            from app.views.setup_dialog import SetupDialog

            dialog = SetupDialog(ctx, self.window)
            accepted = dialog.exec() == QDialog.DialogCode.Accepted
            office = getattr(dialog, "office", None)
            dialog.deleteLater()
            if not accepted or office is None:
                self._app.exit(0)
                return
        self.window.attach(ctx, office)
        if self._exit_after_rows and self.window.register_screen is not None:
            model = self.window.register_screen.model
            model.sig_loaded.connect(
                lambda _count: _report_and_exit(time.perf_counter() - app_package.STARTED)
            )

    def on_window_restore_requested(self, backup: Path) -> None:
        """Restore ``backup``: stop the window's background work, close the database,
        restore in a worker, then open it again in a new window."""
        old = self.window
        old.stop_background_work(take_backup=False)
        window = MainWindow()
        window.loading_label.setText(_tr("در حال بازیابی از پشتیبان…"))
        window.setGeometry(old.geometry())
        window.show()
        old.hide()
        old.deleteLater()
        self.window = window
        window.sig_restore_requested.connect(self.on_window_restore_requested)
        db, self.db = self.db, None
        path = self._path

        def op(_progress: Progress) -> RestoreResult:
            from app.services.core.restore import restore_database, restore_over

            if db is not None:
                return restore_over(db, backup)
            return restore_database(path, backup)

        self._runner.run(
            op,
            self.on_restored,
            self.on_restore_failed,
            progress_title=_tr("بازیابی از پشتیبان"),
            parent=window,
        )

    def on_restored(self, result: RestoreResult) -> None:
        """Open the restored database; say what was done."""
        from common.text import isolate_ltr

        self.restored = result
        self.start()
        lines = [_tr("پایگاه داده از نسخهٔ پشتیبان بازیابی شد.")]
        if result.migrated_from:
            lines.append(_tr("پشتیبان از نسخهٔ قدیمی‌تر دفتر بود و به‌روز شد."))
        if result.safety_copy is not None:
            lines.append(
                _tr("نسخهٔ ایمنی پایگاه دادهٔ پیشین:\n{path}").format(
                    path=isolate_ltr(str(result.safety_copy))
                )
            )
        lines.append(
            _tr(
                "اگر این اداره همگام‌سازی می‌کند، همگام‌سازی بعدی آنچه را سرور پس از این "
                "پشتیبان دریافت کرده است برمی‌گرداند."
            )
        )
        box = QMessageBox(
            QMessageBox.Icon.Information,
            _tr("بازیابی از پشتیبان"),
            "\n\n".join(lines),
            QMessageBox.StandardButton.Ok,
            self.window,
        )
        box.setObjectName("restoreDone")
        box.button(QMessageBox.StandardButton.Ok).setText(_tr("باشه"))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def on_restore_failed(self, exc: BaseException) -> None:
        """Nothing was replaced: say why and open the database as it was."""
        log.error("restore failed: %s", exc.message if isinstance(exc, DomainError) else exc)
        show_error(self.window, exc)
        self.start()

    def on_failed(self, exc: BaseException) -> None:
        """The database could not be opened or read: say so and stop."""
        if isinstance(exc, DomainError):
            log.error("could not open %s: %s", self._path, exc.message)
        else:
            log.error("could not open %s", self._path, exc_info=exc)
        show_fatal(exc, self.window)
        self._app.exit(1)


class _AfterFirstPaint(QObject):
    """Calls ``then`` once, from the event loop, after ``widget`` has painted."""

    def __init__(self, widget: QWidget, then: Callable[[], None]) -> None:
        super().__init__(widget)
        self._widget = widget
        self._then: Callable[[], None] | None = then
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """On the first paint, schedule ``then``."""
        if self._then is not None and event.type() == QEvent.Type.Paint:
            then, self._then = self._then, None
            self._widget.removeEventFilter(self)
            QTimer.singleShot(0, then)
        return False


def _start_logging() -> None:
    try:
        setup_logging(data_dir() / "logs")
    except OSError as exc:  # a read-only profile must not stop the clerk's work
        print(f"daftar: logging to a file is off: {exc}", file=sys.stderr)


def credentials_from_environment() -> tuple[str, str] | None:
    """$DAFTAR_USER and $DAFTAR_PASSWORD (app.cli_accounts), for measured and smoke runs."""
    user, password = os.environ.get("DAFTAR_USER"), os.environ.get("DAFTAR_PASSWORD")
    return (user, password) if user and password is not None else None


def run_gui(db_path: Path | None, credentials: tuple[str, str] | None = None) -> int:
    """Run the desktop application on the database at ``db_path`` (default: the user's);
    ``credentials`` (username, password) sign in without the dialog (the smoke run)."""
    qt_app = create_application(sys.argv)
    install_excepthook()
    path = db_path if db_path is not None else default_db_path()
    instance = SingleInstance(path, qt_app)
    if not instance.claim():
        print(
            "daftar: دفتر روی این پایگاه داده از قبل باز است؛ پنجرهٔ آن جلو آورده شد "
            "(already open: its window was brought forward).",
            file=sys.stderr,
        )
        return 0
    mode = os.environ.get(EXIT_AFTER_PAINT_ENV, "")
    if credentials is None and mode:
        # A measured start (bench, tests) signs in as $DAFTAR_USER, like the command line.
        credentials = credentials_from_environment()
    window = MainWindow()
    if mode == "1":
        FirstPaintProbe(window)
    runner = TaskRunner(qt_app)
    startup = _Startup(
        qt_app, runner, window, path, exit_after_rows=mode == "rows", credentials=credentials
    )
    instance.sig_activation_requested.connect(startup.bring_forward)

    def after_first_paint() -> None:
        # The frame is on screen: now the log file, and the database in a worker.
        _start_logging()
        startup.start()

    _AfterFirstPaint(window, after_first_paint)
    window.show()
    try:
        return qt_app.exec()
    finally:
        instance.release()
        # The automatic backup taken as the window closed finishes first.
        runner.wait_for_done(120_000)
        startup.window.deleteLater()
        if startup.db is not None:
            startup.db.close()
