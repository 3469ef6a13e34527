"""The signed payload a certificate's QR code carries, and its verification.

Offices sign with Ed25519 keys (app.services.core.signing_keys keeps them: the private half
in the OS keyring or encrypted, the published key set in the database). A key's
``key_id`` is the first 8 bytes of the SHA-256 of the raw public key, in hex.

Payload (see docs/certificates.md)::

    DFT1.<base64url(claims JSON)>.<base64url(Ed25519 signature)>

The claims JSON is compact (short keys, sorted, no spaces, UTF-8). The signature covers
the ASCII bytes ``DFT1.<base64url(claims)>``, so the version prefix is signed too. Both
base64url parts must be canonical (no padding, no stray bits), so that every changed
byte of a payload fails verification. Nothing here touches Qt or the database:
verification needs only the trusted public keys (:class:`TrustedKey`, with their
retirement and revocation times), so it runs on a machine with no Daftar database.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from common import jalali
from common.banks import bank_name
from common.text import format_tomans, strip_bidi_controls, to_persian_digits
from common.vocabulary import CertificateKind, LicenceKind

PAYLOAD_VERSION = 1
PAYLOAD_PREFIX = f"DFT{PAYLOAD_VERSION}."
SIGNATURE_LENGTH = 64
#: Length of the base64url text of a 64-byte signature (no padding).
SIGNATURE_TEXT_LENGTH = 86

#: Iran's time (no daylight saving since 2022): signing times are shown in it.
IRAN_TIME = dt.timezone(dt.timedelta(hours=3, minutes=30))
#: A signature dated this long after its key was retired is refused (the private half of
#: a retired key is destroyed; the margin covers a desk clock that runs ahead).
RETIRED_GRACE = dt.timedelta(days=1)

CERT_KIND_LICENCE = "licence"
CERT_KIND_ATTENDANCE = "attendance"
CERT_KIND_REFERRAL = "referral"
CERT_KIND_CODES = {CERT_KIND_LICENCE: "L", CERT_KIND_ATTENDANCE: "A", CERT_KIND_REFERRAL: "R"}
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
KEY_REVOKED = "revoked_key"
KEY_RETIRED = "retired_key"
#: A PDF whose printed page does not show what its payload signs
#: (app.services.certificates.pdf.check).
PAGE_MISMATCH = "page_mismatch"

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
    KEY_REVOKED: "کلید امضای این گواهی‌نامه باطل شده است و گواهی‌نامه پس از ابطال آن امضا شده است.",
    KEY_RETIRED: (
        "این گواهی‌نامه پس از کنار گذاشتن کلید امضایش امضا شده است؛ "
        "اداره صادرکننده پس از تعویض کلید با کلید قدیم امضا نمی‌کند."
    ),
    PAGE_MISMATCH: "متن چاپ‌شده روی صفحه با اطلاعات امضاشده گواهی‌نامه یکی نیست.",
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
    "b": "بانک",
    "g": "کد شعبه",
    "r": "مبلغ درخواستی",
    "k": "شناسه کلید امضا",
    "a": "زمان امضا",
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
#: Labels of a referral letter's claims (a facility case sent to a bank branch) where they
#: differ from a licence's: ``s`` the letter's number, ``d`` its date, ``e`` the licence's
#: expiry; ``b`` the bank's identifier, ``g`` the branch code, ``r`` the amount (rials).
REFERRAL_CLAIM_LABELS: dict[str, str] = {
    "s": "شماره معرفی‌نامه",
    "d": "تاریخ معرفی‌نامه",
    "e": "اعتبار مجوز تا",
}
REQUIRED_CLAIMS = frozenset({"k", "t", "s", "n", "u"})
_DATE_CLAIMS = frozenset({"d", "e"})
#: The signing time claim: UTC as ``YYYYMMDDHHMMSS`` (payloads made before it existed
#: have none).
SIGNED_AT_CLAIM = "a"
_CERT_KIND_LABELS = CertificateKind.labels()
_LICENCE_KIND_LABELS = LicenceKind.labels()

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


def public_key_text(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """The raw 32-byte public key in standard base64 (what the server publishes)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return base64.b64encode(_raw_public(public)).decode("ascii")


