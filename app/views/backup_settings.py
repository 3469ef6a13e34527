"""The «پشتیبان‌گیری» tab of «تنظیمات اداره»: how many automatic backups to keep, and a
second folder (a USB stick, a network share) each one is also written to.

Loaded and saved with the rest of the office's settings (one job each):
:func:`app.services.core.autobackup.backup_settings` and
:func:`~app.services.core.autobackup.save_backup_settings`; a refused value is reported
under its field (``backup_keep_daily``, ``backup_keep_monthly``,
``backup_second_folder``) and nothing is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.core.autobackup import (
    MAX_KEEP_DAILY,
    MAX_KEEP_MONTHLY,
    BackupSettings,
    backups_folder,
    save_backup_settings,
)
from app.views.context import AppContext
from app.views.sync_common import hint_label
from app.views.widgets.form import FieldErrors, add_field_row, make_form_layout

#: The fields of this tab (the dialog shows the tab when one of them is refused).
BACKUP_FIELDS = frozenset({"backup_keep_daily", "backup_keep_monthly", "backup_second_folder"})


def _tr(text: str) -> str:
    return QCoreApplication.translate("BackupSettingsTab", text)


@dataclass(frozen=True)
class BackupSettingsInput:
    """What the clerk chose, and the database the settings belong to."""

    settings: BackupSettings
    db_path: Path


def save_backup_settings_input(session: Session, data: BackupSettingsInput) -> None:
    """Save the tab (ValidationErrors for a refused value)."""
    save_backup_settings(session, data.settings, data.db_path)


def _spin(maximum: int, minimum: int, suffix: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(minimum, maximum)
    spin.setSuffix(suffix)
    spin.setMaximumWidth(140)
    return spin


def _ltr_path_edit(text: str) -> QLineEdit:
    """A read-only folder path, left to right."""
    edit = QLineEdit(text)
    edit.setReadOnly(True)
    edit.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
    edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    edit.setCursorPosition(0)
    return edit


class BackupSettingsTab(QWidget):
    """Rotation counts and the second folder."""

    def __init__(self, ctx: AppContext, errors: FieldErrors, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.daily_spin = _spin(MAX_KEEP_DAILY, 1, _tr(" روز"))
        self.monthly_spin = _spin(MAX_KEEP_MONTHLY, 0, _tr(" ماه"))
        self.folder_edit = _ltr_path_edit("")
        self.folder_edit.setPlaceholderText(_tr("بدون پوشهٔ دوم"))
        self.choose_button = QPushButton(_tr("انتخاب…"))
        self.clear_button = QPushButton(_tr("حذف"))
        folder_row = QWidget()
        folder_layout = QHBoxLayout(folder_row)
        folder_layout.setContentsMargins(0, 0, 0, 0)
        folder_layout.addWidget(self.folder_edit, 1)
        folder_layout.addWidget(self.choose_button)
        folder_layout.addWidget(self.clear_button)

        self.intro = hint_label(
            _tr(
                "دفتر هنگام بسته شدن و روزی یک بار هنگام کار، خودکار یک نسخهٔ پشتیبان "
                "بررسی‌شده در این پوشه می‌گیرد:"
            )
        )
        self.primary_edit = _ltr_path_edit(str(backups_folder(ctx.db.path)))
        form = make_form_layout()
        add_field_row(
            form,
            _tr("پشتیبان‌های روزانه:"),
            self.daily_spin,
            errors.add("backup_keep_daily", self.daily_spin),
            hint_label(_tr("آخرین پشتیبان هر یک از این چند روز نگه داشته می‌شود.")),
        )
        add_field_row(
            form,
            _tr("پشتیبان‌های ماهانه:"),
            self.monthly_spin,
            errors.add("backup_keep_monthly", self.monthly_spin),
            hint_label(_tr("آخرین پشتیبان هر یک از این چند ماه هم نگه داشته می‌شود.")),
        )
        add_field_row(
            form,
            _tr("پوشهٔ دوم:"),
            folder_row,
            errors.add("backup_second_folder", self.folder_edit),
            hint_label(
                _tr(
                    "یک فلش یا پوشهٔ اشتراکی شبکه؛ هر پشتیبان آنجا هم نوشته می‌شود. اگر در "
                    "دسترس نباشد، نوار وضعیت هشدار می‌دهد."
                )
            ),
            buddy=self.choose_button,
        )
        box = QGroupBox(_tr("پشتیبان‌گیری خودکار"))
        box.setLayout(form)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.primary_edit)
        layout.addWidget(box)
        layout.addStretch(1)
        self.choose_button.clicked.connect(self.on_choose_button_clicked)
        self.clear_button.clicked.connect(self.folder_edit.clear)

    def set_state(self, settings: BackupSettings) -> None:
        """Show the stored settings."""
        self.daily_spin.setValue(settings.keep_daily)
        self.monthly_spin.setValue(settings.keep_monthly)
        self.folder_edit.setText(settings.second_folder)

    def backup_input(self) -> BackupSettingsInput:
        """What the clerk chose."""
        return BackupSettingsInput(
            BackupSettings(
                keep_daily=self.daily_spin.value(),
                keep_monthly=self.monthly_spin.value(),
                second_folder=self.folder_edit.text(),
            ),
            self.ctx.db.path,
        )

    def snapshot(self) -> tuple[int, int, str]:
        """The values the unsaved-changes guard compares."""
        return (self.daily_spin.value(), self.monthly_spin.value(), self.folder_edit.text())

    def on_choose_button_clicked(self) -> None:
        """Pick the second folder."""
        chosen = QFileDialog.getExistingDirectory(
            self, _tr("پوشهٔ دوم پشتیبان"), self.folder_edit.text() or str(Path.home())
        )
        if chosen:
            self.folder_edit.setText(str(Path(chosen)))
