"""The three kinds of error, and the exception hook."""

from __future__ import annotations

import errno
import logging
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.logging_setup import setup_logging, shutdown_logging
from app.views import errors as view_errors
from app.views.errors import ErrorDialog, describe_environment_error, install_excepthook, show_error
from common.errors import DomainError


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    yield setup_logging(tmp_path)
    shutdown_logging()


def _raised(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:
        return caught


class _Wrapped(Exception):
    """Like SQLAlchemy's OperationalError: the DB-API error is in ``orig``."""

    def __init__(self, orig: BaseException) -> None:
        super().__init__("wrapped")
        self.orig = orig


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (sqlite3.OperationalError("database is locked"), "برنامهٔ دیگری"),
        (_Wrapped(sqlite3.OperationalError("disk I/O error")), "دیسک"),
        (OSError(errno.ENOSPC, "No space left on device"), "فضای دیسک پر است"),
        (ConnectionRefusedError(), "سرور"),
    ],
)
def test_environment_errors_have_clear_messages(
    qtbot: QtBot, exc: BaseException, words: str
) -> None:
    message = describe_environment_error(exc)
    assert message is not None and words in message
    box = show_error(None, exc)
    assert isinstance(box, QMessageBox) and box.text() == message
    box.accept()


def test_domain_error_shows_its_message(qtbot: QtBot) -> None:
    box = show_error(None, DomainError("کد ملی نامعتبر است."))
    assert isinstance(box, QMessageBox)
    assert box.icon() == QMessageBox.Icon.Warning
    assert box.text() == "کد ملی نامعتبر است."
    box.accept()


def test_bug_dialog_copies_the_report(qtbot: QtBot, log_file: Path) -> None:
    assert describe_environment_error(ValueError("x")) is None
    dialog = show_error(None, _raised(ValueError("غیرمنتظره")))
    assert isinstance(dialog, ErrorDialog)
    assert dialog.windowTitle() == "خطای پیش‌بینی‌نشده"
    assert dialog.details.isReadOnly()
    assert "ValueError: غیرمنتظره" in dialog.details.toPlainText()
    assert str(log_file) in dialog.log_label.text()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == dialog.report
    dialog.reject()


def test_excepthook_logs_and_shows(qtbot: QtBot, log_file: Path) -> None:
    previous = install_excepthook()
    try:
        exc = _raised(RuntimeError("boom"))
        sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        sys.excepthook = previous
    for handler in logging.getLogger("daftar").handlers:
        handler.flush()
    text = log_file.read_text(encoding="utf-8")
    assert "CRITICAL daftar.gui" in text and "RuntimeError: boom" in text
    dialogs = [d for d in view_errors._open_dialogs if isinstance(d, ErrorDialog)]
    assert len(dialogs) == 1
    dialogs[0].reject()
