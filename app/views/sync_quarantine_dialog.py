"""«تغییرهای ردشده»: changes the server refused, with its reason.

A rejected change stays in this computer's outbox and never blocks the others. The
clerk sends the selected ones again with the next sync («ارسال دوباره», after the cause
is fixed) or, after a confirmation, drops them («کنار گذاشتن»): the local record keeps
its values, but the change never reaches the server. Both are one
:class:`app.services.sync.review.SyncReviewService` job each.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.sync.review import QuarantinedView
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.sync_common import (
    close_buttons,
    format_moment,
    list_pages,
    result_label,
    review_table,
    select_table_row,
)
from app.views.widgets import messages
from app.views.widgets.table_model import Column, ColumnTableModel
from common.text import to_persian_digits

REASON_COLUMN = 3
#: No column but the reason grows wider than this (their text is elided, with a tooltip).
MAX_COLUMN_WIDTH = 240


def _tr(text: str) -> str:
    return QCoreApplication.translate("QuarantineDialog", text)


def fields_text(op: QuarantinedView) -> str:
    """The fields a rejected change touches; a new or deleted record is all of them (the
    service lists an insert's internal columns too)."""
    if op.op in ("insert", "delete"):
        return _tr("همه فیلدها")
    return op.fields


def quarantine_columns() -> tuple[Column[QuarantinedView], ...]:
    """The columns of the rejected changes (every cell's whole text in its tooltip)."""
    return (
        Column(_tr("عملیات"), lambda op: op.op_label, elided=True),
        Column(_tr("رکورد"), lambda op: op.record_label, elided=True),
        Column(_tr("فیلدها"), fields_text, elided=True),
        Column(_tr("دلیل"), lambda op: op.reason, elided=True),
        Column(_tr("تاریخ"), lambda op: format_moment(op.created_at), elided=True),
    )


def load_quarantined(session: Session) -> list[QuarantinedView]:
    """The rejected changes, oldest first."""
    from app.services.sync.review import SyncReviewService

    return SyncReviewService(session).quarantined()


class QuarantineDialog(QDialog):
    """The changes the server rejected; send them again or drop them."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.operations: list[QuarantinedView] = []
        self._busy = False
        self.setWindowTitle(_tr("تغییرهای ردشده"))
        self.resize(900, 520)
        self._build()
        self.reload()

    def _build(self) -> None:
        intro = QLabel(
            _tr(
                "سرور مرکزی این تغییرها را نپذیرفت؛ دلیل هر کدام نوشته شده است. این تغییرها "
                "در این رایانه می‌مانند و جلوی تغییرهای دیگر را نمی‌گیرند. پس از رفع مشکل، "
                "«ارسال دوباره» را بزنید تا در همگام‌سازی بعدی دوباره فرستاده شوند."
            )
        )
        intro.setWordWrap(True)
        self.model = ColumnTableModel(quarantine_columns(), self)
        self.table = review_table("quarantineTable", self.model)
        self.table.selectionModel().selectionChanged.connect(self.on_table_selection_changed)
        self.pages, self.empty_label = list_pages(
            self.table,
            loading=_tr("در حال خواندن…"),
            empty=_tr("تغییر ردشده‌ای نیست."),
            empty_name="emptyQuarantine",
        )

        self.reason_label = QLabel()
        self.reason_label.setObjectName("quarantineReason")
        self.reason_label.setWordWrap(True)
        self.reason_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reason_label.setMinimumHeight(self.reason_label.fontMetrics().lineSpacing() * 2)

        self.retry_button = QPushButton(_tr("ارسال دوباره"))
        self.discard_button = QPushButton(_tr("کنار گذاشتن"))
        for button in (self.retry_button, self.discard_button):
            button.setAutoDefault(False)
        self.retry_button.clicked.connect(self.on_retry_button_clicked)
        self.discard_button.clicked.connect(self.on_discard_button_clicked)
        actions = QHBoxLayout()
        actions.addWidget(self.retry_button)
        actions.addWidget(self.discard_button)
        actions.addStretch(1)

        self.result_label = result_label("quarantineResult")

        self.buttons, self.close_button = close_buttons(self)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.reason_label)
        layout.addLayout(actions)
        layout.addWidget(self.result_label)
        layout.addWidget(self.buttons)
        self._update_buttons()

    # -- loading ----------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the rejected changes again."""
        self.ctx.run_op(load_quarantined, self.on_loaded, self.on_failed, parent=self)

    def on_loaded(self, operations: list[QuarantinedView]) -> None:
        """Fill the table."""
        self.operations = operations
        self.model.set_rows(operations)
        self._fit_columns()
        self.pages.setCurrentWidget(self.table if operations else self.empty_label)
        if operations:
            select_table_row(self.table, 0)
        else:
            self.on_table_selection_changed()

    def _fit_columns(self) -> None:
        """Columns as wide as their text up to a limit; the reason takes the rest."""
        header = self.table.horizontalHeader()
        for column in range(self.model.columnCount()):
            if column == REASON_COLUMN:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
                continue
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.table.resizeColumnToContents(column)
            header.resizeSection(column, min(header.sectionSize(column), MAX_COLUMN_WIDTH))

    def on_failed(self, exc: BaseException) -> None:
        """A job failed: say so."""
        self._busy = False
        self._update_buttons()
        show_error(self, exc)

    # -- selection --------------------------------------------------------------------------

    def selected(self) -> list[QuarantinedView]:
        """The selected rejected changes."""
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.operations[row] for row in rows if row < len(self.operations)]

    def select_all(self) -> None:
        """Select every row."""
        self.table.selectAll()

    def on_table_selection_changed(self, *_args: object) -> None:
        """Show the whole reason of the selected change."""
        chosen = self.selected()
        if len(chosen) == 1:
            self.reason_label.setText(_tr("دلیل: {reason}").format(reason=chosen[0].reason))
        elif chosen:
            self.reason_label.setText(
                _tr("{count} تغییر انتخاب شده است.").format(
                    count=to_persian_digits(str(len(chosen)))
                )
            )
        else:
            self.reason_label.clear()
        self._update_buttons()

    def _update_buttons(self) -> None:
        enabled = not self._busy and bool(self.selected())
        self.retry_button.setEnabled(enabled)
        self.discard_button.setEnabled(enabled)

    # -- actions ----------------------------------------------------------------------------

    def on_retry_button_clicked(self) -> None:
        """Send the selected changes again with the next sync."""
        ids = [op.op_id for op in self.selected()]
        if not ids:
            return

        def op(session: Session) -> int:
            from app.services.sync.review import SyncReviewService

            return SyncReviewService(session).retry(ids)

        self._run(
            op,
            _tr("{count} تغییر در همگام‌سازی بعدی دوباره به سرور فرستاده می‌شود."),
        )

    def on_discard_button_clicked(self) -> None:
        """Drop the selected changes for good, after a confirmation."""
        ids = [op.op_id for op in self.selected()]
        if not ids:
            return
        if not messages.confirm(
            self,
            _tr("کنار گذاشتن تغییرها"),
            _tr(
                "اطلاعات این {count} رکورد در این رایانه همان‌طور که هست می‌ماند، ولی این "
                "تغییرها هرگز به سرور مرکزی نمی‌رسند. کنار گذاشته شوند؟"
            ).format(count=to_persian_digits(str(len(ids)))),
            yes_text=_tr("کنار گذاشتن"),
            no_text=_tr("انصراف"),
            danger=True,
        ):
            return

        def op(session: Session) -> int:
            from app.services.sync.review import SyncReviewService

            return SyncReviewService(session).discard(ids)

        self._run(op, _tr("{count} تغییر کنار گذاشته شد."))

    def _run(self, op: Callable[[Session], int], done_text: str) -> None:
        self._busy = True
        self.result_label.hide()
        self._update_buttons()

        def on_done(count: int) -> None:
            self._busy = False
            self.result_label.setText(done_text.format(count=to_persian_digits(str(count))))
            self.result_label.show()
            self.reload()

        self.ctx.run_op(op, on_done, self.on_failed, parent=self)
