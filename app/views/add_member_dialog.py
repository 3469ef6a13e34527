"""Adding a member to a supporter's network: :class:`AddMemberDialog` (national ID, the
holder found or created from the names typed, role, county, joining date; errors under the
fields). Adding a member that breaks a rule the clerk may override (network above
capacity, no active licence in the supporter's fields) asks for the reason with
:func:`ask_override_reason` and saves again with it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.core.reference import CountyInfo
from app.services.core.scope import scope_counties
from app.services.licences.records import PersonInfo, PersonInput
from app.services.licences.service import LicenceService
from app.services.supporters.records import ROLE_LABELS, MemberInput, MemberRow, OverrideRequired
from app.services.supporters.service import SupporterService
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.widgets.county_combo import CountyCombo
from app.views.widgets.form import (
    INVALID_STYLE,
    DigitsLineEdit,
    FieldErrors,
    add_field_row,
    make_error_label,
    make_form_layout,
    show_save_errors,
)
from app.views.widgets.jalali_date_edit import JalaliDateEdit
from app.views.widgets.reason_dialog import ReasonDialog
from common import jalali
from common.validators import is_valid_national_id, validate_national_id
from common.vocabulary import MemberRole


def _tr(text: str) -> str:
    return QCoreApplication.translate("SupporterPage", text)


def ask_override_reason(parent: QWidget | None, problems: tuple[str, ...]) -> str | None:
    """Ask whether to add the member anyway, and why: the reason, or None to cancel.

    A module function, so that tests replace it.
    """
    prompt = (
        _tr("این عضو با قاعده‌های شبکه نمی‌خواند:")
        + "\n"
        + "\n".join(f"• {p}" for p in problems)
        + "\n\n"
        + _tr("اگر با این حال باید افزوده شود، دلیل آن را بنویسید:")
    )
    return ReasonDialog.get_reason(
        parent, _tr("افزودن عضو با استثنا"), prompt, required=True, ok_text=_tr("افزودن")
    )


@dataclass(frozen=True)
class _MemberChoices:
    #: The counties of the office's scope (a member's county must be one of them).
    counties: list[CountyInfo]
    #: The supporter's county.
    county_id: str


class AddMemberDialog(QDialog):
    """Add a holder to a network: national ID (the holder is found, or created from the
    names typed), role, county and joining date.

    After ``accept()``, :attr:`added` is the membership saved.
    """

    def __init__(self, ctx: AppContext, supporter_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.supporter_id = supporter_id
        self.added: MemberRow | None = None
        self._saving = False
        self.setWindowTitle(_tr("افزودن عضو به شبکه"))
        self.setStyleSheet(INVALID_STYLE)
        self.errors = FieldErrors(self)
        form = make_form_layout()
        self.national_id_edit = DigitsLineEdit(max_length=14, placeholder="۰۰۶۷۷۴۹۸۲۸")
        self.person_note = QLabel()
        self.person_note.setWordWrap(True)
        self.person_note.setStyleSheet("color: #1b5e20;")
        self.person_note.hide()
        self.first_name_edit = QLineEdit()
        self.last_name_edit = QLineEdit()
        self.mobile_edit = DigitsLineEdit(max_length=16, placeholder="۰۹۱۲۳۴۵۶۷۸۹")
        self.role_combo = QComboBox()
        for role in tuple(MemberRole):
            self.role_combo.addItem(ROLE_LABELS[role], role)
        self.county_combo = CountyCombo()
        self.joined_edit = JalaliDateEdit()
        self.joined_edit.setDate(jalali.today())
        rows: list[tuple[str, str, QWidget, QWidget | None, QWidget | None]] = [
            ("national_id", _tr("کد ملی:"), self.national_id_edit, None, self.person_note),
            ("first_name", _tr("نام:"), self.first_name_edit, None, None),
            ("last_name", _tr("نام خانوادگی:"), self.last_name_edit, None, None),
            ("mobile", _tr("تلفن همراه:"), self.mobile_edit, None, None),
            ("role", _tr("نقش:"), self.role_combo, None, None),
            ("county_id", _tr("شهرستان:"), self.county_combo, None, None),
            ("joined_on", _tr("تاریخ عضویت:"), self.joined_edit, self.joined_edit.date_edit, None),
        ]
        for name, text, widget, mark, extra in rows:
            error = self.errors.add(name, widget, mark=mark)
            extras = [extra] if extra is not None else []
            add_field_row(form, text, widget, error, *extras, buddy=mark)
        hint = QLabel(_tr("اگر این شخص در دفتر ثبت نشده است، نام و نام خانوادگی او را هم بنویسید."))
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(placeholder-text);")
        self.general_error = make_error_label()
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(
            _tr("افزودن"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(_tr("انصراف"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        self.national_id_edit.textChanged.connect(self.on_national_id_edit_text_changed)
        self.setEnabled(False)

        def load(session: Session) -> _MemberChoices:
            return _MemberChoices(
                scope_counties(session),
                SupporterService(session).get(supporter_id).county_id,
            )

        ctx.run_op(load, self.on_choices_loaded, self.on_choices_failed, parent=self)

    def on_choices_loaded(self, choices: _MemberChoices) -> None:
        """Fill the county list: the office's counties, the supporter's chosen if it is one."""
        self.county_combo.set_counties(choices.counties, choices.county_id)
        self.setEnabled(True)
        self.national_id_edit.setFocus()

    def on_choices_failed(self, exc: BaseException) -> None:
        """The lists could not be loaded."""
        show_error(self, exc)
        self.setEnabled(True)
        self.save_button.setEnabled(False)

    def on_national_id_edit_text_changed(self, text: str) -> None:
        """Once a valid national ID is typed, look the holder up and say who it is."""
        if not is_valid_national_id(text):
            self.person_note.hide()
            return
        nid = validate_national_id(text)
        self.errors.set_error("national_id", "")

        def done(person: PersonInfo | None) -> None:
            if validate_national_id(self.national_id_edit.text(), required=False) != nid:
                return  # the clerk typed on
            if person is None:
                self.person_note.setText(_tr("شخص تازه: نام و نام خانوادگی را بنویسید."))
                self.person_note.show()
                return
            self.person_note.setText(
                _tr("در دفتر ثبت شده است: {name}").format(name=person.full_name)
            )
            self.person_note.show()
            self.first_name_edit.setText(person.first_name)
            self.last_name_edit.setText(person.last_name)

        self.ctx.run_op(
            lambda s: LicenceService(s).find_person(nid), done, lambda _e: None, parent=self
        )

    def member_input(self) -> MemberInput:
        """What the form holds, raw."""
        joined: dt.date | None = self.joined_edit.date()
        return MemberInput(
            person=PersonInput(
                national_id=self.national_id_edit.text(),
                first_name=self.first_name_edit.text(),
                last_name=self.last_name_edit.text(),
                mobile=self.mobile_edit.text(),
            ),
            role=str(self.role_combo.currentData()),
            county_id=str(self.county_combo.value() or ""),
            joined_on=joined,
        )

    def on_buttons_accepted(self) -> None:
        """Save (without an override first)."""
        self._save("")

    def _save(self, override_reason: str) -> None:
        if self._saving:
            return
        self.errors.clear()
        self.general_error.hide()
        data, supporter_id = self.member_input(), self.supporter_id

        def op(session: Session) -> MemberRow:
            return SupporterService(session).add_member(
                supporter_id, data, override_reason=override_reason
            )

        self._saving = True
        self.save_button.setEnabled(False)
        self.ctx.run_op(op, self.on_save_succeeded, self.on_save_failed, parent=self)

    def on_save_succeeded(self, member: MemberRow) -> None:
        """Added: close (the page reloads)."""
        self._saving = False
        self.save_button.setEnabled(True)
        self.added = member
        self.accept()

    def on_save_failed(self, exc: BaseException) -> None:
        """Ask for an override reason, or show the errors beside their fields."""
        self._saving = False
        self.save_button.setEnabled(True)
        if isinstance(exc, OverrideRequired):
            reason = ask_override_reason(self, exc.messages)
            if reason:
                self._save(reason)
            return
        show_save_errors(self, self.errors, self.general_error, exc)
