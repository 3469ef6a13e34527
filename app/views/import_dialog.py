"""«ورود اطلاعات از اکسل» and «خروجی اکسل»: the register as a spreadsheet, in the GUI.

:class:`ImportDialog` walks the clerk through an import: (1) an explanation, a file
chooser and the empty template; (2) :func:`app.services.licences.io.import_file` in a
worker, with a progress dialog whose cancel rolls the whole import back; (3) the outcome:
a summary line, the rejected rows (row, column, reason), the warnings, and a report of
the rejected rows to save.

:func:`export_register` writes the register (or the part the register screen's filter
shows) in the same template, through a temporary file that replaces the destination
only when the export is complete.

Reading, validating and writing spreadsheets is the service's work; this module only
asks for files, runs the service off the GUI thread and shows its outcome.
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCollator,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QStandardPaths,
    Qt,
)
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.core.progress import Cancelled, Progress
from app.services.licences import io as spreadsheet
from app.services.licences import register
from app.services.licences.io import ImportResult, Problem
from app.services.licences.register import RegisterFilter
from app.views.bootstrap import persian_locale
from app.views.context import RECORDS_LICENCES, AppContext
from app.views.errors import describe_environment_error, show_error
from app.views.widgets import messages
from app.views.widgets.form import ERROR_COLOR
from app.views.widgets.table_style import apply_roomy_style
from app.views.worker import TaskHandle
from common import jalali
from common.errors import DomainError
from common.text import PDI, isolate_ltr, to_persian_digits

XLSX_SUFFIX = ".xlsx"
CSV_SUFFIX = ".csv"
#: Text colour of the warnings' reasons (amber 900: readable on white).
WARNING_COLOR = "#e65100"
#: The warnings table is at most this many rows tall (it scrolls beyond).
WARNING_ROWS_SHOWN = 4
FSI = "\u2068"


@dataclass(frozen=True)
class ImportSpec:
    """What an import dialog imports: its texts and the service functions it runs.

    ``import_file(session, path, progress)`` imports in one transaction (ImportResult);
    ``write_template(path)`` writes the empty template; ``records_kind`` is emitted on
    ``sig_records_changed`` after rows were imported.
    """

    title: str
    intro: str
    template_name: str
    summary: str  # "{imported} … {rejected} … {already} …"
    records_kind: str
    import_file: Callable[[Session, Path, Progress], ImportResult]
    write_template: Callable[[Path], Path]


def licence_import_spec() -> ImportSpec:
    """The licence register's import (the default)."""
    return ImportSpec(
        title=_tr("ورود اطلاعات از اکسل"),
        intro=_tr(
            "هر ردیف فایل یک مجوز است و سطر اول عنوان ستون‌ها به فارسی (مثل الگوی خالی). "
            "فایل می‌تواند xlsx یا CSV با کدگذاری UTF-8 باشد. ردیف‌هایی که ایرادی دارند "
            "وارد نمی‌شوند و با شمارهٔ ردیف و دلیل گزارش می‌شوند؛ بقیهٔ ردیف‌ها وارد "
            "می‌شوند. اگر فایلی را دو بار وارد کنید، مجوز تکراری ثبت نمی‌شود."
        ),
        template_name=_tr("الگوی-ورود-مجوزها.xlsx"),
        summary=_tr(
            "{imported} مجوز وارد شد، {rejected} ردیف رد شد، {already} ردیف از قبل در دفتر بود."
        ),
        records_kind=RECORDS_LICENCES,
        import_file=lambda session, path, progress: spreadsheet.import_file(
            session, path, progress
        ),
        write_template=spreadsheet.write_template,
    )


def _tr(text: str) -> str:
    return QCoreApplication.translate("ImportDialog", text)


def _documents_folder() -> Path:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(folder) if folder else Path.home()


def _with_suffix(chosen: str, selected_filter: str, allowed: Sequence[str]) -> Path:
    """The chosen path, given the suffix of the selected filter if it has none allowed."""
    path = Path(chosen)
    if path.suffix.lower() in allowed:
        return path
    suffix = next((s for s in allowed if f"*{s}" in selected_filter), allowed[0])
    return path.with_name(path.name + suffix)


