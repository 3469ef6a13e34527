"""run_gui: start-up paths (bad database, first run, normal start) and the paint probe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog

from app.services.accounts.service import start_as_head
from app.services.core import office as office_service
from app.services.core import reference
from app.services.core.db import open_database
from app.services.core.office import OfficeInput
from app.views import app as gui_app
from app.views import setup_dialog, sign_in
from common.text import isolate_ltr
from tests.accounts_support import HEAD_INPUT, act_as
from tests.views.register_support import seed_register

ROOT = Path(__file__).resolve().parents[2]


class QuickSignIn:
    """Signs in as the test head (creating the account on a database without one), like
    the real dialogs do, without showing anything."""

    def __init__(self, ctx: Any, parent: Any = None) -> None:
        self.ctx = ctx

    def exec(self) -> int:
        start_as_head(self.ctx.db, HEAD_INPUT)
        return QDialog.DialogCode.Accepted

    def deleteLater(self) -> None:
        pass


@pytest.fixture
def quiet_start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, qapp: QApplication) -> Any:
    """run_gui without touching the user's folders, the log handlers or the except hook;
    signing in is QuickSignIn."""
    monkeypatch.setattr(sign_in, "HeadAccountDialog", QuickSignIn)
    monkeypatch.setattr(sign_in, "SignInDialog", QuickSignIn)
    monkeypatch.setattr(gui_app, "data_dir", lambda: tmp_path / "data")
    monkeypatch.setattr(gui_app, "setup_logging", lambda folder: folder / "daftar.log")
    monkeypatch.setattr(gui_app, "install_excepthook", lambda: sys.excepthook)
    quit_on_close = qapp.quitOnLastWindowClosed()
    # A start-up that hangs must fail the test, not the whole run.
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(lambda: qapp.exit(99))
    guard.start(20_000)
    yield qapp
    guard.stop()
    qapp.setQuitOnLastWindowClosed(quit_on_close)


def test_a_file_that_is_not_a_database_is_refused(
    quiet_start: QApplication, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(
        gui_app, "show_fatal", lambda exc, parent=None: shown.append(getattr(exc, "message", ""))
    )
    bad = tmp_path / "notes.sqlite3"
    bad.write_text("not a database", encoding="utf-8")
    assert gui_app.run_gui(bad) == 1
    assert shown and "پایگاه داده دفتر نیست" in shown[0]
    # The path keeps its order in the right-to-left message (its «/» stays in front).
    assert shown[0].endswith(isolate_ltr(str(bad.resolve())))


def test_first_run_cancelled_exits_cleanly(
    quiet_start: QApplication, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    class CancelledSetup:
        def __init__(self, ctx: Any, parent: Any = None) -> None:
            self.office = None

        def exec(self) -> int:
            return QDialog.DialogCode.Rejected

        def deleteLater(self) -> None:
            pass

    monkeypatch.setattr(setup_dialog, "SetupDialog", CancelledSetup)
    assert gui_app.run_gui(tmp_path / "new.sqlite3") == 0


def test_first_run_then_main_window_paints(
    quiet_start: QApplication,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    class QuickSetup:
        """Creates the office like the real dialog does, without showing anything."""

        def __init__(self, ctx: Any, parent: Any = None) -> None:
            self.ctx = ctx
            self.office = None

        def exec(self) -> int:
            with self.ctx.db.session() as session:
                reference.seed_reference_data(session)
                session.flush()
                province = reference.list_provinces(session)[0]
                self.office = office_service.setup_office(
                    session, OfficeInput(province.id, None, "اداره آزمایشی", "99", 5)
                )
            return QDialog.DialogCode.Accepted

        def deleteLater(self) -> None:
            pass

    monkeypatch.setattr(setup_dialog, "SetupDialog", QuickSetup)
    # "rows": run until the register (after the set-up) has shown its first rows.
    monkeypatch.setenv(gui_app.EXIT_AFTER_PAINT_ENV, "rows")
    assert gui_app.run_gui(tmp_path / "new.sqlite3") == 0
    # Seconds since this (test) process imported app: only its form is checked here.
    seconds = float(capsys.readouterr().out.strip())
    assert seconds > 0


def test_exit_after_paint_in_a_fresh_process(tmp_path: Path) -> None:
    path = tmp_path / "daftar.sqlite3"
    database = act_as(open_database(path))
    seed_register(database, count=5)
    database.close()
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "DAFTAR_EXIT_AFTER_PAINT": "1",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "app", "--db", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    seconds = float(done.stdout.strip())
    assert 0 < seconds < 60
    assert (tmp_path / "data" / "Daftar" / "daftar" / "logs" / "daftar.log").exists()


def test_window_frame_paints_before_the_database_is_open(
    quiet_start: QApplication, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The frame shows «loading» first; the screens arrive when the worker has opened it."""
    path = tmp_path / "daftar.sqlite3"
    database = act_as(open_database(path))
    seed_register(database, count=5)
    database.close()
    seen: dict[str, Any] = {}
    original_attach = gui_app.MainWindow.attach

    def attach(window: Any, ctx: Any, office: Any) -> None:
        seen["loading_visible_before"] = window.loading_label.isVisible()
        seen["import_enabled_before"] = window.import_action.isEnabled()
        original_attach(window, ctx, office)
        seen["title"] = window.windowTitle()
        seen["import_enabled_after"] = window.import_action.isEnabled()
        QTimer.singleShot(0, lambda: quiet_start.exit(0))

    monkeypatch.setattr(gui_app.MainWindow, "attach", attach)
    assert gui_app.run_gui(path) == 0
    assert seen["loading_visible_before"] is True
    assert seen["import_enabled_before"] is False
    assert seen["import_enabled_after"] is True
    assert seen["title"].startswith("دفتر — ")
