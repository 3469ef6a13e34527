"""SupporterService: supporters, network members, rules, overrides, lists and figures."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from app.models import NetworkMember, OutboxOperation, Person, Supporter
from app.services.core.db import Database
from app.services.core.search_keys import refresh_supporter_search_keys
from app.services.licences.records import LicenceInput, PersonInput
from app.services.licences.service import LicenceService
from app.services.supporters.queries import (
    count_members,
    coverage_by_month,
    list_supporters,
    member_page,
    network_summary,
)
from app.services.supporters.records import (
    COVERAGE_NEAR,
    COVERAGE_OVER,
    COVERAGE_UNDER_HALF,
    OVERRIDE_CAPACITY,
    OVERRIDE_LICENCE,
    MemberInput,
    MemberLicenceWarning,
    OverCapacity,
    SupporterFilter,
)
from app.services.supporters.service import SupporterService
from common import jalali
from common.errors import DomainError, ValidationErrors
from tests.accounts_support import granted
from tests.services.supporter_fixtures import (
    BAD_LEGAL_ID,
    BAD_SHEBA,
    SUPPORTER_NID,
    VALID_LEGAL_ID,
    county_id,
    field_ids,
    issue,
    make_supporter,
    nid,
    supporter_input,
)

TODAY = dt.date.today()


def _ops(db: Database, table: str) -> list[tuple[str, str, dict[str, list[object]]]]:
    with db.session() as s:
        rows = s.execute(
            select(OutboxOperation.op, OutboxOperation.row_id, OutboxOperation.changes).where(
                OutboxOperation.table_name == table
            )
        )
        return [(op, rid, json.loads(ch)) for op, rid, ch in rows]


def _member(national_id: str, **kw: object) -> MemberInput:
    values: dict[str, object] = dict(
        person=PersonInput(national_id=national_id, first_name="زهرا", last_name="احمدی"),
        role="تولیدکننده",
        joined_on=TODAY - dt.timedelta(days=10),
    )
    values.update(kw)
    return MemberInput(**values)  # type: ignore[arg-type]


def _add(db: Database, supporter_id: str, data: MemberInput, reason: str = "") -> str:
    with db.session() as s:
        return SupporterService(s).add_member(supporter_id, data, override_reason=reason).id


# -- supporters -----------------------------------------------------------------------------


def test_create_person_supporter_normalises_and_writes_outbox(db: Database) -> None:
    detail = make_supporter(db)
    assert detail.kind == "person"
    assert detail.name == "مریم کریمی"
    assert detail.holder_national_id == SUPPORTER_NID
    assert detail.mobile == "09121112233"
    assert detail.phone == "02166123456"
    assert detail.email == "info@example.com"
    assert detail.capacity == 5
    assert detail.status == "active"
    assert detail.field_id == field_ids(db)[0]  # the licence's field by default
    assert detail.county_name == "تهران"
    with db.session() as s:
        row = s.get(Supporter, detail.id)
        assert row is not None and row.rev == 1 and row.origin_office
        assert "09121112233" in row.search_key and "کریمی" in row.search_key
    ops = _ops(db, "supporter")
    assert [(op, rid) for op, rid, _ in ops] == [("insert", detail.id)]
    assert ops[0][2]["sheba"] == [None, "IR050170000000123456789012"]
    assert "search_key" not in ops[0][2]


def test_create_legal_supporter(db: Database) -> None:
    licence = issue(db, SUPPORTER_NID, first_name="رضا", last_name="موسوی")
    with db.session() as s:
        detail = SupporterService(s).create(
            supporter_input(
                licence.number,
                kind="حقوقی",
                legal_name="تعاونی گلیم‌بافان ری",
                legal_id="۱۰۳۸۰۲۸۴۷۹۰",
                registration_no="12345",
                related_field_ids=(field_ids(db)[1],),
            )
        )
    assert detail.kind == "legal"
    assert detail.name == "تعاونی گلیم‌بافان ری"
    assert detail.holder_name == "رضا موسوی"  # the managing director holds the licence
    assert detail.legal_id == VALID_LEGAL_ID
    assert detail.related_field_ids == (field_ids(db)[1],)


def test_every_bad_field_is_reported_at_once_and_nothing_saved(db: Database) -> None:
    licence = issue(db, SUPPORTER_NID)
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        SupporterService(s).create(
            supporter_input(
                licence.number,
                kind="حقوقی",
                legal_name="",
                legal_id=BAD_LEGAL_ID,
                registration_no="",
                sheba=BAD_SHEBA,
                capacity="0",
                mobile="12345",
                email="not-an-email",
                phone="12ab",
            )
        )
    errors = info.value.by_field()
    assert errors["legal_id"] == "رقم کنترل شناسه ملی درست نیست"
    assert errors["sheba"] == "شماره شبا درست نیست (رقم‌های کنترل آن نمی‌خواند)"
    assert errors["capacity"] == "ظرفیت باید بیشتر از صفر باشد"
    assert set(errors) >= {"legal_name", "registration_no", "mobile", "email", "phone"}
    with db.session() as s:
        assert s.scalars(select(Supporter)).all() == []
    assert _ops(db, "supporter") == []


@pytest.mark.parametrize(
    ("capacity", "message"),
    [("-3", "ظرفیت باید بیشتر از صفر باشد"), ("", "وارد کردن ظرفیت الزامی است")],
)
def test_capacity_must_be_positive(db: Database, capacity: str, message: str) -> None:
    licence = issue(db, SUPPORTER_NID)
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        SupporterService(s).create(supporter_input(licence.number, capacity=capacity))
    assert info.value.by_field() == {"capacity": message}


def test_licence_must_be_an_active_supporter_licence(db: Database) -> None:
    independent = issue(db, nid(1), kind="مستقل")
    expired = issue(
        db,
        nid(2),
        issue_date=TODAY - dt.timedelta(days=900),
        expiry_date=TODAY - dt.timedelta(days=5),
    )
    suspended = issue(db, nid(3))
    with db.session() as s:
        LicenceService(s).suspend(suspended.id, "بازرسی")
    cases = {
        independent.number: "این مجوز از نوع «پشتیبان» نیست؛ مجوز پشتیبان لازم است",
        expired.number: "این مجوز منقضی شده است؛ ابتدا آن را تمدید کنید",
        suspended.number: "این مجوز معلق است",
        "0612-999999": "مجوزی با شماره ۰۶۱۲-۹۹۹۹۹۹ در دفتر نیست",
    }
    for number, message in cases.items():
        with db.session() as s, pytest.raises(ValidationErrors) as info:
            SupporterService(s).create(supporter_input(number))
        assert info.value.by_field()["licence_number"] == message


def test_a_licence_serves_one_supporter(db: Database) -> None:
    detail = make_supporter(db)
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        SupporterService(s).create(supporter_input(detail.licence_number))
    assert "پشتیبان دیگری" in info.value.by_field()["licence_number"]


def test_update_bumps_rev_and_writes_changes_only(db: Database) -> None:
    detail = make_supporter(db)
    with db.session() as s:
        updated = SupporterService(s).update(
            detail.id, supporter_input(detail.licence_number, capacity="8", mobile="09351234567")
        )
    assert updated.rev == 2 and updated.capacity == 8
    ops = _ops(db, "supporter")
    assert ops[-1][0] == "update"
    assert ops[-1][2] == {"capacity": [5, 8], "mobile": ["09121112233", "09351234567"]}
    with db.session() as s:
        row = s.get(Supporter, detail.id)
        assert row is not None and "09351234567" in row.search_key
        # No change: no new revision, no operation.
        SupporterService(s).update(
            detail.id, supporter_input(detail.licence_number, capacity="8", mobile="09351234567")
        )
    assert len(_ops(db, "supporter")) == 2
    with db.session() as s, pytest.raises(DomainError):
        SupporterService(s).update(
            detail.id, supporter_input(detail.licence_number), expected_rev=1
        )


def test_update_below_active_members_warns(db: Database) -> None:
    detail = make_supporter(db, capacity=2)
    own_field = issue(db, nid(10), kind="مستقل")
    _add(db, detail.id, _member(own_field.holder.national_id))
    _add(db, detail.id, _member(nid(11)), reason="تازه‌کار")
    with db.session() as s:
        updated = SupporterService(s).update(
            detail.id, supporter_input(detail.licence_number, capacity="1")
        )
    assert updated.over_capacity
    assert updated.warnings and "بالای ظرفیت" in updated.warnings[0]


def test_suspend_and_reactivate(db: Database) -> None:
    detail = make_supporter(db)
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        SupporterService(s).suspend(detail.id, "  ")
    assert info.value.by_field() == {"reason": "دلیل را بنویسید"}
    with db.session() as s:
        suspended = SupporterService(s).suspend(detail.id, "عدم پرداخت بیمه")
    assert suspended.status == "suspended" and suspended.status_reason == "عدم پرداخت بیمه"
    with db.session() as s, pytest.raises(DomainError):
        SupporterService(s).add_member(detail.id, _member(nid(5)), override_reason="x")
    with db.session() as s:
        active = SupporterService(s).reactivate(detail.id)
    assert active.status == "active" and active.rev == 3
    ops = _ops(db, "supporter")
    assert [op for op, _r, _c in ops] == ["insert", "update", "update"]
    assert ops[1][2]["status"] == ["active", "suspended"]


def test_refresh_search_keys(db: Database) -> None:
    detail = make_supporter(db)
    with db.session() as s:
        granted(s)
        s.get(Supporter, detail.id).search_key = ""  # type: ignore[union-attr]
        s.execute(select(Supporter))
    with db.session() as s:
        granted(s)
        refresh_supporter_search_keys(s, [detail.id])
    with db.session() as s:
        granted(s)
        key = s.get(Supporter, detail.id).search_key  # type: ignore[union-attr]
    assert SUPPORTER_NID in key and "مریم" in key and "1" in key.split()
    with db.session() as s:
        granted(s)
        refresh_supporter_search_keys(s)  # every supporter
        refresh_supporter_search_keys(s, [])


def test_renaming_the_licence_holder_updates_the_supporter_search(db: Database) -> None:
    detail = make_supporter(db)
    with db.session() as s:
        service = LicenceService(s)
        licence = service.get_by_number(detail.licence_number)
        service.update(
            licence.id,
            PersonInput(national_id=SUPPORTER_NID, first_name="نیلوفر", last_name="کریمی"),
            LicenceInput(
                kind="پشتیبان",
                field_id=licence.field_id,
                county_id=licence.county_id,
                issue_date=licence.issue_date,
                expiry_date=licence.expiry_date,
            ),
        )
    with db.session() as s:
        found = list_supporters(s, SupporterFilter(text="نیلوفر"))
    assert [row.id for row in found] == [detail.id]


# -- members --------------------------------------------------------------------------------


def test_add_member_existing_holder_with_field_licence(db: Database) -> None:
    detail = make_supporter(db)
    holder = issue(db, nid(20), kind="مستقل", first_name="نرگس", last_name="جعفری")
    member_id = _add(db, detail.id, _member(holder.holder.national_id, role="بسته‌بند"))
    with db.session() as s:
        row = s.get(NetworkMember, member_id)
        assert row is not None
        assert row.role == "packer" and row.county_id == detail.county_id
        assert row.person.first_name == "نرگس"  # the registered holder, not the input
        assert row.override_reason == ""
    ops = _ops(db, "network_member")
    assert [(op, rid) for op, rid, _ in ops] == [("insert", member_id)]


def test_add_member_creates_the_person(db: Database) -> None:
    detail = make_supporter(db)
    member_id = _add(db, detail.id, _member(nid(21)), reason="مجوز در دست صدور است")
    with db.session() as s:
        person = s.scalar(select(Person).where(Person.national_id == nid(21)))
        assert person is not None and person.last_name == "احمدی"
        row = s.get(NetworkMember, member_id)
        assert row is not None and row.override_reason == "مجوز در دست صدور است"
    assert [op for op, rid, _ in _ops(db, "person") if rid == person.id] == ["insert"]


def test_new_person_needs_valid_details(db: Database) -> None:
    detail = make_supporter(db)
    data = _member(nid(22), person=PersonInput(national_id=nid(22), first_name="۱۲"))
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        SupporterService(s).add_member(detail.id, data, override_reason="x")
    assert set(info.value.by_field()) == {"first_name", "last_name"}


def test_member_without_field_licence_needs_a_reason(db: Database) -> None:
    detail = make_supporter(db)
    other_field = issue(db, nid(23), kind="مستقل", field_index=3)
    with db.session() as s, pytest.raises(MemberLicenceWarning) as info:
        SupporterService(s).add_member(detail.id, _member(other_field.holder.national_id))
    assert info.value.codes == (OVERRIDE_LICENCE,)
    assert "مجوز فعالی" in info.value.message
    with db.session() as s:
        assert count_members(s, detail.id) == 0
    # A related field counts as the supporter's.
    with db.session() as s:
        SupporterService(s).update(
            detail.id,
            supporter_input(detail.licence_number, related_field_ids=(field_ids(db)[3],)),
        )
    _add(db, detail.id, _member(other_field.holder.national_id))


def test_over_capacity_needs_a_reason(db: Database) -> None:
    detail = make_supporter(db, capacity=1)
    first = issue(db, nid(24), kind="مستقل")
    second = issue(db, nid(25), kind="مستقل")
    _add(db, detail.id, _member(first.holder.national_id))
    with db.session() as s, pytest.raises(OverCapacity) as info:
        SupporterService(s).add_member(detail.id, _member(second.holder.national_id))
    assert info.value.codes == (OVERRIDE_CAPACITY,)
    assert "ظرفیت این پشتیبان ۱ نفر است" in info.value.message
    # Both problems at once: still OverCapacity, with both codes.
    with db.session() as s, pytest.raises(OverCapacity) as both:
        SupporterService(s).add_member(detail.id, _member(nid(26)))
    assert both.value.codes == (OVERRIDE_CAPACITY, OVERRIDE_LICENCE)
    member_id = _add(db, detail.id, _member(second.holder.national_id), reason="طرح ویژه")
    with db.session() as s:
        assert s.get(NetworkMember, member_id).override_reason == "طرح ویژه"  # type: ignore[union-attr]
        assert SupporterService(s).get(detail.id).over_capacity


def test_member_added_twice_is_refused(db: Database) -> None:
    detail = make_supporter(db)
    holder = issue(db, nid(27), kind="مستقل")
    _add(db, detail.id, _member(holder.holder.national_id))
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        SupporterService(s).add_member(detail.id, _member(holder.holder.national_id))
    assert info.value.by_field() == {"national_id": "این شخص هم‌اکنون عضو این شبکه است"}


def test_a_holder_may_belong_to_several_networks(province_db: Database) -> None:
    db = province_db  # a member in ری: the province office's scope
    first = make_supporter(db)
    second = make_supporter(db, national_id=nid(40))
    holder = issue(db, nid(28), kind="مستقل")
    _add(db, first.id, _member(holder.holder.national_id))
    _add(db, second.id, _member(holder.holder.national_id, county_id=county_id(db, "ری")))
    with db.session() as s:
        assert count_members(s, first.id) == count_members(s, second.id) == 1


def test_joining_date_rules(db: Database) -> None:
    detail = make_supporter(db)
    holder = issue(db, nid(29), kind="مستقل")
    future = _member(holder.holder.national_id, joined_on=TODAY + dt.timedelta(days=1))
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        SupporterService(s).add_member(detail.id, future)
    assert info.value.by_field() == {"joined_on": "تاریخ عضویت نمی‌تواند در آینده باشد"}
    backwards = _member(
        holder.holder.national_id,
        joined_on=TODAY - dt.timedelta(days=5),
        left_on=TODAY - dt.timedelta(days=9),
    )
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        SupporterService(s).add_member(detail.id, backwards)
    assert info.value.by_field() == {"left_on": "تاریخ خروج نمی‌تواند پیش از تاریخ عضویت باشد"}
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        SupporterService(s).add_member(detail.id, _member(holder.holder.national_id, role="مدیر"))
    assert info.value.by_field() == {"role": "نقش را از فهرست انتخاب کنید"}


def test_remove_member_and_join_again(db: Database) -> None:
    detail = make_supporter(db)
    holder = issue(db, nid(30), kind="مستقل")
    joined = TODAY - dt.timedelta(days=10)
    member_id = _add(db, detail.id, _member(holder.holder.national_id, joined_on=joined))
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        SupporterService(s).remove_member(member_id, joined - dt.timedelta(days=1), "")
    assert info.value.by_field() == {
        "left_on": "تاریخ خروج نمی‌تواند پیش از تاریخ عضویت باشد",
        "reason": "دلیل خروج را بنویسید",
    }
    with db.session() as s:
        row = SupporterService(s).remove_member(member_id, jalali.format_jalali(TODAY), "مهاجرت")
    assert row.left_on == TODAY and not row.active
    with db.session() as s, pytest.raises(DomainError):
        SupporterService(s).remove_member(member_id, TODAY, "دوباره")
    ops = _ops(db, "network_member")
    assert ops[-1][0] == "update"
    assert ops[-1][2] == {"left_on": [None, TODAY.isoformat()], "leave_reason": ["", "مهاجرت"]}
    _add(db, detail.id, _member(holder.holder.national_id))  # joining again: a new row
    with db.session() as s:
        assert count_members(s, detail.id) == 2
        assert count_members(s, detail.id, include_left=False) == 1
        rows = member_page(s, detail.id, 0, 10)
    assert [r.active for r in rows] == [True, False]  # current members first


# -- list, coverage, summary ----------------------------------------------------------------


def _three_supporters(db: Database) -> list[str]:
    a = make_supporter(db, capacity=2)  # 3 active: over
    b = make_supporter(db, capacity=10, national_id=nid(41))  # 9 active: near
    c = make_supporter(db, capacity=10, national_id=nid(42))  # 1 active: under half
    for i in range(3):
        _add(db, a.id, _member(nid(100 + i)), reason="طرح")
    for i in range(9):
        _add(db, b.id, _member(nid(200 + i)), reason="طرح")
    _add(db, c.id, _member(nid(300)), reason="طرح")
    with db.session() as s:
        SupporterService(s).suspend(c.id, "بازرسی")
    return [a.id, b.id, c.id]


def test_list_filters_and_search(db: Database) -> None:
    a, b, c = _three_supporters(db)
    with db.session() as s:
        assert {r.id for r in list_supporters(s)} == {a, b, c}
        over = list_supporters(s, SupporterFilter(coverage=COVERAGE_OVER))
        assert [r.id for r in over] == [a] and over[0].active_members == 3
        assert [r.id for r in list_supporters(s, SupporterFilter(coverage=COVERAGE_NEAR))] == [b]
        under = list_supporters(s, SupporterFilter(coverage=COVERAGE_UNDER_HALF))
        assert [r.id for r in under] == [c]
        assert [r.id for r in list_supporters(s, SupporterFilter(status="suspended"))] == [c]
        assert [r.id for r in list_supporters(s, SupporterFilter(text=nid(41)))] == [b]
        number = SupporterService(s).get(c).licence_number
        assert [r.id for r in list_supporters(s, SupporterFilter(text=number))] == [c]
        assert len(list_supporters(s, SupporterFilter(text="كريمي ۰۹۱۲۱۱۱"))) == 3
        assert list_supporters(s, SupporterFilter(text="قالیباف")) == []
        # Words match at their start: the office prefix's inner digits find nothing.
        assert list_supporters(s, SupporterFilter(text="612")) == []
        assert len(list_supporters(s, SupporterFilter(text="0612"))) == 3
        assert len(list_supporters(s, SupporterFilter(text="%"))) == 3  # nothing searchable
        fid = field_ids(db)[0]
        assert len(list_supporters(s, SupporterFilter(field_id=fid))) == 3
        assert list_supporters(s, SupporterFilter(field_id=field_ids(db)[5])) == []
        assert len(list_supporters(s, SupporterFilter(county_id=county_id(db)))) == 3


def test_list_finds_legal_supporters_by_legal_id_and_name(db: Database) -> None:
    licence = issue(db, SUPPORTER_NID)
    with db.session() as s:
        SupporterService(s).create(
            supporter_input(
                licence.number,
                kind="حقوقی",
                legal_name="شرکت فرش دستباف",
                legal_id=VALID_LEGAL_ID,
                registration_no="987",
            )
        )
        assert len(list_supporters(s, SupporterFilter(text="10380284790"))) == 1
        rows = list_supporters(s, SupporterFilter(text="دستباف"))
        assert rows[0].name == "شرکت فرش دستباف" and rows[0].kind == "legal"


def test_coverage_by_month(db: Database) -> None:
    detail = make_supporter(db, capacity=10)
    y, m, _d = jalali.to_jalali_tuple(TODAY)
    this_month = jalali.from_jalali(y, m, 1)
    three_back = jalali.add_jalali_months(this_month, -2)
    _add(db, detail.id, _member(nid(50), joined_on=three_back), reason="r")
    old = _member(
        nid(51),
        joined_on=jalali.add_jalali_months(this_month, -5),
        left_on=jalali.add_jalali_months(this_month, -4),
    )
    _add(db, detail.id, old)
    with db.session() as s:
        points = coverage_by_month(s, detail.id, months=12, today=TODAY)
    assert len(points) == 12 and (points[-1].year, points[-1].month) == (y, m)
    assert [p.active for p in points[-6:]] == [1, 1, 0, 1, 1, 1]
    assert points[-1].label == jalali.format_jalali(this_month)[:7]


def test_network_summary(province_db: Database) -> None:
    db = province_db  # a member in ری: the province office's scope
    detail = make_supporter(db, capacity=10)
    holder = issue(db, nid(60), kind="مستقل")
    _add(db, detail.id, _member(holder.holder.national_id))
    _add(db, detail.id, _member(nid(61), county_id=county_id(db, "ری")), reason="r")
    left_id = _add(db, detail.id, _member(nid(62)), reason="r")
    with db.session() as s:
        SupporterService(s).remove_member(left_id, TODAY, "انصراف")
        summary = network_summary(s, detail.id)
        field_name = SupporterService(s).get(detail.id).field_name
    by_county = {line.name: (line.active, line.left) for line in summary.by_county}
    assert by_county == {"تهران": (1, 1), "ری": (1, 0)}
    by_field = {line.name: (line.active, line.left) for line in summary.by_field}
    assert by_field == {field_name: (1, 0), "بدون مجوز": (1, 1)}
