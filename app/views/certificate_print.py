"""Printing licence certificates: issue in a worker, preview, print, save as PDF.

:func:`print_licence_certificates` is the one way the GUI prints certificates: it asks
:meth:`CertificateService.printable` which licences may get one (a batch with suspended,
revoked or expired licences asks whether to skip them), issues the certificates with
:meth:`CertificateService.licence_certificates` in a worker with progress and cancel (a
cancelled batch logs nothing: the log is written in the same transaction; the screens
hear of the new history lines from the unit of work) and opens
:class:`CertificatePreviewDialog`.

The preview shows the PDF's pages with QtPdf (no external viewer): :class:`QPdfView`
renders only the pages in sight, so a batch of 1,000 pages opens at once. «چاپ…» asks
for a printer (any printer the system has, or a PDF file) and :class:`PagePrinter`
paints the pages onto it, a few at a time between events, behind a progress dialog with
cancel. Printing the whole document to a PDF file writes the certificate PDF itself (text,
fonts and the embedded QR payloads intact); «ذخیره PDF…» does the same through a
temporary file that replaces the destination only when complete.

:class:`IssuedSinceDialog` picks a date for «چاپ گروهی از تاریخ…» and shows how many
certificates the batch will hold before anything is printed.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QIODevice,
    QMargins,
    QMarginsF,
    QObject,
    QPointF,
    QRectF,
    QSize,
    QStandardPaths,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QCloseEvent, QColor, QPageLayout, QPageSize, QPainter, QPalette
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.certificates.service import CertificateService, IssuedCertificate, PrintCheck
from app.services.core.progress import Cancelled, Progress
from app.views.bootstrap import persian_locale
from app.views.context import AppContext
from app.views.errors import describe_environment_error, show_error
from app.views.widgets import messages
from app.views.widgets.jalali_date_edit import JalaliDateEdit
from app.views.worker import TaskHandle
from common import jalali
from common.errors import DomainError
from common.text import isolate_ltr, to_persian_digits

log = logging.getLogger("daftar.gui")

PDF_SUFFIX = ".pdf"
#: Pages are rendered for the printer at its resolution, but never finer than this.
MAX_PRINT_DPI = 300
#: Printing paints pages for at most this long before letting events through.
PRINT_SLICE_S = 0.05
#: The progress dialog of printing appears only for jobs lasting longer than this.
PRINT_PROGRESS_DELAY_MS = 400
#: «چاپ گروهی از تاریخ…» proposes the licences issued in the last week.
DEFAULT_BATCH_DAYS = 7
#: Around the pages of the preview.
PREVIEW_BACKGROUND = "#6b7078"


def _tr(text: str) -> str:
    return QCoreApplication.translate("CertificatePrint", text)


def _number(value: int) -> str:
    return persian_locale().toString(value)


def _documents_folder() -> Path:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(folder) if folder else Path.home()


def write_file_atomically(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, then move it into place."""
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".daftar-", suffix=PDF_SUFFIX, dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def _write_error(exc: BaseException, path: Path) -> BaseException:
    """A DomainError in Persian for a file that could not be written (or ``exc``)."""
    if not isinstance(exc, OSError):
        return exc
    known = describe_environment_error(exc)
    return DomainError(
        known
        or _tr("فایل «{name}» نوشته نشد: {reason}\nپوشه: {folder}").format(
            name=isolate_ltr(path.name),
            reason=exc.strerror or str(exc),
            folder=isolate_ltr(str(path.parent)),
        )
    )


# -- printing pages onto a QPrinter ------------------------------------------------------------


def configure_printer(printer: QPrinter, title: str) -> QPrinter:
    """A4 landscape, the whole sheet (the certificate has its own margins)."""
    printer.setDocName(title)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Landscape)
    printer.setFullPage(True)
    printer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    return printer


