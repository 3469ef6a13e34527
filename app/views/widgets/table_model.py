"""The one table model of the views: columns declared once, ``data``/``headerData`` served
from them.

A :class:`Column` says everything about one column: its header (and the header's
tooltip), the value a row shows in it, how the value becomes text (a date in Jalali,
a number or a code in Persian digits), alignment, colour, tooltip and the key it sorts
by. :class:`ColumnTableModel` shows rows of any type through a sequence of columns:
every role a view asks for comes from the declarations. Rows live in memory
(:meth:`~ColumnTableModel.set_rows`); a model that pages rows from the database
(:class:`app.views.register_model.RegisterModel`) overrides :meth:`row_data`,
:meth:`rowCount` and :meth:`cell_text`.

Roles besides Qt's: :data:`ROW_ID_ROLE` (the row's id, when the model was given
``row_id``) and :data:`SORT_ROLE` (the column's sort key, for a QSortFilterProxyModel).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from common.jalali import format_jalali
from common.text import to_persian_digits

R = TypeVar("R")
ModelIndex = QModelIndex | QPersistentModelIndex

#: Item data role: the id of the row (None when the model has no ``row_id``).
ROW_ID_ROLE = Qt.ItemDataRole.UserRole + 1
#: Item data role: the value the column sorts by (codes as ASCII digits, dates as dates).
SORT_ROLE = Qt.ItemDataRole.UserRole + 2


def display_text(value: object, *, digits: bool = False, empty: str = "") -> str:
    """How a cell shows ``value``: a date in Jalali, a number in Persian digits, text as it
    is (its digits Persian with ``digits``), None as ``empty``."""
    if value is None:
        return empty
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return format_jalali(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return to_persian_digits(str(value))
    text = str(value)
    return to_persian_digits(text) if digits else text


@dataclass(frozen=True)
class Column(Generic[R]):
    """One column of a table of ``R`` rows, declared once."""

    #: The header.
    title: str
    #: What a row shows (text, a number, a date or None; see :func:`display_text`).
    value: Callable[[R], object]
    #: An identifier (e.g. the SQL sort key of a paged model).
    key: str = ""
    #: The ASCII digits of a text value are shown as Persian digits (codes, numbers).
    digits: bool = False
    #: What a None value shows.
    empty: str = ""
    #: Cell alignment (None: the view's default, the leading side).
    align: Qt.AlignmentFlag | None = None
    #: Long text the column may cut: the whole text is the cell's tooltip.
    elided: bool = False
    #: A cell's tooltip (besides ``elided``).
    tooltip: Callable[[R], str | None] | None = None
    #: A cell's text colour (None: the row's, else the palette's).
    foreground: Callable[[R], QColor | None] | None = None
    #: The value the column sorts by (default: ``value``).
    sort_key: Callable[[R], object] | None = None
    #: The header's tooltip.
    header_tooltip: str = ""

    def text(self, row: R) -> str:
        """The cell's text for ``row``."""
        return display_text(self.value(row), digits=self.digits, empty=self.empty)


class ColumnTableModel(QAbstractTableModel, Generic[R]):
    """Rows of ``R`` shown through declared columns; the vertical header numbers the rows
    in Persian digits.

    ``row_id`` gives the row's id (:data:`ROW_ID_ROLE`); ``row_foreground`` and
    ``row_tooltip`` apply to every cell of a row whose column says nothing itself;
    ``row_bold`` sets a row in bold.
    """

    #: What a cell of a row not loaded yet shows (paged models).
    placeholder: str | None = None

    def __init__(
        self,
        columns: Sequence[Column[R]],
        parent: QObject | None = None,
        *,
        row_id: Callable[[R], str] | None = None,
        row_foreground: Callable[[R], QColor | None] | None = None,
        row_tooltip: Callable[[R], str | None] | None = None,
        row_bold: Callable[[R], bool] | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns: tuple[Column[R], ...] = tuple(columns)
        self._rows: list[R] = []
        self._row_id = row_id
        self._row_foreground = row_foreground
        self._row_tooltip = row_tooltip
        self._row_bold = row_bold

    # -- rows -----------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[R]) -> None:
        """Show ``rows`` (a model reset)."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def append_rows(self, rows: Sequence[R]) -> None:
        """Add ``rows`` at the end."""
        if not rows:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def rows(self) -> list[R]:
        """The rows in memory."""
        return list(self._rows)

    def row_data(self, row: int) -> R | None:
        """The row at ``row`` (None if there is none, or it is not loaded)."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def cell_text(self, row: int, column: int) -> str | None:
        """The text of a cell (None: the row is not loaded, show :attr:`placeholder`)."""
        data = self.row_data(row)
        return self.columns[column].text(data) if data is not None else None

    def text(self, row: int, column: int) -> str:
        """A cell's text as the view shows it (tests, copying)."""
        return str(self.data(self.index(row, column)) or "")

    # -- QAbstractTableModel ------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.column() < len(self.columns):
            return None
        if not 0 <= index.row() < self.rowCount():
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            text = self.cell_text(index.row(), index.column())
            return self.placeholder if text is None else text
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return None if column.align is None else int(column.align)
        row = self.row_data(index.row())
        if row is None:
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            color = column.foreground(row) if column.foreground is not None else None
            if color is None and self._row_foreground is not None:
                color = self._row_foreground(row)
            return color
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(column, row)
        if role == Qt.ItemDataRole.FontRole and self._row_bold is not None:
            if not self._row_bold(row):
                return None
            font = QFont()
            font.setBold(True)
            return font
        if role == SORT_ROLE:
            return (column.sort_key or column.value)(row)
        if role == ROW_ID_ROLE:
            return self._row_id(row) if self._row_id is not None else None
        return None

    def _tooltip(self, column: Column[R], row: R) -> str | None:
        tip = column.tooltip(row) if column.tooltip is not None else None
        if tip is None and column.elided:
            tip = column.text(row) or None
        if tip is None and self._row_tooltip is not None:
            tip = self._row_tooltip(row)
        return tip

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(self.columns):
                return None
            column = self.columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return column.title
            if role == Qt.ItemDataRole.ToolTipRole:
                return column.header_tooltip or None
            return None
        if role == Qt.ItemDataRole.DisplayRole and 0 <= section < self.rowCount():
            return to_persian_digits(str(section + 1))
        return None
