"""«بررسی اصالت گواهی‌نامه»: is a certificate genuine, and is its licence in force?

The clerk pastes the QR code's text, scans it (a USB QR scanner types like a keyboard
and ends with Enter, which verifies at once and selects the text for the next scan),
opens the certificate's PDF, or drops the PDF on the dialog. The check is
:meth:`app.services.certificates.service.CertificateService.verify` in a worker; the answer is a
large verdict — «معتبر» (green) or «نامعتبر» (red) — with what the local register knows
beside it (باطل‌شده، معلق، منقضی، در این دفتر ثبت نشده), the Persian reason, the
verification code to compare with the one printed beside the QR, and the signed data.
A PDF with several certificates gives a list of results to pick from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QStandardPaths, Qt
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.certificates.records import REGISTER_ACTIVE, REGISTER_NOT_FOUND
from app.services.certificates.service import CertificateService
from app.services.licences.records import STATUS_EXPIRED
from app.views.bootstrap import persian_locale
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.licence_history import isolate_codes
from app.views.widgets.form import ERROR_COLOR
from app.views.widgets.table_model import Column, ColumnTableModel
from common.errors import DomainError
from common.signing import PAYLOAD_PREFIX, VerificationResult
from common.text import isolate_ltr, strip_bidi_controls, to_persian_digits

VALID_COLOR = "#2e7d32"
INVALID_COLOR = "#c62828"
#: A genuine certificate whose licence is not in force (list entries).
WARNING_COLOR = "#b45309"
#: What the local register says about a genuine certificate's licence: badge text and
#: colours (background, text). "active" gets no badge: the register note says it.
REGISTER_BADGES: dict[str, tuple[object, str, str]] = {
    "revoked": (QT_TRANSLATE_NOOP("VerifyDialog", "باطل‌شده"), "#c62828", "#ffffff"),
    "suspended": (QT_TRANSLATE_NOOP("VerifyDialog", "معلق"), "#ffb300", "#3e2723"),
    STATUS_EXPIRED: (QT_TRANSLATE_NOOP("VerifyDialog", "منقضی"), "#ef6c00", "#ffffff"),
    REGISTER_NOT_FOUND: (
        QT_TRANSLATE_NOOP("VerifyDialog", "در این دفتر ثبت نشده"),
        "#616161",
        "#ffffff",
    ),
}
#: Arabic-script letters (not digits: a value of Persian digits reads left to right).
_ARABIC_SCRIPT = re.compile("[\u0600-\u065f\u066a-\u06ef\u06fa-\u06ff\ufb50-\ufdff\ufe70-\ufefe]")


def _tr(text: str) -> str:
    return QCoreApplication.translate("VerifyDialog", text)


def _documents_folder() -> Path:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(folder) if folder else Path.home()


def display_value(value: str) -> str:
    """A claim's value for a right-to-left label: Latin and digit runs keep their order."""
    if _ARABIC_SCRIPT.search(value):
        return isolate_codes(value)
    return isolate_ltr(value)


#: The colour of a claim's name in the list of signed data.
LABEL_COLOR = QColor("#5f6368")


def field_columns() -> tuple[Column[tuple[str, str]], ...]:
    """The signed data, a (name, value) pair a row (no header)."""
    return (
        Column("", lambda field: field[0], foreground=lambda _field: LABEL_COLOR),
        Column("", lambda field: display_value(field[1]), tooltip=lambda field: field[1]),
    )


def in_force(result: VerificationResult) -> bool:
    """Genuine, and the register has nothing against it."""
    return result.valid and result.register_status in (None, REGISTER_ACTIVE)


def verdict_text(result: VerificationResult) -> str:
    """«معتبر» or «نامعتبر»."""
    return _tr("معتبر") if result.valid else _tr("نامعتبر")


def badge_text(result: VerificationResult) -> str:
    """What the register adds (باطل‌شده، معلق، منقضی، در این دفتر ثبت نشده), or ""."""
    if not result.valid or result.register_status is None:
        return ""
    badge = REGISTER_BADGES.get(result.register_status)
    return _tr(str(badge[0])) if badge is not None else ""


def _list_colour(result: VerificationResult) -> str:
    if not result.valid:
        return INVALID_COLOR
    return VALID_COLOR if in_force(result) else WARNING_COLOR


