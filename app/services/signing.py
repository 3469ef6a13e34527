"""The office's Ed25519 signing key and the signed payload a certificate's QR code carries.

The key pair is made at office setup (or on first use, for databases set up before) and
kept in the local ``setting`` table: the private key as raw 32 bytes in base64, and the
public key beside it. The public half is what the central server will publish; its
``key_id`` is the first 8 bytes of the SHA-256 of the raw public key, in hex.

Payload (see docs/certificates.md)::

    DFT1.<base64url(claims JSON)>.<base64url(Ed25519 signature)>

The claims JSON is compact (short keys, sorted, no spaces, UTF-8). The signature covers
the ASCII bytes ``DFT1.<base64url(claims)>``, so the version prefix is signed too. Both
base64url parts must be canonical (no padding, no stray bits), so that every changed
byte of a payload fails verification. Nothing here touches Qt; verification needs no
database, only the known public keys.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Setting
from app.services import jalali
from app.services.text import strip_bidi_controls, to_persian_digits

PAYLOAD_VERSION = 1
PAYLOAD_PREFIX = f"DFT{PAYLOAD_VERSION}."
SIGNATURE_LENGTH = 64
#: Length of the base64url text of a 64-byte signature (no padding).
SIGNATURE_TEXT_LENGTH = 86

PRIVATE_KEY_SETTING = "signing.private_key"
PUBLIC_KEY_SETTING = "signing.public_key"
#: Public keys of other offices (``signing.known_key.<key_id>`` = base64 raw key), for
#: verifying their certificates offline; the sync issue will fill these from the server.
KNOWN_KEY_PREFIX = "signing.known_key."

CERT_KIND_LICENCE = "licence"
CERT_KIND_ATTENDANCE = "attendance"
CERT_KIND_CODES = {CERT_KIND_LICENCE: "L", CERT_KIND_ATTENDANCE: "A"}
_CERT_KINDS_BY_CODE = {code: kind for kind, code in CERT_KIND_CODES.items()}
LICENCE_KIND_CODES = {"independent": "I", "supporter": "S"}
_LICENCE_KINDS_BY_CODE = {code: kind for kind, code in LICENCE_KIND_CODES.items()}

# Verification outcomes.
VALID = "valid"
GARBAGE = "garbage"
TRUNCATED = "truncated"
MALFORMED = "malformed"
UNSUPPORTED = "unsupported"
UNKNOWN_KEY = "unknown_key"
BAD_SIGNATURE = "bad_signature"

REASONS = {
    VALID: "گواهی‌نامه اصل است: امضای اداره صادرکننده روی آن درست است.",
    GARBAGE: "این متن، کد گواهی‌نامه دفتر نیست.",
    TRUNCATED: "کد گواهی‌نامه ناقص است: بخشی از آن خوانده یا کپی نشده است.",
    MALFORMED: "کد گواهی‌نامه خراب است یا دست‌کاری شده است.",
    UNSUPPORTED: "این کد با نسخه جدیدتری از دفتر ساخته شده است؛ برای بررسی، دفتر را به‌روز کنید.",
    UNKNOWN_KEY: (
        "این گواهی‌نامه با کلیدی امضا شده که در این دستگاه شناخته نیست "
        "(اداره صادرکننده ناشناخته است)."
    ),
    BAD_SIGNATURE: "امضای گواهی‌نامه درست نیست: اطلاعات آن تغییر کرده یا گواهی‌نامه جعلی است.",
}

#: Claim keys of payload version 1, in the order people read them, with Persian labels.
CLAIM_LABELS: dict[str, str] = {
    "t": "نوع گواهی‌نامه",
    "s": "شماره گواهی‌نامه",
    "n": "شماره مجوز",
    "u": "شناسه یکتا",
    "m": "نوع مجوز",
    "h": "نام دارنده",
    "i": "کد ملی",
    "f": "کد رشته",
    "c": "شهرستان",
    "d": "تاریخ صدور",
    "e": "تاریخ انقضا",
    "k": "شناسه کلید امضا",
}
#: Labels of an attendance certificate's claims where they differ from a licence's.
ATTENDANCE_CLAIM_LABELS: dict[str, str] = {
    "n": "کد رویداد",
    "u": "شناسه شرکت‌کننده",
    "h": "نام شرکت‌کننده",
    "f": "کد رشته رویداد",
    "d": "از تاریخ",
    "e": "تا تاریخ",
}
REQUIRED_CLAIMS = frozenset({"k", "t", "s", "n", "u"})
_DATE_CLAIMS = frozenset({"d", "e"})
_CERT_KIND_LABELS = {CERT_KIND_LICENCE: "گواهی‌نامه مجوز", CERT_KIND_ATTENDANCE: "گواهی حضور"}
_LICENCE_KIND_LABELS = {"independent": "مستقل", "supporter": "پشتیبان"}

_B64URL_TEXT = re.compile(r"^[A-Za-z0-9_-]*$")
_CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


# -- keys ------------------------------------------------------------------------------------


def key_id_for(public_key: Ed25519PublicKey | bytes) -> str:
    """The key's id: the first 8 bytes of SHA-256 of the raw public key, as 16 hex digits."""
    raw = public_key if isinstance(public_key, bytes) else _raw_public(public_key)
    return hashlib.sha256(raw).digest()[:8].hex()


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes_raw()


