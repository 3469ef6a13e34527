"""The one way to run work off the GUI thread (style.md, practice 3).

``TaskRunner.run(op, on_success, on_failure)`` runs ``op(progress)`` in a worker thread and
calls ``on_success(result)`` or ``on_failure(exc)`` back on the GUI thread. Database work
goes to a private pool with one thread (one job at a time, SQLite has one writer);
``network=True`` work goes to Qt's global pool and runs in parallel. ``op`` must never
touch widgets: it gets a thread-safe :class:`~app.services.core.progress.Progress` to report
through and to check for cancellation.

Tests set ``synchronous=True`` (or the module switch :data:`SYNCHRONOUS`): ``op`` then runs
at once on the calling thread and the same callbacks are called before ``run`` returns.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget
from shiboken6 import Shiboken

from app.services.core.progress import Cancelled, Progress
from app.views.errors import show_error
from common.errors import DomainError

log = logging.getLogger("daftar.gui")

T = TypeVar("T")

#: Default for ``TaskRunner(synchronous=None)``; tests may set it to True.
SYNCHRONOUS = False
#: A progress dialog appears only for work that lasts longer than this.
PROGRESS_MIN_DURATION_MS = 400
#: Progress reports reach the GUI at most this often (the last one always does).
PROGRESS_INTERVAL_S = 0.1


class TaskHandle:
    """A running task: its :class:`Progress`, its progress dialog, and a way to cancel it."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.dialog: QProgressDialog | None = None
        self.finished = False

    def cancel(self) -> None:
        """Ask the task to stop; ``on_failure`` receives :class:`Cancelled` if it does."""
        self.progress.cancel()


class _Delivery(QObject, Generic[T]):
    """Lives in the GUI thread; its signals carry results from the worker back to it."""

    sig_succeeded = Signal(object)
    sig_failed = Signal(object)
    sig_progressed = Signal(object, object, str)

    def __init__(
        self,
        handle: TaskHandle,
        on_success: Callable[[T], None],
        on_failure: Callable[[BaseException], None] | None,
        widget: QWidget | None,
        on_done: Callable[[_Delivery[Any]], None],
        before_success: Callable[[T], None] | None = None,
    ) -> None:
        super().__init__()
        self.handle = handle
        self._before_success = before_success
        self._on_success = on_success
        self._on_failure = on_failure
        self._widget = widget
        self._on_done = on_done
        self._last_report = 0.0
        self._report_lock = threading.Lock()
        self.sig_succeeded.connect(self.on_succeeded, Qt.ConnectionType.QueuedConnection)
        self.sig_failed.connect(self.on_failed, Qt.ConnectionType.QueuedConnection)
        self.sig_progressed.connect(self.on_progressed, Qt.ConnectionType.QueuedConnection)

    def report_from_worker(self, done: int, total: int | None, text: str) -> None:
        """Progress listener (worker thread): forward reports, at most every 100 ms."""
        now = time.monotonic()
        with self._report_lock:
            if now - self._last_report < PROGRESS_INTERVAL_S and done != total:
                return
            self._last_report = now
        self.sig_progressed.emit(done, total, text)

    def _widget_gone(self) -> bool:
        return self._widget is not None and not Shiboken.isValid(self._widget)

    def _finish(self) -> bool:
        """Close the progress dialog; False if the result has nobody to go to any more."""
        self.handle.finished = True
        dialog, self.handle.dialog = self.handle.dialog, None
        if dialog is not None and Shiboken.isValid(dialog):
            dialog.reset()
            dialog.deleteLater()
        self._on_done(self)
        return not self._widget_gone()

    @Slot(object)
    def on_succeeded(self, result: T) -> None:
        """Deliver the result to ``before_success``, then ``on_success`` (GUI thread)."""
        alive = self._finish()
        if self._before_success is not None:
            self._before_success(result)
        if alive:
            self._on_success(result)

    @Slot(object)
    def on_failed(self, exc: BaseException) -> None:
        """Deliver the error to ``on_failure``, or show it (GUI thread)."""
        if not self._finish():
            return
        if self._on_failure is not None:
            self._on_failure(exc)
        elif not isinstance(exc, Cancelled):
            show_error(self._widget.window() if self._widget is not None else None, exc)

    @Slot(object, object, str)
    def on_progressed(self, done: int, total: int | None, text: str) -> None:
        """Show a progress report in the dialog (GUI thread)."""
        dialog = self.handle.dialog
        if dialog is None or self.handle.finished:
            return
        if total is None or total <= 0:
            dialog.setRange(0, 0)  # busy indicator
        else:
            dialog.setRange(0, total)
            dialog.setValue(min(done, total))
        if text:
            dialog.setLabelText(text)


