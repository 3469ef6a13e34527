"""«بررسی تعارض‌ها»: values changed both here and elsewhere, and the clerk's choice.

The table lists the unresolved conflicts (record, field, this office's value, the
server's value, when); below it, what happened to the selected one. For the selected
conflicts the clerk keeps this office's value, accepts the server's, or (one editable
field) types a new value: the service validates it and its Persian message appears under
the field, with nothing saved. Every choice is one
:meth:`app.services.sync.review.SyncReviewService.resolve` job; the list is read again
afterwards. The choice travels to the server with the next sync.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.sync.review import EDIT, KEEP_MINE, KEEP_THEIRS, ConflictView
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.sync_common import (
    close_buttons,
    format_moment,
    hint_label,
    list_pages,
    result_label,
    review_table,
    select_table_row,
)
from app.views.widgets.form import INVALID_STYLE, FieldErrors, add_field_row, make_form_layout
from app.views.widgets.table_model import Column, ColumnTableModel
from common.errors import ValidationErrors
from common.text import to_persian_digits

#: The FieldErrors name of the edited value.
VALUE_FIELD = "value"
#: Fields typed left to right (digit strings and dates).
_LTR_FIELDS = frozenset({"national_id", "mobile", "postal_code"})
#: The record column takes the width left; the others at most this (elided, tooltip).
MAX_COLUMN_WIDTH = 240


def _tr(text: str) -> str:
    return QCoreApplication.translate("ConflictReviewDialog", text)


def conflict_columns() -> tuple[Column[ConflictView], ...]:
    """The columns of the conflict list (every cell's whole text in its tooltip)."""
    return (
        Column(_tr("رکورد"), lambda c: c.record_label, elided=True),
        Column(_tr("فیلد"), lambda c: c.field_label, elided=True),
        Column(_tr("مقدار این اداره"), lambda c: c.mine, elided=True),
        Column(_tr("مقدار سرور"), lambda c: c.theirs, elided=True),
        Column(_tr("زمان"), lambda c: format_moment(c.created_at), elided=True),
    )


def load_conflicts(session: Session) -> list[ConflictView]:
    """The unresolved conflicts, oldest first."""
    from app.services.sync.review import SyncReviewService

    return SyncReviewService(session).conflicts()


def resolve_conflicts(
    session: Session, conflict_ids: Sequence[str], choice: str, value: str | None = None
) -> int:
    """Resolve every conflict of ``conflict_ids`` the same way (one unit of work)."""
    from app.services.sync.review import SyncReviewService

    service = SyncReviewService(session)
    for conflict_id in conflict_ids:
        service.resolve(conflict_id, choice, value)
    return len(conflict_ids)


class ConflictReviewDialog(QDialog):
    """The conflicts of this office and the clerk's choice for each."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.conflicts: list[ConflictView] = []
        self.resolved_count = 0
        self._busy = False
        self._editing: ConflictView | None = None
        self.setWindowTitle(_tr("بررسی تعارض‌ها"))
        self.setStyleSheet(INVALID_STYLE)
        self.resize(880, 560)
        self._build()
        self.reload()

    # -- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        intro = QLabel(
            _tr(
                "این مقدارها هم در این اداره و هم در جای دیگری تغییر کرده‌اند و فعلاً مقدار "
                "سرور نشان داده می‌شود. برای هر مورد یکی را انتخاب کنید؛ انتخاب شما در "
                "همگام‌سازی بعدی به سرور فرستاده می‌شود."
            )
        )
        intro.setWordWrap(True)

        self.model = ColumnTableModel(conflict_columns(), self)
        self.table = review_table("conflictsTable", self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self.on_table_selection_changed)
        self.pages, self.empty_label = list_pages(
            self.table,
            loading=_tr("در حال خواندن تعارض‌ها…"),
            empty=_tr("تعارضی برای بررسی نیست."),
            empty_name="emptyConflicts",
        )

        self.detail_label = QLabel()
        self.detail_label.setObjectName("conflictDetail")
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail_label.setMinimumHeight(self.detail_label.fontMetrics().lineSpacing() * 3)
        self.detail_label.setAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignTop)

        self.keep_mine_button = QPushButton(_tr("نگه داشتن مقدار این اداره"))
        self.keep_theirs_button = QPushButton(_tr("پذیرفتن مقدار سرور"))
        self.edit_button = QPushButton(_tr("ویرایش…"))
        for button in (self.keep_mine_button, self.keep_theirs_button, self.edit_button):
            button.setAutoDefault(False)
        self.keep_mine_button.clicked.connect(self.on_keep_mine_button_clicked)
        self.keep_theirs_button.clicked.connect(self.on_keep_theirs_button_clicked)
        self.edit_button.clicked.connect(self.on_edit_button_clicked)
        actions = QHBoxLayout()
        actions.addWidget(self.keep_mine_button)
        actions.addWidget(self.keep_theirs_button)
        actions.addWidget(self.edit_button)
        actions.addStretch(1)

        # -- the editor of a new value (shown by «ویرایش…») --------------------------------
        self.errors = FieldErrors(self)
        self.value_edit = QLineEdit()
        self.value_edit.setObjectName("conflictValue")
        self.value_edit.setMaxLength(300)
        self.value_edit.returnPressed.connect(self.on_save_edit_button_clicked)
        self.save_edit_button = QPushButton(_tr("ثبت مقدار تازه"))
        self.cancel_edit_button = QPushButton(_tr("انصراف"))
        for button in (self.save_edit_button, self.cancel_edit_button):
            button.setAutoDefault(False)
        self.save_edit_button.clicked.connect(self.on_save_edit_button_clicked)
        self.cancel_edit_button.clicked.connect(self.close_editor)
        edit_form = make_form_layout()
        self.value_label = add_field_row(
            edit_form, "", self.value_edit, self.errors.add(VALUE_FIELD, self.value_edit)
        )
        edit_buttons = QHBoxLayout()
        edit_buttons.addStretch(1)
        edit_buttons.addWidget(self.save_edit_button)
        edit_buttons.addWidget(self.cancel_edit_button)
        edit_layout = QVBoxLayout()
        edit_layout.addLayout(edit_form)
        edit_layout.addLayout(edit_buttons)
        self.editor = QGroupBox(_tr("مقدار تازه"))
        self.editor.setLayout(edit_layout)
        self.editor.hide()

        self.result_label = result_label("resolveResult")
        self.next_sync_hint = hint_label(
            _tr("انتخاب‌ها در همین رایانه ثبت می‌شوند و با همگام‌سازی بعدی به سرور می‌رسند.")
        )

        self.buttons, self.close_button = close_buttons(self)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.detail_label)
        layout.addLayout(actions)
        layout.addWidget(self.editor)
        layout.addWidget(self.result_label)
        layout.addWidget(self.next_sync_hint)
        layout.addWidget(self.buttons)
        self._update_buttons()

    # -- loading ----------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the unresolved conflicts again."""
        self.ctx.run_op(load_conflicts, self.on_conflicts_loaded, self.on_failed, parent=self)

    def on_conflicts_loaded(self, conflicts: list[ConflictView]) -> None:
        """Fill the table; keep the selection on the same row (the next conflict)."""
        previous = self.selected_rows()
        self.conflicts = conflicts
        self.model.set_rows(conflicts)
        header = self.table.horizontalHeader()
        for column in range(1, self.model.columnCount()):
            self.table.resizeColumnToContents(column)
            header.resizeSection(column, min(header.sectionSize(column), MAX_COLUMN_WIDTH))
        self.pages.setCurrentWidget(self.table if conflicts else self.empty_label)
        if conflicts:
            self.select_row(min(previous[0], len(conflicts) - 1) if previous else 0)
        else:
            self.on_table_selection_changed()

    def on_failed(self, exc: BaseException) -> None:
        """A job failed: refused choices are shown, anything else in a box."""
        self._busy = False
        self._update_buttons()
        show_error(self, exc)

    # -- selection --------------------------------------------------------------------------

    def selected_rows(self) -> list[int]:
        """The selected rows, top to bottom."""
        return sorted({index.row() for index in self.table.selectionModel().selectedRows()})

    def selected(self) -> list[ConflictView]:
        """The selected conflicts."""
        return [self.conflicts[row] for row in self.selected_rows() if row < len(self.conflicts)]

    def select_row(self, row: int) -> None:
        """Select one row (for the clerk's keyboard and for tests)."""
        select_table_row(self.table, row)
        self.table.scrollTo(
            self.table.model().index(row, 0), QAbstractItemView.ScrollHint.EnsureVisible
        )

    def on_table_selection_changed(self, *_args: object) -> None:
        """Describe the selected conflict; the editor belongs to the previous one."""
        if self._editing is not None and self.selected() != [self._editing]:
            self.close_editor()
        chosen = self.selected()
        if len(chosen) == 1:
            conflict = chosen[0]
            self.detail_label.setText(
                _tr("{description}\nمقدار پیش از هر دو تغییر: {base}").format(
                    description=conflict.description, base=conflict.base
                )
            )
        elif chosen:
            self.detail_label.setText(
                _tr("{count} تعارض انتخاب شده است.").format(
                    count=to_persian_digits(str(len(chosen)))
                )
            )
        else:
            self.detail_label.clear()
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = self.selected()
        free = not self._busy
        self.keep_mine_button.setEnabled(free and bool(chosen))
        self.keep_theirs_button.setEnabled(free and bool(chosen))
        self.edit_button.setEnabled(free and len(chosen) == 1 and chosen[0].editable)
        self.edit_button.setToolTip(
            ""
            if len(chosen) != 1 or chosen[0].editable
            else _tr("این فیلد را اینجا نمی‌توان ویرایش کرد؛ یکی از دو مقدار را انتخاب کنید.")
        )
        self.save_edit_button.setEnabled(free)

    # -- choices ----------------------------------------------------------------------------

    def on_keep_mine_button_clicked(self) -> None:
        """Keep this office's value of the selected conflicts."""
        self._resolve(self.selected(), KEEP_MINE)

    def on_keep_theirs_button_clicked(self) -> None:
        """Accept the server's value of the selected conflicts."""
        self._resolve(self.selected(), KEEP_THEIRS)

    def on_edit_button_clicked(self) -> None:
        """Open the editor, filled with this office's value."""
        chosen = self.selected()
        if len(chosen) != 1 or not chosen[0].editable:
            return
        conflict = self._editing = chosen[0]
        self.errors.clear()
        self.value_label.setText(_tr("{field}:").format(field=conflict.field_label))
        ltr = conflict.field in _LTR_FIELDS or conflict.field.endswith("_date")
        self.value_edit.setLayoutDirection(
            Qt.LayoutDirection.LeftToRight if ltr else Qt.LayoutDirection.RightToLeft
        )
        self.value_edit.setAlignment(
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            if ltr
            else Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter
        )
        self.value_edit.setText(conflict.edit_start)
        self.editor.show()
        self.value_edit.setFocus()
        self.value_edit.selectAll()

    def close_editor(self) -> None:
        """Hide the editor without saving."""
        self._editing = None
        self.errors.clear()
        self.editor.hide()

    def on_save_edit_button_clicked(self) -> None:
        """Resolve the conflict being edited with the typed value (validated)."""
        if self._editing is None or self._busy:
            return
        self._resolve([self._editing], EDIT, self.value_edit.text())

    def _resolve(
        self, conflicts: list[ConflictView], choice: str, value: str | None = None
    ) -> None:
        if not conflicts or self._busy:
            return
        ids = [conflict.id for conflict in conflicts]
        self.errors.clear()
        self.result_label.hide()
        self._busy = True
        self._update_buttons()

        def op(session: Session) -> int:
            return resolve_conflicts(session, ids, choice, value)

        self.ctx.run_op(op, self.on_resolved, self.on_resolve_failed, parent=self)

    def on_resolved(self, count: int) -> None:
        """Saved (the unit of work told the other screens): say so, read the list again."""
        self._busy = False
        self.resolved_count += count
        self.close_editor()
        self.result_label.setText(
            _tr("انتخاب شما ثبت شد و با همگام‌سازی بعدی به سرور فرستاده می‌شود.")
        )
        self.result_label.show()
        self.reload()

    def on_resolve_failed(self, exc: BaseException) -> None:
        """A refused value goes under the field (nothing was saved); the rest in a box."""
        self._busy = False
        self._update_buttons()
        if isinstance(exc, ValidationErrors) and self._editing is not None:
            self.errors.set_error(VALUE_FIELD, "\n".join(exc.by_field().values()))
            self.errors.focus_first_invalid()
            return
        show_error(self, exc)
        self.reload()
