"""The main window's sync: «همگام‌سازی با سرور», the automatic attempts and the status line.

:class:`SyncController` runs :func:`app.services.sync.client.run_sync` in a worker (the network
pool: a slow server never holds up the register's database jobs; SQLite's WAL and busy
wait keep the writes apart), never two at once:

- by hand (menu, Ctrl+Shift+S): with a progress dialog and «لغو»; afterwards the result
  in the status bar, an offer to review new conflicts, a warning when the computer's
  clock is off, or the Persian error in a box («سرور در دسترس نیست» says the changes are
  kept);
- quietly, every :data:`DEFAULT_AUTO_SECONDS` (the first ~10 s after the database is
  attached) when sync is set up and something is due (changes waiting, or the last sync
  older than :data:`STALE_AFTER`), and no dialog of the app is open: no dialog, no box;
  only the status line says what went wrong. ``DAFTAR_AUTO_SYNC_SECONDS=0`` turns the
  automatic attempts off (tests), another number changes the interval.

:class:`SyncStatusLine` is the permanent part of the status bar: the last sync (Jalali,
local time), the changes waiting, conflicts (highlighted when any) and rejected changes.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QMainWindow, QMessageBox, QWidget

from app.services.core.progress import Cancelled, Progress
from app.views.errors import show_error
from app.views.sync_common import (
    WARNING_COLOR,
    format_clock,
    format_moment,
    isolate_urls,
    kinds_changed_by,
    open_box,
    open_transport,
    skew_minutes,
    skew_text,
)
from app.views.widgets import messages
from app.views.widgets.form import ERROR_COLOR
from common.errors import DomainError
from common.text import isolate_ltr, to_persian_digits
from common.vocabulary import RecordKind

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.services.core.db import Database
    from app.services.sync.report import SyncReport, SyncStatus
    from app.views.context import AppContext, TransportFactory
    from app.views.worker import TaskHandle

log = logging.getLogger("daftar.gui")

#: Environment variable: seconds between automatic attempts; 0 turns them off.
AUTO_SYNC_ENV = "DAFTAR_AUTO_SYNC_SECONDS"
DEFAULT_AUTO_SECONDS = 120
#: The first automatic attempt, this long after the database is attached.
FIRST_ATTEMPT_SECONDS = 10
#: A quiet sync is due when the last one is older than this.
STALE_AFTER = dt.timedelta(minutes=15)
#: How long a result stays in the status bar.
MESSAGE_MS = 15_000

#: Stylesheets of the status line's highlighted parts.
ALERT_STYLE = f"color: white; background-color: {ERROR_COLOR}; border-radius: 3px; padding: 0 6px;"
NOTICE_STYLE = f"color: {WARNING_COLOR}; font-weight: bold;"
ERROR_STYLE = f"color: {ERROR_COLOR};"


def _tr(text: str) -> str:
    return QCoreApplication.translate("SyncController", text)


def _fa(number: int) -> str:
    return to_persian_digits(str(number))


def auto_sync_seconds() -> int:
    """Seconds between automatic attempts (``DAFTAR_AUTO_SYNC_SECONDS``; 0: never)."""
    raw = os.environ.get(AUTO_SYNC_ENV, "").strip()
    if not raw:
        return DEFAULT_AUTO_SECONDS
    try:
        return max(0, int(raw))
    except ValueError:
        log.warning("%s=%r is not a number of seconds", AUTO_SYNC_ENV, raw)
        return DEFAULT_AUTO_SECONDS


def sync_is_due(status: SyncStatus, now: dt.datetime) -> bool:
    """Set up, and changes wait or the last sync is old (or never happened)."""
    if not status.configured:
        return False
    if status.pending > 0 or status.last_sync_at is None:
        return True
    return now - status.last_sync_at >= STALE_AFTER


def _read_status(session: Session) -> SyncStatus:
    from app.services.sync.report import sync_status

    return sync_status(session)


def _sync(db: Database, factory: TransportFactory | None, progress: Progress) -> SyncReport:
    """Worker: one sync with the server of the database's settings."""
    from app.services.sync.client import run_sync

    if factory is None:
        return run_sync(db, progress=progress)
    with db.session() as session:
        transport = open_transport(session, factory)
    try:
        return run_sync(db, transport=transport, progress=progress)
    finally:
        transport.close()


