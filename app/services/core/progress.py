"""Progress reporting and cancellation for long operations; pure Python, thread-safe.

A service that may run long takes an optional :class:`Progress`, calls
:meth:`Progress.report` now and then and :meth:`Progress.check` between steps. The GUI
(``app.views.worker.TaskRunner``) feeds a progress dialog from it and cancels it; the CLI
and tests can pass a plain ``Progress()`` or None.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

#: Called with ``(done, total, text)`` on the reporting thread after every report.
ProgressListener = Callable[[int, int | None, str], None]


class Cancelled(Exception):
    """The operation was cancelled through its :class:`Progress`; not an error to show."""

    def __init__(self) -> None:
        super().__init__("عملیات لغو شد.")


class Progress:
    """How far an operation got, and whether someone asked it to stop."""

    def __init__(self, listener: ProgressListener | None = None) -> None:
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._listener = listener
        self._done = 0
        self._total: int | None = None
        self._text = ""

    def report(self, done: int, total: int | None, text: str = "") -> None:
        """Record that ``done`` of ``total`` steps are finished (``total`` None: unknown)."""
        with self._lock:
            self._done, self._total, self._text = done, total, text
            listener = self._listener
        if listener is not None:
            listener(done, total, text)

    @property
    def state(self) -> tuple[int, int | None, str]:
        """The last report as ``(done, total, text)``."""
        with self._lock:
            return self._done, self._total, self._text

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Ask the operation to stop at its next :meth:`check`; safe from any thread."""
        self._cancel.set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if cancellation was requested."""
        if self._cancel.is_set():
            raise Cancelled
