"""Tests for common.text: the shared normalisation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.text import (
    digits_only,
    isolate_ltr,
    normalize_multiline,
    normalize_text,
    search_key,
    strip_bidi_controls,
    to_ascii_digits,
    to_persian_digits,
)

ZWNJ = "\u200c"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\ufeff"
# Text biased towards the characters the normaliser cares about.
tricky = st.text(
    alphabet=st.one_of(
        st.sampled_from(
            [
                *"يىكیکهۀةأإؤئاآ ۰۹٠٩09aZİ\t\n\u00a0\u0640\u064b\u0650\u0654\u0670",
                *(ZWNJ, "\u200d", "\u0301", "\ufef1", "\ufefb", "\ufe70", *BIDI),
            ]
        ),
        st.characters(),
    ),
    max_size=40,
)


def test_strip_bidi_controls() -> None:
    assert strip_bidi_controls(f"\u202eabc{BIDI}d") == "abcd"


def test_digit_conversions() -> None:
    assert to_ascii_digits("۰۱۲۳۴۵۶۷۸۹ ٠١٢٣٤٥٦٧٨٩") == "0123456789 0123456789"
    assert to_persian_digits("1403/05/12") == "۱۴۰۳/۰۵/۱۲"


@given(st.text(alphabet="0123456789", max_size=20))
def test_digit_round_trip(s: str) -> None:
    assert to_ascii_digits(to_persian_digits(s)) == s
    assert to_persian_digits(to_ascii_digits(to_persian_digits(s))) == to_persian_digits(s)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("  علي   كريمي  ", "علی کریمی"),
        ("يحيى", "یحیی"),
        ("مـــحمد", "محمد"),
        ("مُحَمَّد", "محمد"),
        ("می\u200cخواهم", "می\u200cخواهم"),
        ("می\u200c\u200c\u200cخواهم", "می\u200cخواهم"),
        ("\u200cکتاب \u200c ها\u200c", "کتاب ها"),
        ("خانۀ ما", "خانۀ ما"),
        ("خانه\u0654", "خانۀ"),
        ("مدرسة", "مدرسة"),
        ("a\u00a0b\tc\nd\r\ne", "a b c d e"),
        ("\u202eعلی\u202c", "علی"),
        ("\ufeffشماره ۱۲٣", "شماره 123"),
        ("\ufee3\ufeea\ufeae", "مهر"),  # presentation forms (copied from a PDF)
    ],
)
def test_normalize_text(raw: str | None, expected: str) -> None:
    assert normalize_text(raw) == expected


@given(tricky)
def test_normalize_text_idempotent(s: str) -> None:
    once = normalize_text(s)
    assert normalize_text(once) == once
    assert not any(c in once for c in BIDI + "يىك\u0640")
    assert "  " not in once and once == once.strip(" " + ZWNJ)


def test_normalize_multiline() -> None:
    raw = " خیابان  ولي\u200c عصر \r\n\n  كوچه ۲ \n\t\n"
    assert normalize_multiline(raw) == "خیابان ولی عصر\nکوچه 2"
    assert normalize_multiline(None) == ""


@given(tricky)
def test_normalize_multiline_idempotent(s: str) -> None:
    once = normalize_multiline(s)
    assert normalize_multiline(once) == once


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        (" ۰۰۶-۷۷۴۹۸۲.۸ ", "0067749828"),
        ("٠٩١٢ ٣٤٥ ٦٧٨٩", "09123456789"),
        ("1403/05/12", "14030512"),
        ("IR06 0170 0000", "IR0601700000"),
        ("+98 912", "+98912"),
        ("\u2066123\u2069", "123"),
    ],
)
def test_digits_only(raw: str | None, expected: str) -> None:
    assert digits_only(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("مهدي\u200cپور", "مهدی پور"),
        ("  ABC-12, «تهران»  ", "abc 12 تهران"),
        ("خانۀ كوچك", "خانه کوچک"),
        ("۱۲۳", "123"),
        (None, ""),
    ],
)
def test_search_key(raw: str | None, expected: str) -> None:
    assert search_key(raw) == expected


def test_search_key_matches_variants() -> None:
    assert search_key("علي كريمي\u200cزاده") == search_key("علی  کریمی زاده")


@given(tricky)
def test_search_key_idempotent(s: str) -> None:
    once = search_key(s)
    assert search_key(once) == once
    assert ZWNJ not in once and "  " not in once


def test_isolate_ltr() -> None:
    assert isolate_ltr("1405-0042") == "\u20661405-0042\u2069"


def test_persian_sort_key_follows_the_alphabet() -> None:
    from common.text import persian_sort_key

    words = [
        "گلی",
        "کاظمی",
        "پارسا",
        "بهرامی",
        "تهرانی",
        "ژاله",
        "زهرا",
        "چمران",
        "جعفری",
        "آزاده",
        "احمدی",
        "یزدانی",
        "ونداد",
        "Ali",
        "هادی",
    ]
    expected = [
        "Ali",
        "آزاده",
        "احمدی",
        "بهرامی",
        "پارسا",
        "تهرانی",
        "جعفری",
        "چمران",
        "زهرا",
        "ژاله",
        "کاظمی",
        "گلی",
        "ونداد",
        "هادی",
        "یزدانی",
    ]
    assert sorted(words, key=persian_sort_key) == expected
    assert persian_sort_key("احمدی\u200cنژاد") == persian_sort_key("احمدینژاد")
    assert persian_sort_key(None) == persian_sort_key("") == ""


def test_invisible_characters_are_stripped_but_zwnj_kept() -> None:
    # zero-width space, zero-width joiner, word joiner, soft hyphen: nothing a clerk sees
    typed = "علی\u200b\u200dرضا\u2060 مح\u00adمدی\u200cپور"
    assert normalize_text(typed) == "علیرضا محمدی\u200cپور"


def test_search_folds_the_letters_people_type_interchangeably() -> None:
    assert search_key("آرش") == search_key("ارش") == "ارش"
    assert search_key("پائیز") == search_key("پاییز")
    assert search_key("مسئول") == search_key("مسیول")


def test_rials_are_shown_in_tomans_with_persian_digits_and_separators() -> None:
    from common.text import format_tomans, group_thousands

    assert group_thousands(1234567) == "۱٬۲۳۴٬۵۶۷"
    assert format_tomans(1_200_000) == "۱۲۰٬۰۰۰ تومان"
    assert format_tomans(125_005) == "۱۲٬۵۰۰٫۵ تومان"
    assert format_tomans(0) == "۰ تومان"
    assert format_tomans(-50) == "-۵ تومان"
    assert format_tomans(None) == ""
    assert format_tomans(70, unit=False) == "۷"
