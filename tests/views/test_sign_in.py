"""Signing in, the idle lock, the accounts dialog and what a role sees in the window."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from app.services.accounts.service import AccountService, has_accounts, sign_in
from app.services.core.db import Database
from app.services.core.office import OfficeInfo
from app.views.accounts_dialog import AccountForm, AccountsDialog
from app.views.context import AppContext
from app.views.licence_dialog import LicenceDialog
from app.views.main_window import MainWindow
from app.views.sign_in import HeadAccountDialog, IdleLock, SignInDialog
from common.vocabulary import Role
from tests.accounts_support import TEST_CLERK, TEST_VIEWER, act_as
from tests.views.licence_support import issue_licence

PASSWORD = "sahar-1405-secret"


def _shot(widget: object, name: str) -> None:
    """Keep a look at the screen (RTL) when SCREENSHOTS names a folder."""
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(folder) / f"{name}.png"))  # type: ignore[attr-defined]


def _head(ctx: AppContext, qtbot: QtBot) -> None:
    """Make the head of office's account through the dialog."""
    act_as(ctx.db, None)
    dialog = HeadAccountDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.username_edit.setText("sahar")
    dialog.name_edit.setText("سحر کاظمی")
    dialog.password_edit.setText(PASSWORD)
    dialog.repeat_edit.setText(PASSWORD)
    dialog.ok_button.click()
    assert dialog.result() == HeadAccountDialog.DialogCode.Accepted


def test_the_head_account_dialog_checks_then_creates_and_signs_in(
    ctx: AppContext, qtbot: QtBot
) -> None:
    act_as(ctx.db, None)
    dialog = HeadAccountDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.username_edit.setText("sahar")
    dialog.name_edit.setText("سحر کاظمی")
    dialog.password_edit.setText("short")
    dialog.repeat_edit.setText("other")
    dialog.ok_button.click()
    assert dialog.errors.message("repeat") == "دو گذرواژه یکی نیستند."
    dialog.repeat_edit.setText("short")
    dialog.ok_button.click()
    assert "۸ نویسه" in dialog.errors.message("password")
    _shot(dialog, "head-account")
    with ctx.db.session() as session:
        assert not has_accounts(session)
    dialog.password_edit.setText(PASSWORD)
    dialog.repeat_edit.setText(PASSWORD)
    dialog.ok_button.click()
    assert dialog.result() == HeadAccountDialog.DialogCode.Accepted
    assert ctx.db.account is not None and ctx.db.account.role == Role.HEAD


def test_sign_in_shows_a_wrong_password_beside_the_field(ctx: AppContext, qtbot: QtBot) -> None:
    _head(ctx, qtbot)
    act_as(ctx.db, None)
    dialog = SignInDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.username_edit.setText("sahar")
    dialog.password_edit.setText("not-it")
    dialog.ok_button.click()
    assert dialog.errors.message("password") == "نام کاربری یا گذرواژه نادرست است."
    assert dialog.password_edit.text() == "" and ctx.db.account is None
    _shot(dialog, "sign-in")
    dialog.password_edit.setText(PASSWORD)
    dialog.ok_button.click()
    assert dialog.result() == SignInDialog.DialogCode.Accepted
    assert ctx.db.account is not None and ctx.db.account.username == "sahar"


def test_the_idle_lock_keeps_an_open_form(
    ctx: AppContext, office: OfficeInfo, qtbot: QtBot
) -> None:
    _head(ctx, qtbot)
    window = MainWindow(ctx, office)
    qtbot.addWidget(window)
    window.show()
    assert "سحر کاظمی (مدیر)" in window.windowTitle()
    assert window.accounts.user_label.text() == "کاربر: سحر کاظمی (مدیر)"
    form = QLineEdit(window)  # stands for a half-filled form
    form.setText("نیمه‌کاره")
    lock = window.accounts.lock
    assert isinstance(lock, IdleLock) and lock.minutes == 10 and lock.timer.isActive()
    lock.lock()
    dialog = lock.dialog
    assert dialog is not None and dialog.isVisible() and dialog.username_edit.isReadOnly()
    assert dialog.windowModality() == Qt.WindowModality.ApplicationModal
    dialog.reject()  # Escape does not unlock
    assert dialog.isVisible()
    _shot(window, "locked-window")
    _shot(dialog, "lock-dialog")
    dialog.password_edit.setText("not-it")
    dialog.ok_button.click()
    assert lock.dialog is dialog and "نادرست" in dialog.errors.message("password")
    dialog.password_edit.setText(PASSWORD)
    dialog.ok_button.click()
    assert lock.dialog is None and form.text() == "نیمه‌کاره"
    window.close()


