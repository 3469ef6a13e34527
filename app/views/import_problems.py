"""The problems of an import, as a sortable column table: row number, column and Persian
reason (or a warning's, in amber). Used by the import dialog for rejected rows and
warnings."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QCollator, QCoreApplication, QObject, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QTableView

from app.services.spreadsheet.importer import Problem
from app.views.bootstrap import persian_locale
from app.views.widgets.table_model import SORT_ROLE, Column, ColumnTableModel
from app.views.widgets.table_style import apply_roomy_style

#: Text colour of the warnings' reasons (amber 900: readable on white).
WARNING_COLOR = "#e65100"


def _tr(text: str) -> str:
    return QCoreApplication.translate("ImportDialog", text)


def problem_columns(*, warnings: bool = False) -> list[Column[Problem]]:
    """Row number (Persian digits, centred), column header, reason (a warning's prefixed
    «هشدار:» and amber); each sorts by its own value."""
    amber = QColor(WARNING_COLOR)

    def reason(problem: Problem) -> str:
        if warnings:
            return _tr("هشدار: {reason}").format(reason=problem.message)
        return problem.message

    return [
        Column(_tr("ردیف"), lambda p: p.row, align=Qt.AlignmentFlag.AlignCenter),
        Column(_tr("ستون"), lambda p: p.column),
        Column(
            _tr("دلیل"),
            reason,
            elided=True,
            foreground=(lambda _p: amber) if warnings else None,
            sort_key=lambda p: p.message,
        ),
    ]


class ProblemsModel(ColumnTableModel[Problem]):
    """Problems (or warnings) of an import: row number, column and reason; sortable."""

    ROW, COLUMN, REASON = range(3)
    #: The raw value of a cell (the row number as int), what a column sorts by.
    SORT_ROLE = SORT_ROLE

    def __init__(
        self,
        problems: Sequence[Problem] = (),
        *,
        warnings: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(problem_columns(warnings=warnings), parent)
        self._collator = QCollator(persian_locale())
        #: Each shown problem's position in the order given (ties keep that order).
        self._given: list[int] = []
        self.set_problems(problems)

    def set_problems(self, problems: Sequence[Problem]) -> None:
        """Show ``problems`` instead (in the order given)."""
        self._given = list(range(len(problems)))
        self.set_rows(problems)

    def problem(self, row: int) -> Problem:
        """The problem shown in ``row``."""
        found = self.row_data(row)
        if found is None:
            raise IndexError(row)
        return found

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column (then by row number, then as they were); keeps the selection.

        Text is compared in Persian alphabetical order (پ، چ، ژ، گ in their places).
        """
        if not 0 <= column < len(self.columns):
            return
        collate = functools.cmp_to_key(self._collator.compare)
        sort_key = self.columns[column].sort_key or self.columns[column].value

        problems = self.rows()

        def key(index: int) -> tuple[Any, ...]:
            problem = problems[index]
            value = sort_key(problem)
            first = collate(value) if isinstance(value, str) else value
            return (first, problem.row, self._given[index])

        self.layoutAboutToBeChanged.emit()
        ordered = sorted(
            range(len(problems)), key=key, reverse=order == Qt.SortOrder.DescendingOrder
        )
        new_row = {old: new for new, old in enumerate(ordered)}
        self._rows = [problems[i] for i in ordered]
        self._given = [self._given[i] for i in ordered]
        persistent = self.persistentIndexList()
        self.changePersistentIndexList(
            persistent, [self.index(new_row[i.row()], i.column()) for i in persistent]
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
