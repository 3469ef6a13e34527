"""Enrolling and revoking offices, and authenticating their tokens.

Provinces and counties are named in Persian and resolved against the shipped reference
CSVs (resources/reference/iran-cities), normalised with app.services.text.search_key so
that ي/ی, ك/ک, ZWNJ and spacing don't matter.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.resources import resources_dir
from app.services.text import search_key
from server.models import Office, OfficeToken, utcnow

log = logging.getLogger("daftar.server.offices")

#: Random bytes in a token (shown once as URL-safe base64, 43 characters).
TOKEN_BYTES = 32


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
) -> tuple[Office, str]:
    """Enrol an office and give it a first token; returns the office and the token.

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
    token = issue_token(session, office)
    log.info(
        "enrolled office %s (%s, %s)",
        office.id,
        found_province.name,
        found_county.name if found_county else "province office",
    )
    return office, token


def issue_token(session: Session, office: Office) -> str:
    """Give ``office`` a new token (the caller commits); returns the token."""
    token = new_token()
    session.add(OfficeToken(token_hash=hash_token(token), office_id=office.id))
    session.flush()
    return token


def revoke_office(session: Session, office_id: str) -> Office:
    """Revoke an office and every token it holds (idempotent; the caller commits)."""
    office = session.get(Office, office_id.strip())
    if office is None:
        raise EnrolmentError(
            f"اداره‌ای با شناسه {office_id} نیست. / No office with id {office_id!r}"
        )
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


def authenticate(session: Session, token: str) -> Office | None:
    """The office a token belongs to, or None if it is unknown or revoked."""
    if not token or len(token) > 512:
        return None
    row = session.execute(
        select(OfficeToken, Office)
        .join(Office, Office.id == OfficeToken.office_id)
        .where(OfficeToken.token_hash == hash_token(token))
    ).first()
    if row is None:
        return None
    office_token, office = row
    if office_token.revoked_at is not None or office.revoked_at is not None:
        return None
    return office