def _log_failure(op: Callable[..., Any], exc: BaseException) -> None:
    if not isinstance(exc, DomainError | Cancelled):
        name = getattr(op, "__qualname__", repr(op))
        log.error("task %s failed", name, exc_info=exc)


class TaskRunner(QObject):
    """Runs operations in worker threads and delivers their outcome on the GUI thread.

    Create one per application and pass it to the screens that need it: its database pool
    is what keeps database work to one job at a time.
    """

    def __init__(self, parent: QObject | None = None, *, synchronous: bool | None = None):
        super().__init__(parent)
        self.synchronous = SYNCHRONOUS if synchronous is None else synchronous
        self._db_pool = QThreadPool(self)
        self._db_pool.setMaxThreadCount(1)
        self._active: set[_Delivery[Any]] = set()

    def run(
        self,
        op: Callable[[Progress], T],
        on_success: Callable[[T], None],
        on_failure: Callable[[BaseException], None] | None = None,
        *,
        progress_title: str | None = None,
        parent: QWidget | None = None,
        network: bool = False,
        before_success: Callable[[T], None] | None = None,
    ) -> TaskHandle:
        """Run ``op(progress)`` off the GUI thread; deliver its result or error back.

        ``on_failure`` receives every exception ``op`` raises (:class:`DomainError`,
        :class:`Cancelled`, bugs); without it, errors are shown with
        :func:`~app.views.errors.show_error` and cancellation is silent. ``progress_title``
        shows a cancellable progress dialog, window-modal to ``parent``'s window, for work
        lasting over 400 ms. If ``parent`` is deleted before the task ends, the outcome is
        dropped, except for ``before_success``: it gets the result first, whoever asked for
        it (what must follow a success in any case, such as announcing what changed).
        """
        progress = Progress()
        handle = TaskHandle(progress)
        if self.synchronous:
            self._run_now(op, handle, on_success, on_failure, parent, before_success)
            return handle
        delivery: _Delivery[T] = _Delivery(
            handle, on_success, on_failure, parent, self._active.discard, before_success
        )
        self._active.add(delivery)
        if progress_title is not None:
            progress = Progress(delivery.report_from_worker)
            handle.progress = progress
            handle.dialog = self._progress_dialog(progress_title, handle, parent)

        def job() -> None:
            try:
                progress.check()
                result = op(progress)
            except BaseException as exc:  # noqa: BLE001 - every failure reaches the GUI thread
                _log_failure(op, exc)
                delivery.sig_failed.emit(exc)
            else:
                delivery.sig_succeeded.emit(result)

        pool = QThreadPool.globalInstance() if network else self._db_pool
        pool.start(job)
        return handle

    def _run_now(
        self,
        op: Callable[[Progress], T],
        handle: TaskHandle,
        on_success: Callable[[T], None],
        on_failure: Callable[[BaseException], None] | None,
        parent: QWidget | None,
        before_success: Callable[[T], None] | None,
    ) -> None:
        try:
            handle.progress.check()
            result = op(handle.progress)
        except Exception as exc:  # noqa: BLE001 - every failure reaches on_failure
            _log_failure(op, exc)
            handle.finished = True
            if on_failure is not None:
                on_failure(exc)
            elif not isinstance(exc, Cancelled):
                show_error(parent.window() if parent is not None else None, exc)
        else:
            handle.finished = True
            if before_success is not None:
                before_success(result)
            on_success(result)

    @staticmethod
    def _progress_dialog(title: str, handle: TaskHandle, parent: QWidget | None) -> QProgressDialog:
        window = parent.window() if parent is not None else None
        cancel_text = QCoreApplication.translate("worker", "لغو")
        dialog = QProgressDialog(title, cancel_text, 0, 0, window)
        dialog.setWindowTitle(title)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAutoReset(False)
        dialog.setMinimumDuration(PROGRESS_MIN_DURATION_MS)
        dialog.canceled.connect(handle.cancel)
        return dialog

    @property
    def active_count(self) -> int:
        """How many tasks have not delivered their outcome yet."""
        return len(self._active)

    def wait_for_done(self, msecs: int = -1) -> bool:
        """Block until the worker threads are idle (for shutdown); False on timeout."""
        return self._db_pool.waitForDone(msecs) and QThreadPool.globalInstance().waitForDone(msecs)
