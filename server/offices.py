"""Enrolling and revoking offices, their tokens, and checking a presented token.

Provinces and counties are named in Persian and resolved against the shipped reference
CSVs (resources/reference/iran-cities), normalised with common.text.search_key so
that ي/ی, ك/ک, ZWNJ and spacing don't matter.

An office holds any number of tokens (one per desk, a new one after a reinstall), each
with an optional label and expiry, revocable one by one (``revoke_token``) or all with
the office (``revoke_office``). Only a token's SHA-256 digest is stored; its public id
is the start of that digest (server.models.OfficeToken.public_id).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from common.resources import resources_dir
from common.text import search_key
from server.models import TOKEN_ID_LENGTH, Office, OfficeToken, utcnow

log = logging.getLogger("daftar.server.offices")

#: Random bytes in a token (shown once as URL-safe base64, 43 characters).
TOKEN_BYTES = 32
#: The longest token looked up; anything longer is malformed.
MAX_TOKEN_LENGTH = 512
#: ``last_used_at`` is written at most this often per token.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
#: The longest expiry an operator may give a token (days).
MAX_EXPIRY_DAYS = 3650
#: A token id as an operator types it: hex digits of the digest.
_TOKEN_ID = re.compile(rf"[0-9a-f]{{{TOKEN_ID_LENGTH},64}}")
#: What a presented token may contain: printable ASCII, no spaces.
_TOKEN_TEXT = re.compile(r"[\x21-\x7e]+")


class EnrolmentError(Exception):
    """An office can't be enrolled or revoked; the message is Persian + English."""


@dataclass(frozen=True)
class Place:
    """A province or county of the reference data: its amar code and Persian name."""

    code: str
    name: str


@dataclass(frozen=True)
class Reference:
    """The provinces and counties of the shipped iran-cities CSVs."""

    provinces: dict[str, Place]  # search key → province
    counties: dict[str, dict[str, Place]]  # province code → search key → county


