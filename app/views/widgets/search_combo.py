"""The one searchable combo box: an editable combo whose completer matches anywhere in the
item text.

Typing «زنبور», «۰۱۰۰» or «0100» shows a popup of the items containing it. Matching is
done on a normalised search key (:func:`common.text.search_key`: Persian letters,
ASCII digits, lower case), so Arabic ي/ك and Persian or Latin digits all find the same
items. Each item carries a value (``value()``, also ``currentData()``), typically a
record id.

Two uses: in a form (the default) the box may be empty or hold text that names no item,
and ``value()`` is then None, for the service to refuse with its message; as a filter
(``keep_item=True``: «همه …» first, then the choices) it always holds one of its items:
leaving it, or pressing Enter, with text that names no item puts the chosen item's text
back.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QComboBox, QCompleter, QWidget

from common.text import search_key

#: The item role holding the normalised text the completer matches.
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1
VALUE_ROLE = Qt.ItemDataRole.UserRole


class ContainsCompleter(QCompleter):
    """A completer matching the normalised typed text anywhere in :data:`SEARCH_ROLE`."""

    def __init__(self, model: QStandardItemModel, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.setCompletionRole(SEARCH_ROLE)
        self.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setMaxVisibleItems(12)

    def splitPath(self, path: str) -> list[str]:
        """Match on the typed text's search key."""
        return [search_key(path)]

    def pathFromIndex(self, index: QModelIndex | QPersistentModelIndex) -> str:
        """Put the item's displayed text (not its search key) in the line edit."""
        return str(index.data(Qt.ItemDataRole.DisplayRole) or "")


class SearchCombo(QComboBox):
    """An editable combo of (text, value) items with a match-anywhere completer."""

    def __init__(
        self, parent: QWidget | None = None, *, placeholder: str = "", keep_item: bool = False
    ) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(16)
        self.item_model = QStandardItemModel(self)
        self.setModel(self.item_model)
        self.setCompleter(ContainsCompleter(self.item_model, self))
        line_edit = self.lineEdit()
        assert line_edit is not None  # editable
        self._line_edit = line_edit
        self.keep_item = keep_item
        line_edit.setPlaceholderText(placeholder)
        # A filter holds an item at all times: nothing to clear.
        line_edit.setClearButtonEnabled(not keep_item)
        if keep_item:
            line_edit.editingFinished.connect(self.on_line_edit_editing_finished)
        self.setCurrentIndex(-1)

    def add_item(self, text: str, value: Any, search_text: str | None = None) -> None:
        """Append an item; ``search_text`` (default ``text``) is what typing matches."""
        item = QStandardItem(text)
        item.setData(value, VALUE_ROLE)
        item.setData(search_key(search_text if search_text is not None else text), SEARCH_ROLE)
        item.setEditable(False)
        self.item_model.appendRow(item)

    def add_separator(self) -> None:
        """Append a separator line."""
        self.insertSeparator(self.count())

    def value(self) -> Any:
        """The value of the item whose text is in the box, or None if the text is no item."""
        text = self.currentText().strip()
        if not text:
            return None
        index = self.currentIndex()
        if index >= 0 and self.itemText(index) == text:
            return self.itemData(index, VALUE_ROLE)
        index = self.findText(text, Qt.MatchFlag.MatchFixedString)
        return self.itemData(index, VALUE_ROLE) if index >= 0 else None

    def set_value(self, value: Any) -> bool:
        """Select the item with ``value``; False if there is none (the box is emptied).

        In a form None empties the box; with ``keep_item`` it selects the item whose
        value is None («همه …»), and a missing value leaves the selection as it is.
        """
        if self.keep_item:
            index = self.findData(value, VALUE_ROLE) if value is not None else self._none_item()
            if index >= 0:
                self.setCurrentIndex(index)
            return index >= 0
        index = -1 if value is None else self.findData(value, VALUE_ROLE)
        self.setCurrentIndex(index)
        if index < 0:
            self.setEditText("")
        return index >= 0 or value is None

    def _none_item(self) -> int:
        for row in range(self.count()):
            if self.itemData(row, VALUE_ROLE) is None:
                return row
        return -1

    def on_line_edit_editing_finished(self) -> None:
        """A filter: put the chosen item's text back if the typed text names no item."""
        index = self.currentIndex()
        text = self.itemText(index) if index >= 0 else ""
        if self._line_edit.text() != text:
            self._line_edit.setText(text)
