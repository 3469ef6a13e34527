"""The problems of an import, as a sortable table: row number, column and Persian reason
(or a warning's, in amber). Used by the import dialog for rejected rows and warnings."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCollator,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QTableView, QWidget

from app.services.spreadsheet.importer import Problem
from app.views.bootstrap import persian_locale
from app.views.widgets.table_style import apply_roomy_style
from common.text import to_persian_digits

#: Text colour of the warnings' reasons (amber 900: readable on white).
WARNING_COLOR = "#e65100"


def _tr(text: str) -> str:
    return QCoreApplication.translate("ImportDialog", text)


class ProblemsModel(QAbstractTableModel):
    """Problems (or warnings) of an import: row number, column and reason; sortable."""

    ROW, COLUMN, REASON = range(3)
    #: The raw value of a cell (row number as int), used for sorting.
    SORT_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(
        self,
        problems: Sequence[Problem] = (),
        *,
        warnings: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._problems: list[Problem] = list(problems)
        #: Each shown problem's position in the order given (ties keep that order).
        self._given: list[int] = list(range(len(self._problems)))
        self._warnings = warnings
        self._headers = (_tr("ردیف"), _tr("ستون"), _tr("دلیل"))
        self._collator = QCollator(persian_locale())

    def set_problems(self, problems: Sequence[Problem]) -> None:
        """Show ``problems`` instead (in the order given)."""
        self.beginResetModel()
        self._problems = list(problems)
        self._given = list(range(len(self._problems)))
        self.endResetModel()

    def problem(self, row: int) -> Problem:
        """The problem shown in ``row``."""
        return self._problems[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._problems)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def _reason(self, problem: Problem) -> str:
        if self._warnings:
            return _tr("هشدار: {reason}").format(reason=problem.message)
        return problem.message

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._problems):
            return None
        problem = self._problems[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.ROW:
                return to_persian_digits(str(problem.row))
            return problem.column if column == self.COLUMN else self._reason(problem)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.REASON:
            return self._reason(problem)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.ROW:
            return Qt.AlignmentFlag.AlignCenter
        if role == Qt.ItemDataRole.ForegroundRole and self._warnings and column == self.REASON:
            return QColor(WARNING_COLOR)
        if role == self.SORT_ROLE:
            return (problem.row, problem.column, problem.message)[column]
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._headers)
        ):
            return self._headers[section]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column (then by row number, then as given); keeps the selection.

        Text is compared in Persian alphabetical order (پ، چ، ژ، گ in their places).
        """
        collate = functools.cmp_to_key(self._collator.compare)
        keys: dict[int, Callable[[Problem], tuple[Any, ...]]] = {
            self.ROW: lambda p: (p.row,),
            self.COLUMN: lambda p: (collate(p.column), p.row),
            self.REASON: lambda p: (collate(p.message), p.row),
        }
        key = keys.get(column)
        if key is None:
            return
        self.layoutAboutToBeChanged.emit()
        order_of = sorted(
            range(len(self._problems)),
            key=lambda i: (*key(self._problems[i]), self._given[i]),
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
        new_row = {old: new for new, old in enumerate(order_of)}
        self._problems = [self._problems[i] for i in order_of]
        self._given = [self._given[i] for i in order_of]
        persistent = self.persistentIndexList()
        self.changePersistentIndexList(
            persistent,
            [self.index(new_row[i.row()], i.column()) for i in persistent],
        )
        self.layoutChanged.emit()


def problems_view(model: ProblemsModel) -> QTableView:
    """A read-only view of ``model``: whole rows selected, sortable, by row number first."""
    view = QTableView()
    view.setModel(model)
    apply_roomy_style(view)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    header = view.horizontalHeader()
    header.setSectionResizeMode(ProblemsModel.ROW, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(ProblemsModel.COLUMN, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(ProblemsModel.REASON, QHeaderView.ResizeMode.Stretch)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
    view.setSortingEnabled(True)
    view.sortByColumn(ProblemsModel.ROW, Qt.SortOrder.AscendingOrder)
    return view


def fit_rows(view: QTableView, rows: int, most: int) -> None:
    """Make ``view`` as tall as its header and ``rows`` rows, but no more than ``most``."""
    shown = max(1, min(rows, most))
    height = view.horizontalHeader().sizeHint().height()
    height += view.verticalHeader().defaultSectionSize() * shown + 2 * view.frameWidth()
    view.setFixedHeight(height)
