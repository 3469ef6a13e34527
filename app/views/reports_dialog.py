"""«گزارش‌ها ← گزارش دوره‌ای…»: choose a Jalali month, quarter (فصل) or year, see the
report's pages, save it as PDF or Excel.

The report is counted and its PDF drawn off the GUI thread (``ctx.run_op_progress``: a
progress dialog with «لغو» for a province office's long report); the pages are shown by
QPdfView, which renders only the pages in sight. Saving runs the service's
``write_report`` (the same as ``daftar report``), also off the GUI thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QMargins, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.core.progress import Progress
from app.services.reports.service import ReportPreview, preview_report, write_report
from app.views.bootstrap import persian_locale
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.worker import TaskHandle
from common import jalali
from common.periods import QUARTER_NAMES, Period, current_month
from common.reports import Report, fa_count, report_totals
from common.text import isolate_ltr

#: Around the pages of the preview (as the certificate preview).
PREVIEW_BACKGROUND = "#6b7078"


def _tr(text: str) -> str:
    return QCoreApplication.translate("ReportsDialog", text)


class ReportsDialog(QDialog):
    """The period chooser, the report's pages, «ذخیره PDF…» and «ذخیره اکسل…»."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.preview: ReportPreview | None = None
        self.task: TaskHandle | None = None
        self.saved_path: Path | None = None
        self.setWindowTitle(_tr("گزارش دوره‌ای"))
        self._data = QByteArray()
        self._buffer: QBuffer | None = None
        self.document = QPdfDocument(self)
        self._build()
        default = current_month().previous()
        self.year_spin.setValue(default.year)
        self.part_combo.setCurrentIndex(default.index - 1)

    def _build(self) -> None:
        self.kind_combo = QComboBox()
        kinds = ((_tr("ماهانه"), "month"), (_tr("فصلی"), "quarter"), (_tr("سالانه"), "year"))
        for text, kind in kinds:
            self.kind_combo.addItem(text, kind)
        self.year_spin = QSpinBox()
        self.year_spin.setLocale(persian_locale())
        self.year_spin.setGroupSeparatorShown(False)
        self.year_spin.setRange(jalali.MIN_YEAR + 90, jalali.MAX_YEAR - 80)
        self.part_combo = QComboBox()
        self._fill_parts("month")
        self.show_button = QPushButton(_tr("نمایش گزارش"))
        self.show_button.setDefault(True)
        self.save_pdf_button = QPushButton(_tr("ذخیره PDF…"))
        self.save_xlsx_button = QPushButton(_tr("ذخیره اکسل…"))
        self.close_button = QPushButton(_tr("بستن"))
        for button in (self.save_pdf_button, self.save_xlsx_button, self.close_button):
            button.setAutoDefault(False)
        self.summary_label = QLabel(_tr("دوره را انتخاب کنید و «نمایش گزارش» را بزنید."))
        self.summary_label.setWordWrap(True)
        self.summary_label.setObjectName("reportSummary")

        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(12)
        self.view.setDocumentMargins(QMargins(12, 12, 12, 12))
        palette = self.view.palette()
        palette.setColor(QPalette.ColorRole.Dark, QColor(PREVIEW_BACKGROUND))
        self.view.setPalette(palette)
        self.view.viewport().setLayoutDirection(Qt.LayoutDirection.LeftToRight)

        top = QHBoxLayout()
        choosers: tuple[tuple[str, QWidget], ...] = (
            (_tr("گزارش:"), self.kind_combo),
            (_tr("سال:"), self.year_spin),
            (_tr("دوره:"), self.part_combo),
        )
        for caption, widget in choosers:
            label = QLabel(caption)
            label.setBuddy(widget)
            top.addWidget(label)
            top.addWidget(widget)
        top.addWidget(self.show_button)
        top.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.save_pdf_button)
        bottom.addWidget(self.save_xlsx_button)
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.view, 1)
        layout.addLayout(bottom)
        self.resize(980, 780)
        self._set_ready(False)

        self.kind_combo.currentIndexChanged.connect(self.on_kind_combo_changed)
        self.year_spin.valueChanged.connect(self.on_period_changed)
        self.part_combo.currentIndexChanged.connect(self.on_period_changed)
        self.show_button.clicked.connect(self.on_show_button_clicked)
        self.save_pdf_button.clicked.connect(self.on_save_pdf_button_clicked)
        self.save_xlsx_button.clicked.connect(self.on_save_xlsx_button_clicked)
        self.close_button.clicked.connect(self.reject)

    def _fill_parts(self, kind: str) -> None:
        self.part_combo.blockSignals(True)
        self.part_combo.clear()
        if kind == "month":
            for index, name in enumerate(jalali.JALALI_MONTH_NAMES, start=1):
                self.part_combo.addItem(name, index)
        elif kind == "quarter":
            for index, name in enumerate(QUARTER_NAMES, start=1):
                self.part_combo.addItem(_tr("فصل {name}").format(name=name), index)
        self.part_combo.setEnabled(kind != "year")
        self.part_combo.blockSignals(False)

    def _set_ready(self, ready: bool) -> None:
        self.save_pdf_button.setEnabled(ready)
        self.save_xlsx_button.setEnabled(ready)

    def period(self) -> Period:
        """The period the choosers name."""
        kind = str(self.kind_combo.currentData())
        index = int(self.part_combo.currentData() or 0) if kind != "year" else 0
        return Period(kind, self.year_spin.value(), index)  # type: ignore[arg-type]

    # -- slots ------------------------------------------------------------------------

    def on_kind_combo_changed(self, _index: int) -> None:
        """Months, quarters or nothing to choose in the year."""
        self._fill_parts(str(self.kind_combo.currentData()))
        self.on_period_changed()

    def on_period_changed(self, *_args: object) -> None:
        """Another period: the pages shown are no longer its report."""
        if self.preview is not None and self.preview.report.period != self.period():
            self._set_ready(False)
            self.summary_label.setText(_tr("دوره عوض شد؛ «نمایش گزارش» را بزنید."))

    def on_show_button_clicked(self) -> None:
        """Count and draw the report off the GUI thread (cancellable), then show it."""
        period = self.period()

        def op(session: Session, progress: Progress) -> ReportPreview:
            return preview_report(session, period, progress)

        self.show_button.setEnabled(False)
        self.summary_label.setText(_tr("در حال تهیهٔ گزارش {label}…").format(label=period.label))
        self.task = self.ctx.run_op_progress(
            op,
            self.on_preview_ready,
            self.on_preview_failed,
            title=_tr("تهیهٔ گزارش"),
            parent=self,
        )

    def on_preview_ready(self, preview: ReportPreview) -> None:
        """Show the report's pages."""
        self.show_button.setEnabled(True)
        self.preview = preview
        self.document.close()
        self._data = QByteArray(preview.pdf)
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.deleteLater()
        self._buffer = QBuffer(self._data, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        self.summary_label.setText(_summary(preview.report, self.document.pageCount()))
        self._set_ready(self.period() == preview.report.period)

    def on_preview_failed(self, exc: BaseException) -> None:
        """Cancelled or failed: say so (a cancel is not an error)."""
        from app.services.core.progress import Cancelled

        self.show_button.setEnabled(True)
        if isinstance(exc, Cancelled):
            self.summary_label.setText(_tr("تهیهٔ گزارش لغو شد."))
            return
        self.summary_label.setText("")
        show_error(self, exc)

    def on_save_pdf_button_clicked(self) -> None:
        self._save(".pdf", _tr("سند PDF (*.pdf)"))

    def on_save_xlsx_button_clicked(self) -> None:
        self._save(".xlsx", _tr("کاربرگ اکسل (*.xlsx)"))

    def _save(self, suffix: str, file_filter: str) -> None:
        if self.preview is None:
            return
        period = self.preview.report.period
        name = f"{_tr('گزارش')}-{period.code.replace('/', '-')}{suffix}"
        chosen, _ = QFileDialog.getSaveFileName(self, _tr("ذخیرهٔ گزارش"), name, file_filter)
        if chosen:
            path = Path(chosen)
            if path.suffix.lower() != suffix:
                path = path.with_name(path.name + suffix)
            self.save_to(path)

    def save_to(self, path: Path) -> TaskHandle:
        """Write the shown period's report to ``path`` off the GUI thread."""
        period = self.period() if self.preview is None else self.preview.report.period

        def op(session: Session, progress: Progress) -> Report:
            return write_report(session, period, path, progress=progress)

        def saved(_report: Report) -> None:
            self.saved_path = path
            self.summary_label.setText(
                _tr("گزارش در فایل «{name}» ذخیره شد. پوشه: {folder}").format(
                    name=isolate_ltr(path.name), folder=isolate_ltr(str(path.parent))
                )
            )

        def failed(exc: BaseException) -> None:
            show_error(self, exc)

        return self.ctx.run_op_progress(op, saved, failed, title=_tr("ذخیرهٔ گزارش"), parent=self)


def _summary(report: Report, pages: int) -> str:
    totals = report_totals(report)
    return _tr(
        "{label}: {issued} مجوز صادرشده، {active} مجوز فعال در پایان دوره، "
        "{supporters} پشتیبان با {members} عضو فعال — {pages} صفحه."
    ).format(
        label=report.period.label,
        issued=fa_count(totals["issued"]),
        active=fa_count(totals["active"]),
        supporters=fa_count(totals["supporters"]),
        members=fa_count(totals["members"]),
        pages=fa_count(pages),
    )
