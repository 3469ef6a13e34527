"""Tests for common.validators."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from common.errors import ValidationError, ValidationErrors
from common.validators import (
    is_valid_national_id,
    national_id_check_digit,
    sheba_bank_code,
    validate_legal_id,
    validate_mobile,
    validate_name,
    validate_national_id,
    validate_postal_code,
    validate_sheba,
    validate_text,
)


def error_of(func: object, *args: object, **kwargs: object) -> ValidationError:
    assert callable(func)
    with pytest.raises(ValidationError) as info:
        func(*args, **kwargs)
    return info.value


def nid_sum(first9: str) -> int:
    return sum(int(d) * w for d, w in zip(first9, range(10, 1, -1), strict=True)) % 11


# ---- errors ------------------------------------------------------------------


def test_validation_errors_by_field() -> None:
    errors = ValidationErrors(
        [ValidationError("a", "یک"), ValidationError("b", "دو"), ValidationError("a", "سه")]
    )
    assert errors.by_field() == {"a": "یک", "b": "دو"}
    assert errors.message == "یک\nدو\nسه"
    assert str(errors) == errors.message


# ---- national ID -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0067749828", "0067749828"),
        ("4032152314", "4032152314"),
        ("۰۰۶۷۷۴۹۸۲۸", "0067749828"),
        ("٠٠٦٧٧٤٩٨٢٨", "0067749828"),
        (" 006-774982-8 ", "0067749828"),
        ("67749828", "0067749828"),  # 8 digits: padded
        ("067749828", "0067749828"),  # 9 digits: padded
        ("\u2066۴۰۳۲۱۵۲۳۱۴\u2069", "4032152314"),
    ],
)
def test_national_id_valid(raw: str, expected: str) -> None:
    assert validate_national_id(raw) == expected
    assert is_valid_national_id(raw)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1234567890", "رقم کنترل کد ملی درست نیست"),
        ("0067749829", "رقم کنترل کد ملی درست نیست"),
        ("0010000000", "رقم‌های چهارم تا نهم کد ملی نمی‌توانند همه صفر باشند"),
        ("1111111111", "کد ملی نمی‌تواند از یک رقم تکراری تشکیل شود"),
        ("0000000000", "کد ملی نمی‌تواند از یک رقم تکراری تشکیل شود"),
        ("1234567", "کد ملی باید ۱۰ رقم باشد"),
        ("12345678901", "کد ملی باید ۱۰ رقم باشد"),
        ("00677a9828", "کد ملی فقط باید شامل رقم باشد"),
        ("", "وارد کردن کد ملی الزامی است"),
        (None, "وارد کردن کد ملی الزامی است"),
    ],
)
def test_national_id_invalid(raw: str | None, message: str) -> None:
    error = error_of(validate_national_id, raw, field="holder_nid")
    assert error.field == "holder_nid"
    assert message in error.message
    assert not is_valid_national_id(raw or "")


def test_national_id_optional() -> None:
    assert validate_national_id("  ", required=False) == ""


def test_national_id_check_digit() -> None:
    assert national_id_check_digit("006774982") == 8
    with pytest.raises(ValueError):
        national_id_check_digit("12345")


first9_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@given(first9_digits)
def test_generated_national_ids_validate(first9: str) -> None:
    nid = first9 + str(national_id_check_digit(first9))
    assume(len(set(nid)) > 1 and nid[3:9] != "000000")
    assert validate_national_id(nid) == nid
    # leading zeros may be omitted (8–9 digit input is padded)
    for short in (nid[1:], nid[2:]):
        if nid.startswith("0" * (10 - len(short))):
            assert validate_national_id(short) == nid


@given(first9_digits, st.integers(0, 9), st.integers(1, 9))
def test_single_digit_change_fails(first9: str, pos: int, delta: int) -> None:
    nid = first9 + str(national_id_check_digit(first9))
    assume(len(set(nid)) > 1 and nid[3:9] != "000000")
    changed = nid[:pos] + str((int(nid[pos]) + delta) % 10) + nid[pos + 1 :]
    # The rule maps sums 1 and 10 to the same check digit 1: the only change that the
    # checksum cannot detect.
    collision = pos < 9 and {nid_sum(first9), nid_sum(changed[:9])} == {1, 10}
    assert is_valid_national_id(changed) == collision


# ---- legal ID ----------------------------------------------------------------


def test_legal_id() -> None:
    assert validate_legal_id("10380284790") == "10380284790"
    assert validate_legal_id("۱۰۳۸۰۲۸۴۷۹۰") == "10380284790"
    assert "رقم کنترل" in error_of(validate_legal_id, "10380284792").message
    assert "۱۱ رقم" in error_of(validate_legal_id, "1038028479").message
    assert error_of(validate_legal_id, "", field="org").field == "org"
    assert validate_legal_id(None, required=False) == ""


# ---- Sheba -------------------------------------------------------------------


def make_sheba(bban: str) -> str:
    assert len(bban) == 22  # IR + 2 check digits + 22-digit BBAN
    check = 98 - int(bban + "182700") % 97
    return f"IR{check:02d}{bban}"


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_sheba_valid_and_changed_digit_fails(tail: str) -> None:
    sheba = make_sheba("0170000000" + tail)
    assert validate_sheba(sheba) == sheba
    assert sheba_bank_code(sheba) == "017"
    # mod 97 detects every single-digit change
    for pos in range(2, 26):
        changed = sheba[:pos] + str((int(sheba[pos]) + 3) % 10) + sheba[pos + 1 :]
        with pytest.raises(ValidationError):
            validate_sheba(changed)


def test_sheba_input_forms() -> None:
    sheba = make_sheba("0170000000" + "123456789012")
    spaced = " ".join(sheba[i : i + 4] for i in range(0, 26, 4)).lower()
    assert validate_sheba(spaced) == sheba
    assert validate_sheba(sheba[2:]) == sheba
    assert validate_sheba(sheba.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))) == sheba
    assert "۲۴ رقم" in error_of(validate_sheba, sheba[:-1]).message
    assert error_of(validate_sheba, "IQ" + sheba[2:]).field == "sheba"
    assert "الزامی" in error_of(validate_sheba, "").message
    assert validate_sheba("", required=False) == ""


# ---- mobile ------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "09123456789",
        "9123456789",
        "+989123456789",
        "+98 912 345 6789",
        "00989123456789",
        "989123456789",
        "+98 0912 345 6789",
        "۰۹۱۲-۳۴۵-۶۷۸۹",
        "٠٩١٢٣٤٥٦٧٨٩",
    ],
)
def test_mobile_prefixes(raw: str) -> None:
    assert validate_mobile(raw) == "09123456789"


@pytest.mark.parametrize(
    "raw", ["0812345678", "08123456789", "091234567", "912345678901", "0912x456789"]
)
def test_mobile_invalid(raw: str) -> None:
    assert error_of(validate_mobile, raw, field="phone").field == "phone"


def test_mobile_empty() -> None:
    assert validate_mobile("  ") == ""
    assert validate_mobile(None) == ""
    assert "الزامی" in error_of(validate_mobile, "", required=True).message


# ---- postal code -------------------------------------------------------------


def test_postal_code() -> None:
    assert validate_postal_code("۱۱۹۳۶-۵۳۴۷۱") == ("1193653471", None)
    code, warning = validate_postal_code("1023653471")
    assert code == "1023653471" and warning is not None and "پنج رقم اول" in warning
    code, warning = validate_postal_code("5555555555")
    assert warning is not None and "تکراری" in warning
    assert validate_postal_code("") == ("", None)
    assert "۱۰ رقم" in error_of(validate_postal_code, "119365347").message
    assert "الزامی" in error_of(validate_postal_code, None, required=True).message


# ---- names and text ----------------------------------------------------------


def test_name_folding_and_zwnj() -> None:
    assert validate_name("علي", field="first_name", label="نام") == "علی"
    assert validate_name("كاظمي\u200cنژاد", "last_name", "نام خانوادگی") == "کاظمی\u200cنژاد"
    assert validate_name("\u202eمریم\u202c  \u200fاحمدی") == "مریم احمدی"
    assert validate_name("O'Neil-Smith Jr.", "n", "نام") == "O'Neil-Smith Jr."


@pytest.mark.parametrize(
    ("raw", "kwargs", "message"),
    [
        ("", {}, "وارد کردن نام خانوادگی الزامی است"),
        ("\u200f ", {}, "وارد کردن نام خانوادگی الزامی است"),
        ("الف" * 200 + "ب" * 100 + "ج" * 200, {}, "نباید بیشتر از ۶۰ نویسه باشد"),
        ("علی۲", {}, "نام خانوادگی نباید عدد داشته باشد"),
        ("Ali 2", {}, "نام خانوادگی نباید عدد داشته باشد"),
        ("علی@", {}, "فقط می‌تواند حروف"),
        ("-.'", {}, "دست‌کم یک حرف"),
        ("علی" * 10, {"max_length": 20}, "۲۰ نویسه"),
    ],
)
def test_name_invalid(raw: str, kwargs: dict[str, int], message: str) -> None:
    error = error_of(validate_name, raw, field="last_name", label="نام خانوادگی", **kwargs)
    assert error.field == "last_name"
    assert message in error.message


def test_name_optional() -> None:
    assert validate_name(None, "father_name", "نام پدر", required=False) == ""


def test_text() -> None:
    assert validate_text("  تهران،  خيابان ۱ ", "address", "نشانی") == "تهران، خیابان 1"
    assert validate_text(None, "address", "نشانی") == ""
    assert "الزامی" in error_of(validate_text, "", "address", "نشانی", required=True).message
    error = error_of(validate_text, "ا" * 501, "address", "نشانی")
    assert error.field == "address" and "۵۰۰" in error.message


def test_a_shop_address_is_a_web_address() -> None:
    from common.validators import validate_shop_url

    assert validate_shop_url("  basalam.com/torshi ") == "https://basalam.com/torshi"
    assert validate_shop_url("HTTP://Divar.ir/v/۱۲") == "HTTP://Divar.ir/v/12"
    assert validate_shop_url("") == ""
    for bad in ("not a url", "https://localhost", "ftp://x.com", "https://دیجی.کالا"):
        with pytest.raises(ValidationError):
            validate_shop_url(bad)


def test_a_typed_amount_is_a_whole_positive_number() -> None:
    from common.validators import parse_amount

    assert parse_amount("۱٬۲۰۰", "q", "مقدار", maximum=10_000) == 1200
    assert parse_amount("", "q", "مقدار", maximum=10) is None
    for bad in ("0", "-3", "1.5", "12a", "100"):
        with pytest.raises(ValidationError):
            parse_amount(bad, "q", "مقدار", maximum=99)
