"""Printing a PDF's pages on a printer: the print dialog (any printer the system has, or a
PDF file), the pages to paint (range, order, copies as the dialog left them) and
:class:`PagePrinter`, which paints the pages onto the printer a few at a time between
events, behind a progress dialog with cancel. Used by the certificate preview
(app.views.certificate_preview).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF, QObject, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QProgressDialog, QWidget

from app.views.bootstrap import persian_locale
from app.views.errors import show_error
from common.errors import DomainError

log = logging.getLogger("daftar.gui")

#: Pages are rendered for the printer at its resolution, but never finer than this.
MAX_PRINT_DPI = 300
#: Printing paints pages for at most this long before letting events through.
PRINT_SLICE_S = 0.05
#: The progress dialog of printing appears only for jobs lasting longer than this.
PRINT_PROGRESS_DELAY_MS = 400


def _tr(text: str) -> str:
    return QCoreApplication.translate("CertificatePrint", text)


def _number(value: int) -> str:
    return persian_locale().toString(value)


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


def whole_document_to_pdf(printer: QPrinter, page_count: int) -> Path | None:
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
