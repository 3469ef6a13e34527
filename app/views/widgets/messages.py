"""Small Persian question and information boxes.

They are module functions so that a screen calls them in one line and a test replaces
them (``monkeypatch.setattr(module, "confirm", lambda *a, **k: True)``) instead of
driving a modal box.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget


def _tr(text: str) -> str:
    return QCoreApplication.translate("messages", text)


def confirm(
    parent: QWidget | None,
    title: str,
    text: str,
    *,
    yes_text: str | None = None,
    no_text: str | None = None,
    danger: bool = False,
) -> bool:
    """Ask a yes/no question; True if the clerk chose yes.

    With ``danger`` the box shows a warning icon and "no" is the default button, so that
    Enter does not confirm an irreversible action.
    """
    icon = QMessageBox.Icon.Warning if danger else QMessageBox.Icon.Question
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.NoButton, parent)
    yes = box.addButton(yes_text or _tr("بله"), QMessageBox.ButtonRole.YesRole)
    no = box.addButton(no_text or _tr("خیر"), QMessageBox.ButtonRole.NoRole)
    box.setDefaultButton(no if danger else yes)
    box.setEscapeButton(no)
    box.exec()
    return box.clickedButton() is yes


def inform(parent: QWidget | None, title: str, text: str) -> None:
    """Show a piece of information the clerk should read (one OK button)."""
    box = QMessageBox(
        QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent
    )
    box.button(QMessageBox.StandardButton.Ok).setText(_tr("باشه"))
    box.exec()


def confirm_discard(parent: QWidget | None) -> bool:
    """Ask before closing a form with unsaved edits; True means close without saving."""
    return confirm(
        parent,
        _tr("تغییرات ذخیره نشده"),
        _tr("تغییرات ذخیره نشده‌اند. بسته شود؟"),
        yes_text=_tr("بستن بدون ذخیره"),
        no_text=_tr("ادامه ویرایش"),
    )