def ask_printer(parent: QWidget | None, page_count: int, title: str) -> QPrinter | None:
    """Ask which printer (or PDF file), pages and copies; None if the clerk cancels.

    A module function so that tests replace it instead of driving the modal dialog.
    """
    printer = configure_printer(QPrinter(QPrinter.PrinterMode.HighResolution), title)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(_tr("چاپ گواهی‌نامه"))
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, True)
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintToFile, True)
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintSelection, False)
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintCurrentPage, False)
    dialog.setMinMax(1, max(1, page_count))
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    dialog.deleteLater()
    return printer if accepted else None


def pages_to_print(printer: QPrinter, page_count: int) -> list[int]:
    """The page indexes (0-based) to paint, in order: range, copies and order of the dialog.

    Copies are painted here only when the printer cannot make them itself.
    """
    pages = list(range(page_count))
    ranges = printer.pageRanges()
    if printer.printRange() == QPrinter.PrintRange.PageRange and not ranges.isEmpty():
        pages = [page for page in pages if ranges.contains(page + 1)]
    if printer.pageOrder() == QPrinter.PageOrder.LastPageFirst:
        pages.reverse()
    copies = 1 if printer.supportsMultipleCopies() else max(1, printer.copyCount())
    if copies > 1:
        if printer.collateCopies():
            pages = pages * copies
        else:
            pages = [page for page in pages for _ in range(copies)]
    return pages


def _whole_document_to_pdf(printer: QPrinter, page_count: int) -> Path | None:
    """The PDF file ``printer`` writes, if it is asked for the whole document once."""
    if printer.outputFormat() != QPrinter.OutputFormat.PdfFormat:
        return None
    if not printer.outputFileName():
        return None
    return (
        Path(printer.outputFileName())
        if pages_to_print(printer, page_count) == list(range(page_count))
        else None
    )


class PagePrinter(QObject):
    """Paints pages of a QPdfDocument onto a QPrinter, a slice at a time, with cancel.

    Each page is rendered to an image at the printer's resolution (at most
    :data:`MAX_PRINT_DPI`), drawn over the whole sheet (aspect kept, centred) and
    dropped: memory holds one page image, whatever the batch. Between slices of
    :data:`PRINT_SLICE_S` the event loop runs, so the window stays responsive and the
    progress dialog's «لغو» works.
    """

    #: The job ended: True if every page was sent to the printer.
    sig_print_finished = Signal(bool)

    def __init__(
        self,
        document: QPdfDocument,
        printer: QPrinter,
        pages: Sequence[int],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.printer = printer
        self.pages = list(pages)
        self.done = 0
        self.finished = False
        self.completed = False
        self._widget = parent
        self._painter = QPainter()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.on_timer_timeout)
        self.progress_dialog: QProgressDialog | None = None

    def start(self) -> bool:
        """Begin painting (returns at once); False if the printer could not be opened."""
        if not self.pages:
            self._finish(True)
            return True
        if not self._painter.begin(self.printer):
            self.finished = True
            return False
        window = self._widget.window() if self._widget is not None else None
        dialog = QProgressDialog(_tr("در حال چاپ…"), _tr("لغو"), 0, len(self.pages), window)
        dialog.setWindowTitle(_tr("چاپ گواهی‌نامه"))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAutoReset(False)
        dialog.setAutoClose(False)
        dialog.setMinimumDuration(PRINT_PROGRESS_DELAY_MS)
        dialog.canceled.connect(self.cancel)
        self.progress_dialog = dialog
        self._timer.start()
        return True

    def on_timer_timeout(self) -> None:
        """Paint the next slice of pages, then yield to the event loop."""
        if self.finished:
            return
        deadline = time.monotonic() + PRINT_SLICE_S
        try:
            while self.done < len(self.pages):
                if self.done > 0 and not self.printer.newPage():
                    raise DomainError(_tr("چاپگر صفحهٔ تازه را نپذیرفت؛ چاپ نیمه‌کاره ماند."))
                self._paint(self.pages[self.done])
                self.done += 1
                if time.monotonic() >= deadline:
                    break
        except Exception as exc:
            log.exception("printing stopped at page %d of %d", self.done + 1, len(self.pages))
            self._timer.stop()
            if self._painter.isActive():
                self.printer.abort()
                self._painter.end()
                self._remove_partial_file()
            self._finish(False)
            show_error(self._widget.window() if self._widget is not None else None, exc)
            return
        if self.progress_dialog is not None:
            self.progress_dialog.setValue(self.done)
            self.progress_dialog.setLabelText(
                _tr("چاپ صفحهٔ {done} از {total}").format(
                    done=_number(self.done), total=_number(len(self.pages))
                )
            )
        if self.done < len(self.pages):
            self._timer.start()
            return
        ok = self._painter.end()
        self._finish(ok)

    def _paint(self, page: int) -> None:
        size = self.document.pagePointSize(page)
        if size.isEmpty():
            return
        dpi = min(self.printer.resolution(), MAX_PRINT_DPI)
        image = self.document.render(
            page, QSize(round(size.width() * dpi / 72), round(size.height() * dpi / 72))
        )
        sheet = QRectF(0, 0, self.printer.width(), self.printer.height())
        scale = min(sheet.width() / size.width(), sheet.height() / size.height())
        width, height = size.width() * scale, size.height() * scale
        target = QRectF(
            sheet.x() + (sheet.width() - width) / 2,
            sheet.y() + (sheet.height() - height) / 2,
            width,
            height,
        )
        self._painter.drawImage(target, image)

    def cancel(self) -> None:
        """Stop after the page being painted; the printer discards the job."""
        if self.finished:
            return
        self._timer.stop()
        if self._painter.isActive():
            self.printer.abort()
            self._painter.end()
            self._remove_partial_file()
        self._finish(False)

    def _remove_partial_file(self) -> None:
        """A PDF file cut short is not the document: leave none behind."""
        name = self.printer.outputFileName()
        if self.printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and name:
            try:
                Path(name).unlink(missing_ok=True)
            except OSError as exc:
                log.warning("could not remove the cancelled print file %s: %s", name, exc)

    def _finish(self, completed: bool) -> None:
        self.finished = True
        self.completed = completed
        dialog, self.progress_dialog = self.progress_dialog, None
        if dialog is not None:
            dialog.canceled.disconnect(self.cancel)
            dialog.reset()
            dialog.deleteLater()
        self.sig_print_finished.emit(completed)


