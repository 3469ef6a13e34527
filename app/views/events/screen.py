"""The events screen: the month calendar and the list (switched by two buttons), the
office's closure days, and the event pages it opens.

All database work goes through ``ctx.run_op``, which announces the kinds of records a
change wrote; this screen refreshes itself when events (or what they show) changed.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QStackedWidget, QVBoxLayout, QWidget
from sqlalchemy.orm import Session

from app.services.events.calendar import MonthCalendar
from app.services.events.records import EventSummary
from app.services.events.service import EventService
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.events.closure_days import ClosureDaysDialog
from app.views.events.event_dialog import EventDialog
from app.views.events.event_list import EventListView
from app.views.events.month_grid import CalendarView
from app.views.events.shared import tr
from app.views.sign_in import forbid
from common.vocabulary import Permission, RecordKind

#: Kinds of sig_records_changed this screen refreshes on.
REFRESH_KINDS = frozenset(
    {RecordKind.EVENTS, RecordKind.LICENCES, RecordKind.OFFICE, RecordKind.SUPPORTERS}
)


class EventsScreen(QWidget):
    """Events: the month calendar and the list, the closure days, the event pages."""

    #: The month shown finished loading (year, month).
    sig_month_shown = Signal(int, int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialogs: list[EventDialog] = []
        self._month_generation = 0
        self._list_generation = 0
        self.new_button = QPushButton(tr("رویداد تازه…"))
        self.closures_button = QPushButton(tr("روزهای تعطیل اداره…"))
        self.calendar_button = QPushButton(tr("تقویم"))
        self.list_button = QPushButton(tr("فهرست"))
        for button in (self.calendar_button, self.list_button):
            button.setCheckable(True)
            button.setAutoExclusive(True)
        self.calendar_button.setChecked(True)
        self.calendar = CalendarView()
        self.list_view = EventListView()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.calendar)
        self.stack.addWidget(self.list_view)
        bar = QHBoxLayout()
        bar.addWidget(self.calendar_button)
        bar.addWidget(self.list_button)
        bar.addStretch(1)
        bar.addWidget(self.closures_button)
        bar.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)
        self.new_button.clicked.connect(self.on_new_button_clicked)
        forbid(self.new_button, self.ctx.db.account, Permission.EVENTS)
        self.closures_button.clicked.connect(self.on_closures_button_clicked)
        self.calendar_button.toggled.connect(self.on_view_toggled)
        self.calendar.sig_month_requested.connect(self.show_month)
        self.calendar.grid.sig_event_activated.connect(self.open_event)
        self.calendar.grid.sig_day_activated.connect(self.on_grid_day_activated)
        self.list_view.sig_event_activated.connect(self.open_event)
        self.list_view.sig_filter_changed.connect(self.refresh_list)
        ctx.signals.sig_records_changed.connect(self.on_records_changed)
        self.refresh()

    # -- loading ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Load the month shown and the list again."""
        self.show_month(self.calendar.year, self.calendar.month)
        self.refresh_list()

    def show_month(self, jalali_year: int, jalali_month: int) -> None:
        """Show a Jalali month in the calendar (loaded in a worker)."""
        self._month_generation += 1
        generation = self._month_generation

        def op(session: Session) -> MonthCalendar:
            return EventService(session).month(jalali_year, jalali_month)

        def loaded(month: MonthCalendar) -> None:
            if generation == self._month_generation:
                self.calendar.set_month(month)
                self.sig_month_shown.emit(month.year, month.month)

        self.ctx.run_op(op, loaded, self._failed, parent=self)

    def refresh_list(self) -> None:
        """Load the list with the filters as set."""
        self._list_generation += 1
        generation = self._list_generation
        flt = self.list_view.filter()

        def op(session: Session) -> list[EventSummary]:
            return EventService(session).list_events(flt)

        def loaded(events: list[EventSummary]) -> None:
            if generation == self._list_generation:
                self.list_view.set_events(events)

        self.ctx.run_op(op, loaded, self._failed, parent=self)

    def _failed(self, exc: BaseException) -> None:
        show_error(self.window(), exc)

    def on_records_changed(self, kind: str) -> None:
        """Events (or what they show) changed somewhere: reload."""
        if kind in REFRESH_KINDS:
            self.refresh()

    def on_view_toggled(self, calendar: bool) -> None:
        """Switch between the calendar and the list."""
        self.stack.setCurrentWidget(self.calendar if calendar else self.list_view)

    # -- opening ---------------------------------------------------------------------------

    def _open(self, dialog: EventDialog) -> EventDialog:
        dialog.finished.connect(self.on_dialog_finished)
        self.dialogs.append(dialog)
        dialog.open()
        return dialog

    def on_dialog_finished(self, _result: int) -> None:
        """An event page was closed: forget it and delete it later."""
        dialog = self.sender()
        if isinstance(dialog, EventDialog) and dialog in self.dialogs:
            self.dialogs.remove(dialog)
            dialog.deleteLater()

    def open_event(self, event_id: str) -> EventDialog:
        """Open an event's page (non-blocking); returns the dialog."""
        return self._open(EventDialog(self.ctx, event_id, self))

    def new_event(self, day: dt.date | None = None) -> EventDialog:
        """Open an empty event page (on ``day`` if given)."""
        dialog = EventDialog(self.ctx, None, self)
        if day is not None:
            dialog.start_edit.setDate(day)
            dialog.end_edit.setDate(day)
        return self._open(dialog)

    def on_new_button_clicked(self) -> None:
        """«رویداد تازه…»."""
        self.new_event()

    def on_grid_day_activated(self, day: dt.date) -> None:
        """A day was double-clicked: a new event on it."""
        self.new_event(day)

    def on_closures_button_clicked(self) -> None:
        """«روزهای تعطیل اداره…»."""
        self.open_closures()

    def open_closures(self) -> ClosureDaysDialog:
        """Open the closure-days dialog (non-blocking)."""
        dialog = ClosureDaysDialog(self.ctx, self.calendar.year, self.calendar.month, self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog
