"""«پرونده ← ردپای ممیزی…»: the audit trail, filtered, paged, exported, its chain checked.

The head of office's (Permission.AUDIT: the window's menu action is disabled for the
other roles, and the export refuses them in the service). Filters: who, what, from and
to (Jalali), which record (a licence number, an event code…). A page of
:data:`~app.services.audit.trail.PAGE_SIZE` entries at a time, newest first, read in a
worker; «بررسی زنجیره» checks the whole chain (off the GUI thread) and says it is intact,
or names its first bad entry.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.audit.trail import (
    PAGE_SIZE,
    AuditFilter,
    AuditRow,
    actors,
    count_entries,
    entries_page,
    export_trail,
)
from app.services.audit.verify import Verdict, verify_trail
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.sheet_export import export_to_chosen_file
from app.views.sync_common import (
    OK_COLOR,
    close_buttons,
    list_pages,
    review_table,
    select_table_row,
)
from app.views.widgets.form import ERROR_COLOR
from app.views.widgets.jalali_date_edit import JalaliDateEdit
from app.views.widgets.table_model import Column, ColumnTableModel
from common import jalali
from common.text import to_persian_digits
from common.vocabulary import AuditAction

SUMMARY_COLUMN = 4
#: Milliseconds after the last key in the record box before the list is read again.
TYPING_PAUSE_MS = 350


def _tr(text: str) -> str:
    return QCoreApplication.translate("AuditWindow", text)


def audit_columns() -> tuple[Column[AuditRow], ...]:
    """The trail's columns."""
    return (
        Column(_tr("ردیف"), lambda row: row.seq, align=Qt.AlignmentFlag.AlignCenter),
        Column(_tr("زمان"), lambda row: row.when),
        Column(_tr("کاربر"), lambda row: row.actor, elided=True),
        Column(_tr("اقدام"), lambda row: row.action_label, elided=True),
        Column(_tr("شرح"), lambda row: row.summary, digits=True, elided=True),
    )


