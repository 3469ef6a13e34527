"""The signed-in account in the main window: its name in the title and the status line,
«پرونده ← حساب‌های کاربری…» and «قفل کردن»، the idle lock, and the window's actions the
role may not use disabled with the reason as their tooltip."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel

from app.services.accounts.service import idle_minutes
from app.views.accounts_dialog import AccountsDialog
from app.views.context import AppContext
from app.views.sign_in import IdleLock, forbid, who
from common.vocabulary import Permission

if TYPE_CHECKING:
    from app.views.main_window import MainWindow


def _tr(text: str) -> str:
    return QCoreApplication.translate("WindowAccounts", text)


class WindowAccounts(QObject):
    """What the main window shows and does about the signed-in account."""

    def __init__(self, window: MainWindow, ctx: AppContext) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = ctx
        self.account = ctx.db.account
        self.user_label = QLabel(_tr("کاربر: {who}").format(who=who(self.account)))
        self.user_label.setObjectName("signedInUser")
        window.statusBar().addPermanentWidget(self.user_label)
        window.setWindowTitle(f"{window.windowTitle()} — {who(self.account)}")
        self.accounts_action = QAction(_tr("حساب‌های کاربری…"), window)
        self.accounts_action.triggered.connect(self.on_accounts_action_triggered)
        self.lock_action = QAction(_tr("قفل کردن"), window)
        self.lock_action.setShortcut(QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_L))
        window.file_menu.insertAction(window.settings_action, self.accounts_action)
        window.file_menu.insertAction(window.quit_action, self.lock_action)
        self.lock = IdleLock(ctx, window, 0)
        self.lock_action.triggered.connect(self.lock.lock)
        self.apply_permissions()
        self._load_idle_minutes()

    def apply_permissions(self) -> None:
        """Disable what the role may not do (the services refuse it anyway)."""
        w = self.window
        for action, permission in (
            (w.import_action, Permission.IMPORT),
            (w.import_supporters_action, Permission.IMPORT),
            (w.import_events_action, Permission.IMPORT),
            (w.export_action, Permission.EXPORT),
            (w.export_supporters_action, Permission.EXPORT),
            (w.export_events_action, Permission.EXPORT),
            (w.settings_action, Permission.OFFICE_SETTINGS),
            (w.backup_action, Permission.BACKUP),
            (w.restore_action, Permission.RESTORE),
            (w.issue_action, Permission.REGISTER),
            (w.print_selected_action, Permission.PRINT),
            (w.print_since_action, Permission.PRINT),
            (w.sync_action, Permission.SYNC),
            (w.conflicts_action, Permission.RESOLVE_CONFLICTS),
            (w.quarantine_action, Permission.RESOLVE_CONFLICTS),
        ):
            forbid(action, self.account, permission)

    def _load_idle_minutes(self) -> None:
        self.ctx.run_op(idle_minutes, self.lock.set_minutes, parent=self.window)

    def on_accounts_action_triggered(self) -> None:
        """The accounts dialog (anyone may look; only a head changes anything)."""
        dialog = AccountsDialog(self.ctx, self.window)
        dialog.finished.connect(self._load_idle_minutes)  # its idle time may have changed
        dialog.open()
