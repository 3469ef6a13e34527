"""Printing certificates in the GUI: from a licence, from the register, a batch since a date;
the preview (QtPdf), printing, saving, cancelling; the main window's «گواهی‌نامه» menu."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtGui import QPageRanges
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QFileDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.models import CertificateIssue, Licence
from app.services.certificates.service import CertificateService
from app.services.core.db import Database
from app.services.core.office import OfficeInfo
from app.services.core.progress import Progress
from app.services.licences.records import LicenceDetail
from app.services.licences.service import LicenceService
from app.views import certificate_preview, certificate_print, page_printer
from app.views.certificate_preview import CertificatePreviewDialog
from app.views.certificate_print import (
    CertificatePrintJob,
    IssuedSinceDialog,
    print_issued_since,
    print_licence_certificates,
)
from app.views.context import AppContext
from app.views.licence_dialog import LicenceDialog
from app.views.main_window import MainWindow
from app.views.page_printer import PagePrinter, configure_printer, pages_to_print
from app.views.register_screen import RegisterScreen
from app.views.widgets import messages
from common.vocabulary import Permission
from tests.accounts_support import granted
from tests.views.licence_support import OTHER_VALID_NID, issue_licence, save_screenshot
from tests.views.register_support import LICENCE_COUNT

LRI, PDI = "\u2066", "\u2069"


@pytest.fixture(autouse=True)
def no_boxes(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Replace the modal question/information boxes; record what they were asked."""
    seen: dict[str, list[Any]] = {"confirm": [], "inform": [], "answer": [True]}

    def confirm(_parent: Any, title: str, text: str, **kw: Any) -> bool:
        seen["confirm"].append(text)
        return bool(seen["answer"][0])

    monkeypatch.setattr(messages, "confirm", confirm)
    monkeypatch.setattr(messages, "inform", lambda *a: seen["inform"].append(a[2]))
    return seen


@pytest.fixture
def licence(db: Database, office: OfficeInfo) -> LicenceDetail:
    return issue_licence(db, office)


def issuance_count(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(CertificateIssue)) or 0)


def records_changed(context: AppContext) -> list[str]:
    kinds: list[str] = []
    context.signals.sig_records_changed.connect(kinds.append)
    return kinds


