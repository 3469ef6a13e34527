"""The office's facility settings «تنظیمات تسهیلات»: the programmes its clerks choose
from (one per line) and the days each open stage may take before a case is «معطل»."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialog, QGroupBox, QPlainTextEdit, QSpinBox, QVBoxLayout, QWidget
from sqlalchemy.orm import Session

from app.services.facilities.records import STAGE_LABELS
from app.services.facilities.settings import (
    MAX_SLA_DAYS,
    FacilitySettings,
    facility_settings,
    save_facility_settings,
)
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.sign_in import forbid
from app.views.widgets.form import (
    INVALID_STYLE,
    FieldErrors,
    add_field_row,
    make_error_label,
    make_form_layout,
    save_cancel_buttons,
    show_save_errors,
)
from common.facility_rules import OPEN_STAGES
from common.vocabulary import Permission


def _tr(text: str) -> str:
    return QCoreApplication.translate("FacilitySettingsDialog", text)


class FacilitySettingsDialog(QDialog):
    """Edit the programme list and the service level of each stage (a head's task)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.saved: FacilitySettings | None = None
        self.setWindowTitle(_tr("تنظیمات تسهیلات"))
        self.setStyleSheet(INVALID_STYLE)
        self.errors = FieldErrors(self)
        self.programmes_edit = QPlainTextEdit()
        self.programmes_edit.setPlaceholderText(_tr("هر برنامه در یک سطر"))
        self.programmes_edit.setMaximumHeight(self.fontMetrics().height() * 6)
        programmes_box = QGroupBox(_tr("برنامه‌های تسهیلات"))
        box_layout = QVBoxLayout(programmes_box)
        box_layout.addWidget(self.programmes_edit)
        box_layout.addWidget(self.errors.add("programmes", self.programmes_edit))
        sla_box = QGroupBox(_tr("مهلت هر مرحله (روز) — پس از آن پرونده «معطل» است"))
        form = make_form_layout()
        self.day_spins: dict[str, QSpinBox] = {}
        for stage in OPEN_STAGES:
            spin = QSpinBox()
            spin.setRange(1, MAX_SLA_DAYS)
            self.day_spins[stage] = spin
            add_field_row(
                form, STAGE_LABELS[stage] + ":", spin, self.errors.add(f"sla.{stage}", spin)
            )
        sla_box.setLayout(form)
        self.general_error = make_error_label()
        self.buttons, self.save_button, _cancel = save_cancel_buttons()
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        forbid(self.save_button, ctx.db.account, Permission.OFFICE_SETTINGS)
        layout = QVBoxLayout(self)
        layout.addWidget(programmes_box)
        layout.addWidget(sla_box)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)
        self.setEnabled(False)
        ctx.run_op(facility_settings, self.on_loaded, self.on_load_failed, parent=self)

    def on_loaded(self, settings: FacilitySettings) -> None:
        """Show the office's settings."""
        self.programmes_edit.setPlainText("\n".join(settings.programmes))
        for stage, spin in self.day_spins.items():
            spin.setValue(settings.sla_days[stage])
        self.setEnabled(True)

    def on_load_failed(self, exc: BaseException) -> None:
        """The settings could not be read."""
        show_error(self, exc)
        self.setEnabled(True)
        self.save_button.setEnabled(False)

    def on_buttons_accepted(self) -> None:
        """Save in a worker."""
        programmes = self.programmes_edit.toPlainText().splitlines()
        days = {stage: spin.value() for stage, spin in self.day_spins.items()}

        def op(session: Session) -> FacilitySettings:
            return save_facility_settings(session, programmes, days)

        self.save_button.setEnabled(False)
        self.ctx.run_op(op, self.on_saved, self.on_save_failed, parent=self)

    def on_saved(self, settings: FacilitySettings) -> None:
        """Saved: close."""
        self.saved = settings
        self.accept()

    def on_save_failed(self, exc: BaseException) -> None:
        """Each message under its field."""
        self.save_button.setEnabled(True)
        show_save_errors(self, self.errors, self.general_error, exc)
