"""EventService's commands on events: create (normalised, a code, the outbox), every bad
field reported at once, cancel, and edits refused (app.services.events.service)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.models import Event, OutboxOperation
from app.services.core.db import Database
from app.services.events.records import ParticipantInput
from app.services.events.service import EventService
from common import jalali
from common.errors import DomainError, ValidationErrors
from tests.services.events.event_support import NID_A, create, event_input


def test_create_normalises_allocates_a_code_and_writes_the_outbox(db: Database) -> None:
    detail = create(db)
    assert detail.code == "0612-E-0001"
    assert detail.title == "کارگاه بسته‌بندی محصولات"
    assert detail.kind == "workshop" and detail.kind_label == "کارگاه آموزشی"
    assert detail.start_date == jalali.from_jalali(1405, 2, 5)
    assert detail.end_time == "12:30" and detail.capacity == 2
    assert detail.organiser_name == "اداره تعاون شهرستان تهران"
    assert len(detail.days) == 3
    second = create(db, title="نمایشگاه", kind="exhibition")
    assert second.code == "0612-E-0002"
    with db.session() as s:
        event = s.get(Event, detail.id)
        assert event is not None and event.origin_office and event.rev == 1
        assert "0612 e 0001" in event.search_key and " 1" in event.search_key
        op = s.scalar(select(OutboxOperation).where(OutboxOperation.row_id == detail.id))
        assert op is not None and op.op == "insert" and op.table_name == "event"
        assert "search_key" not in json.loads(op.changes)


def test_every_bad_field_is_reported_at_once_and_nothing_is_saved(db: Database) -> None:
    with pytest.raises(ValidationErrors) as info:
        create(
            db,
            kind="جشن",
            title="",
            start_date="1405/02/10",
            end_date="1405/02/05",
            capacity="0",
            start_time="25:00",
        )
    errors = info.value.by_field()
    assert set(errors) >= {"kind", "title", "end_date", "capacity", "start_time"}
    assert errors["end_date"] == "تاریخ پایان نمی‌تواند پیش از تاریخ شروع باشد"
    assert errors["capacity"] == "ظرفیت باید بیشتر از صفر باشد"
    with pytest.raises(ValidationErrors) as info:
        create(db, end_date="1405/02/05", start_time="10:00", end_time="09:30")
    assert "ساعت پایان" in info.value.by_field()["end_time"]
    with pytest.raises(ValidationErrors) as info:
        create(db, capacity="-3")
    assert "capacity" in info.value.by_field()
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == 0
        assert s.scalar(select(func.count()).select_from(OutboxOperation)) == 0


def test_cancel_event_refuses_registration_and_edits(db: Database) -> None:
    event = create(db)
    with db.session() as s:
        cancelled = EventService(s).cancel(event.id)
    assert cancelled.status == "cancelled" and cancelled.status_label == "لغوشده"
    with db.session() as s, pytest.raises(DomainError):
        EventService(s).register(event.id, ParticipantInput(NID_A, "مریم", "کریمی"))
    with db.session() as s, pytest.raises(DomainError):
        EventService(s).update(event.id, event_input(db))
    with db.session() as s:
        ops = s.scalars(select(OutboxOperation).where(OutboxOperation.row_id == event.id)).all()
    assert [op.op for op in ops] == ["insert", "update"]
    assert json.loads(ops[1].changes) == {"status": ["planned", "cancelled"]}


def test_update_with_attendance_outside_new_dates_is_refused(db: Database) -> None:
    event = create(db)
    with db.session() as s:
        a = EventService(s).register(event.id, ParticipantInput(NID_A, "مریم", "کریمی"))
        EventService(s).set_attendance(a.id, "1405/02/07")
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        EventService(s).update(event.id, event_input(db, end_date="1405/02/06"))
    assert "start_date" in info.value.by_field()
