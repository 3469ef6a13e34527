"""Helpers of the events service tests (and of other tests that need an event): valid
national IDs and an event's input, created through EventService."""

from __future__ import annotations

from app.services.core import reference
from app.services.core.db import Database
from app.services.events.records import EventDetail, EventInput
from app.services.events.service import EventService

NID_A = "0067749828"
NID_B = "4032152314"
NID_C = "0013542419"
NID_D = "0084575948"


def _county(db: Database) -> str:
    with db.session() as s:
        return next(c.id for c in reference.list_counties(s) if c.name == "تهران")


def event_input(db: Database, **kw: object) -> EventInput:
    with db.session() as s:
        field = reference.list_fields(s)[0].id
    base: dict[str, object] = {
        "kind": "کارگاه آموزشی",
        "title": "کارگاه  بسته‌بندي محصولات",
        "field_ids": (field,),
        "venue": "سالن اجتماعات اداره",
        "county_id": _county(db),
        # 1405/02/05 (Saturday) to 1405/02/07 (Monday)
        "start_date": "1405/02/05",
        "end_date": "۱۴۰۵/۰۲/۰۷",
        "start_time": "09:00",
        "end_time": "۱۲:۳۰",
        "capacity": "2",
        "instructor": "زهرا احمدی",
        "description": "آموزش بسته‌بندی",
    }
    base.update(kw)
    return EventInput(**base)  # type: ignore[arg-type]


def create(db: Database, **kw: object) -> EventDetail:
    with db.session() as s:
        return EventService(s).create(event_input(db, **kw))
