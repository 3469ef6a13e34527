"""The HTTP API of the central server (FastAPI).

Endpoints: ``GET /health``, ``POST /v1/handshake``, ``POST /v1/push``, ``GET /v1/pull``,
``POST /v1/numbers`` and ``GET /v1/reference`` (server.push, server.pull, server.pools);
the signing keys' endpoints are server.keys_api, the verification page server.verify_page.
Request and answer bodies are the protocol's models (common.protocol), from which FastAPI
makes the OpenAPI document at ``/openapi.json`` (the interactive ``/docs`` and ``/redoc``
only when asked for: ``daftar-server serve --docs``). Errors sent to clients carry a
Persian and an English message: ``{"error": code, "message": fa, "message_en": en}``
(server.errors). A bad request gets a 4xx answer, never a 500. Authentication:
server.auth; failed ones are limited per client address by server.ratelimit.
"""

from __future__ import annotations

import functools
import logging
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from common.protocol import (
    MAX_PULL,
    PROTOCOL_VERSION,
    ErrorResponse,
    HandshakeRequest,
    HandshakeResponse,
    Health,
    NumbersRequest,
    NumbersResponse,
    OfficeOut,
    PlaceOut,
    PullResponse,
    PushRequest,
    PushResponse,
    ReferenceResponse,
)
from common.reference import reference_id
from server import MIN_PROTOCOL_VERSION
from server.auth import Bearer, authenticate, office_work, presented_token
from server.catalogue import CatalogueState, catalogue_state, current_digest
from server.db import HEAD_REVISION
from server.errors import ApiError, ErrorJSONResponse, error_body
from server.keys import current_keys_version
from server.metrics import count_push, install_metrics, observe_pull_lag
from server.metrics import router as metrics_router
from server.middleware import BodySizeLimit
from server.models import Office, utcnow
from server.policy import office_has_accounts
from server.pools import licence_prefix, reserve_numbers
from server.pull import changes_after, pull
from server.push import push
from server.ratelimit import FailureLimit, FailureLimiter
from server.records import Operation
from server.work import (
    DEFAULT_PER_OFFICE,
    DEFAULT_SLOTS,
    DEFAULT_WAIT_SECONDS,
    RETRY_AFTER_SECONDS,
    Admission,
    admission,
)

log = logging.getLogger("daftar.server.api")

#: The largest request body accepted (bytes); larger requests get 413.
MAX_BODY_BYTES = 1024 * 1024
#: Clock skew above this many seconds is reported to the client (sync.md: 5 minutes).
SKEW_WARNING_SECONDS = 300.0
#: A measured skew is stored when it moved by more than this (seconds).
SKEW_RECORD_SECONDS = 60.0


def _catalogue(
    request: Request, credentials: HTTPAuthorizationCredentials | None, db_session: Session
) -> CatalogueState:
    """The work of ``GET /v1/reference``: the caller's token, then the catalogue."""
    authenticate(request, credentials, db_session)
    return catalogue_state(db_session)


def office_out(office: Office) -> OfficeOut:
    """The API form of an office."""
    county = None
    if office.county_code is not None:
        county = PlaceOut(
            code=office.county_code,
            name=office.county_name or "",
            id=reference_id("county", office.county_code),
        )
    return OfficeOut(
        id=office.id,
        name=office.name,
        province=PlaceOut(
            code=office.province_code,
            name=office.province_name,
            id=reference_id("province", office.province_code),
        ),
        county=county,
    )