def make_licence_dialog(qtbot: QtBot, context: AppContext, licence_id: str) -> LicenceDialog:
    dialog = LicenceDialog(context, licence_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def preview_of(qtbot: QtBot, job: CertificatePrintJob | None) -> CertificatePreviewDialog:
    assert job is not None and job.error is None
    preview = job.preview
    assert preview is not None and preview.isVisible()
    qtbot.addWidget(preview)
    assert preview.document.status() == QPdfDocument.Status.Ready
    return preview


def history_actions(dialog: LicenceDialog) -> list[tuple[str, str]]:
    model = dialog.history_model
    return [(model.text(r, 2), model.text(r, 4)) for r in range(model.rowCount())]


# -- from the licence's screen -----------------------------------------------------------------


def test_printing_from_the_licence_dialog(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    licence: LicenceDetail,
) -> None:
    kinds = records_changed(ctx)
    dialog = make_licence_dialog(qtbot, ctx, licence.id)
    button = dialog.print_button
    assert button.text() == "چاپ گواهی‌نامه"
    assert button.isEnabled() and button.toolTip() == "صدور و چاپ گواهی‌نامهٔ این مجوز"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    preview = preview_of(qtbot, dialog.print_job)
    assert preview.page_count == 1 and preview.document.pageCount() == 1
    assert preview.windowTitle() == f"گواهی‌نامه مجوز {LRI}۰۶۱۲-۰۰۰۰۰۱{PDI}"
    assert preview.summary_label.text() == (
        f"گواهی‌نامه با شماره {LRI}0612-C-000001{PDI} صادر و در دفتر ثبت شد."
    )
    assert preview.page_count_label.text() == "از ۱"
    assert preview.print_button.isEnabled()
    assert preview.pdf_bytes.startswith(b"%PDF")
    # The licence's history and the issuance log (and what waits for the server).
    assert issuance_count(db) == 1 and kinds == ["licences", "certificates", "sync"]
    # The dialog reloaded: the history shows the issuance with its serial.
    assert history_actions(dialog)[0] == ("صدور گواهی‌نامه", "")
    assert f"{LRI}۰۶۱۲-C-۰۰۰۰۰۱{PDI}" in dialog.history_model.text(0, 3)
    assert "المثنی" in button.toolTip()
    qtbot.wait(300)  # QPdfView renders the visible page in its own thread
    save_screenshot(preview, "certificate_preview")
    preview.close()

    # A reprint is logged as «المثنی».
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    preview = preview_of(qtbot, dialog.print_job)
    assert "«المثنی»" in preview.summary_label.text()
    assert history_actions(dialog)[0] == ("صدور گواهی‌نامه", "المثنی")
    assert issuance_count(db) == 2
    preview.close()
    save_screenshot(dialog, "licence_dialog_certificate")


@pytest.mark.parametrize(
    ("state", "words"),
    [("suspended", "معلق"), ("revoked", "باطل"), ("expired", "منقضی")],
)
def test_print_button_is_disabled_when_no_certificate_may_be_issued(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    licence: LicenceDetail,
    state: str,
    words: str,
) -> None:
    with db.session() as session:
        service = LicenceService(session)
        if state == "suspended":
            service.suspend(licence.id, "بازدید")
        elif state == "revoked":
            service.revoke(licence.id, "درخواست دارنده")
        else:
            granted(session, Permission.EDIT)
            row = session.get(Licence, licence.id)
            assert row is not None
            row.expiry_date = dt.date.today() - dt.timedelta(days=1)
    dialog = make_licence_dialog(qtbot, ctx, licence.id)
    assert dialog.status_badge.property("status") == state
    assert not dialog.print_button.isEnabled()
    assert words in dialog.print_button.toolTip()


def test_a_refused_licence_is_explained(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    licence: LicenceDetail,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Suspended between opening the screen and pressing «چاپ»: a Persian message."""
    shown: list[BaseException] = []
    monkeypatch.setattr(certificate_print, "show_error", lambda _p, exc: shown.append(exc))
    with db.session() as session:
        LicenceService(session).suspend(licence.id, "بازدید")
    job = print_licence_certificates(ctx, None, [licence.id], title="گواهی‌نامه")
    assert job.preview is None and job.check is not None
    [error] = shown
    assert "معلق" in str(error) and "۰۶۱۲-۰۰۰۰۰۱" in str(error)
    assert issuance_count(db) == 0


# -- batches -------------------------------------------------------------------------------------


def make_screen(qtbot: QtBot, context: AppContext) -> RegisterScreen:
    screen = RegisterScreen(context)
    qtbot.addWidget(screen)
    screen.resize(1100, 600)
    screen.show()
    qtbot.waitExposed(screen)
    qtbot.waitUntil(lambda: screen.model.licence_id(0) is not None)
    return screen


def select_rows(screen: RegisterScreen, rows: list[int]) -> None:
    selection = QItemSelection()
    last = screen.model.columnCount() - 1
    for row in rows:
        selection.select(screen.model.index(row, 0), screen.model.index(row, last))
    screen.table.selectionModel().select(
        selection, QItemSelectionModel.SelectionFlag.ClearAndSelect
    )


def row_of(screen: RegisterScreen, status: str) -> int:
    return next(
        row
        for row in range(screen.model.rowCount())
        if (data := screen.model.row_data(row)) is not None and data.status == status
    )


def active_rows(screen: RegisterScreen, count: int) -> list[int]:
    rows = [
        row
        for row in range(screen.model.rowCount())
        if (data := screen.model.row_data(row)) is not None and data.status == "active"
    ]
    return rows[:count]


def test_a_batch_from_the_register_selection(
    qtbot: QtBot,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
) -> None:
    screen = make_screen(qtbot, register_ctx)
    assert screen.print_button.text() == "چاپ گواهی‌نامه"
    assert not screen.print_button.isEnabled()
    rows = active_rows(screen, 3)
    select_rows(screen, rows)
    assert screen.print_button.isEnabled()
    with qtbot.waitSignal(screen.sig_print_requested) as blocker:
        qtbot.mouseClick(screen.print_button, Qt.MouseButton.LeftButton)
    ids = blocker.args[0]
    assert ids == [screen.model.licence_id(row) for row in rows]
    job = print_licence_certificates(register_ctx, screen, ids, title="گواهی‌نامه‌ها")
    preview = preview_of(qtbot, job)
    assert preview.document.pageCount() == 3
    assert [c.licence_id for c in job.issued] == ids
    assert "۳ گواهی‌نامه صادر و در دفتر ثبت شد" in preview.summary_label.text()
    assert issuance_count(register_db[0]) == 3
    preview.close()


def test_selected_rows_not_in_memory_are_looked_up(
    qtbot: QtBot,
    register_ctx: AppContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    screen = make_screen(qtbot, register_ctx)
    expected = [screen.model.licence_id(row) for row in (1, 2)]
    select_rows(screen, [1, 2])
    monkeypatch.setattr(screen.model, "licence_id", lambda _row: None)  # pages evicted
    with qtbot.waitSignal(screen.sig_print_requested) as blocker:
        screen.request_print()
    assert blocker.args[0] == expected


@pytest.mark.parametrize("answer", [True, False])
def test_a_batch_with_refused_licences_asks_to_skip_them(
    qtbot: QtBot,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
    no_boxes: dict[str, list[Any]],
    answer: bool,
) -> None:
    screen = make_screen(qtbot, register_ctx)
    rows = [*active_rows(screen, 2), row_of(screen, "suspended"), row_of(screen, "revoked")]
    ids = [screen.model.licence_id(row) for row in rows]
    no_boxes["answer"] = [answer]
    kinds = records_changed(register_ctx)
    job = print_licence_certificates(register_ctx, screen, ids, title="گواهی‌نامه‌ها")
    [question] = no_boxes["confirm"]
    assert question.startswith("برای ۲ مجوز از این ۴ مجوز گواهی‌نامه صادر نمی‌شود")
    assert "معلق" in question and "باطل" in question
    assert question.endswith("گواهی‌نامهٔ ۲ مجوز دیگر چاپ شود؟")
    if answer:
        assert preview_of(qtbot, job).document.pageCount() == 2
        assert [c.licence_id for c in job.issued] == ids[:2]
        assert kinds == ["licences", "certificates", "sync"]
        job.preview.close()  # type: ignore[union-attr]
    else:
        assert job.preview is None and kinds == []
    assert issuance_count(register_db[0]) == (2 if answer else 0)


def test_cancelling_a_batch_logs_nothing(
    qtbot: QtBot,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    database = register_db[0]
    with database.session() as session:
        ids = CertificateService(session).certificates_issued_since(dt.date(2000, 1, 1))
    assert len(ids) > 10
    original = CertificateService.licence_certificates
    reports: list[tuple[int, int | None, str]] = []

    def cancel_midway(self: CertificateService, licence_ids: Any, progress: Any, **kw: Any) -> Any:
        assert isinstance(progress, Progress)

        def report(done: int, total: int | None, text: str = "") -> None:
            reports.append((done, total, text))
            if done == 5:
                progress.cancel()  # the clerk pressed «لغو» in the progress dialog

        progress.report = report  # type: ignore[method-assign]
        return original(self, licence_ids, progress, **kw)

    monkeypatch.setattr(CertificateService, "licence_certificates", cancel_midway)
    kinds = records_changed(register_ctx)
    before = issuance_count(database)
    job = print_licence_certificates(register_ctx, None, ids, title="گواهی‌نامه‌ها")
    assert job.cancelled and job.preview is None
    assert reports[-1][:2] == (5, len(ids))
    assert issuance_count(database) == before == 0 and kinds == []
    with database.session() as session:  # no serial was used either
        _pdf, issued = original(CertificateService(session), ids[:1])
    assert issued[0].serial == "0612-C-000001"


def test_batch_since_a_date(
    qtbot: QtBot,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    database = register_db[0]
    since = dt.date.today() - dt.timedelta(days=60)
    with database.session() as session:
        expected = CertificateService(session).certificates_issued_since(since)
    assert 0 < len(expected) < LICENCE_COUNT
    dialog = IssuedSinceDialog(register_ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.windowTitle() == "چاپ گروهی گواهی‌نامه"
    dialog.date_edit.setDate(since)
    count = len(expected)
    persian = str(count).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert dialog.count_label.text() == f"{persian} گواهی‌نامه چاپ می‌شود"
    assert dialog.licence_ids == expected and dialog.print_button.isEnabled()
    save_screenshot(dialog, "certificate_batch_since")
    dialog.date_edit.setDate(dt.date.today() + dt.timedelta(days=1))
    assert dialog.count_label.text() == "از این تاریخ مجوز فعالی صادر نشده است."
    assert not dialog.print_button.isEnabled()

    # Through the menu's function: the dialog (its exec replaced) then the batch.
    def exec_(self: IssuedSinceDialog) -> int:
        self.date_edit.setDate(since)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(IssuedSinceDialog, "exec", exec_)
    job = print_issued_since(register_ctx, None)
    preview = preview_of(qtbot, job)
    assert preview.document.pageCount() == count
    assert [c.licence_id for c in job.issued] == expected  # type: ignore[union-attr]
    preview.close()
    monkeypatch.setattr(IssuedSinceDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    assert print_issued_since(register_ctx, None) is None
    assert issuance_count(database) == count


# -- the preview: save and print -------------------------------------------------------------


@pytest.fixture
def batch_pdf(db: Database, office: OfficeInfo) -> bytes:
    ids = [issue_licence(db, office).id, issue_licence(db, office, OTHER_VALID_NID).id]
    with db.session() as session:
        pdf, _issued = CertificateService(session).licence_certificates(ids)
    return pdf


def make_preview(qtbot: QtBot, pdf: bytes) -> CertificatePreviewDialog:
    preview = CertificatePreviewDialog(pdf, "گواهی‌نامه‌ها")
    qtbot.addWidget(preview)
    preview.show()
    qtbot.waitExposed(preview)
    return preview


def test_save_as_pdf(
    qtbot: QtBot,
    batch_pdf: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    preview = make_preview(qtbot, batch_pdf)
    assert preview.page_count == 2
    asked: list[str] = []

    def get_save_file_name(_parent: Any, title: str, suggested: str, _filter: str) -> Any:
        asked.append(suggested)
        return str(tmp_path / "out" / "certificates"), "سند PDF (*.pdf)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(get_save_file_name))
    qtbot.mouseClick(preview.save_button, Qt.MouseButton.LeftButton)
    target = tmp_path / "out" / "certificates.pdf"
    assert preview.saved_path == target
    assert target.read_bytes() == batch_pdf and target.read_bytes().startswith(b"%PDF")
    assert asked[0].endswith(".pdf")
    assert "certificates.pdf" in preview.message_label.text()
    assert [p.name for p in target.parent.iterdir()] == ["certificates.pdf"]  # no temp left


def test_save_failure_is_explained(
    qtbot: QtBot,
    batch_pdf: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    preview = make_preview(qtbot, batch_pdf)
    blocker = tmp_path / "file"
    blocker.write_text("")  # a file where the folder should be
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        staticmethod(lambda *_a: (str(blocker / "x.pdf"), "")),
    )
    shown: list[BaseException] = []
    monkeypatch.setattr(certificate_preview, "show_error", lambda _p, exc: shown.append(exc))
    qtbot.mouseClick(preview.save_button, Qt.MouseButton.LeftButton)
    [error] = shown
    assert "x.pdf" in str(error) and "نوشته نشد" in str(error)
    assert preview.saved_path is None


def pdf_printer(path: Path) -> QPrinter:
    printer = configure_printer(QPrinter(QPrinter.PrinterMode.HighResolution), "گواهی‌نامه‌ها")
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


def test_print_to_a_pdf_file(
    qtbot: QtBot,
    batch_pdf: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    preview = make_preview(qtbot, batch_pdf)
    out = tmp_path / "printed.pdf"
    monkeypatch.setattr(certificate_preview, "ask_printer", lambda *_a: pdf_printer(out))
    with qtbot.waitSignal(preview.sig_print_finished) as blocker:
        qtbot.mouseClick(preview.print_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [True]
    # The whole document to a PDF file is the certificate PDF itself (text, QR payloads).
    assert out.read_bytes() == batch_pdf
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(out), "-"], capture_output=True, check=True
        ).stdout.decode()
        assert text.strip()


def test_print_pages_onto_a_printer(
    qtbot: QtBot,
    batch_pdf: bytes,
    tmp_path: Path,
) -> None:
    """A page range is painted page by page (as onto a real printer)."""
    preview = make_preview(qtbot, batch_pdf)
    out = tmp_path / "page2.pdf"
    printer = pdf_printer(out)
    printer.setPrintRange(QPrinter.PrintRange.PageRange)
    ranges = QPageRanges()
    ranges.addPage(2)
    printer.setPageRanges(ranges)
    assert pages_to_print(printer, 2) == [1]
    with qtbot.waitSignal(preview.sig_print_finished, timeout=20_000) as blocker:
        job = preview.print_to(printer)
    assert isinstance(job, PagePrinter)
    assert blocker.args == [True] and job.done == 1
    assert preview.message_label.text() == "۱ صفحه به چاپگر فرستاده شد."
    assert out.read_bytes().startswith(b"%PDF")
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(out)], capture_output=True, check=True).stdout
        assert b"Pages:           1" in info and b"842 x 595" in info  # A4 landscape


def test_cancelling_a_print_job_leaves_no_file(
    qtbot: QtBot,
    batch_pdf: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(page_printer, "PRINT_SLICE_S", 0.0)  # one page per slice
    preview = make_preview(qtbot, batch_pdf)
    out = tmp_path / "copies.pdf"
    printer = pdf_printer(out)
    printer.setCopyCount(3)
    pages = pages_to_print(printer, 2)
    assert len(pages) == (2 if printer.supportsMultipleCopies() else 6)
    job = preview.print_to(printer)
    assert isinstance(job, PagePrinter)
    qtbot.waitUntil(lambda: job.done >= 1)
    with qtbot.waitSignal(preview.sig_print_finished) as blocker:
        job.cancel()
    assert blocker.args == [False] and job.finished and not job.completed
    assert preview.message_label.text() == "چاپ لغو شد."
    assert preview.print_button.isEnabled()
    assert not out.exists()


def test_pages_to_print_follows_the_dialog() -> None:
    printer = QPrinter()
    assert pages_to_print(printer, 3) == [0, 1, 2]
    printer.setPageOrder(QPrinter.PageOrder.LastPageFirst)
    assert pages_to_print(printer, 3) == [2, 1, 0]
    printer.setPageOrder(QPrinter.PageOrder.FirstPageFirst)
    printer.setPrintRange(QPrinter.PrintRange.PageRange)
    ranges = QPageRanges()
    ranges.addRange(2, 3)
    ranges.addPage(9)  # beyond the document: ignored
    printer.setPageRanges(ranges)
    assert pages_to_print(printer, 3) == [1, 2]


def test_ask_printer_uses_the_print_dialog(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[QPrinter] = []

    def exec_(self: QPrintDialog) -> int:
        seen.append(self.printer())
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(QPrintDialog, "exec", exec_)
    assert page_printer.ask_printer(None, 5, "گواهی‌نامه") is None
    [printer] = seen
    assert printer.pageLayout().orientation().name == "Landscape"
    assert printer.fullPage() and printer.docName() == "گواهی‌نامه"
    monkeypatch.setattr(QPrintDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    assert isinstance(page_printer.ask_printer(None, 5, "گواهی‌نامه"), QPrinter)


# -- the main window -------------------------------------------------------------------------


def test_main_window_certificate_menu(
    qtbot: QtBot,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
    no_boxes: dict[str, list[Any]],
) -> None:
    bare = MainWindow()
    qtbot.addWidget(bare)
    actions = (
        bare.print_selected_action,
        bare.print_since_action,
        bare.verify_action,
        bare.signing_keys_action,
    )
    assert not any(action.isEnabled() for action in actions)  # until attach()
    window = MainWindow(register_ctx, register_db[1])
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "گواهی‌نامه")
    assert [a.text() for a in menu.actions() if not a.isSeparator()] == [
        "چاپ گواهی‌نامه‌های انتخاب‌شده…",
        "چاپ گروهی از تاریخ…",
        "بررسی اصالت گواهی‌نامه…",
        "کلیدهای امضا…",
    ]
    assert all(a.isEnabled() for a in menu.actions())
    screen = window.register_screen
    assert screen is not None
    qtbot.waitUntil(lambda: screen.model.licence_id(0) is not None)
    # Nothing selected: the clerk is told what to do.
    window.print_selected_action.trigger()
    assert "انتخاب" in no_boxes["inform"][-1]
    rows = active_rows(screen, 2)
    select_rows(screen, rows)
    window.print_selected_action.trigger()
    job = window.certificate_job
    preview = preview_of(qtbot, job)
    assert preview.document.pageCount() == 2
    assert preview.windowTitle() == "گواهی‌نامه‌های انتخاب‌شده (۲)"
    with qtbot.waitSignal(preview.destroyed):  # gone before the window's teardown
        preview.close()
    window.certificate_job = None
    del job, preview
