"""«پرونده ← حساب‌های کاربری…»: the head of office adds accounts, disables and enables
them, resets passwords, assigns roles, and sets the idle time before the window locks.

Other roles see the list only (every button disabled, its tooltip saying why); the
services refuse them all the same (Permission.ACCOUNTS, Permission.OFFICE_SETTINGS).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.accounts.service import (
    MAX_IDLE_MINUTES,
    AccountInfo,
    AccountService,
    idle_minutes,
    set_idle_minutes,
)
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.sign_in import permit
from app.views.widgets.form import (
    INVALID_STYLE,
    FieldErrors,
    LatinLineEdit,
    add_field_row,
    make_form_layout,
    save_cancel_buttons,
)
from app.views.widgets.table_model import Column, ColumnTableModel
from common.errors import ValidationErrors
from common.vocabulary import Permission, Role


def _tr(text: str) -> str:
    return QCoreApplication.translate("AccountsDialog", text)


COLUMNS: tuple[Column[AccountInfo], ...] = (
    Column(_tr("نام کاربری"), lambda a: a.username),
    Column(_tr("نام"), lambda a: a.display_name),
    Column(_tr("نقش"), lambda a: a.role_label),
    Column(_tr("وضعیت"), lambda a: _tr("غیرفعال") if a.disabled else _tr("فعال")),
)


def _role_combo() -> QComboBox:
    combo = QComboBox()
    for role in Role:
        combo.addItem(role.label, role.value)
    combo.setCurrentIndex(1)  # a clerk, the usual new account
    return combo


def _password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class AccountForm(QDialog):
    """A new account (``username`` None) or a new password for an existing one."""

    def __init__(self, ctx: AppContext, parent: QWidget, username: str | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.username = username
        self.setWindowTitle(
            _tr("حساب تازه")
            if username is None
            else _tr("گذرواژهٔ تازه برای {name}").format(name=username)
        )
        self.setStyleSheet(INVALID_STYLE)
        self.setMinimumWidth(400)
        self.errors = FieldErrors(self)
        form = make_form_layout()
        self.username_edit = LatinLineEdit(max_length=40)
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(60)
        self.role_combo = _role_combo()
        self.password_edit = _password_edit()
        self.repeat_edit = _password_edit()
        rows: list[tuple[str, str, QWidget]] = []
        if username is None:
            rows += [
                ("username", _tr("نام کاربری:"), self.username_edit),
                ("display_name", _tr("نام و نام خانوادگی:"), self.name_edit),
                ("role", _tr("نقش:"), self.role_combo),
            ]
        rows += [
            ("password", _tr("گذرواژه:"), self.password_edit),
            ("repeat", _tr("تکرار گذرواژه:"), self.repeat_edit),
        ]
        for name, text, widget in rows:
            add_field_row(form, text, widget, self.errors.add(name, widget))
        box, self.save_button, _cancel = save_cancel_buttons()
        box.accepted.connect(self.on_save)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(box)

    def on_save(self) -> None:
        """Save in a worker; field errors beside the fields."""
        self.errors.clear()
        password = self.password_edit.text()
        if password != self.repeat_edit.text():
            self.errors.show({"repeat": _tr("دو گذرواژه یکی نیستند.")})
            self.errors.focus_first_invalid()
            return
        username, name = self.username_edit.text(), self.name_edit.text()
        role = str(self.role_combo.currentData())
        existing = self.username

        def op(session: Session) -> AccountInfo:
            service = AccountService(session)
            if existing is None:
                return service.add(username, name, role, password)
            return service.reset_password(existing, password)

        self.save_button.setEnabled(False)
        self.ctx.run_op(op, lambda _info: self.accept(), self.on_failed, parent=self)

    def on_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationErrors):
            self.errors.show(exc.by_field())
            self.errors.focus_first_invalid()
        else:
            show_error(self, exc)


class AccountsDialog(QDialog):
    """The office's accounts."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_tr("حساب‌های کاربری"))
        self.setMinimumSize(620, 380)
        self.model: ColumnTableModel[AccountInfo] = ColumnTableModel(COLUMNS, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.add_button = QPushButton(_tr("حساب تازه…"))
        self.password_button = QPushButton(_tr("گذرواژهٔ تازه…"))
        self.disable_button = QPushButton(_tr("غیرفعال کردن"))
        self.enable_button = QPushButton(_tr("فعال کردن"))
        self.role_combo = _role_combo()
        self.role_button = QPushButton(_tr("تعیین نقش"))
        self.idle_spin = QSpinBox()
        self.idle_spin.setRange(0, MAX_IDLE_MINUTES)
        self.idle_spin.setSuffix(_tr(" دقیقه"))
        self.idle_spin.setSpecialValueText(_tr("هرگز"))
        self.idle_button = QPushButton(_tr("ذخیره"))
        account = ctx.db.account
        for button in (self.add_button, self.password_button, self.disable_button):
            permit(button, account, Permission.ACCOUNTS)
        for widget in (self.enable_button, self.role_button, self.role_combo):
            permit(widget, account, Permission.ACCOUNTS)
        permit(self.idle_button, account, Permission.OFFICE_SETTINGS)
        permit(self.idle_spin, account, Permission.OFFICE_SETTINGS)
        self.add_button.clicked.connect(self.on_add)
        self.password_button.clicked.connect(self.on_password)
        self.disable_button.clicked.connect(lambda: self.on_disable(True))
        self.enable_button.clicked.connect(lambda: self.on_disable(False))
        self.role_button.clicked.connect(self.on_role)
        self.idle_button.clicked.connect(self.on_idle)

        buttons = QHBoxLayout()
        for widget in (
            self.add_button,
            self.password_button,
            self.disable_button,
            self.enable_button,
        ):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        roles = QHBoxLayout()
        roles.addWidget(QLabel(_tr("نقش حساب انتخاب‌شده:")))
        roles.addWidget(self.role_combo)
        roles.addWidget(self.role_button)
        roles.addStretch(1)
        idle = QHBoxLayout()
        idle.addWidget(QLabel(_tr("قفل خودکار پس از بی‌کاری:")))
        idle.addWidget(self.idle_spin)
        idle.addWidget(self.idle_button)
        idle.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addLayout(roles)
        layout.addLayout(idle)
        layout.addWidget(close)
        self.reload()

    def reload(self) -> None:
        """Read the accounts and the idle time (in a worker)."""

        def op(session: Session) -> tuple[list[AccountInfo], int]:
            return AccountService(session).list_accounts(), idle_minutes(session)

        self.ctx.run_op(op, self.on_loaded, self.on_failed, parent=self)

    def on_loaded(self, result: tuple[list[AccountInfo], int]) -> None:
        accounts, minutes = result
        self.model.set_rows(accounts)
        self.idle_spin.setValue(minutes)
        self.table.resizeColumnsToContents()

    def selected(self) -> AccountInfo | None:
        """The account chosen in the table."""
        index = self.table.currentIndex()
        return self.model.row_data(index.row()) if index.isValid() else None

    def _change(self, op: Callable[[Session], object]) -> None:
        self.ctx.run_op(
            op,
            lambda _result: self.reload(),
            self.on_failed,
            parent=self,
        )

    def on_failed(self, exc: BaseException) -> None:
        """Say why (a refusal, a rule of the accounts)."""
        show_error(self, exc)

    def on_add(self) -> None:
        form = AccountForm(self.ctx, self)
        form.accepted.connect(self.reload)
        form.open()

    def on_password(self) -> None:
        account = self.selected()
        if account is not None:
            form = AccountForm(self.ctx, self, account.username)
            form.accepted.connect(self.reload)
            form.open()

    def on_disable(self, disabled: bool) -> None:
        account = self.selected()
        if account is not None:
            name = account.username
            self._change(lambda s: AccountService(s).set_disabled(name, disabled))

    def on_role(self) -> None:
        account = self.selected()
        if account is not None:
            name, role = account.username, str(self.role_combo.currentData())
            self._change(lambda s: AccountService(s).set_role(name, role))

    def on_idle(self) -> None:
        minutes = self.idle_spin.value()
        self._change(lambda s: set_idle_minutes(s, minutes))