def _handshake(
    body: HandshakeRequest, request: Request, db_session: Session, office: Office
) -> HandshakeResponse:
    """The work of ``POST /v1/handshake`` (in the request's session: server.work)."""
    if body.protocol < MIN_PROTOCOL_VERSION:
        log.info(
            "office %s: protocol %s refused (client %s)",
            office.id,
            body.protocol,
            body.client_version,
        )
        raise ApiError(
            426,
            "client_too_old",
            "نسخه دفتر روی این رایانه قدیمی است و با سرور همگام نمی‌شود. "
            "لطفاً دفتر را به‌روز کنید؛ تغییرهای ثبت‌شده شما حفظ می‌شوند.",
            f"This Daftar client speaks protocol {body.protocol}; the server needs at "
            f"least {MIN_PROTOCOL_VERSION}. Please upgrade Daftar; pending changes are kept.",
        )
    now = utcnow()
    skew = (body.client_time - now).total_seconds()
    # Dates "not in the future" allow for a clock running ahead (server.push); written
    # only when it moved, so a handshake stays a read.
    known = office.clock_skew_seconds
    if known is None or abs(known - skew) > SKEW_RECORD_SECONDS:
        office.clock_skew_seconds = skew
        db_session.commit()
    # DEBUG: 1,000 desks polling would write a line each per minute at INFO (the request
    # itself is counted by /metrics).
    log.debug(
        "handshake: office %s, client %s (schema %s, protocol %s), skew %.1f s",
        office.id,
        body.client_version,
        body.client_schema,
        body.protocol,
        skew,
    )
    return HandshakeResponse(
        office=office_out(office),
        protocol=PROTOCOL_VERSION,
        min_protocol=MIN_PROTOCOL_VERSION,
        server_schema=HEAD_REVISION,
        server_time=now,
        clock_skew_seconds=skew,
        skew_warning=abs(skew) > SKEW_WARNING_SECONDS,
        licence_prefix=licence_prefix(office),
        reference_version=current_digest(db_session),
        keys_version=current_keys_version(db_session),
        changes_waiting=(
            None if body.cursor is None else changes_after(db_session, office, body.cursor)
        ),
        has_accounts=office_has_accounts(db_session, office),
        recovery=bool((token := presented_token(request, db_session)) and token.recovers),
    )


def _push(body: PushRequest, request: Request, db_session: Session, office: Office) -> PushResponse:
    """The work of ``POST /v1/push`` (in the request's session: server.work)."""
    batch = [
        Operation(
            op_id=item.op_id.lower(),
            table=item.table,
            row_id=item.row_id.lower(),
            op=item.op,
            base_rev=item.base_rev,
            changes=item.changes,
            account_id=item.account_id,
            actor=item.actor,
            desk_id=item.desk_id,
        )
        for item in body.operations
    ]
    results = push(db_session, office, batch, presented_token(request, db_session))
    db_session.commit()
    counts: dict[str, int] = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    log.info("push: office %s, %d operations: %s", office.id, len(batch), counts)
    return PushResponse.model_validate({"results": [r.as_dict() for r in results]})


# --- the application ------------------------------------------------------------------

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {
        "model": ErrorResponse,
        "description": 'Missing, malformed, unknown or revoked token ("unauthorized"), or an '
        'expired one ("token_expired").',
    },
    413: {"model": ErrorResponse, "description": "Request body too large."},
    429: {
        "model": ErrorResponse,
        "description": "Too many failed authentications from this address (Retry-After).",
    },
}


_BATCH_ERRORS: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    422: {"description": "Malformed request or a batch over 500 operations."},
}


def _invalid_request(detail: list[dict[str, Any]]) -> JSONResponse:
    return ErrorJSONResponse(
        error_body(
            "invalid_request", "درخواست نامعتبر است.", "The request is malformed.", detail=detail
        ),
        status_code=422,
    )