# -- the preview -------------------------------------------------------------------------------


def _summary(issued: Sequence[IssuedCertificate]) -> str:
    if not issued:
        return ""
    copies = sum(1 for item in issued if item.duplicate)
    if len(issued) == 1:
        text = _tr("گواهی‌نامه با شماره {serial} صادر و در دفتر ثبت شد.").format(
            serial=isolate_ltr(issued[0].serial)
        )
        if copies:
            text += " " + _tr("این چاپ «المثنی» است.")
        return text
    text = _tr("{count} گواهی‌نامه صادر و در دفتر ثبت شد (شماره‌های {first} تا {last}).").format(
        count=_number(len(issued)),
        first=isolate_ltr(issued[0].serial),
        last=isolate_ltr(issued[-1].serial),
    )
    if copies:
        text += " " + _tr("{count} مورد «المثنی» است.").format(count=_number(copies))
    return text


class CertificatePreviewDialog(QDialog):
    """The pages of a certificate PDF, with «چاپ…», «ذخیره PDF…» and «بستن».

    The PDF is read from memory: the bytes, the QByteArray and the QBuffer the
    QPdfDocument reads from all live as long as the dialog.
    """

    #: A print job ended: True if every page was sent to the printer.
    sig_print_finished = Signal(bool)

    ZOOM_FIT_WIDTH = 0
    ZOOM_FIT_PAGE = 1

    def __init__(
        self,
        pdf: bytes,
        title: str,
        parent: QWidget | None = None,
        *,
        issued: Sequence[IssuedCertificate] = (),
        file_name: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.pdf_bytes = pdf
        self.title = title
        self.file_name = file_name or _default_file_name(issued)
        self.print_job: PagePrinter | None = None
        self.saved_path: Path | None = None
        self.setWindowTitle(title)
        self._data = QByteArray(pdf)
        self._buffer = QBuffer(self._data, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self._buffer)
        self._build(issued)
        self._update_pages()

    def _build(self, issued: Sequence[IssuedCertificate]) -> None:
        self.summary_label = QLabel(_summary(issued))
        self.summary_label.setWordWrap(True)
        self.summary_label.setVisible(bool(issued))

        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        self.view.setPageSpacing(12)
        self.view.setDocumentMargins(QMargins(12, 12, 12, 12))
        # QPdfView paints around the pages with the palette's Dark brush: a grey desk.
        palette = self.view.palette()
        palette.setColor(QPalette.ColorRole.Dark, QColor(PREVIEW_BACKGROUND))
        self.view.setPalette(palette)
        # Pages read left to right like the paper; the scroll bar stays on the side the
        # rest of the application puts it.
        self.view.viewport().setLayoutDirection(Qt.LayoutDirection.LeftToRight)

        self.page_spin = QSpinBox()
        self.page_spin.setLocale(persian_locale())
        self.page_spin.setMinimum(1)
        self.page_spin.setAccelerated(True)
        self.page_count_label = QLabel()
        self.zoom_combo = QComboBox()
        self.zoom_combo.addItem(_tr("کل صفحه"), self.ZOOM_FIT_PAGE)
        self.zoom_combo.addItem(_tr("هم‌عرض پنجره"), self.ZOOM_FIT_WIDTH)

        self.print_button = QPushButton(_tr("چاپ…"))
        self.print_button.setDefault(True)
        self.save_button = QPushButton(_tr("ذخیره PDF…"))
        self.close_button = QPushButton(_tr("بستن"))
        for button in (self.print_button, self.save_button, self.close_button):
            button.setAutoDefault(False)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        bar = QHBoxLayout()
        bar.addWidget(self.print_button)
        bar.addWidget(self.save_button)
        bar.addSpacing(16)
        page_label = QLabel(_tr("صفحه"))
        page_label.setBuddy(self.page_spin)
        bar.addWidget(page_label)
        bar.addWidget(self.page_spin)
        bar.addWidget(self.page_count_label)
        bar.addSpacing(16)
        zoom_label = QLabel(_tr("اندازه:"))
        zoom_label.setBuddy(self.zoom_combo)
        bar.addWidget(zoom_label)
        bar.addWidget(self.zoom_combo)
        bar.addStretch(1)
        bar.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.message_label)
        layout.addLayout(bar)
        self.resize(1000, 760)

        self.print_button.clicked.connect(self.on_print_button_clicked)
        self.save_button.clicked.connect(self.on_save_button_clicked)
        self.close_button.clicked.connect(self.reject)
        self.zoom_combo.currentIndexChanged.connect(self.on_zoom_combo_current_index_changed)
        self.page_spin.valueChanged.connect(self.on_page_spin_value_changed)
        self.view.pageNavigator().currentPageChanged.connect(self.on_navigator_current_page_changed)
        self.document.statusChanged.connect(self.on_document_status_changed)

    # -- state ------------------------------------------------------------------------------

    @property
    def page_count(self) -> int:
        """Pages of the document (0 until it is loaded)."""
        return self.document.pageCount()

    def _update_pages(self) -> None:
        count = self.page_count
        ready = self.document.status() == QPdfDocument.Status.Ready and count > 0
        self.page_spin.blockSignals(True)
        self.page_spin.setMaximum(max(1, count))
        self.page_spin.blockSignals(False)
        self.page_count_label.setText(_tr("از {count}").format(count=_number(count)))
        self.print_button.setEnabled(ready)
        if self.document.status() == QPdfDocument.Status.Error:
            self.show_message(_tr("این PDF نمایش داده نمی‌شود؛ می‌توانید آن را ذخیره کنید."))

    def show_message(self, text: str) -> None:
        """Show a line under the pages (the outcome of printing or saving)."""
        self.message_label.setText(text)

    # -- slots ------------------------------------------------------------------------------

    def on_document_status_changed(self, _status: QPdfDocument.Status) -> None:
        """The document finished loading (or failed): update the page count."""
        self._update_pages()

    def on_zoom_combo_current_index_changed(self, _index: int) -> None:
        """Fit the pages to the window's width, or whole pages in view."""
        fit_page = self.zoom_combo.currentData() == self.ZOOM_FIT_PAGE
        self.view.setZoomMode(
            QPdfView.ZoomMode.FitInView if fit_page else QPdfView.ZoomMode.FitToWidth
        )

    def on_page_spin_value_changed(self, value: int) -> None:
        """Go to the page typed in the box."""
        navigator = self.view.pageNavigator()
        if navigator.currentPage() != value - 1:
            navigator.jump(value - 1, QPointF(), navigator.currentZoom())

    def on_navigator_current_page_changed(self, page: int) -> None:
        """The view scrolled to another page: show its number."""
        self.page_spin.blockSignals(True)
        self.page_spin.setValue(page + 1)
        self.page_spin.blockSignals(False)

    def on_print_button_clicked(self) -> None:
        """Ask for a printer, then print."""
        printer = ask_printer(self, self.page_count, self.title)
        if printer is not None:
            self.print_to(printer)

    def print_to(self, printer: QPrinter) -> PagePrinter | None:
        """Print to ``printer`` (as the print dialog left it).

        The whole document to a PDF file is written as the certificate PDF itself;
        anything else is painted page by page (returns the running job).
        """
        if self.print_job is not None and not self.print_job.finished:
            return self.print_job
        pdf_path = _whole_document_to_pdf(printer, self.page_count)
        if pdf_path is not None:
            if self._write(pdf_path):
                self.show_message(
                    _tr("گواهی‌نامه در فایل «{name}» ذخیره شد.").format(
                        name=isolate_ltr(pdf_path.name)
                    )
                )
                self.sig_print_finished.emit(True)
            return None
        job = PagePrinter(self.document, printer, pages_to_print(printer, self.page_count), self)
        job.sig_print_finished.connect(self.on_print_job_finished)
        self.print_job = job
        self.print_button.setEnabled(False)
        self.show_message(_tr("در حال فرستادن به چاپگر…"))
        if not job.start():
            self.print_button.setEnabled(True)
            self.show_message("")
            show_error(
                self,
                DomainError(
                    _tr("چاپگر «{name}» آماده نیست. چاپگر دیگری انتخاب کنید.").format(
                        name=isolate_ltr(printer.printerName() or printer.outputFileName())
                    )
                ),
            )
            return None
        return job

    def on_print_job_finished(self, completed: bool) -> None:
        """Tell the clerk whether every page went to the printer."""
        self.print_button.setEnabled(True)
        job = self.print_job
        if completed and job is not None:
            self.show_message(
                _tr("{count} صفحه به چاپگر فرستاده شد.").format(count=_number(job.done))
            )
        else:
            self.show_message(_tr("چاپ لغو شد."))
        self.sig_print_finished.emit(completed)

    def on_save_button_clicked(self) -> None:
        """Ask where to save the PDF, then write it."""
        chosen, _ = QFileDialog.getSaveFileName(
            self,
            _tr("ذخیرهٔ گواهی‌نامه به صورت PDF"),
            str(_documents_folder() / self.file_name),
            _tr("سند PDF (*.pdf)"),
        )
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != PDF_SUFFIX:
            path = path.with_name(path.name + PDF_SUFFIX)
        if self._write(path):
            self.saved_path = path
            self.show_message(
                _tr("در فایل «{name}» ذخیره شد. پوشه: {folder}").format(
                    name=isolate_ltr(path.name), folder=isolate_ltr(str(path.parent))
                )
            )

    def _write(self, path: Path) -> bool:
        try:
            write_file_atomically(path, self.pdf_bytes)
        except OSError as exc:
            log.warning("could not write %s: %s", path, exc)
            show_error(self, _write_error(exc, path))
            return False
        return True

    def done(self, result: int) -> None:
        """Closing the preview cancels a print job still running."""
        if self.print_job is not None and not self.print_job.finished:
            self.print_job.cancel()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        """The window's close button: as «بستن»."""
        if self.print_job is not None and not self.print_job.finished:
            self.print_job.cancel()
        super().closeEvent(event)


