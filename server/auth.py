"""Authentication: the office of the request's Bearer token, checked inside the
request's unit of database work (server.work, :func:`office_work`).

A request without a valid token gets **401** (``WWW-Authenticate: Bearer``): error
``unauthorized`` for a missing, malformed, unknown or revoked token (or a revoked office),
``token_expired`` for an expired one, whose Persian message tells the clerk to ask the
operator for a new token. Every refusal is logged — client address, reason and the
token's fingerprint (the start of its SHA-256 digest, which for a stored token is its
public id; never the token) — and counted against the client address by
server.ratelimit. A token's ``last_used_at`` is written at most once a minute.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, NoReturn, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from server.errors import ApiError
from server.models import Office, OfficeToken
from server.offices import (
    TokenRefused,
    check_token,
    hash_token,
    note_token_use,
    token_fingerprint,
)
from server.ratelimit import FailureLimiter, client_key
from server.work import admission

T = TypeVar("T")

log = logging.getLogger("daftar.server.auth")

_bearer = HTTPBearer(auto_error=False)


def unauthorized() -> ApiError:
    """401 for a missing, malformed, unknown or revoked token."""
    return ApiError(
        401,
        "unauthorized",
        "توکن دسترسی این اداره معتبر نیست یا باطل شده است. با مدیر سامانه تماس بگیرید.",
        "The office's access token is missing, unknown or revoked.",
        headers={"WWW-Authenticate": "Bearer"},
    )


def token_expired() -> ApiError:
    """401 for an expired token: the office needs a new one from the operator."""
    return ApiError(
        401,
        "token_expired",
        "مدت اعتبار توکن دسترسی این اداره تمام شده است. از مدیر سامانه بخواهید توکن تازه‌ای "
        "برای این اداره بسازد و آن را در تنظیمات همگام‌سازی وارد کنید؛ تغییرهای ثبت‌شده "
        "در این رایانه محفوظ می‌مانند.",
        "The office's access token has expired; ask the operator for a new one.",
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def _refuse(request: Request, reason: str, fingerprint: str) -> NoReturn:
    """Log and count a failed authentication, then raise its 401."""
    host = request.client.host if request.client else None
    limiter: FailureLimiter = request.app.state.auth_limiter
    key = client_key(host)
    blocked = limiter.record_failure(key)
    log.warning(
        "authentication failed: client %s, reason %s, token %s, %s %s",
        host or "unknown",
        reason,
        fingerprint,
        request.method,
        request.url.path,
    )
    if blocked:
        log.warning(
            "client %s blocked for %.0f s after %d failed authentications",
            key,
            blocked,
            limiter.max_failures,
        )
    raise token_expired() if reason == "expired" else unauthorized()


def _no_credentials(request: Request) -> NoReturn:
    header = request.headers.get("authorization")
    if header is None:
        _refuse(request, "missing", "-")
    _refuse(request, "malformed", token_fingerprint(header))


#: The request's Bearer credentials (read without the database; OpenAPI's security).
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def authenticate(
    request: Request, credentials: HTTPAuthorizationCredentials | None, session: Session
) -> Office:
    """The office of the request's Bearer token; 401 when it is missing, malformed,
    unknown, revoked or expired. Runs inside the request's database work."""
    if credentials is None:
        _no_credentials(request)
    token = credentials.credentials.strip()
    try:
        office, stored = check_token(session, token)
    except TokenRefused as refused:
        _refuse(request, refused.reason, refused.fingerprint)
    request.state.token_hash = stored.token_hash
    try:
        note_token_use(session, stored)
    except SQLAlchemyError as exc:
        # Only bookkeeping: the request goes on without it.
        session.rollback()
        log.warning("could not record the use of token %s: %s", stored.public_id, exc)
    return office


def presented_token(request: Request, session: Session) -> OfficeToken | None:
    """The stored token the request was authenticated with (after :func:`authenticate`)."""
    token_hash = getattr(request.state, "token_hash", None)
    return session.get(OfficeToken, token_hash) if isinstance(token_hash, str) else None


async def office_work(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None,
    work: Callable[[Session, Office], T],
) -> T:
    """Run ``work`` for the token's office in one admitted unit of database work
    (server.work): the office is authenticated in the same session and thread."""

    if credentials is None:
        _no_credentials(request)  # refused without taking a database slot

    def authenticated(session: Session) -> T:
        return work(session, authenticate(request, credentials, session))

    # Counted against the token as presented (server.work: one office's share), before
    # it is checked: an unknown token's flood is limited the same way.
    key = hash_token(credentials.credentials.strip())
    return await admission(request).run(request, authenticated, office_key=key)
