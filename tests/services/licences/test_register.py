"""The register query: search with Persian normalisation, filters, sort and paging."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import text

from app.services import demo
from app.services.core import reference
from app.services.core.db import Database
from app.services.licences import register
from app.services.licences.records import LicenceInput, PersonInput
from app.services.licences.register import RegisterFilter
from app.services.licences.service import LicenceService
from common import jalali
from common.text import persian_sort_key
from common.validators import national_id_check_digit
from tests.accounts_support import act_as


@pytest.fixture
def filled(province_db: Database) -> Database:
    """A province office's register (its licences lie in several counties)."""
    db = province_db
    with db.session() as s:
        demo.generate(s, 300, seed=7)
        field = reference.list_fields(s)[5]
        county = next(c for c in reference.list_counties(s) if c.name == "شمیرانات")
        LicenceService(s).issue(
            PersonInput("0067749828", "نیلوفر", "میرزا‌زاده", "", None, "زن", "09127654321"),
            LicenceInput("مستقل", field.id, county.id, "", "1403/05/12", "1403/09/01"),
        )
    return db


def _all(db: Database, flt: RegisterFilter) -> list[register.RegisterRow]:
    with db.session() as s:
        return register.page(s, flt, 0, 10_000)


def test_count_matches_page(filled: Database) -> None:
    flt = RegisterFilter()
    with filled.session() as s:
        assert register.count(s, flt) == 301 == len(register.page(s, flt, 0, 1000))


@pytest.mark.parametrize(
    "query",
    [
        "نیلوفر",
        "نيلوفر",
        "میرزا زاده",
        "میرزازاده"[:5],
        "0067",
        "۰۰۶۷۷۴",
        "٠٠٦٧",
        "0912765",
        "میرزا نیلو",
    ],
)
def test_search_matches_normalised_text(filled: Database, query: str) -> None:
    rows = _all(filled, RegisterFilter(text=query))
    assert any(r.national_id == "0067749828" for r in rows), query


def test_search_by_licence_number(filled: Database) -> None:
    with filled.session() as s:
        number = register.page(s, RegisterFilter(sort="number", descending=False), 0, 1)[0].number
    rows = _all(filled, RegisterFilter(text=number))
    assert [r.number for r in rows] == [number]


def test_search_misses_are_empty(filled: Database) -> None:
    assert _all(filled, RegisterFilter(text="ناموجود‌ترین")) == []


def test_status_filters_partition_the_register(filled: Database) -> None:
    with filled.session() as s:
        total = register.count(s, RegisterFilter())
        parts = {
            st: register.count(s, RegisterFilter(status=st)) for st in register.FILTER_STATUSES
        }
    assert sum(parts.values()) == total
    expired = _all(filled, RegisterFilter(status="expired"))
    assert expired and all(r.expiry_date < jalali.today() for r in expired)
    assert all(r.status == "expired" for r in expired)


def test_expiring_within_days(filled: Database) -> None:
    rows = _all(filled, RegisterFilter(expiring_within_days=365))
    today = jalali.today()
    assert rows
    assert all(today <= r.expiry_date <= today + dt.timedelta(days=365) for r in rows)


def test_field_and_county_filters(filled: Database) -> None:
    with filled.session() as s:
        county = next(c for c in reference.list_counties(s) if c.name == "شمیرانات")
    rows = _all(filled, RegisterFilter(county_id=county.id))
    assert rows and all(r.county == "شمیرانات" for r in rows)


@pytest.mark.parametrize("column", sorted(register.SORT_COLUMNS))
def test_sorting_every_column(filled: Database, column: str) -> None:
    rows = _all(filled, RegisterFilter(sort=column, descending=False))
    attr = {"holder": None, "recent": None}.get(column, column)
    if attr is not None:
        values = [getattr(r, attr) for r in rows]
        if column in ("field", "county"):  # names: Persian dictionary order
            assert values == sorted(values, key=persian_sort_key)
        elif column != "status":  # status sorts by the stored code, shown as a label
            assert values == sorted(values)
    desc = _all(filled, RegisterFilter(sort=column, descending=True))
    assert [r.id for r in desc] == [r.id for r in reversed(rows)]


