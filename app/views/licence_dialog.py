"""A licence's screen: its details, its status, its history and the actions on it.

Actions (ویرایش، تمدید، تعلیق، رفع تعلیق، ابطال) call
:class:`app.services.licences.service.LicenceService` in a worker; after each change the dialog
reloads itself (the unit of work tells the other screens). «چاپ گواهی‌نامه» prints
the licence's certificate (:func:`app.views.certificate_print.print_licence_certificates`,
imported when first used) and reloads, so the history shows the issuance. Reasons are asked with a
:class:`~app.views.widgets.reason_dialog.ReasonDialog`, which stays open and shows the
service's message beside the field when the service refuses.

Why ~600 lines in one module: the details, the history table and the action buttons share
the loaded licence and reload together; «پرونده فرد» and «پرونده تسهیلات…» are two buttons
that open other windows. The history table (its model and columns) is the part to move
out next when the dialog grows again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.licences.records import GENDER_LABELS, STATUS_EXPIRED, HistoryEntry, LicenceDetail
from app.services.licences.service import LicenceService
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.licence_form import LicenceFormDialog
from app.views.licence_history import history_columns, isolate_codes
from app.views.sign_in import forbid
from app.views.widgets import messages
from app.views.widgets.form import make_error_label, with_error_label
from app.views.widgets.jalali_date_edit import JalaliDateEdit
from app.views.widgets.read_only_note import ReadOnlyNote
from app.views.widgets.reason_dialog import ReasonDialog
from app.views.widgets.table_model import ColumnTableModel
from common import jalali
from common.errors import ValidationErrors
from common.text import isolate_ltr, to_persian_digits
from common.vocabulary import LicenceStatus, Permission

if TYPE_CHECKING:
    from app.views.certificate_print import CertificatePrintJob

#: Badge colours by effective status: (background, text).
STATUS_COLORS: dict[str, tuple[str, str]] = {
    LicenceStatus.ACTIVE: ("#2e7d32", "#ffffff"),
    STATUS_EXPIRED: ("#ef6c00", "#ffffff"),
    LicenceStatus.SUSPENDED: ("#ffb300", "#3e2723"),
    LicenceStatus.REVOKED: ("#c62828", "#ffffff"),
}
EMPTY = "—"
#: The history action of a certificate printed (app.services.certificates.service).
CERTIFICATE_ACTION = "certificate"
#: Why «چاپ گواهی‌نامه» is disabled, by effective status.
PRINT_REFUSALS: dict[str, object] = {
    LicenceStatus.SUSPENDED: QT_TRANSLATE_NOOP(
        "LicenceDialog", "مجوز معلق است؛ برای مجوز معلق گواهی‌نامه صادر نمی‌شود."
    ),
    LicenceStatus.REVOKED: QT_TRANSLATE_NOOP(
        "LicenceDialog", "مجوز باطل شده است؛ برای آن گواهی‌نامه صادر نمی‌شود."
    ),
    STATUS_EXPIRED: QT_TRANSLATE_NOOP(
        "LicenceDialog", "مجوز منقضی شده است؛ ابتدا آن را تمدید کنید، سپس گواهی‌نامه چاپ کنید."
    ),
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("LicenceDialog", text)


@dataclass(frozen=True)
class LicenceView:
    """A licence and its history, loaded together in a worker."""

    detail: LicenceDetail
    history: list[HistoryEntry]


def load_licence(session: Session, licence_id: str) -> LicenceView:
    """The licence's details and history."""
    service = LicenceService(session)
    return LicenceView(service.get(licence_id), service.history(licence_id))


def _value_label() -> QLabel:
    label = QLabel()
    # A value made only of digits (a date, a national ID) has no direction of its own:
    # keep it on the reading side, next to its label, like every other value.
    label.setAlignment(
        QStyle.visualAlignment(QGuiApplication.layoutDirection(), Qt.AlignmentFlag.AlignLeading)
        | Qt.AlignmentFlag.AlignVCenter
    )
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    return label


