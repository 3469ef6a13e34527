"""AppContext.run_op: a unit of work off the GUI thread that announces what it changed,
and the screens that refresh from the announcement (those of its kinds, no other)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from shiboken6 import Shiboken
from sqlalchemy.orm import Session

from app.services.core.db import Database
from app.services.core.office import OfficeInfo, require_office
from app.services.licences.service import LicenceService
from app.services.supporters.service import SupporterService
from app.views.context import AppContext
from app.views.main_window import MainWindow
from app.views.worker import TaskRunner
from tests.services.supporter_fixtures import issue, make_supporter, nid


def announced(context: AppContext) -> list[str]:
    """The kinds ``context`` announces from now on, in order."""
    kinds: list[str] = []
    context.signals.sig_records_changed.connect(kinds.append)
    return kinds


def counting(calls: list[str], name: str, method: Callable[[], None]) -> Callable[[], None]:
    def wrapper() -> None:
        calls.append(name)
        method()

    return wrapper


@pytest.fixture
def window(qtbot: QtBot, ctx: AppContext, office: OfficeInfo) -> MainWindow:
    main = MainWindow(ctx, office)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    return main


def test_a_change_refreshes_the_screens_of_its_kind_and_no_other(
    qtbot: QtBot,
    window: MainWindow,
    ctx: AppContext,
    db: Database,
) -> None:
    supporter = make_supporter(db)
    licence = issue(db, nid(5), kind="مستقل")
    supporters = window.show_tab(window.supporters_tab)
    register = window.register_screen
    assert register is not None and window.sync_controller is not None
    refreshed: list[str] = []
    register.model.refresh = counting(refreshed, "register", register.model.refresh)  # type: ignore[method-assign]
    supporters.refresh = counting(refreshed, "supporters", supporters.refresh)  # type: ignore[method-assign]
    window._load_total = counting(refreshed, "total", window._load_total)  # type: ignore[method-assign]
    status = window.sync_controller
    status.refresh_status = counting(refreshed, "sync status", status.refresh_status)  # type: ignore[method-assign]
    kinds = announced(ctx)
    results: list[object] = []

    # A supporter suspended: the supporters list and the sync status, not the register.
    ctx.run_op(lambda s: SupporterService(s).suspend(supporter.id, "دلیل"), results.append)
    assert kinds == ["supporters", "sync"]
    assert refreshed == ["supporters", "sync status"]
    assert len(results) == 1  # on_success ran after the announcement

    # A licence suspended: the register, its total, the supporters list (it shows
    # licences) and the sync status.
    kinds.clear()
    refreshed.clear()
    ctx.run_op(lambda s: LicenceService(s).suspend(licence.id, "دلیل"), results.append)
    assert kinds == ["licences", "sync"]
    assert refreshed == ["register", "total", "supporters", "sync status"]

    # A read changes nothing and announces nothing.
    kinds.clear()
    refreshed.clear()
    ctx.run_op(require_office, results.append)
    assert kinds == [] and refreshed == []


def test_a_failed_unit_of_work_announces_nothing(
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
) -> None:
    licence = issue(db, nid(6), kind="مستقل")
    kinds = announced(ctx)
    failures: list[BaseException] = []

    def op(session: Session) -> None:
        LicenceService(session).suspend(licence.id, "دلیل")
        session.flush()
        raise RuntimeError("after the write")

    ctx.run_op(op, lambda _result: None, failures.append)
    assert kinds == [] and isinstance(failures[0], RuntimeError)
    with db.session() as session:
        assert LicenceService(session).get(licence.id).status == "active"


def test_the_announcement_outlives_the_widget_that_asked(
    qtbot: QtBot,
    db: Database,
    office: OfficeInfo,
) -> None:
    """A dialog closed while its work ran gets no result, but the screens still learn
    what changed."""
    from app.views.context import AppSignals

    licence = issue(db, nid(7), kind="مستقل")
    runner = TaskRunner(synchronous=False)
    threaded = AppContext(db=db, runner=runner, signals=AppSignals())
    kinds = announced(threaded)
    asker = QWidget()
    results: list[object] = []
    threaded.run_op(
        lambda s: LicenceService(s).suspend(licence.id, "دلیل"), results.append, parent=asker
    )
    Shiboken.delete(asker)  # closed before the worker is done
    qtbot.waitUntil(lambda: runner.active_count == 0, timeout=10_000)
    assert kinds == ["licences", "sync"] and results == []
    runner.deleteLater()