def load_public_key(value: str | bytes) -> Ed25519PublicKey:
    """A public key from its raw 32 bytes or their (standard or url-safe) base64 text.

    Raises ValueError when the value is not a 32-byte Ed25519 public key.
    """
    raw = value if isinstance(value, bytes) else _b64decode_loose(value)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def _b64decode_loose(text: str) -> bytes:
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned, validate=True)
    except binascii.Error as exc:
        raise ValueError("not base64") from exc


def _get(session: Session, key: str) -> str | None:
    row = session.get(Setting, key)
    return row.value if row is not None and row.value else None


def _put(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def ensure_signing_key(session: Session) -> Ed25519PrivateKey:
    """The office's signing key; made and stored (in this transaction) if there is none.

    Called by office setup; databases set up before certificates existed get their key
    on first use.
    """
    stored = _get(session, PRIVATE_KEY_SETTING)
    if stored is not None:
        private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(stored))
        public_b64 = base64.b64encode(_raw_public(private.public_key())).decode("ascii")
        if _get(session, PUBLIC_KEY_SETTING) != public_b64:
            _put(session, PUBLIC_KEY_SETTING, public_b64)
        return private
    private = Ed25519PrivateKey.generate()
    _put(session, PRIVATE_KEY_SETTING, base64.b64encode(private.private_bytes_raw()).decode())
    _put(
        session,
        PUBLIC_KEY_SETTING,
        base64.b64encode(_raw_public(private.public_key())).decode("ascii"),
    )
    session.flush()
    return private


def public_key_b64(session: Session) -> str:
    """The office's public key (raw 32 bytes, standard base64): what the server publishes."""
    return base64.b64encode(_raw_public(ensure_signing_key(session).public_key())).decode("ascii")


def office_key_id(session: Session) -> str:
    """The key id of the office's signing key."""
    return key_id_for(ensure_signing_key(session).public_key())


def known_keys(session: Session) -> dict[str, Ed25519PublicKey]:
    """Public keys this database trusts: the office's own plus any stored known keys.

    Does not create the office's key (a verification only reads).
    """
    keys: dict[str, Ed25519PublicKey] = {}
    own = _get(session, PUBLIC_KEY_SETTING)
    candidates = [own] if own else []
    candidates.extend(
        session.scalars(select(Setting.value).where(Setting.key.startswith(KNOWN_KEY_PREFIX)))
    )
    for value in candidates:
        try:
            key = load_public_key(value)
        except ValueError:
            continue
        keys[key_id_for(key)] = key
    return keys


def add_known_key(session: Session, public_key: str | bytes) -> str:
    """Trust another office's public key (for offline verification); returns its key id."""
    key = load_public_key(public_key)
    kid = key_id_for(key)
    _put(session, KNOWN_KEY_PREFIX + kid, base64.b64encode(_raw_public(key)).decode("ascii"))
    return kid


