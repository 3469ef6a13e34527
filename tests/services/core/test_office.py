"""The office's settings: update_office and the licence validity per field group."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.models import Setting
from app.services.core import office as office_service
from app.services.core.db import Database, open_database
from app.services.core.office import (
    NoOffice,
    OfficeInput,
    get_office,
    group_validity_years,
    require_office,
    set_group_validity_years,
    update_office,
    validity_years_for_group,
)
from common.errors import DomainError, ValidationError, ValidationErrors
from tests.accounts_support import act_as, granted


def office_input(db: Database, **changes: object) -> OfficeInput:
    with db.session() as session:
        office = require_office(session)
    values: dict[str, object] = {
        "province_id": office.province_id,
        "county_id": office.county_id,
        "name": office.name,
        "licence_prefix": office.licence_prefix,
        "default_validity_years": office.default_validity_years,
    }
    values.update(changes)
    return OfficeInput(**values)  # type: ignore[arg-type]


def test_update_office_normalises_and_keeps_the_place(db: Database) -> None:
    with db.session() as session:
        before = require_office(session)
    data = office_input(
        db, name="  دبیرخانه  مشاغل خانگي  ", licence_prefix="۰۶ab", default_validity_years="۳"
    )
    with db.session() as session:
        after = update_office(session, data)
    assert after.name == "دبیرخانه مشاغل خانگی"
    assert after.licence_prefix == "06AB"
    assert after.default_validity_years == 3
    assert (after.id, after.province_id, after.county_id) == (
        before.id,
        before.province_id,
        before.county_id,
    )
    with db.session() as session:
        assert require_office(session) == after


def test_update_office_reports_every_invalid_field_and_changes_nothing(db: Database) -> None:
    with db.session() as session:
        before = require_office(session)
    data = office_input(db, name=" ", licence_prefix="!!", default_validity_years=11)
    with pytest.raises(ValidationErrors) as caught, db.session() as session:
        update_office(session, data)
    assert list(caught.value.by_field()) == ["name", "licence_prefix", "default_validity_years"]
    assert "۱۰" in caught.value.by_field()["default_validity_years"]
    with db.session() as session:
        assert require_office(session) == before


def test_update_office_refuses_a_county_of_another_province(db: Database) -> None:
    from app.services.core import reference

    with db.session() as session:
        tabriz = next(c for c in reference.list_counties(session) if c.name == "تبریز")
    with pytest.raises(ValidationErrors) as caught, db.session() as session:
        update_office(session, office_input(db, county_id=tabriz.id))
    assert list(caught.value.by_field()) == ["county_id"]


def test_update_office_before_setup_raises_no_office(tmp_path: Path) -> None:
    database = act_as(open_database(tmp_path / "empty.sqlite3"))
    try:
        with pytest.raises(NoOffice), database.session() as session:
            update_office(session, OfficeInput("x", None, "اداره", "0612", 5))
        with database.session() as session:
            assert get_office(session) is None
    finally:
        database.close()


def test_group_validity_set_read_and_cleared(db: Database) -> None:
    with db.session() as session:
        assert group_validity_years(session) == {}
        assert validity_years_for_group(session, "04") == 5
        set_group_validity_years(session, "04", 3)
        set_group_validity_years(session, "01", 7)
    with db.session() as session:
        assert group_validity_years(session) == {"01": 7, "04": 3}
        assert validity_years_for_group(session, "04") == 3
        assert validity_years_for_group(session, "02") == 5
        set_group_validity_years(session, "04", 4)  # replaces
        set_group_validity_years(session, "01", None)  # clears
        set_group_validity_years(session, "02", None)  # clearing nothing is fine
    with db.session() as session:
        assert group_validity_years(session) == {"04": 4}
        assert validity_years_for_group(session, "01") == 5


def test_groups_without_a_setting_follow_the_office_default(db: Database) -> None:
    with db.session() as session:
        set_group_validity_years(session, "04", 3)
        update_office(session, office_input(db, default_validity_years=2))
    with db.session() as session:
        assert validity_years_for_group(session, "01") == 2
        assert validity_years_for_group(session, "04") == 3


@pytest.mark.parametrize(
    "years", [office_service.MIN_VALIDITY_YEARS - 1, office_service.MAX_VALIDITY_YEARS + 1]
)
def test_group_validity_out_of_range_is_refused(db: Database, years: int) -> None:
    with pytest.raises(ValidationError) as caught, db.session() as session:
        set_group_validity_years(session, "04", years)
    assert caught.value.field == "validity_years"
    with db.session() as session:
        assert group_validity_years(session) == {}


def test_unknown_group_is_refused(db: Database) -> None:
    with pytest.raises(DomainError, match="گروه رشته پیدا نشد"), db.session() as session:
        set_group_validity_years(session, "99", 3)


def test_a_damaged_group_setting_is_ignored(db: Database) -> None:
    with db.session() as session:
        granted(session)
        session.add(Setting(key="validity_years.group.04", value="پنج"))
    with db.session() as session:
        granted(session)
        assert group_validity_years(session) == {}
        assert validity_years_for_group(session, "04") == 5


def test_certificate_settings_validate_and_feed_the_style(tmp_path: Path) -> None:
    import struct
    import zlib

    from app.services.certificates.serials import office_style
    from app.services.core.office import (
        CertificateSettings,
        certificate_settings,
        set_certificate_settings,
    )
    from tests.services.conftest import setup_tehran_office

    database = act_as(open_database(tmp_path / "d.sqlite3"))
    setup_tehran_office(database)
    logo = tmp_path / "logo.png"
    raw = b"\x00\xff\xff\xff"
    png = b"\x89PNG\r\n\x1a\n"
    for kind, data in (
        (b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)),
        (b"IDAT", zlib.compress(raw)),
        (b"IEND", b""),
    ):
        png += struct.pack(">I", len(data)) + kind + data
        png += struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    logo.write_bytes(png)
    try:
        with database.session() as s:
            assert certificate_settings(s) == CertificateSettings()
            with pytest.raises(ValidationErrors) as info:
                set_certificate_settings(
                    s, CertificateSettings("م" * 81, "", str(tmp_path / "missing.png"))
                )
            assert set(info.value.by_field()) == {"signatory_name", "logo"}
            with pytest.raises(ValidationErrors):
                set_certificate_settings(s, CertificateSettings("", "", str(tmp_path)))
        with database.session() as s:
            saved = set_certificate_settings(
                s, CertificateSettings("مريم احمدی", "رئیس اداره", str(logo))
            )
            assert saved.signatory_name == "مریم احمدی"
            style = office_style(s)
            assert style.signatory_name == "مریم احمدی"
            assert style.signatory_title == "رئیس اداره"
            assert style.logo == logo.resolve()
    finally:
        database.close()