def _default_file_name(issued: Sequence[IssuedCertificate]) -> str:
    if len(issued) == 1:
        return f"{_tr('گواهی‌نامه')}-{issued[0].licence_number}{PDF_SUFFIX}"
    stamp = jalali.format_jalali(jalali.today(), persian_digits=False).replace("/", "-")
    return f"{_tr('گواهی‌نامه‌ها')}-{stamp}{PDF_SUFFIX}"


def open_preview(
    parent: QWidget | None,
    pdf: bytes,
    title: str,
    issued: Sequence[IssuedCertificate] = (),
) -> CertificatePreviewDialog:
    """Open the preview (window-modal, non-blocking; deleted when closed)."""
    dialog = CertificatePreviewDialog(pdf, title, parent, issued=issued)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


# -- issuing and printing a batch --------------------------------------------------------------


_Issued = tuple[bytes, list[IssuedCertificate]]


class CertificatePrintJob:
    """What :func:`print_licence_certificates` did (filled in as its steps finish)."""

    def __init__(self, licence_ids: Sequence[str]) -> None:
        self.licence_ids = list(licence_ids)
        self.check: PrintCheck | None = None
        self.issued: list[IssuedCertificate] = []
        self.preview: CertificatePreviewDialog | None = None
        self.cancelled = False
        self.error: BaseException | None = None
        self.handle: TaskHandle | None = None