def _write_failed_message(exc: BaseException, path: Path) -> str | None:
    """A Persian message for a file that could not be written, or None for a bug."""
    known = describe_environment_error(exc)
    if known is not None:
        return known
    if isinstance(exc, OSError):
        return _tr(
            "فایل {path} نوشته نشد. اگر این فایل در برنامهٔ دیگری (مثل اکسل) باز است آن را "
            "ببندید، یا جای دیگری برای ذخیره انتخاب کنید."
        ).format(path=isolate_ltr(str(path)))
    return None


# -- the problems table ------------------------------------------------------------------


class ProblemsModel(QAbstractTableModel):
    """Problems (or warnings) of an import: row number, column and reason; sortable."""

    ROW, COLUMN, REASON = range(3)
    #: The raw value of a cell (row number as int), used for sorting.
    SORT_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(
        self,
        problems: Sequence[Problem] = (),
        *,
        warnings: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._problems: list[Problem] = list(problems)
        #: Each shown problem's position in the order given (ties keep that order).
        self._given: list[int] = list(range(len(self._problems)))
        self._warnings = warnings
        self._headers = (_tr("ردیف"), _tr("ستون"), _tr("دلیل"))
        self._collator = QCollator(persian_locale())

    def set_problems(self, problems: Sequence[Problem]) -> None:
        """Show ``problems`` instead (in the order given)."""
        self.beginResetModel()
        self._problems = list(problems)
        self._given = list(range(len(self._problems)))
        self.endResetModel()

    def problem(self, row: int) -> Problem:
        """The problem shown in ``row``."""
        return self._problems[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._problems)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def _reason(self, problem: Problem) -> str:
        if self._warnings:
            return _tr("هشدار: {reason}").format(reason=problem.message)
        return problem.message

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._problems):
            return None
        problem = self._problems[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.ROW:
                return to_persian_digits(str(problem.row))
            return problem.column if column == self.COLUMN else self._reason(problem)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.REASON:
            return self._reason(problem)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.ROW:
            return Qt.AlignmentFlag.AlignCenter
        if role == Qt.ItemDataRole.ForegroundRole and self._warnings and column == self.REASON:
            return QColor(WARNING_COLOR)
        if role == self.SORT_ROLE:
            return (problem.row, problem.column, problem.message)[column]
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._headers)
        ):
            return self._headers[section]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column (then by row number, then as given); keeps the selection.

        Text is compared in Persian alphabetical order (پ، چ، ژ، گ in their places).
        """
        collate = functools.cmp_to_key(self._collator.compare)
        keys: dict[int, Callable[[Problem], tuple[Any, ...]]] = {
            self.ROW: lambda p: (p.row,),
            self.COLUMN: lambda p: (collate(p.column), p.row),
            self.REASON: lambda p: (collate(p.message), p.row),
        }
        key = keys.get(column)
        if key is None:
            return
        self.layoutAboutToBeChanged.emit()
        order_of = sorted(
            range(len(self._problems)),
            key=lambda i: (*key(self._problems[i]), self._given[i]),
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
        new_row = {old: new for new, old in enumerate(order_of)}
        self._problems = [self._problems[i] for i in order_of]
        self._given = [self._given[i] for i in order_of]
        persistent = self.persistentIndexList()
        self.changePersistentIndexList(
            persistent,
            [self.index(new_row[i.row()], i.column()) for i in persistent],
        )
        self.layoutChanged.emit()


def _problems_view(model: ProblemsModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    apply_roomy_style(view)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    header = view.horizontalHeader()
    header.setSectionResizeMode(ProblemsModel.ROW, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(ProblemsModel.COLUMN, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(ProblemsModel.REASON, QHeaderView.ResizeMode.Stretch)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
    view.setSortingEnabled(True)
    view.sortByColumn(ProblemsModel.ROW, Qt.SortOrder.AscendingOrder)
    return view


def _fit_rows(view: QTableView, rows: int, most: int) -> None:
    """Make ``view`` as tall as its header and ``rows`` rows, but no more than ``most``."""
    shown = max(1, min(rows, most))
    height = view.horizontalHeader().sizeHint().height()
    height += view.verticalHeader().defaultSectionSize() * shown + 2 * view.frameWidth()
    view.setFixedHeight(height)


# -- the import dialog -------------------------------------------------------------------


def supporter_import_spec() -> ImportSpec:
    """Supporters and their network members (app.services.supporters.io)."""
    from app.services.supporters import io as supporter_io

    return ImportSpec(
        title=_tr("ورود پشتیبان‌ها و اعضای شبکه از اکسل"),
        intro=_tr(
            "هر ردیف فایل یک عضو شبکهٔ یک پشتیبان است و ستون‌های پشتیبان در هر ردیف تکرار "
            "می‌شوند (پشتیبان با شمارهٔ مجوز پشتیبانی‌اش شناخته می‌شود)؛ ردیفی که کد ملی عضو "
            "ندارد فقط پشتیبان را ثبت یا به‌روز می‌کند. سطر اول عنوان ستون‌هاست (مثل الگوی "
            "خالی). ردیف‌های دارای ایراد وارد نمی‌شوند و با شمارهٔ ردیف و دلیل گزارش "
            "می‌شوند. اگر فایلی را دو بار وارد کنید، چیزی تکراری ثبت نمی‌شود."
        ),
        template_name=_tr("الگوی-ورود-پشتیبان‌ها.xlsx"),
        summary=_tr(
            "{imported} ردیف وارد شد، {rejected} ردیف رد شد، {already} ردیف از قبل در دفتر بود."
        ),
        records_kind="supporters",
        import_file=lambda session, path, progress: supporter_io.import_file(
            session, path, progress
        ),
        write_template=supporter_io.write_template,
    )


def event_import_spec() -> ImportSpec:
    """Events and their participants (app.services.events.io)."""
    from app.services.events import io as event_io

    return ImportSpec(
        title=_tr("ورود رویدادها و شرکت‌کنندگان از اکسل"),
        intro=_tr(
            "هر ردیف فایل یک شرکت‌کنندهٔ یک رویداد است و ستون‌های رویداد در هر ردیف تکرار "
            "می‌شوند (رویداد با کدش شناخته می‌شود)؛ ردیفی که کد ملی شرکت‌کننده ندارد فقط "
            "رویداد را ثبت یا به‌روز می‌کند. سطر اول عنوان ستون‌هاست (مثل الگوی خالی). "
            "ردیف‌های دارای ایراد وارد نمی‌شوند و با شمارهٔ ردیف و دلیل گزارش می‌شوند. اگر "
            "فایلی را دو بار وارد کنید، چیزی تکراری ثبت نمی‌شود."
        ),
        template_name=_tr("الگوی-ورود-رویدادها.xlsx"),
        summary=_tr(
            "{imported} ردیف وارد شد، {rejected} ردیف رد شد، {already} ردیف از قبل در دفتر بود."
        ),
        records_kind="events",
        import_file=lambda session, path, progress: event_io.import_file(session, path, progress),
        write_template=event_io.write_template,
    )


def export_supporters(ctx: AppContext, parent: QWidget | None) -> None:
    """«خروجی اکسل پشتیبان‌ها…»: every supporter with its members, in the import template."""
    from app.services.supporters import io as supporter_io

    stamp = jalali.format_jalali(jalali.today(), persian_digits=False).replace("/", "-")
    export_to_chosen_file(
        ctx,
        parent,
        lambda session, path, progress: supporter_io.export_file(session, path, progress),
        default_name=_tr("پشتیبان‌ها-{date}.xlsx").format(date=stamp),
        done_text=_tr("{count} ردیف در فایل «{name}» ذخیره شد.\nپوشه: {folder}"),
    )


def export_events(ctx: AppContext, parent: QWidget | None) -> None:
    """«خروجی اکسل رویدادها…»: every event with its participants, in the import template."""
    from app.services.events import io as event_io

    stamp = jalali.format_jalali(jalali.today(), persian_digits=False).replace("/", "-")
    export_to_chosen_file(
        ctx,
        parent,
        lambda session, path, progress: event_io.export_file(session, path, progress),
        default_name=_tr("رویدادها-{date}.xlsx").format(date=stamp),
        done_text=_tr("{count} ردیف در فایل «{name}» ذخیره شد.\nپوشه: {folder}"),
    )


class ImportDialog(QDialog):
    """Imports rows from an .xlsx or .csv file and shows what happened: licences by
    default, or whatever ``spec`` names (supporters, events).

    Tests (and callers that already know the file) use :meth:`set_path` and
    :meth:`start` instead of the file chooser; :attr:`import_result` holds the outcome.
    """

    PAGE_CHOOSE, PAGE_RESULTS = range(2)

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, spec: ImportSpec | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.spec = spec if spec is not None else licence_import_spec()
        self.path: Path | None = None
        self.import_result: ImportResult | None = None
        self._busy = False
        self._task: TaskHandle | None = None
        self._locale = persian_locale()
        self.setWindowTitle(self.spec.title)
        self.setMinimumSize(640, 360)

        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_choose_page())
        self.pages.addWidget(self._build_results_page())

        self.buttons = QDialogButtonBox()
        self.save_report_button = self.buttons.addButton(
            _tr("ذخیره گزارش ردیف‌های ردشده…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.start_button = self.buttons.addButton(
            _tr("شروع"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.close_button = self.buttons.addButton(
            _tr("بستن"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.start_button.setDefault(True)
        self.start_button.setEnabled(False)
        self.save_report_button.hide()
        self.start_button.clicked.connect(self.on_start_button_clicked)
        self.save_report_button.clicked.connect(self.on_save_report_button_clicked)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.buttons)
        self.resize(720, 420)

    def _build_choose_page(self) -> QWidget:
        page = QWidget()
        self.intro_label = QLabel(self.spec.intro)
        self.intro_label.setWordWrap(True)

        self.path_edit = QLineEdit()
        self.path_edit.setReadOnly(True)
        self.path_edit.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.path_edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.path_edit.setPlaceholderText(_tr("هنوز فایلی انتخاب نشده است"))
        self.choose_button = QPushButton(_tr("انتخاب فایل…"))
        self.choose_button.clicked.connect(self.on_choose_button_clicked)
        file_label = QLabel(_tr("فایل:"))
        file_label.setBuddy(self.choose_button)
        file_row = QHBoxLayout()
        file_row.addWidget(file_label)
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.choose_button)

        self.template_button = QPushButton(_tr("دریافت الگوی خالی…"))
        self.template_button.setToolTip(
            _tr("یک فایل اکسل با عنوان همهٔ ستون‌ها و راهنمای هر ستون ذخیره می‌کند.")
        )
        self.template_button.clicked.connect(self.on_template_button_clicked)
        template_row = QHBoxLayout()
        template_row.addWidget(self.template_button)
        template_row.addStretch(1)

        self.message_label = self._message_label()

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.intro_label)
        layout.addSpacing(8)
        layout.addLayout(file_row)
        layout.addLayout(template_row)
        layout.addWidget(self.message_label)
        layout.addStretch(1)
        return page

    def _build_results_page(self) -> QWidget:
        page = QWidget()
        self.file_label = QLabel()
        self.file_label.setTextFormat(Qt.TextFormat.PlainText)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("importSummary")
        self.summary_label.setWordWrap(True)
        bold = QFont(self.summary_label.font())
        bold.setBold(True)
        self.summary_label.setFont(bold)

        self.problems_label = QLabel()
        self.problems_label.setWordWrap(True)
        self.problems_model = ProblemsModel(parent=self)
        self.problems_view = _problems_view(self.problems_model)

        self.warnings_label = QLabel()
        self.warnings_label.setWordWrap(True)
        self.warnings_model = ProblemsModel(warnings=True, parent=self)
        self.warnings_view = _problems_view(self.warnings_model)

        self.report_label = self._message_label()

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.file_label)
        layout.addWidget(self.summary_label)
        layout.addSpacing(4)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.problems_view, 3)
        layout.addWidget(self.warnings_label)
        layout.addWidget(self.warnings_view, 1)
        layout.addWidget(self.report_label)
        return page

    @staticmethod
    def _message_label() -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        label.hide()
        return label

    @staticmethod
    def _show_message(label: QLabel, text: str, *, error: bool = False) -> None:
        label.setStyleSheet(f"color: {ERROR_COLOR};" if error else "")
        label.setText(text)
        label.setVisible(bool(text))

    # -- the API tests and callers use -------------------------------------------------

    def message(self) -> str:
        """What the first step shows under the file ("" if nothing)."""
        return self.message_label.text() if not self.message_label.isHidden() else ""

    def set_path(self, path: Path | str) -> None:
        """Choose the file to import."""
        self.path = Path(path)
        self.path_edit.setText(str(self.path))
        self.path_edit.setToolTip(str(self.path))
        self.start_button.setEnabled(not self._busy)
        self._show_message(self.message_label, "")

    def start(self) -> None:
        """Import the chosen file (in a worker, with a progress dialog and cancel)."""
        path = self.path
        if path is None or self._busy:
            return
        self._set_busy(True)
        self._show_message(self.message_label, "")

        import_file = self.spec.import_file

        def op(session: Session, progress: Progress) -> ImportResult:
            result = import_file(session, path, progress)
            progress.check()  # cancelled after the service's last check: still roll back
            return result

        self._task = self.ctx.run_db_progress(
            op,
            self.on_import_succeeded,
            self.on_import_failed,
            title=self.spec.title,
            parent=self,
        )

    def save_template(self, path: Path | str) -> None:
        """Write the empty import template to ``path`` (in a worker)."""
        destination = Path(path)

        write_template = self.spec.write_template

        def op(_progress: Progress) -> Path:
            return write_template(destination)

        def failed(exc: BaseException) -> None:
            self._file_write_failed(exc, destination, self.message_label)

        self.ctx.runner.run(op, self.on_template_saved, failed, parent=self)

    def save_report(self, path: Path | str) -> None:
        """Write the rejected rows and their reasons to ``path`` (in a worker)."""
        result = self.import_result
        if result is None:
            return
        destination = Path(path)

        def op(_progress: Progress) -> Path:
            return spreadsheet.write_report(result, destination)

        def failed(exc: BaseException) -> None:
            self._file_write_failed(exc, destination, self.report_label)

        self.ctx.runner.run(op, self.on_report_saved, failed, parent=self)

    # -- slots -------------------------------------------------------------------------

    def on_choose_button_clicked(self) -> None:
        """Ask which file to import."""
        folder = self.path.parent if self.path is not None else _documents_folder()
        chosen, _ = QFileDialog.getOpenFileName(
            self, _tr("انتخاب فایل برای ورود"), str(folder), _tr("صفحه‌گسترده (*.xlsx *.csv)")
        )
        if chosen:
            self.set_path(chosen)

    def on_template_button_clicked(self) -> None:
        """Ask where to save the empty template, then write it."""
        folder = self.path.parent if self.path is not None else _documents_folder()
        chosen, selected = QFileDialog.getSaveFileName(
            self,
            _tr("ذخیرهٔ الگوی خالی"),
            str(folder / self.spec.template_name),
            _tr("کتاب اکسل (*.xlsx)"),
        )
        if chosen:
            self.save_template(_with_suffix(chosen, selected, (XLSX_SUFFIX,)))

    def on_start_button_clicked(self) -> None:
        """Start the import."""
        self.start()

    def on_save_report_button_clicked(self) -> None:
        """Ask where to save the report of rejected rows, then write it."""
        folder = self.path.parent if self.path is not None else _documents_folder()
        stem = self.path.stem if self.path is not None else ""
        name = _tr("{name}-ردیف‌های-ردشده.xlsx").format(name=stem).lstrip("-")
        chosen, selected = QFileDialog.getSaveFileName(
            self,
            _tr("ذخیره گزارش ردیف‌های ردشده"),
            str(folder / name),
            _tr("کتاب اکسل (*.xlsx)"),
        )
        if chosen:
            self.save_report(_with_suffix(chosen, selected, (XLSX_SUFFIX,)))

    def on_import_succeeded(self, result: ImportResult) -> None:
        """Show the outcome; tell the screens when licences were added."""
        self._set_busy(False)
        self.import_result = result
        if result.imported > 0:
            self.ctx.signals.sig_records_changed.emit(self.spec.records_kind)
        self._show_results(result)

    def on_import_failed(self, exc: BaseException) -> None:
        """Nothing was imported: say why (cancelled, unreadable file, or a bug)."""
        self._set_busy(False)
        if isinstance(exc, Cancelled):
            self._show_message(self.message_label, _tr("ورود اطلاعات لغو شد؛ چیزی ثبت نشد."))
        elif isinstance(exc, DomainError):
            self._show_message(self.message_label, exc.message, error=True)
        elif (known := describe_environment_error(exc)) is not None:
            self._show_message(self.message_label, known, error=True)
        else:
            self._show_message(
                self.message_label, _tr("ورود اطلاعات انجام نشد؛ چیزی ثبت نشد."), error=True
            )
            show_error(self, exc)

    def on_template_saved(self, path: Path) -> None:
        """Say where the template is."""
        self._show_message(
            self.message_label,
            _tr("الگوی خالی در فایل {path} ذخیره شد.").format(path=isolate_ltr(str(path))),
        )

    def on_report_saved(self, path: Path) -> None:
        """Say where the report is."""
        self._show_message(
            self.report_label,
            _tr("گزارش ردیف‌های ردشده در فایل {path} ذخیره شد.").format(path=isolate_ltr(str(path))),
        )

    def reject(self) -> None:
        """Closing while the import runs cancels it (nothing is imported) instead."""
        if self._busy:
            if self._task is not None:
                self._task.cancel()
            return
        super().reject()

    # -- helpers -----------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        if not busy:
            self._task = None
        self.start_button.setEnabled(not busy and self.path is not None)
        self.choose_button.setEnabled(not busy)
        self.template_button.setEnabled(not busy)

    def _file_write_failed(self, exc: BaseException, path: Path, label: QLabel) -> None:
        message = _write_failed_message(exc, path)
        if message is None:
            show_error(self, exc)
        else:
            self._show_message(label, message, error=True)

    def _count(self, value: int) -> str:
        return self._locale.toString(value)

    def _show_results(self, result: ImportResult) -> None:
        if self.path is not None:
            # First-strong isolate: a Persian name reads right to left, a Latin one left to right.
            name = f"{FSI}{self.path.name}{PDI}"
            self.file_label.setText(_tr("فایل: {name}").format(name=name))
        self.summary_label.setText(
            self.spec.summary.format(
                imported=self._count(result.imported),
                rejected=self._count(result.rejected),
                already=self._count(result.already_present),
            )
        )
        self.problems_model.set_problems(result.problems)
        self.problems_view.sortByColumn(ProblemsModel.ROW, Qt.SortOrder.AscendingOrder)
        if result.problems:
            self.problems_label.setText(
                _tr("ردیف‌های ردشده (وارد نشدند؛ آن‌ها را در فایل درست کنید و دوباره وارد کنید):")
            )
        else:
            self.problems_label.setText(_tr("هیچ ردیفی رد نشد."))
        self.problems_view.setVisible(bool(result.problems))
        self.warnings_model.set_problems(result.warnings)
        self.warnings_view.sortByColumn(ProblemsModel.ROW, Qt.SortOrder.AscendingOrder)
        self.warnings_label.setText(
            _tr("هشدارها ({count}): این ردیف‌ها وارد شدند، ولی بهتر است بررسی شوند:").format(
                count=self._count(len(result.warnings))
            )
        )
        _fit_rows(self.warnings_view, len(result.warnings), WARNING_ROWS_SHOWN)
        self.warnings_label.setVisible(bool(result.warnings))
        self.warnings_view.setVisible(bool(result.warnings))
        self._show_message(self.report_label, "")
        self.save_report_button.show()
        self.save_report_button.setEnabled(result.rejected > 0)
        self.start_button.hide()
        self.close_button.setDefault(True)
        self.pages.setCurrentIndex(self.PAGE_RESULTS)
        self.close_button.setFocus()


# -- export ------------------------------------------------------------------------------


def is_filtered(flt: RegisterFilter) -> bool:
    """True if ``flt`` narrows the register (its sort order alone does not)."""
    default = RegisterFilter()
    return replace(flt, sort=default.sort, descending=default.descending) != default


def default_export_name() -> str:
    """«مجوزها-1405-03-12.xlsx»: today's Jalali date, ASCII digits and dashes."""
    stamp = jalali.format_jalali(jalali.today(), persian_digits=False).replace("/", "-")
    return _tr("مجوزها-{date}.xlsx").format(date=stamp)


