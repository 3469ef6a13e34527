"""``daftar --smoke``: does the GUI start on this machine?

The Windows CI job runs it on the installed Daftar (``daftar-cli.exe --smoke`` and
``daftar.exe --smoke``, with ``QT_QPA_PLATFORM=offscreen``): the one place where the GUI
is exercised on Windows, since Qt cannot start under wine. It makes a demo database in a
temporary folder (or opens ``--db PATH``), starts the application the way ``daftar`` does
(:func:`app.views.app.run_gui`: fonts, Qt's Persian translations, the main window, the
database opened in a worker), waits until the register shows its first rows, paints the
window into an image and exits.

Exit status 0 when all of that happened and neither Daftar nor Qt logged a warning; 1
otherwise, with the reasons on stderr. A dialog popping up (an error, the first-run
set-up) or a start that takes longer than :data:`TIMEOUT_S` is a failure, never a hang.
``DAFTAR_SMOKE_SCREENSHOT=FILE.png`` also saves the painted window.
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMessageLogContext, QTimer, QtMsgType
from PySide6.QtCore import qInstallMessageHandler as install_qt_handler
from PySide6.QtWidgets import QApplication

from app.views.bootstrap import create_application

#: Demo licences in the smoke database (enough for a first page of the register).
SMOKE_LICENCES = 50
#: How long the start may take before the smoke run gives up.
TIMEOUT_S = 180
SCREENSHOT_ENV = "DAFTAR_SMOKE_SCREENSHOT"
#: What the offscreen platform says it cannot do (the tests ignore the same lines, see
#: ``qt_log_ignore`` in pyproject.toml): not a failure of Daftar.
_HARMLESS_QT = (
    "This plugin does not support propagateSizeHints()",
    "This plugin does not support raise()",
    "This plugin does not support grabbing the",
)


def _make_demo(path: Path) -> tuple[str, str]:
    """The demo database, with a head of office's account; returns its credentials."""
    from app.services import demo
    from app.services.accounts.service import HeadAccount, start_as_head
    from app.services.core.db import open_database

    credentials = ("smoke", secrets.token_urlsafe(16))
    db = open_database(path)
    try:
        start_as_head(db, HeadAccount(credentials[0], "آزمون دود", credentials[1]))
        with db.session() as session:
            demo.generate(session, SMOKE_LICENCES, seed=1)
        with db.session() as session:
            demo.generate_networks_and_events(session, SMOKE_LICENCES, seed=1)
        with db.session() as session:
            demo.generate_facility_cases(session, 20, seed=1)
    finally:
        db.close()
    return credentials


class _Problems(logging.Handler):
    """Collects every warning Daftar logs and every Qt warning."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}")

    def qt_message(self, kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        if kind == QtMsgType.QtDebugMsg or kind == QtMsgType.QtInfoMsg:
            return
        if not any(line in message for line in _HARMLESS_QT):
            self.lines.append(f"Qt: {message}")


class _Watch:
    """Polls the running application: done when the register has rows, failed on a
    dialog or after the time-out."""

    def __init__(self, qt_app: QApplication, problems: _Problems) -> None:
        self._problems = problems
        self._started = time.perf_counter()
        self.rows = 0
        self.seconds = 0.0
        self._timer = QTimer(qt_app)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._poll)
        self._timer.start()

    def _fail(self, reason: str) -> None:
        self._timer.stop()
        self._problems.lines.append(reason)
        QCoreApplication.exit(1)

    def _poll(self) -> None:
        from app.views.main_window import MainWindow

        elapsed = time.perf_counter() - self._started
        modal = QApplication.activeModalWidget()
        if modal is not None:
            self._fail(f"a dialog opened: {modal.windowTitle()!r} ({type(modal).__name__})")
            return
        if elapsed > TIMEOUT_S:
            self._fail(f"the register showed no rows within {TIMEOUT_S} s")
            return
        window = next(
            (w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)), None
        )
        screen = window.register_screen if window is not None else None
        if window is None or screen is None or screen.model.rowCount() == 0:
            return
        self._timer.stop()
        image = window.grab()  # paints the whole window
        if image.isNull():
            self._fail("the main window could not be painted")
            return
        shot = os.environ.get(SCREENSHOT_ENV)
        if shot and not image.save(shot):
            self._problems.lines.append(f"could not save the screenshot to {shot}")
        self.rows = screen.model.rowCount()
        self.seconds = elapsed
        QCoreApplication.exit(0)


def run_smoke(db_path: Path | None) -> int:
    """Start the GUI on a demo database (or ``db_path``), paint, exit: 0 when it works."""
    from app.views.app import credentials_from_environment, run_gui

    problems = _Problems()
    logging.getLogger().addHandler(problems)
    previous_qt_handler = install_qt_handler(problems.qt_message)
    try:
        with tempfile.TemporaryDirectory(prefix="daftar-smoke-") as folder:
            path = db_path
            # A database of one's own: signed in as $DAFTAR_USER with $DAFTAR_PASSWORD.
            credentials = credentials_from_environment()
            if path is None:
                path = Path(folder) / "smoke.sqlite3"
                credentials = _make_demo(path)
            watch = _Watch(create_application(sys.argv), problems)
            code = run_gui(path, credentials)
    finally:
        install_qt_handler(previous_qt_handler)
        logging.getLogger().removeHandler(problems)
    if code == 0 and watch.rows and not problems.lines:
        print(
            f"smoke ok: the main window painted {watch.rows} rows of the register "
            f"in {watch.seconds:.2f} s",
            flush=True,
        )
        return 0
    reasons = problems.lines or [f"the application exited with status {code}"]
    for reason in reasons:
        print(f"smoke FAILED: {reason}", file=sys.stderr, flush=True)
    return 1
