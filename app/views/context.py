"""What every screen receives: the open database, the task runner and app-wide signals.

Screens get an :class:`AppContext` passed in (no global registry, no reaching into the
main window). Every unit of work a screen runs goes through :meth:`AppContext.run_op` (or
:meth:`~AppContext.run_op_progress`), the ``run_op`` of style.md: ``op(session)`` runs off
the GUI thread in one session, and once it has committed, the kinds of records it wrote
(:mod:`app.services.core.changes`) are announced on ``ctx.signals.sig_records_changed``,
one emission per kind, before ``on_success`` runs. Every screen showing records of a kind
refreshes itself from that signal; no screen announces a change by hand. Work that opens
sessions of its own (a sync) announces what its report says with :meth:`AppContext.announce`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget
from sqlalchemy.orm import Session

from app.services.core.changes import committed_kinds
from app.services.core.db import Database
from app.services.core.progress import Progress
from app.views.worker import TaskHandle, TaskRunner
from common.vocabulary import RecordKind

if TYPE_CHECKING:
    from app.services.sync.transport import Transport

T = TypeVar("T")

#: Makes the transport to the sync server from its address and token (tests give one
#: that talks to the server app in process); None: the services' own HTTP client.
TransportFactory = Callable[[str, str], "Transport"]


class AppSignals(QObject):
    """App-wide signals."""

    #: Emitted after a change to records of the given kind (a RecordKind value, e.g.
    #: "licences"), once per kind an operation changed.
    sig_records_changed = Signal(str)


@dataclass(frozen=True)
class _Outcome(Generic[T]):
    """What a unit of work returned, and the kinds of records it changed."""

    result: T
    kinds: frozenset[RecordKind]


@dataclass
class AppContext:
    """Dependencies handed to every screen and dialog."""

    db: Database
    runner: TaskRunner
    signals: AppSignals
    #: How sync screens reach the server (None: over HTTP, see app.views.sync_common).
    transport_factory: TransportFactory | None = None

    def run_op(
        self,
        op: Callable[[Session], T],
        on_success: Callable[[T], None],
        on_failure: Callable[[BaseException], None] | None = None,
        *,
        parent: QWidget | None = None,
    ) -> TaskHandle:
        """Run ``op(session)`` in one unit of work off the GUI thread; once it has
        committed, announce the kinds of records it changed, then call ``on_success``.

        The announcement is made even if ``parent`` is gone by then (the records changed
        all the same); ``on_success`` and ``on_failure`` are not called then. A read
        changes nothing and announces nothing.
        """
        return self._run_unit(_ignore_progress(op), on_success, on_failure, None, parent)

    def run_op_progress(
        self,
        op: Callable[[Session, Progress], T],
        on_success: Callable[[T], None],
        on_failure: Callable[[BaseException], None] | None = None,
        *,
        title: str | None = None,
        parent: QWidget | None = None,
    ) -> TaskHandle:
        """Like :meth:`run_op`, ``op`` reporting to a Progress; with ``title``, a progress
        dialog with «لغو» (cancelling rolls the unit of work back: nothing changed)."""
        return self._run_unit(op, on_success, on_failure, title, parent)

    def announce(self, kinds: Iterable[str]) -> None:
        """Tell every screen that records of these kinds changed (in RecordKind's order)."""
        wanted = set(kinds)
        for kind in RecordKind:
            if kind in wanted:
                self.signals.sig_records_changed.emit(kind.value)

    def _run_unit(
        self,
        op: Callable[[Session, Progress], T],
        on_success: Callable[[T], None],
        on_failure: Callable[[BaseException], None] | None,
        title: str | None,
        parent: QWidget | None,
    ) -> TaskHandle:
        def work(progress: Progress) -> _Outcome[T]:
            with self.db.session() as session:
                result = op(session, progress)
            return _Outcome(result, committed_kinds(session))

        def succeeded(outcome: _Outcome[T]) -> None:
            on_success(outcome.result)

        def changed(outcome: _Outcome[T]) -> None:
            self.announce(outcome.kinds)

        return self.runner.run(
            work,
            succeeded,
            on_failure,
            progress_title=title,
            parent=parent,
            before_success=changed,
        )


def _ignore_progress(op: Callable[[Session], T]) -> Callable[[Session, Progress], T]:
    return lambda session, _progress: op(session)


def noop(*_args: Any) -> None:
    """A callback that does nothing."""