def ask_export_scope(parent: QWidget | None, shown: int, total: int) -> bool | None:
    """Ask whether to export only the licences the filter shows (True), all (False).

    None if the clerk cancelled. A module function so that tests replace it.
    """
    locale = persian_locale()
    box = QMessageBox(
        QMessageBox.Icon.Question,
        _tr("خروجی اکسل"),
        _tr(
            "دفتر اکنون با فیلتر {shown} مجوز از {total} مجوز را نشان می‌دهد. "
            "کدام را در فایل ذخیره کنیم؟"
        ).format(shown=locale.toString(shown), total=locale.toString(total)),
        QMessageBox.StandardButton.NoButton,
        parent,
    )
    only = box.addButton(
        _tr("فقط {count} مجوز فیلترشده").format(count=locale.toString(shown)),
        QMessageBox.ButtonRole.YesRole,
    )
    every = box.addButton(
        _tr("همهٔ {count} مجوز").format(count=locale.toString(total)),
        QMessageBox.ButtonRole.NoRole,
    )
    cancel = box.addButton(_tr("انصراف"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(only)
    box.setEscapeButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    box.deleteLater()
    if clicked is only:
        return True
    if clicked is every:
        return False
    return None


#: A service export: writes rows to the path (xlsx or csv), returns how many.
Exporter = Callable[[Session, Path, Progress], int]


def write_export(
    session: Session, destination: Path, flt: RegisterFilter | None, progress: Progress
) -> int:
    """Export the register (or what ``flt`` shows) to ``destination`` safely
    (see :func:`write_export_with`). Returns the licences written."""

    def export(session: Session, path: Path, progress: Progress) -> int:
        return spreadsheet.export_file(session, path, flt, progress)

    return write_export_with(session, destination, export, progress)


def write_export_with(
    session: Session, destination: Path, export: Exporter, progress: Progress
) -> int:
    """Export to a temporary file beside ``destination``, then move it in place.

    A cancelled or failed export leaves ``destination`` as it was (an earlier file of
    that name included) and no temporary file behind. Returns the rows written.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        prefix=".daftar-export-", suffix=destination.suffix, dir=destination.parent
    )
    os.close(handle)
    temporary = Path(name)
    try:
        written = export(session, temporary, progress)
        progress.check()  # cancelled during the last rows: still nothing written
        os.replace(temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)
    return written


def export_register(
    ctx: AppContext, parent: QWidget | None, flt: RegisterFilter | None = None
) -> None:
    """«خروجی اکسل…»: export the register (or what ``flt`` shows) to a file the clerk picks.

    When ``flt`` narrows the register the clerk chooses between those licences and all
    of them; then a file (xlsx or csv); the export runs in a worker with progress and
    cancel, and the clerk is told how many licences were written where.
    """
    if flt is None or not is_filtered(flt):
        _export_to_chosen_file(ctx, parent, None)
        return
    narrowed = flt

    def op(session: Session) -> tuple[int, int]:
        return register.count(session, narrowed), register.count(session, RegisterFilter())

    def counted(counts: tuple[int, int]) -> None:
        shown, total = counts
        if shown == total:
            _export_to_chosen_file(ctx, parent, None)
            return
        only_shown = ask_export_scope(parent, shown, total)
        if only_shown is not None:
            _export_to_chosen_file(ctx, parent, narrowed if only_shown else None)

    ctx.run_db(op, counted, parent=parent)


def _export_to_chosen_file(
    ctx: AppContext, parent: QWidget | None, flt: RegisterFilter | None
) -> None:
    def export(session: Session, path: Path, progress: Progress) -> int:
        return spreadsheet.export_file(session, path, flt, progress)

    export_to_chosen_file(
        ctx,
        parent,
        export,
        default_name=default_export_name(),
        done_text=_tr("{count} مجوز در فایل «{name}» ذخیره شد.\nپوشه: {folder}"),
    )


def export_to_chosen_file(
    ctx: AppContext,
    parent: QWidget | None,
    export: Exporter,
    *,
    default_name: str,
    done_text: str,
) -> None:
    """Ask for a file (xlsx or csv), export to it in a worker with progress and cancel,
    then say how many rows were written where (``done_text`` takes {count}, {name},
    {folder}). Used by the register, the supporters and the events screens."""
    title = _tr("خروجی اکسل")
    chosen, selected = QFileDialog.getSaveFileName(
        parent,
        title,
        str(_documents_folder() / default_name),
        _tr("کتاب اکسل (*.xlsx);;CSV با کدگذاری UTF-8 (*.csv)"),
    )
    if not chosen:
        return
    destination = _with_suffix(chosen, selected, (XLSX_SUFFIX, CSV_SUFFIX))

    def op(session: Session, progress: Progress) -> int:
        return write_export_with(session, destination, export, progress)

    def succeeded(written: int) -> None:
        messages.inform(
            parent,
            title,
            done_text.format(
                count=persian_locale().toString(written),
                name=destination.name,
                folder=isolate_ltr(str(destination.parent)),
            ),
        )

    def failed(exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            messages.inform(parent, title, _tr("خروجی گرفتن لغو شد؛ فایلی نوشته نشد."))
            return
        message = None if isinstance(exc, DomainError) else _write_failed_message(exc, destination)
        window = parent.window() if parent is not None else None
        show_error(window, DomainError(message) if message is not None else exc)

    ctx.run_db_progress(op, succeeded, failed, title=title, parent=parent)
