"""The note a screen shows over a record this office may only look at.

A supporter's licence and the supporter itself reach the offices of every county with a
member of its network, and a province office's records reach its counties' offices
through the same networks: they are shown, but changing them is their own county
office's. The services refuse such changes (app.services.core.scope.ScopedService.require_owned)
and so does the server; this note says why the actions are disabled.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QWidget


def _tr(text: str) -> str:
    return QCoreApplication.translate("read_only_note", text)


class ReadOnlyNote(QLabel):
    """A yellow band with the reason; hidden while the office may change the record."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setObjectName("read_only_note")
        self.setStyleSheet(
            "QLabel#read_only_note { background: #fff4ce; color: #5c4400;"
            " border: 1px solid #e0c36a; border-radius: 4px; padding: 6px 10px; }"
        )
        self.hide()

    def show_reason(self, reason: str) -> None:
        """Show ``reason`` (Persian) — or hide the note when it is empty."""
        if reason:
            self.setText(_tr("فقط خواندنی: {reason}").format(reason=reason))
            self.show()
        else:
            self.hide()
