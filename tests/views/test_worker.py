"""TaskRunner: outcomes come back on the GUI thread; cancellation; synchronous mode."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from app.services.core.progress import Cancelled, Progress
from app.views import errors as view_errors
from app.views.worker import TaskRunner
from common.errors import DomainError


@pytest.fixture
def runner(qtbot: QtBot) -> Any:
    runner = TaskRunner()
    yield runner
    assert runner.wait_for_done(10_000)
    qtbot.waitUntil(lambda: runner.active_count == 0)


def test_success_is_delivered_on_the_gui_thread(qtbot: QtBot, runner: TaskRunner) -> None:
    seen: dict[str, Any] = {}

    def op(progress: Progress) -> int:
        seen["op_thread"] = QThread.currentThread()
        return 42

    def on_success(value: int) -> None:
        seen["value"] = value
        seen["gui_thread"] = QThread.currentThread()

    handle = runner.run(op, on_success, lambda exc: pytest.fail(repr(exc)))
    qtbot.waitUntil(lambda: "value" in seen)
    app_thread = QApplication.instance().thread()  # type: ignore[union-attr]
    assert seen["value"] == 42
    assert seen["gui_thread"] is app_thread
    assert seen["op_thread"] is not app_thread
    assert handle.finished


def test_failure_is_delivered(qtbot: QtBot, runner: TaskRunner) -> None:
    failures: list[BaseException] = []

    def op(progress: Progress) -> None:
        raise DomainError("کد ملی نامعتبر است.")

    runner.run(op, lambda _: pytest.fail("succeeded"), failures.append)
    qtbot.waitUntil(lambda: bool(failures))
    assert isinstance(failures[0], DomainError)
    assert failures[0].message == "کد ملی نامعتبر است."


def test_database_work_runs_one_job_at_a_time(qtbot: QtBot, runner: TaskRunner) -> None:
    running, peak, results = [0], [0], []
    lock = threading.Lock()

    def op(progress: Progress) -> None:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1

    for _ in range(4):
        runner.run(op, results.append)
    qtbot.waitUntil(lambda: len(results) == 4)
    assert peak[0] == 1


def test_cancel_raises_cancelled_in_op(qtbot: QtBot, runner: TaskRunner) -> None:
    started = threading.Event()
    failures: list[BaseException] = []

    def op(progress: Progress) -> None:
        started.set()
        for i in range(500):
            progress.report(i, 500)
            progress.check()
            time.sleep(0.01)

    handle = runner.run(op, lambda _: pytest.fail("not cancelled"), failures.append)
    assert started.wait(5)
    handle.cancel()
    qtbot.waitUntil(lambda: bool(failures))
    assert isinstance(failures[0], Cancelled)


def test_progress_dialog_cancel_button(qtbot: QtBot, runner: TaskRunner) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    failures: list[BaseException] = []

    def op(progress: Progress) -> None:
        for i in range(1000):
            progress.report(i, 1000, "در حال کار…")
            progress.check()
            time.sleep(0.01)

    handle = runner.run(
        op, lambda _: pytest.fail("not cancelled"), failures.append,
        progress_title="ورود داده‌ها", parent=window,
    )  # fmt: skip
    dialog = handle.dialog
    assert isinstance(dialog, QProgressDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    assert dialog.labelText() == "در حال کار…"
    assert dialog.maximum() == 1000
    cancel_button = dialog.findChild(QPushButton)
    assert cancel_button.text() == "لغو"
    qtbot.mouseClick(cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(failures))
    assert isinstance(failures[0], Cancelled)
    assert handle.dialog is None


def test_unhandled_domain_error_is_shown(qtbot: QtBot, runner: TaskRunner) -> None:
    def op(progress: Progress) -> None:
        raise DomainError("این پروانه قبلاً ثبت شده است.")

    handle = runner.run(op, lambda _: pytest.fail("succeeded"))
    qtbot.waitUntil(lambda: handle.finished)
    boxes = [d for d in view_errors._open_dialogs if isinstance(d, QMessageBox)]
    assert [b.text() for b in boxes] == ["این پروانه قبلاً ثبت شده است."]
    boxes[0].accept()
    assert not view_errors._open_dialogs


def test_synchronous_mode(qtbot: QtBot) -> None:
    runner = TaskRunner(synchronous=True)
    calls: list[object] = []
    threads: list[QThread] = []

    def op(progress: Progress) -> str:
        threads.append(QThread.currentThread())
        progress.report(1, 1)
        return "ok"

    handle = runner.run(op, calls.append, progress_title="بی‌درنگ")
    assert calls == ["ok"]  # delivered before run() returned
    assert handle.finished and handle.dialog is None
    assert threads == [QApplication.instance().thread()]  # type: ignore[union-attr]

    def failing(progress: Progress) -> None:
        raise ValueError("bug")

    runner.run(failing, calls.append, calls.append)
    assert isinstance(calls[-1], ValueError)

    cancelled = TaskRunner(synchronous=True)
    handle = cancelled.run(lambda p: (p.cancel(), p.check()), calls.append, calls.append)
    assert isinstance(calls[-1], Cancelled)


def test_an_error_shown_over_a_closed_window_is_forgotten(qtbot: QtBot) -> None:
    """A message box whose parent is destroyed before it is answered leaves the open
    dialogs with it (it used to stay there, dead, for the next error to trip over)."""
    parent = QWidget()
    shown = view_errors.show_error(parent, DomainError("پیام آزمایشی"))
    assert shown in view_errors._open_dialogs
    parent.deleteLater()
    qtbot.waitUntil(lambda: shown not in view_errors._open_dialogs, timeout=5_000)
