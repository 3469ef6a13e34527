"""Showing errors to the user: the three kinds of error (style.md, practice 8).

- :class:`~common.errors.DomainError`: its Persian ``message`` in a warning box;
- known environment problems (database locked, disk error or full, server unreachable):
  a clear Persian message;
- anything else is a bug: a dialog with the traceback, a button that copies the report
  and the path of the log file.

Dialogs are opened window-modal and non-blocking (``open()``), so they are safe to show
from the exception hook and easy to drive from tests.
"""

from __future__ import annotations

import errno
import logging
import sys
import traceback
from collections.abc import Callable, Iterator
from types import TracebackType

import PySide6
from PySide6.QtCore import QCoreApplication, Qt, QThread
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.logging_setup import current_log_file
from common.errors import DomainError
from common.text import isolate_ltr

log = logging.getLogger("daftar.gui")

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]

# Dialogs without a parent would be deleted with their Python wrapper: keep them until closed.
_open_dialogs: set[QDialog] = set()


def _tr(text: str) -> str:
    return QCoreApplication.translate("errors", text)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """Yield the exception, what it wraps (SQLAlchemy's ``orig``) and its causes."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        todo += [orig if isinstance(orig, BaseException) else None]
        todo += [current.__cause__, current.__context__]


def describe_environment_error(exc: BaseException) -> str | None:
    """Return a Persian message for a known environment problem, or None if it isn't one."""
    for cause in _causes(exc):
        text = str(cause).lower()
        if type(cause).__name__ == "OperationalError" and type(cause).__module__ == "sqlite3":
            if "database is locked" in text or "database is busy" in text:
                return _tr(
                    "پایگاه داده در دست برنامهٔ دیگری است. اگر «دفتر» در پنجرهٔ دیگری باز "
                    "است آن را ببندید و چند لحظه بعد دوباره امتحان کنید."
                )
            if "database or disk is full" in text:
                return _tr("فضای دیسک پر است. کمی جا باز کنید و دوباره امتحان کنید.")
            if "disk i/o error" in text:
                return _tr(
                    "خواندن یا نوشتن روی دیسک ممکن نشد. دیسک یا حافظهٔ جانبی را بررسی کنید "
                    "و دوباره امتحان کنید."
                )
        if isinstance(cause, ConnectionError | TimeoutError):
            return _tr("به سرور دسترسی نیست. اتصال اینترنت را بررسی کنید و دوباره امتحان کنید.")
        if isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, errno.EDQUOT):
            return _tr("فضای دیسک پر است. کمی جا باز کنید و دوباره امتحان کنید.")
    return None


def error_report(exc: BaseException) -> str:
    """Return the text of a bug report: versions, then the traceback."""
    import platform  # imported here: start-up imports as little as it can
    from importlib import metadata

    try:
        version = metadata.version("daftar")
    except metadata.PackageNotFoundError:
        version = "?"
    header = (
        f"Daftar {version}; Python {platform.python_version()}; "
        f"PySide6 {PySide6.__version__}; {platform.platform()}"
    )
    return header + "\n\n" + "".join(traceback.format_exception(exc))


class ErrorDialog(QDialog):
    """The dialog for an unexpected error (a bug): the report, a copy button, the log path."""

    def __init__(self, exc: BaseException, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_tr("خطای پیش‌بینی‌نشده"))
        self.report = error_report(exc)
        intro = QLabel(
            _tr(
                "خطایی پیش آمد که برنامه انتظارش را نداشت. گزارش زیر را کپی کنید و "
                "برای پشتیبانی بفرستید."
            )
        )
        intro.setWordWrap(True)
        self.details = QPlainTextEdit(self.report)
        self.details.setReadOnly(True)
        self.details.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        log_file = current_log_file()
        self.log_label = QLabel(
            _tr("پروندهٔ گزارش‌ها: {path}").format(path=isolate_ltr(str(log_file)))
            if log_file is not None
            else _tr("گزارش‌ها در پرونده ذخیره نمی‌شوند.")
        )
        self.log_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log_label.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.copy_button = QPushButton(_tr("کپی گزارش"))
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setText(_tr("بستن"))
        self.copy_button.clicked.connect(self.on_copy_button_clicked)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.log_label)
        layout.addWidget(buttons)
        self.resize(640, 420)

    def on_copy_button_clicked(self) -> None:
        """Copy the report to the clipboard."""
        QGuiApplication.clipboard().setText(self.report)


def _open(dialog: QDialog) -> QDialog:
    _open_dialogs.add(dialog)

    def on_finished(_result: int) -> None:
        _open_dialogs.discard(dialog)
        dialog.deleteLater()

    dialog.finished.connect(on_finished)
    # A dialog whose parent window closed goes with it, unfinished: forget it too.
    dialog.destroyed.connect(lambda *_args: _open_dialogs.discard(dialog))
    dialog.open()
    return dialog


def show_error(parent: QWidget | None, exc: BaseException) -> QDialog:
    """Show ``exc`` to the user the way its kind calls for; returns the opened dialog."""
    title = _tr("خطا")
    if isinstance(exc, DomainError):
        icon, text = QMessageBox.Icon.Warning, exc.message
    elif (known := describe_environment_error(exc)) is not None:
        icon, text = QMessageBox.Icon.Critical, known
    else:
        return _open(ErrorDialog(exc, parent))
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.button(QMessageBox.StandardButton.Ok).setText(_tr("باشه"))
    return _open(box)


def install_excepthook() -> ExceptHook:
    """Log unhandled exceptions (``daftar.gui``) and show them; returns the previous hook."""
    previous: ExceptHook = sys.excepthook

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        log.critical("unhandled exception", exc_info=(exc_type, exc, tb))
        app = QApplication.instance()
        if app is None or QThread.currentThread() is not app.thread():
            return
        try:
            show_error(QApplication.activeWindow(), exc)
        except Exception:  # never let the hook itself fail
            log.exception("could not show the error dialog")

    sys.excepthook = hook
    return previous
