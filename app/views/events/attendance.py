"""The attendance tab of the event page: a grid of the registered participants × the
event's days; ticking or clearing a box marks a participant present or not that day."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.events.records import EventDetail, ParticipantInfo
from app.views.errors import show_error
from app.views.events.shared import ChangeRunner, day_label, tr
from common.vocabulary import ParticipantStatus


class AttendanceTab(QWidget):
    """The attendance grid of the event page (changes go through the page's
    :class:`~app.views.events.shared.ChangeRunner`)."""

    def __init__(self, change: ChangeRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.change = change
        self.detail: EventDetail | None = None
        self.participants: list[ParticipantInfo] = []
        self._filling = False
        self.attendance_table = QTableWidget(0, 0)
        self.attendance_table.setObjectName("attendanceTable")
        self.attendance_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        hint = QLabel(
            tr("برای ثبت حضور، خانهٔ هر روز را علامت بزنید؛ فقط ثبت‌نام‌شده‌ها فهرست می‌شوند.")
        )
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.attendance_table, 1)
        self.attendance_table.itemChanged.connect(self.on_attendance_table_item_changed)

    def set_event(self, detail: EventDetail, participants: list[ParticipantInfo]) -> None:
        """Show the attendance of the event loaded."""
        self.detail = detail
        self.participants = participants
        self.fill()

    def fill(self) -> None:
        """Fill the grid from the event and participants loaded."""
        detail = self.detail
        table = self.attendance_table
        self._filling = True
        try:
            if detail is None:
                table.setRowCount(0)
                table.setColumnCount(0)
                return
            registered = [p for p in self.participants if p.status == ParticipantStatus.REGISTERED]
            days = detail.days
            table.setColumnCount(len(days))
            table.setRowCount(len(registered))
            table.setHorizontalHeaderLabels([day_label(d) for d in days])
            table.setVerticalHeaderLabels([p.full_name for p in registered])
            for row, person in enumerate(registered):
                for column, day in enumerate(days):
                    cell = QTableWidgetItem()
                    cell.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                    cell.setData(Qt.ItemDataRole.UserRole, (person.id, day))
                    present = day in person.present_days
                    cell.setCheckState(
                        Qt.CheckState.Checked if present else Qt.CheckState.Unchecked
                    )
                    table.setItem(row, column, cell)
        finally:
            self._filling = False

    def on_attendance_table_item_changed(self, item: QTableWidgetItem) -> None:
        """A box was ticked or cleared: save it."""
        if self._filling:
            return
        participant_id, day = item.data(Qt.ItemDataRole.UserRole)
        present = item.checkState() == Qt.CheckState.Checked

        def failed(exc: BaseException) -> None:
            self.fill()
            show_error(self.window(), exc)

        self.change(
            lambda service: service.set_attendance(participant_id, day, present), on_failed=failed
        )

    def set_present(self, participant_id: str, day: dt.date, present: bool = True) -> None:
        """Tick (or clear) a participant's box for ``day`` in the grid."""
        table = self.attendance_table
        for row in range(table.rowCount()):
            for column in range(table.columnCount()):
                cell = table.item(row, column)
                if cell is not None and cell.data(Qt.ItemDataRole.UserRole) == (
                    participant_id,
                    day,
                ):
                    cell.setCheckState(
                        Qt.CheckState.Checked if present else Qt.CheckState.Unchecked
                    )
                    return
        raise KeyError((participant_id, day))
