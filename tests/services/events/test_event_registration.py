"""Registration and attendance: the waiting list and promotion, national IDs and licence
holders, attendance marks, the figures and attendance certificates
(app.services.events.registration)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import CertificateIssue, EventAttendance
from app.services.certificates.pdf import extract_payloads
from app.services.certificates.service import CertificateService
from app.services.core.db import Database
from app.services.events.records import EventFilter, ParticipantInput
from app.services.events.service import EventService
from common import jalali
from common.errors import DomainError, ValidationErrors
from tests.services.conftest import issue_test_licence
from tests.services.events.event_support import NID_A, NID_B, NID_C, NID_D, create, event_input


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
        pdf, issued = CertificateService(s).event_attendance_certificates(event.id)
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