def test_pages_are_contiguous(filled: Database) -> None:
    flt = RegisterFilter(sort="number")
    with filled.session() as s:
        whole = register.page(s, flt, 0, 301)
        pieces = [r for off in range(0, 301, 50) for r in register.page(s, flt, off, 50)]
        assert register.ids(s, flt) == [r.id for r in whole]
    assert [r.id for r in pieces] == [r.id for r in whole]


def test_fts_query_escapes_everything() -> None:
    assert register.fts_query('" OR * NEAR(') == '"or"* "near"*'
    assert register.fts_query("   ") == ""


def test_search_combined_with_filters_and_sorts(filled: Database) -> None:
    flt = RegisterFilter(text="0067", status="expired")
    with filled.session() as s:
        assert register.count(s, flt) == 1
        rows = register.page(s, flt, 0, 10)
        assert [r.national_id for r in rows] == ["0067749828"]
        sorted_rows = register.page(s, RegisterFilter(text="م", sort="holder"), 0, 500)
        assert register.count(s, RegisterFilter(text="م")) == len(sorted_rows)


def test_recent_first_is_the_default_order(filled: Database) -> None:
    rows = _all(filled, RegisterFilter())
    assert rows[0].national_id == "0067749828"  # issued last


def test_licence_serial_alone_finds_the_licence(filled: Database) -> None:
    with filled.session() as s:
        number = register.page(s, RegisterFilter(), 0, 1)[0].number
    serial = number.rsplit("-", 1)[-1].lstrip("0")
    assert any(r.number == number for r in _all(filled, RegisterFilter(text=serial)))


def _seq_of(db: Database) -> dict[str, int]:
    """Licence id → local_seq."""
    with db.session() as s:
        return {str(i): int(q) for i, q in s.execute(text("SELECT id, local_seq FROM licence"))}


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("column", sorted(register.SORT_COLUMNS))
def test_ordered_keys_follow_the_page_order(
    filled: Database, column: str, descending: bool
) -> None:
    flt = RegisterFilter(sort=column, descending=descending)
    seq = _seq_of(filled)
    with filled.session() as s:
        keys = register.ordered_keys(s, flt)
        rows = register.page(s, flt, 0, 10_000)
        assert len(keys) == register.count(s, flt) == 301
        assert list(keys) == [seq[r.id] for r in rows]
        assert register.rows_for_keys(s, keys) == rows
        assert register.rows_for_keys(s, keys[120:140]) == register.page(s, flt, 120, 20)
    assert register.uses_keys(flt) == (column != "recent")


@pytest.mark.parametrize(
    "flt",
    [
        RegisterFilter(text="م", sort="holder"),
        RegisterFilter(text="م", sort="field", descending=False),
        RegisterFilter(status="active", sort="county"),
        RegisterFilter(expiring_within_days=365, sort="expiry_date", descending=False),
        RegisterFilter(text="0067", status="expired", sort="national_id"),
        RegisterFilter(text="ناموجود‌ترین", sort="number"),
    ],
)
def test_ordered_keys_with_search_and_filters(filled: Database, flt: RegisterFilter) -> None:
    seq = _seq_of(filled)
    with filled.session() as s:
        keys = register.ordered_keys(s, flt)
        assert len(keys) == register.count(s, flt)
        assert list(keys) == [seq[r.id] for r in register.page(s, flt, 0, 10_000)]


def test_rows_for_keys_keep_the_order_and_skip_missing_licences(filled: Database) -> None:
    with filled.session() as s:
        keys = register.ordered_keys(s, RegisterFilter(sort="holder", descending=False))
        rows = register.rows_for_keys(s, keys)
        gone = keys[3]
        s.execute(text("UPDATE licence SET deleted = 1 WHERE local_seq = :q"), {"q": gone})
        unknown = max(keys) + 1000
        wanted = [keys[10], unknown, keys[2], keys[3], keys[250], keys[0], keys[10]]
        assert register.rows_for_keys(s, wanted) == [
            rows[10], rows[2], rows[250], rows[0], rows[10]
        ]  # fmt: skip
        assert register.rows_for_keys(s, []) == []
        assert gone not in register.ordered_keys(s, RegisterFilter(sort="holder"))


