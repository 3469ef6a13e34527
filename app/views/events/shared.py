"""What the events views share: their translation context, Persian numbers, rates and
day labels, the current Jalali month, and how the event page's tabs run a change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QCoreApplication

from app.services.events.service import EventService
from app.views.bootstrap import persian_locale
from common import jalali
from common.text import to_persian_digits


def tr(text: str) -> str:
    """``text`` translated in the events screens' context."""
    return QCoreApplication.translate("Events", text)


def format_number(value: int) -> str:
    """A count in Persian digits (with the locale's grouping)."""
    return persian_locale().toString(value)


def format_rate(value: float | None) -> str:
    """A rate as a Persian percentage, «—» when there is none."""
    if value is None:
        return "—"
    return to_persian_digits(f"{value * 100:.0f}") + "٪"


def day_label(day: dt.date) -> str:
    """``MM/DD`` of the Jalali date, in Persian digits (an attendance column)."""
    _y, m, d = jalali.to_jalali_tuple(day)
    return to_persian_digits(f"{m:02d}/{d:02d}")


def current_jalali_month() -> tuple[int, int]:
    """This month in the Jalali calendar."""
    y, m, _d = jalali.to_jalali_tuple(jalali.today())
    return y, m


class ChangeRunner(Protocol):
    """How a tab of the event page changes the event
    (:meth:`app.views.events.event_dialog.EventDialog.change`): run ``action`` on the
    service off the GUI thread, reload the page, tell the other screens, then call
    ``on_done`` with its result (or ``on_failed`` with the error)."""

    def __call__(
        self,
        action: Callable[[EventService], object],
        on_done: Callable[[object], None] | None = None,
        on_failed: Callable[[BaseException], None] | None = None,
    ) -> None: ...
