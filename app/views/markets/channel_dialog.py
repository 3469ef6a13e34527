"""Adding or editing a sales channel: :class:`ChannelDialog` (the holder by national ID,
the platform from the office's list, the shop's name and address, the onboarding day,
active), errors under the fields; and :class:`PlatformsDialog`, the office's list of
platforms (one a line)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.licences.records import PersonInfo
from app.services.licences.service import LicenceService
from app.services.markets import platforms
from app.services.markets.records import ChannelInput, ChannelRow
from app.services.markets.service import MarketService
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.widgets.form import (
    INVALID_STYLE,
    DigitsLineEdit,
    FieldErrors,
    LatinLineEdit,
    add_field_row,
    make_error_label,
    make_form_layout,
    save_cancel_buttons,
    show_save_errors,
)
from app.views.widgets.jalali_date_edit import JalaliDateEdit
from common import jalali
from common.text import to_persian_digits
from common.validators import is_valid_national_id, validate_national_id


def _tr(text: str) -> str:
    return QCoreApplication.translate("ChannelDialog", text)


class ChannelDialog(QDialog):
    """A holder's sales channel: new (``channel`` None) or edited. After ``accept()``,
    :attr:`saved_id` is the channel's id."""

    def __init__(
        self,
        ctx: AppContext,
        channel: ChannelRow | None = None,
        parent: QWidget | None = None,
        *,
        national_id: str = "",
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.channel = channel
        self.saved_id: str | None = None
        self._saving = False
        self.setWindowTitle(_tr("ویرایش کانال فروش") if channel else _tr("ثبت کانال فروش"))
        self.setStyleSheet(INVALID_STYLE)
        self.errors = FieldErrors(self)
        form = make_form_layout()
        self.national_id_edit = DigitsLineEdit(max_length=14, placeholder="۰۰۶۷۷۴۹۸۲۸")
        self.holder_note = QLabel()
        self.holder_note.setWordWrap(True)
        self.holder_note.setStyleSheet("color: #1b5e20;")
        self.holder_note.hide()
        self.platform_combo = QComboBox()
        self.shop_name_edit = QLineEdit()
        self.shop_name_edit.setMaxLength(120)
        self.shop_url_edit = LatinLineEdit(max_length=300)
        self.shop_url_edit.setPlaceholderText("https://basalam.com/…")
        self.onboarded_edit = JalaliDateEdit()
        self.onboarded_edit.setDate(jalali.today())
        self.active_check = QCheckBox(_tr("هنوز در این سکو می‌فروشد"))
        self.active_check.setChecked(True)
        rows: list[tuple[str, str, QWidget, QWidget | None, QWidget | None]] = [
            ("national_id", _tr("کد ملی دارنده:"), self.national_id_edit, None, self.holder_note),
            ("platform", _tr("سکوی فروش:"), self.platform_combo, None, None),
            ("shop_name", _tr("نام فروشگاه:"), self.shop_name_edit, None, None),
            ("shop_url", _tr("نشانی فروشگاه:"), self.shop_url_edit, None, None),
            (
                "onboarded_on",
                _tr("تاریخ پیوستن:"),
                self.onboarded_edit,
                self.onboarded_edit.date_edit,
                None,
            ),
            ("active", _tr("وضعیت:"), self.active_check, None, None),
        ]
        for name, text, widget, mark, extra in rows:
            error = self.errors.add(name, widget, mark=mark)
            add_field_row(form, text, widget, error, *([extra] if extra else []), buddy=mark)
        self.general_error = make_error_label()
        self.buttons, self.save_button, _cancel = save_cancel_buttons()
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(500)
        self.national_id_edit.textChanged.connect(self.on_national_id_edit_text_changed)
        if channel is not None:
            self.national_id_edit.setText(to_persian_digits(channel.national_id))
            self.national_id_edit.setReadOnly(True)
            self.shop_name_edit.setText(channel.shop_name)
            self.shop_url_edit.setText(channel.shop_url)
            self.onboarded_edit.setDate(channel.onboarded_on)
            self.active_check.setChecked(channel.active)
        elif national_id:
            self.national_id_edit.setText(to_persian_digits(national_id))
        self.setEnabled(False)
        ctx.run_op(
            platforms.list_platforms, self.on_platforms_loaded, self.on_load_failed, parent=self
        )

    def on_platforms_loaded(self, names: list[str]) -> None:
        """Fill the platforms (an edited channel's own, if the list no longer has it)."""
        current = self.channel.platform if self.channel is not None else ""
        if current and current not in names:
            names = [current, *names]
        self.platform_combo.addItems(names)
        if current:
            self.platform_combo.setCurrentText(current)
        self.setEnabled(True)
        (self.shop_name_edit if self.channel else self.national_id_edit).setFocus()

    def on_load_failed(self, exc: BaseException) -> None:
        show_error(self, exc)
        self.setEnabled(True)
        self.save_button.setEnabled(False)

    def on_national_id_edit_text_changed(self, text: str) -> None:
        """Once a valid national ID is typed, say whose it is."""
        if not is_valid_national_id(text):
            self.holder_note.hide()
            return
        nid = validate_national_id(text)

        def done(person: PersonInfo | None) -> None:
            if validate_national_id(self.national_id_edit.text(), required=False) != nid:
                return
            self.holder_note.setText(
                person.full_name if person else _tr("دارنده‌ای با این کد ملی در دفتر ثبت نیست")
            )
            self.holder_note.setStyleSheet(f"color: {'#1b5e20' if person else '#c62828'};")
            self.holder_note.show()

        self.ctx.run_op(
            lambda s: LicenceService(s).find_person(nid), done, lambda _e: None, parent=self
        )

    def channel_input(self) -> ChannelInput:
        """What the form holds, raw."""
        onboarded: dt.date | None = self.onboarded_edit.date()
        return ChannelInput(
            national_id=self.national_id_edit.text(),
            platform=self.platform_combo.currentText(),
            shop_name=self.shop_name_edit.text(),
            shop_url=self.shop_url_edit.text(),
            onboarded_on=onboarded,
            active=self.active_check.isChecked(),
        )

    def on_buttons_accepted(self) -> None:
        """Save off the GUI thread; errors come back beside their fields."""
        if self._saving:
            return
        self.errors.clear()
        self.general_error.hide()
        data = self.channel_input()
        channel_id = self.channel.id if self.channel is not None else None

        def op(session: Session) -> str:
            service = MarketService(session)
            if channel_id is None:
                return service.add_channel(data)
            service.edit_channel(channel_id, data)
            return channel_id

        self._saving = True
        self.save_button.setEnabled(False)
        self.ctx.run_op(op, self.on_save_succeeded, self.on_save_failed, parent=self)

    def on_save_succeeded(self, channel_id: str) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        self.saved_id = channel_id
        self.accept()

    def on_save_failed(self, exc: BaseException) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        show_save_errors(self, self.errors, self.general_error, exc)


class PlatformsDialog(QDialog):
    """The office's list of sales platforms, one a line (the head of office edits it)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_tr("فهرست سکوهای فروش"))
        self.setStyleSheet(INVALID_STYLE)
        hint = QLabel(
            _tr(
                "هر سطر نام یک سکو. کانال‌هایی که پیش‌تر ثبت شده‌اند نام سکوی خود را "
                "نگه می‌دارند، حتی اگر از این فهرست برداشته شود."
            )
        )
        hint.setWordWrap(True)
        self.edit = QPlainTextEdit()
        self.error = make_error_label()
        self.buttons, self.save_button, _cancel = save_cancel_buttons()
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(380, 420)
        self.setEnabled(False)
        ctx.run_op(platforms.list_platforms, self.on_loaded, self.on_failed, parent=self)

    def on_loaded(self, names: list[str]) -> None:
        self.edit.setPlainText("\n".join(names))
        self.setEnabled(True)

    def on_failed(self, exc: BaseException) -> None:
        self.setEnabled(True)
        self.error.setText(getattr(exc, "message", str(exc)))
        self.error.show()

    def on_buttons_accepted(self) -> None:
        names = self.edit.toPlainText().splitlines()
        self.error.hide()
        self.ctx.run_op(
            lambda s: platforms.set_platforms(s, names),
            lambda _saved: self.accept(),
            self.on_failed,
            parent=self,
        )