class AuditWindow(QDialog):
    """The audit trail of this database."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.offset = 0
        self.total = 0
        self.rows: list[AuditRow] = []
        self.setWindowTitle(_tr("ردپای ممیزی"))
        self.resize(1000, 620)
        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(TYPING_PAUSE_MS)
        self._typing.timeout.connect(self.reload_from_start)
        self._build()
        self._load_actors()
        self.reload_from_start()
        ctx.signals.sig_records_changed.connect(self.on_records_changed)

    # -- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.who_combo = QComboBox()
        self.who_combo.setObjectName("auditWho")
        self.who_combo.addItem(_tr("همه"), "")
        self.action_combo = QComboBox()
        self.action_combo.setObjectName("auditAction")
        self.action_combo.addItem(_tr("همه"), "")
        for action in AuditAction:
            self.action_combo.addItem(action.label, action.value)
        self.since_edit = JalaliDateEdit(allow_empty=True)
        self.until_edit = JalaliDateEdit(allow_empty=True)
        self.since_edit.setDate(None)
        self.until_edit.setDate(None)
        self.record_edit = QLineEdit()
        self.record_edit.setObjectName("auditRecord")
        self.record_edit.setPlaceholderText(_tr("شمارهٔ مجوز، کد رویداد، نام کاربری…"))
        self.record_edit.setClearButtonEnabled(True)
        filters = QGridLayout()
        for column, (label, widget) in enumerate(
            (
                (_tr("کاربر:"), self.who_combo),
                (_tr("اقدام:"), self.action_combo),
                (_tr("از تاریخ:"), self.since_edit),
                (_tr("تا تاریخ:"), self.until_edit),
            )
        ):
            filters.addWidget(QLabel(label), 0, column * 2)
            filters.addWidget(widget, 0, column * 2 + 1)
        filters.addWidget(QLabel(_tr("رکورد یا شرح:")), 1, 0)
        filters.addWidget(self.record_edit, 1, 1, 1, 7)
        self.who_combo.currentIndexChanged.connect(self.reload_from_start)
        self.action_combo.currentIndexChanged.connect(self.reload_from_start)
        self.since_edit.dateChanged.connect(self.reload_from_start)
        self.until_edit.dateChanged.connect(self.reload_from_start)
        self.record_edit.textChanged.connect(lambda _text: self._typing.start())

        self.model = ColumnTableModel(audit_columns(), self)
        self.table = review_table("auditTable", self.model)
        self.table.selectionModel().selectionChanged.connect(self.on_table_selection_changed)
        self.pages, self.empty_label = list_pages(
            self.table,
            loading=_tr("در حال خواندن…"),
            empty=_tr("ردیفی با این فیلترها نیست."),
            empty_name="emptyAudit",
        )
        self.detail_label = QLabel()
        self.detail_label.setObjectName("auditDetail")
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail_label.setMinimumHeight(self.detail_label.fontMetrics().lineSpacing() * 3)

        self.previous_button = QPushButton(_tr("صفحهٔ قبل"))
        self.next_button = QPushButton(_tr("صفحهٔ بعد"))
        self.page_label = QLabel()
        self.page_label.setObjectName("auditPage")
        self.previous_button.clicked.connect(self.on_previous_button_clicked)
        self.next_button.clicked.connect(self.on_next_button_clicked)
        self.verify_button = QPushButton(_tr("بررسی زنجیره"))
        self.verify_button.setObjectName("auditVerify")
        self.verify_button.clicked.connect(self.on_verify_button_clicked)
        self.export_button = QPushButton(_tr("خروجی اکسل…"))
        self.export_button.clicked.connect(self.on_export_button_clicked)
        for button in (
            self.previous_button,
            self.next_button,
            self.verify_button,
            self.export_button,
        ):
            button.setAutoDefault(False)
        paging = QHBoxLayout()
        paging.addWidget(self.previous_button)
        paging.addWidget(self.page_label)
        paging.addWidget(self.next_button)
        paging.addStretch(1)
        paging.addWidget(self.verify_button)
        paging.addWidget(self.export_button)

        self.verdict_label = QLabel()
        self.verdict_label.setObjectName("auditVerdict")
        self.verdict_label.setWordWrap(True)
        self.verdict_label.hide()
        self.buttons, self.close_button = close_buttons(self)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.detail_label)
        layout.addLayout(paging)
        layout.addWidget(self.verdict_label)
        layout.addWidget(self.buttons)

    # -- reading ----------------------------------------------------------------------------

    def chosen(self) -> AuditFilter:
        """The filter the widgets say."""
        return AuditFilter(
            account_id=str(self.who_combo.currentData() or ""),
            action=str(self.action_combo.currentData() or ""),
            since=self.since_edit.date(),
            until=self.until_edit.date(),
            record=self.record_edit.text(),
        )

    def _load_actors(self) -> None:
        self.ctx.run_op(actors, self.on_actors_loaded, self.on_failed, parent=self)

    def on_actors_loaded(self, found: list[tuple[str, str]]) -> None:
        """Fill «کاربر» (keeping the choice)."""
        current = self.who_combo.currentData()
        self.who_combo.blockSignals(True)
        while self.who_combo.count() > 1:
            self.who_combo.removeItem(1)
        for account_id, name in found:
            self.who_combo.addItem(name, account_id)
        index = self.who_combo.findData(current)
        self.who_combo.setCurrentIndex(max(0, index))
        self.who_combo.blockSignals(False)

    def reload_from_start(self, *_args: object) -> None:
        """The filters changed: the first page."""
        self.offset = 0
        self.reload()

    def reload(self) -> None:
        """Read the current page (and how many entries the filter lets through)."""
        chosen, offset = self.chosen(), self.offset

        def op(session: Session) -> tuple[int, list[AuditRow]]:
            return count_entries(session, chosen), entries_page(session, chosen, offset)

        self.ctx.run_op(op, self.on_page_loaded, self.on_failed, parent=self)

    def on_page_loaded(self, loaded: tuple[int, list[AuditRow]]) -> None:
        """Show a page."""
        self.total, self.rows = loaded
        self.model.set_rows(self.rows)
        header = self.table.horizontalHeader()
        for column in range(self.model.columnCount()):
            if column == SUMMARY_COLUMN:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
            else:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.pages.setCurrentWidget(self.table if self.rows else self.empty_label)
        first, last = self.offset + 1, self.offset + len(self.rows)
        self.page_label.setText(
            _tr("ردیف‌های {first} تا {last} از {total}").format(
                first=to_persian_digits(str(first if self.rows else 0)),
                last=to_persian_digits(str(last)),
                total=to_persian_digits(str(self.total)),
            )
        )
        self.previous_button.setEnabled(self.offset > 0)
        self.next_button.setEnabled(last < self.total)
        if self.rows:
            select_table_row(self.table, 0)
        self.on_table_selection_changed()

    def on_records_changed(self, _kind: str) -> None:
        """Something was done (and recorded): read the page again."""
        self._load_actors()
        self.reload()

    def on_previous_button_clicked(self) -> None:
        self.offset = max(0, self.offset - PAGE_SIZE)
        self.reload()

    def on_next_button_clicked(self) -> None:
        if self.offset + PAGE_SIZE < self.total:
            self.offset += PAGE_SIZE
            self.reload()

    def on_table_selection_changed(self, *_args: object) -> None:
        """The selected entry's details below the table."""
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.rows):
            self.detail_label.setText(_tr("ردیفی را برای دیدن جزئیات انتخاب کنید."))
            return
        row = self.rows[rows[0].row()]
        record = f"{row.record_label} {row.record_id}".strip()
        lines = [
            row.summary,
            row.detail,
            _tr("رکورد: {record}").format(record=record) if record else "",
        ]
        self.detail_label.setText("\n".join(line for line in lines if line))

    def on_failed(self, exc: BaseException) -> None:
        show_error(self, exc)

    # -- the chain, the export --------------------------------------------------------------

    def on_verify_button_clicked(self) -> None:
        """Check the whole chain in a worker."""
        self.verify_button.setEnabled(False)
        self.verdict_label.setText(_tr("در حال بررسی زنجیره…"))
        self.verdict_label.setStyleSheet("")
        self.verdict_label.show()
        self.ctx.run_op(verify_trail, self.on_verified, self.on_verify_failed, parent=self)

    def on_verified(self, verdict: Verdict) -> None:
        """Say whether the chain is intact (green) or name its first bad entry (red)."""
        self.verify_button.setEnabled(True)
        color = OK_COLOR if verdict.intact else ERROR_COLOR
        self.verdict_label.setStyleSheet(f"color: {color};")
        self.verdict_label.setText(verdict.message())

    def on_verify_failed(self, exc: BaseException) -> None:
        self.verify_button.setEnabled(True)
        self.verdict_label.hide()
        show_error(self, exc)

    def on_export_button_clicked(self) -> None:
        """The entries the filter lets through, to a file (xlsx or csv)."""
        chosen = self.chosen()
        stamp = jalali.format_jalali(jalali.today(), persian_digits=False).replace("/", "-")
        export_to_chosen_file(
            self.ctx,
            self,
            lambda session, path, _progress: export_trail(session, path, chosen),
            default_name=f"{_tr('ردپای-ممیزی')}-{stamp}.xlsx",
            done_text=_tr("{count} ردیف در فایل «{name}» ذخیره شد.\nپوشه: {folder}"),
        )
