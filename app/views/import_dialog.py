"""The import dialog: importing a spreadsheet of any kind, in the GUI.

:class:`ImportDialog` walks the clerk through an import of one kind
(:class:`app.services.spreadsheet.kind.SheetKind`: licences by default, supporters and
events from their menu entries): (1) the kind's explanation, a file chooser and its empty
template; (2) the kind's import in a worker (``ctx.run_op_progress``), with a progress
dialog whose cancel rolls the whole import back; once it has committed, the screens of
the kinds of records it changed refresh; (3) the outcome: a summary line, the rejected
rows (row, column, reason), the warnings, and a report of the rejected rows to save.

Exports are :mod:`app.views.sheet_export`. Reading, validating and writing spreadsheets is
the services' work; this module only asks for files, runs the service off the GUI thread
and shows its outcome.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.core.progress import Cancelled, Progress
from app.services.sheet_kinds import LICENCES
from app.services.spreadsheet.exporter import write_report
from app.services.spreadsheet.importer import ImportResult
from app.services.spreadsheet.kind import SheetKind
from app.views.bootstrap import persian_locale
from app.views.context import AppContext
from app.views.errors import describe_environment_error, show_error
from app.views.import_problems import ProblemsModel, fit_rows, problems_view
from app.views.sheet_export import XLSX_SUFFIX, documents_folder, with_suffix, write_failed_message
from app.views.widgets.form import ERROR_COLOR
from app.views.worker import TaskHandle
from common.errors import DomainError
from common.text import PDI, isolate_ltr

__all__ = ["ImportDialog", "ProblemsModel"]

#: The warnings table is at most this many rows tall (it scrolls beyond).
WARNING_ROWS_SHOWN = 4
FSI = "\u2068"


def _tr(text: str) -> str:
    return QCoreApplication.translate("ImportDialog", text)


class ImportDialog(QDialog):
    """Imports rows of ``kind`` (licences by default; supporters, events, …) from an
    .xlsx or .csv file and shows what happened.

    Tests (and callers that already know the file) use :meth:`set_path` and
    :meth:`start` instead of the file chooser; :attr:`import_result` holds the outcome.
    """

    PAGE_CHOOSE, PAGE_RESULTS = range(2)

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, kind: SheetKind = LICENCES
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.kind = kind
        self.title = _tr(kind.import_title)
        self.path: Path | None = None
        self.import_result: ImportResult | None = None
        self._busy = False
        self._task: TaskHandle | None = None
        self._locale = persian_locale()
        self.setWindowTitle(self.title)
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
        self.intro_label = QLabel(_tr(self.kind.intro))
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
        self.problems_view = problems_view(self.problems_model)

        self.warnings_label = QLabel()
        self.warnings_label.setWordWrap(True)
        self.warnings_model = ProblemsModel(warnings=True, parent=self)
        self.warnings_view = problems_view(self.warnings_model)

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

        kind = self.kind

        def op(session: Session, progress: Progress) -> ImportResult:
            result = kind.import_file(session, path, progress)
            progress.check()  # cancelled after the service's last check: still roll back
            return result

        self._task = self.ctx.run_op_progress(
            op,
            self.on_import_succeeded,
            self.on_import_failed,
            title=self.title,
            parent=self,
        )

    def save_template(self, path: Path | str) -> None:
        """Write the empty import template to ``path`` (in a worker)."""
        destination = Path(path)

        write_template = self.kind.write_template

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
            return write_report(result, destination)

        def failed(exc: BaseException) -> None:
            self._file_write_failed(exc, destination, self.report_label)

        self.ctx.runner.run(op, self.on_report_saved, failed, parent=self)

    def template_name(self) -> str:
        """The template's suggested file name: «الگوی-ورود-مجوزها.xlsx»."""
        return _tr("الگوی-ورود-{records}.xlsx").format(records=_tr(self.kind.plural))

    # -- slots -------------------------------------------------------------------------

    def on_choose_button_clicked(self) -> None:
        """Ask which file to import."""
        folder = self.path.parent if self.path is not None else documents_folder()
        chosen, _ = QFileDialog.getOpenFileName(
            self, _tr("انتخاب فایل برای ورود"), str(folder), _tr("صفحه‌گسترده (*.xlsx *.csv)")
        )
        if chosen:
            self.set_path(chosen)

    def on_template_button_clicked(self) -> None:
        """Ask where to save the empty template, then write it."""
        folder = self.path.parent if self.path is not None else documents_folder()
        chosen, selected = QFileDialog.getSaveFileName(
            self,
            _tr("ذخیرهٔ الگوی خالی"),
            str(folder / self.template_name()),
            _tr("کتاب اکسل (*.xlsx)"),
        )
        if chosen:
            self.save_template(with_suffix(chosen, selected, (XLSX_SUFFIX,)))

    def on_start_button_clicked(self) -> None:
        """Start the import."""
        self.start()

    def on_save_report_button_clicked(self) -> None:
        """Ask where to save the report of rejected rows, then write it."""
        folder = self.path.parent if self.path is not None else documents_folder()
        stem = self.path.stem if self.path is not None else ""
        name = _tr("{name}-ردیف‌های-ردشده.xlsx").format(name=stem).lstrip("-")
        chosen, selected = QFileDialog.getSaveFileName(
            self,
            _tr("ذخیره گزارش ردیف‌های ردشده"),
            str(folder / name),
            _tr("کتاب اکسل (*.xlsx)"),
        )
        if chosen:
            self.save_report(with_suffix(chosen, selected, (XLSX_SUFFIX,)))

    def on_import_succeeded(self, result: ImportResult) -> None:
        """Show the outcome (run_op_progress has told the screens what changed)."""
        self._set_busy(False)
        self.import_result = result
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
        message = write_failed_message(exc, path)
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
            _tr(
                "{imported} {unit} وارد شد، {rejected} ردیف رد شد، "
                "{already} ردیف از قبل در دفتر بود."
            ).format(
                unit=_tr(self.kind.unit),
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
        fit_rows(self.warnings_view, len(result.warnings), WARNING_ROWS_SHOWN)
        self.warnings_label.setVisible(bool(result.warnings))
        self.warnings_view.setVisible(bool(result.warnings))
        self._show_message(self.report_label, "")
        self.save_report_button.show()
        self.save_report_button.setEnabled(result.rejected > 0)
        self.start_button.hide()
        self.close_button.setDefault(True)
        self.pages.setCurrentIndex(self.PAGE_RESULTS)
        self.close_button.setFocus()
