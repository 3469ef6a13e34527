"""The office's closure days: :class:`ClosureDaysDialog` adds (date, reason) and removes
them around a month; an event on a closure day gets a warning."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.events.calendar import WEEKDAY_NAMES, ClosureInfo
from app.services.events.service import EventService
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.events.shared import tr
from app.views.widgets.form import (
    INVALID_STYLE,
    FieldErrors,
    add_field_row,
    make_error_label,
    make_form_layout,
    show_save_errors,
)
from app.views.widgets.jalali_date_edit import JalaliDateEdit
from common import jalali


class ClosureDaysDialog(QDialog):
    """The office's closure days around a month: add (date, reason) and remove."""

    def __init__(
        self, ctx: AppContext, year: int, month: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.closures: list[ClosureInfo] = []
        first = jalali.from_jalali(year, month, 1)
        self.range_start = jalali.add_jalali_months(first, -1)
        self.range_end = jalali.add_jalali_months(first, 12)
        self.setWindowTitle(tr("روزهای تعطیل اداره"))
        self.setStyleSheet(INVALID_STYLE)
        intro = QLabel(
            tr(
                "روزهایی که اداره تعطیل است (جدا از جمعه‌ها و تعطیلات رسمی). رویدادی که در "
                "این روزها باشد هشدار می‌گیرد."
            )
        )
        intro.setWordWrap(True)
        self.errors = FieldErrors(self)
        self.day_edit = JalaliDateEdit()
        self.day_edit.setDate(first)
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText(tr("مثلاً آلودگی هوا"))
        self.add_button = QPushButton(tr("افزودن"))
        form = make_form_layout()
        add_field_row(
            form,
            tr("روز:"),
            self.day_edit,
            self.errors.add("day", self.day_edit, mark=self.day_edit.date_edit),
        )
        add_field_row(
            form, tr("دلیل:"), self.reason_edit, self.errors.add("reason", self.reason_edit)
        )
        self.list_widget = QListWidget()
        self.list_widget.setObjectName("closureList")
        self.remove_button = QPushButton(tr("حذف روز انتخاب‌شده"))
        self.general_error = make_error_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("بستن"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.add_button)
        layout.addWidget(self.list_widget, 1)
        layout.addWidget(self.remove_button)
        layout.addWidget(self.general_error)
        layout.addWidget(buttons)
        self.resize(460, 480)
        self.add_button.clicked.connect(self.add)
        self.remove_button.clicked.connect(self.on_remove_button_clicked)
        self.reload()

    def reload(self) -> None:
        """Load the closure days of the range shown."""
        start, end = self.range_start, self.range_end

        def op(session: Session) -> list[ClosureInfo]:
            return EventService(session).closure_days(start, end)

        self.ctx.run_op(op, self._set_closures, self._failed, parent=self)

    def _set_closures(self, closures: list[ClosureInfo]) -> None:
        self.closures = closures
        self.list_widget.clear()
        for closure in closures:
            weekday = WEEKDAY_NAMES[jalali.jalali_weekday(closure.day)]
            text = f"{jalali.format_jalali(closure.day)} ({weekday})"
            if closure.reason:
                text += f" — {closure.reason}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, closure.id)
            self.list_widget.addItem(item)

    def add(self) -> None:
        """Add the day typed."""
        day, reason = self.day_edit.date(), self.reason_edit.text()
        self.errors.clear()
        self.general_error.hide()

        def op(session: Session) -> ClosureInfo:
            return EventService(session).add_closure_day(day or "", reason)

        def done(_closure: ClosureInfo) -> None:
            self.reason_edit.clear()
            self.reload()

        def failed(exc: BaseException) -> None:
            show_save_errors(self, self.errors, self.general_error, exc)

        self.ctx.run_op(op, done, failed, parent=self)

    def remove(self, closure_id: str) -> None:
        """Open the office again on a closure day."""

        def op(session: Session) -> None:
            EventService(session).remove_closure_day(closure_id)

        def done(_result: None) -> None:
            self.reload()

        self.ctx.run_op(op, done, self._failed, parent=self)

    def _failed(self, exc: BaseException) -> None:
        show_error(self, exc)

    def on_remove_button_clicked(self) -> None:
        """Remove the selected day."""
        item = self.list_widget.currentItem()
        if item is not None:
            self.remove(str(item.data(Qt.ItemDataRole.UserRole)))
