"""The question asked before a restore: what the backup holds, what will be lost.

Shows the backup's date (Jalali, local time), office and number of licences, whether it
comes from an older version (upgraded after the restore), and — in red — how many local
changes have not reached the server yet, with «اول همگام‌سازی» to send them first, and a
warning when the backup is another office's. Everything after the backup is kept in a
safety copy either way. The clerk's answer is :attr:`RestoreDialog.choice`.
"""

from __future__ import annotations

import enum

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.core.restore import RestorePlan
from app.views.bootstrap import persian_locale
from app.views.sync_common import format_moment, hint_label
from app.views.widgets.form import ERROR_COLOR
from common.text import isolate_ltr, to_persian_digits

#: RIGHT-TO-LEFT MARK.
RLM = "\u200f"


def _tr(text: str) -> str:
    return QCoreApplication.translate("RestoreDialog", text)


class RestoreChoice(enum.Enum):
    """What the clerk chose."""

    CANCEL = "cancel"
    RESTORE = "restore"
    SYNC_FIRST = "sync_first"


class RestoreDialog(QDialog):
    """«بازیابی از پشتیبان»: confirm restoring the backup of ``plan``."""

    def __init__(self, plan: RestorePlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("restoreDialog")
        self.plan = plan
        self.choice = RestoreChoice.CANCEL
        self.setWindowTitle(_tr("بازیابی از پشتیبان"))
        self.setMinimumWidth(520)
        backup = plan.backup

        intro = QLabel(
            _tr(
                "پایگاه دادهٔ این دفتر با نسخهٔ پشتیبان زیر جایگزین می‌شود. "
                "هر چه پس از تاریخ پشتیبان ثبت شده و به سرور نرسیده است، از این دفتر "
                "کنار می‌رود."
            )
        )
        intro.setWordWrap(True)
        form = QFormLayout()
        self.file_label = QLabel(isolate_ltr(backup.path.name))
        self.file_label.setToolTip(str(backup.path))
        self.date_label = QLabel(format_moment(backup.taken_at))
        self.date_label.setObjectName("backupDate")
        self.office_label = QLabel(backup.office_name or _tr("(بدون اداره)"))
        self.count_label = QLabel(persian_locale().toString(backup.licences))
        for label in (self.file_label, self.date_label, self.office_label, self.count_label):
            # A right-to-left mark first: a value without Persian letters (the file name,
            # the date, the count) then reads from the right like the rest of the form.
            label.setText(RLM + label.text())
        form.addRow(_tr("پرونده:"), self.file_label)
        form.addRow(_tr("تاریخ پشتیبان:"), self.date_label)
        form.addRow(_tr("اداره:"), self.office_label)
        form.addRow(_tr("تعداد مجوزها:"), self.count_label)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        if backup.needs_migration:
            layout.addWidget(
                hint_label(
                    _tr(
                        "این پشتیبان با نسخهٔ قدیمی‌تری از دفتر ساخته شده است و پس از "
                        "بازیابی به‌روز می‌شود."
                    )
                )
            )
        self.pending_label = QLabel()
        self.pending_label.setObjectName("restorePending")
        self.pending_label.setWordWrap(True)
        self.pending_label.setStyleSheet(f"color: {ERROR_COLOR}; font-weight: bold;")
        if plan.live_pending:
            count = to_persian_digits(str(plan.live_pending))
            text = _tr(
                "{count} تغییر این رایانه هنوز به سرور نرسیده است و با بازیابی از این "
                "دفتر کنار می‌رود. بهتر است اول همگام‌سازی کنید."
            )
            self.pending_label.setText(text.format(count=count))
        self.pending_label.setVisible(bool(plan.live_pending))
        layout.addWidget(self.pending_label)
        self.office_warning = QLabel(
            _tr(
                "این پشتیبان از ادارهٔ دیگری است («{other}»)، نه از «{current}». "
                "فقط اگر مطمئن هستید بازیابی کنید."
            ).format(other=backup.office_name, current=plan.live_office_name)
        )
        self.office_warning.setObjectName("restoreOtherOffice")
        self.office_warning.setWordWrap(True)
        self.office_warning.setStyleSheet(f"color: {ERROR_COLOR};")
        self.office_warning.setVisible(plan.other_office)
        layout.addWidget(self.office_warning)
        if plan.live_exists:
            layout.addWidget(
                hint_label(
                    _tr(
                        "یک نسخهٔ ایمنی از پایگاه دادهٔ کنونی در پوشهٔ پشتیبان‌ها نگه داشته "
                        "می‌شود و هرگز خودکار پاک نمی‌شود."
                    )
                )
            )

        self.buttons = QDialogButtonBox()
        self.restore_button = QPushButton(_tr("بازیابی"))
        self.restore_button.setObjectName("restoreButton")
        self.sync_button = QPushButton(_tr("اول همگام‌سازی"))
        self.sync_button.setObjectName("syncFirstButton")
        self.cancel_button = QPushButton(_tr("انصراف"))
        self.buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.AcceptRole)
        if plan.live_pending:
            self.buttons.addButton(self.sync_button, QDialogButtonBox.ButtonRole.ActionRole)
            self.sync_button.setDefault(True)
        else:
            self.cancel_button.setDefault(True)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.restore_button.setAutoDefault(False)
        self.restore_button.clicked.connect(self.on_restore_button_clicked)
        self.sync_button.clicked.connect(self.on_sync_button_clicked)
        self.cancel_button.clicked.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setLayoutDirection(Qt.LayoutDirection.RightToLeft)

    def on_restore_button_clicked(self) -> None:
        """«بازیابی»."""
        self.choice = RestoreChoice.RESTORE
        self.accept()

    def on_sync_button_clicked(self) -> None:
        """«اول همگام‌سازی»: send the waiting changes, then ask again."""
        self.choice = RestoreChoice.SYNC_FIRST
        self.accept()