def create_app(
    engine: Engine,
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
    docs: bool = False,
    auth_limiter: FailureLimiter | None = None,
    db_slots: int = DEFAULT_SLOTS,
    db_wait: float = DEFAULT_WAIT_SECONDS,
    per_office: int = DEFAULT_PER_OFFICE,
    metrics: bool = False,
    metrics_token: str | None = None,
    figures_token: str | None = None,
) -> FastAPI:
    """Build the server's FastAPI application on an opened, migrated database.

    ``docs`` serves the interactive documentation (``/docs``, ``/redoc``);
    ``auth_limiter`` counts failed authentications (default: 10 a minute per address);
    ``db_slots`` requests work on the database at once, the others wait up to
    ``db_wait`` seconds and are then answered 503, and one office token has at most
    ``per_office`` requests in flight (429 beyond: server.work; the engine's pool should
    hold ``db_slots`` connections: server.db.make_engine). ``metrics`` serves
    ``/metrics`` to loopback clients and to ``metrics_token`` bearers (server.metrics);
    ``/v1/figures`` answers loopback clients and ``figures_token`` bearers
    (server.figures_api).
    """

    app = FastAPI(
        title="Daftar central server",
        summary="Enrolment, authentication and the sync protocol of Daftar offices.",
        version=f"protocol {PROTOCOL_VERSION}",
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
    )
    app.state.session_factory = sessionmaker(engine, expire_on_commit=False)
    app.state.auth_limiter = FailureLimiter() if auth_limiter is None else auth_limiter
    app.state.admission = Admission(db_slots, db_wait, per_office)
    app.add_middleware(BodySizeLimit, limit=max_body_bytes)
    # Outermost: a blocked address is answered before its body is read.
    app.add_middleware(FailureLimit, limiter=app.state.auth_limiter)
    # Outside even that (its 429s are counted too), when asked for.
    install_metrics(app, metrics, metrics_token)
    app.state.figures_token = figures_token

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.message, exc.message_en),
            status_code=exc.status,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # Without the offending input: it may be large, NaN, or not encodable.
        errors = [{k: v for k, v in error.items() if k != "input"} for error in exc.errors()]
        return _invalid_request(jsonable_encoder(errors, custom_encoder={Exception: str}))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # A body FastAPI can't read (not UTF-8): as malformed as one that isn't JSON.
            return _invalid_request([{"type": "json_invalid", "loc": ["body"], "msg": exc.detail}])
        return ErrorJSONResponse(
            error_body(
                {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error"),
                "درخواست نامعتبر است.",
                str(exc.detail),
            ),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(SQLAlchemyError)
    async def _database(_request: Request, exc: SQLAlchemyError) -> JSONResponse:
        log.error("database error: %s", exc)
        return JSONResponse(
            error_body(
                "unavailable",
                "پایگاه داده سرور در دسترس نیست؛ کمی بعد دوباره تلاش کنید.",
                "The server's database is unavailable; try again later.",
            ),
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    @app.get("/health", response_model=Health, response_model_by_alias=True)
    async def health(request: Request) -> Health:
        """The server is up and its database answers."""

        def work(db_session: Session) -> Health:
            revision = db_session.execute(text("SELECT version_num FROM alembic_version"))
            return Health(status="ok", protocol=PROTOCOL_VERSION, schema=str(revision.scalar()))

        return await admission(request).run(request, work)

    @app.post(
        "/v1/handshake",
        response_model=HandshakeResponse,
        responses={
            **_ERRORS,
            426: {"model": ErrorResponse, "description": "The client's protocol is too old."},
        },
    )
    async def handshake(
        body: HandshakeRequest, request: Request, credentials: Bearer
    ) -> HandshakeResponse:
        """Identify the office, agree on the protocol and measure the clock skew."""
        return await office_work(request, credentials, functools.partial(_handshake, body, request))

    @app.get("/v1/reference", response_model=ReferenceResponse, responses=_ERRORS)
    async def reference_endpoint(request: Request, credentials: Bearer) -> ReferenceResponse:
        """The reference data offices use (central wins)."""
        state = await admission(request).run(
            request, functools.partial(_catalogue, request, credentials)
        )
        return ReferenceResponse(
            version=state.digest, tables=state.tables, catalogue_version=state.version
        )

    @app.post("/v1/numbers", response_model=NumbersResponse, responses=_BATCH_ERRORS)
    async def numbers_endpoint(
        body: NumbersRequest, request: Request, credentials: Bearer
    ) -> NumbersResponse:
        """Reserve a range of licence numbers for the office."""

        def work(db_session: Session, office: Office) -> NumbersResponse:
            pool = reserve_numbers(db_session, office, body.count)
            db_session.commit()
            return NumbersResponse(prefix=pool.prefix, first=pool.first, last=pool.last)

        return await office_work(request, credentials, work)

    @app.post("/v1/push", response_model=PushResponse, responses=_BATCH_ERRORS)
    async def push_endpoint(
        body: PushRequest, request: Request, credentials: Bearer
    ) -> PushResponse:
        """Apply a batch of the office's outbox operations, idempotently by ``op_id``."""
        answer = await office_work(request, credentials, functools.partial(_push, body, request))
        count_push(request, [result.status for result in answer.results])
        return answer

    @app.get("/v1/pull", response_model=PullResponse, responses=_ERRORS)
    async def pull_endpoint(
        request: Request,
        credentials: Bearer,
        since: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PULL)] = 500,
    ) -> PullResponse:
        """The office's records changed after ``since``, in ``server_seq`` order."""

        def work(db_session: Session, office: Office) -> PullResponse:
            page = pull(db_session, office, since, limit)
            observe_pull_lag(request, db_session, page.cursor)
            return PullResponse.model_validate(
                {"changes": page.changes, "cursor": page.cursor, "has_more": page.has_more}
            )

        return await office_work(request, credentials, work)

    from server import (  # they use this module's dependencies
        audit_api,
        figures_api,
        keys_api,
        verify,
        verify_page,
    )

    app.include_router(keys_api.router)
    app.include_router(verify_page.router)
    app.include_router(verify.router)
    app.include_router(metrics_router)
    app.include_router(audit_api.router)
    app.include_router(figures_api.router)
    return app
