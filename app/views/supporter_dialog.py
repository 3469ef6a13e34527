"""Registering a supporter («ثبت پشتیبان جدید») or editing one.

The form collects raw input and hands it to
:class:`app.services.supporters.service.SupporterService` in a worker; its ValidationErrors
appear in red under their fields, and nothing is saved unless everything is valid. The
supporter's licence is picked by its number (the active supporter-kind licences not yet
used are offered in the list; any number may be typed).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.core import reference
from app.services.core.reference import CountyInfo, FieldInfo
from app.services.core.scope import scope_counties
from app.services.supporters.queries import supporter_licence_choices
from app.services.supporters.records import SupporterDetail, SupporterInput
from app.services.supporters.service import SupporterService
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.widgets import messages
from app.views.widgets.county_combo import CountyCombo
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
    top_aligned,
)
from app.views.widgets.search_combo import SearchCombo
from common.text import isolate_ltr, search_key, to_persian_digits
from common.vocabulary import SupporterKind

HINT_STYLE = "color: palette(placeholder-text);"


def _tr(text: str) -> str:
    return QCoreApplication.translate("SupporterFormDialog", text)


def field_text(code: str, name: str) -> str:
    """How a business field appears in lists: ``۰۱۰۰۰۱ — پرورش زنبور عسل``."""
    return f"{to_persian_digits(code)} — {name}"


@dataclass(frozen=True)
class SupporterChoices:
    """What the form lists, loaded once in a worker."""

    fields: list[FieldInfo]
    #: The counties of the office's scope.
    counties: list[CountyInfo]
    licences: list[tuple[str, str]]
    supporter: SupporterDetail | None


def load_choices(session: Session, supporter_id: str | None) -> SupporterChoices:
    """The lists of the form (and the supporter, when editing)."""
    detail = SupporterService(session).get(supporter_id) if supporter_id is not None else None
    return SupporterChoices(
        fields=reference.list_fields(session, only_active=True),
        counties=scope_counties(session),
        licences=supporter_licence_choices(session),
        supporter=detail,
    )


class SupporterFormDialog(QDialog):
    """Register a supporter (``supporter_id`` None) or edit one.

    After ``accept()``, :attr:`saved` holds the supporter as the service returned it.
    """

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, supporter_id: str | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.supporter_id = supporter_id
        self.saved: SupporterDetail | None = None
        self.choices: SupporterChoices | None = None
        self._rev: int | None = None
        self._saving = False
        self.setWindowTitle(
            _tr("ثبت پشتیبان جدید") if supporter_id is None else _tr("ویرایش پشتیبان")
        )
        self.setStyleSheet(INVALID_STYLE)
        self.errors = FieldErrors(self)
        self._build()
        self.setEnabled(False)
        self.ctx.run_op(
            lambda session: load_choices(session, supporter_id),
            self.on_choices_loaded,
            self.on_choices_failed,
            parent=self,
        )

    # -- building ---------------------------------------------------------------------------

    def _row(
        self,
        form: QFormLayout,
        name: str,
        text: str,
        widget: QWidget,
        mark: QWidget | None = None,
        extra: QWidget | None = None,
    ) -> QLabel:
        error = self.errors.add(name, widget, mark=mark)
        extras = [extra] if extra is not None else []
        return add_field_row(form, text, widget, error, *extras, buddy=mark)

    def _build(self) -> None:
        self.kind_combo = QComboBox()
        self.kind_combo.addItem(_tr("حقیقی (شخص)"), SupporterKind.PERSON)
        self.kind_combo.addItem(_tr("حقوقی (شرکت، تعاونی، مؤسسه)"), SupporterKind.LEGAL)
        self.licence_combo = QComboBox()
        self.licence_combo.setEditable(True)
        self.licence_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        licence_edit = self.licence_combo.lineEdit()
        assert licence_edit is not None
        licence_edit.setPlaceholderText(_tr("شماره مجوز پشتیبان، مثل ۰۶۱۲-۰۰۰۱۲۳"))
        self.licence_hint = QLabel(
            _tr(
                "مجوز باید از نوع «پشتیبان»، فعال و منقضی‌نشده باشد؛ "
                "دارنده آن خود پشتیبان یا مدیرعامل است."
            )
        )
        self.licence_hint.setWordWrap(True)
        self.licence_hint.setStyleSheet(HINT_STYLE)
        self.legal_name_edit = QLineEdit()
        self.legal_name_edit.setMaxLength(200)
        self.legal_id_edit = DigitsLineEdit(max_length=15, placeholder="۱۰۳۸۰۲۸۴۷۹۰")
        self.registration_no_edit = DigitsLineEdit(max_length=20)

        identity_box = QGroupBox(_tr("پشتیبان"))
        identity = make_form_layout()
        self._row(identity, "kind", _tr("نوع پشتیبان:"), self.kind_combo)
        self._row(
            identity,
            "licence_number",
            _tr("شماره مجوز پشتیبان:"),
            self.licence_combo,
            extra=self.licence_hint,
        )
        self.legal_labels = [
            self._row(identity, "legal_name", _tr("نام شخص حقوقی:"), self.legal_name_edit),
            self._row(identity, "legal_id", _tr("شناسه ملی:"), self.legal_id_edit),
            self._row(identity, "registration_no", _tr("شماره ثبت:"), self.registration_no_edit),
        ]
        self.field_combo = SearchCombo(placeholder=_tr("خالی: رشته مجوز"))
        self.related_list = QListWidget()
        self.related_list.setMaximumHeight(self.fontMetrics().height() * 6)
        self.related_filter = QLineEdit()
        self.related_filter.setPlaceholderText(_tr("جستجو در رشته‌ها…"))
        self.related_filter.setClearButtonEnabled(True)
        related_box = QWidget()
        related_layout = QVBoxLayout(related_box)
        related_layout.setContentsMargins(0, 0, 0, 0)
        related_layout.addWidget(self.related_filter)
        related_layout.addWidget(self.related_list)
        self.county_combo = CountyCombo(placeholder=_tr("خالی: شهرستان مجوز"))
        self.capacity_edit = DigitsLineEdit(max_length=7, placeholder="۵۰")
        self._row(identity, "field_id", _tr("رشته:"), self.field_combo)
        self._row(
            identity,
            "related_field_ids",
            _tr("رشته‌های مرتبط:"),
            related_box,
            mark=self.related_list,
        )
        self._row(identity, "county_id", _tr("شهرستان:"), self.county_combo)
        self._row(identity, "capacity", _tr("ظرفیت (نفر):"), self.capacity_edit)
        identity_box.setLayout(top_aligned(identity))

        self.phone_edit = DigitsLineEdit(max_length=16, placeholder="۰۲۱۶۶۱۲۳۴۵۶")
        self.mobile_edit = DigitsLineEdit(max_length=16, placeholder="۰۹۱۲۳۴۵۶۷۸۹")
        self.email_edit = LatinLineEdit(max_length=120)
        self.address_edit = QLineEdit()
        self.address_edit.setMaxLength(500)
        self.sheba_edit = LatinLineEdit(max_length=34)
        self.sheba_edit.setPlaceholderText("IR05 0170 0000 0012 3456 7890 12")
        contact_box = QGroupBox(_tr("تماس و حساب بانکی"))
        contact = make_form_layout()
        self._row(contact, "phone", _tr("تلفن ثابت:"), self.phone_edit)
        self._row(contact, "mobile", _tr("تلفن همراه:"), self.mobile_edit)
        self._row(contact, "email", _tr("ایمیل:"), self.email_edit)
        self._row(contact, "address", _tr("نشانی:"), self.address_edit)
        self._row(contact, "sheba", _tr("شماره شبا:"), self.sheba_edit)
        contact_box.setLayout(top_aligned(contact))

        self.general_error = make_error_label()
        self.buttons, self.save_button, self.cancel_button = save_cancel_buttons()
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

        boxes = QHBoxLayout()
        boxes.addWidget(identity_box, 3)
        boxes.addWidget(contact_box, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(boxes, 1)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(980)
        self.kind_combo.currentIndexChanged.connect(self.on_kind_combo_changed)
        self.related_filter.textChanged.connect(self.on_related_filter_text_changed)
        self._update_kind()

    # -- loading ----------------------------------------------------------------------------

    def on_choices_loaded(self, choices: SupporterChoices) -> None:
        """Fill the lists, then the supporter's values when editing."""
        self.choices = choices
        for number, holder in choices.licences:
            self.licence_combo.addItem(f"{to_persian_digits(number)} — {holder}", number)
        self.licence_combo.setCurrentIndex(-1)
        self.licence_combo.setEditText("")
        for bf in choices.fields:
            text = field_text(bf.code, bf.name)
            self.field_combo.add_item(text, bf.id, f"{bf.code} {bf.name} {bf.group_name}")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, bf.id)
            item.setData(Qt.ItemDataRole.UserRole + 1, search_key(f"{bf.code} {bf.name}"))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.related_list.addItem(item)
        self.county_combo.set_counties(choices.counties)
        self.field_combo.set_value(None)
        if choices.supporter is not None:
            self._fill(choices.supporter)
        self.setEnabled(True)
        self.licence_combo.setFocus()

    def on_choices_failed(self, exc: BaseException) -> None:
        """The lists could not be loaded."""
        show_error(self, exc)
        self.setEnabled(True)
        self.save_button.setEnabled(False)

    def _fill(self, d: SupporterDetail) -> None:
        self._rev = d.rev
        self.setWindowTitle(_tr("ویرایش پشتیبان {name}").format(name=d.name))
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(d.kind)))
        self.licence_combo.setEditText(to_persian_digits(d.licence_number))
        self.legal_name_edit.setText(d.legal_name)
        self.legal_id_edit.setText(to_persian_digits(d.legal_id))
        self.registration_no_edit.setText(to_persian_digits(d.registration_no))
        self.field_combo.set_value(d.field_id)
        self.set_related_fields(d.related_field_ids)
        self.county_combo.show_county(d.county_id, d.county_name)
        self.capacity_edit.setText(to_persian_digits(str(d.capacity)))
        self.phone_edit.setText(to_persian_digits(d.phone))
        self.mobile_edit.setText(to_persian_digits(d.mobile))
        self.email_edit.setText(d.email)
        self.address_edit.setText(d.address)
        self.sheba_edit.setText(d.sheba)

    # -- reacting ---------------------------------------------------------------------------

    def on_kind_combo_changed(self, _index: int) -> None:
        """Show the legal entity's fields only for a legal supporter."""
        self._update_kind()

    def _update_kind(self) -> None:
        legal = self.kind_combo.currentData() == SupporterKind.LEGAL
        for name, label in zip(
            ("legal_name", "legal_id", "registration_no"), self.legal_labels, strict=True
        ):
            label.setVisible(legal)
            self.errors.input(name).parentWidget().setVisible(legal)  # type: ignore[union-attr]
        self.licence_hint.setText(
            _tr("مجوز پشتیبان به نام مدیرعامل؛ از نوع «پشتیبان»، فعال و منقضی‌نشده.")
            if legal
            else _tr("مجوز پشتیبان به نام خود پشتیبان؛ از نوع «پشتیبان»، فعال و منقضی‌نشده.")
        )

    def on_related_filter_text_changed(self, text: str) -> None:
        """Show only the fields matching what was typed (checked ones always)."""
        key = search_key(text)
        for row in range(self.related_list.count()):
            item = self.related_list.item(row)
            match = not key or key in str(item.data(Qt.ItemDataRole.UserRole + 1))
            item.setHidden(not match and item.checkState() != Qt.CheckState.Checked)

    def related_field_ids(self) -> tuple[str, ...]:
        """The ids of the fields ticked as related."""
        return tuple(
            str(self.related_list.item(row).data(Qt.ItemDataRole.UserRole))
            for row in range(self.related_list.count())
            if self.related_list.item(row).checkState() == Qt.CheckState.Checked
        )

    def set_related_fields(self, ids: tuple[str, ...]) -> None:
        """Tick the fields ``ids``."""
        for row in range(self.related_list.count()):
            item = self.related_list.item(row)
            checked = item.data(Qt.ItemDataRole.UserRole) in ids
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def licence_number(self) -> str:
        """The licence number chosen or typed."""
        text = self.licence_combo.currentText().strip()
        index = self.licence_combo.currentIndex()
        if index >= 0 and self.licence_combo.itemText(index) == text:
            return str(self.licence_combo.itemData(index))
        return text.split("—")[0].strip()

    # -- saving -----------------------------------------------------------------------------

    def supporter_input(self) -> SupporterInput:
        """What the form holds, raw."""
        return SupporterInput(
            kind=str(self.kind_combo.currentData()),
            licence_number=self.licence_number(),
            legal_name=self.legal_name_edit.text(),
            legal_id=self.legal_id_edit.text(),
            registration_no=self.registration_no_edit.text(),
            field_id=str(self.field_combo.value() or ""),
            related_field_ids=self.related_field_ids(),
            county_id=str(self.county_combo.value() or ""),
            phone=self.phone_edit.text(),
            mobile=self.mobile_edit.text(),
            email=self.email_edit.text(),
            address=self.address_edit.text(),
            sheba=self.sheba_edit.text(),
            capacity=self.capacity_edit.text(),
        )

    def on_buttons_accepted(self) -> None:
        """Save in a worker: create or update."""
        if self._saving or self.choices is None:
            return
        self.errors.clear()
        self.general_error.hide()
        data, supporter_id, rev = self.supporter_input(), self.supporter_id, self._rev

        def op(session: Session) -> SupporterDetail:
            service = SupporterService(session)
            if supporter_id is None:
                return service.create(data)
            return service.update(supporter_id, data, expected_rev=rev)

        self._saving = True
        self.save_button.setEnabled(False)
        self.ctx.run_op(op, self.on_save_succeeded, self.on_save_failed, parent=self)

    def on_save_succeeded(self, detail: SupporterDetail) -> None:
        """Saved: tell every screen, show warnings, close."""
        self._saving = False
        self.save_button.setEnabled(True)
        self.saved = detail
        if detail.warnings:
            messages.inform(
                self,
                _tr("پشتیبان ذخیره شد"),
                _tr("پشتیبان {name} ذخیره شد. لطفاً این موارد را بررسی کنید:").format(
                    name=detail.name
                )
                + "\n\n"
                + "\n".join(f"• {w}" for w in detail.warnings),
            )
        self.accept()

    def on_save_failed(self, exc: BaseException) -> None:
        """Each message under its field; the first one focused."""
        self._saving = False
        self.save_button.setEnabled(True)
        show_save_errors(self, self.errors, self.general_error, exc)


def licence_label(number: str) -> str:
    """A licence number for Persian text (isolated, Persian digits)."""
    return isolate_ltr(to_persian_digits(number))
