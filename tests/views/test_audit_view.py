"""The audit trail's window: filters, paging, the chain check, the export; only a head
of office opens it."""

from __future__ import annotations

import csv
import os
import sqlite3
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.services.audit import trail
from app.services.core.office import OfficeInfo
from app.views import sheet_export
from app.views.audit.window import AuditWindow
from app.views.context import AppContext
from app.views.main_window import MainWindow
from common.vocabulary import AuditAction
from tests.accounts_support import TEST_CLERK, TEST_HEAD, act_as
from tests.services.conftest import issue_test_licence

NATIONAL_IDS = ("0067749828", "6688356023", "2742819991")


def _shot(widget: AuditWindow, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(folder) / f"{name}.png"))


def _window(ctx: AppContext, qtbot: QtBot) -> AuditWindow:
    window = AuditWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    return window


def test_the_trail_with_its_filters_and_pages(
    ctx: AppContext, office: OfficeInfo, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    act_as(ctx.db, TEST_CLERK)
    numbers = [issue_test_licence(ctx.db, national_id).number for national_id in NATIONAL_IDS]
    act_as(ctx.db, TEST_HEAD)
    window = _window(ctx, qtbot)
    assert window.total == 4  # the office's set-up, three licences
    assert window.model.text(0, 3) == AuditAction.REGISTER.label  # newest first
    assert window.model.text(0, 2) == TEST_CLERK.name
    assert "۱۴" in window.model.text(0, 1)  # a Jalali year, Persian digits
    assert window.layoutDirection().name == "RightToLeft"
    assert numbers[-1] in window.detail_label.text()  # the newest entry, selected
    _shot(window, "audit-trail")

    window.who_combo.setCurrentIndex(window.who_combo.findData(TEST_HEAD.account_id))
    assert window.total == 1 and window.model.text(0, 3) == AuditAction.OFFICE_SETTINGS.label
    window.who_combo.setCurrentIndex(0)
    window.record_edit.setText(numbers[0][-6:])  # part of a licence number
    qtbot.waitUntil(lambda: window.total == 1)
    assert numbers[0] in window.model.text(0, 4).translate(
        str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")
    )
    window.record_edit.clear()
    qtbot.waitUntil(lambda: window.total == 4)

    monkeypatch.setattr(trail, "PAGE_SIZE", 2)
    monkeypatch.setattr("app.views.audit.window.PAGE_SIZE", 2)
    monkeypatch.setattr(trail.entries_page, "__defaults__", (trail.AuditFilter(), 0, 2))
    window.reload_from_start()
    assert window.model.rowCount() == 2 and window.next_button.isEnabled()
    window.next_button.click()
    assert window.model.rowCount() == 2 and not window.next_button.isEnabled()
    assert window.model.text(1, 0) == "۱"

    window.verify_button.click()
    assert "سالم" in window.verdict_label.text()
    _shot(window, "audit-intact")

    out = ctx.db.path.parent / "trail.csv"
    monkeypatch.setattr(
        sheet_export.QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(out), "")
    )
    monkeypatch.setattr(sheet_export.messages, "inform", lambda *_a, **_k: None)
    window.export_button.click()
    with out.open(encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.reader(handle))) == 1 + 4
    with ctx.db.session() as session:  # the export is recorded, naming the file chosen
        recorded = trail.entries_page(session)[0]
    assert recorded.action == AuditAction.AUDIT and f"{out}" in recorded.detail


def test_a_changed_entry_shows_in_red(ctx: AppContext, office: OfficeInfo, qtbot: QtBot) -> None:
    issue_test_licence(ctx.db)
    conn = sqlite3.connect(ctx.db.path)
    conn.execute("DROP TRIGGER audit_entry_no_update")
    conn.execute("UPDATE audit_entry SET actor = 'کس دیگر' WHERE seq = 2")
    conn.commit()
    conn.close()
    window = _window(ctx, qtbot)
    window.verify_button.click()
    assert "ردیف ۲" in window.verdict_label.text() and "دستکاری" in window.verdict_label.text()
    _shot(window, "audit-tampered")


def test_only_a_head_opens_the_trail(ctx: AppContext, office: OfficeInfo, qtbot: QtBot) -> None:
    for account, enabled in ((TEST_CLERK, False), (TEST_HEAD, True)):
        act_as(ctx.db, account)
        window = MainWindow(ctx, office)
        qtbot.addWidget(window)
        action = window.accounts.audit_action
        assert action.isEnabled() is enabled
        assert enabled or "دیدن ردپای ممیزی" in action.toolTip()
        window.close()