@dataclass(frozen=True)
class TrustedKey:
    """A public key a verifier trusts, with what the published key set says about it.

    ``retired_at``: the office stopped signing with it (rotation; what it signed before
    stays valid). ``revoked_at``: it must not be trusted from then on (a stolen key);
    certificates signed before stay valid, those signed after (or without a signing
    time) do not.
    """

    key_id: str
    public_key: str
    office_name: str = ""
    province_name: str = ""
    county_name: str = ""
    valid_from: dt.datetime | None = None
    retired_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    revoked_reason: str = ""

    @property
    def place(self) -> str:
        """Where the office is, in Persian (county and province)."""
        if self.county_name and self.province_name:
            return f"شهرستان {self.county_name}، استان {self.province_name}"
        return f"استان {self.province_name}" if self.province_name else ""

    @property
    def issuer(self) -> str:
        """The office and its place, for a verifier's answer ("" when unknown)."""
        if self.office_name and self.place:
            return f"{self.office_name} ({self.place})"
        return self.office_name

    def stricter(self, other: TrustedKey) -> TrustedKey:
        """This key with the earlier retirement and revocation of the two (two sources —
        a database's key set and a key file — may know different news about one key)."""

        def earliest(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
            return min((x for x in (a, b) if x is not None), default=None)

        revoked = earliest(self.revoked_at, other.revoked_at)
        reason = self.revoked_reason if revoked == self.revoked_at else other.revoked_reason
        return dataclasses.replace(
            self,
            office_name=self.office_name or other.office_name,
            province_name=self.province_name or other.province_name,
            county_name=self.county_name or other.county_name,
            retired_at=earliest(self.retired_at, other.retired_at),
            revoked_at=revoked,
            revoked_reason=reason or "",
        )


def trusted_key(public_key: Ed25519PublicKey | bytes | str) -> TrustedKey:
    """A bare public key (nothing known about its office) as a TrustedKey."""
    key = public_key if isinstance(public_key, Ed25519PublicKey) else load_public_key(public_key)
    return TrustedKey(key_id_for(key), public_key_text(key))


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
    #: When it was signed (UTC); the ``a`` claim. Verifiers use it against the key's
    #: revocation time.
    signed_at: dt.datetime | None = None
    #: Claims of one kind only (a referral letter's bank ``b``, branch ``g``, amount ``r``).
    extra: tuple[tuple[str, str], ...] = ()

    def as_json_dict(self, key_id: str) -> dict[str, str]:
        """The compact claim dict of payload version 1 (keys as in CLAIM_LABELS)."""
        extra = {SIGNED_AT_CLAIM: format_signed_at(self.signed_at)} if self.signed_at else {}
        return (
            extra
            | dict(self.extra)
            | {
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
        )


@dataclass(frozen=True)
class SignedPayload:
    """A payload ready for the QR code, and the short code printed beside it."""

    payload: str
    verification_code: str
    key_id: str


def _compact_date(value: dt.date) -> str:
    return value.strftime("%Y%m%d")


def format_signed_at(value: dt.datetime) -> str:
    """A signing time as the ``a`` claim: UTC, ``YYYYMMDDHHMMSS``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")


def parse_signed_at(value: str | None) -> dt.datetime | None:
    """The ``a`` claim as an aware UTC datetime (None if absent or unreadable)."""
    if not value or len(value) != 14 or not value.isascii() or not value.isdigit():
        return None
    try:
        return dt.datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def format_moment(value: dt.datetime) -> str:
    """A moment in Iran's time as Jalali date and time, Persian digits (۱۴۰۵/۰۵/۱۲ ۱۴:۳۰)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(IRAN_TIME)
    return f"{jalali.format_jalali(local.date())} {to_persian_digits(local.strftime('%H:%M'))}"


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


# -- verification ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VerificationResult:
    """What a verification found.

    ``status`` is VALID or the reason it is not; ``reason`` is its Persian text. ``data``
    is the payload's claims whenever they could be read (for an invalid payload they are
    *claimed*, not proven); ``fields`` is the same in Persian, as label/value pairs.
    ``register_status`` is filled by CertificateService.verify from the local register
    (active, expired, suspended, revoked, not_found), with ``register_note`` in Persian.
    ``issuer`` is the signing key's office (from the key set); ``key_note`` says that the
    key was retired or revoked after this certificate was signed.
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
    issuer: str = ""
    key_note: str = ""

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
        if self.issuer:
            lines.append(f"صادرکننده: {self.issuer}")
        if self.key_note:
            lines.append(self.key_note)
        if self.register_note:
            lines.append(self.register_note)
        if self.verification_code:
            lines.append(f"کد تأیید: {self.verification_code}")
        lines.extend(f"{label}: {value}" for label, value in self.fields)
        return "\n".join(lines)


def licence_kind_label(code: str) -> str:
    """The Persian label of a licence-kind claim (``I`` مستقل, ``S`` پشتیبان)."""
    return _LICENCE_KIND_LABELS.get(_LICENCE_KINDS_BY_CODE.get(code, code), code)


def describe_claims(
    data: Mapping[str, str], county_names: Mapping[str, str] | None = None
) -> tuple[tuple[str, str], ...]:
    """The claims in Persian as (label, value) pairs: Jalali dates, Persian digits.

    ``county_names`` (county code → name, from the reference data) shows the county's
    name beside its code.
    """
    pairs: list[tuple[str, str]] = []
    kind_labels = {
        CERT_KIND_CODES[CERT_KIND_ATTENDANCE]: ATTENDANCE_CLAIM_LABELS,
        CERT_KIND_CODES[CERT_KIND_REFERRAL]: REFERRAL_CLAIM_LABELS,
    }.get(data.get("t", ""), {})
    for key, label in CLAIM_LABELS.items():
        label = kind_labels.get(key, label)
        raw = data.get(key)
        if raw is None or raw == "":
            continue
        value = str(raw)
        if key in _DATE_CLAIMS:
            date = _parse_compact_date(value)
            value = jalali.format_jalali(date) if date is not None else value
        elif key == SIGNED_AT_CLAIM:
            moment = parse_signed_at(value)
            value = format_moment(moment) if moment is not None else value
        elif key == "t":
            value = _CERT_KIND_LABELS.get(_CERT_KINDS_BY_CODE.get(value, value), value)
        elif key == "m":
            value = licence_kind_label(value)
        elif key == "b":
            value = bank_name(value)
        elif key == "r" and value.isdigit() and value.isascii():
            value = format_tomans(int(value))
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


#: What a QR, a link or a paste may carry: the payload, or a verification page's address
#: with the payload after ``#`` (``https://server/v#DFT1.…``).
_URL_PAYLOAD = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^\s#]*#(?P<payload>\S*)$")


#: The public verification page of the central server (server.verify_page).
VERIFICATION_PATH = "/v"


def verification_url(server_url: str, payload: str) -> str:
    """The verification page's address carrying ``payload`` after ``#``: a phone camera
    opens it, and the payload never reaches the server's access log (a fragment is not
    sent; the page's script posts it)."""
    return f"{server_url.rstrip('/')}{VERIFICATION_PATH}#{payload}"


def extract_payload(text: str) -> str:
    """The payload in ``text``: the text itself, or the part after ``#`` of a verification
    page's address. Whitespace and bidi controls around it are dropped."""
    cleaned = strip_bidi_controls(text).strip()
    match = _URL_PAYLOAD.match(cleaned)
    return match.group("payload") if match else cleaned


KeyLike = TrustedKey | Ed25519PublicKey | bytes | str


def verify_payload(payload: str, known_keys: Mapping[str, KeyLike]) -> VerificationResult:
    """Check a payload (or a verification page's address carrying one) against the trusted
    keys (key id → key; a :class:`TrustedKey` also brings its retirement and revocation).

    Leading and trailing whitespace and bidi controls (added by scanners and copy-paste)
    are ignored; every other character counts. A certificate signed with a revoked key
    after its revocation, or with no signing time, is not genuine (KEY_REVOKED); one
    signed before is, with a ``key_note`` saying the key was revoked later.
    """
    text = extract_payload(payload)
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
    extra: dict[str, Any] = {
        "data": data,
        "fields": describe_claims(data),
        "key_id": kid,
        "verification_code": verification_code_for(signature),
    }
    entry = known_keys.get(kid)
    if entry is None:
        return _result(UNKNOWN_KEY, text, **extra)
    try:
        trusted = entry if isinstance(entry, TrustedKey) else trusted_key(entry)
        key = load_public_key(trusted.public_key)
    except ValueError:
        return _result(UNKNOWN_KEY, text, **extra)
    if key_id_for(key) != kid:  # a mislabelled entry in the caller's key table
        return _result(UNKNOWN_KEY, text, **extra)
    try:
        key.verify(signature, (PAYLOAD_PREFIX + body_text).encode("ascii"))
    except InvalidSignature:
        return _result(BAD_SIGNATURE, text, **extra)
    extra["issuer"] = trusted.issuer
    return _key_verdict(trusted, parse_signed_at(data.get(SIGNED_AT_CLAIM)), text, extra)


def _key_verdict(
    key: TrustedKey, signed_at: dt.datetime | None, text: str, extra: dict[str, Any]
) -> VerificationResult:
    """A genuine signature, judged by the key's retirement and revocation."""
    if key.revoked_at is not None:
        since = format_moment(key.revoked_at)
        why = f" (دلیل: {key.revoked_reason})" if key.revoked_reason else ""
        if signed_at is None or signed_at >= key.revoked_at:
            when = (
                "این گواهی‌نامه زمان امضا ندارد و پذیرفته نمی‌شود."
                if signed_at is None
                else f"این گواهی‌نامه در {format_moment(signed_at)}، پس از ابطال، امضا شده است."
            )
            reason = f"کلید امضای این گواهی‌نامه باطل شده است (از {since}){why}؛ {when}"
            return VerificationResult(KEY_REVOKED, reason, text, **extra)
        extra["key_note"] = (
            f"کلید امضای این گواهی‌نامه از {since} باطل شده است{why}؛ "
            "این گواهی‌نامه پیش از آن امضا شده و معتبر است."
        )
    elif key.retired_at is not None:
        if signed_at is not None and signed_at > key.retired_at + RETIRED_GRACE:
            return _result(KEY_RETIRED, text, **extra)
        extra["key_note"] = (
            f"اداره صادرکننده از {format_moment(key.retired_at)} با کلید دیگری امضا می‌کند؛ "
            "گواهی‌نامه‌هایی که پیش از آن امضا شده‌اند معتبرند."
        )
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