def reference_folder() -> Path:
    """The folder of the shipped iran-cities CSVs."""
    return resources_dir() / "reference" / "iran-cities"


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            {key: (value or "").strip() for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def load_reference(folder: Path | None = None) -> Reference:
    """Read ostan.csv and shahrestan.csv."""
    folder = folder or reference_folder()
    provinces: dict[str, Place] = {}
    code_by_local_id: dict[str, str] = {}
    for row in _read_csv(folder / "ostan.csv"):
        place = Place(row["amar_code"], row["name"])
        provinces[search_key(row["name"])] = place
        code_by_local_id[row["id"]] = place.code
    counties: dict[str, dict[str, Place]] = {}
    for row in _read_csv(folder / "shahrestan.csv"):
        province_code = code_by_local_id[row["ostan"]]
        counties.setdefault(province_code, {})[search_key(row["name"])] = Place(
            row["amar_code"], row["name"]
        )
    return Reference(provinces, counties)


def resolve_place(
    reference: Reference, province: str, county: str | None
) -> tuple[Place, Place | None]:
    """Find a province (and a county within it) by Persian name."""
    found_province = reference.provinces.get(search_key(province))
    if found_province is None:
        raise EnrolmentError(f"استان «{province}» پیدا نشد. / Unknown province: {province!r}")
    if county is None:
        return found_province, None
    found_county = reference.counties.get(found_province.code, {}).get(search_key(county))
    if found_county is None:
        raise EnrolmentError(
            f"شهرستان «{county}» در استان «{found_province.name}» پیدا نشد. / "
            f"Unknown county {county!r} in province {found_province.name!r}"
        )
    return found_province, found_county


def hash_token(token: str) -> str:
    """The stored form of a token: its SHA-256 hex digest."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


#: Tokens start with this, so one never begins with "-" (a command line would take it for
#: an option: ``daftar setup --token -abc…``) and a leaked one is easy to recognise.
TOKEN_PREFIX = "dft_"


def new_token() -> str:
    """A new random token: ``dft_`` and 32 random bytes in URL-safe base64."""
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def enrol_office(
    session: Session,
    *,
    name: str,
    province: str,
    county: str | None,
    reference: Reference | None = None,
    expires_at: dt.datetime | None = None,
    label: str | None = None,
) -> tuple[Office, str]:
    """Enrol an office and give it a first token (optionally labelled and expiring);
    returns the office and the token.

    The caller commits. The token is returned once and stored only as its hash.
    """
    name = " ".join(name.split())
    if not name:
        raise EnrolmentError("نام اداره خالی است. / The office name is empty.")
    found_province, found_county = resolve_place(reference or load_reference(), province, county)
    office = Office(
        name=name,
        province_code=found_province.code,
        province_name=found_province.name,
        county_code=found_county.code if found_county else None,
        county_name=found_county.name if found_county else None,
    )
    session.add(office)
    session.flush()
    token = issue_token(session, office, expires_at=expires_at, label=label)
    log.info(
        "enrolled office %s (%s, %s)",
        office.id,
        found_province.name,
        found_county.name if found_county else "province office",
    )
    return office, token


def issue_token(
    session: Session,
    office: Office,
    *,
    expires_at: dt.datetime | None = None,
    label: str | None = None,
    recovery: bool = False,
) -> str:
    """Give ``office`` a new token (the caller commits); returns the token.

    Its public id (the start of its digest) is unique among the stored tokens. A
    ``recovery`` token may once create a new head account of an office that has accounts
    (its head's password is lost: server.policy); then it is an ordinary token.
    """
    if office.revoked_at is not None:
        raise EnrolmentError(
            f"اداره {office.id} باطل شده است و توکن تازه نمی‌گیرد. / "
            f"Office {office.id} is revoked; it gets no new token."
        )
    label = " ".join(label.split())[:120] if label else None
    while True:
        token = new_token()
        digest = hash_token(token)
        taken = session.scalar(
            select(OfficeToken.token_hash).where(
                OfficeToken.token_hash.startswith(digest[:TOKEN_ID_LENGTH])
            )
        )
        if taken is None:
            break
    session.add(
        OfficeToken(
            token_hash=digest,
            office_id=office.id,
            label=label or None,
            expires_at=expires_at,
            recovery=recovery,
        )
    )
    session.flush()
    log.info(
        "issued %stoken %s to office %s (expires %s)",
        "recovery " if recovery else "",
        digest[:TOKEN_ID_LENGTH],
        office.id,
        expires_at.isoformat() if expires_at else "never",
    )
    return token


def expiry_after(days: int | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """The expiry of a token valid for ``days`` days from now (None: never expires)."""
    if days is None:
        return None
    if not 1 <= days <= MAX_EXPIRY_DAYS:
        raise EnrolmentError(
            f"مدت اعتبار توکن باید بین ۱ و {MAX_EXPIRY_DAYS} روز باشد. / "
            f"A token's expiry must be 1 to {MAX_EXPIRY_DAYS} days."
        )
    return (now or utcnow()) + dt.timedelta(days=days)


def get_office(session: Session, office_id: str) -> Office:
    """The office with this id; EnrolmentError when there is none."""
    office = session.get(Office, office_id.strip())
    if office is None:
        raise EnrolmentError(
            f"اداره‌ای با شناسه {office_id} نیست. / No office with id {office_id!r}"
        )
    return office


def revoke_office(session: Session, office_id: str) -> Office:
    """Revoke an office and every token it holds (idempotent; the caller commits)."""
    office = get_office(session, office_id)
    now = utcnow()
    if office.revoked_at is None:
        office.revoked_at = now
    session.execute(
        update(OfficeToken)
        .where(OfficeToken.office_id == office.id, OfficeToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    log.info("revoked office %s and its tokens", office.id)
    return office


def find_token(session: Session, token_id: str) -> OfficeToken:
    """The token with this public id (or a longer start of its digest)."""
    wanted = token_id.strip().lower()
    if not _TOKEN_ID.fullmatch(wanted):
        raise EnrolmentError(
            f"شناسه توکن باید {TOKEN_ID_LENGTH} رقم شانزده‌شانزدهی باشد (از list-tokens). / "
            f"A token id is {TOKEN_ID_LENGTH} hex digits (see list-tokens): {token_id!r}"
        )
    found = (
        session.execute(select(OfficeToken).where(OfficeToken.token_hash.startswith(wanted)))
        .scalars()
        .all()
    )
    if len(found) != 1:
        raise EnrolmentError(
            f"توکنی با شناسه {wanted} نیست. / No token with id {wanted!r}"
            if not found
            else f"چند توکن با شناسه {wanted} هست؛ شناسه بلندتری بدهید. / "
            f"Several tokens start with {wanted!r}; give more digits."
        )
    return found[0]


def revoke_token(session: Session, token_id: str) -> OfficeToken:
    """Revoke one token (idempotent; the caller commits). The office keeps its others."""
    token = find_token(session, token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        log.info("revoked token %s of office %s", token.public_id, token.office_id)
    return token


def list_tokens(session: Session, office_id: str) -> list[OfficeToken]:
    """An office's tokens, oldest first (revoked ones included)."""
    office = get_office(session, office_id)
    return list(
        session.execute(
            select(OfficeToken)
            .where(OfficeToken.office_id == office.id)
            .order_by(OfficeToken.created_at, OfficeToken.token_hash)
        ).scalars()
    )


def as_utc(moment: dt.datetime) -> dt.datetime:
    """A stored moment as an aware UTC datetime (SQLite gives them back naive)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def token_state(token: OfficeToken, now: dt.datetime | None = None) -> str:
    """ "active", "expired" or "revoked" (the token's own, not its office's)."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and as_utc(token.expires_at) <= (now or utcnow()):
        return "expired"
    return "active"


# --- checking a presented token -----------------------------------------------------------


def token_fingerprint(token: str) -> str:
    """What a presented token is logged as: the start of its digest (for a stored token,
    its public id). Never the token."""
    return hash_token(token)[:TOKEN_ID_LENGTH]


class TokenRefused(Exception):
    """A presented token was refused: ``reason`` is "malformed", "unknown", "revoked" or
    "expired"; ``fingerprint`` is token_fingerprint of it."""

    def __init__(self, reason: str, fingerprint: str) -> None:
        super().__init__(f"{reason} token {fingerprint}")
        self.reason = reason
        self.fingerprint = fingerprint


def check_token(
    session: Session, token: str, now: dt.datetime | None = None
) -> tuple[Office, OfficeToken]:
    """The office and stored token of a presented token; TokenRefused says why not."""
    fingerprint = token_fingerprint(token)
    if len(token) > MAX_TOKEN_LENGTH or not _TOKEN_TEXT.fullmatch(token):
        raise TokenRefused("malformed", fingerprint)
    row = session.execute(
        select(OfficeToken, Office)
        .join(Office, Office.id == OfficeToken.office_id)
        .where(OfficeToken.token_hash == hash_token(token))
    ).first()
    if row is None:
        raise TokenRefused("unknown", fingerprint)
    office_token, office = row
    if office.revoked_at is not None:
        raise TokenRefused("revoked", fingerprint)
    state = token_state(office_token, now)
    if state != "active":
        raise TokenRefused(state, fingerprint)
    return office, office_token


def authenticate(session: Session, token: str) -> Office | None:
    """The office a token belongs to, or None if it is malformed, unknown, revoked or
    expired."""
    try:
        return check_token(session, token)[0]
    except TokenRefused:
        return None


def note_token_use(session: Session, token: OfficeToken, now: dt.datetime | None = None) -> bool:
    """Record that ``token`` was used, unless that was done less than a minute ago; one
    conditional UPDATE, committed at once. Returns whether a write was made."""
    now = now or utcnow()
    if token.last_used_at is not None and now - as_utc(token.last_used_at) < LAST_USED_RESOLUTION:
        return False
    stale = now - LAST_USED_RESOLUTION
    session.execute(
        update(OfficeToken)
        .where(
            OfficeToken.token_hash == token.token_hash,
            (OfficeToken.last_used_at.is_(None)) | (OfficeToken.last_used_at < stale),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return True