# -- payloads --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateClaims:
    """What a certificate's payload states (all text; dates as Gregorian dates)."""

    serial: str
    licence_number: str
    unique_id: str
    national_id: str
    holder_name: str
    field_code: str
    county_code: str
    issue_date: dt.date
    expiry_date: dt.date
    licence_kind: str = "independent"
    kind: str = CERT_KIND_LICENCE

    def as_json_dict(self, key_id: str) -> dict[str, str]:
        """The compact claim dict of payload version 1 (keys as in CLAIM_LABELS)."""
        return {
            "k": key_id,
            "t": CERT_KIND_CODES.get(self.kind, self.kind),
            "s": self.serial,
            "n": self.licence_number,
            "u": self.unique_id,
            "m": LICENCE_KIND_CODES.get(self.licence_kind, self.licence_kind),
            "h": self.holder_name,
            "i": self.national_id,
            "f": self.field_code,
            "c": self.county_code,
            "d": _compact_date(self.issue_date),
            "e": _compact_date(self.expiry_date),
        }


@dataclass(frozen=True)
class SignedPayload:
    """A payload ready for the QR code, and the short code printed beside it."""

    payload: str
    verification_code: str
    key_id: str


def _compact_date(value: dt.date) -> str:
    return value.strftime("%Y%m%d")


