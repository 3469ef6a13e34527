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

from typing import Annotated

from fastapi import APIRouter, Path, Request
from sqlalchemy.orm import Session

from common.protocol import (
    ErrorResponse,
    KeyRegistration,
    KeyRetirement,
    KeySetOut,
    PublishedKeyOut,
)
from server.auth import Bearer, office_work
from server.errors import ApiError
from server.keys import KeyRefused, key_set, published_keys, register_key, retire_key
from server.models import Office
from server.work import admission

KeyId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]


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
async def keys_for_offices(request: Request, credentials: Bearer) -> KeySetOut:
    """Every office's signing keys (offices verify each other's certificates offline)."""
    return await office_work(
        request,
        credentials,
        lambda db_session, _office: KeySetOut.model_validate(key_set(db_session)),
    )


@router.get("/keys.json", response_model=KeySetOut)
async def keys_for_everyone(request: Request) -> KeySetOut:
    """The published key set, without a token: public keys are public."""
    return await admission(request).run(
        request, lambda db_session: KeySetOut.model_validate(key_set(db_session))
    )


@router.put(
    "/v1/keys/{key_id}",
    response_model=PublishedKeyOut,
    responses={
        **_ERRORS,
        403: {"model": ErrorResponse, "description": "The proof of possession fails."},
        409: {"model": ErrorResponse, "description": "Another office registered the key."},
    },
)
async def register(
    key_id: KeyId, body: KeyRegistration, request: Request, credentials: Bearer
) -> PublishedKeyOut:
    """Register a desk's signing key (idempotent), or mark it retired."""

    def work(db_session: Session, office: Office) -> PublishedKeyOut:
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

    return await office_work(request, credentials, work)


@router.post(
    "/v1/keys/{key_id}/retire",
    response_model=PublishedKeyOut,
    responses={**_ERRORS, 404: {"model": ErrorResponse, "description": "Not this office's key."}},
)
async def retire(
    key_id: KeyId, body: KeyRetirement, request: Request, credentials: Bearer
) -> PublishedKeyOut:
    """Retire one of the office's keys (a desk that lost its private half)."""

    def work(db_session: Session, office: Office) -> PublishedKeyOut:
        try:
            retire_key(db_session, office, key_id, body.retired_at)
        except KeyRefused as exc:
            raise _refused(exc) from None
        db_session.commit()
        return _out(db_session, key_id)

    return await office_work(request, credentials, work)
