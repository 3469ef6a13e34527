"""The events calendar: off-day warnings (Fridays, official holidays, closure days), the
month grid's marks and events, closure days added and removed (app.services.events.calendar)."""

from __future__ import annotations

import pytest

from app.models import ClosureDay
from app.services.core.db import Database
from app.services.events.calendar import official_holidays
from app.services.events.service import EventService
from common import jalali
from common.errors import ValidationErrors
from tests.services.events.event_support import create


def test_warnings_for_friday_holiday_and_closure(db: Database) -> None:
    # A closure day, a Friday and an official holiday (1405/01/13, Nature's Day).
    with db.session() as s:
        closure = EventService(s).add_closure_day("1405/02/06", "سیل")
    detail = create(db)  # 1405/02/05..07 (no Friday), closure on 02/06
    assert len(detail.warnings) == 1 and "سیل" in detail.warnings[0]
    holiday = jalali.from_jalali(1405, 1, 13)
    assert "طبیعت" in official_holidays(holiday, holiday)[holiday]
    friday = next(
        jalali.from_jalali(1405, 3, d)
        for d in range(1, 8)
        if jalali.jalali_weekday(jalali.from_jalali(1405, 3, d)) == 6
    )
    on_friday = create(db, start_date=friday, end_date=friday)
    assert "جمعه" in on_friday.warnings[0]
    on_holiday = create(db, start_date=holiday, end_date=holiday)
    assert "تعطیل رسمی" in on_holiday.warnings[0]
    with db.session() as s:
        month = EventService(s).month(1405, 2)
    cell = month.days[5]
    assert cell.mark is not None and cell.mark.closure == "سیل"
    assert [e.code for e in cell.events] == [detail.code]
    assert month.days[0].weekday == jalali.jalali_weekday(jalali.from_jalali(1405, 2, 1))
    fridays = [d for d in month.days if d.weekday == 6]
    assert fridays and all(d.mark is not None and d.mark.friday for d in fridays)
    with db.session() as s:
        EventService(s).remove_closure_day(closure.id)
    with db.session() as s:
        assert EventService(s).month(1405, 2).days[5].mark is None
        row = s.get(ClosureDay, closure.id)
        assert row is not None and row.deleted and row.rev == 2
    with db.session() as s, pytest.raises(ValidationErrors):
        service = EventService(s)
        service.add_closure_day("1405/02/09")
        service.add_closure_day("1405/02/09")
