"""A facility case's form: open a case («پرونده تسهیلات جدید») or edit one, and move it
through its stages.

The form collects raw input (amounts in tomans, Jalali dates) and hands it to
:class:`app.services.facilities.service.FacilityService` in a worker; its
ValidationErrors appear in red under their fields and nothing is saved unless everything
is valid. «ثبت مرحله» moves the case to the stage chosen beside it, with what the form
holds (the approved amount typed for the approval, say); the form then shows the case
as saved, so the clerk can take it step by step from request to payment.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.facilities.letters import PRINTABLE_STAGES, FacilityLetters, ReferralLetter
from app.services.facilities.records import (
    GUARANTEE_LABELS,
    REPAYMENT_LABELS,
    STAGE_LABELS,
    FacilityDetail,
    FacilityInput,
)
from app.services.facilities.service import DATE_COLUMNS, FacilityService
from app.services.facilities.settings import facility_settings
from app.views.certificate_preview import CertificatePreviewDialog
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.sign_in import forbid
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
from common.banks import banks
from common.errors import ValidationErrors
from common.facility_rules import CLOSING, PROGRESS, STAGE_DATE_COLUMNS
from common.text import format_tomans, to_persian_digits
from common.vocabulary import FacilityStage, Permission

HINT_STYLE = "color: palette(placeholder-text);"
LATE_STYLE = "color: #b91c1c; font-weight: bold;"


def _tr(text: str) -> str:
    return QCoreApplication.translate("FacilityCaseDialog", text)


@dataclass(frozen=True)
class CaseChoices:
    """What the form lists, loaded once in a worker: the programmes, the case (when
    editing) and the Sheba on file for the licence it was opened from."""

    programmes: tuple[str, ...]
    case: FacilityDetail | None
    sheba: str


def load_choices(session: Session, case_id: str | None, licence_number: str) -> CaseChoices:
    """The lists of the form (and the case, when editing)."""
    service = FacilityService(session)
    detail = service.get(case_id) if case_id is not None else None
    sheba = service.sheba_on_file(licence_number) if licence_number else ""
    return CaseChoices(facility_settings(session).programmes, detail, sheba)


def amount_text(rials: int | None) -> str:
    """An amount for the form's field: tomans, Persian digits, separators, no unit."""
    return format_tomans(rials, unit=False)