def _holder_initials(db: Database) -> list[str]:
    """First letter of each holder's last name, in the register's holder order."""
    with db.session() as s:
        keys = register.ordered_keys(s, RegisterFilter(sort="holder", descending=False))
        sql = "SELECT l.local_seq, p.last_name FROM licence l JOIN person p ON p.id = l.person_id"
        last_names = {int(seq): str(name) for seq, name in s.execute(text(sql))}
    return [last_names[key][0] for key in keys]


def test_alef_with_madda_sorts_next_to_alef(filled: Database) -> None:
    with filled.session() as s:
        field = reference.list_fields(s)[3]
        county = next(c for c in reference.list_counties(s) if c.name == "ری")
        service = LicenceService(s)
        for n, last in enumerate(("آزاده", "ابراهیمی", "آقایی", "احمدی‌نژاد")):
            first9 = f"{412_345_678 + n * 1_111:09d}"
            nid = first9 + str(national_id_check_digit(first9))
            service.issue(
                PersonInput(nid, "سارا", last, "", None, "زن", f"0912{7_000_000 + n:07d}"),
                LicenceInput("مستقل", field.id, county.id, "", "1403/05/12", "1403/09/01"),
            )
    initials = _holder_initials(filled)
    madda = [i for i, c in enumerate(initials) if c == "آ"]
    alef = [i for i, c in enumerate(initials) if c == "ا"]
    assert madda and alef
    # Every «آ» name, then at once every «ا» name: one block, as in a Persian dictionary.
    assert madda == list(range(madda[0], madda[-1] + 1))
    assert alef == list(range(madda[-1] + 1, madda[-1] + 1 + len(alef)))


def test_holder_sort_is_persian_dictionary_order(db: Database) -> None:
    from tests.services.conftest import make_national_id

    rng = random.Random(5)
    with db.session() as s:
        field = reference.list_fields(s)[0]
        county = next(c for c in reference.list_counties(s) if c.name == "تهران")
        service = LicenceService(s)
        for last in ("تهرانی", "پارسا", "بهرامی", "گلی", "کاظمی", "ژاله‌وند", "زمانی"):
            service.issue(
                PersonInput(make_national_id(rng), "مینا", last),
                LicenceInput("مستقل", field.id, county.id, "", "1403/05/12"),
            )
    flt = RegisterFilter(sort="holder", descending=False)
    names = [r.holder.split()[-1] for r in _all(db, flt)]
    assert names == ["بهرامی", "پارسا", "تهرانی", "زمانی", "ژاله‌وند", "کاظمی", "گلی"]
    with db.session() as s:
        by_keys = register.rows_for_keys(s, register.ordered_keys(s, flt))
    assert [r.holder for r in by_keys] == [r.holder for r in _all(db, flt)]


def test_a_name_is_found_however_its_alef_and_yeh_are_typed(db: Database) -> None:
    from tests.services.conftest import issue_test_licence

    issue_test_licence(db, first_name="آرش", last_name="پائیزی")
    with db.session() as session:
        for query in ("ارش", "آرش", "پاییزی", "پائیزی"):
            assert register.count(session, RegisterFilter(text=query)) == 1, query


def test_search_keys_built_by_older_rules_are_rebuilt_when_the_database_opens(
    db: Database,
) -> None:
    from app.services.core.db import open_database
    from app.services.core.search_keys import SEARCH_KEYS_SETTING, SEARCH_KEYS_VERSION
    from tests.services.conftest import issue_test_licence

    issue_test_licence(db, first_name="آرش")
    with db.session() as session:
        # As the previous version left it: آ kept in the key, an older version number.
        session.execute(text("UPDATE licence SET search_key = 'آرش کریمی'"))
        session.execute(
            text("UPDATE setting SET value = '1' WHERE key = :k"), {"k": SEARCH_KEYS_SETTING}
        )
    path = db.path
    db.close()
    again = act_as(open_database(path))
    try:
        with again.session() as session:
            assert register.count(session, RegisterFilter(text="ارش")) == 1
            stored = session.execute(
                text("SELECT value FROM setting WHERE key = :k"), {"k": SEARCH_KEYS_SETTING}
            ).scalar()
            assert stored == SEARCH_KEYS_VERSION
    finally:
        again.close()
