"""Offices' signing keys on the server: registration, retirement, revocation, the set.

Each desk of an office signs certificates with its own Ed25519 key and registers the
public half here (``POST /v1/keys``, server.keys_api) with a proof of possession: the
key's signature over common.key_set.registration_message(office id, key id). So
an office can only publish keys it holds, and only under its own name. The server
publishes every office's keys (``GET /v1/keys`` for offices, ``GET /keys.json`` for
anyone, ``daftar-server keys --out FILE``); offices store the set and verify each
other's certificates offline. Keys are never deleted; an operator revokes a stolen one
(``daftar-server revoke-key``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
from typing import Any

from cryptography.exceptions import InvalidSignature
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.key_set import (
    PublishedKey,
    key_set_document,
    keys_version,
    registration_message,
)
from common.signing import key_id_for, load_public_key
from server.models import Office, SigningKey, utcnow

log = logging.getLogger("daftar.server.keys")

#: Keys one office may register (desks × rotations); more is refused, so that no office
#: can bloat the set every office downloads.
MAX_KEYS_PER_OFFICE = 200


class KeyRefused(Exception):
    """A key operation refused; ``status`` and ``code`` for the API, Persian and English
    messages."""

    def __init__(self, status: int, code: str, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.status = status
        self.code = code
        self.message = message
        self.message_en = message_en


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time as aware UTC (SQLite hands back naive UTC)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _utc(value: dt.datetime) -> dt.datetime:
    """A time to store: UTC (SQLite keeps no offset, so every stored time is UTC)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def published_keys(session: Session) -> list[PublishedKey]:
    """Every registered key with its office, in key id order."""
    rows = session.execute(
        select(SigningKey, Office)
        .join(Office, Office.id == SigningKey.office_id)
        .order_by(SigningKey.key_id)
    ).all()
    return [
        PublishedKey(
            key_id=key.key_id,
            public_key=key.public_key,
            office_id=office.id,
            office_name=office.name,
            province_code=office.province_code,
            province_name=office.province_name,
            county_code=office.county_code or "",
            county_name=office.county_name or "",
            valid_from=_aware(key.valid_from),
            retired_at=_aware(key.retired_at),
            revoked_at=_aware(key.revoked_at),
            revoked_reason=key.revoked_reason,
        )
        for key, office in rows
    ]


def current_keys_version(session: Session) -> str:
    """The digest of the published set (the handshake's ``keys_version``)."""
    return keys_version(published_keys(session))


def key_set(session: Session) -> dict[str, Any]:
    """The published key set document (common.key_set)."""
    return key_set_document(published_keys(session), utcnow())


def register_key(
    session: Session,
    office: Office,
    *,
    key_id: str,
    public_key: str,
    proof: str,
    valid_from: dt.datetime | None,
    retired_at: dt.datetime | None,
) -> SigningKey:
    """Register (or, for a key the office already has, retire) a desk's key.

    Raises KeyRefused: 403 when the proof does not prove possession (or the key id does
    not match the key), 409 when another office registered the key. Idempotent. The
    caller commits.
    """
    try:
        key = load_public_key(public_key)
        signature = base64.b64decode(proof, validate=True)
    except (ValueError, binascii.Error):
        raise _bad_proof() from None
    if key_id_for(key) != key_id:
        raise _bad_proof()
    try:
        key.verify(signature, registration_message(office.id, key_id))
    except InvalidSignature:
        raise _bad_proof() from None
    now = utcnow()
    row = session.get(SigningKey, key_id)
    if row is None:
        held = session.scalar(
            select(func.count()).select_from(SigningKey).where(SigningKey.office_id == office.id)
        )
        if (held or 0) >= MAX_KEYS_PER_OFFICE:
            raise KeyRefused(
                409,
                "too_many_keys",
                "این اداره بیش از اندازه کلید ثبت کرده است؛ با مدیر سامانه تماس بگیرید.",
                f"The office already has {MAX_KEYS_PER_OFFICE} keys.",
            )
        row = SigningKey(
            key_id=key_id,
            office_id=office.id,
            public_key=base64.b64encode(key.public_bytes_raw()).decode("ascii"),
            proof=proof,
            valid_from=min(_utc(valid_from) if valid_from else now, now),
            created_at=now,
        )
        session.add(row)
        log.info("office %s registered signing key %s", office.id, key_id)
    elif row.office_id != office.id:
        raise KeyRefused(
            409,
            "key_taken",
            "این کلید به نام اداره دیگری ثبت شده است.",
            "This key is registered to another office.",
        )
    if retired_at is not None:
        _retire(row, retired_at, now)
    session.flush()
    return row


def retire_key(session: Session, office: Office, key_id: str, at: dt.datetime | None) -> SigningKey:
    """Mark the office's key retired (the earliest time given stands). 404 for a key that
    is not the office's. The caller commits."""
    row = session.get(SigningKey, key_id)
    if row is None or row.office_id != office.id:
        raise KeyRefused(
            404,
            "unknown_key",
            "این کلید برای این اداره ثبت نشده است.",
            "No such key for this office.",
        )
    _retire(row, at or utcnow(), utcnow())
    session.flush()
    return row


def _retire(row: SigningKey, at: dt.datetime, now: dt.datetime) -> None:
    """Retirement only moves earlier, never into the future nor before the key existed."""
    valid_from = _aware(row.valid_from) or now
    moment = max(min(_utc(at), now), valid_from)
    current = _aware(row.retired_at)
    if current is None or moment < current:
        row.retired_at = moment
        log.info("signing key %s retired from %s", row.key_id, moment.isoformat())


def revoke_key(
    session: Session, key_id: str, *, at: dt.datetime | None = None, reason: str = ""
) -> SigningKey:
    """Revoke a key from ``at`` (default now): what it signed from then on is not
    genuine. Revoking again may move the time earlier, never later. Raises LookupError
    for an unknown key. The caller commits."""
    row = session.get(SigningKey, key_id.strip().lower())
    if row is None:
        raise LookupError(f"no signing key {key_id!r}")
    moment = _utc(at) if at is not None else utcnow()
    current = _aware(row.revoked_at)
    if current is None or moment < current:
        row.revoked_at = moment
    if reason.strip():
        row.revoked_reason = " ".join(reason.split())[:500]
    session.flush()
    log.info("signing key %s revoked from %s", row.key_id, moment.isoformat())
    return row


def _bad_proof() -> KeyRefused:
    return KeyRefused(
        403,
        "bad_proof",
        "اثبات مالکیت کلید پذیرفته نشد: امضای کلید با شناسه اداره و کلید نمی‌خواند.",
        "The proof of possession does not verify for this office and key.",
    )
