"""The certificate preview: a PDF's pages shown with QtPdf (no external viewer;
:class:`QPdfView` renders only the pages in sight, so a batch of 1,000 pages opens at
once), with «چاپ…» (app.views.page_printer: printing the whole document to a PDF file
writes the certificate PDF itself, text, fonts and the embedded QR payloads intact) and
«ذخیره PDF…» (through a temporary file that replaces the destination only when complete).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QIODevice,
    QMargins,
    QPointF,
    QStandardPaths,
    Qt,
    Signal,
)
from PySide6.QtGui import QCloseEvent, QColor, QPalette
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrinter
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

from app.services.certificates.records import IssuedCertificate
from app.views.bootstrap import persian_locale
from app.views.errors import describe_environment_error, show_error
from app.views.page_printer import PagePrinter, ask_printer, pages_to_print, whole_document_to_pdf
from common import jalali
from common.errors import DomainError
from common.files import write_bytes_atomically
from common.text import isolate_ltr

log = logging.getLogger("daftar.gui")

PDF_SUFFIX = ".pdf"
#: Around the pages of the preview.
PREVIEW_BACKGROUND = "#6b7078"


def _tr(text: str) -> str:
    return QCoreApplication.translate("CertificatePrint", text)


def _number(value: int) -> str:
    return persian_locale().toString(value)


def _documents_folder() -> Path:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(folder) if folder else Path.home()


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
        pdf_path = whole_document_to_pdf(printer, self.page_count)
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
            write_bytes_atomically(path, self.pdf_bytes)
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
