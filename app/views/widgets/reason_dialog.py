"""A small dialog that asks for the reason of an action (suspend, revoke, renew …).

Two ways to use it:

- blocking: ``ReasonDialog.get_reason(parent, title, prompt, required=True)`` returns the
  text, or None if the clerk cancelled;
- with the service in the loop: connect ``sig_reason_submitted``, call ``open()``; the
  owner runs the service and then either ``accept()``s or shows the service's message
  beside the field with :meth:`show_error` (the dialog stays open).

With ``required`` an empty reason is refused at once (the service refuses it too).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.views.widgets.form import INVALID_STYLE, FieldErrors
from common.text import normalize_multiline

#: The field name errors of the reason are reported under (as in LicenceService).
REASON_FIELD = "reason"
MAX_REASON_LENGTH = 500


def _tr(text: str) -> str:
    return QCoreApplication.translate("ReasonDialog", text)


class ReasonDialog(QDialog):
    """Asks for a reason; ``reason()`` is the text typed (trimmed)."""

    #: The clerk pressed OK with an acceptable reason (the text, trimmed).
    sig_reason_submitted = Signal(str)

    def __init__(
        self,
        title: str,
        prompt: str,
        *,
        required: bool = True,
        ok_text: str | None = None,
        extra: QWidget | None = None,
        submit_accepts: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        """``extra`` is placed above the reason (e.g. a date field); with
        ``submit_accepts`` False the dialog stays open after OK until the owner calls
        ``accept()``."""
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setStyleSheet(INVALID_STYLE)
        self.required = required
        self.submit_accepts = submit_accepts
        self.prompt_label = QLabel(prompt)
        self.prompt_label.setWordWrap(True)
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setPlaceholderText(
            _tr("دلیل را بنویسید (الزامی)") if required else _tr("دلیل (اختیاری)")
        )
        self.reason_edit.setFixedHeight(self.reason_edit.fontMetrics().lineSpacing() * 4 + 12)
        self.prompt_label.setBuddy(self.reason_edit)
        self.errors = FieldErrors(self)
        error_label = self.errors.add(REASON_FIELD, self.reason_edit)

        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(
            ok_text or _tr("تأیید"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = self.buttons.addButton(
            _tr("انصراف"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        if extra is not None:
            layout.addWidget(extra)
        layout.addWidget(self.prompt_label)
        layout.addWidget(self.reason_edit)
        layout.addWidget(error_label)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        self.reason_edit.setFocus()

    def reason(self) -> str:
        """The reason typed (normalised: no bidi controls, single spaces, ASCII digits)."""
        return normalize_multiline(self.reason_edit.toPlainText()).replace("\n", " ")

    def set_reason(self, text: str) -> None:
        """Fill in the reason (tests, or a suggestion)."""
        self.reason_edit.setPlainText(text)

    def show_error(self, message: str) -> None:
        """Show ``message`` beside the reason ("" clears it)."""
        self.errors.set_error(REASON_FIELD, message)
        if message:
            self.reason_edit.setFocus()

    def set_busy(self, busy: bool) -> None:
        """Disable the buttons while the owner's operation runs."""
        self.ok_button.setEnabled(not busy)
        self.reason_edit.setReadOnly(busy)

    def on_buttons_accepted(self) -> None:
        """Check the reason is there (if required) and hand it on."""
        text = self.reason()
        if self.required and not text:
            self.show_error(_tr("دلیل را بنویسید"))
            return
        if len(text) > MAX_REASON_LENGTH:
            self.show_error(_tr("دلیل حداکثر ۵۰۰ نویسه است"))
            return
        self.show_error("")
        self.sig_reason_submitted.emit(text)
        if self.submit_accepts:
            self.accept()

    @classmethod
    def get_reason(
        cls,
        parent: QWidget | None,
        title: str,
        prompt: str,
        *,
        required: bool = True,
        ok_text: str | None = None,
    ) -> str | None:
        """Ask (modally) for a reason: the text, or None if cancelled."""
        dialog = cls(title, prompt, required=required, ok_text=ok_text, parent=parent)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                return dialog.reason()
            return None
        finally:
            dialog.deleteLater()