class FacilityCaseDialog(QDialog):
    """Open a case (``case_id`` None; ``licence_number`` fills the licence) or edit one.

    After a save, :attr:`saved` holds the case as the service returned it.
    """

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        case_id: str | None = None,
        licence_number: str = "",
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.case_id = case_id
        self.saved: FacilityDetail | None = None
        self.choices: CaseChoices | None = None
        self._rev: int | None = None
        self._saving = False
        self.setWindowTitle(
            _tr("پرونده تسهیلات جدید") if case_id is None else _tr("پرونده تسهیلات")
        )
        self.setStyleSheet(INVALID_STYLE)
        self.errors = FieldErrors(self)
        self._build()
        self.licence_edit.setText(to_persian_digits(licence_number))
        self.licence_edit.editingFinished.connect(self.on_licence_edit_editing_finished)
        self.guard = UnsavedGuard(self, self.case_input, lambda: self._saving)
        self.setEnabled(False)
        self.ctx.run_op(
            lambda session: load_choices(session, case_id, licence_number),
            self.on_choices_loaded,
            self.on_choices_failed,
            parent=self,
        )

    # -- building ---------------------------------------------------------------------------

    def _row(self, form: QFormLayout, name: str, text: str, widget: QWidget) -> QLabel:
        mark = widget.date_edit if isinstance(widget, JalaliDateEdit) else None
        error = self.errors.add(name, widget, mark=mark)
        return add_field_row(form, text, widget, error, buddy=mark)

    def _build(self) -> None:
        case_box = self._build_case()
        money_box = self._build_money()
        stages_box = self._build_stages()
        self.general_error = make_error_label()
        self.buttons, self.save_button, self.cancel_button = save_cancel_buttons()
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        forbid(self.save_button, self.ctx.db.account, Permission.EDIT)
        self.letter_button = self.buttons.addButton(
            _tr("چاپ معرفی‌نامه…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.letter_button.setAutoDefault(False)
        self.letter_button.setToolTip(
            _tr("معرفی‌نامه شماره‌دار به شعبه؛ پرونده به مرحلهٔ «معرفی به بانک» می‌رود")
        )
        self.letter_button.setEnabled(False)
        self.letter_button.clicked.connect(self.on_letter_button_clicked)
        self.preview: CertificatePreviewDialog | None = None
        columns = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(case_box)
        left.addWidget(money_box)
        columns.addLayout(left, 3)
        columns.addWidget(stages_box, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self._build_move())
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(1040)

    def _build_case(self) -> QGroupBox:
        self.licence_edit = LatinLineEdit(max_length=40)
        self.licence_edit.setPlaceholderText(_tr("شماره مجوز، مثل ۰۶۱۲-۰۰۰۱۲۳"))
        self.holder_label = QLabel()
        self.holder_label.setStyleSheet(HINT_STYLE)
        self.programme_combo = QComboBox()
        self.programme_combo.setEditable(True)
        self.programme_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.bank_combo = SearchCombo(placeholder=_tr("نام بانک"))
        for bank in banks():
            self.bank_combo.add_item(bank.label, bank.code, search_text=bank.name)
        self.branch_name_edit = QLineEdit()
        self.branch_name_edit.setMaxLength(120)
        self.branch_code_edit = DigitsLineEdit(max_length=8, placeholder="۱۲۳۴")
        self.purpose_edit = QLineEdit()
        self.purpose_edit.setMaxLength(500)
        self.guarantee_list = QListWidget()
        for code, label in GUARANTEE_LABELS.items():
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.guarantee_list.addItem(item)
        self.guarantee_list.setMaximumHeight(self.fontMetrics().height() * 5)
        self.sheba_edit = LatinLineEdit(max_length=34)
        self.sheba_edit.setPlaceholderText("IR05 0170 0000 0012 3456 7890 12")
        box = QGroupBox(_tr("پرونده"))
        form = make_form_layout()
        self._row(form, "licence_number", _tr("شماره مجوز:"), self.licence_edit)
        form.addRow("", self.holder_label)
        self._row(form, "programme", _tr("برنامه تسهیلات:"), self.programme_combo)
        self._row(form, "bank_code", _tr("بانک:"), self.bank_combo)
        self._row(form, "branch_name", _tr("نام شعبه:"), self.branch_name_edit)
        self._row(form, "branch_code", _tr("کد شعبه:"), self.branch_code_edit)
        self._row(form, "purpose", _tr("موضوع طرح:"), self.purpose_edit)
        self._row(form, "guarantees", _tr("ضمانت‌ها:"), self.guarantee_list)
        self._row(form, "sheba", _tr("شبای حساب دارنده:"), self.sheba_edit)
        box.setLayout(top_aligned(form))
        return box

    def _build_money(self) -> QGroupBox:
        def amount_edit() -> LatinLineEdit:
            # Left to right like digits, but separators (٬ ,) may be typed: the service parses.
            edit = LatinLineEdit(max_length=22)
            edit.setPlaceholderText(_tr("به تومان"))
            return edit

        self.requested_edit = amount_edit()
        self.approved_edit = amount_edit()
        self.over_reason_edit = QLineEdit()
        self.over_reason_edit.setMaxLength(500)
        self.over_reason_edit.setPlaceholderText(_tr("فقط اگر مبلغ مصوب بیش از درخواست است"))
        self.disbursed_edit = amount_edit()
        self.term_edit = DigitsLineEdit(max_length=3, placeholder="۳۶")
        self.rate_edit = LatinLineEdit(max_length=8)  # ۴٫۵: a decimal separator
        self.rate_edit.setPlaceholderText("۴")
        box = QGroupBox(_tr("مبالغ (تومان)"))
        form = make_form_layout()
        self._row(form, "requested_amount", _tr("مبلغ درخواستی:"), self.requested_edit)
        self._row(form, "approved_amount", _tr("مبلغ مصوب:"), self.approved_edit)
        self._row(form, "approved_over_reason", _tr("دلیل بیش از درخواست:"), self.over_reason_edit)
        self._row(form, "disbursed_amount", _tr("مبلغ پرداختی:"), self.disbursed_edit)
        self._row(form, "term_months", _tr("مدت بازپرداخت (ماه):"), self.term_edit)
        self._row(form, "rate_bp", _tr("نرخ سود (درصد):"), self.rate_edit)
        box.setLayout(top_aligned(form))
        return box

    def _build_stages(self) -> QGroupBox:
        self.stage_label = QLabel(STAGE_LABELS[FacilityStage.REQUESTED])
        self.late_label = QLabel()
        self.late_label.setStyleSheet(LATE_STYLE)
        self.date_edits: dict[str, JalaliDateEdit] = {}
        box = QGroupBox(_tr("مراحل"))
        form = make_form_layout()
        form.addRow(_tr("مرحله کنونی:"), self.stage_label)
        form.addRow("", self.late_label)
        titles = {column: STAGE_LABELS[stage] for stage, column in STAGE_DATE_COLUMNS.items()}
        titles["closed_on"] = _tr("رد یا انصراف")
        for column in DATE_COLUMNS:
            edit = JalaliDateEdit(allow_empty=column != "requested_on")
            self.date_edits[column] = edit
            self._row(form, column, titles[column] + ":", edit)
        self.close_reason_edit = QLineEdit()
        self.close_reason_edit.setMaxLength(500)
        self._row(form, "close_reason", _tr("دلیل رد یا انصراف:"), self.close_reason_edit)
        self.repayment_combo = QComboBox()
        for code, label in REPAYMENT_LABELS.items():
            self.repayment_combo.addItem(label, code)
        self.overdue_edit = DigitsLineEdit(max_length=3, placeholder="۰")
        self.repayment_date = JalaliDateEdit(allow_empty=True)
        self._row(form, "repayment_status", _tr("وضعیت بازپرداخت:"), self.repayment_combo)
        self._row(form, "overdue_instalments", _tr("اقساط معوق:"), self.overdue_edit)
        self._row(form, "repayment_on", _tr("تاریخ گزارش بانک:"), self.repayment_date)
        box.setLayout(top_aligned(form))
        return box

    def _build_move(self) -> QGroupBox:
        self.move_combo = QComboBox()
        self.move_date = JalaliDateEdit()
        self.move_date.setDate(dt.date.today())
        self.move_reason_edit = QLineEdit()
        self.move_reason_edit.setPlaceholderText(_tr("دلیل (برای رد لازم است)"))
        self.move_button = QPushButton(_tr("ثبت مرحله"))
        self.move_button.setAutoDefault(False)
        self.move_button.clicked.connect(self.on_move_button_clicked)
        forbid(self.move_button, self.ctx.db.account, Permission.EDIT)
        self.move_box = QGroupBox(_tr("رفتن به مرحله بعد"))
        row = QHBoxLayout(self.move_box)
        for text, widget in (
            (_tr("مرحله:"), self.move_combo),
            (_tr("تاریخ:"), self.move_date),
            (_tr("دلیل:"), self.move_reason_edit),
        ):
            row.addWidget(QLabel(text))
            row.addWidget(widget, 1 if widget is self.move_reason_edit else 0)
        row.addWidget(self.move_button)
        self.move_box.setVisible(False)
        return self.move_box

    # -- loading ----------------------------------------------------------------------------

    def on_choices_loaded(self, choices: CaseChoices) -> None:
        """Fill the lists, then the case's values when editing."""
        self.choices = choices
        for programme in choices.programmes:
            self.programme_combo.addItem(programme)
        self.sheba_edit.setText(choices.sheba)
        if choices.case is not None:
            self._fill(choices.case)
        else:
            self.bank_combo.set_value(None)
            self.date_edits["requested_on"].setDate(dt.date.today())
            self.on_licence_edit_editing_finished()
        self.setEnabled(True)
        self.guard.mark_clean()
        self.licence_edit.setFocus()

    def on_licence_edit_editing_finished(self) -> None:
        """A new case's licence typed: say whose it is (or why not), start the Sheba."""
        number = self.licence_edit.text().strip()
        if self.case_id is not None or not number:
            return

        def op(session: Session) -> tuple[str, str]:
            return FacilityService(session).applicant(number)

        self.ctx.run_op(op, self.on_applicant_loaded, self.on_applicant_failed, parent=self)

    def on_applicant_loaded(self, found: tuple[str, str]) -> None:
        """Show whose licence it is; fill an empty Sheba from what is on file."""
        who, sheba = found
        self.errors.set_error("licence_number", "")
        self.holder_label.setText(who)
        if sheba and not self.sheba_edit.text().strip():
            self.sheba_edit.setText(sheba)

    def on_applicant_failed(self, exc: BaseException) -> None:
        """The licence can't carry a case: say why beside it."""
        self.holder_label.clear()
        if isinstance(exc, ValidationErrors):
            self.errors.set_error("licence_number", exc.by_field().get("licence_number", ""))
        else:
            show_error(self, exc)

    def on_choices_failed(self, exc: BaseException) -> None:
        """The lists could not be loaded."""
        show_error(self, exc)
        self.setEnabled(True)
        self.save_button.setEnabled(False)

    def _fill(self, d: FacilityDetail) -> None:
        self._rev = d.rev
        self.case_id = d.id
        who = d.supporter_name or d.holder_name
        self.setWindowTitle(_tr("پرونده تسهیلات {name}").format(name=who))
        self.licence_edit.setText(to_persian_digits(d.licence_number))
        self.licence_edit.setReadOnly(True)
        holder = _tr("{name}، کد ملی {nid}، {county}").format(
            name=d.holder_name, nid=to_persian_digits(d.national_id), county=d.county_name
        )
        if d.supporter_name:
            holder = _tr("پشتیبان: {supporter} — ").format(supporter=d.supporter_name) + holder
        self.holder_label.setText(holder)
        self.programme_combo.setEditText(d.programme)
        self.bank_combo.set_value(d.bank_code)
        self.branch_name_edit.setText(d.branch_name)
        self.branch_code_edit.setText(to_persian_digits(d.branch_code))
        self.purpose_edit.setText(d.purpose)
        for row in range(self.guarantee_list.count()):
            item = self.guarantee_list.item(row)
            checked = item.data(Qt.ItemDataRole.UserRole) in d.guarantees
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.sheba_edit.setText(d.sheba)
        self.requested_edit.setText(amount_text(d.requested_amount))
        self.approved_edit.setText(amount_text(d.approved_amount))
        self.over_reason_edit.setText(d.approved_over_reason)
        self.disbursed_edit.setText(amount_text(d.disbursed_amount))
        self.term_edit.setText(to_persian_digits(str(d.term_months or "")))
        self.rate_edit.setText(d.rate_text.rstrip("٪"))
        for column, edit in self.date_edits.items():
            edit.setDate(d.dates.get(column))
        self.close_reason_edit.setText(d.close_reason)
        self.repayment_combo.setCurrentIndex(
            max(0, self.repayment_combo.findData(d.repayment_status))
        )
        self.overdue_edit.setText(to_persian_digits(str(d.overdue_instalments)))
        self.repayment_date.setDate(d.repayment_on)
        self._show_stage(d)

    def _show_stage(self, d: FacilityDetail) -> None:
        self.stage_label.setText(d.stage_label)
        self.late_label.setText(
            _tr("معطل: {days} روز بیش از مهلت این مرحله (بانک: {bank})").format(
                days=to_persian_digits(str(d.days_late)), bank=d.bank_name
            )
            if d.days_late > 0
            else ""
        )
        self.late_label.setVisible(d.days_late > 0)
        self.move_combo.clear()
        if d.is_open:
            reached = PROGRESS.index(FacilityStage(d.stage))
            for stage in (*PROGRESS[reached + 1 :], *CLOSING):
                self.move_combo.addItem(STAGE_LABELS[stage], stage.value)
        self.move_box.setVisible(d.is_open and not d.outside_scope)
        self.letter_button.setEnabled(d.stage in PRINTABLE_STAGES and not d.outside_scope)
        forbid(self.letter_button, self.ctx.db.account, Permission.PRINT)
        if d.outside_scope:
            self.save_button.setEnabled(False)
            self.save_button.setToolTip(d.outside_scope)

    # -- saving -----------------------------------------------------------------------------

    def guarantees(self) -> tuple[str, ...]:
        """The codes of the guarantees ticked."""
        return tuple(
            str(self.guarantee_list.item(row).data(Qt.ItemDataRole.UserRole))
            for row in range(self.guarantee_list.count())
            if self.guarantee_list.item(row).checkState() == Qt.CheckState.Checked
        )

    def case_input(self) -> FacilityInput:
        """What the form holds, raw."""
        detail = self.choices.case if self.choices is not None else None
        return FacilityInput(
            licence_number=self.licence_edit.text(),
            programme=self.programme_combo.currentText(),
            bank_code=str(self.bank_combo.value() or ""),
            branch_name=self.branch_name_edit.text(),
            branch_code=self.branch_code_edit.text(),
            purpose=self.purpose_edit.text(),
            requested_amount=self.requested_edit.text(),
            approved_amount=self.approved_edit.text(),
            approved_over_reason=self.over_reason_edit.text(),
            disbursed_amount=self.disbursed_edit.text(),
            term_months=self.term_edit.text(),
            rate=self.rate_edit.text(),
            guarantees=self.guarantees(),
            sheba=self.sheba_edit.text(),
            stage=detail.stage if detail is not None else FacilityStage.REQUESTED,
            dates={column: edit.date() for column, edit in self.date_edits.items()},
            close_reason=self.close_reason_edit.text(),
            repayment_status=str(self.repayment_combo.currentData()),
            overdue_instalments=self.overdue_edit.text() or "0",
            repayment_on=self.repayment_date.date(),
        )

    def _start(
        self,
        work: Callable[[Session], FacilityDetail],
        on_success: Callable[[FacilityDetail], None],
    ) -> None:
        self.errors.clear()
        self.general_error.hide()
        self._saving = True
        self.save_button.setEnabled(False)
        self.move_button.setEnabled(False)
        self.ctx.run_op(work, on_success, self.on_save_failed, parent=self)

    def on_buttons_accepted(self) -> None:
        """Save in a worker: open or update the case."""
        if self._saving or self.choices is None:
            return
        data, case_id, rev = self.case_input(), self.case_id, self._rev

        def op(session: Session) -> FacilityDetail:
            service = FacilityService(session)
            if case_id is None:
                return service.open_case(data)
            return service.update(case_id, data, expected_rev=rev)

        self._start(op, self.on_save_succeeded)

    def on_move_button_clicked(self) -> None:
        """Move the case to the stage chosen, with what the form holds."""
        if self._saving or self.case_id is None:
            return
        stage = str(self.move_combo.currentData())
        on, reason, case_id = self.move_date.date(), self.move_reason_edit.text(), self.case_id
        held = dataclasses.asdict(self.case_input())
        for name in ("stage", "close_reason", "licence_number"):
            held.pop(name)
        held["guarantees"] = tuple(held["guarantees"])

        def op(session: Session) -> FacilityDetail:
            return FacilityService(session).move(case_id, stage, on, reason=reason, **held)

        self._start(op, self.on_move_succeeded)

    def _done(self, detail: FacilityDetail) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        self.move_button.setEnabled(True)
        self.saved = detail
        self.choices = dataclasses.replace(self.choices, case=detail) if self.choices else None
        self._fill(detail)
        self.move_reason_edit.clear()
        self.guard.mark_clean()

    def on_save_succeeded(self, detail: FacilityDetail) -> None:
        """Saved: close."""
        self._done(detail)
        self.accept()

    def on_move_succeeded(self, detail: FacilityDetail) -> None:
        """Moved: stay open on the case as saved, for the next step."""
        self._done(detail)

    def on_save_failed(self, exc: BaseException) -> None:
        """Each message under its field; the first one focused."""
        self._saving = False
        self.save_button.setEnabled(True)
        self.move_button.setEnabled(True)
        detail = self.choices.case if self.choices is not None else None
        self.letter_button.setEnabled(detail is not None and detail.stage in PRINTABLE_STAGES)
        show_save_errors(self, self.errors, self.general_error, exc)

    def on_letter_button_clicked(self) -> None:
        """Print the referral letter (with what is saved: unsaved edits are saved first
        by «ذخیره»), then show it; the case moves to «معرفی به بانک»."""
        if self._saving or self.case_id is None:
            return
        if self.guard.is_modified():
            self.general_error.setText(_tr("ابتدا تغییرهای پرونده را ذخیره کنید."))
            self.general_error.show()
            return
        case_id = self.case_id

        def op(session: Session) -> ReferralLetter:
            return FacilityLetters(session).referral_letter(case_id)

        self._saving = True
        self.letter_button.setEnabled(False)
        self.errors.clear()
        self.general_error.hide()
        self.ctx.run_op(op, self.on_letter_printed, self.on_save_failed, parent=self)

    def on_letter_printed(self, letter: ReferralLetter) -> None:
        """Show the letter; the form shows the case as it is now (referred)."""
        self._done(letter.case)
        title = _tr("معرفی‌نامه {number}").format(number=letter.number)
        self.preview = CertificatePreviewDialog(
            letter.pdf, title, self, file_name=f"{_tr('معرفی‌نامه')}-{letter.number}.pdf"
        )
        self.preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.preview.open()

    def reject(self) -> None:
        """Close, asking first if something was typed and not saved."""
        if self.guard.may_close():
            super().reject()