def ask_skip_refused(parent: QWidget | None, title: str, check: PrintCheck) -> bool:
    """A batch holds licences that get no certificate: print the others?"""
    text = _tr(
        "برای {refused} مجوز از این {total} مجوز گواهی‌نامه صادر نمی‌شود:\n\n{reasons}\n\n"
        "گواهی‌نامهٔ {printable} مجوز دیگر چاپ شود؟"
    ).format(
        refused=_number(len(check.refused_ids)),
        total=_number(len(check.refused_ids) + len(check.printable_ids)),
        reasons=to_persian_digits(check.refusal_text()),
        printable=_number(len(check.printable_ids)),
    )
    return messages.confirm(parent, title, text, yes_text=_tr("چاپ بقیه"), no_text=_tr("انصراف"))


def print_licence_certificates(
    ctx: AppContext,
    parent: QWidget | None,
    licence_ids: Sequence[str],
    *,
    title: str,
    on_printed: Callable[[list[IssuedCertificate]], None] | None = None,
) -> CertificatePrintJob:
    """Issue certificates for ``licence_ids`` and open their preview.

    First checks which licences may get one: a single refused licence (suspended,
    revoked, expired) is explained; a batch with some refused asks whether to skip them.
    Then issues the certificates in a worker with a progress dialog; «لغو» rolls the
    whole batch back (no serial used, nothing logged). On success (the unit of work has
    announced the licences' new history lines) calls ``on_printed(issued)`` and opens the
    preview. Returns at once; the returned job is filled in as the steps finish.
    """
    job = CertificatePrintJob(list(dict.fromkeys(licence_ids)))
    window = parent.window() if parent is not None else None
    if not job.licence_ids:
        messages.inform(
            parent,
            title,
            _tr("هیچ مجوزی انتخاب نشده است. ابتدا در دفتر مجوزها یک یا چند مجوز را انتخاب کنید."),
        )
        return job
    ids = job.licence_ids

    def check_op(session: Session) -> PrintCheck:
        return CertificateService(session).printable(ids)

    def issue_op(printable: list[str]) -> Callable[[Session, Progress], _Issued]:
        def op(session: Session, progress: Progress) -> _Issued:
            return CertificateService(session).licence_certificates(printable, progress)

        return op

    def issued(result: _Issued) -> None:
        pdf, certificates = result
        job.issued = list(certificates)
        if on_printed is not None:
            on_printed(job.issued)
        job.preview = open_preview(parent, pdf, title, job.issued)

    def failed(exc: BaseException) -> None:
        job.error = exc
        if isinstance(exc, Cancelled):
            job.cancelled = True
            log.info("certificate batch cancelled; nothing was logged")
            return
        show_error(window, exc)

    def checked(check: PrintCheck) -> None:
        job.check = check
        if not check.printable_ids:
            show_error(window, DomainError(to_persian_digits(check.refusal_text())))
            return
        if check.refused_ids and not ask_skip_refused(parent, title, check):
            return
        job.handle = ctx.run_op_progress(
            issue_op(list(check.printable_ids)),
            issued,
            failed,
            title=_tr("آماده‌سازی گواهی‌نامه‌ها"),
            parent=parent,
        )

    handle = ctx.run_op(check_op, checked, failed, parent=parent)
    if job.handle is None:  # not replaced by the issuing task (a synchronous runner)
        job.handle = handle
    return job


