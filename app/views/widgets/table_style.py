"""Roomier table cells for Persian text.

The default styles draw cell and header text 1–3 px from the grid line, which in
right-to-left text reads as if each word touched the column to its right.
:func:`apply_roomy_style` gives a table view and its headers wider text margins.
"""

from __future__ import annotations

from PySide6.QtWidgets import QProxyStyle, QStyle, QStyleOption, QTableView, QWidget

#: Horizontal text margin of a cell (and of a header section), in pixels.
CELL_MARGIN = 6


class RoomyItemStyle(QProxyStyle):
    """The application's style with wider text margins in item views and headers."""

    def pixelMetric(
        self,
        metric: QStyle.PixelMetric,
        option: QStyleOption | None = None,
        widget: QWidget | None = None,
    ) -> int:
        if metric in (QStyle.PixelMetric.PM_FocusFrameHMargin, QStyle.PixelMetric.PM_HeaderMargin):
            return CELL_MARGIN
        return super().pixelMetric(metric, option, widget)


def apply_roomy_style(table: QTableView) -> None:
    """Give ``table`` and its headers wider cell margins (the style is owned by the table)."""
    style = RoomyItemStyle()
    style.setParent(table)
    table.setStyle(style)
    table.horizontalHeader().setStyle(style)
    table.verticalHeader().setStyle(style)


def setup_record_table(table: QTableView) -> None:
    """The look and behaviour shared by Daftar's read-only record tables.

    Roomy cells, alternating rows, whole-row extended selection, no editing, no word
    wrap; callers add what is particular to them (eliding, header sizing).
    """
    from PySide6.QtWidgets import QAbstractItemView

    apply_roomy_style(table)
    table.setAlternatingRowColors(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
