"""A combo box the clerk can type into to find an item, matched on normalised text.

Typing ``كريم`` (Arabic letters), ``کریم`` or a code in any digits finds the items whose
text contains it anywhere (:func:`common.text.search_key` on both sides), in a
popup list. The combo always holds one of its items: choosing from the popup or pressing
Enter on an exact match selects it, and leaving the box with other text puts the current
item's text back.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QCompleter, QLineEdit, QWidget

from common.text import search_key

#: Item data role holding the item's search key.
SEARCH_KEY_ROLE = Qt.ItemDataRole.UserRole + 20


class SearchableComboBox(QComboBox):
    """An editable combo box whose items are found by typing part of their text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(20)
        self._completer = QCompleter(self.model(), self)
        self._completer.setCompletionRole(SEARCH_KEY_ROLE)
        self._completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self._completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self._completer.setMaxVisibleItems(15)
        # Not installed with setCompleter(): the line edit would match the raw text.
        self.setCompleter(None)  # type: ignore[arg-type]
        line_edit = self.lineEdit()
        popup = self._completer.popup()
        assert line_edit is not None and popup is not None
        self._line_edit: QLineEdit = line_edit
        self._popup: QAbstractItemView = popup
        self._completer.setWidget(line_edit)
        popup.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self._completer.activated[QModelIndex].connect(  # type: ignore[index]
            self.on_completer_activated
        )
        line_edit.textEdited.connect(self.on_line_edit_text_edited)
        line_edit.editingFinished.connect(self.on_line_edit_editing_finished)

    def add_item(self, text: str, data: Any = None, *, search_text: str | None = None) -> None:
        """Append an item; ``search_text`` (default ``text``) is what typing matches."""
        self.addItem(text, data)
        self.setItemData(self.count() - 1, search_key(search_text or text), SEARCH_KEY_ROLE)

    def select_data(self, data: Any) -> bool:
        """Make the item holding ``data`` current; False if there is none."""
        index = self.findData(data)
        if index < 0:
            return False
        self.setCurrentIndex(index)
        return True

    def on_line_edit_text_edited(self, text: str) -> None:
        """Show the items matching what was typed."""
        key = search_key(text)
        if not key:
            self._popup.hide()
            return
        self._completer.setCompletionPrefix(key)
        if self._completer.completionCount():
            self._completer.complete()
        else:
            self._popup.hide()

    def on_completer_activated(self, index: QModelIndex) -> None:
        """Select the item chosen in the popup."""
        key = index.data(SEARCH_KEY_ROLE)
        text = index.data(Qt.ItemDataRole.DisplayRole)
        for row in range(self.count()):
            if self.itemData(row, SEARCH_KEY_ROLE) == key and self.itemText(row) == text:
                self.setCurrentIndex(row)
                break
        self._line_edit.setText(self.currentText())

    def on_line_edit_editing_finished(self) -> None:
        """Put back the current item's text if the typed text names no item."""
        self._revert_text()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        popup_opened = event.reason() == Qt.FocusReason.PopupFocusReason
        if not popup_opened and not self._popup.isVisible():
            self._revert_text()

    def _revert_text(self) -> None:
        index = self.currentIndex()
        text = self.itemText(index) if index >= 0 else ""
        if self._line_edit.text() != text:
            self._line_edit.setText(text)
