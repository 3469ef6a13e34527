"""LicenceService: issue, validation, reuse of holders, edits, status changes, history."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from sqlalchemy import func, select

from app.models import Licence, LicenceHistory, OutboxOperation, Person
from app.services.core import reference
from app.services.core.db import Database
from app.services.licences.numbers import unique_id_for
from app.services.licences.records import MAX_LICENCES_PER_PERSON, LicenceInput, PersonInput
from app.services.licences.service import LicenceService
from common import jalali
from common.errors import DomainError, ValidationErrors
from tests.accounts_support import TEST_HEAD


def _field_and_county(db: Database) -> tuple[str, str]:
    with db.session() as s:
        field = reference.list_fields(s)[0]
        county = next(c for c in reference.list_counties(s) if c.name == "تهران")
        return field.id, county.id


def _person(nid: str = "0067749828", **kw: str) -> PersonInput:
    values = dict(
        national_id=nid,
        first_name="مریم",
        last_name="کریمی",
        father_name="حسن",
        birth_date="1365/04/21",
        gender="زن",
        mobile="09121234567",
        postal_code="1351746851",
        address="تهران، خیابان آزادی",
    )
    values.update(kw)
    return PersonInput(**values)  # type: ignore[arg-type]


def _licence(db: Database, **kw: object) -> LicenceInput:
    field_id, county_id = _field_and_county(db)
    values: dict[str, object] = dict(
        kind="مستقل", field_id=field_id, county_id=county_id, issue_date="1403/05/12"
    )
    values.update(kw)
    return LicenceInput(**values)  # type: ignore[arg-type]


def _count(db: Database, model: type) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_issue_normalises_and_numbers(db: Database) -> None:
    with db.session() as s:
        detail = LicenceService(s).issue(
            _person(first_name="علي", last_name="كريمي\u202e", mobile="+98 912 123 4567"),
            _licence(db),
        )
    assert detail.holder.first_name == "علی"
    assert detail.holder.last_name == "کریمی"
    assert detail.holder.mobile == "09121234567"
    assert detail.number == "0612-000001"
    assert detail.unique_id == unique_id_for(detail.id)
    assert detail.issue_date == jalali.from_jalali(1403, 5, 12)
    # Expiry defaults to the office's validity (5 years).
    assert detail.expiry_date == jalali.from_jalali(1408, 5, 12)
    assert detail.status == "active"


def test_issue_writes_history_and_outbox(db: Database) -> None:
    with db.session() as s:
        detail = LicenceService(s).issue(_person(), _licence(db))
        history = LicenceService(s).history(detail.id)
    assert [h.action for h in history] == ["issued"]
    assert history[0].actor == TEST_HEAD.name  # the signed-in account, nobody else
    assert any("۱۴۰۳/۰۵/۱۲" in line for line in history[0].lines)
    with db.session() as s:
        ops = s.scalars(select(OutboxOperation)).all()
    assert {op.table_name for op in ops} == {"person", "licence", "licence_history"}
    assert all(op.op == "insert" and op.state == "pending" for op in ops)


def test_invalid_input_saves_nothing_and_reports_every_field(db: Database) -> None:
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        LicenceService(s).issue(
            _person("1234567890", first_name="", mobile="12345"),
            _licence(db, issue_date="1404/12/30", field_id=""),
        )
    fields = info.value.by_field()
    assert "رقم کنترل" in fields["national_id"]
    assert "نام" in fields["first_name"]
    assert "mobile" in fields
    assert "۱۴۰۴" in fields["issue_date"]
    assert "field_id" in fields
    assert _count(db, Licence) == 0
    assert _count(db, Person) == 0
    assert _count(db, OutboxOperation) == 0


def test_expiry_must_follow_issue(db: Database) -> None:
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        LicenceService(s).issue(_person(), _licence(db, expiry_date="1403/05/12"))
    assert "بعد از تاریخ صدور" in info.value.by_field()["expiry_date"]


def test_future_issue_date_refused(db: Database) -> None:
    tomorrow = jalali.today() + dt.timedelta(days=1)
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        LicenceService(s).issue(_person(), _licence(db, issue_date=tomorrow))
    assert "issue_date" in info.value.by_field()


def test_existing_holder_is_reused_and_limited_to_ten(db: Database) -> None:
    with db.session() as s:
        service = LicenceService(s)
        for _ in range(MAX_LICENCES_PER_PERSON):
            service.issue(_person(), _licence(db))
    assert _count(db, Person) == 1
    with db.session() as s:
        found = LicenceService(s).find_person("۰۰۶۷۷۴۹۸۲۸")
    assert found is not None and found.licence_count == MAX_LICENCES_PER_PERSON
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        LicenceService(s).issue(_person(), _licence(db))
    assert "حداکثر" in info.value.by_field()["national_id"]
    assert _count(db, Licence) == MAX_LICENCES_PER_PERSON


def test_reusing_holder_updates_changed_details(db: Database) -> None:
    with db.session() as s:
        first = LicenceService(s).issue(_person(), _licence(db))
    with db.session() as s:
        LicenceService(s).issue(_person(mobile="09351112233"), _licence(db))
    with db.session() as s:
        service = LicenceService(s)
        assert service.get(first.id).holder.mobile == "09351112233"
        assert service.history(first.id)[0].action == "holder_edited"


def test_edit_records_old_and_new_values(db: Database) -> None:
    with db.session() as s:
        detail = LicenceService(s).issue(_person(), _licence(db))
    with db.session() as s:
        updated = LicenceService(s).update(
            detail.id,
            _person(address="اصفهان، میدان نقش جهان"),
            _licence(db, activity_address="کارگاه خانگی"),
            expected_rev=detail.rev,
        )
        history = LicenceService(s).history(detail.id)
    assert updated.holder.address == "اصفهان، میدان نقش جهان"
    assert updated.rev == detail.rev + 1
    assert history[0].action == "edited"
    assert history[0].changes["address"] == ["تهران، خیابان آزادی", "اصفهان، میدان نقش جهان"]
    # A stale form (old revision) is refused rather than silently overwriting.
    with db.session() as s, pytest.raises(DomainError):
        LicenceService(s).update(detail.id, _person(), _licence(db), expected_rev=detail.rev)


def test_national_id_cannot_change_on_edit(db: Database) -> None:
    with db.session() as s:
        detail = LicenceService(s).issue(_person(), _licence(db))
    with db.session() as s, pytest.raises(ValidationErrors):
        LicenceService(s).update(detail.id, _person("4032152314"), _licence(db))


def test_status_changes_need_reasons_and_are_logged(db: Database) -> None:
    with db.session() as s:
        detail = LicenceService(s).issue(_person(), _licence(db))
    with db.session() as s:
        service = LicenceService(s)
        with pytest.raises(ValidationErrors):
            service.suspend(detail.id, "  ")
        suspended = service.suspend(detail.id, "عدم فعالیت")
        assert suspended.effective_status == "suspended"
        assert suspended.status_reason == "عدم فعالیت"
        with pytest.raises(DomainError):
            service.suspend(detail.id, "دوباره")
        assert service.reactivate(detail.id).status == "active"
        revoked = service.revoke(detail.id, "درخواست دارنده")
        assert revoked.status_label == "باطل"
        with pytest.raises(DomainError):
            service.renew(detail.id, None)
        actions = [h.action for h in service.history(detail.id)]
    assert actions == ["revoked", "reactivated", "suspended", "issued"]


def test_renew_extends_and_keeps_history(db: Database) -> None:
    with db.session() as s:
        detail = LicenceService(s).issue(
            _person(), _licence(db, issue_date="1398/01/10", expiry_date="1400/01/10")
        )
        assert detail.effective_status == "expired"
        assert detail.status_label == "منقضی"
    with db.session() as s:
        service = LicenceService(s)
        with pytest.raises(ValidationErrors):
            service.renew(detail.id, "1399/01/01")
        renewed = service.renew(detail.id, None, "تمدید عادی")
        assert renewed.expiry_date > jalali.today()
        assert renewed.effective_status == "active"
        entry = service.history(detail.id)[0]
    assert entry.action == "renewed"
    assert entry.changes["expiry_date"][0] == jalali.from_jalali(1400, 1, 10).isoformat()


def test_manual_number_must_be_unique(db: Database) -> None:
    with db.session() as s:
        LicenceService(s).issue(_person(), _licence(db, number="۱۲۳-الف"))
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        LicenceService(s).issue(_person("4032152314"), _licence(db, number="123-الف"))
    assert "number" in info.value.by_field()


def test_updates_write_outbox_with_base_revision(db: Database) -> None:
    with db.session() as s:
        detail = LicenceService(s).issue(_person(), _licence(db))
    with db.session() as s:
        LicenceService(s).suspend(detail.id, "بازرسی")
    with db.session() as s:
        op = s.scalars(
            select(OutboxOperation).where(
                OutboxOperation.table_name == "licence", OutboxOperation.op == "update"
            )
        ).one()
    assert op.base_rev == 1
    assert json.loads(op.changes)["status"] == ["active", "suspended"]


def test_history_entries_are_append_only_rows(db: Database, rng: random.Random) -> None:
    with db.session() as s:
        service = LicenceService(s)
        detail = service.issue(_person(), _licence(db))
        service.renew(detail.id, None)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(LicenceHistory)) == 2
