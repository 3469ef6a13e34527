"""Reading events: the list's search (search keys kept up to date) and filters
(app.services.events.queries)."""

from __future__ import annotations

import datetime as dt

from app.models import Event
from app.services.core.db import Database
from app.services.core.search_keys import refresh_event_search_keys
from app.services.events.records import EventFilter
from app.services.events.service import EventService
from common import jalali
from tests.accounts_support import granted
from tests.services.events.event_support import create


def test_refresh_search_keys(db: Database) -> None:
    event = create(db)
    with db.session() as s:
        granted(s)
        row = s.get(Event, event.id)
        assert row is not None
        row.search_key = ""
        row.title = "بازارچه نوروزی"
    with db.session() as s:
        granted(s)
        refresh_event_search_keys(s, [event.id])
        refresh_event_search_keys(s, [])
    with db.session() as s:
        granted(s)
        assert [e.id for e in EventService(s).list_events(EventFilter(text="نوروزی"))] == [event.id]
        refresh_event_search_keys(s)
        assert EventService(s).list_events(EventFilter(kind="bazaar")) == []
        assert len(EventService(s).list_events(EventFilter(year=1405, month=2))) == 1
        assert EventService(s).list_events(EventFilter(year=1405, month=3)) == []
        # Words match at their start: «12» is no part of «0612-E-0001», «0001» and «1» are.
        code = EventService(s).get(event.id).code
        assert code.startswith("0612-E-")
        assert EventService(s).list_events(EventFilter(text="12")) == []
        for text in ("0001", "1", "E 1", "نوروز"):
            assert [e.id for e in EventService(s).list_events(EventFilter(text=text))] == [
                event.id
            ], text


def test_list_filters_by_status_and_days(db: Database) -> None:
    create(db)
    other = create(db, title="نمایشگاه", kind="exhibition")
    with db.session() as s:
        EventService(s).cancel(other.id)
        assert [e.id for e in EventService(s).list_events(EventFilter(status="cancelled"))] == [
            other.id
        ]
    assert dt.date(2026, 4, 25) == jalali.from_jalali(1405, 2, 5)
