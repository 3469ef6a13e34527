"""The sync screens against the real server app, in process.

Each office is a real SQLite database; the screens reach the FastAPI app through
starlette's TestClient (the AppContext's ``transport_factory``), so every request goes
through the server's routing, validation and database. Worker jobs run inline.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMenu, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.models import Licence, Person
from app.services.core.db import Database, open_database
from app.services.core.office import OfficeInfo, require_office
from app.services.sync.client import run_sync
from app.services.sync.report import SyncStatus, sync_status
from app.services.sync.settings import load_settings, remember_transport_options, save_settings
from app.services.sync.setup import setup_from_server
from app.services.sync.transport import Transport
from app.views import sync_conflicts_dialog, sync_controller
from app.views.context import AppContext, AppSignals
from app.views.main_window import MainWindow
from app.views.settings_dialog import SettingsDialog
from app.views.setup_dialog import SetupDialog
from app.views.sync_common import WARNING_COLOR, format_moment
from app.views.sync_conflicts_dialog import ConflictReviewDialog
from app.views.sync_controller import (
    AUTO_SYNC_ENV,
    DEFAULT_AUTO_SECONDS,
    SyncController,
    SyncStatusLine,
    auto_sync_seconds,
    sync_is_due,
)
from app.views.sync_quarantine_dialog import QuarantineDialog
from app.views.sync_settings import SYNC_TOKEN_FIELD, SYNC_URL_FIELD
from app.views.widgets import messages
from app.views.widgets.form import ERROR_COLOR
from app.views.worker import TaskRunner
from common.protocol import HandshakeResponse
from common.text import strip_bidi_controls, to_persian_digits
from common.vocabulary import RecordKind
from server.app import create_app
from server.db import open_database as open_server_database
from server.offices import enrol_office
from tests.accounts_support import HEAD_INPUT, act_as
from tests.services.sync.sync_support import (
    issue_licence,
    issue_licence_outside_scope,
    update_licence,
)
from tests.tls_support import make_certificates
from tests.views.licence_support import licence_count, save_screenshot

BASE = "http://localhost"
SHOTS = Path("/tmp/shots")
ASCII_DIGITS = set("0123456789")


def shot(widget: QWidget, name: str) -> None:
    """A screenshot in screenshots/ (the project's) and in /tmp/shots/."""
    for _ in range(5):  # layout requests travel one nesting level per pass
        QApplication.processEvents()
    path = save_screenshot(widget, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


# -- the server and the offices ----------------------------------------------------------------


@dataclass
class Server:
    engine: Engine
    client: TestClient

    def enrol(self, name: str, county: str | None = "شمیرانات") -> str:
        """Enrol an office in Tehran province; returns its token."""
        with Session(self.engine) as session, session.begin():
            _office, token = enrol_office(session, name=name, province="تهران", county=county)
        return token

    def transport(self, url: str, token: str) -> Transport:
        """The AppContext's transport_factory: requests go to the app in process."""
        return Transport(url, token, client=self.client)


@pytest.fixture(autouse=True)
def no_auto_sync(monkeypatch: pytest.MonkeyPatch) -> None:
    """Main windows made here never sync on their own."""
    monkeypatch.setenv(AUTO_SYNC_ENV, "0")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    engine = open_server_database(tmp_path / "server.sqlite3")
    with TestClient(create_app(engine)) as client:
        yield Server(engine, client)
    engine.dispose()


@dataclass
class Office:
    db: Database
    token: str
    ctx: AppContext
    server: Server

    @property
    def info(self) -> OfficeInfo:
        with self.db.session() as session:
            return require_office(session)

    def sync(self) -> Any:
        """Sync without the GUI."""
        return run_sync(self.db, transport=self.server.transport(BASE, self.token))

    def status(self) -> SyncStatus:
        with self.db.session() as session:
            return sync_status(session)


@pytest.fixture
def make_office(server: Server, tmp_path: Path, qapp: object) -> Iterator[Callable[..., Office]]:
    made: list[Office] = []

    def make(name: str, county: str | None = "شمیرانات") -> Office:
        token = server.enrol(f"اداره {name}", county)
        database, _report = setup_from_server(
            tmp_path / f"{name}.sqlite3",
            BASE,
            token,
            transport=server.transport(BASE, token),
            head=HEAD_INPUT,
        )
        context = AppContext(
            database, TaskRunner(synchronous=True), AppSignals(), transport_factory=server.transport
        )
        made.append(Office(database, token, context, server))
        return made[-1]

    yield make
    for made_office in made:
        made_office.ctx.runner.deleteLater()
        made_office.db.close()


def issue(
    who: Office, national_id: str, *, county: str = "شمیرانات", last_name: str = "کریمی"
) -> str:
    """Issue a licence in ``who`` (as the form does); returns its id."""
    return issue_licence(who.db, national_id, county=county, last_name=last_name)


def edit_mobile(who: Office, licence_id: str, mobile: str) -> None:
    """Change the holder's mobile through the licence service."""
    update_licence(who.db, licence_id, person={"mobile": mobile})


def mobile_of(who: Office, licence_id: str) -> str:
    with who.db.session() as session:
        licence = session.get(Licence, licence_id)
        assert licence is not None
        person = session.get(Person, licence.person_id)
        assert person is not None
        return person.mobile


def conflicted(make_office: Callable[..., Office]) -> tuple[Office, Office, str]:
    """Two offices that changed the same holder's mobile: ``b`` holds the conflict."""
    a, b = make_office("a"), make_office("b")
    licence_id = issue(a, "0067749828")
    a.sync()
    b.sync()
    edit_mobile(a, licence_id, "09351112233")
    edit_mobile(b, licence_id, "09127778899")
    a.sync()
    assert b.sync().conflicts == 1
    return a, b, licence_id


def make_window(qtbot: QtBot, who: Office) -> MainWindow:
    window = MainWindow(who.ctx, who.info)
    qtbot.addWidget(window)
    return window


def sync_line(window: MainWindow) -> SyncStatusLine:
    assert window.sync_controller is not None
    return window.sync_controller.status_line


@pytest.fixture
def no_boxes(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Replace the modal question/information boxes; record what they were asked."""
    seen: dict[str, list[Any]] = {"confirm": [], "inform": [], "answer": [True]}

    def confirm(_parent: Any, title: str, text: str, **kw: Any) -> bool:
        seen["confirm"].append(text)
        return bool(seen["answer"][0])

    monkeypatch.setattr(messages, "confirm", confirm)
    monkeypatch.setattr(messages, "inform", lambda *a: seen["inform"].append(a[2]))
    return seen


def open_boxes(window: QWidget, name: str) -> list[QMessageBox]:
    return [box for box in window.findChildren(QMessageBox, name) if box.isVisible()]


# -- the status line -----------------------------------------------------------------------------


def status(**values: Any) -> SyncStatus:
    base: dict[str, Any] = {
        "configured": True,
        "server_url": BASE,
        "last_sync_at": None,
        "pending": 0,
        "quarantined": 0,
        "conflicts": 0,
        "last_error": "",
        "skew_seconds": 0.0,
    }
    base.update(values)
    return SyncStatus(**base)


def test_status_line_texts(qtbot: QtBot) -> None:
    line = SyncStatusLine()
    qtbot.addWidget(line)
    line.show_status(status(configured=False, server_url=""))
    assert line.text() == "همگام‌سازی تنظیم نشده"
    line.show_status(status(pending=3))
    assert line.text() == "هنوز همگام نشده | در انتظار ارسال: ۳ | تعارض: ۰"
    assert line.conflicts_label.styleSheet() == ""
    moment = dt.datetime(2025, 4, 21, 6, 30, tzinfo=dt.UTC)  # ۱۴۰۴/۰۲/۰۱, local time
    line.show_status(status(last_sync_at=moment, pending=0, conflicts=2, quarantined=1))
    local = moment.astimezone()
    from common import jalali

    expected = f"{jalali.format_jalali(local.date())}  {to_persian_digits(local.strftime('%H:%M'))}"
    assert line.last_label.text() == f"آخرین همگام‌سازی: {expected}"
    assert line.text().endswith("در انتظار ارسال: ۰ | تعارض: ۲ | ردشده: ۱")
    assert not set(line.text()) & ASCII_DIGITS
    assert ERROR_COLOR in line.conflicts_label.styleSheet()  # highlighted
    # This session's problems and the clock.
    line.show_status(status(), problem="سرور در دسترس نیست (آخرین تلاش: ۱۰:۳۰)", skew_seconds=-610)
    assert "سرور در دسترس نیست (آخرین تلاش: ۱۰:۳۰)" in line.text()
    assert "اختلاف ساعت با سرور: ۱۰ دقیقه" in line.text()
    line.show_status(status(), running=True)
    assert "در حال همگام‌سازی…" in line.text()
    line.show_status(status(last_error="توکن پذیرفته نشد"))
    assert "همگام‌سازی قبلی کامل نشد" in line.text()
    assert line.state_label.toolTip() == "توکن پذیرفته نشد"


def test_main_window_status_line_unconfigured_and_menu(
    qtbot: QtBot,
    ctx: AppContext,
    office: OfficeInfo,
) -> None:
    bare = MainWindow()
    qtbot.addWidget(bare)
    assert not bare.sync_action.isEnabled()  # until attach()
    window = MainWindow(ctx, office)
    qtbot.addWidget(window)
    menu = next(m for m in window.findChildren(QMenu) if m.title() == "همگام‌سازی")
    assert [a.text() for a in menu.actions() if not a.isSeparator()] == [
        "همگام‌سازی با سرور",
        "بررسی تعارض‌ها…",
        "تغییرهای ردشده…",
    ]
    assert window.sync_action.shortcut().toString() == "Ctrl+Shift+S"
    assert all(a.isEnabled() for a in menu.actions())
    assert sync_line(window).text() == "همگام‌سازی تنظیم نشده"
    assert sync_line(window).layoutDirection() == Qt.LayoutDirection.RightToLeft


def test_not_configured_sync_says_where_to_set_it(
    qtbot: QtBot,
    ctx: AppContext,
    office: OfficeInfo,
) -> None:
    window = MainWindow(ctx, office)
    qtbot.addWidget(window)
    window.sync_action.trigger()
    (box,) = open_boxes(window, "syncFailed")
    assert "تنظیمات اداره" in box.text()
    box.close()


# -- syncing from the main window ------------------------------------------------------------------


def test_sync_pulls_another_offices_licence_into_the_register(
    qtbot: QtBot, make_office: Callable[..., Office]
) -> None:
    a, b = make_office("a"), make_office("b")
    issue(a, "0067749828", last_name="یزدانی")
    a.sync()
    window = make_window(qtbot, b)
    window.show()
    qtbot.waitExposed(window)
    screen = window.register_screen
    assert screen is not None and screen.model.rowCount() == 0
    line = sync_line(window)
    assert line.text().startswith("آخرین همگام‌سازی: ")
    assert "در انتظار ارسال: ۰" in line.text()
    window.sync_action.trigger()
    assert screen.model.rowCount() == 1
    assert window.total_label.text() == "کل مجوزها: ۱"
    message = window.statusBar().currentMessage()
    assert "ردیف دریافت شد" in message and "تغییر فرستاده شد" in message
    assert not open_boxes(window, "syncFailed") and not open_boxes(window, "syncOffline")
    assert b.status().pending == 0
    # A licence issued here waits, then goes.
    issue(b, "1234567891")
    window.ctx.announce({RecordKind.LICENCES, RecordKind.SYNC})  # what issuing it announces
    assert "در انتظار ارسال: " in line.text() and "در انتظار ارسال: ۰" not in line.text()
    window.sync_action.trigger()
    assert "در انتظار ارسال: ۰" in line.text()
    shot(window, "sync_main_window")


def test_sync_in_a_worker_thread_never_runs_twice(
    qtbot: QtBot, make_office: Callable[..., Office]
) -> None:
    a, b = make_office("a"), make_office("b")
    issue(a, "0067749828")
    a.sync()
    runner = TaskRunner(synchronous=False)
    b.ctx.runner = runner
    window = make_window(qtbot, b)
    controller = window.sync_controller
    assert controller is not None
    qtbot.waitUntil(lambda: controller.status is not None)
    finished: list[Any] = []
    controller.sig_sync_finished.connect(finished.append)
    window.sync_action.trigger()
    assert controller.running and controller.handle is not None
    assert "در حال همگام‌سازی…" in sync_line(window).text()
    window.sync_action.trigger()  # a second one while the first runs: said, not started
    assert window.statusBar().currentMessage() == "همگام‌سازی در جریان است…"
    assert not controller.sync_quietly()
    qtbot.waitUntil(lambda: bool(finished), timeout=20_000)
    assert len(finished) == 1 and finished[0].pulled >= 3
    assert not controller.running and controller.handle is None
    screen = window.register_screen
    assert screen is not None
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1)
    qtbot.waitUntil(lambda: "در حال همگام‌سازی" not in sync_line(window).text())
    assert runner.wait_for_done(10_000)  # the fixture deletes the runner


def test_offline_sync_keeps_the_changes(qtbot: QtBot, make_office: Callable[..., Office]) -> None:
    b = make_office("b")
    issue(b, "0067749828")
    pending = b.status().pending
    assert pending > 0
    with b.db.session() as session:
        save_settings(session, "http://127.0.0.1:9", None)  # nothing listens there
    b.ctx.transport_factory = None  # the real HTTP client
    window = make_window(qtbot, b)
    window.sync_action.trigger()
    (box,) = open_boxes(window, "syncOffline")
    assert box.icon() == QMessageBox.Icon.Information
    assert "در دسترس نیست" in box.text() and "محفوظ" in box.text()
    box.close()
    assert b.status().pending == pending
    line = sync_line(window)
    assert "سرور در دسترس نیست (آخرین تلاش: " in line.text()
    assert f"در انتظار ارسال: {to_persian_digits(str(pending))}" in line.text()
    # Quietly: no box, only the status line.
    assert window.sync_controller is not None
    assert window.sync_controller.sync_quietly()
    assert not open_boxes(window, "syncOffline")
    assert "سرور در دسترس نیست" in line.text()


def test_unauthorized_sync_shows_the_servers_message(
    qtbot: QtBot, make_office: Callable[..., Office], server: Server
) -> None:
    b = make_office("b")
    b.ctx.transport_factory = lambda url, _token: server.transport(url, "not-a-token")
    window = make_window(qtbot, b)
    window.sync_action.trigger()
    (box,) = open_boxes(window, "syncFailed")
    assert "توکن" in box.text()
    box.close()
    assert "همگام‌سازی ناموفق" in sync_line(window).text()


def test_cancelled_sync_is_a_quiet_stop(
    qtbot: QtBot, make_office: Callable[..., Office], monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.services.core.progress import Cancelled

    b = make_office("b")
    window = make_window(qtbot, b)

    def cancelled(*_args: Any) -> Any:
        raise Cancelled

    monkeypatch.setattr(sync_controller, "_sync", cancelled)
    window.sync_action.trigger()
    assert not window.findChildren(QMessageBox)
    assert "لغو" in window.statusBar().currentMessage()
    assert window.sync_controller is not None and not window.sync_controller.running


def test_sync_with_conflicts_offers_the_review(
    qtbot: QtBot,
    make_office: Callable[..., Office],
    no_boxes: dict[str, list[Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a, b = make_office("a"), make_office("b")
    licence_id = issue(a, "0067749828")
    a.sync()
    b.sync()
    edit_mobile(a, licence_id, "09351112233")
    edit_mobile(b, licence_id, "09127778899")
    a.sync()
    opened: list[ConflictReviewDialog] = []

    def fake_exec(dialog: ConflictReviewDialog) -> int:
        opened.append(dialog)
        return int(QDialog.DialogCode.Rejected)

    monkeypatch.setattr(sync_conflicts_dialog.ConflictReviewDialog, "exec", fake_exec)
    window = make_window(qtbot, b)
    window.sync_action.trigger()
    assert len(no_boxes["confirm"]) == 1 and "۱ تعارض" in no_boxes["confirm"][0]
    assert len(opened) == 1 and len(opened[0].conflicts) == 1
    line = sync_line(window)
    assert "تعارض: ۱" in line.text()
    assert ERROR_COLOR in line.conflicts_label.styleSheet()
    # «بعداً»: nothing opens; the status line still says so.
    no_boxes["answer"][0] = False
    window.sync_action.trigger()
    assert len(opened) == 1


def test_clock_skew_is_a_visible_warning(
    qtbot: QtBot, make_office: Callable[..., Office], monkeypatch: pytest.MonkeyPatch
) -> None:
    b = make_office("b")
    original = Transport.handshake

    def skewed(self: Transport, cursor: int | None) -> HandshakeResponse:
        answer = original(self, cursor)
        return answer.model_copy(update={"clock_skew_seconds": 725.0, "skew_warning": True})

    monkeypatch.setattr(Transport, "handshake", skewed)
    window = make_window(qtbot, b)
    window.sync_action.trigger()
    (box,) = open_boxes(window, "syncSkewWarning")
    assert "۱۲ دقیقه" in box.text()
    box.close()
    assert "اختلاف ساعت با سرور: ۱۲ دقیقه" in sync_line(window).text()


# -- automatic attempts ---------------------------------------------------------------------------


def test_auto_sync_interval_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(AUTO_SYNC_ENV)
    assert auto_sync_seconds() == DEFAULT_AUTO_SECONDS
    monkeypatch.setenv(AUTO_SYNC_ENV, "0")
    assert auto_sync_seconds() == 0
    monkeypatch.setenv(AUTO_SYNC_ENV, "30")
    assert auto_sync_seconds() == 30


def test_sync_is_due_when_changes_wait_or_the_last_sync_is_old() -> None:
    now = dt.datetime(2025, 5, 1, 12, 0, tzinfo=dt.UTC)
    recent = now - dt.timedelta(minutes=3)
    old = now - dt.timedelta(minutes=20)
    assert not sync_is_due(status(configured=False, pending=5), now)
    assert sync_is_due(status(last_sync_at=None), now)
    assert sync_is_due(status(last_sync_at=recent, pending=1), now)
    assert not sync_is_due(status(last_sync_at=recent), now)
    assert sync_is_due(status(last_sync_at=old), now)


def test_auto_timer_syncs_quietly_when_due(
    qtbot: QtBot, make_office: Callable[..., Office]
) -> None:
    a, b = make_office("a"), make_office("b")
    window = make_window(qtbot, b)
    assert window.sync_controller is not None
    assert not window.sync_controller.auto_timer.isActive()  # DAFTAR_AUTO_SYNC_SECONDS=0
    controller = SyncController(b.ctx, window, auto_seconds=120)
    assert controller.auto_timer.isActive() and controller.auto_timer.interval() == 120_000
    assert controller.first_timer.isActive() and controller.first_timer.interval() == 10_000
    finished: list[Any] = []
    controller.sig_sync_finished.connect(finished.append)
    # Nothing waits and the last sync is recent: no attempt.
    controller.on_auto_timer_timeout()
    assert finished == []
    # A change waits: the next tick sends it, quietly.
    issue(b, "0067749828")
    controller.on_auto_timer_timeout()
    assert len(finished) == 1 and finished[0].pushed > 0
    assert b.status().pending == 0
    assert not window.findChildren(QMessageBox)
    a.sync()
    assert licence_count(a.db) == 1
    controller.shutdown()
    assert not controller.auto_timer.isActive()


def test_auto_sync_does_nothing_when_not_configured(
    qtbot: QtBot,
    ctx: AppContext,
    office: OfficeInfo,
) -> None:
    window = MainWindow(ctx, office)
    qtbot.addWidget(window)
    controller = SyncController(ctx, window, auto_seconds=60)
    finished: list[Any] = []
    controller.sig_sync_finished.connect(finished.append)
    controller.on_auto_timer_timeout()
    assert finished == [] and not window.findChildren(QMessageBox)
    controller.shutdown()


# -- conflicts ----------------------------------------------------------------------------------------


def make_review(qtbot: QtBot, who: Office) -> ConflictReviewDialog:
    dialog = ConflictReviewDialog(who.ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def cells(dialog: ConflictReviewDialog, row: int = 0) -> list[str]:
    return [dialog.model.text(row, c) for c in range(dialog.model.columnCount())]


@pytest.mark.parametrize(
    ("button", "value", "expected"),
    [
        ("keep_mine_button", None, "09127778899"),
        ("keep_theirs_button", None, "09351112233"),
        ("edit", "۰۹۱۹۰۰۰۱۱۲۲", "09190001122"),
    ],
)
def test_conflict_review_resolves_each_way(
    qtbot: QtBot,
    qtmodeltester: Any,
    make_office: Callable[..., Office],
    button: str,
    value: str | None,
    expected: str,
) -> None:
    a, b, licence_id = conflicted(make_office)
    dialog = make_review(qtbot, b)
    assert dialog.windowTitle() == "بررسی تعارض‌ها"
    assert dialog.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert dialog.pages.currentWidget() is dialog.table
    qtmodeltester.check(dialog.model)
    assert [dialog.model.headerData(c, Qt.Orientation.Horizontal) for c in range(5)] == [
        "رکورد",
        "فیلد",
        "مقدار این اداره",
        "مقدار سرور",
        "زمان",
    ]
    row = cells(dialog)
    assert row[0] == "مریم کریمی (کد ملی ۰۰۶۷۷۴۹۸۲۸)"
    assert row[1:4] == ["تلفن همراه", "۰۹۱۲۷۷۷۸۸۹۹", "۰۹۳۵۱۱۱۲۲۳۳"]
    assert row[4] == format_moment(dialog.conflicts[0].created_at)
    assert "هم در این اداره و هم در جای دیگری" in dialog.detail_label.text()
    assert dialog.edit_button.isEnabled()
    assert "همگام‌سازی بعدی" in dialog.next_sync_hint.text()
    if button == "edit":
        qtbot.mouseClick(dialog.edit_button, Qt.MouseButton.LeftButton)
        assert dialog.editor.isVisible()
        assert dialog.value_edit.text() == "09127778899"  # edit_start: this office's value
        assert dialog.value_label.text() == "تلفن همراه:"
        assert dialog.value_edit.layoutDirection() == Qt.LayoutDirection.LeftToRight
        dialog.value_edit.setText(value or "")
        qtbot.mouseClick(dialog.save_edit_button, Qt.MouseButton.LeftButton)
    else:
        qtbot.mouseClick(getattr(dialog, button), Qt.MouseButton.LeftButton)
    assert "همگام‌سازی بعدی" in dialog.result_label.text()
    assert dialog.pages.currentWidget() is dialog.empty_label
    assert dialog.empty_label.text() == "تعارضی برای بررسی نیست."
    assert not dialog.keep_mine_button.isEnabled()
    if button == "keep_theirs_button":
        shot(dialog, "sync_conflicts_resolved")
    assert b.status().conflicts == 0
    b.sync()
    a.sync()
    assert mobile_of(a, licence_id) == mobile_of(b, licence_id) == expected


def test_an_invalid_edit_shows_the_error_and_saves_nothing(
    qtbot: QtBot, make_office: Callable[..., Office]
) -> None:
    _a, b, licence_id = conflicted(make_office)
    dialog = make_review(qtbot, b)
    shot(dialog, "sync_conflicts")
    qtbot.mouseClick(dialog.edit_button, Qt.MouseButton.LeftButton)
    dialog.value_edit.setText("12345")
    qtbot.mouseClick(dialog.save_edit_button, Qt.MouseButton.LeftButton)
    message = dialog.errors.message("value")
    assert message.startswith("شماره همراه باید ۱۱ رقم باشد")
    assert dialog.errors.label("value").isVisible()
    assert dialog.value_edit.property("invalid") is True
    assert dialog.editor.isVisible() and not dialog.result_label.isVisible()
    shot(dialog, "sync_conflicts_edit_error")
    assert b.status().conflicts == 1  # nothing was saved
    assert b.status().pending == 0
    assert mobile_of(b, licence_id) == "09351112233"
    # «انصراف» closes the editor and clears the message.
    qtbot.mouseClick(dialog.cancel_edit_button, Qt.MouseButton.LeftButton)
    assert not dialog.editor.isVisible() and not dialog.errors.message("value")


def test_conflict_review_menu_opens_the_dialog(
    qtbot: QtBot, make_office: Callable[..., Office], monkeypatch: pytest.MonkeyPatch
) -> None:
    _a, b, _licence_id = conflicted(make_office)
    window = make_window(qtbot, b)
    assert "تعارض: ۱" in sync_line(window).text()
    shot(window.statusBar(), "sync_status_line")

    def resolve_all(dialog: ConflictReviewDialog) -> int:
        dialog.on_keep_theirs_button_clicked()
        return int(QDialog.DialogCode.Rejected)

    monkeypatch.setattr(sync_conflicts_dialog.ConflictReviewDialog, "exec", resolve_all)
    window.conflicts_action.trigger()
    # The status line was read again after the dialog closed.
    assert "تعارض: ۰" in sync_line(window).text()
    assert "در انتظار ارسال: ۱" in sync_line(window).text()  # the choice waits for the sync


# -- rejected changes ----------------------------------------------------------------------------------


def test_quarantine_screen_retries_and_discards(
    qtbot: QtBot,
    qtmodeltester: Any,
    make_office: Callable[..., Office],
    no_boxes: dict[str, list[Any]],
) -> None:
    a = make_office("a")
    # Not this office's county: past the app's own check, the server refuses it.
    outside = issue_licence_outside_scope(a.db, "0067749828", county="تهران")
    report = a.sync()
    assert report.quarantined > 0
    window = make_window(qtbot, a)
    assert f"ردشده: {to_persian_digits(str(report.quarantined))}" in sync_line(window).text()
    dialog = QuarantineDialog(a.ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.windowTitle() == "تغییرهای ردشده"
    assert dialog.model.rowCount() == report.quarantined
    qtmodeltester.check(dialog.model)
    assert [dialog.model.headerData(c, Qt.Orientation.Horizontal) for c in range(5)] == [
        "عملیات",
        "رکورد",
        "فیلدها",
        "دلیل",
        "تاریخ",
    ]
    reasons = [dialog.model.text(r, 3) for r in range(dialog.model.rowCount())]
    assert any("حوزه" in reason for reason in reasons)
    assert dialog.model.text(0, 0) == "ثبت"
    assert dialog.model.text(0, 2) == "همه فیلدها"
    # The reason is on screen, not scrolled away by the other columns.
    reason_left = dialog.table.columnViewportPosition(3)
    assert 0 <= reason_left < dialog.table.viewport().width() - 100
    assert dialog.reason_label.text().startswith("دلیل: ")
    shot(dialog, "sync_quarantine")
    # «ارسال دوباره»: back in the outbox; the server refuses them again.
    dialog.select_all()
    qtbot.mouseClick(dialog.retry_button, Qt.MouseButton.LeftButton)
    assert "دوباره به سرور فرستاده می‌شود" in dialog.result_label.text()
    assert dialog.pages.currentWidget() is dialog.empty_label
    assert a.status().quarantined == 0 and a.status().pending == report.quarantined
    assert a.sync().quarantined == report.quarantined
    # «کنار گذاشتن»: asks first; «انصراف» keeps them.
    dialog.reload()
    assert dialog.model.rowCount() == report.quarantined
    dialog.select_all()
    no_boxes["answer"][0] = False
    qtbot.mouseClick(dialog.discard_button, Qt.MouseButton.LeftButton)
    assert len(no_boxes["confirm"]) == 1
    assert "همان‌طور که هست می‌ماند" in no_boxes["confirm"][0]
    assert "هرگز به سرور مرکزی نمی‌رسند" in no_boxes["confirm"][0]
    assert a.status().quarantined == report.quarantined
    no_boxes["answer"][0] = True
    qtbot.mouseClick(dialog.discard_button, Qt.MouseButton.LeftButton)
    assert "کنار گذاشته شد" in dialog.result_label.text()
    assert dialog.empty_label.text() == "تغییر ردشده‌ای نیست."
    assert a.status().quarantined == 0
    with a.db.session() as session:
        assert session.get(Licence, outside) is not None  # the local record stays


# -- settings -------------------------------------------------------------------------------------------


def make_settings(qtbot: QtBot, context: AppContext) -> SettingsDialog:
    dialog = SettingsDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.tabs.setCurrentIndex(dialog.sync_tab_index)
    return dialog


def test_settings_save_the_server_address_and_token(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dialog = make_settings(qtbot, ctx)
    assert dialog.tabs.tabText(dialog.sync_tab_index) == "همگام‌سازی"
    tab = dialog.sync_tab
    assert tab.server_edit.text() == ""
    assert tab.token_edit.echoMode() == tab.token_edit.EchoMode.Password
    assert "هنوز توکنی" in tab.token_state_label.text()
    assert "گاوصندوق رمز ویندوز" in tab.place_hint.text()
    shot(dialog, "sync_settings_tab")
    # A bad address: its message under the field, on the sync tab; nothing saved.
    dialog.name_edit.setText("نام تازه")
    tab.server_edit.setText("sync.example.ir")
    tab.token_edit.setText("secret-token")
    dialog.tabs.setCurrentIndex(dialog.office_tab_index)
    with qtbot.assertNotEmitted(ctx.signals.sig_records_changed):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.tabs.currentIndex() == dialog.sync_tab_index
    message = dialog.errors.message(SYNC_URL_FIELD)
    assert strip_bidi_controls(message).startswith("نشانی سرور باید با https://")
    assert "\u2066https://\u2069" in message  # kept left to right in the Persian text
    assert dialog.errors.label(SYNC_URL_FIELD).isVisible()
    assert tab.server_edit.property("invalid") is True
    assert set(dialog.errors.messages()) == {SYNC_URL_FIELD}
    shot(dialog, "sync_settings_bad_url")
    with db.session() as session:
        assert load_settings(session).server_url == ""
        assert require_office(session).name == office.name
    # Corrected: saved; the window says where the token is kept.
    tab.server_edit.setText("https://sync.example.ir/")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.token_place == "database"  # tests have no keyring
    with db.session() as session:
        stored = load_settings(session)
        assert stored.server_url == "https://sync.example.ir"
        assert stored.token == "secret-token"
    # Opened again: the address, no token shown; an empty token field keeps it.
    dialog = make_settings(qtbot, ctx)
    assert dialog.sync_tab.server_edit.text() == "https://sync.example.ir"
    assert dialog.sync_tab.token_edit.text() == ""
    assert "ذخیره شده است" in dialog.sync_tab.token_state_label.text()
    dialog.sync_tab.server_edit.setText("https://sync2.example.ir")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    with db.session() as session:
        assert load_settings(session) == type(stored)("https://sync2.example.ir", "secret-token")


def test_settings_explain_why_plain_http_is_refused(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
    tmp_path: Path,
) -> None:
    lan = "http://10.0.0.5:8000"
    dialog = make_settings(qtbot, ctx)
    tab = dialog.sync_tab
    # The rule is said beside the address before anything is typed.
    hint = strip_bidi_controls(tab.security_hint.text())
    assert "https://" in hint and "همین رایانه" in hint
    assert tab.security_hint.isVisible()
    # Plain HTTP to another computer: refused under the field, with the reason.
    tab.server_edit.setText(lan)
    tab.token_edit.setText("secret-token")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() != QDialog.DialogCode.Accepted
    message = strip_bidi_controls(dialog.errors.message(SYNC_URL_FIELD))
    assert "رمزگذاری نمی‌شود" in message and "--insecure" in message
    assert dialog.errors.label(SYNC_URL_FIELD).isVisible()
    shot(dialog, "sync_settings_insecure_refused")
    with db.session() as session:
        assert load_settings(session).server_url == ""
    # «آزمایش اتصال» says the same, under the same field, without connecting.
    dialog.errors.clear()
    qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
    assert "رمزگذاری نمی‌شود" in strip_bidi_controls(dialog.errors.message(SYNC_URL_FIELD))
    # A server on this computer may be plain HTTP.
    tab.server_edit.setText("http://127.0.0.1:8000")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    # Once the operator allowed that server (daftar sync --server … --insecure), the tab
    # shows it with a warning and saves it.
    with db.session() as session:
        remember_transport_options(session, server_url=lan, insecure=True)
    dialog = make_settings(qtbot, ctx)
    tab = dialog.sync_tab
    assert tab.server_edit.text() == lan
    assert "بدون رمزگذاری" in tab.security_hint.text()
    assert WARNING_COLOR in tab.security_hint.styleSheet()
    shot(dialog, "sync_settings_insecure_allowed")
    tab.token_edit.setText("another-token")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    with db.session() as session:
        assert load_settings(session).server_url == lan
    # An office CA given with daftar sync --ca-file is named under the address too; moving
    # the office to https makes the plain-HTTP choice lapse.
    certificates = make_certificates(tmp_path / "tls")
    with db.session() as session:
        save_settings(session, "https://sync.office.lan", None)
        remember_transport_options(session, ca_file=str(certificates.ca))
    dialog = make_settings(qtbot, ctx)
    hint = dialog.sync_tab.security_hint.text()
    assert "ca.pem" in hint and "گواهی ریشهٔ اداره" in hint
    assert dialog.sync_tab.security_hint.toolTip() == str(certificates.ca.resolve())
    assert "بدون رمزگذاری" not in hint
    shot(dialog, "sync_settings_private_ca")


def test_main_window_says_where_the_token_is_kept(
    qtbot: QtBot,
    ctx: AppContext,
    office: OfficeInfo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.views import settings_dialog

    def fake_exec(dialog: SettingsDialog) -> int:
        dialog.sync_tab.server_edit.setText(BASE)
        dialog.sync_tab.token_edit.setText("secret-token")
        dialog.on_buttons_accepted()
        return int(dialog.result())

    monkeypatch.setattr(settings_dialog.SettingsDialog, "exec", fake_exec)
    window = MainWindow(ctx, office)
    qtbot.addWidget(window)
    assert sync_line(window).text() == "همگام‌سازی تنظیم نشده"
    window.settings_action.trigger()
    assert window.statusBar().currentMessage() == (
        "توکن همگام‌سازی رمزگذاری‌شده در پایگاه داده نگهداری می‌شود."
    )
    assert sync_line(window).text().startswith("هنوز همگام نشده")


def test_test_connection_names_the_office_or_the_error(
    qtbot: QtBot,
    make_office: Callable[..., Office],
    server: Server,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(messages, "confirm_discard", lambda _parent: True)  # closing edited
    b = make_office("b")
    dialog = make_settings(qtbot, b.ctx)
    tab = dialog.sync_tab
    assert tab.server_edit.text() == BASE
    # The stored token (the field is empty).
    qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
    assert tab.test_result_label.text() == "اتصال برقرار شد: «اداره b»"
    assert tab.test_result_label.isVisible()
    shot(dialog, "sync_settings_test_ok")
    # A typed token the server does not know: the message under the token.
    tab.token_edit.setText("not-a-token")
    qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
    assert "توکن" in dialog.errors.message(SYNC_TOKEN_FIELD)
    assert not tab.test_result_label.isVisible()
    # A bad address: under the address.
    tab.server_edit.setText("ftp://sync.example.ir")
    qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
    assert strip_bidi_controls(dialog.errors.message(SYNC_URL_FIELD)).startswith("نشانی سرور باید")
    # An unreachable server: beside the button.
    b.ctx.transport_factory = None
    tab.server_edit.setText("http://127.0.0.1:9")
    qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
    assert "در دسترس نیست" in tab.test_result_label.text()
    assert ERROR_COLOR in tab.test_result_label.styleSheet()


# -- the first run: from the server ----------------------------------------------------------------


@pytest.fixture
def empty_ctx(tmp_path: Path, server: Server, qapp: object) -> Iterator[AppContext]:
    database = act_as(open_database(tmp_path / "new.sqlite3"))
    runner = TaskRunner(synchronous=True)
    yield AppContext(database, runner, AppSignals(), transport_factory=server.transport)
    runner.deleteLater()
    database.close()


def make_setup(qtbot: QtBot, context: AppContext) -> SetupDialog:
    dialog = SetupDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_first_run_from_the_server_creates_the_office(
    qtbot: QtBot, empty_ctx: AppContext, server: Server, make_office: Callable[..., Office]
) -> None:
    # Another office of the county has issued a licence already.
    a = make_office("a")
    issue(a, "0067749828")
    a.sync()
    token = server.enrol("اداره شمیرانات")
    dialog = make_setup(qtbot, empty_ctx)
    assert dialog.manual_radio.isChecked() and dialog.ok_button.text() == "راه‌اندازی"
    dialog.server_radio.setChecked(True)
    assert dialog.pages.currentIndex() == 1
    assert dialog.ok_button.text() == "دریافت از سرور" and dialog.ok_button.isEnabled()
    # Nothing typed: both fields say so.
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert set(dialog.errors.messages()) == {"server_url", "token"}
    # A token the server does not know: under the token; no office.
    dialog.server_edit.setText(BASE)
    dialog.token_edit.setText("not-a-token")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "توکن" in dialog.errors.message("token")
    assert dialog.result() != QDialog.DialogCode.Accepted
    with empty_ctx.db.session() as session:
        from app.services.core.office import get_office

        assert get_office(session) is None
    shot(dialog, "sync_setup_from_server")
    # The right token: the office, its settings, the published keys and the county's
    # licences; the screens of those kinds reload.
    dialog.token_edit.setText(token)
    kinds: list[str] = []
    empty_ctx.signals.sig_records_changed.connect(kinds.append)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert sorted(kinds) == ["certificates", "licences", "office", "sync"]
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.office is not None and dialog.office.name == "اداره شمیرانات"
    assert dialog.office.county_name == "شمیرانات"
    assert dialog.report is not None and dialog.report.pulled >= 3
    assert licence_count(empty_ctx.db) == 1
    with empty_ctx.db.session() as session:
        status_now = sync_status(session)
        assert status_now.configured and status_now.last_sync_at is not None
        assert load_settings(session).token == token


def test_first_run_bad_address_is_shown_under_the_field(
    qtbot: QtBot, empty_ctx: AppContext
) -> None:
    dialog = make_setup(qtbot, empty_ctx)
    dialog.server_radio.setChecked(True)
    dialog.server_edit.setText("sync.example.ir")
    dialog.token_edit.setText("secret")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert strip_bidi_controls(dialog.errors.message("server_url")).startswith("نشانی سرور باید")
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.ok_button.isEnabled()


def test_first_run_goes_on_when_only_the_first_sync_failed(
    qtbot: QtBot,
    empty_ctx: AppContext,
    server: Server,
    no_boxes: dict[str, list[Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.services.sync.client import SyncClient
    from app.services.sync.errors import offline_error

    def cut(self: SyncClient) -> Any:
        raise offline_error()

    monkeypatch.setattr(SyncClient, "run", cut)
    token = server.enrol("اداره شمیرانات")
    dialog = make_setup(qtbot, empty_ctx)
    dialog.server_radio.setChecked(True)
    dialog.server_edit.setText(BASE)
    dialog.token_edit.setText(token)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.office is not None and dialog.office.name == "اداره شمیرانات"
    assert len(no_boxes["inform"]) == 1 and "همگام‌سازی بعدی" in no_boxes["inform"][0]


def test_a_sync_announces_the_kinds_its_report_names() -> None:
    """The screens that reload after a sync are those of the kinds it wrote, plus the
    sync queue; refreshed reference data and keys reload their screens too."""
    from app.services.sync.report import SyncReport
    from app.views.sync_common import kinds_changed_by
    from common.vocabulary import RecordKind

    assert kinds_changed_by(SyncReport()) == {RecordKind.SYNC}
    report = SyncReport(changed_kinds={"supporters"}, keys_changed=1)
    assert kinds_changed_by(report) == {
        RecordKind.SYNC,
        RecordKind.SUPPORTERS,
        RecordKind.CERTIFICATES,
    }
    report = SyncReport(changed_kinds={"licences", "events"}, reference_changed=3)
    assert kinds_changed_by(report) == {
        RecordKind.SYNC,
        RecordKind.LICENCES,
        RecordKind.EVENTS,
        RecordKind.REFERENCE,
    }
