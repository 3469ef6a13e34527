"""The «همگام‌سازی» tab of «تنظیمات اداره»: the server's address and the office's token.

The dialog loads and saves the tab with the rest of the office's settings (one job
each): :func:`load_sync_settings` and :func:`save_sync_settings` around
:func:`app.services.sync.settings.load_settings` /
:func:`~app.services.sync.settings.save_settings`. An empty token field keeps the stored
token; an empty address turns sync off. A bad address is reported under its field (as
the ``sync_server_url`` field of a ValidationErrors), and so is a plain ``http://``
address of another computer (app.services.sync.security): a hint under the field says
why, and whether the operator allowed plain HTTP to this server (``daftar sync
--insecure``) or a private CA (``--ca-file``) for this database.

«آزمایش اتصال» makes a handshake with what is typed (the stored token when the token
field is empty) in a network worker and shows the office the server knows the token by,
or the Persian error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.core.progress import Progress
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.sync_common import (
    OK_COLOR,
    WARNING_COLOR,
    hint_label,
    isolate_urls,
    message_of,
    open_transport,
    skew_text,
)
from app.views.widgets.form import (
    ERROR_COLOR,
    FieldErrors,
    LatinLineEdit,
    add_field_row,
    make_form_layout,
    top_aligned,
)
from common.errors import DomainError, ValidationError, ValidationErrors
from common.text import isolate_ltr

if TYPE_CHECKING:
    from common.protocol import HandshakeResponse

#: FieldErrors names of the tab's inputs.
SYNC_URL_FIELD = "sync_server_url"
SYNC_TOKEN_FIELD = "sync_token"
SYNC_FIELDS = (SYNC_URL_FIELD, SYNC_TOKEN_FIELD)
#: SyncError codes shown under the address field, and under the token field.
URL_ERRORS = ("bad_url", "insecure_url")
TOKEN_ERRORS = ("no_token", "unauthorized", "token_expired")


def _tr(text: str) -> str:
    return QCoreApplication.translate("SyncSettingsTab", text)


@dataclass(frozen=True)
class SyncSettingsState:
    """What the tab shows: the address, whether a token is stored (never the token),
    whether plain HTTP to that server was allowed, and the private CA file if any."""

    server_url: str = ""
    has_token: bool = False
    insecure: bool = False
    ca_file: str = ""


@dataclass(frozen=True)
class SyncSettingsInput:
    """What the clerk typed: the address, and a new token (None: keep the stored one)."""

    server_url: str
    token: str | None


def load_sync_settings(session: Session) -> SyncSettingsState:
    """The stored address, and whether this computer has the token."""
    from app.services.sync import security as sync_security
    from app.services.sync.settings import load_settings

    stored = load_settings(session)
    insecure = bool(stored.server_url) and (
        sync_security.needs_permission(stored.server_url)
        and sync_security.insecure_allowed(session, stored.server_url)
    )
    return SyncSettingsState(
        stored.server_url,
        bool(stored.token),
        insecure=insecure,
        ca_file=sync_security.stored_ca_file(session),
    )


def save_sync_settings(session: Session, data: SyncSettingsInput) -> str:
    """Save the address and (when typed) the token; returns where the token went
    ("keyring", "database" or ""). A bad address raises ValidationErrors."""
    from app.services.sync.errors import SyncError
    from app.services.sync.settings import save_settings

    try:
        return save_settings(session, data.server_url, data.token)
    except SyncError as exc:
        if exc.code in URL_ERRORS:
            raise ValidationErrors(
                [ValidationError(SYNC_URL_FIELD, isolate_urls(exc.message))]
            ) from exc
        raise


def _ltr_edit(edit: QLineEdit) -> QLineEdit:
    edit.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
    edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return edit


class SyncSettingsTab(QWidget):
    """The server address, the token and «آزمایش اتصال»."""

    def __init__(self, ctx: AppContext, errors: FieldErrors, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.errors = errors
        self.state = SyncSettingsState()
        self._testing = False

        self.server_edit = LatinLineEdit(max_length=200)
        self.server_edit.setObjectName("syncServer")
        self.server_edit.setPlaceholderText("https://sync.example.ir")
        self.token_edit = _ltr_edit(QLineEdit())
        self.token_edit.setObjectName("syncToken")
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setMaxLength(400)
        self.token_state_label = hint_label()
        self.token_state_label.setObjectName("tokenState")
        self.place_hint = hint_label(
            _tr(
                "توکن در گاوصندوق رمز ویندوز نگهداری می‌شود؛ اگر در دسترس نباشد، "
                "رمزگذاری‌شده در پایگاه داده."
            )
        )
        self.off_hint = hint_label(
            _tr("اگر نشانی را خالی بگذارید، همگام‌سازی این رایانه خاموش می‌شود.")
        )
        self.security_hint = hint_label()
        self.security_hint.setObjectName("syncSecurity")
        form = make_form_layout()
        add_field_row(
            form,
            _tr("نشانی سرور:"),
            self.server_edit,
            self.errors.add(SYNC_URL_FIELD, self.server_edit),
            self.off_hint,
            self.security_hint,
        )
        add_field_row(
            form,
            _tr("توکن دسترسی:"),
            self.token_edit,
            self.errors.add(SYNC_TOKEN_FIELD, self.token_edit),
            self.token_state_label,
            self.place_hint,
        )

        self.test_button = QPushButton(_tr("آزمایش اتصال"))
        self.test_button.setAutoDefault(False)
        self.test_button.clicked.connect(self.on_test_button_clicked)
        self.test_result_label = QLabel()
        self.test_result_label.setObjectName("testResult")
        self.test_result_label.setWordWrap(True)
        self.test_result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_result_label.hide()
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_result_label, 1)

        box = QGroupBox(_tr("سرور مرکزی"))
        box_layout = top_aligned(form)
        box_layout.insertWidget(
            0,
            hint_label(
                _tr(
                    "نشانی سرور و توکن دسترسی این اداره را از مدیر سامانه بگیرید. تغییرهای "
                    "این رایانه با همگام‌سازی به سرور فرستاده و تغییرهای ادارات دیگر دریافت "
                    "می‌شوند."
                )
            ),
        )
        box_layout.insertLayout(2, test_row)
        box.setLayout(box_layout)
        layout = QVBoxLayout(self)
        layout.addWidget(box)
        layout.addStretch(1)

    # -- values -----------------------------------------------------------------------------

    def set_state(self, state: SyncSettingsState) -> None:
        """Show the stored settings."""
        self.state = state
        self.server_edit.setText(state.server_url)
        self.token_edit.clear()
        self._show_security(state)
        if state.has_token:
            self.token_state_label.setText(
                _tr("توکن این اداره در این رایانه ذخیره شده است؛ برای تغییر، توکن تازه را بنویسید.")
            )
            self.token_edit.setPlaceholderText(_tr("(بدون تغییر)"))
        else:
            self.token_state_label.setText(_tr("هنوز توکنی در این رایانه ذخیره نشده است."))
            self.token_edit.setPlaceholderText("")

    def _show_security(self, state: SyncSettingsState) -> None:
        """Why only https:// addresses are taken, or that this one was allowed without."""
        if state.insecure:
            text = _tr(
                "به دستور مدیر سامانه، این رایانه با این سرور بدون رمزگذاری ({http}) همگام "
                "می‌شود: توکن و اطلاعات در شبکه خواندنی است."
            ).format(http=isolate_ltr("http://"))
            self.security_hint.setStyleSheet(f"color: {WARNING_COLOR};")
        else:
            text = _tr(
                "فقط نشانی‌های {https} پذیرفته می‌شوند (جز سروری روی همین رایانه): با {http} "
                "توکن اداره و اطلاعات مردم بی‌رمز از شبکه می‌گذرد."
            ).format(https=isolate_ltr("https://"), http=isolate_ltr("http://"))
            self.security_hint.setStyleSheet("color: palette(placeholder-text);")
        if state.ca_file:
            # The file's name (its whole path in the tooltip): a long path would widen the
            # dialog, and a wrapped left-to-right run is drawn out of order.
            text += "\n" + _tr("گواهی سرور با گواهی ریشهٔ اداره تأیید می‌شود: {name}").format(
                name=isolate_ltr(PurePath(state.ca_file).name)
            )
        self.security_hint.setToolTip(state.ca_file)
        self.security_hint.setText(text)

    def sync_input(self) -> SyncSettingsInput | None:
        """What to save, or None when nothing changed."""
        url = self.server_edit.text().strip()
        token = self.token_edit.text().strip() or None
        if url == self.state.server_url and token is None:
            return None
        return SyncSettingsInput(url, token)

    def snapshot(self) -> tuple[str, str]:
        """The typed values (to tell whether the clerk changed something)."""
        return self.server_edit.text(), self.token_edit.text()

    # -- «آزمایش اتصال» ---------------------------------------------------------------------

    def on_test_button_clicked(self) -> None:
        """Handshake with the typed address and token in a network worker."""
        if self._testing:
            return
        self.errors.clear(SYNC_FIELDS)
        url = self.server_edit.text().strip()
        token = self.token_edit.text().strip()
        if not url:
            self.errors.set_error(SYNC_URL_FIELD, _tr("نشانی سرور را بنویسید."))
            self.errors.focus_first_invalid()
            return
        self._set_testing(True)
        db, factory = self.ctx.db, self.ctx.transport_factory

        def op(_progress: Progress) -> HandshakeResponse:
            with db.session() as session:
                transport = open_transport(session, factory, server_url=url, token=token)
            try:
                return transport.handshake(None)
            finally:
                transport.close()

        self.ctx.runner.run(
            op, self.on_test_succeeded, self.on_test_failed, parent=self, network=True
        )

    def _set_testing(self, testing: bool) -> None:
        self._testing = testing
        self.test_button.setEnabled(not testing)
        if testing:
            self._show_result(_tr("در حال آزمایش اتصال…"), "")

    def _show_result(self, text: str, color: str) -> None:
        self.test_result_label.setText(text)
        self.test_result_label.setStyleSheet(f"color: {color};" if color else "")
        self.test_result_label.show()

    def on_test_succeeded(self, answer: HandshakeResponse) -> None:
        """Name the office the server knows this token by."""
        self._set_testing(False)
        text = _tr("اتصال برقرار شد: «{office}»").format(office=answer.office.name)
        if answer.skew_warning:
            text += "\n" + skew_text(answer.clock_skew_seconds)
        self._show_result(text, OK_COLOR)

    def on_test_failed(self, exc: BaseException) -> None:
        """A bad address or a missing token under its field; other errors beside the button."""
        from app.services.sync.errors import SyncError

        self._set_testing(False)
        self.test_result_label.hide()
        if isinstance(exc, SyncError) and exc.code in URL_ERRORS:
            self.errors.set_error(SYNC_URL_FIELD, message_of(exc))
        elif isinstance(exc, SyncError) and exc.code in TOKEN_ERRORS:
            self.errors.set_error(SYNC_TOKEN_FIELD, message_of(exc))
        elif isinstance(exc, DomainError):
            self._show_result(message_of(exc), ERROR_COLOR)
            return
        else:
            show_error(self, exc)
            return
        self.errors.focus_first_invalid()
