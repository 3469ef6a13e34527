"""Signing certificate payloads: the office key, round trips and every way to break one."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import string

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.models import Setting
from app.services import signing
from app.services.db import Database
from app.services.signing import (
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


def test_office_key_is_made_at_setup_and_kept(db: Database) -> None:
    with db.session() as session:
        private = session.get(Setting, signing.PRIVATE_KEY_SETTING)
        public = session.get(Setting, signing.PUBLIC_KEY_SETTING)
        assert private is not None and public is not None
        assert len(base64.b64decode(private.value)) == 32
        assert signing.public_key_b64(session) == public.value
        kid = signing.office_key_id(session)
    assert re.fullmatch(r"[0-9a-f]{16}", kid)
    with db.session() as session:
        assert signing.office_key_id(session) == kid  # stable
        assert set(signing.known_keys(session)) == {kid}


def test_key_is_made_lazily_for_older_databases(db: Database) -> None:
    with db.session() as session:
        for key in (signing.PRIVATE_KEY_SETTING, signing.PUBLIC_KEY_SETTING):
            row = session.get(Setting, key)
            assert row is not None
            session.delete(row)
    with db.session() as session:
        assert signing.known_keys(session) == {}  # verifying alone makes no key
        signed = signing.sign_certificate(session, CLAIMS)
    with db.session() as session:
        keys = signing.known_keys(session)
    assert verify_payload(signed.payload, keys).valid


def test_known_keys_of_other_offices(db: Database) -> None:
    other = Ed25519PrivateKey.generate()
    payload = sign_claims(other, CLAIMS).payload
    with db.session() as session:
        assert not verify_payload(payload, signing.known_keys(session)).valid
        kid = signing.add_known_key(
            session, base64.b64encode(other.public_key().public_bytes_raw()).decode()
        )
    with db.session() as session:
        keys = signing.known_keys(session)
    assert kid in keys
    assert verify_payload(payload, keys).valid
    with pytest.raises(ValueError):
        signing.load_public_key("not a key")


def test_attendance_claims_read_as_an_event_not_a_licence() -> None:
    from app.services.signing import describe_claims

    fields = dict(
        describe_claims(
            {"t": "A", "s": "0612-C-000001", "n": "0612-E-0001", "h": "مریم کریمی", "d": "14050205"}
        )
    )
    assert fields["نوع گواهی‌نامه"] == "گواهی حضور"
    assert fields["کد رویداد"] == "۰۶۱۲-E-۰۰۰۱" and fields["نام شرکت‌کننده"] == "مریم کریمی"
    assert "شماره مجوز" not in fields and "از تاریخ" in fields
