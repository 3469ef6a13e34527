"""EventService: validation, codes, waiting list, attendance, figures, calendar, closures,
outbox, search keys, and attendance certificates."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from app.models import CertificateIssue, ClosureDay, Event, EventAttendance, OutboxOperation
from app.services.certificates.pdf import extract_payloads
from app.services.certificates.service import CertificateService
from app.services.core import reference
from app.services.core.db import Database
from app.services.core.search_keys import refresh_event_search_keys
from app.services.events.service import (
    EventFilter,
    EventInput,
    EventService,
    ParticipantInput,
    allocate_event_codes,
    official_holidays,
)
from common import jalali
from common.errors import DomainError, ValidationErrors
from tests.services.conftest import issue_test_licence

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


def create(db: Database, **kw: object):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return EventService(s, actor="clerk").create(event_input(db, **kw))


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


def test_codes_skip_taken_ones(db: Database) -> None:
    with db.session() as s:
        EventService(s).create(event_input(db), code="0612-E-0002")
    with db.session() as s:
        assert allocate_event_codes(s, 2) == ["0612-E-0001", "0612-E-0003"]


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


def test_waiting_list_and_promotion(db: Database) -> None:
    event = create(db)
    with db.session() as s:
        service = EventService(s)
        a = service.register(event.id, ParticipantInput(NID_A, "مریم", "کریمی", "09121234567"))
        b = service.register(event.id, ParticipantInput(NID_B, "علی", "رضایی", ""))
        c = service.register(event.id, ParticipantInput(NID_C, "سارا", "موسوی", ""))
        d = service.register(event.id, ParticipantInput(NID_D, "رضا", "کاظمی", ""))
    assert (a.status, b.status, c.status, d.status) == (
        "registered",
        "registered",
        "waiting",
        "waiting",
    )
    with db.session() as s:
        people = EventService(s).participants(event.id)
    assert [p.waiting_position for p in people] == [None, None, 1, 2]
    with db.session() as s:
        promoted = EventService(s).cancel_participant(a.id)
    assert promoted is not None and promoted.id == c.id and promoted.status == "registered"
    # Raising the capacity promotes the next one.
    with db.session() as s:
        detail = EventService(s).update(event.id, event_input(db, capacity="5"))
    assert detail.figures.registered == 3 and detail.figures.waiting == 0
    # The capacity can't go below the registered count.
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        EventService(s).update(event.id, event_input(db, capacity="1"))
    assert "capacity" in info.value.by_field()
    # A cancelled registration can be renewed; a live one can't be duplicated.
    with db.session() as s:
        again = EventService(s).register(event.id, ParticipantInput(NID_A, "مریم", "کریمی"))
    assert again.id == a.id and again.status == "registered"
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        EventService(s).register(event.id, ParticipantInput(NID_B, "علی", "رضایی"))
    assert info.value.by_field()["national_id"] == "این شخص پیش‌تر در این رویداد ثبت‌نام کرده است"


def test_registration_validates_the_national_id_and_links_holders(db: Database) -> None:
    licence = issue_test_licence(db)
    event = create(db)
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        EventService(s).register(event.id, ParticipantInput("1234567890", "", "کریمی", "123"))
    assert set(info.value.by_field()) == {"national_id", "first_name", "mobile"}
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        EventService(s).register_holder(event.id, NID_B)
    assert "بدون مجوز" in info.value.by_field()["national_id"]
    with db.session() as s:
        holder = EventService(s).register_holder(event.id, "۰۰۶۷۷۴۹۸۲۸")
    assert holder.person_id == licence.holder.id and holder.full_name == "مریم کریمی"
    assert holder.mobile == "09121234567"


def test_attendance_figures_and_certificates(db: Database) -> None:
    event = create(db, capacity="3")
    days = [jalali.from_jalali(1405, 2, d) for d in (5, 6, 7)]
    with db.session() as s:
        service = EventService(s)
        a = service.register(event.id, ParticipantInput(NID_A, "مریم", "کریمی"))
        b = service.register(event.id, ParticipantInput(NID_B, "علی", "رضایی"))
        c = service.register(event.id, ParticipantInput(NID_C, "سارا", "موسوی"))
        for day in days:
            service.set_attendance(a.id, day)
        service.set_attendance(b.id, "1405/02/06")
        service.set_attendance(c.id, days[0])
        service.set_attendance(c.id, days[0], present=False)  # unmarked
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        EventService(s).set_attendance(a.id, "1405/02/08")
    assert "از روزهای این رویداد نیست" in info.value.by_field()["day"]
    with db.session() as s:
        figures = EventService(s).figures(event.id)
        rows = s.scalars(select(EventAttendance)).all()
    assert figures.present_days == 4 and figures.registered == 3 and figures.days == 3
    assert figures.attendance_rate == pytest.approx(4 / 9)
    assert figures.attendees == 2 and figures.later_licensed == 0
    unmarked = next(r for r in rows if r.participant_id == c.id)
    assert unmarked.present is False and unmarked.rev == 2
    # A licence issued after the event counts as "later licensed".
    issue_test_licence(db, NID_A, issue_date="1405/03/01")
    issue_test_licence(db, NID_B, issue_date="1404/03/01", first_name="علی", last_name="رضایی")
    with db.session() as s:
        assert EventService(s).figures(event.id).later_licensed == 1
        listed = EventService(s).list_events(EventFilter(text="بسته بندی"))
    assert [e.code for e in listed] == [event.code]
    assert listed[0].registered == 3 and listed[0].attendance_rate == pytest.approx(4 / 9)
    assert listed[0].later_licensed == 1  # the list shows the same figure as the page

    with db.session() as s:
        pdf, issued = CertificateService(s, actor="clerk").event_attendance_certificates(event.id)
    assert [c.participant_id for c in issued] == [a.id, b.id]
    assert extract_payloads(pdf) == [c.payload for c in issued]
    with db.session() as s:  # each page shows its attendee (app.services.certificates.pdf.check)
        assert [r.status for r in CertificateService(s).verify(pdf)] == ["valid", "valid"]
    with db.session() as s:
        logged = s.scalars(select(CertificateIssue).order_by(CertificateIssue.serial)).all()
        assert [(r.kind, r.participant_id, r.licence_id) for r in logged] == [
            ("attendance", a.id, None),
            ("attendance", b.id, None),
        ]
        [result] = CertificateService(s).verify(issued[0].payload)
    assert result.valid and result.data["t"] == "A" and result.data["n"] == event.code
    assert dict(result.fields)["نام شرکت‌کننده"] == "مریم کریمی"
    assert result.register_status == "active"
    # Not an attendee: refused by name; a reprint is a duplicate.
    with db.session() as s, pytest.raises(DomainError) as refused:
        CertificateService(s).attendance_certificates([c.id])
    assert "سارا موسوی" in refused.value.message
    with db.session() as s:
        _pdf, again = CertificateService(s).attendance_certificates([a.id])
    assert again[0].duplicate


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


def test_refresh_search_keys(db: Database) -> None:
    event = create(db)
    with db.session() as s:
        row = s.get(Event, event.id)
        assert row is not None
        row.search_key = ""
        row.title = "بازارچه نوروزی"
    with db.session() as s:
        refresh_event_search_keys(s, [event.id])
        refresh_event_search_keys(s, [])
    with db.session() as s:
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
