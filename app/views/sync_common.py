"""What the sync screens share: the transport to the server, dates, texts.

The screens never talk to the network or the database on the GUI thread: they call
:func:`open_transport` (and the services) inside worker jobs. Tests give the
:class:`~app.views.context.AppContext` a ``transport_factory`` that reaches the server
app in process; in the application it is None and the services use HTTP.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractItemModel,
    QCoreApplication,
    QItemSelection,
    QItemSelectionModel,
    Qt,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableView,
    QWidget,
)

from common import jalali
from common.errors import DomainError
from common.text import isolate_ltr, to_persian_digits
from common.vocabulary import RecordKind

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.services.sync.report import SyncReport
    from app.services.sync.transport import Transport
    from app.views.context import TransportFactory

#: A web address (or just its scheme, «http://») inside Persian text.
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s،؛,()«»]*")
#: Colours of the status line and the result texts.
WARNING_COLOR = "#b45309"
OK_COLOR = "#2e7d32"


def _tr(text: str) -> str:
    return QCoreApplication.translate("sync", text)


def isolate_urls(text: str) -> str:
    """Keep web addresses left to right in a Persian message: without isolation a
    right-to-left label shows «http://» as «//:http»."""
    return _URL.sub(lambda match: isolate_ltr(match.group(0)), text)


def message_of(exc: BaseException) -> str:
    """The Persian message of a DomainError (addresses isolated), else the text."""
    return isolate_urls(exc.message if isinstance(exc, DomainError) else str(exc))


def token_place_text(place: str) -> str:
    """Where save_settings says the token went ("keyring"/"database"), for the clerk."""
    if place == "keyring":
        return _tr("در گاوصندوق رمز ویندوز")
    if place == "database":
        return _tr("رمزگذاری‌شده در پایگاه داده")
    return ""


def kinds_changed_by(report: SyncReport) -> frozenset[RecordKind]:
    """The kinds of records a sync changed, for :meth:`AppContext.announce`.

    A sync writes through sessions of its own, so its report is what says what changed:
    the sync queue always (changes were sent, or their state read again), the kinds of
    records it wrote (``SyncReport.changed_kinds``), and reference data and signing keys
    when they were refreshed.
    """
    kinds = {RecordKind.SYNC}
    kinds.update(RecordKind(kind) for kind in report.changed_kinds)
    if report.reference_changed:
        kinds.add(RecordKind.REFERENCE)
    if report.keys_changed:
        kinds.add(RecordKind.CERTIFICATES)
    return frozenset(kinds)


def open_transport(
    session: Session,
    factory: TransportFactory | None,
    *,
    server_url: str = "",
    token: str = "",
) -> Transport:
    """The transport of this database's sync settings (``server_url``/``token`` override
    them; an empty token means the stored one). Raises SyncError («not_configured»,
    «no_token», «bad_url», «insecure_url», «bad_ca_file») like
    :func:`app.services.sync.transport.transport_for`. Worker only."""
    from app.services.sync.transport import transport_for

    transport = transport_for(session, server_url=server_url, token=token)
    if factory is None:
        return transport
    try:
        return factory(transport.base_url, transport.token)
    finally:
        transport.close()


def _local(at: dt.datetime) -> dt.datetime:
    """A stored moment (UTC; naive means UTC) in the computer's time zone."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone()


def format_moment(at: dt.datetime) -> str:
    """A UTC moment in local time, Jalali, Persian digits: «۱۴۰۴/۰۲/۰۱  ۱۰:۳۰»."""
    local = _local(at)
    return f"{jalali.format_jalali(local.date())}  {to_persian_digits(local.strftime('%H:%M'))}"


def format_clock(at: dt.datetime) -> str:
    """The local time of day, Persian digits: «۱۰:۳۰»."""
    return to_persian_digits(_local(at).strftime("%H:%M"))


def skew_minutes(seconds: float) -> int:
    """A clock difference in whole minutes (at least 1)."""
    return max(1, round(abs(seconds) / 60))


def skew_text(seconds: float) -> str:
    """The warning about this computer's clock."""
    minutes = to_persian_digits(str(skew_minutes(seconds)))
    return _tr(
        "ساعت این رایانه حدود {minutes} دقیقه با ساعت سرور مرکزی اختلاف دارد. "
        "لطفاً تاریخ و ساعت رایانه را درست کنید تا زمان تغییرها درست ثبت شود."
    ).format(minutes=minutes)


def hint_label(text: str = "") -> QLabel:
    """A grey, word-wrapped explanation."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: palette(placeholder-text);")
    return label


def open_box(
    parent: QWidget | None,
    icon: QMessageBox.Icon,
    title: str,
    text: str,
    *,
    name: str,
) -> QMessageBox:
    """Show a Persian message box without blocking (deleted when closed)."""
    box = QMessageBox(icon, title, isolate_urls(text), QMessageBox.StandardButton.Ok, parent)
    box.setObjectName(name)
    box.button(QMessageBox.StandardButton.Ok).setText(_tr("باشه"))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


# --- what the review dialogs (conflicts, rejected changes) are built from ------------------


def review_table(name: str, model: QAbstractItemModel) -> QTableView:
    """A read-only record table over ``model`` (a column table), rows selected whole."""
    from app.views.widgets.table_style import setup_record_table

    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    setup_record_table(table)
    table.verticalHeader().hide()
    table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    table.horizontalHeader().setStretchLastSection(False)
    return table


def select_table_row(table: QTableView, row: int) -> None:
    """Select one whole row (QTableView.selectRow needs a laid-out header: not yet
    there while the dialog is being built)."""
    model = table.model()
    selection = QItemSelection(model.index(row, 0), model.index(row, model.columnCount() - 1))
    flags = QItemSelectionModel.SelectionFlag
    table.selectionModel().select(selection, flags.ClearAndSelect | flags.Rows)
    table.selectionModel().setCurrentIndex(model.index(row, 0), flags.NoUpdate)


def list_pages(
    table: QTableView, *, loading: str, empty: str, empty_name: str
) -> tuple[QStackedWidget, QLabel]:
    """Pages of a list that loads in a worker: 0 «loading», 1 the table, 2 «nothing to
    show» (a larger, centred text). Returns the pages and the empty label."""
    empty_label = QLabel(empty)
    empty_label.setObjectName(empty_name)
    empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    font = empty_label.font()
    font.setPointSizeF(font.pointSizeF() * 1.3)
    empty_label.setFont(font)
    loading_label = QLabel(loading)
    loading_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    pages = QStackedWidget()
    pages.addWidget(loading_label)
    pages.addWidget(table)
    pages.addWidget(empty_label)
    return pages, empty_label


def result_label(name: str) -> QLabel:
    """The hidden green line that says what the last action did."""
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {OK_COLOR};")
    label.hide()
    return label


def close_buttons(dialog: QDialog) -> tuple[QDialogButtonBox, QPushButton]:
    """A button box with «بستن» that closes ``dialog``."""
    buttons = QDialogButtonBox()
    close = buttons.addButton(_tr("بستن"), QDialogButtonBox.ButtonRole.RejectRole)
    buttons.rejected.connect(dialog.reject)
    return buttons, close
