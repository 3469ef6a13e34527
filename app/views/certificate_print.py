"""Printing licence certificates: issue in a worker, preview, print, save as PDF.

:func:`print_licence_certificates` is the one way the GUI prints certificates: it asks
:meth:`CertificateService.printable` which licences may get one (a batch with suspended,
revoked or expired licences asks whether to skip them), issues the certificates with
:meth:`CertificateService.licence_certificates` in a worker with progress and cancel (a
cancelled batch logs nothing: the log is written in the same transaction; the screens
hear of the new history lines from the unit of work) and opens the preview.

The preview (:class:`~app.views.certificate_preview.CertificatePreviewDialog`) shows the
PDF's pages and saves them; app.views.page_printer prints them.

:class:`IssuedSinceDialog` picks a date for «چاپ گروهی از تاریخ…» and shows how many
certificates the batch will hold before anything is printed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget
from sqlalchemy.orm import Session

from app.services.certificates.records import IssuedCertificate, PrintCheck
from app.services.certificates.service import CertificateService
from app.services.core.progress import Cancelled, Progress
from app.views.bootstrap import persian_locale
from app.views.certificate_preview import CertificatePreviewDialog, open_preview
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.widgets import messages
from app.views.widgets.jalali_date_edit import JalaliDateEdit
from app.views.worker import TaskHandle
from common import jalali
from common.errors import DomainError
from common.text import to_persian_digits

log = logging.getLogger("daftar.gui")

#: «چاپ گروهی از تاریخ…» proposes the licences issued in the last week.
DEFAULT_BATCH_DAYS = 7


def _tr(text: str) -> str:
    return QCoreApplication.translate("CertificatePrint", text)


def _number(value: int) -> str:
    return persian_locale().toString(value)


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
