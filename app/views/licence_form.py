"""Issuing a new licence («صدور مجوز جدید») or editing one («ویرایش مجوز …»).

The dialog collects raw input and hands it to :class:`app.services.licences.service.LicenceService`
in a worker; the service validates everything and either saves or raises
:class:`~common.errors.ValidationErrors`, whose messages appear in red under their
fields. Nothing is saved unless every field is valid.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.core import office as office_service
from app.services.core import reference
from app.services.core.office import OfficeInfo
from app.services.core.reference import CountyInfo, FieldInfo
from app.services.core.scope import scope_counties
from app.services.licences.records import LicenceDetail, LicenceInput, PersonInfo, PersonInput
from app.services.licences.service import LicenceService
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.widgets import messages
from app.views.widgets.county_combo import CountyCombo
from app.views.widgets.form import (
    INVALID_STYLE,
    DigitsLineEdit,
    FieldErrors,
    LatinLineEdit,
    UnsavedGuard,
    add_field_row,
    make_error_label,
    make_form_layout,
    save_cancel_buttons,
    show_save_errors,
    top_aligned,
)
from app.views.widgets.jalali_date_edit import JalaliDateEdit
from app.views.widgets.search_combo import SearchCombo
from common.errors import ValidationError
from common.text import digits_only, isolate_ltr, to_persian_digits
from common.validators import is_valid_national_id, validate_national_id
from common.vocabulary import LicenceKind

KIND_CHOICES = (
    (LicenceKind.INDEPENDENT, QT_TRANSLATE_NOOP("LicenceFormDialog", "مستقل")),
    (LicenceKind.SUPPORTER, QT_TRANSLATE_NOOP("LicenceFormDialog", "پشتیبان")),
)
GENDER_CHOICES = (
    ("", "—"),
    ("M", QT_TRANSLATE_NOOP("LicenceFormDialog", "مرد")),
    ("F", QT_TRANSLATE_NOOP("LicenceFormDialog", "زن")),
)
NOTE_STYLE = "color: #1b5e20;"
HINT_STYLE = "color: palette(placeholder-text);"


def _tr(text: str) -> str:
    return QCoreApplication.translate("LicenceFormDialog", text)


@dataclass(frozen=True)
class FormChoices:
    """What the form lists, loaded once in a worker."""

    office: OfficeInfo
    fields: list[FieldInfo]
    #: The counties of the office's scope (the only ones a licence may be issued in).
    counties: list[CountyInfo]
    #: Licence validity in years, by field-group code (office default for the others).
    validity_by_group: dict[str, int]
    licence: LicenceDetail | None


def load_choices(session: Session, licence_id: str | None) -> FormChoices:
    """Load the lists the form shows (and the licence, when editing)."""
    office = office_service.require_office(session)
    groups = reference.list_field_groups(session)
    validity = {
        code: office_service.validity_years_for_group(session, code) for code, _name in groups
    }
    licence = LicenceService(session).get(licence_id) if licence_id is not None else None
    return FormChoices(
        office=office,
        fields=reference.list_fields(session, only_active=True),
        counties=scope_counties(session),
        validity_by_group=validity,
        licence=licence,
    )


def field_text(code: str, name: str) -> str:
    """How a business field appears in the list: ``۰۱۰۰۰۱ — پرورش زنبور عسل``."""
    return f"{to_persian_digits(code)} — {name}"


class LicenceFormDialog(QDialog):
    """Issue a licence (``licence_id`` None) or edit one.

    After ``accept()``, :attr:`saved_licence_id` is the id of the licence saved and
    :attr:`saved` its details as the service returned them.
    """

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, licence_id: str | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.licence_id = licence_id
        self.saved_licence_id: str | None = None
        self.saved: LicenceDetail | None = None
        self.choices: FormChoices | None = None
        self._rev: int | None = None
        self._looked_up = ""
        self._saving = False
        self.guard = UnsavedGuard(self, self._snapshot, lambda: self._saving)
        self.setWindowTitle(_tr("صدور مجوز جدید") if licence_id is None else _tr("ویرایش مجوز"))
        self.setStyleSheet(INVALID_STYLE)
        self.errors = FieldErrors(self)
        self._build()
        self.setEnabled(False)
        self.ctx.run_op(
            lambda session: load_choices(session, licence_id),
            self.on_choices_loaded,
            self.on_choices_failed,
            parent=self,
        )

    @property
    def edit_mode(self) -> bool:
        """True when editing an existing licence."""
        return self.licence_id is not None

    # -- building ---------------------------------------------------------------------------

    def _row(
        self,
        form: QFormLayout,
        name: str,
        text: str,
        widget: QWidget,
        mark: QWidget | None = None,
        extra: QWidget | None = None,
    ) -> None:
        error = self.errors.add(name, widget, mark=mark)
        extras = [extra] if extra is not None else []
        add_field_row(form, text, widget, error, *extras, buddy=mark)

    _form = staticmethod(make_form_layout)

    def _build(self) -> None:
        # Holder (دارنده مجوز)
        self.national_id_edit = DigitsLineEdit(max_length=14, placeholder="۰۰۶۷۷۴۹۸۲۸")
        self.person_note = QLabel()
        self.person_note.setWordWrap(True)
        self.person_note.setStyleSheet(NOTE_STYLE)
        self.person_note.hide()
        self.first_name_edit = QLineEdit()
        self.last_name_edit = QLineEdit()
        self.father_name_edit = QLineEdit()
        for edit in (self.first_name_edit, self.last_name_edit, self.father_name_edit):
            edit.setMaxLength(60)
        self.birth_date_edit = JalaliDateEdit(allow_empty=True)
        self.gender_combo = QComboBox()
        for code, label in GENDER_CHOICES:
            self.gender_combo.addItem(_tr(str(label)), code)
        self.mobile_edit = DigitsLineEdit(max_length=16, placeholder="۰۹۱۲۳۴۵۶۷۸۹")
        self.postal_code_edit = DigitsLineEdit(max_length=14, placeholder="۱۳۴۵۶۷۸۹۰۱")
        self.address_edit = QPlainTextEdit()
        self.address_edit.setTabChangesFocus(True)
        self.address_edit.setFixedHeight(self.address_edit.fontMetrics().lineSpacing() * 3 + 14)
        self.address_edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

        holder_box = QGroupBox(_tr("دارنده مجوز"))
        holder = self._form()
        self._row(
            holder, "national_id", _tr("کد ملی:"), self.national_id_edit, extra=self.person_note
        )
        self._row(holder, "first_name", _tr("نام:"), self.first_name_edit)
        self._row(holder, "last_name", _tr("نام خانوادگی:"), self.last_name_edit)
        self._row(holder, "father_name", _tr("نام پدر:"), self.father_name_edit)
        self._row(
            holder,
            "birth_date",
            _tr("تاریخ تولد:"),
            self.birth_date_edit,
            mark=self.birth_date_edit.date_edit,
        )
        self._row(holder, "gender", _tr("جنسیت:"), self.gender_combo)
        self._row(holder, "mobile", _tr("تلفن همراه:"), self.mobile_edit)
        self._row(holder, "postal_code", _tr("کد پستی:"), self.postal_code_edit)
        self._row(holder, "address", _tr("نشانی:"), self.address_edit)
        holder_box.setLayout(top_aligned(holder))

        # Licence (مجوز)
        self.kind_combo = QComboBox()
        for code, label in KIND_CHOICES:
            self.kind_combo.addItem(_tr(str(label)), code)
        self.field_combo = SearchCombo(placeholder=_tr("کد یا نام رشته را بنویسید…"))
        self.field_info = QLabel()
        self.field_info.setWordWrap(True)
        self.field_info.setStyleSheet(HINT_STYLE)
        self.field_info.hide()
        self.county_combo = CountyCombo()
        self.activity_address_edit = QLineEdit()
        self.activity_address_edit.setMaxLength(500)
        self.activity_address_edit.setPlaceholderText(_tr("اگر خالی بماند: نشانی دارنده"))
        self.issue_date_edit = JalaliDateEdit()
        self.expiry_date_edit = JalaliDateEdit(allow_empty=True)
        self.expiry_hint = QLabel()
        self.expiry_hint.setWordWrap(True)
        self.expiry_hint.setStyleSheet(HINT_STYLE)
        self.number_edit = LatinLineEdit(max_length=40)
        self.number_edit.setReadOnly(True)
        self.number_edit.setPlaceholderText(_tr("خودکار"))
        self.manual_number_check = QCheckBox(_tr("شماره دستی"))
        number_row = QWidget()
        number_layout = QHBoxLayout(number_row)
        number_layout.setContentsMargins(0, 0, 0, 0)
        number_layout.addWidget(self.number_edit, 1)
        number_layout.addWidget(self.manual_number_check)

        licence_box = QGroupBox(_tr("مجوز"))
        lic = self._form()
        self._row(lic, "kind", _tr("نوع مجوز:"), self.kind_combo)
        self._row(lic, "field_id", _tr("رشته:"), self.field_combo, extra=self.field_info)
        self._row(lic, "county_id", _tr("شهرستان:"), self.county_combo)
        self._row(lic, "activity_address", _tr("نشانی محل فعالیت:"), self.activity_address_edit)
        self._row(
            lic,
            "issue_date",
            _tr("تاریخ صدور:"),
            self.issue_date_edit,
            mark=self.issue_date_edit.date_edit,
        )
        self._row(
            lic,
            "expiry_date",
            _tr("تاریخ انقضا:"),
            self.expiry_date_edit,
            mark=self.expiry_date_edit.date_edit,
            extra=self.expiry_hint,
        )
        self._row(lic, "number", _tr("شماره مجوز:"), number_row, mark=self.number_edit)
        licence_box.setLayout(top_aligned(lic))

        # Messages that belong to no field, and the buttons.
        self.general_error = make_error_label()
        self.buttons, self.save_button, self.cancel_button = save_cancel_buttons()
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

        boxes = QHBoxLayout()
        boxes.addWidget(holder_box, 1)
        boxes.addWidget(licence_box, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(boxes, 1)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(940)

        self.national_id_edit.textChanged.connect(self.on_national_id_edit_text_changed)
        self.national_id_edit.editingFinished.connect(self.on_national_id_edit_editing_finished)
        self.field_combo.currentIndexChanged.connect(self.on_field_combo_changed)
        self.field_combo.editTextChanged.connect(self.on_field_combo_changed)
        self.manual_number_check.toggled.connect(self.on_manual_number_check_toggled)

    # -- loading ----------------------------------------------------------------------------

    def on_choices_loaded(self, choices: FormChoices) -> None:
        """Fill the lists, then the licence's values when editing."""
        self.choices = choices
        office = choices.office
        for bf in choices.fields:
            self.field_combo.add_item(
                field_text(bf.code, bf.name), bf.id, f"{bf.code} {bf.name} {bf.group_name}"
            )
        self.county_combo.set_counties(choices.counties, office.county_id)
        if choices.licence is not None:
            self._fill_licence(choices.licence)
        self._update_field_info()
        self.setEnabled(True)
        self.guard.mark_clean()
        (self.first_name_edit if self.edit_mode else self.national_id_edit).setFocus()

    def on_choices_failed(self, exc: BaseException) -> None:
        """The lists (or the licence) could not be loaded."""
        show_error(self, exc)
        self.setEnabled(True)
        self.save_button.setEnabled(False)

    def _fill_person(self, person: PersonInfo) -> None:
        self.first_name_edit.setText(person.first_name)
        self.last_name_edit.setText(person.last_name)
        self.father_name_edit.setText(person.father_name)
        self.birth_date_edit.setDate(person.birth_date)
        self.gender_combo.setCurrentIndex(max(0, self.gender_combo.findData(person.gender)))
        self.mobile_edit.setText(to_persian_digits(person.mobile))
        self.postal_code_edit.setText(to_persian_digits(person.postal_code))
        self.address_edit.setPlainText(person.address)

    def _fill_licence(self, detail: LicenceDetail) -> None:
        self._rev = detail.rev
        self.setWindowTitle(
            _tr("ویرایش مجوز {number}").format(number=isolate_ltr(to_persian_digits(detail.number)))
        )
        holder = detail.holder
        self.national_id_edit.blockSignals(True)
        self.national_id_edit.setText(to_persian_digits(holder.national_id))
        self.national_id_edit.blockSignals(False)
        self.national_id_edit.setReadOnly(True)
        self.national_id_edit.setToolTip(_tr("کد ملی دارنده مجوز قابل تغییر نیست."))
        self._fill_person(holder)
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(detail.kind)))
        if not self.field_combo.set_value(detail.field_id):
            # A field no longer active: show it anyway (the service decides if it may stay).
            self.field_combo.add_item(
                field_text(detail.field_code, detail.field_name), detail.field_id
            )
            self.field_combo.set_value(detail.field_id)
        self.county_combo.show_county(detail.county_id, detail.county_name)
        self.activity_address_edit.setText(detail.activity_address)
        self.issue_date_edit.setDate(detail.issue_date)
        self.expiry_date_edit.setDate(detail.expiry_date)
        self.number_edit.setText(to_persian_digits(detail.number))
        self.manual_number_check.setText(_tr("تغییر شماره"))

    # -- reacting to input ------------------------------------------------------------------

    def on_national_id_edit_text_changed(self, text: str) -> None:
        """Look the holder up once a valid 10-digit national ID is typed."""
        nid = digits_only(text)
        if self.edit_mode or self.choices is None:
            return
        if len(nid) != 10 or not is_valid_national_id(nid):
            if nid != self._looked_up:
                self.person_note.hide()
            return
        if nid == self._looked_up:
            return
        self._looked_up = nid
        self.errors.set_error("national_id", "")
        self.ctx.run_op(
            lambda session: LicenceService(session).find_person(nid),
            lambda person: self.on_person_found(nid, person),
            self.on_lookup_failed,
            parent=self,
        )

    def on_person_found(self, nid: str, person: PersonInfo | None) -> None:
        """Fill the holder's details from the register (if the ID is still the one typed)."""
        if digits_only(self.national_id_edit.text()) != nid:
            return
        if person is None:
            self.person_note.hide()
            return
        self._fill_person(person)
        self.person_note.setText(
            _tr("این شخص از قبل ثبت شده است و {n} مجوز دارد").format(
                n=to_persian_digits(str(person.licence_count))
            )
        )
        self.person_note.show()

    def on_lookup_failed(self, exc: BaseException) -> None:
        """A failed look-up is not worth a dialog: the save will report real problems."""
        self._looked_up = ""

    def on_national_id_edit_editing_finished(self) -> None:
        """Say at once when a complete national ID is wrong (the service checks again)."""
        if self.edit_mode:
            return
        text = self.national_id_edit.text()
        if not digits_only(text):
            return
        try:
            validate_national_id(text)
        except ValidationError as exc:
            self.errors.set_error("national_id", exc.message)
        else:
            self.errors.set_error("national_id", "")

    def on_field_combo_changed(self, *_args: object) -> None:
        """Show the chosen field's group and approving body, and the default validity."""
        self._update_field_info()

    def _chosen_field(self) -> FieldInfo | None:
        if self.choices is None:
            return None
        field_id = self.field_combo.value()
        return next((f for f in self.choices.fields if f.id == field_id), None)

    def _update_field_info(self) -> None:
        if self.choices is None:
            return
        bf = self._chosen_field()
        if bf is None:
            self.field_info.hide()
            years = self.choices.office.default_validity_years
        else:
            text = _tr("گروه: {group}؛ دستگاه تأییدکننده: {body}").format(
                group=bf.group_name, body=bf.approving_body
            )
            if bf.starred:
                text += "\n" + _tr("★ نیاز به تأییدیه تکمیلی")
            self.field_info.setText(text)
            self.field_info.show()
            years = self.choices.validity_by_group.get(
                bf.group_code, self.choices.office.default_validity_years
            )
        self.expiry_hint.setText(
            _tr("پیش‌فرض: {n} سال بعد از صدور (خالی بگذارید تا خودکار حساب شود)").format(
                n=to_persian_digits(str(years))
            )
        )

    def on_manual_number_check_toggled(self, checked: bool) -> None:
        """Let the clerk type the licence number."""
        self.number_edit.setReadOnly(not checked)
        if checked:
            self.number_edit.setFocus()
        elif not self.edit_mode:
            self.number_edit.clear()
            self.errors.set_error("number", "")
        elif self.choices is not None and self.choices.licence is not None:
            self.number_edit.setText(to_persian_digits(self.choices.licence.number))
            self.errors.set_error("number", "")

    # -- saving -----------------------------------------------------------------------------

    def person_input(self) -> PersonInput:
        """The holder's details as typed."""
        return PersonInput(
            national_id=self.national_id_edit.text(),
            first_name=self.first_name_edit.text(),
            last_name=self.last_name_edit.text(),
            father_name=self.father_name_edit.text(),
            birth_date=self.birth_date_edit.date(),
            gender=str(self.gender_combo.currentData() or ""),
            mobile=self.mobile_edit.text(),
            postal_code=self.postal_code_edit.text(),
            address=self.address_edit.toPlainText(),
        )

    def licence_input(self) -> LicenceInput:
        """The licence's details as typed (empty number: allocate / keep the current one)."""
        issue: dt.date | None = self.issue_date_edit.date()
        return LicenceInput(
            kind=str(self.kind_combo.currentData()),
            field_id=str(self.field_combo.value() or ""),
            county_id=str(self.county_combo.value() or ""),
            activity_address=self.activity_address_edit.text(),
            issue_date=issue,
            expiry_date=self.expiry_date_edit.date(),
            number=self.number_edit.text() if self.manual_number_check.isChecked() else "",
        )

    def on_buttons_accepted(self) -> None:
        """Save in a worker: issue or update."""
        if self._saving or self.choices is None:
            return
        self.errors.clear()
        self.general_error.hide()
        person, licence = self.person_input(), self.licence_input()
        licence_id, rev = self.licence_id, self._rev

        def op(session: Session) -> LicenceDetail:
            service = LicenceService(session)
            if licence_id is None:
                return service.issue(person, licence)
            return service.update(licence_id, person, licence, expected_rev=rev)

        self._set_saving(True)
        self.ctx.run_op(op, self.on_save_succeeded, self.on_save_failed, parent=self)

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        self.save_button.setEnabled(not saving)

    def on_save_succeeded(self, detail: LicenceDetail) -> None:
        """Saved: tell every screen, show the service's warnings, close."""
        self._set_saving(False)
        self.saved = detail
        self.saved_licence_id = detail.id
        self.guard.mark_clean()
        if detail.warnings:
            messages.inform(
                self,
                _tr("مجوز ذخیره شد"),
                _tr("مجوز {number} ذخیره شد. لطفاً این موارد را بررسی کنید:").format(
                    number=isolate_ltr(to_persian_digits(detail.number))
                )
                + "\n\n"
                + "\n".join(f"• {w}" for w in detail.warnings),
            )
        self.accept()

    def on_save_failed(self, exc: BaseException) -> None:
        """Show each message under its field and focus the first; others in a box."""
        self._set_saving(False)
        show_save_errors(self, self.errors, self.general_error, exc)

    # -- closing ----------------------------------------------------------------------------

    def _snapshot(self) -> tuple[object, ...]:
        return (self.person_input(), self.licence_input(), self.manual_number_check.isChecked())

    def reject(self) -> None:
        """Escape, «انصراف» or the close button: ask first if there are unsaved edits."""
        if self.guard.may_close():
            super().reject()