def test_a_clerk_sees_why_head_only_actions_are_off(
    ctx: AppContext, office: OfficeInfo, qtbot: QtBot
) -> None:
    _head(ctx, qtbot)
    with ctx.db.session() as session:
        AccountService(session).add("reza", "رضا امینی", Role.CLERK, "reza-password")
    sign_in(ctx.db, "reza", "reza-password")
    window = MainWindow(ctx, office)
    qtbot.addWidget(window)
    assert not window.settings_action.isEnabled()
    assert "تنظیمات اداره" in window.settings_action.toolTip()
    assert not window.conflicts_action.isEnabled()
    assert window.issue_action.isEnabled() and window.import_action.isEnabled()
    assert window.register_screen is not None and window.register_screen.issue_button.isEnabled()
    dialog = AccountsDialog(ctx, window)
    qtbot.addWidget(dialog)
    assert not dialog.add_button.isEnabled() and "مدیریت حساب" in dialog.add_button.toolTip()
    window.close()


def test_the_head_adds_an_account_in_the_accounts_dialog(
    ctx: AppContext, office: OfficeInfo, qtbot: QtBot
) -> None:
    _head(ctx, qtbot)
    dialog = AccountsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    form = AccountForm(ctx, dialog)
    qtbot.addWidget(form)
    form.username_edit.setText("mina")
    form.name_edit.setText("مینا رادمهر")
    form.role_combo.setCurrentIndex(2)
    form.password_edit.setText("mina-password")
    form.repeat_edit.setText("mina-password")
    form.accepted.connect(dialog.reload)
    form.save_button.click()
    assert form.result() == AccountForm.DialogCode.Accepted
    assert [a.username for a in dialog.model.rows()] == ["sahar", "mina"]
    dialog.table.setCurrentIndex(dialog.model.index(1, 0))
    dialog.disable_button.click()
    assert dialog.model.rows()[1].disabled
    _shot(dialog, "accounts")


def test_the_window_shows_a_viewer_nothing_to_change(
    db: Database, ctx: AppContext, office: OfficeInfo, qtbot: QtBot
) -> None:
    _head(ctx, qtbot)
    with db.session() as session:
        AccountService(session).add("mina", "مینا رادمهر", Role.VIEWER, "mina-password")
    sign_in(db, "mina", "mina-password")
    window = MainWindow(ctx, office)
    qtbot.addWidget(window)
    for action in (window.issue_action, window.import_action, window.backup_action):
        assert not action.isEnabled() and "مشاهده‌گر" in action.toolTip()
    assert window.verify_action.isEnabled()
    _shot(window, "viewer-window")
    window.close()


def test_a_clerk_may_suspend_but_not_revoke_on_the_licence_screen(
    ctx: AppContext, office: OfficeInfo, qtbot: QtBot
) -> None:
    licence = issue_licence(ctx.db, office)
    act_as(ctx.db, TEST_CLERK)
    dialog = LicenceDialog(ctx, licence.id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.detail is not None)
    assert dialog.suspend_button.isEnabled() and dialog.edit_button.isEnabled()
    assert not dialog.revoke_button.isEnabled()
    assert "ابطال مجوز" in dialog.revoke_button.toolTip()
    act_as(ctx.db, TEST_VIEWER)
    dialog.reload()
    qtbot.waitUntil(lambda: not dialog.edit_button.isEnabled())
    assert not dialog.suspend_button.isEnabled() and not dialog.print_button.isEnabled()
    _shot(dialog, "licence-viewer")