# -- «چاپ گروهی از تاریخ…» ----------------------------------------------------------------------


class IssuedSinceDialog(QDialog):
    """Pick «صادرشده از تاریخ»; shows how many certificates the batch will hold."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.licence_ids: list[str] = []
        self._generation = 0
        self.setWindowTitle(_tr("چاپ گروهی گواهی‌نامه"))
        intro = QLabel(
            _tr(
                "گواهی‌نامهٔ همهٔ مجوزهای فعالی که از این تاریخ به بعد صادر شده‌اند، "
                "به ترتیب شمارهٔ مجوز، در یک فایل چاپ می‌شود."
            )
        )
        intro.setWordWrap(True)
        self.date_edit = JalaliDateEdit()
        self.date_edit.setDate(jalali.today() - dt.timedelta(days=DEFAULT_BATCH_DAYS))
        self.count_label = QLabel()
        self.count_label.setObjectName("batchCount")
        font = self.count_label.font()
        font.setBold(True)
        self.count_label.setFont(font)
        form = QFormLayout()
        form.addRow(_tr("صادرشده از تاریخ:"), self.date_edit)
        buttons = QDialogButtonBox()
        self.print_button = buttons.addButton(_tr("چاپ"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton(
            _tr("انصراف"), QDialogButtonBox.ButtonRole.RejectRole
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.count_label)
        layout.addWidget(buttons)
        intro.setMinimumWidth(440)
        self.adjustSize()  # a top-level window: the wrapped intro's height counts
        self.date_edit.dateChanged.connect(self.on_date_edit_date_changed)
        self.count()

    def since(self) -> dt.date:
        """The date chosen."""
        value = self.date_edit.date()
        assert value is not None  # not an optional date field
        return value

    def count(self) -> None:
        """Find the licences of the batch (in a worker) and show how many."""
        self._generation += 1
        generation = self._generation
        since = self.since()
        self.print_button.setEnabled(False)
        self.count_label.setText(_tr("در حال شمارش…"))

        def op(session: Session) -> list[str]:
            return CertificateService(session).certificates_issued_since(since)

        def counted(ids: list[str]) -> None:
            if generation == self._generation:
                self.set_ids(ids)

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self.licence_ids = []
                self.count_label.setText("")
                show_error(self, exc)

        self.ctx.run_op(op, counted, failed, parent=self)

    def set_ids(self, ids: list[str]) -> None:
        """Show the batch's size; «چاپ» only when it holds something."""
        self.licence_ids = ids
        if ids:
            self.count_label.setText(
                _tr("{count} گواهی‌نامه چاپ می‌شود").format(count=_number(len(ids)))
            )
        else:
            self.count_label.setText(_tr("از این تاریخ مجوز فعالی صادر نشده است."))
        self.print_button.setEnabled(bool(ids))

    def on_date_edit_date_changed(self, _value: object) -> None:
        """Another date: count again."""
        self.count()


def print_issued_since(ctx: AppContext, parent: QWidget | None) -> CertificatePrintJob | None:
    """«چاپ گروهی از تاریخ…»: pick the date, then print the batch; None if cancelled."""
    dialog = IssuedSinceDialog(ctx, parent)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    ids, since = list(dialog.licence_ids), dialog.since()
    dialog.deleteLater()
    if not accepted or not ids:
        return None
    title = _tr("گواهی‌نامهٔ مجوزهای صادرشده از {date}").format(date=jalali.format_jalali(since))
    return print_licence_certificates(ctx, parent, ids, title=title)