def verify_text(session: Session, text: str) -> list[VerificationResult]:
    """Verify pasted or scanned text: one payload, several (one a line), or a file path."""
    service = CertificateService(session)
    cleaned = strip_bidi_controls(text).strip()
    tokens = cleaned.split()
    if len(tokens) > 1 and all(token.startswith(PAYLOAD_PREFIX[:3]) for token in tokens):
        return [result for token in tokens for result in service.verify(token)]
    return service.verify(cleaned)


def verify_file(session: Session, path: Path) -> list[VerificationResult]:
    """Verify a certificate PDF (or a text file of payloads)."""
    return CertificateService(session).verify(path)


class VerifyDialog(QDialog):
    """Paste, scan or open a certificate; see whether it is genuine and in force."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.results: list[VerificationResult] = []
        self.source_path: Path | None = None
        self._typed_persian = False
        self.setWindowTitle(_tr("بررسی اصالت گواهی‌نامه"))
        self.setAcceptDrops(True)
        self._build()
        self.clear_result()

    # -- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        intro = QLabel(
            _tr(
                "کد QR گواهی‌نامه را با اسکنر بخوانید یا متن آن (یا نشانی صفحه بررسی که QR "
                "نشان می‌دهد) را اینجا بچسبانید و «بررسی» را بزنید؛ یا فایل PDF گواهی‌نامه را "
                "باز کنید (یا روی این پنجره بکشید)."
            )
        )
        intro.setWordWrap(True)
        self.payload_edit = QLineEdit()
        self.payload_edit.setPlaceholderText(f"{PAYLOAD_PREFIX}…")
        # The code is Latin text: typed, pasted and shown left to right.
        self.payload_edit.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.payload_edit.setClearButtonEnabled(True)
        self.payload_edit.setMinimumWidth(360)
        self.verify_button = QPushButton(_tr("بررسی"))
        self.verify_button.setDefault(True)
        self.open_button = QPushButton(_tr("باز کردن PDF…"))
        self.open_button.setAutoDefault(False)
        entry = QHBoxLayout()
        entry.addWidget(self.payload_edit, 1)
        entry.addWidget(self.verify_button)
        entry.addWidget(self.open_button)

        self.source_label = QLabel()
        self.source_label.setWordWrap(True)
        self.source_label.setStyleSheet("color: palette(placeholder-text);")

        self.results_list = QListWidget()
        self.results_list.setMaximumWidth(300)
        self.results_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)

        self.verdict_label = QLabel()
        self.verdict_label.setObjectName("verdict")
        self.verdict_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 2.2)
        font.setBold(True)
        self.verdict_label.setFont(font)
        self.verdict_label.setMinimumWidth(160)
        self.verdict_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.badge_label = QLabel()
        self.badge_label.setObjectName("registerBadge")
        self.badge_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        badge_font = QFont(self.font())
        badge_font.setPointSizeF(badge_font.pointSizeF() * 1.5)
        badge_font.setBold(True)
        self.badge_label.setFont(badge_font)
        self.badge_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        verdict_row = QHBoxLayout()
        verdict_row.addWidget(self.verdict_label)
        verdict_row.addSpacing(8)
        verdict_row.addWidget(self.badge_label)
        verdict_row.addStretch(1)

        self.reason_label = self._text_label()
        self.reason_label.setObjectName("reason")
        self.issuer_label = self._text_label()
        self.key_label = self._text_label()
        self.key_label.setStyleSheet(f"color: {WARNING_COLOR};")
        self.register_label = self._text_label()
        self.code_label = self._text_label()
        self.fields_title = QLabel()
        self.fields_title.setStyleSheet("font-weight: bold;")
        self.fields_model = ColumnTableModel(field_columns(), self)
        self.fields_table = QTableView()
        self.fields_table.setModel(self.fields_model)
        self.fields_table.horizontalHeader().hide()
        self.fields_table.verticalHeader().hide()
        self.fields_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.fields_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.fields_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.fields_table.setShowGrid(False)
        self.fields_table.setAlternatingRowColors(True)
        head = self.fields_table.horizontalHeader()
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)

        details = QVBoxLayout()
        details.addLayout(verdict_row)
        details.addWidget(self.reason_label)
        details.addWidget(self.issuer_label)
        details.addWidget(self.key_label)
        details.addWidget(self.register_label)
        details.addWidget(self.code_label)
        details.addWidget(self.fields_title)
        details.addWidget(self.fields_table, 1)
        details.addStretch(0)
        self.result_frame = QFrame()
        self.result_frame.setLayout(details)
        body = QHBoxLayout()
        body.addWidget(self.results_list)
        body.addWidget(self.result_frame, 1)

        self.close_button = QPushButton(_tr("بستن"))
        self.close_button.setAutoDefault(False)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(entry)
        layout.addWidget(self.source_label)
        layout.addLayout(body, 1)
        layout.addLayout(bottom)
        self.resize(780, 700)

        self.payload_edit.returnPressed.connect(self.on_payload_edit_return_pressed)
        self.verify_button.clicked.connect(self.on_verify_button_clicked)
        self.open_button.clicked.connect(self.on_open_button_clicked)
        self.close_button.clicked.connect(self.reject)
        self.results_list.currentRowChanged.connect(self.on_results_list_current_row_changed)
        self.payload_edit.setFocus()

    @staticmethod
    def _text_label() -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        return label

    # -- verifying --------------------------------------------------------------------------

    def verify_text(self, text: str | None = None) -> None:
        """Verify ``text`` (default: the text box) in a worker."""
        value = self.payload_edit.text() if text is None else text
        if not strip_bidi_controls(value).strip():
            self.show_problem(_tr("کد گواهی‌نامه را اسکن کنید یا متن آن را بچسبانید."))
            self.payload_edit.setFocus()
            return
        self.source_path = None
        # A scanner typing through a Persian keyboard layout sends Persian letters.
        self._typed_persian = bool(_ARABIC_SCRIPT.search(value))
        self._run(lambda session: verify_text(session, value), source="")

    def verify_path(self, path: Path) -> None:
        """Verify a certificate PDF (or a text file of codes) in a worker."""
        self.source_path = path
        self._typed_persian = False
        self._run(lambda session: verify_file(session, path), source=path.name)

    def _run(self, op: Callable[[Session], list[VerificationResult]], *, source: str) -> None:
        self.verify_button.setEnabled(False)
        self.open_button.setEnabled(False)

        def done(results: list[VerificationResult]) -> None:
            self._idle()
            self.show_results(results, source)

        def failed(exc: BaseException) -> None:
            self._idle()
            if isinstance(exc, DomainError):
                self.show_problem(exc.message)
            else:
                show_error(self, exc)

        self.ctx.run_op(op, done, failed, parent=self)

    def _idle(self) -> None:
        self.verify_button.setEnabled(True)
        self.open_button.setEnabled(True)
        self.payload_edit.selectAll()  # the next scan replaces the code
        self.payload_edit.setFocus()

    # -- showing ----------------------------------------------------------------------------

    def clear_result(self) -> None:
        """No result yet."""
        self.results = []
        self.results_list.clear()
        self.results_list.hide()
        self.source_label.hide()
        self.result_frame.hide()

    def show_problem(self, message: str) -> None:
        """The input could not be checked at all (an empty box, a PDF without codes)."""
        self.clear_result()
        self.result_frame.show()
        self.verdict_label.hide()
        self.badge_label.hide()
        self.reason_label.setText(message)
        self.reason_label.setStyleSheet(f"color: {ERROR_COLOR};")
        for label in (
            self.issuer_label,
            self.key_label,
            self.register_label,
            self.code_label,
            self.fields_title,
        ):
            label.hide()
        self.fields_table.hide()

    def show_results(self, results: Sequence[VerificationResult], source: str = "") -> None:
        """Show the results: a list to pick from when there are several."""
        self.clear_result()
        self.results = list(results)
        if not self.results:
            self.show_problem(_tr("کد گواهی‌نامه‌ای پیدا نشد."))
            return
        locale = persian_locale()
        if source:
            self.source_label.setText(
                _tr("فایل «{name}»: {count} گواهی‌نامه").format(
                    name=isolate_ltr(source), count=locale.toString(len(self.results))
                )
            )
            self.source_label.show()
        if len(self.results) > 1:
            for number, result in enumerate(self.results, start=1):
                item = QListWidgetItem(self._list_text(number, result))
                item.setForeground(QColor(_list_colour(result)))
                self.results_list.addItem(item)
            self.results_list.show()
            self.results_list.setCurrentRow(0)
        else:
            self.show_result(self.results[0])

    def _list_text(self, number: int, result: VerificationResult) -> str:
        badge = badge_text(result)
        verdict = f"{verdict_text(result)} — {badge}" if badge else verdict_text(result)
        first = f"{to_persian_digits(str(number))}. {verdict}"
        details = [
            isolate_ltr(to_persian_digits(result.data.get("n", ""))),
            result.data.get("h", ""),
        ]
        second = "  ".join(part for part in details if part.strip("\u2066\u2069"))
        return f"{first}\n{second}" if second else first

    def show_result(self, result: VerificationResult) -> None:
        """Show one result: verdict, register badge, reason, code and the signed data."""
        self.result_frame.show()
        colour = VALID_COLOR if result.valid else INVALID_COLOR
        self.verdict_label.setText(verdict_text(result))
        self.verdict_label.setProperty("valid", result.valid)
        self.verdict_label.setStyleSheet(
            f"background: {colour}; color: #ffffff; border-radius: 12px; padding: 6px 28px;"
        )
        self.verdict_label.show()
        badge = REGISTER_BADGES.get(result.register_status or "") if result.valid else None
        if badge is not None:
            text, background, foreground = badge
            self.badge_label.setText(_tr(str(text)))
            self.badge_label.setStyleSheet(
                f"background: {background}; color: {foreground}; border-radius: 10px;"
                " padding: 4px 18px;"
            )
            self.badge_label.show()
        else:
            self.badge_label.hide()
        self.badge_label.setProperty("status", result.register_status or "")

        reason = result.reason
        if not result.valid and self._typed_persian:
            reason += "\n" + _tr(
                "متن واردشده حروف فارسی دارد: اگر کد را با اسکنر خوانده‌اید، زبان صفحه‌کلید "
                "را انگلیسی کنید و دوباره اسکن کنید."
            )
        self.reason_label.setText(reason)
        self.reason_label.setStyleSheet(
            "" if result.valid else f"color: {INVALID_COLOR}; font-weight: bold;"
        )
        self.issuer_label.setText(_tr("صادرکننده: {office}").format(office=result.issuer))
        self.issuer_label.setVisible(bool(result.issuer))
        self.key_label.setText(result.key_note)
        self.key_label.setVisible(bool(result.key_note))
        self.register_label.setText(isolate_codes(to_persian_digits(result.register_note)))
        self.register_label.setVisible(bool(result.register_note))
        self.code_label.setText(
            _tr("کد تأیید: {code} (با کد چاپ‌شده کنار QR مقایسه کنید)").format(
                code=isolate_ltr(result.verification_code)
            )
        )
        self.code_label.setVisible(bool(result.verification_code))

        self.fields_title.setText(
            _tr("اطلاعات امضاشده")
            if result.valid
            else _tr("اطلاعاتی که این کد ادعا می‌کند (تأیید نشده)")
        )
        self.fields_title.setVisible(bool(result.fields))
        self._fill_fields(result.fields)
        self.fields_table.setVisible(bool(result.fields))

    def _fill_fields(self, fields: Sequence[tuple[str, str]]) -> None:
        self.fields_model.set_rows(fields)
        self.fields_table.resizeRowsToContents()

    # -- slots ------------------------------------------------------------------------------

    def on_payload_edit_return_pressed(self) -> None:
        """Enter (a scanner ends its code with it): verify now."""
        self.verify_text()

    def on_verify_button_clicked(self) -> None:
        """«بررسی»."""
        self.verify_text()

    def on_open_button_clicked(self) -> None:
        """«باز کردن PDF…»: choose a certificate file, then verify it."""
        folder = self.source_path.parent if self.source_path is not None else _documents_folder()
        chosen, _ = QFileDialog.getOpenFileName(
            self,
            _tr("باز کردن گواهی‌نامه"),
            str(folder),
            _tr("سند PDF (*.pdf);;همه فایل‌ها (*)"),
        )
        if chosen:
            self.verify_path(Path(chosen))

    def on_results_list_current_row_changed(self, row: int) -> None:
        """Show the result picked in the list."""
        if 0 <= row < len(self.results):
            self.show_result(self.results[row])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept a dragged file."""
        mime = event.mimeData()
        if mime.hasUrls() and any(url.isLocalFile() for url in mime.urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Verify the dropped file."""
        files = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.verify_path(Path(files[0]))
