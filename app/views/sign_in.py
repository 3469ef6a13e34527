"""Signing in: the head of office's first account, the sign-in at start, the idle lock.

- :class:`HeadAccountDialog`: a database without accounts (a new office, or an office
  upgrading from a version without accounts) asks for the head of office's account
  first; it is created and signed in (app.services.accounts.service.start_as_head).
- :class:`SignInDialog`: username and password at every start; in lock mode
  (:class:`IdleLock`) only the password of the account already signed in, over a window
  whose open forms stay as they were.
- :func:`permit`: a button or menu action the signed-in role may not use is disabled,
  its tooltip saying why (the service refuses it all the same: app.services.core.access).

Checking a password costs a memory-hard hash: it runs off the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.accounts.service import (
    HeadAccount,
    SignInFailed,
    confirm_password,
    note_locked,
    sign_in,
    start_as_head,
)
from app.services.core.access import SignedIn, refusal
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.widgets.form import (
    INVALID_STYLE,
    FieldErrors,
    LatinLineEdit,
    add_field_row,
    make_error_label,
    make_form_layout,
)
from common.errors import DomainError, ValidationErrors
from common.vocabulary import Permission

log = logging.getLogger("daftar.sign_in")

#: Minutes without a key or a click before the window locks (office setting).
DEFAULT_IDLE_MINUTES = 10


def _tr(text: str) -> str:
    return QCoreApplication.translate("SignIn", text)


def who(account: SignedIn | None) -> str:
    """«name (role)» of the signed-in account, for the title and the status line."""
    if account is None:
        return ""
    return f"{account.name} ({account.role.label})"


def permit(widget: QWidget | QAction, account: SignedIn | None, permission: Permission) -> None:
    """Enable ``widget`` only if ``account`` may do ``permission``; else say why."""
    why = refusal(account, permission)
    widget.setEnabled(not why)
    widget.setToolTip(why)


def forbid(widget: QWidget | QAction, account: SignedIn | None, permission: Permission) -> None:
    """Disable ``widget`` (saying why) if ``account`` may not do ``permission``; leave it
    as it is otherwise (other reasons may have disabled it)."""
    why = refusal(account, permission)
    if why:
        widget.setEnabled(False)
        widget.setToolTip(why)


def _password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMaxLength(200)
    return edit


class _Dialog(QDialog):
    """A small form whose check runs in a worker."""

    def __init__(self, ctx: AppContext, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(title)
        self.setStyleSheet(INVALID_STYLE)
        self.setMinimumWidth(420)
        self.errors = FieldErrors(self)
        self.form = make_form_layout()
        self.status_label = make_error_label()
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(_tr("ورود"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setDefault(True)
        self.buttons.rejected.connect(self.reject)  # (each dialog connects its accepted)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.status_label)
        layout.addWidget(self.buttons)

    def row(self, name: str, text: str, widget: QWidget) -> None:
        add_field_row(self.form, text, widget, self.errors.add(name, widget))

    def run(self, op: Callable[[], SignedIn]) -> None:
        """Run ``op()`` (a sign-in) in a worker; accept on success."""
        self.errors.clear()
        self.status_label.hide()
        self.ok_button.setEnabled(False)
        self.ctx.runner.run(
            lambda _progress: op(),
            self.on_succeeded,
            self.on_failed,
            parent=self,
        )

    def on_succeeded(self, _account: SignedIn) -> None:
        self.ok_button.setEnabled(True)
        self.accept()

    def on_failed(self, exc: BaseException) -> None:
        """Show why beside the field (or under the form)."""
        self.ok_button.setEnabled(True)
        if isinstance(exc, ValidationErrors):
            self.errors.show(exc.by_field())
            self.errors.focus_first_invalid()
        elif isinstance(exc, DomainError):
            self.status_label.setText(exc.message)
            self.status_label.show()
        else:
            show_error(self, exc)


class HeadAccountDialog(_Dialog):
    """The head of office's account, on a database that has none yet."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, _tr("حساب مدیر اداره"), parent)
        self.buttons.accepted.connect(self.on_accepted)
        self.intro.setText(
            _tr(
                "هر کس با حساب خودش وارد «دفتر» می‌شود. نخست حساب رئیس اداره (مدیر) را "
                "بسازید؛ حساب کارشناسان را مدیر بعداً از «پرونده ← حساب‌های کاربری» می‌سازد."
            )
        )
        self.username_edit = LatinLineEdit(max_length=40)
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(60)
        self.password_edit = _password_edit()
        self.repeat_edit = _password_edit()
        self.row("username", _tr("نام کاربری:"), self.username_edit)
        self.row("display_name", _tr("نام و نام خانوادگی:"), self.name_edit)
        self.row("password", _tr("گذرواژه:"), self.password_edit)
        self.row("repeat", _tr("تکرار گذرواژه:"), self.repeat_edit)
        self.ok_button.setText(_tr("ساختن حساب و ورود"))

    def on_accepted(self) -> None:
        if self.password_edit.text() != self.repeat_edit.text():
            self.errors.show({"repeat": _tr("دو گذرواژه یکی نیستند.")})
            self.errors.focus_first_invalid()
            return
        db = self.ctx.db
        head = HeadAccount(
            self.username_edit.text(), self.name_edit.text(), self.password_edit.text()
        )
        self.run(lambda: start_as_head(db, head))


