"""«کلیدهای امضا»: the signing keys this desk knows, rotating its own, adding a key file.

The table lists the desk's own keys (the current one first) and every other office's
published key (app.services.core.signing_keys.key_list): office, key id, state (فعال،
کنار گذاشته، باطل) with its date, and whether the server has published it. «تعویض کلید
این دستگاه…» retires the current key (certificates it signed stay valid) and makes a new
one; the next sync publishes both. «افزودن فایل کلیدها…» trusts a published key file (an
office without a server gets one from the operator). Everything runs off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.core import signing_keys
from app.services.core.signing_keys import KeyInfo
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.widgets import messages
from app.views.widgets.table_model import Column, ColumnTableModel
from common.errors import DomainError
from common.key_set import KeySetError, load_key_set
from common.signing import format_moment
from common.text import isolate_ltr, to_persian_digits


def _tr(text: str) -> str:
    return QCoreApplication.translate("SigningKeysDialog", text)


def state_text(info: KeyInfo) -> str:
    """فعال / کنار گذاشته از … / باطل از … (and «کلید فعلی این دستگاه»)."""
    if info.revoked_at is not None:
        text = _tr("باطل از {when}").format(when=format_moment(info.revoked_at))
    elif info.retired_at is not None:
        text = _tr("کنار گذاشته از {when}").format(when=format_moment(info.retired_at))
    else:
        text = _tr("فعال")
    return f"{text} — {_tr('کلید فعلی این دستگاه')}" if info.current else text


def published_text(info: KeyInfo) -> str:
    """Whether the server's key set lists the key."""
    if info.server_state:
        return _tr("منتشرشده")
    return _tr("در همگام‌سازی بعدی منتشر می‌شود") if info.own else _tr("از فایل")


def key_columns() -> tuple[Column[KeyInfo], ...]:
    """The columns of the key list."""
    return (
        Column(
            _tr("اداره"),
            lambda k: k.office or (_tr("این دستگاه") if k.own else _tr("ناشناخته")),
        ),
        Column(_tr("شناسه کلید"), lambda k: isolate_ltr(k.key_id)),
        Column(_tr("وضعیت"), state_text),
        Column(_tr("انتشار"), published_text),
    )


def import_file(session: Session, path: Path) -> int:
    """Trust the keys of a published key file; returns how many were new."""
    try:
        keys = load_key_set(path.read_bytes())
    except OSError as exc:
        raise DomainError(
            _tr("فایل کلیدها خوانده نشد: {path}").format(path=isolate_ltr(str(path)))
        ) from exc
    except KeySetError as exc:
        raise DomainError(str(exc)) from exc
    return signing_keys.import_key_file(session, keys)


class SigningKeysDialog(QDialog):
    """The key list, with «تعویض کلید این دستگاه…» and «افزودن فایل کلیدها…»."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.keys: list[KeyInfo] = []
        #: The key list has been read at least once.
        self.loaded = False
        self.setWindowTitle(_tr("کلیدهای امضا"))
        intro = QLabel(
            _tr(
                "گواهی‌نامه‌ها با کلید امضای هر دستگاه امضا می‌شوند. کلید خصوصی این دستگاه در "
                "انبار امن ویندوز (یا رمزشده در پوشه کاربر) است، نه در پایگاه داده. کلیدهای "
                "عمومی همه ادارات با همگام‌سازی می‌رسند تا گواهی‌نامه‌های آن‌ها را بی‌اینترنت "
                "بررسی کنید."
            )
        )
        intro.setWordWrap(True)
        self.model = ColumnTableModel(key_columns(), self, row_bold=lambda k: k.current)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, self.model.columnCount()):
            head.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.rotate_button = QPushButton(_tr("تعویض کلید این دستگاه…"))
        self.rotate_button.setAutoDefault(False)
        self.import_button = QPushButton(_tr("افزودن فایل کلیدها…"))
        self.import_button.setAutoDefault(False)
        self.close_button = QPushButton(_tr("بستن"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.rotate_button)
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)
        self.resize(820, 460)
        self.rotate_button.clicked.connect(self.on_rotate_button_clicked)
        self.import_button.clicked.connect(self.on_import_button_clicked)
        self.close_button.clicked.connect(self.accept)
        self.reload()

    def reload(self) -> None:
        """Read the key list (in a worker)."""
        self.ctx.run_op(signing_keys.key_list, self.show_keys, self._failed, parent=self)

    def show_keys(self, keys: Sequence[KeyInfo]) -> None:
        """Fill the table."""
        self.loaded = True
        self.keys = list(keys)
        self.model.set_rows(self.keys)
        self.table.resizeRowsToContents()

    def _failed(self, exc: BaseException) -> None:
        self._idle()
        if isinstance(exc, DomainError):
            self.status_label.setText(exc.message)
            self.status_label.setStyleSheet("color: #c62828;")
        else:
            show_error(self, exc)

    def _busy(self) -> None:
        self.rotate_button.setEnabled(False)
        self.import_button.setEnabled(False)

    def _idle(self) -> None:
        self.rotate_button.setEnabled(True)
        self.import_button.setEnabled(True)

    def rotate(self) -> None:
        """Retire the current key and make a new one (in a worker)."""
        self._busy()

        def done(new_key: str) -> None:
            self._idle()
            self.status_label.setStyleSheet("")
            self.status_label.setText(
                _tr(
                    "کلید تازه {key} ساخته شد. کلید قبلی کنار گذاشته شد و گواهی‌نامه‌هایی که با "
                    "آن امضا شده‌اند معتبر می‌مانند؛ هر دو در همگام‌سازی بعدی منتشر می‌شوند."
                ).format(key=isolate_ltr(new_key))
            )
            self.reload()

        self.ctx.run_op(signing_keys.rotate_key, done, self._failed, parent=self)

    def import_path(self, path: Path) -> None:
        """Trust the keys of a key file (in a worker)."""
        self._busy()

        def done(added: int) -> None:
            self._idle()
            self.status_label.setStyleSheet("")
            self.status_label.setText(
                _tr("{count} کلید تازه از فایل افزوده شد.").format(
                    count=to_persian_digits(str(added))
                )
            )
            self.reload()

        self.ctx.run_op(lambda session: import_file(session, path), done, self._failed, parent=self)

    def on_rotate_button_clicked(self) -> None:
        """«تعویض کلید این دستگاه…»: ask first."""
        if messages.confirm(
            self,
            _tr("تعویض کلید امضا"),
            _tr(
                "کلید امضای این دستگاه کنار گذاشته و کلید تازه‌ای ساخته شود؟ گواهی‌نامه‌های "
                "پیشین معتبر می‌مانند. این کار را وقتی بکنید که به امنیت کلید فعلی شک دارید یا "
                "طبق دستور اداره کل."
            ),
            yes_text=_tr("تعویض کلید"),
            no_text=_tr("انصراف"),
        ):
            self.rotate()

    def on_import_button_clicked(self) -> None:
        """«افزودن فایل کلیدها…»: choose a keys.json."""
        chosen, _ = QFileDialog.getOpenFileName(
            self, _tr("فایل کلیدهای منتشرشده"), str(Path.home()), _tr("فایل کلیدها (*.json)")
        )
        if chosen:
            self.import_path(Path(chosen))