class SyncStatusLine(QWidget):
    """The sync part of the status bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.last_label = QLabel()
        self.last_label.setObjectName("syncLast")
        self.state_label = QLabel()
        self.state_label.setObjectName("syncState")
        self.skew_label = QLabel()
        self.skew_label.setObjectName("syncSkew")
        self.skew_label.setStyleSheet(NOTICE_STYLE)
        self.pending_label = QLabel()
        self.pending_label.setObjectName("syncPending")
        self.conflicts_label = QLabel()
        self.conflicts_label.setObjectName("syncConflicts")
        self.quarantined_label = QLabel()
        self.quarantined_label.setObjectName("syncQuarantined")
        self.quarantined_label.setStyleSheet(NOTICE_STYLE)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 0, 12, 0)
        layout.setSpacing(12)
        for label in self.labels():
            layout.addWidget(label)
            label.hide()

    def labels(self) -> list[QLabel]:
        """The parts, in reading order."""
        return [
            self.last_label,
            self.state_label,
            self.skew_label,
            self.pending_label,
            self.conflicts_label,
            self.quarantined_label,
        ]

    def text(self) -> str:
        """What the clerk reads, parts joined with « | » (for tests and logs)."""
        return " | ".join(label.text() for label in self.labels() if not label.isHidden())

    def show_status(
        self,
        status: SyncStatus | None,
        *,
        running: bool = False,
        problem: str = "",
        problem_detail: str = "",
        problem_is_error: bool = False,
        skew_seconds: float | None = None,
    ) -> None:
        """Show ``status`` (None: not read yet) and the state of this session's syncs."""
        if status is None:
            for label in self.labels():
                label.hide()
            return
        if not status.configured:
            self.last_label.setText(_tr("همگام‌سازی تنظیم نشده"))
            self.last_label.setToolTip(
                _tr("نشانی سرور و توکن را در «پرونده ← تنظیمات اداره ← همگام‌سازی» وارد کنید.")
            )
            self.last_label.show()
            for label in self.labels()[1:]:
                label.hide()
            return
        if status.last_sync_at is not None:
            self.last_label.setText(
                _tr("آخرین همگام‌سازی: {moment}").format(moment=format_moment(status.last_sync_at))
            )
        else:
            self.last_label.setText(_tr("هنوز همگام نشده"))
        self.last_label.setToolTip(_tr("سرور: {url}").format(url=isolate_ltr(status.server_url)))
        self.last_label.show()

        if running:
            self.state_label.setText(_tr("در حال همگام‌سازی…"))
            self.state_label.setToolTip("")
            self.state_label.setStyleSheet("")
        elif problem:
            self.state_label.setText(problem)
            self.state_label.setToolTip(isolate_urls(problem_detail))
            self.state_label.setStyleSheet(ERROR_STYLE if problem_is_error else NOTICE_STYLE)
        elif status.last_error:
            self.state_label.setText(_tr("همگام‌سازی قبلی کامل نشد"))
            self.state_label.setToolTip(isolate_urls(status.last_error))
            self.state_label.setStyleSheet(NOTICE_STYLE)
        self.state_label.setVisible(running or bool(problem) or bool(status.last_error))

        if skew_seconds is not None:
            self.skew_label.setText(
                _tr("اختلاف ساعت با سرور: {minutes} دقیقه").format(
                    minutes=_fa(skew_minutes(skew_seconds))
                )
            )
            self.skew_label.setToolTip(skew_text(skew_seconds))
        self.skew_label.setVisible(skew_seconds is not None)

        self.pending_label.setText(_tr("در انتظار ارسال: {n}").format(n=_fa(status.pending)))
        self.pending_label.show()
        self.conflicts_label.setText(_tr("تعارض: {n}").format(n=_fa(status.conflicts)))
        self.conflicts_label.setStyleSheet(ALERT_STYLE if status.conflicts else "")
        self.conflicts_label.setToolTip(
            _tr("از منوی «همگام‌سازی ← بررسی تعارض‌ها…» بررسی کنید.") if status.conflicts else ""
        )
        self.conflicts_label.show()
        self.quarantined_label.setText(_tr("ردشده: {n}").format(n=_fa(status.quarantined)))
        self.quarantined_label.setToolTip(
            _tr("تغییرهایی که سرور نپذیرفت؛ از منوی «همگام‌سازی ← تغییرهای ردشده…» ببینید.")
        )
        self.quarantined_label.setVisible(status.quarantined > 0)