class LicenceDialog(QDialog):
    """Shows one licence; its buttons edit, renew, suspend, reactivate and revoke it.

    :attr:`action_dialog` is the reason (or edit) dialog the last action opened.
    """

    def __init__(self, ctx: AppContext, licence_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.licence_id = licence_id
        self.detail: LicenceDetail | None = None
        self.history: list[HistoryEntry] = []
        self.action_dialog: QDialog | None = None
        self.renew_date_edit: JalaliDateEdit | None = None
        self.print_job: CertificatePrintJob | None = None
        self.setWindowTitle(_tr("مجوز"))
        self._build()
        self.reload()

    # -- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.title_label = QLabel()
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title_label.setFont(font)
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_badge = QLabel()
        self.status_badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.unique_id_label = QLabel()
        self.unique_id_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_reason_label = QLabel()
        self.status_reason_label.setWordWrap(True)
        self.status_reason_label.hide()
        header = QHBoxLayout()
        header.addWidget(self.title_label)
        header.addSpacing(8)
        header.addWidget(self.status_badge)
        header.addStretch(1)
        header.addWidget(self.unique_id_label)

        # Holder and licence, side by side (the holder on the right).
        self.values: dict[str, QLabel] = {}
        holder_box = QGroupBox(_tr("دارنده مجوز"))
        holder_form = self._details_form(
            [
                ("full_name", _tr("نام و نام خانوادگی:")),
                ("father_name", _tr("نام پدر:")),
                ("national_id", _tr("کد ملی:")),
                ("birth_date", _tr("تاریخ تولد:")),
                ("gender", _tr("جنسیت:")),
                ("mobile", _tr("تلفن همراه:")),
                ("postal_code", _tr("کد پستی:")),
                ("address", _tr("نشانی:")),
            ]
        )
        holder_box.setLayout(holder_form)
        licence_box = QGroupBox(_tr("مجوز"))
        licence_form = self._details_form(
            [
                ("kind", _tr("نوع مجوز:")),
                ("field", _tr("رشته:")),
                ("field_group", _tr("گروه رشته:")),
                ("approving_body", _tr("دستگاه تأییدکننده:")),
                ("county", _tr("شهرستان:")),
                ("activity_address", _tr("نشانی محل فعالیت:")),
                ("issue_date", _tr("تاریخ صدور:")),
                ("expiry_date", _tr("تاریخ انقضا:")),
            ]
        )
        licence_box.setLayout(licence_form)
        details = QHBoxLayout()
        details.addWidget(holder_box, 1)
        details.addWidget(licence_box, 1)

        self.history_model = ColumnTableModel(history_columns(), self)
        self.history_table = QTableView()
        self.history_table.setModel(self.history_model)
        self.history_table.verticalHeader().hide()
        self.history_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history_table.setWordWrap(True)
        self.history_table.setAlternatingRowColors(True)
        head = self.history_table.horizontalHeader()
        for column in (0, 1, 2):
            head.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        head.setSectionResizeMode(4, QHeaderView.ResizeMode.Interactive)
        head.resizeSection(4, 180)
        history_box = QGroupBox(_tr("سابقه"))
        history_layout = QVBoxLayout(history_box)
        history_layout.addWidget(self.history_table)

        self.edit_button = QPushButton(_tr("ویرایش"))
        self.renew_button = QPushButton(_tr("تمدید"))
        self.suspend_button = QPushButton(_tr("تعلیق"))
        self.reactivate_button = QPushButton(_tr("رفع تعلیق"))
        self.revoke_button = QPushButton(_tr("ابطال"))
        self.print_button = QPushButton(_tr("چاپ گواهی‌نامه"))
        self.facility_button = QPushButton(_tr("پرونده تسهیلات…"))
        self.facility_button.setToolTip(_tr("پرونده تسهیلات بانکی تازه برای دارنده این مجوز"))
        self.close_button = QPushButton(_tr("بستن"))
        self.person_button = QPushButton(_tr("پرونده فرد"))
        self.person_button.setToolTip(_tr("همهٔ مجوزها، شبکه‌ها و رویدادهای دارنده"))
        self.person_button.clicked.connect(self.on_person_button_clicked)
        self.edit_button.clicked.connect(self.on_edit_button_clicked)
        self.renew_button.clicked.connect(self.on_renew_button_clicked)
        self.suspend_button.clicked.connect(self.on_suspend_button_clicked)
        self.reactivate_button.clicked.connect(self.on_reactivate_button_clicked)
        self.revoke_button.clicked.connect(self.on_revoke_button_clicked)
        self.print_button.clicked.connect(self.on_print_button_clicked)
        self.facility_button.clicked.connect(self.on_facility_button_clicked)
        self.close_button.clicked.connect(self.reject)
        actions = QHBoxLayout()
        for button in (
            self.edit_button,
            self.renew_button,
            self.suspend_button,
            self.reactivate_button,
            self.revoke_button,
        ):
            button.setAutoDefault(False)
            actions.addWidget(button)
        actions.addSpacing(16)
        self.print_button.setAutoDefault(False)
        actions.addWidget(self.print_button)
        self.person_button.setAutoDefault(False)
        actions.addWidget(self.person_button)
        self.facility_button.setAutoDefault(False)
        actions.addWidget(self.facility_button)
        actions.addStretch(1)
        actions.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        self.read_only_note = ReadOnlyNote()
        layout.addWidget(self.read_only_note)
        layout.addWidget(self.status_reason_label)
        layout.addLayout(details)
        layout.addWidget(history_box, 1)
        layout.addLayout(actions)
        self.resize(1000, 700)
        self._enable_actions()

    def _details_form(self, rows: list[tuple[str, str]]) -> QFormLayout:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignTop)
        for key, text in rows:
            label = QLabel(text)
            label.setStyleSheet("color: palette(placeholder-text);")
            value = _value_label()
            self.values[key] = value
            form.addRow(label, value)
        return form

    # -- loading ----------------------------------------------------------------------------

    def reload(self) -> None:
        """Load the licence and its history again (in a worker)."""
        licence_id = self.licence_id
        self.ctx.run_op(
            lambda session: load_licence(session, licence_id),
            self.on_licence_loaded,
            self.on_licence_failed,
            parent=self,
        )

    def on_licence_failed(self, exc: BaseException) -> None:
        """The licence could not be loaded."""
        self.detail = None
        self._enable_actions()
        show_error(self, exc)

    def on_licence_loaded(self, view: LicenceView) -> None:
        """Show the licence."""
        self.detail, self.history = view.detail, view.history
        d = view.detail
        number = isolate_ltr(to_persian_digits(d.number))
        self.setWindowTitle(_tr("مجوز {number}").format(number=number))
        self.title_label.setText(_tr("مجوز شماره {number}").format(number=number))
        self.unique_id_label.setText(
            _tr("شناسه یکتا: {unique_id}").format(unique_id=isolate_ltr(d.unique_id))
        )
        background, foreground = STATUS_COLORS.get(d.effective_status, ("#616161", "#ffffff"))
        self.status_badge.setText(d.status_label)
        self.status_badge.setProperty("status", d.effective_status)
        self.status_badge.setStyleSheet(
            f"background: {background}; color: {foreground}; border-radius: 10px;"
            " padding: 2px 14px; font-weight: bold;"
        )
        reason_titles: dict[str, str] = {
            LicenceStatus.SUSPENDED: _tr("دلیل تعلیق"),
            LicenceStatus.REVOKED: _tr("دلیل ابطال"),
        }
        if d.status_reason and d.status in reason_titles:
            self.status_reason_label.setText(
                _tr("{title}: {reason}").format(
                    title=reason_titles[d.status],
                    reason=isolate_codes(to_persian_digits(d.status_reason)),
                )
            )
            self.status_reason_label.show()
        else:
            self.status_reason_label.hide()

        h = d.holder
        field = f"{d.field_name} ({isolate_ltr(to_persian_digits(d.field_code))})"
        if d.starred:
            field += " ★ " + _tr("نیاز به تأییدیه تکمیلی")
        values = {
            "full_name": h.full_name,
            "father_name": h.father_name,
            "national_id": isolate_ltr(to_persian_digits(h.national_id)),
            "birth_date": jalali.format_jalali(h.birth_date),
            "gender": GENDER_LABELS.get(h.gender, h.gender),
            "mobile": isolate_ltr(to_persian_digits(h.mobile)) if h.mobile else "",
            "postal_code": isolate_ltr(to_persian_digits(h.postal_code)) if h.postal_code else "",
            "address": to_persian_digits(h.address),
            "kind": d.kind_label,
            "field": field,
            "field_group": d.field_group,
            "approving_body": d.approving_body,
            "county": _tr("{county}، استان {province}").format(
                county=d.county_name, province=d.province_name
            ),
            "activity_address": to_persian_digits(d.activity_address),
            "issue_date": jalali.format_jalali(d.issue_date),
            "expiry_date": jalali.format_jalali(d.expiry_date),
        }
        for key, text in values.items():
            self.values[key].setText(text or EMPTY)
        self._fill_history(view.history)
        self._enable_actions()

    def _fill_history(self, entries: list[HistoryEntry]) -> None:
        self.history_model.set_rows(entries)
        self.history_table.resizeRowsToContents()

    def _enable_actions(self) -> None:
        status = self.detail.status if self.detail is not None else LicenceStatus.REVOKED
        outside = self.detail.outside_scope if self.detail is not None else ""
        self.read_only_note.show_reason(outside)
        if outside:
            # Another county office's licence (a supporter's, seen through its network).
            for button in (
                self.edit_button,
                self.renew_button,
                self.suspend_button,
                self.reactivate_button,
                self.revoke_button,
                self.print_button,
                self.facility_button,
            ):
                button.setEnabled(False)
                button.setToolTip(outside)
            return
        for button in (
            self.edit_button,
            self.renew_button,
            self.suspend_button,
            self.reactivate_button,
            self.revoke_button,
        ):
            button.setToolTip("")
        open_ = status != LicenceStatus.REVOKED
        self.edit_button.setEnabled(open_)
        self.renew_button.setEnabled(open_)
        self.suspend_button.setEnabled(status == LicenceStatus.ACTIVE)
        self.reactivate_button.setEnabled(status == LicenceStatus.SUSPENDED)
        self.revoke_button.setEnabled(open_)
        self.facility_button.setEnabled(
            self.detail is not None and self.detail.effective_status == LicenceStatus.ACTIVE
        )
        effective = self.detail.effective_status if self.detail is not None else None
        refusal = PRINT_REFUSALS.get(effective) if effective is not None else None
        self.print_button.setEnabled(effective is not None and refusal is None)
        if effective is None:
            self.print_button.setToolTip("")
        elif refusal is not None:
            self.print_button.setToolTip(_tr(str(refusal)))
        elif any(entry.action == CERTIFICATE_ACTION for entry in self.history):
            self.print_button.setToolTip(
                _tr("این مجوز پیش‌تر گواهی‌نامه گرفته است؛ چاپ دوباره «المثنی» ثبت می‌شود.")
            )
        else:
            self.print_button.setToolTip(_tr("صدور و چاپ گواهی‌نامهٔ این مجوز"))
        account = self.ctx.db.account
        for button, permission in (
            (self.edit_button, Permission.EDIT),
            (self.renew_button, Permission.RENEW),
            (self.suspend_button, Permission.SUSPEND),
            (self.reactivate_button, Permission.SUSPEND),
            (self.revoke_button, Permission.REVOKE),
            (self.print_button, Permission.PRINT),
            (self.facility_button, Permission.REGISTER),
        ):
            forbid(button, account, permission)

    def _changed(self) -> None:
        self.reload()

    def _number(self) -> str:
        return isolate_ltr(to_persian_digits(self.detail.number)) if self.detail else ""

    # -- edit -------------------------------------------------------------------------------

    def on_edit_button_clicked(self) -> None:
        """Open the licence form in edit mode; reload when it saves."""
        form = LicenceFormDialog(self.ctx, self, licence_id=self.licence_id)
        form.accepted.connect(self.on_edit_form_accepted)
        form.finished.connect(form.deleteLater)
        self.action_dialog = form
        form.open()

    def on_edit_form_accepted(self) -> None:
        """The form saved (the other screens heard it from the unit of work): show the new
        state."""
        self.reload()

    # -- status changes ---------------------------------------------------------------------

    def _ask(
        self,
        title: str,
        prompt: str,
        *,
        required: bool,
        ok_text: str,
        op: Callable[[str], Callable[[LicenceService], object]],
        confirm_text: str | None = None,
        danger: bool = False,
        extra: QWidget | None = None,
    ) -> ReasonDialog:
        """Open a reason dialog; on OK (and confirmation) run ``op(reason)`` in a worker.

        ``op`` is called on the GUI thread (it may read widgets) and returns the job that
        runs with the service in the worker.
        """
        dialog = ReasonDialog(
            title,
            prompt,
            required=required,
            ok_text=ok_text,
            extra=extra,
            submit_accepts=False,
            parent=self,
        )

        def on_submitted(reason: str) -> None:
            if confirm_text is not None and not messages.confirm(
                dialog,
                title,
                confirm_text,
                yes_text=ok_text,
                no_text=_tr("انصراف"),
                danger=danger,
            ):
                return
            dialog.set_busy(True)
            job = op(reason)  # reads the dialog's widgets here, on the GUI thread

            def work(session: Session) -> object:
                return job(LicenceService(session))

            def on_done(_result: object) -> None:
                dialog.set_busy(False)
                dialog.accept()
                self._changed()

            def on_failed(exc: BaseException) -> None:
                dialog.set_busy(False)
                if isinstance(exc, ValidationErrors):
                    unknown = dialog.errors.show(exc.by_field())
                    if unknown:
                        dialog.show_error("\n".join(exc.by_field()[n] for n in unknown))
                    dialog.errors.focus_first_invalid()
                else:
                    show_error(dialog, exc)

            self.ctx.run_op(work, on_done, on_failed, parent=dialog)

        dialog.sig_reason_submitted.connect(on_submitted)
        dialog.finished.connect(dialog.deleteLater)
        self.action_dialog = dialog
        dialog.open()
        return dialog

    def on_renew_button_clicked(self) -> None:
        """Renew: a new expiry date (empty: automatic) and an optional reason."""
        date_edit = JalaliDateEdit(allow_empty=True)
        hint = QLabel(_tr("خالی بگذارید تا تاریخ انقضا به اندازهٔ اعتبار رشته تمدید شود."))
        hint.setWordWrap(True)
        hint.setStyleSheet("color: palette(placeholder-text);")
        extra = QWidget()
        form = QFormLayout(extra)
        form.setContentsMargins(0, 0, 0, 0)
        current = jalali.format_jalali(self.detail.expiry_date) if self.detail else ""
        current_label = _value_label()
        current_label.setText(current)
        form.addRow(_tr("تاریخ انقضای فعلی:"), current_label)
        error = make_error_label()
        block = with_error_label(date_edit, error, hint)
        form.addRow(_tr("تاریخ انقضای جدید:"), block)
        licence_id = self.licence_id

        def op(reason: str) -> Callable[[LicenceService], object]:
            new_expiry = date_edit.date()
            return lambda service: service.renew(licence_id, new_expiry, reason)

        dialog = self._ask(
            _tr("تمدید مجوز"),
            _tr("دلیل یا توضیح تمدید (اختیاری):"),
            required=False,
            ok_text=_tr("تمدید"),
            op=op,
            extra=extra,
        )
        # The date's errors (from the service) appear right under the date.
        dialog.errors.add("expiry_date", date_edit, label=error, mark=date_edit.date_edit)
        self.renew_date_edit = date_edit

    def on_suspend_button_clicked(self) -> None:
        """Suspend with a reason, after a confirmation."""
        licence_id = self.licence_id
        self._ask(
            _tr("تعلیق مجوز"),
            _tr("دلیل تعلیق مجوز {number} را بنویسید:").format(number=self._number()),
            required=True,
            ok_text=_tr("تعلیق"),
            op=lambda reason: lambda service: service.suspend(licence_id, reason),
            confirm_text=_tr("مجوز {number} تعلیق شود؟").format(number=self._number()),
        )

    def on_reactivate_button_clicked(self) -> None:
        """Lift the suspension (a reason is optional)."""
        licence_id = self.licence_id
        self._ask(
            _tr("رفع تعلیق مجوز"),
            _tr("توضیح رفع تعلیق مجوز {number} (اختیاری):").format(number=self._number()),
            required=False,
            ok_text=_tr("رفع تعلیق"),
            op=lambda reason: lambda service: service.reactivate(licence_id, reason),
        )

    def on_revoke_button_clicked(self) -> None:
        """Revoke for good: a reason and a strong confirmation."""
        licence_id = self.licence_id
        self._ask(
            _tr("ابطال مجوز"),
            _tr("دلیل ابطال مجوز {number} را بنویسید:").format(number=self._number()),
            required=True,
            ok_text=_tr("ابطال"),
            op=lambda reason: lambda service: service.revoke(licence_id, reason),
            confirm_text=_tr("ابطال مجوز برگشت‌پذیر نیست. ادامه می‌دهید؟"),
            danger=True,
        )

    # -- certificate ------------------------------------------------------------------------

    def on_person_button_clicked(self) -> None:
        """«پرونده فرد»: the holder's whole file (a window beside this one)."""
        from app.views.person_page import open_person_page

        open_person_page(self.ctx, "licence", self.licence_id, self)

    def on_print_button_clicked(self) -> None:
        """Issue and print this licence's certificate; reload to show it in the history."""
        from app.views.certificate_print import print_licence_certificates

        self.print_job = print_licence_certificates(
            self.ctx,
            self,
            [self.licence_id],
            title=_tr("گواهی‌نامه مجوز {number}").format(number=self._number()),
            on_printed=self.on_certificates_printed,
        )

    def on_facility_button_clicked(self) -> None:
        """Open a facility case for this licence's holder (the form of the «تسهیلات» tab)."""
        from app.views.facilities.case_dialog import FacilityCaseDialog

        number = self.detail.number if self.detail is not None else ""
        self.facility_form = FacilityCaseDialog(self.ctx, self, None, number)
        self.facility_form.finished.connect(self.facility_form.deleteLater)
        self.facility_form.open()

    def on_certificates_printed(self, _issued: object) -> None:
        """The certificate was issued (and logged): show the new history line."""
        self.reload()
