"""What every screen receives: the open database, the task runner and app-wide signals.

Screens get an :class:`AppContext` passed in (no global registry, no reaching into the
main window). A service call that changes records is followed by
``ctx.signals.sig_records_changed.emit(kind)``; every screen showing such records
refreshes itself from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget
from sqlalchemy.orm import Session

from app.services.core.db import Database
from app.services.core.progress import Progress
from app.views.worker import TaskHandle, TaskRunner

if TYPE_CHECKING:
    from app.services.sync.transport import Transport

T = TypeVar("T")

#: Makes the transport to the sync server from its address and token (tests give one
#: that talks to the server app in process); None: the services' own HTTP client.
TransportFactory = Callable[[str, str], "Transport"]

#: Kinds carried by sig_records_changed.
RECORDS_LICENCES = "licences"
RECORDS_OFFICE = "office"
RECORDS_SUPPORTERS = "supporters"
RECORDS_EVENTS = "events"


class AppSignals(QObject):
    """App-wide signals."""

    #: Emitted after a change to records of the given kind (e.g. "licences").
    sig_records_changed = Signal(str)


@dataclass
class AppContext:
    """Dependencies handed to every screen and dialog."""

    db: Database
    runner: TaskRunner
    signals: AppSignals
    #: How sync screens reach the server (None: over HTTP, see app.views.sync_common).
    transport_factory: TransportFactory | None = None

    def run_db(
        self,
        op: Callable[[Session], T],
        on_success: Callable[[T], None],
        on_failure: Callable[[BaseException], None] | None = None,
        *,
        parent: QWidget | None = None,
    ) -> TaskHandle:
        """Run ``op(session)`` in one unit of work off the GUI thread."""

        def work(_progress: Progress) -> T:
            with self.db.session() as session:
                return op(session)

        return self.runner.run(work, on_success, on_failure, parent=parent)

    def run_db_progress(
        self,
        op: Callable[[Session, Progress], T],
        on_success: Callable[[T], None],
        on_failure: Callable[[BaseException], None] | None = None,
        *,
        title: str,
        parent: QWidget | None = None,
    ) -> TaskHandle:
        """Like run_db, with a progress dialog and cancel (``op`` reports to Progress)."""

        def work(progress: Progress) -> T:
            with self.db.session() as session:
                return op(session, progress)

        return self.runner.run(work, on_success, on_failure, progress_title=title, parent=parent)


def noop(*_args: Any) -> None:
    """A callback that does nothing."""