def _parse_compact_date(value: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(value, "%Y%m%d").date()
    except (ValueError, TypeError):
        return None


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode_strict(text: str) -> bytes | None:
    """Decode unpadded base64url; None unless ``text`` is the canonical encoding."""
    if not _B64URL_TEXT.match(text) or len(text) % 4 == 1:
        return None
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return data if _b64url(data) == text else None


def canonical_json(claims: Mapping[str, Any]) -> bytes:
    """The claims as compact JSON: sorted keys, no spaces, UTF-8 (not \\u escapes)."""
    return json.dumps(claims, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
        "utf-8"
    )


def verification_code_for(signature: bytes) -> str:
    """The short code printed beside the QR: 8 Crockford base32 characters (``K7PX-93QD``).

    40 bits of SHA-256 of the signature: someone reading the printed page can compare it
    with the code a verifier shows for the scanned QR.
    """
    value = int.from_bytes(hashlib.sha256(signature).digest()[:5], "big")
    chars = "".join(_CROCKFORD_ALPHABET[(value >> shift) & 31] for shift in range(35, -1, -5))
    return f"{chars[:4]}-{chars[4:]}"


def sign_claims(private_key: Ed25519PrivateKey, claims: CertificateClaims) -> SignedPayload:
    """Sign ``claims`` with ``private_key``: the payload and its verification code."""
    kid = key_id_for(private_key.public_key())
    body = _b64url(canonical_json(claims.as_json_dict(kid)))
    signing_input = (PAYLOAD_PREFIX + body).encode("ascii")
    signature = private_key.sign(signing_input)
    return SignedPayload(
        payload=f"{PAYLOAD_PREFIX}{body}.{_b64url(signature)}",
        verification_code=verification_code_for(signature),
        key_id=kid,
    )


def sign_certificate(session: Session, claims: CertificateClaims) -> SignedPayload:
    """Sign ``claims`` with the office's key (made on first use)."""
    return sign_claims(ensure_signing_key(session), claims)


# -- verification ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VerificationResult:
    """What a verification found.

    ``status`` is VALID or the reason it is not; ``reason`` is its Persian text. ``data``
    is the payload's claims whenever they could be read (for an invalid payload they are
    *claimed*, not proven); ``fields`` is the same in Persian, as label/value pairs.
    ``register_status`` is filled by CertificateService.verify from the local register
    (active, expired, suspended, revoked, not_found), with ``register_note`` in Persian.
    """

    status: str
    reason: str
    payload: str = ""
    data: dict[str, str] = field(default_factory=dict)
    fields: tuple[tuple[str, str], ...] = ()
    key_id: str = ""
    verification_code: str = ""
    register_status: str | None = None
    register_note: str = ""

    @property
    def valid(self) -> bool:
        """True when the signature is genuine and made by a known key."""
        return self.status == VALID

    @property
    def expiry_date(self) -> dt.date | None:
        """The licence's expiry date as signed (None if unreadable)."""
        return _parse_compact_date(self.data.get("e", ""))

    @property
    def text(self) -> str:
        """The result in Persian, one fact per line (for the CLI and dialogs)."""
        lines = [self.reason]
        if self.register_note:
            lines.append(self.register_note)
        if self.verification_code:
            lines.append(f"کد تأیید: {self.verification_code}")
        lines.extend(f"{label}: {value}" for label, value in self.fields)
        return "\n".join(lines)


def describe_claims(
    data: Mapping[str, str], county_names: Mapping[str, str] | None = None
) -> tuple[tuple[str, str], ...]:
    """The claims in Persian as (label, value) pairs: Jalali dates, Persian digits.

    ``county_names`` (county code → name, from the reference data) shows the county's
    name beside its code.
    """
    pairs: list[tuple[str, str]] = []
    attendance = data.get("t") == CERT_KIND_CODES[CERT_KIND_ATTENDANCE]
    for key, label in CLAIM_LABELS.items():
        if attendance:
            label = ATTENDANCE_CLAIM_LABELS.get(key, label)
        raw = data.get(key)
        if raw is None or raw == "":
            continue
        value = str(raw)
        if key in _DATE_CLAIMS:
            date = _parse_compact_date(value)
            value = jalali.format_jalali(date) if date is not None else value
        elif key == "t":
            value = _CERT_KIND_LABELS.get(_CERT_KINDS_BY_CODE.get(value, value), value)
        elif key == "m":
            value = _LICENCE_KIND_LABELS.get(_LICENCE_KINDS_BY_CODE.get(value, value), value)
        elif key == "c" and county_names and value in county_names:
            value = f"{county_names[value]} ({to_persian_digits(value)})"
        elif key in ("k", "u", "s"):
            pass  # identifiers people compare character by character: keep them as is
        else:
            value = to_persian_digits(value)
        pairs.append((label, value))
    return tuple(pairs)


def _result(status: str, payload: str, **kwargs: Any) -> VerificationResult:
    return VerificationResult(status=status, reason=REASONS[status], payload=payload, **kwargs)


def verify_payload(
    payload: str, known_keys: Mapping[str, Ed25519PublicKey | bytes | str]
) -> VerificationResult:
    """Check a payload against the known public keys (key id → key).

    Leading and trailing whitespace and bidi controls (added by scanners and copy-paste)
    are ignored; every other character counts.
    """
    text = strip_bidi_controls(payload).strip()
    if not text.startswith("DFT"):
        return _result(GARBAGE, text)
    head, sep, _rest = text.partition(".")
    if not sep:
        return _result(TRUNCATED if PAYLOAD_PREFIX.startswith(text) else GARBAGE, text)
    if head != PAYLOAD_PREFIX[:-1]:
        version = head[3:]
        if version.isdigit() and version.isascii() and int(version) > PAYLOAD_VERSION:
            return _result(UNSUPPORTED, text)
        return _result(GARBAGE, text)
    parts = text.split(".")
    if len(parts) == 2 or (len(parts) == 3 and len(parts[2]) < SIGNATURE_TEXT_LENGTH):
        # The end is missing. Still show what can be read, as unproven claims.
        return _result(TRUNCATED, text, **_partial_claims(parts[1]))
    if len(parts) != 3:
        return _result(MALFORMED, text)
    body_text, signature_text = parts[1], parts[2]
    body = _b64url_decode_strict(body_text)
    signature = _b64url_decode_strict(signature_text)
    if body is None or signature is None or len(signature) != SIGNATURE_LENGTH:
        return _result(MALFORMED, text)
    data = _claims_from(body)
    if data is None or not data.keys() >= REQUIRED_CLAIMS:
        return _result(MALFORMED, text)
    kid = data["k"]
    extra = {
        "data": data,
        "fields": describe_claims(data),
        "key_id": kid,
        "verification_code": verification_code_for(signature),
    }
    key_value = known_keys.get(kid)
    if key_value is None:
        return _result(UNKNOWN_KEY, text, **extra)
    try:
        key = key_value if isinstance(key_value, Ed25519PublicKey) else load_public_key(key_value)
    except ValueError:
        return _result(UNKNOWN_KEY, text, **extra)
    if key_id_for(key) != kid:  # a mislabelled entry in the caller's key table
        return _result(UNKNOWN_KEY, text, **extra)
    try:
        key.verify(signature, (PAYLOAD_PREFIX + body_text).encode("ascii"))
    except InvalidSignature:
        return _result(BAD_SIGNATURE, text, **extra)
    return _result(VALID, text, **extra)


def _claims_from(body: bytes) -> dict[str, str] | None:
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        return None
    return value


def _partial_claims(body_text: str) -> dict[str, Any]:
    """Claims of a payload whose signature is cut off (body intact), else nothing."""
    body = _b64url_decode_strict(body_text)
    data = _claims_from(body) if body is not None else None
    if data is None:
        return {}
    return {"data": data, "fields": describe_claims(data), "key_id": data.get("k", "")}
