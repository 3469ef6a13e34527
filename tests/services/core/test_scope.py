"""The office's scope: a county office writes records in its own county only, a province
office in its province's counties; every service that creates or moves a record with a
county refuses the others (nothing written), and the imports reject such rows with the
row, the column and the Persian reason."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.models import (
    ClosureDay,
    Event,
    Licence,
    NetworkMember,
    OutboxOperation,
    Supporter,
    SyncConflict,
    new_id,
    utcnow,
)
from app.services.core import reference
from app.services.core.db import Database
from app.services.core.scope import office_scope, require_county_in_scope, scope_counties
from app.services.events import io as event_io
from app.services.events.service import EventService
from app.services.licences import io as spreadsheet
from app.services.licences.records import LicenceInput, PersonInput
from app.services.licences.service import LicenceService
from app.services.supporters import io as supporter_io
from app.services.supporters.records import MemberInput
from app.services.supporters.service import SupporterService
from app.services.sync.review import KEEP_MINE, SyncReviewService
from common import jalali
from common.errors import ValidationError, ValidationErrors
from tests.accounts_support import granted
from tests.services.conftest import issue_test_licence, template_row
from tests.services.events import test_event_io
from tests.services.events.event_support import create, event_input
from tests.services.supporter_fixtures import issue, make_supporter, nid, supporter_input
from tests.services.supporters import test_supporter_io

#: The refusal a county office of Tehran gives for a county elsewhere.
OUTSIDE_REY = "شهرستان «ری» بیرون از حوزهٔ این اداره است؛ این اداره فقط در شهرستان «تهران» کار می‌کند"


def county(db: Database, name: str) -> str:
    with db.session() as s:
        return next(c.id for c in reference.list_counties(s) if c.name == name)


def count(db: Database, model: type) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def outbox(db: Database) -> int:
    return count(db, OutboxOperation)


# -- the scope itself --------------------------------------------------------------------------


def test_a_county_office_works_in_its_county_only(db: Database) -> None:
    with db.session() as s:
        scope = office_scope(s)
        tehran = county(db, "تهران")
        assert not scope.is_province_office
        assert [c.name for c in scope.counties] == ["تهران"] == [c.name for c in scope_counties(s)]
        assert scope.contains(tehran) and not scope.contains(county(db, "ری"))
        assert not scope.contains("") and not scope.contains(None)
        assert scope.error(tehran) is None and scope.error("") is None
        error = scope.error(county(db, "ری"), "ری")
        assert error is not None and (error.field, error.message) == ("county_id", OUTSIDE_REY)
        with pytest.raises(ValidationError) as info:
            require_county_in_scope(s, county(db, "ری"), "county")
        assert (info.value.field, info.value.message) == ("county", OUTSIDE_REY)


def test_a_province_office_works_in_every_county_of_its_province(province_db: Database) -> None:
    with province_db.session() as s:
        scope = office_scope(s)
        tehran_counties = {c.id for c in reference.list_counties(s) if c.province_name == "تهران"}
        assert scope.is_province_office and scope.county_ids == tehran_counties
        assert len(tehran_counties) > 10
        # In Persian dictionary order, as a chooser lists them: پاکدشت before تهران.
        names = [c.name for c in scope.counties]
        assert names.index("پاکدشت") < names.index("تهران") < names.index("ورامین")
        shiraz = county(province_db, "شیراز")
        assert not scope.contains(shiraz)
        with pytest.raises(ValidationError) as info:
            require_county_in_scope(s, shiraz)
        assert info.value.message == (
            "شهرستان «شیراز» بیرون از حوزهٔ این اداره است؛ این اداره فقط در شهرستان‌های "
            "استان «تهران» کار می‌کند"
        )


# -- licences ----------------------------------------------------------------------------------


def _issue(db: Database, county_name: str, national_id: str = "0067749828") -> None:
    with db.session() as s:
        LicenceService(s).issue(
            PersonInput(national_id, "مریم", "کریمی"),
            LicenceInput(
                "مستقل", reference.list_fields(s)[0].id, county(db, county_name), "", "1403/05/12"
            ),
        )


def test_issuing_outside_the_scope_is_refused_and_writes_nothing(db: Database) -> None:
    with pytest.raises(ValidationErrors) as info:
        _issue(db, "ری")
    assert info.value.by_field() == {"county_id": OUTSIDE_REY}
    assert count(db, Licence) == 0 and outbox(db) == 0
    _issue(db, "تهران")
    assert count(db, Licence) == 1


def test_a_province_office_issues_in_its_counties_but_not_elsewhere(
    province_db: Database,
) -> None:
    _issue(province_db, "ری")
    _issue(province_db, "شمیرانات", "4032152314")
    with pytest.raises(ValidationErrors) as info:
        _issue(province_db, "شیراز", "0013542419")
    assert "بیرون از حوزهٔ این اداره" in info.value.by_field()["county_id"]
    assert count(province_db, Licence) == 2


def test_moving_a_licence_out_of_the_scope_is_refused(db: Database) -> None:
    detail = issue_test_licence(db)
    before = outbox(db)
    with db.session() as s:
        licence = s.get(Licence, detail.id)
        assert licence is not None
        from tests.services.sync.sync_support import licence_input, person_input

        data = licence_input(licence, county_id=county(db, "ری"))
        holder = person_input(licence.person)
        with pytest.raises(ValidationErrors) as info:
            LicenceService(s).update(detail.id, holder, data)
    assert info.value.by_field() == {"county_id": OUTSIDE_REY}
    assert outbox(db) == before
    with db.session() as s:
        assert s.scalar(select(Licence.county_id)) == county(db, "تهران")


def _move_outside(db: Database, licence_id: str, county_name: str = "ری") -> None:
    """Put a licence in another county behind the services' back, as a record synced in
    from another office (or saved before the scope was enforced) would be."""
    with db.session() as s:
        s.execute(
            text("UPDATE licence SET county_id = :c WHERE id = :id"),
            {"c": county(db, county_name), "id": licence_id},
        )


def test_a_licence_outside_the_scope_is_neither_renewed_nor_edited(db: Database) -> None:
    detail = issue_test_licence(db)
    _move_outside(db, detail.id)
    before = outbox(db)
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        LicenceService(s).renew(detail.id, None)
    assert info.value.by_field() == {"county_id": OUTSIDE_REY}
    with db.session() as s:
        licence = s.get(Licence, detail.id)
        assert licence is not None and licence.expiry_date == detail.expiry_date
        from tests.services.sync.sync_support import licence_input, person_input

        # Editing it is refused too, unless the clerk moves it back into the scope.
        with pytest.raises(ValidationErrors):
            LicenceService(s).update(
                detail.id, person_input(licence.person), licence_input(licence)
            )
        LicenceService(s).update(
            detail.id,
            person_input(licence.person),
            licence_input(licence, county_id=county(db, "تهران")),
        )
    assert outbox(db) == before + 2  # the licence's update and its history entry


def _licence_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.header for c in spreadsheet.COLUMNS])
        writer.writerows(rows)
    return path


def test_the_licence_import_rejects_rows_outside_the_scope(db: Database, tmp_path: Path) -> None:
    with db.session() as s:
        shiraz_code = next(c.code for c in reference.list_counties(s) if c.name == "شیراز")
    path = _licence_csv(
        tmp_path / "in.csv",
        [
            template_row(),
            template_row(**{"کد ملی": "4032152314", "شهرستان": "ری"}),
            template_row(**{"کد ملی": "0013542419", "شهرستان": shiraz_code}),
        ],
    )
    with db.session() as s:
        result = spreadsheet.import_file(s, path)
    assert (result.imported, result.rejected) == (1, 2)
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (3, "شهرستان", OUTSIDE_REY),
        (
            4,
            "شهرستان",
            "شهرستان «شیراز» بیرون از حوزهٔ این اداره است؛ این اداره فقط در شهرستان «تهران» "
            "کار می‌کند",
        ),
    ]
    assert count(db, Licence) == 1


# -- supporters and network members ---------------------------------------------------------------


def test_a_supporter_outside_the_scope_is_refused(db: Database) -> None:
    licence = issue(db, "0067749828")
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        SupporterService(s).create(supporter_input(licence.number, county_id=county(db, "ری")))
    assert info.value.by_field() == {"county_id": OUTSIDE_REY}
    assert count(db, Supporter) == 0
    detail = make_supporter(db, national_id=nid(3))
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        SupporterService(s).update(
            detail.id, supporter_input(detail.licence_number, county_id=county(db, "ری"))
        )
    assert info.value.by_field() == {"county_id": OUTSIDE_REY}
    with db.session() as s:
        assert s.scalar(select(Supporter.county_id)) == county(db, "تهران")


def test_a_member_outside_the_scope_is_refused(db: Database) -> None:
    detail = make_supporter(db)
    holder = issue(db, nid(5), kind="مستقل")
    member = MemberInput(
        person=PersonInput(national_id=holder.holder.national_id),
        county_id=county(db, "ری"),
        joined_on=jalali.today(),
    )
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        SupporterService(s).add_member(detail.id, member)
    assert info.value.by_field() == {"county_id": OUTSIDE_REY}
    assert count(db, NetworkMember) == 0


def test_the_supporter_import_rejects_members_and_supporters_outside_the_scope(
    db: Database, tmp_path: Path
) -> None:
    licence = issue(db, "0067749828")
    other = issue(db, nid(7))
    path = test_supporter_io.write_csv(
        tmp_path / "in.csv",
        [
            test_supporter_io.row(**{"شماره مجوز پشتیبان": licence.number}),
            test_supporter_io.member(licence.number, nid(8), **{"شهرستان عضو": "ری"}),
            test_supporter_io.row(
                **{
                    "شماره مجوز پشتیبان": other.number,
                    "شناسه ملی": "",
                    "نوع پشتیبان": "حقیقی",
                    "شهرستان پشتیبان": "ری",
                }
            ),
        ],
    )
    with db.session() as s:
        result = supporter_io.import_file(s, path)
    assert (result.imported, result.rejected) == (1, 2)
    assert [(p.row, p.column, p.message) for p in result.problems] == [
        (3, "شهرستان عضو", OUTSIDE_REY),
        (4, "شهرستان پشتیبان", OUTSIDE_REY),
    ]
    assert count(db, NetworkMember) == 0 and count(db, Supporter) == 1


# -- events and closure days -----------------------------------------------------------------------


def test_an_event_outside_the_scope_is_refused(db: Database) -> None:
    with pytest.raises(ValidationErrors) as info:
        create(db, county_id=county(db, "ری"))
    assert info.value.by_field() == {"county_id": OUTSIDE_REY}
    assert count(db, Event) == 0
    detail = create(db)
    with db.session() as s, pytest.raises(ValidationErrors) as info:
        EventService(s).update(detail.id, event_input(db, county_id=county(db, "ری")))
    assert info.value.by_field() == {"county_id": OUTSIDE_REY}


def test_the_event_import_rejects_rows_outside_the_scope(db: Database, tmp_path: Path) -> None:
    path = test_event_io.write_csv(
        tmp_path / "in.csv",
        [test_event_io.row(), test_event_io.row(**{"عنوان": "بازارچه", "شهرستان": "ری"})],
    )
    with db.session() as s:
        result = event_io.import_file(s, path)
    assert (result.imported, result.rejected) == (1, 1)
    assert [(p.row, p.column, p.message) for p in result.problems] == [(3, "شهرستان", OUTSIDE_REY)]
    assert count(db, Event) == 1


def test_closure_days_stay_in_the_offices_county(db: Database) -> None:
    with db.session() as s:
        own = EventService(s).add_closure_day("1405/02/10", "بازرسی")
        assert s.scalar(select(ClosureDay.county_id)) == county(db, "تهران")
        foreign = ClosureDay(
            id=new_id(),
            county_id=county(db, "ری"),
            day=jalali.from_jalali(1405, 2, 11),
            reason="",
            rev=1,
            updated_at=utcnow(),
            origin_office="another office",
            deleted=False,
        )
        s.add(foreign)
    with db.session() as s, pytest.raises(ValidationError) as info:
        EventService(s).remove_closure_day(foreign.id)
    assert info.value.message == OUTSIDE_REY
    with db.session() as s:
        EventService(s).remove_closure_day(own.id)
        row = s.get(ClosureDay, foreign.id)
        assert row is not None and not row.deleted


# -- sync conflicts --------------------------------------------------------------------------------


def test_keeping_this_offices_county_is_refused_when_it_left_the_scope(db: Database) -> None:
    detail = issue_test_licence(db)
    with db.session() as s:
        granted(s)
        s.add(
            SyncConflict(
                id=new_id(),
                table_name="licence",
                row_id=detail.id,
                field="county_id",
                base_value=json.dumps(county(db, "تهران")),
                server_value=json.dumps(county(db, "تهران")),
                client_value=json.dumps(county(db, "ری")),
            )
        )
    with db.session() as s:
        granted(s)
        conflict_id = s.scalars(select(SyncConflict.id)).one()
        with pytest.raises(ValidationErrors) as info:
            SyncReviewService(s).resolve(conflict_id, KEEP_MINE)
    assert info.value.by_field() == {"county_id": OUTSIDE_REY}
    with db.session() as s:
        granted(s)
        conflict = s.get(SyncConflict, conflict_id)
        assert conflict is not None and conflict.resolved_at is None
        assert s.scalar(select(Licence.county_id)) == county(db, "تهران")


# -- records another office owns: seen here, changed there ----------------------------------


def test_another_countys_licence_is_read_only_here(db: Database) -> None:
    """A supporter's licence reaches every county with a member of its network; only its
    own county office suspends, revokes or prints it (the server refuses it too)."""
    from app.services.certificates.service import CertificateService

    detail = issue_test_licence(db)
    _move_outside(db, detail.id)
    before = outbox(db)
    with db.session() as s:
        service = LicenceService(s)
        assert "«ری»" in service.get(detail.id).outside_scope
        for action in (
            lambda: service.suspend(detail.id, "تخلف"),
            lambda: service.revoke(detail.id, "تخلف"),
        ):
            with pytest.raises(ValidationErrors) as info:
                action()
            assert info.value.by_field() == {"county_id": OUTSIDE_REY}
        check = CertificateService(s).printable([detail.id])
        assert check.printable_ids == ()
        assert "«ری»" in check.refusals[0] and detail.number in check.refusals[0]
    assert outbox(db) == before
    with db.session() as s:
        assert (
            LicenceService(s).get(issue_test_licence(db, national_id=nid(8)).id).outside_scope == ""
        )


def test_another_countys_supporter_is_read_only_but_its_members_here_are_ours(
    db: Database,
) -> None:
    detail = make_supporter(db)
    holder = issue(db, nid(5), kind="مستقل")
    with db.session() as s:
        ours = SupporterService(s).add_member(
            detail.id,
            MemberInput(
                person=PersonInput(national_id=holder.holder.national_id),
                county_id=county(db, "تهران"),
                joined_on=jalali.today(),
            ),
        )
    # The supporter turns out to be another county's (it reached us through its network).
    with db.session() as s:
        s.execute(text("UPDATE supporter SET county_id = :c"), {"c": county(db, "ری")})
    with db.session() as s:
        service = SupporterService(s)
        assert "«ری»" in service.get(detail.id).outside_scope
        with pytest.raises(ValidationErrors):
            service.suspend(detail.id, "تخلف")
        # A member in this office's county may still leave through this office.
        left = service.remove_member(ours.id, jalali.today(), "مهاجرت")
        assert left.left_on == jalali.today()
