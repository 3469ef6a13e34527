"""The signing key endpoints (server.keys): the published set and key registration.

- ``GET /v1/keys`` (Bearer): the whole key set, for offices (they store it with the
  reference data, when the handshake's ``keys_version`` changed).
- ``GET /keys.json`` (no token): the same document, for anyone — public keys are
  public; a bank saves it and runs ``daftar verify --keys keys.json``.
- ``PUT /v1/keys/{key_id}`` (Bearer): a desk registers its key with a proof of
  possession (idempotent), or sends it again with ``retired_at`` after a rotation.
- ``POST /v1/keys/{key_id}/retire`` (Bearer): retire one of the office's keys without
  its private half (a desk whose key was lost).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy.orm import Session

from server.auth import current_office, get_session
from server.errors import ApiError, ErrorResponse
from server.keys import KeyRefused, key_set, published_keys, register_key, retire_key
from server.models import Office

KeyId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]


class PublishedKeyOut(BaseModel):
    """One key of the published set."""

    key_id: str
    public_key: str = Field(description="The raw 32-byte Ed25519 public key, base64.")
    office_id: str
    office_name: str
    province_code: str
    province_name: str
    county_code: str = Field(description='"" for a province office.')
    county_name: str
    valid_from: dt.datetime | None
    retired_at: dt.datetime | None = Field(description="The desk stopped signing with it.")
    revoked_at: dt.datetime | None = Field(
        description="Revoked: what it signed from then on (or undated) is not genuine."
    )
    revoked_reason: str


class KeySetOut(BaseModel):
    """The published key set (docs/certificates.md)."""

    format: str = Field(examples=["daftar-keys"])
    version: int
    keys_version: str = Field(description="Digest of the keys; the handshake carries it.")
    generated_at: dt.datetime
    keys: list[PublishedKeyOut]


class KeyRegistration(BaseModel):
    """``PUT /v1/keys/{key_id}``: a desk's public key with its proof of possession."""

    public_key: str = Field(max_length=64)
    proof: str = Field(
        max_length=100,
        description="base64 Ed25519 signature by the key of "
        '"daftar-key-registration-v1\\n<office id>\\n<key id>".',
    )
    valid_from: AwareDatetime | None = None
    retired_at: AwareDatetime | None = None


class KeyRetirement(BaseModel):
    """``POST /v1/keys/{key_id}/retire``."""

    retired_at: AwareDatetime | None = None


_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorResponse, "description": "Missing, unknown or revoked token."},
    413: {"model": ErrorResponse, "description": "Request body too large."},
}

router = APIRouter()


def _refused(exc: KeyRefused) -> ApiError:
    return ApiError(exc.status, exc.code, exc.message, exc.message_en)


def _out(session: Session, key_id: str) -> PublishedKeyOut:
    key = next(k for k in published_keys(session) if k.key_id == key_id)
    return PublishedKeyOut.model_validate(key.as_json())


@router.get("/v1/keys", response_model=KeySetOut, responses=_ERRORS)
def keys_for_offices(
    _office: Annotated[Office, Depends(current_office)],
    db_session: Annotated[Session, Depends(get_session)],
) -> KeySetOut:
    """Every office's signing keys (offices verify each other's certificates offline)."""
    return KeySetOut.model_validate(key_set(db_session))


@router.get("/keys.json", response_model=KeySetOut)
def keys_for_everyone(db_session: Annotated[Session, Depends(get_session)]) -> KeySetOut:
    """The published key set, without a token: public keys are public."""
    return KeySetOut.model_validate(key_set(db_session))


@router.put(
    "/v1/keys/{key_id}",
    response_model=PublishedKeyOut,
    responses={
        **_ERRORS,
        403: {"model": ErrorResponse, "description": "The proof of possession fails."},
        409: {"model": ErrorResponse, "description": "Another office registered the key."},
    },
)
def register(
    key_id: KeyId,
    body: KeyRegistration,
    office: Annotated[Office, Depends(current_office)],
    db_session: Annotated[Session, Depends(get_session)],
) -> PublishedKeyOut:
    """Register a desk's signing key (idempotent), or mark it retired."""
    try:
        register_key(
            db_session,
            office,
            key_id=key_id,
            public_key=body.public_key,
            proof=body.proof,
            valid_from=body.valid_from,
            retired_at=body.retired_at,
        )
    except KeyRefused as exc:
        raise _refused(exc) from None
    db_session.commit()
    return _out(db_session, key_id)


@router.post(
    "/v1/keys/{key_id}/retire",
    response_model=PublishedKeyOut,
    responses={**_ERRORS, 404: {"model": ErrorResponse, "description": "Not this office's key."}},
)
def retire(
    key_id: KeyId,
    body: KeyRetirement,
    office: Annotated[Office, Depends(current_office)],
    db_session: Annotated[Session, Depends(get_session)],
) -> PublishedKeyOut:
    """Retire one of the office's keys (a desk that lost its private half)."""
    try:
        retire_key(db_session, office, key_id, body.retired_at)
    except KeyRefused as exc:
        raise _refused(exc) from None
    db_session.commit()
    return _out(db_session, key_id)
