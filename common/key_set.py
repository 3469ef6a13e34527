"""The published key set: every office's signing keys, as the server serves them.

One JSON document, the same from ``GET /v1/keys``, ``GET /keys.json`` and the file
``daftar-server keys --out FILE`` writes (docs/certificates.md)::

    {"format": "daftar-keys", "version": 1, "keys_version": "<sha256 hex>",
     "generated_at": "2026-12-08T10:00:00+00:00",
     "keys": [{"key_id": "56475aa75463474c", "public_key": "<base64, 32 bytes>",
               "office_id": "…", "office_name": "…", "province_code": "23",
               "province_name": "تهران", "county_code": "2301", "county_name": "تهران",
               "valid_from": ISO 8601, "retired_at": ISO 8601 | null,
               "revoked_at": ISO 8601 | null, "revoked_reason": "…"}]}

``keys_version`` is a digest of the keys (not of ``generated_at``): the handshake
carries it, and an office fetches the set only when it changed.

An office registers a key with a proof of possession: the key's Ed25519 signature over
:func:`registration_message` (a fixed context, the office's server id and the key id),
so no office can publish a key it does not hold, nor a key under another office's name.

No database and no Qt here: the server, the client and ``daftar verify --keys FILE`` on
a bank's computer share it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from common.signing import TrustedKey, key_id_for, load_public_key

KEY_SET_FORMAT = "daftar-keys"
KEY_SET_VERSION = 1
#: What a proof of possession signs, before the office id and key id.
REGISTRATION_CONTEXT = b"daftar-key-registration-v1"


class KeySetError(ValueError):
    """A key set (file or answer) that can't be read; the message is Persian."""


@dataclass(frozen=True)
class PublishedKey:
    """One key of the published set."""

    key_id: str
    public_key: str
    office_id: str = ""
    office_name: str = ""
    province_code: str = ""
    province_name: str = ""
    county_code: str = ""
    county_name: str = ""
    valid_from: dt.datetime | None = None
    retired_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    revoked_reason: str = ""

    def trusted(self) -> TrustedKey:
        """The key as a verifier trusts it."""
        return TrustedKey(
            key_id=self.key_id,
            public_key=self.public_key,
            office_name=self.office_name,
            province_name=self.province_name,
            county_name=self.county_name,
            valid_from=self.valid_from,
            retired_at=self.retired_at,
            revoked_at=self.revoked_at,
            revoked_reason=self.revoked_reason,
        )

    def as_json(self) -> dict[str, Any]:
        """The key as it appears in the document."""
        return {
            "key_id": self.key_id,
            "public_key": self.public_key,
            "office_id": self.office_id,
            "office_name": self.office_name,
            "province_code": self.province_code,
            "province_name": self.province_name,
            "county_code": self.county_code,
            "county_name": self.county_name,
            "valid_from": _iso(self.valid_from),
            "retired_at": _iso(self.retired_at),
            "revoked_at": _iso(self.revoked_at),
            "revoked_reason": self.revoked_reason,
        }


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat()


def parse_time(value: Any, what: str) -> dt.datetime | None:
    """An ISO 8601 time of the document (naive means UTC); None for null."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise KeySetError(f"زمان «{what}» در فایل کلیدها نامعتبر است.")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise KeySetError(f"زمان «{what}» در فایل کلیدها نامعتبر است: {value}") from exc
    return moment.astimezone(dt.UTC) if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def keys_version(keys: Iterable[PublishedKey]) -> str:
    """The digest of a key set (order-independent): what the handshake carries."""
    items = sorted((key.as_json() for key in keys), key=lambda item: str(item["key_id"]))
    text = json.dumps(items, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def key_set_document(keys: Sequence[PublishedKey], generated_at: dt.datetime) -> dict[str, Any]:
    """The published document of ``keys``."""
    ordered = sorted(keys, key=lambda key: key.key_id)
    return {
        "format": KEY_SET_FORMAT,
        "version": KEY_SET_VERSION,
        "keys_version": keys_version(ordered),
        "generated_at": _iso(generated_at),
        "keys": [key.as_json() for key in ordered],
    }


def _text(item: Mapping[str, Any], name: str, limit: int) -> str:
    value = item.get(name)
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise KeySetError(f"مقدار «{name}» در فایل کلیدها نامعتبر است.")
    return value


def parse_key_set(document: Any) -> list[PublishedKey]:
    """The keys of a published document; raises :class:`KeySetError` (Persian) when it is
    not one. Every key's id must match its public key."""
    if not isinstance(document, Mapping) or document.get("format") != KEY_SET_FORMAT:
        raise KeySetError("این فایل، فایل کلیدهای منتشرشده دفتر نیست.")
    version = document.get("version")
    if not isinstance(version, int) or version > KEY_SET_VERSION:
        raise KeySetError("فایل کلیدها با نسخه جدیدتری از دفتر ساخته شده است؛ دفتر را به‌روز کنید.")
    items = document.get("keys")
    if not isinstance(items, list):
        raise KeySetError("فهرست کلیدها در این فایل نیست.")
    keys: list[PublishedKey] = []
    for item in items:
        if not isinstance(item, Mapping):
            raise KeySetError("یکی از کلیدهای این فایل خراب است.")
        key_id = _text(item, "key_id", 16)
        public_key = _text(item, "public_key", 64)
        try:
            actual = key_id_for(load_public_key(public_key))
        except ValueError as exc:
            raise KeySetError(f"کلید عمومی {key_id} در این فایل خراب است.") from exc
        if actual != key_id:
            raise KeySetError(f"شناسه کلید {key_id} با کلید عمومی آن نمی‌خواند.")
        keys.append(
            PublishedKey(
                key_id=key_id,
                public_key=public_key,
                office_id=_text(item, "office_id", 36),
                office_name=_text(item, "office_name", 120),
                province_code=_text(item, "province_code", 8),
                province_name=_text(item, "province_name", 80),
                county_code=_text(item, "county_code", 8),
                county_name=_text(item, "county_name", 80),
                valid_from=parse_time(item.get("valid_from"), "valid_from"),
                retired_at=parse_time(item.get("retired_at"), "retired_at"),
                revoked_at=parse_time(item.get("revoked_at"), "revoked_at"),
                revoked_reason=_text(item, "revoked_reason", 500),
            )
        )
    return keys


def load_key_set(data: bytes) -> list[PublishedKey]:
    """The keys of a key file's bytes; raises :class:`KeySetError` (Persian)."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise KeySetError("فایل کلیدها خوانده نشد: JSON معتبر نیست.") from exc
    return parse_key_set(document)


def read_key_file(data: bytes) -> dict[str, TrustedKey]:
    """The trusted keys of a key file's bytes (key id → key)."""
    return {key.key_id: key.trusted() for key in load_key_set(data)}


def merge_trusted(*sources: Mapping[str, TrustedKey]) -> dict[str, TrustedKey]:
    """Keys of several sources; a key in two keeps the stricter news about it."""
    merged: dict[str, TrustedKey] = {}
    for source in sources:
        for key_id, key in source.items():
            merged[key_id] = merged[key_id].stricter(key) if key_id in merged else key
    return merged


def registration_message(office_id: str, key_id: str) -> bytes:
    """What a key signs to prove that ``office_id`` holds it."""
    return b"\n".join((REGISTRATION_CONTEXT, office_id.encode("ascii"), key_id.encode("ascii")))
