"""Signing certificate payloads: the office key, round trips and every way to break one."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import re
import string

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common import signing
from common.signing import (
    BAD_SIGNATURE,
    GARBAGE,
    MALFORMED,
    TRUNCATED,
    UNKNOWN_KEY,
    UNSUPPORTED,
    VALID,
    CertificateClaims,
    sign_claims,
    verify_payload,
)

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
KEY_ID = signing.key_id_for(KEY.public_key())
KNOWN = {KEY_ID: KEY.public_key()}

CLAIMS = CertificateClaims(
    serial="0612-C-000001",
    licence_number="0612-000042",
    unique_id="ABCD-EFGH-JKMN",
    national_id="0067749828",
    holder_name="مریم کریمی\u200cنژاد",
    field_code="020001",
    county_code="2301",
    issue_date=dt.date(2024, 8, 2),
    expiry_date=dt.date(2029, 8, 2),
)
PAYLOAD = sign_claims(KEY, CLAIMS).payload
ALPHABET = string.ascii_letters + string.digits + "-_.=+/ ی۱\u200e"


def test_round_trip_gives_the_signed_data_in_persian() -> None:
    signed = sign_claims(KEY, CLAIMS)
    assert signed.payload.startswith("DFT1.")
    assert re.fullmatch(r"DFT1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}", signed.payload)
    assert len(signed.payload) < 400  # the QR stays small
    result = verify_payload(signed.payload, KNOWN)
    assert result.valid and result.status == VALID
    assert result.verification_code == signed.verification_code
    assert result.key_id == KEY_ID
    assert result.data["n"] == "0612-000042"
    assert result.data["h"] == "مریم کریمی\u200cنژاد"
    assert result.data["d"] == "20240802"
    fields = dict(result.fields)
    assert fields["تاریخ صدور"] == "۱۴۰۳/۰۵/۱۲"
    assert fields["تاریخ انقضا"] == "۱۴۰۸/۰۵/۱۲"
    assert fields["کد ملی"] == "۰۰۶۷۷۴۹۸۲۸"
    assert fields["نوع مجوز"] == "مستقل"
    assert fields["شماره گواهی‌نامه"] == "0612-C-000001"
    assert fields["شهرستان"] == "۲۳۰۱"
    named = dict(signing.describe_claims(result.data, {"2301": "تهران"}))
    assert named["شهرستان"] == "تهران (۲۳۰۱)"
    assert "اصل است" in result.text


def test_payload_is_deterministic_and_canonical() -> None:
    # Ed25519 signatures are deterministic: the same claims give the same payload.
    assert sign_claims(KEY, CLAIMS).payload == PAYLOAD
    body = PAYLOAD.split(".")[1]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert (
        raw
        == json.dumps(
            json.loads(raw), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        ).encode()
    )


def test_verification_code_shape() -> None:
    code = sign_claims(KEY, CLAIMS).verification_code
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", code)
    other = sign_claims(KEY, CertificateClaims(**{**CLAIMS.__dict__, "serial": "0612-C-2"}))
    assert other.verification_code != code


def test_surrounding_whitespace_from_a_scanner_is_ignored() -> None:
    assert verify_payload(f"  {PAYLOAD}\r\n", KNOWN).valid


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_any_single_character_change_fails(data: st.DataObject) -> None:
    position = data.draw(st.integers(min_value=0, max_value=len(PAYLOAD) - 1))
    replacement = data.draw(st.sampled_from(ALPHABET).filter(lambda c: c != PAYLOAD[position]))
    tampered = PAYLOAD[:position] + replacement + PAYLOAD[position + 1 :]
    result = verify_payload(tampered, KNOWN)
    assert not result.valid, (position, replacement)


@pytest.mark.parametrize("position", range(len(PAYLOAD)))
def test_every_position_flipped_to_a_neighbour_fails(position: int) -> None:
    # Exhaustive over positions; the neighbour differs in the lowest bit(s), which is
    # what a base64 decoder ignores in the last character unless decoding is strict.
    char = PAYLOAD[position]
    neighbour = chr(ord(char) ^ 1)
    tampered = PAYLOAD[:position] + neighbour + PAYLOAD[position + 1 :]
    assert not verify_payload(tampered, KNOWN).valid


def test_changing_a_claim_and_re_encoding_fails() -> None:
    prefix, body, sig = PAYLOAD.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["e"] = "20390802"
    forged = base64.urlsafe_b64encode(
        json.dumps(claims, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    )
    tampered = f"{prefix}.{forged.rstrip(b'=').decode()}.{sig}"
    result = verify_payload(tampered, KNOWN)
    assert result.status == BAD_SIGNATURE
    assert "جعلی" in result.reason
    assert result.data["e"] == "20390802"  # shown, as claimed, not proven


@pytest.mark.parametrize("length", [0, 1, 3, 4, 5, 20, len(PAYLOAD) - 87, len(PAYLOAD) - 1])
def test_truncated_payloads_fail(length: int) -> None:
    result = verify_payload(PAYLOAD[:length], KNOWN)
    assert not result.valid
    if length >= 3:
        assert result.status in (TRUNCATED, MALFORMED)


def test_truncated_signature_says_so_and_shows_claims() -> None:
    result = verify_payload(PAYLOAD[:-10], KNOWN)
    assert result.status == TRUNCATED
    assert "ناقص" in result.reason
    assert result.data["n"] == "0612-000042"


@given(st.text(max_size=200))
def test_garbage_never_verifies_nor_raises(text: str) -> None:
    assert not verify_payload(text, KNOWN).valid


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "https://example.com/?q=1",
        "سلام دنیا",
        "DFT1.!!!.???",
        "DFT1." + "A" * 50 + "." + "B" * 86,
        "DFT1.e30." + "A" * 86,  # "{}" with a zero signature: no claims
        PAYLOAD + "." + "A" * 4,
    ],
)
def test_garbage_is_refused(text: str) -> None:
    result = verify_payload(text, KNOWN)
    assert result.status in (GARBAGE, MALFORMED, TRUNCATED)
    assert result.reason


def test_newer_version_is_reported_as_unsupported() -> None:
    result = verify_payload("DFT2." + PAYLOAD[5:], KNOWN)
    assert result.status == UNSUPPORTED
    assert "به‌روز" in result.reason


def test_unknown_key() -> None:
    stranger = Ed25519PrivateKey.generate()
    payload = sign_claims(stranger, CLAIMS).payload
    result = verify_payload(payload, KNOWN)
    assert result.status == UNKNOWN_KEY
    assert "شناخته نیست" in result.reason
    assert verify_payload(payload, {}).status == UNKNOWN_KEY
    # A key table whose entry is not the key its id names does not help a forger.
    assert (
        verify_payload(
            payload, {signing.key_id_for(stranger.public_key()): KEY.public_key()}
        ).status
        == UNKNOWN_KEY
    )
    # The right key, given as base64 text, verifies.
    raw = stranger.public_key().public_bytes_raw()
    text_key = base64.b64encode(raw).decode()
    assert verify_payload(payload, {signing.key_id_for(raw): text_key}).valid


def _signed_at(moment: dt.datetime) -> str:
    return sign_claims(KEY, dataclasses.replace(CLAIMS, signed_at=moment)).payload


AUG = dt.datetime(2026, 8, 1, 9, 0, tzinfo=dt.UTC)


def test_the_signing_time_is_signed_and_shown_in_iran_time() -> None:
    payload = _signed_at(AUG)
    result = verify_payload(payload, KNOWN)
    assert result.valid and result.data["a"] == "20260801090000"
    # 09:00 UTC is 12:30 in Tehran; 1 August 2026 is 10 Mordad 1405.
    assert dict(result.fields)["زمان امضا"] == "۱۴۰۵/۰۵/۱۰ ۱۲:۳۰"
    # A verifier that knows nothing of "a" (payload version 1) still reads the rest.
    assert result.data["n"] == "0612-000042"


def test_a_revoked_key_refuses_what_it_signed_after_and_undated_payloads() -> None:
    revoked = signing.TrustedKey(
        KEY_ID,
        signing.public_key_text(KEY),
        office_name="اداره تعاون شمیرانات",
        revoked_at=AUG + dt.timedelta(days=10),
        revoked_reason="رایانه دزدیده شد",
    )
    keys = {KEY_ID: revoked}
    before = verify_payload(_signed_at(AUG), keys)
    assert before.valid and "باطل شده" in before.key_note and "پیش از آن" in before.key_note
    assert before.issuer == "اداره تعاون شمیرانات"
    after = verify_payload(_signed_at(AUG + dt.timedelta(days=11)), keys)
    assert after.status == signing.KEY_REVOKED and not after.valid
    assert after.reason.startswith("کلید امضای این گواهی‌نامه باطل شده است")
    assert "رایانه دزدیده شد" in after.reason and "پس از ابطال" in after.reason
    undated = verify_payload(PAYLOAD, keys)  # made before signing times existed
    assert undated.status == signing.KEY_REVOKED and "زمان امضا ندارد" in undated.reason


def test_a_retired_key_keeps_what_it_signed_and_refuses_later_signatures() -> None:
    retired = signing.TrustedKey(KEY_ID, signing.public_key_text(KEY), retired_at=AUG)
    keys = {KEY_ID: retired}
    assert verify_payload(PAYLOAD, keys).valid  # undated: signed before rotation existed
    kept = verify_payload(_signed_at(AUG - dt.timedelta(hours=1)), keys)
    assert kept.valid and "کلید دیگری" in kept.key_note
    # A desk clock a few hours ahead is tolerated; days after the rotation is not.
    assert verify_payload(_signed_at(AUG + dt.timedelta(hours=5)), keys).valid
    late = verify_payload(_signed_at(AUG + dt.timedelta(days=3)), keys)
    assert late.status == signing.KEY_RETIRED and not late.valid


def test_the_verification_address_carries_the_payload_after_the_hash() -> None:
    url = signing.verification_url("https://sync.example.ir/", PAYLOAD)
    assert url == f"https://sync.example.ir/v#{PAYLOAD}"
    assert verify_payload(url, KNOWN).valid
    assert verify_payload(f"\u200e {url}\n", KNOWN).valid  # scanner and paste noise
    assert signing.extract_payload("https://x.ir/v#") == ""
    assert verify_payload("https://x.ir/v", KNOWN).status == GARBAGE
    changed = url[:-3] + ("A" if url[-3] != "A" else "B") + url[-2:]
    assert verify_payload(changed, KNOWN).status in (BAD_SIGNATURE, MALFORMED)


def test_stricter_merges_two_sources_news_about_one_key() -> None:
    a = signing.TrustedKey(KEY_ID, signing.public_key_text(KEY), office_name="الف", retired_at=AUG)
    b = signing.TrustedKey(
        KEY_ID, signing.public_key_text(KEY), revoked_at=AUG + dt.timedelta(1), revoked_reason="x"
    )
    merged = a.stricter(b)
    assert merged.office_name == "الف" and merged.retired_at == AUG
    assert merged.revoked_at == AUG + dt.timedelta(1) and merged.revoked_reason == "x"
    with pytest.raises(ValueError):
        signing.load_public_key("not a key")


def test_attendance_claims_read_as_an_event_not_a_licence() -> None:
    from common.signing import describe_claims

    fields = dict(
        describe_claims(
            {"t": "A", "s": "0612-C-000001", "n": "0612-E-0001", "h": "مریم کریمی", "d": "14050205"}
        )
    )
    assert fields["نوع گواهی‌نامه"] == "گواهی حضور"
    assert fields["کد رویداد"] == "۰۶۱۲-E-۰۰۰۱" and fields["نام شرکت‌کننده"] == "مریم کریمی"
    assert "شماره مجوز" not in fields and "از تاریخ" in fields