class SyncController(QObject):
    """Runs syncs for the main window and keeps its status line current."""

    #: The sync status was read again (a SyncStatus).
    sig_status_changed = Signal(object)
    #: A sync ended: its SyncReport, or the exception it stopped with.
    sig_sync_finished = Signal(object)
    #: The clerk chose to review the conflicts a sync found.
    sig_review_requested = Signal()

    def __init__(
        self,
        ctx: AppContext,
        window: QMainWindow,
        *,
        auto_seconds: int | None = None,
        first_seconds: int = FIRST_ATTEMPT_SECONDS,
    ) -> None:
        """``auto_seconds`` None reads :data:`AUTO_SYNC_ENV`; 0 turns automatic syncs off."""
        super().__init__(window)
        self.ctx = ctx
        self.status_line = SyncStatusLine()
        self.status: SyncStatus | None = None
        self.running = False
        self.quiet = False
        self.handle: TaskHandle | None = None
        self.problem = ""
        self.problem_detail = ""
        self.problem_is_error = False
        self.skew_seconds: float | None = None
        seconds = auto_sync_seconds() if auto_seconds is None else auto_seconds
        self.auto_timer = QTimer(self)
        self.auto_timer.setObjectName("autoSyncTimer")
        self.first_timer = QTimer(self)
        self.first_timer.setSingleShot(True)
        if seconds > 0:
            self.auto_timer.setInterval(seconds * 1000)
            self.auto_timer.timeout.connect(self.on_auto_timer_timeout)
            self.first_timer.setInterval(min(first_seconds, seconds) * 1000)
            self.first_timer.timeout.connect(self.on_auto_timer_timeout)
            self.first_timer.start()
            self.auto_timer.start()
        ctx.signals.sig_records_changed.connect(self.on_records_changed)
        self.refresh_status()

    @property
    def window(self) -> QMainWindow:
        """The main window (the parent; no Python reference of its own: no cycle that
        would keep a closed window alive)."""
        return cast(QMainWindow, self.parent())

    # -- the status line ----------------------------------------------------------------

    def refresh_status(self) -> None:
        """Read the sync status again (a worker) and show it."""
        self.ctx.run_op(
            _read_status, self.on_status_loaded, self.on_status_failed, parent=self.window
        )

    def on_status_loaded(self, status: SyncStatus) -> None:
        """Show the status just read."""
        self.status = status
        self._show()
        self.sig_status_changed.emit(status)

    def on_status_failed(self, exc: BaseException) -> None:
        """The status could not be read: the line keeps what it showed."""
        log.warning("could not read the sync status: %s", exc)

    def on_records_changed(self, kind: str) -> None:
        """Changes wait to be sent (or were resolved), or sync was set up: read the
        status again."""
        if kind in (RecordKind.SYNC, RecordKind.OFFICE):
            self.refresh_status()

    def _show(self) -> None:
        self.status_line.show_status(
            self.status,
            running=self.running,
            problem=self.problem,
            problem_detail=self.problem_detail,
            problem_is_error=self.problem_is_error,
            skew_seconds=self.skew_seconds,
        )

    # -- syncing ------------------------------------------------------------------------

    def sync_now(self) -> None:
        """«همگام‌سازی با سرور»: sync with a progress dialog and show the outcome."""
        if self.running:
            self.window.statusBar().showMessage(_tr("همگام‌سازی در جریان است…"), MESSAGE_MS)
            return
        self._start(quiet=False)

    def sync_quietly(self) -> bool:
        """Start a quiet sync unless one runs; True if it started."""
        if self.running:
            return False
        self._start(quiet=True)
        return True

    def _start(self, *, quiet: bool) -> None:
        self.running = True
        self.quiet = quiet
        self._show()
        db, factory = self.ctx.db, self.ctx.transport_factory

        def op(progress: Progress) -> SyncReport:
            return _sync(db, factory, progress)

        handle = self.ctx.runner.run(
            op,
            self.on_sync_succeeded,
            self.on_sync_failed,
            progress_title=None if quiet else _tr("همگام‌سازی با سرور"),
            parent=self.window,
            network=True,
        )
        # A synchronous runner (tests) has already delivered the outcome.
        self.handle = None if handle.finished else handle

    def _ended(self) -> bool:
        """Mark the sync as over; True if it was quiet."""
        self.running = False
        self.handle = None
        return self.quiet

    def on_sync_succeeded(self, report: SyncReport) -> None:
        """Refresh what the sync changed and tell the clerk."""
        quiet = self._ended()
        self.problem = self.problem_detail = ""
        self.problem_is_error = False
        self.skew_seconds = report.skew_seconds if report.skew_warning else None
        # The screens, the total and this status line read their records again.
        self.ctx.announce(kinds_changed_by(report))
        if not quiet or report.pushed or report.pulled or report.conflicts:
            self.window.statusBar().showMessage(report.message(), MESSAGE_MS)
        self.sig_sync_finished.emit(report)
        if quiet:
            return
        if report.conflicts:
            text = _tr(
                "{count} تعارض پیدا شد: مقداری که هم در این اداره و هم در جای دیگری تغییر کرده "
                "است. فعلاً مقدار سرور نشان داده می‌شود. اکنون بررسی می‌کنید؟"
            ).format(count=_fa(report.conflicts))
            if report.skew_warning:
                text += "\n\n" + skew_text(report.skew_seconds)
            if messages.confirm(
                self.window,
                _tr("تعارض در همگام‌سازی"),
                text,
                yes_text=_tr("بررسی تعارض‌ها"),
                no_text=_tr("بعداً"),
            ):
                self.sig_review_requested.emit()
        elif report.skew_warning:
            open_box(
                self.window,
                QMessageBox.Icon.Warning,
                _tr("اختلاف ساعت"),
                skew_text(report.skew_seconds),
                name="syncSkewWarning",
            )

    def on_sync_failed(self, exc: BaseException) -> None:
        """Cancelled: a quiet stop. Offline: the changes are kept. Anything else: say it."""
        from app.services.sync.errors import SyncError

        quiet = self._ended()
        if isinstance(exc, Cancelled):
            self.window.statusBar().showMessage(
                _tr("همگام‌سازی لغو شد؛ تغییرها در این رایانه محفوظ‌اند."), MESSAGE_MS
            )
            self.refresh_status()
            self.sig_sync_finished.emit(exc)
            return
        offline = isinstance(exc, SyncError) and exc.code == "offline"
        now = format_clock(dt.datetime.now(dt.UTC))
        if offline:
            self.problem = _tr("سرور در دسترس نیست (آخرین تلاش: {time})").format(time=now)
            self.problem_is_error = False
        else:
            self.problem = _tr("همگام‌سازی ناموفق ({time})").format(time=now)
            self.problem_is_error = True
        self.problem_detail = exc.message if isinstance(exc, DomainError) else str(exc)
        self.refresh_status()
        self.sig_sync_finished.emit(exc)
        if quiet:
            return
        if offline:
            open_box(
                self.window,
                QMessageBox.Icon.Information,
                _tr("همگام‌سازی"),
                self.problem_detail,
                name="syncOffline",
            )
        elif isinstance(exc, DomainError):
            open_box(
                self.window,
                QMessageBox.Icon.Warning,
                _tr("همگام‌سازی"),
                exc.message,
                name="syncFailed",
            )
        else:
            show_error(self.window, exc)

    # -- automatic attempts -------------------------------------------------------------

    def may_sync_quietly(self) -> bool:
        """Set up, nothing running, and no dialog of the app open."""
        return (
            not self.running
            and self.status is not None
            and self.status.configured
            and QApplication.activeModalWidget() is None
        )

    def on_auto_timer_timeout(self) -> None:
        """Every few minutes: read the status, then sync quietly if something is due."""
        if self.may_sync_quietly():
            self.ctx.run_op(
                _read_status,
                self.on_auto_status_loaded,
                self.on_status_failed,
                parent=self.window,
            )

    def on_auto_status_loaded(self, status: SyncStatus) -> None:
        """Sync quietly if changes wait or the last sync is old."""
        self.on_status_loaded(status)
        if self.may_sync_quietly() and sync_is_due(status, dt.datetime.now(dt.UTC)):
            self.sync_quietly()

    def shutdown(self) -> None:
        """The window closes: no more attempts; a running sync stops at its next step."""
        self.first_timer.stop()
        self.auto_timer.stop()
        if self.handle is not None:
            self.handle.cancel()