class SignInDialog(_Dialog):
    """Username and password; with ``locked`` the password of whoever is signed in."""

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, locked: bool = False
    ) -> None:
        title = _tr("دفتر قفل است") if locked else _tr("ورود به دفتر")
        super().__init__(ctx, title, parent)
        self.buttons.accepted.connect(self.on_accepted)
        self.locked = locked
        self.username_edit = LatinLineEdit(max_length=40)
        self.password_edit = _password_edit()
        self.row("username", _tr("نام کاربری:"), self.username_edit)
        self.row("password", _tr("گذرواژه:"), self.password_edit)
        account = ctx.db.account
        if locked and account is not None:
            self.intro.setText(
                _tr("دفتر پس از مدتی بی‌کاری قفل شد. {who}، گذرواژهٔ خود را وارد کنید.").format(
                    who=account.name
                )
            )
            self.username_edit.setText(account.username)
            self.username_edit.setReadOnly(True)
            self.password_edit.setFocus()
            quit_button = QPushButton(_tr("خروج از برنامه"))
            self.buttons.addButton(quit_button, QDialogButtonBox.ButtonRole.DestructiveRole)
            quit_button.clicked.connect(self.on_quit)
        else:
            self.intro.setText(_tr("با نام کاربری و گذرواژهٔ خود وارد شوید."))
            self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)

    def on_accepted(self) -> None:
        db = self.ctx.db
        password = self.password_edit.text()
        if self.locked:
            self.run(lambda: confirm_password(db, password))
        else:
            username = self.username_edit.text()
            self.run(lambda: sign_in(db, username, password))

    def on_failed(self, exc: BaseException) -> None:
        self.password_edit.clear()
        if isinstance(exc, SignInFailed):
            self.errors.show({"password": exc.message})
            self.password_edit.setFocus()
            self.ok_button.setEnabled(True)
            return
        super().on_failed(exc)

    def reject(self) -> None:
        """A locked window cannot be dismissed: only unlocked or quit."""
        if not self.locked:
            super().reject()

    def on_quit(self) -> None:
        """Close Daftar from the lock (open forms are lost; nothing unsaved is saved)."""
        self.locked = False
        super().reject()
        app = QApplication.instance()
        if app is not None:
            app.quit()


def _recorded(_result: object) -> None:
    """The lock is in the audit trail."""


def _not_recorded(exc: BaseException) -> None:
    log.warning("the lock could not be recorded in the audit trail: %s", exc)


class IdleLock(QObject):
    """Locks the window after ``minutes`` without keyboard or mouse input: a modal
    :class:`SignInDialog` in lock mode covers it; the forms under it stay as they were."""

    sig_locked = Signal()
    sig_unlocked = Signal()

    _INPUT = frozenset(
        {
            QEvent.Type.KeyPress,
            QEvent.Type.MouseButtonPress,
            QEvent.Type.MouseMove,
            QEvent.Type.Wheel,
        }
    )

    def __init__(self, ctx: AppContext, window: QWidget, minutes: int) -> None:
        super().__init__(window)
        self.ctx = ctx
        self.window = window
        self.dialog: SignInDialog | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.lock)
        self.set_minutes(minutes)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_minutes(self, minutes: int) -> None:
        """Lock after ``minutes`` idle (0: never)."""
        self.minutes = minutes
        self.timer.stop()
        if minutes > 0:
            self.timer.start(minutes * 60_000)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Any input while unlocked restarts the idle time."""
        if self.dialog is None and self.minutes > 0 and event.type() in self._INPUT:
            self.timer.start(self.minutes * 60_000)
        return False

    def lock(self) -> None:
        """Cover the window until the password is given again."""
        if self.dialog is not None:
            return
        self.dialog = SignInDialog(self.ctx, self.window, locked=True)
        # Over every window (an open form dialog too), not only the main one.
        self.dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.dialog.accepted.connect(self._unlocked)
        db = self.ctx.db
        self.ctx.runner.run(
            lambda _progress: note_locked(db), _recorded, _not_recorded, parent=self.window
        )
        self.sig_locked.emit()
        self.dialog.show()  # open() would make it modal to the main window only

    def _unlocked(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None
        self.sig_unlocked.emit()
        self.set_minutes(self.minutes)

    def stop(self) -> None:
        """No more locking (the window closes)."""
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
