"""Starting the GUI: application, logging, database, first-run setup, main window.

``run_gui(db_path)`` is what ``daftar`` (and ``python -m app``) runs without a
sub-command. The office is read in a worker once the event loop runs; a new database
first shows the set-up dialog.

With ``DAFTAR_EXIT_AFTER_PAINT=1`` the application prints the seconds from
:data:`app.STARTED` to the main window's first paint event, then quits (for start-up
benchmarks).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QStandardPaths, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

import app as app_package
from app.logging_setup import setup_logging
from app.services.db import Database, DatabaseProblem, open_database
from app.services.errors import DomainError
from app.services.office import OfficeInfo, get_office
from app.views.bootstrap import create_application
from app.views.context import AppContext, AppSignals
from app.views.errors import ErrorDialog, install_excepthook
from app.views.worker import TaskRunner

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


def show_fatal(exc: BaseException) -> None:
    """Show an error that stops start-up (blocking: there is no window yet)."""
    if isinstance(exc, DomainError):
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            _tr("دفتر"),
            exc.message,
            QMessageBox.StandardButton.Ok,
        )
        box.button(QMessageBox.StandardButton.Ok).setText(_tr("باشه"))
        box.exec()
    else:
        ErrorDialog(exc).exec()


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
            print(f"{self.seconds:.3f}", flush=True)
            self._widget.removeEventFilter(self)
            # Leave once this paint (and the children's, in the same pass) is done. exit(),
            # not quit(): quit() closes the windows, and the last one closing posts
            # another quit that would end the next event loop too.
            QTimer.singleShot(0, lambda: QCoreApplication.exit(0))
        return False


class _Startup(QObject):
    """Reads the office, runs the first-run setup if needed, shows the main window."""

    def __init__(self, qt_app: QApplication, ctx: AppContext, *, exit_after_paint: bool):
        super().__init__(qt_app)
        self._app = qt_app
        self._ctx = ctx
        self._exit_after_paint = exit_after_paint
        self.window: QWidget | None = None

    def start(self) -> None:
        """Read the office (in a worker)."""
        self._ctx.run_db(get_office, self.on_office_loaded, self.on_office_failed)

    def on_office_loaded(self, office: OfficeInfo | None) -> None:
        """Show the main window, or first the set-up dialog for a new database."""
        if office is None:
            from app.views.setup_dialog import SetupDialog

            # No window is open while the dialog closes and the main window opens.
            self._app.setQuitOnLastWindowClosed(False)
            dialog = SetupDialog(self._ctx)
            accepted = dialog.exec() == QDialog.DialogCode.Accepted
            office = getattr(dialog, "office", None)
            dialog.deleteLater()
            if not accepted:
                self._app.exit(0)
                return
            if office is None:
                self.start()
                return
        self._show_main_window(office)

    def on_office_failed(self, exc: BaseException) -> None:
        """The database could not be read: say so and stop."""
        log.error("could not read the office", exc_info=exc)
        show_fatal(exc)
        self._app.exit(1)

    def _show_main_window(self, office: OfficeInfo) -> None:
        from app.views.main_window import MainWindow

        window = MainWindow(self._ctx, office)
        self.window = window
        if self._exit_after_paint:
            FirstPaintProbe(window)
        window.show()
        self._app.setQuitOnLastWindowClosed(True)


def run_gui(db_path: Path | None) -> int:
    """Run the desktop application on the database at ``db_path`` (default: the user's)."""
    qt_app = create_application(sys.argv)
    try:
        setup_logging(data_dir() / "logs")
    except OSError as exc:  # a read-only profile must not stop the clerk's work
        print(f"daftar: logging to a file is off: {exc}", file=sys.stderr)
    install_excepthook()
    path = db_path if db_path is not None else default_db_path()
    db: Database
    try:
        db = open_database(path)
    except DatabaseProblem as exc:
        log.error("could not open %s: %s", path, exc.message)
        QMessageBox.critical(None, _tr("دفتر"), exc.message)
        return 1
    except Exception as exc:
        log.exception("could not open %s", path)
        show_fatal(exc)
        return 1
    runner = TaskRunner(qt_app)
    ctx = AppContext(db, runner, AppSignals())
    startup = _Startup(qt_app, ctx, exit_after_paint=os.environ.get(EXIT_AFTER_PAINT_ENV) == "1")
    QTimer.singleShot(0, startup.start)  # inside the event loop, whatever the runner
    try:
        return qt_app.exec()
    finally:
        runner.wait_for_done(30_000)
        if startup.window is not None:
            startup.window.deleteLater()
        db.close()
