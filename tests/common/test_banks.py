"""The bank list a facility case names (common.banks, resources/reference/banks.csv)."""

from __future__ import annotations

from common.banks import bank_codes, bank_from_text, bank_name, banks
from common.text import format_tomans, group_thousands


def test_the_partner_banks_come_first_and_codes_are_sheba_identifiers() -> None:
    first, second, *rest = banks()
    assert {first.code, second.code} == {"013", "060"} and first.partner and second.partner
    assert not any(bank.partner for bank in rest)
    assert all(len(code) == 3 and code.isdigit() for code in bank_codes())
    assert bank_name("017") == "بانک ملی ایران"  # as in IR..017.. Sheba numbers
    assert first.label.endswith("(بانک عامل برنامه)")


def test_a_bank_is_found_by_code_name_or_a_part_only_it_has() -> None:
    assert bank_from_text("۰۱۲") == bank_from_text("12") == bank_from_text("بانک ملت") == "012"
    assert bank_from_text("ملت") == "012"
    assert bank_from_text("مهر ایران") == "060"
    assert bank_from_text("ایران") is None  # several banks' names have it
    assert bank_from_text("بانک ناشناس") is None and bank_from_text("") is None


def test_rials_are_shown_as_tomans_with_persian_digits() -> None:
    assert format_tomans(2_000_000_000) == "۲۰۰٬۰۰۰٬۰۰۰ تومان"
    assert format_tomans(15) == "۱٫۵ تومان"  # a remainder of rials: a Persian decimal
    assert format_tomans(None) == "" and format_tomans(50, unit=False) == "۵"
    assert group_thousands(1234567) == "۱٬۲۳۴٬۵۶۷"
