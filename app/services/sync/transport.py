"""The server's HTTP API as the sync client speaks it: JSON over HTTP(S), Bearer token.

Every request is built from, and every answer parsed into, the protocol's models
(common.protocol, the same the server declares its endpoints with). An answer that does
not match them is a :class:`SyncError` ``bad_answer``; an error answer becomes the
SyncError of its status (``unauthorized``, ``token_expired``, ``rate_limited``,
``too_old``, ``server_error``, ``refused``) with the server's Persian message; a network
failure is ``offline`` (or ``tls`` for a certificate that can't be verified). Which
addresses are allowed and how certificates are verified: app.services.sync.security.

A busy server answers **503** (or **429**) with ``Retry-After``: the request is sent
again after that delay, at most :data:`MAX_RETRIES` times and :data:`MAX_RETRY_WAIT`
seconds in all (every request is idempotent: a push by its operations' ids); a longer
or missing delay, or one retry too many, is the SyncError of the last answer.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from app.models import utcnow
from app.services.core.db import HEAD_REVISION
from app.services.sync import security as sync_security
from app.services.sync.errors import SyncError, offline_error
from app.services.sync.settings import load_settings, validate_server_url
from common.protocol import (
    PROTOCOL_VERSION,
    AuditEntryIn,
    AuditHead,
    AuditPush,
    ErrorResponse,
    HandshakeRequest,
    HandshakeResponse,
    KeyRegistration,
    KeySetOut,
    NumbersRequest,
    NumbersResponse,
    PublishedKeyOut,
    PullResponse,
    PushOperation,
    PushRequest,
    PushResponse,
    PushResult,
    ReferenceResponse,
    RowRef,
    ScopeRowsResponse,
    VerifyRequest,
    VerifyResponse,
)

log = logging.getLogger("daftar.sync")

#: The version of this client the handshake reports.
CLIENT_VERSION = "0.4"
#: Statuses answered with ``Retry-After`` that are worth waiting for.
RETRY_STATUSES = (429, 503)
#: At most this many resends of one request after a 503/429 ...
MAX_RETRIES = 5
#: ... and this many seconds of waiting in all.
MAX_RETRY_WAIT = 30.0

Answer = TypeVar("Answer", bound=BaseModel)


def bad_answer(message: str = "پاسخ سرور نامعتبر است.") -> SyncError:
    """The server answered something the protocol does not allow."""
    return SyncError(message, "bad_answer")


@dataclass
class Transport:
    """The server's HTTP API (JSON over HTTP, Bearer token), one method per endpoint."""

    base_url: str
    token: str
    #: An httpx.Client (made here when None) or anything with the same ``request`` and
    #: ``close`` (starlette's TestClient in tests).
    client: Any = None
    timeout: float = 60.0
    #: Round trips made (the bench and tests count them).
    round_trips: int = 0
    #: How the server's certificate is verified (sync_security.tls_verify).
    verify: Any = True
    #: How the transport waits before resending after a 503/429 (tests replace it).
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._own_client = self.client is None
        if self.client is None:
            self.client = sync_security.http_client(self.timeout, self.verify)

    def close(self) -> None:
        if self._own_client and self.client is not None:
            self.client.close()

    # --- the endpoints ---

    def handshake(self, cursor: int | None) -> HandshakeResponse:
        request = HandshakeRequest(
            protocol=PROTOCOL_VERSION,
            client_schema=HEAD_REVISION,
            client_version=CLIENT_VERSION,
            client_time=utcnow(),
            cursor=cursor,
        )
        return self.call(HandshakeResponse, "POST", "/v1/handshake", body=request)

    def push(self, operations: Sequence[PushOperation]) -> list[PushResult]:
        """One result per operation, in order (a shorter or longer answer is refused)."""
        request = PushRequest(operations=list(operations))
        results = self.call(PushResponse, "POST", "/v1/push", body=request).results
        if len(results) != len(operations):
            raise bad_answer("پاسخ سرور به ارسال تغییرها ناقص است.")
        return results

    def pull(self, since: int, limit: int) -> PullResponse:
        return self.call(PullResponse, "GET", "/v1/pull", params={"since": since, "limit": limit})

    def scopes(self, cursor: int, exclude: Sequence[tuple[str, str]]) -> VerifyResponse:
        """The office's scopes on the server (``POST /v1/verify``)."""
        request = VerifyRequest(
            cursor=cursor, exclude=[RowRef(table=table, id=row_id) for table, row_id in exclude]
        )
        return self.call(VerifyResponse, "POST", "/v1/verify", body=request)

    def scope_rows(self, table: str, bucket: int, after: str, limit: int) -> ScopeRowsResponse:
        """A page of one scope's records (``GET /v1/verify/rows``)."""
        return self.call(
            ScopeRowsResponse,
            "GET",
            "/v1/verify/rows",
            params={"table": table, "bucket": bucket, "after": after, "limit": limit},
        )

    def numbers(self, count: int) -> NumbersResponse:
        return self.call(NumbersResponse, "POST", "/v1/numbers", body=NumbersRequest(count=count))

    def reference(self) -> ReferenceResponse:
        return self.call(ReferenceResponse, "GET", "/v1/reference")

    def keys(self) -> KeySetOut:
        """The published signing key set (``GET /v1/keys``)."""
        return self.call(KeySetOut, "GET", "/v1/keys")

    def register_key(self, key_id: str, registration: KeyRegistration) -> PublishedKeyOut:
        """Publish (or retire) one of this desk's keys (``PUT /v1/keys/{key_id}``)."""
        return self.call(PublishedKeyOut, "PUT", f"/v1/keys/{key_id}", body=registration)

    def audit_head(self, desk_id: str) -> AuditHead:
        """The last audit entry of this desk the server holds (``GET /v1/audit/…``)."""
        return self.call(AuditHead, "GET", f"/v1/audit/{desk_id}/head")

    def push_audit(self, desk_id: str, entries: Sequence[AuditEntryIn]) -> AuditHead:
        """Append this desk's next audit entries (``POST /v1/audit/…``)."""
        body = AuditPush(entries=list(entries))
        return self.call(AuditHead, "POST", f"/v1/audit/{desk_id}", body=body)

    # --- the exchange ---

    def call(
        self,
        answer: type[Answer],
        method: str,
        path: str,
        *,
        body: BaseModel | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Answer:
        """Send ``body`` and parse a 200 answer as ``answer``; raises SyncError."""
        response = self._send(method, path, body, params)
        waited = 0.0
        for _ in range(MAX_RETRIES):
            delay = retry_delay(response)
            if delay is None or waited + delay > MAX_RETRY_WAIT:
                break
            # Up to half as long again, so desks refused together don't return together.
            delay = min(delay * (1 + random.random() / 2), MAX_RETRY_WAIT - waited)
            log.info(
                "%s %s: HTTP %s, sent again in %.1f s", method, path, response.status_code, delay
            )
            self.sleep(delay)
            waited += delay
            response = self._send(method, path, body, params)
        if response.status_code != 200:
            raise self._refusal(method, path, response)
        try:
            return answer.model_validate_json(response.content)
        except ValidationError as exc:
            log.warning(
                "%s %s: the answer is not a %s: %s",
                method,
                path,
                answer.__name__,
                exc.errors(include_url=False, include_input=False)[:3],
            )
            raise bad_answer() from None

    def _send(
        self,
        method: str,
        path: str,
        body: BaseModel | None,
        params: Mapping[str, Any] | None,
    ) -> Any:
        assert self.client is not None
        headers = {"Authorization": f"Bearer {self.token}"}
        content: bytes | None = None
        if body is not None:
            content = body.model_dump_json(by_alias=True).encode("utf-8")
            headers["Content-Type"] = "application/json"
        self.round_trips += 1
        try:
            if content is not None:
                return self.client.request(
                    method, self.base_url + path, content=content, headers=headers, params=params
                )
            return self.client.request(method, self.base_url + path, headers=headers, params=params)
        except httpx.TransportError as exc:
            log.info("%s %s: %s", method, path, exc)
            raise (sync_security.tls_error(exc, self.base_url) or offline_error()) from exc

    def _refusal(self, method: str, path: str, response: Any) -> SyncError:
        """The SyncError of an error answer, with the server's Persian message if any."""
        try:
            error: ErrorResponse | None = ErrorResponse.model_validate_json(response.content)
        except ValidationError:
            error = None  # not our server's body (a proxy's page, say)
        message = error.message if error is not None else None
        status = response.status_code
        log.warning("%s %s: HTTP %s %s", method, path, status, error or response.content[:200])
        if status == 401:
            return SyncError(
                message or "توکن دسترسی این اداره پذیرفته نشد. با مدیر سامانه تماس بگیرید.",
                "token_expired" if error and error.error == "token_expired" else "unauthorized",
            )
        if status == 429:
            return SyncError(
                message or "سرور فعلاً درخواست‌های این رایانه را نمی‌پذیرد؛ کمی بعد تلاش کنید.",
                "rate_limited",
            )
        if status == 426:
            return SyncError(message or "نسخه دفتر قدیمی است؛ لطفاً به‌روز کنید.", "too_old")
        if status >= 500:
            return SyncError(
                message or "سرور مرکزی فعلاً پاسخ نمی‌دهد؛ کمی بعد دوباره تلاش کنید.",
                "server_error",
            )
        return SyncError(message or f"سرور درخواست را نپذیرفت ({status}).", "refused")


def retry_delay(response: Any) -> float | None:
    """How long to wait before sending again after ``response`` (a 503/429 with a
    ``Retry-After`` in seconds); None when it should not be sent again."""
    if response.status_code not in RETRY_STATUSES:
        return None
    try:
        delay = float(response.headers.get("retry-after", ""))
    except ValueError:
        return None  # missing, or an HTTP date: not a short wait
    return delay if 0 <= delay <= MAX_RETRY_WAIT else None


def transport_for(session: Session, *, server_url: str = "", token: str = "") -> Transport:
    """The transport of this database's settings (``server_url``/``token`` override)."""
    stored = load_settings(session)
    url = server_url or stored.server_url
    if not url:
        raise SyncError(
            "نشانی سرور مرکزی تنظیم نشده است (پرونده ← تنظیمات اداره ← همگام‌سازی).",
            "not_configured",
        )
    key = token or stored.token
    if not key:
        raise SyncError(
            "توکن دسترسی این اداره در این رایانه نیست؛ آن را در تنظیمات همگام‌سازی وارد کنید.",
            "no_token",
        )
    url = validate_server_url(url, insecure=sync_security.insecure_allowed(session, url))
    verify = sync_security.tls_verify(sync_security.stored_ca_file(session))
    return Transport(url, key, verify=verify)
