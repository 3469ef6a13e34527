"""Schemathesis against the server's OpenAPI document: a bad request never gets a 5xx.

Every operation of ``/openapi.json`` gets generated requests, valid and malformed
(Schemathesis' examples, coverage and fuzzing phases), once with the Bearer token of an
enrolled office and once without a valid one. Every answer must not be a server error
and must match the document (status code, content type, headers, body schema); valid
requests must be accepted, malformed ones refused with a 4xx, and a missing token 401.

Deterministic (``derandomize``), bounded (``max_examples`` per operation) and without
an example database. The app runs on a fresh migrated database: SQLite, and also
PostgreSQL when DAFTAR_TEST_POSTGRES_URL is set (the ``engine`` fixture, conftest.py).

The regression tests at the end pin issues the fuzzing (and probing around it) found.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import Case, CheckFunction
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from common.protocol import PROTOCOL_VERSION
from server.app import create_app
from server.models import OfficeToken
from server.offices import enrol_office, hash_token
from server.ratelimit import FailureLimiter

#: The token of the enrolled office (the schema's auth config needs it before any
#: database exists; the ``fuzz_app`` fixture stores its hash).
FUZZ_TOKEN = "fuzz-token-of-the-schemathesis-office-0123456789"

#: Schemathesis' expected statuses, plus those the API answers on purpose: 413 (a body
#: over the limit) and 426 (a client protocol older than the server accepts, while the
#: document allows any protocol >= 0). A 5xx is not_a_server_error's to report.
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "413", "426", "429", "5xx"]
REJECTED = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "426"]
CHECKS: dict[str, Any] = {
    "positive_data_acceptance": {"expected-statuses": ACCEPTED},
    "negative_data_rejection": {"expected-statuses": [*REJECTED, "428", "429", "5xx"]},
}


def _app(engine: Engine) -> FastAPI:
    # The fuzzing sends thousands of requests without a valid token from one address: the
    # limit on failed logins would answer most of them 429 (test_ratelimit.py tests it).
    return create_app(engine, auth_limiter=FailureLimiter(max_failures=1_000_000))


def _load_schema(config: dict[str, Any]) -> Any:
    # Serving the OpenAPI document needs no database: an engine that never connects.
    engine = create_engine("sqlite://")
    try:
        return schemathesis.openapi.from_asgi(
            "/openapi.json",
            _app(engine),
            config=schemathesis.Config.from_dict({"checks": CHECKS, **config}),
        )
    finally:
        engine.dispose()


with_token = _load_schema({"auth": {"openapi": {"HTTPBearer": {"bearer": FUZZ_TOKEN}}}})
without_token = _load_schema({})

FUZZ = settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    # One app (and database) serves all the examples of an operation, on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def fuzz_app(engine: Engine) -> FastAPI:
    """The server app with one enrolled county office, whose token is FUZZ_TOKEN."""
    with Session(engine) as session, session.begin():
        office, _token = enrol_office(
            session, name="اداره شمیرانات", province="تهران", county="شمیرانات"
        )
        session.add(OfficeToken(token_hash=hash_token(FUZZ_TOKEN), office_id=office.id))
    return _app(engine)


# --- Schemathesis' own limits ----------------------------------------------------------


def _errors(response: Any) -> list[dict[str, Any]]:
    try:
        body = response.json()
    except ValueError:
        return []
    detail = body.get("detail") if isinstance(body, dict) else None
    return (
        [error for error in detail if isinstance(error, dict)] if isinstance(detail, list) else []
    )


def _upper_bound(error: dict[str, Any]) -> float:
    ctx = error.get("ctx")
    bound = ctx.get("le") if isinstance(ctx, dict) else None
    return bound if isinstance(bound, int | float) else 0


def _not_checkable(response: Any) -> list[CheckFunction]:
    """Checks Schemathesis gets wrong for this response."""
    if response.status_code == 422 and any(
        _upper_bound(error) > 2**53 for error in _errors(response)
    ):
        # Schemathesis compares integers past 2**53 as floats and takes 2**62 + 95 for
        # <= 2**62 (``cursor``, ``since``).
        return [positive_data_acceptance]
    return []


def _call_and_validate(case: Case, app: FastAPI) -> None:
    response = case.call(app=app)
    case.validate_response(
        response,
        excluded_checks=_not_checkable(response),
        transport_kwargs={"app": app},
    )


# --- the fuzzing ----------------------------------------------------------------------


@with_token.parametrize()
@FUZZ
def test_with_token(case: Case, fuzz_app: FastAPI) -> None:
    _call_and_validate(case, fuzz_app)


@without_token.parametrize()
@FUZZ
def test_without_token(case: Case, fuzz_app: FastAPI) -> None:
    _call_and_validate(case, fuzz_app)


# --- regressions: issues the fuzzing (and probing around it) found --------------------

HEADERS = {"Authorization": f"Bearer {FUZZ_TOKEN}", "Content-Type": "application/json"}


@pytest.fixture
def fuzz_client(fuzz_app: FastAPI) -> Iterator[TestClient]:
    # A server error is answered 500, as over the network, rather than raised here.
    with TestClient(fuzz_app, raise_server_exceptions=False) as client:
        yield client


def _handshake(**overrides: Any) -> dict[str, Any]:
    return {
        "protocol": PROTOCOL_VERSION,
        "client_schema": "0002",
        "client_version": "0.1.0",
        "client_time": dt.datetime.now(dt.UTC).isoformat(),
        **overrides,
    }


def _insert(**changes: Any) -> dict[str, Any]:
    return {
        "op_id": str(uuid.uuid4()),
        "table": "person",
        "row_id": str(uuid.uuid4()),
        "op": "insert",
        "base_rev": 0,
        "changes": {column: [None, value] for column, value in changes.items()},
    }


def _post(client: TestClient, path: str, body: Any) -> Any:
    # json.dumps writes a lone surrogate as the escape "\ud800" (valid JSON) and NaN as NaN
    # (not JSON, but Python's parser, and so FastAPI, takes it).
    return client.post(path, content=json.dumps(body).encode("ascii"), headers=HEADERS)


def test_undecodable_body_gets_a_documented_4xx(fuzz_client: TestClient) -> None:
    # Found by Schemathesis: FastAPI's bare 400 {"detail": ...}, not in the document.
    response = fuzz_client.post("/v1/handshake", content=b'{"x": "\xff"}', headers=HEADERS)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_request"


def test_documented_changes_keys_are_column_names() -> None:
    # Found by Schemathesis: {"changes": {"Not A Column": [1, 2]}} fits the document
    # (patternProperties alone) and gets 422.
    schemas = with_token.raw_schema["components"]["schemas"]
    changes = schemas["PushOperation"]["properties"]["changes"]
    assert changes.get("additionalProperties") is False or "propertyNames" in changes


@pytest.mark.parametrize("field", ["base_rev", "protocol", "count"])
def test_booleans_are_not_integers(fuzz_client: TestClient, field: str) -> None:
    # Found by Schemathesis: pydantic's lax mode reads true/false as 1/0.
    path, body = {
        "base_rev": ("/v1/push", {"operations": [{**_insert(first_name="x"), "base_rev": False}]}),
        "protocol": ("/v1/handshake", _handshake(protocol=True)),
        "count": ("/v1/numbers", {"count": True}),
    }[field]
    response = _post(fuzz_client, path, body)
    assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        # A value of a change: the database driver can't encode it (UnicodeEncodeError).
        ("/v1/push", {"operations": [_insert(first_name="\ud800")]}),
        # A string field: refused, but the 422 quotes the input and can't be encoded.
        ("/v1/handshake", _handshake(client_version="\ud800")),
        ("/v1/push", {"operations": [{**_insert(), "table": "\udfff"}]}),
    ],
    ids=["push-value", "handshake-field", "push-table"],
)
def test_lone_surrogates_get_a_4xx(fuzz_client: TestClient, path: str, body: Any) -> None:
    assert _post(fuzz_client, path, body).status_code == 422


@pytest.mark.parametrize(
    ("path", "body"),
    [
        # The 422 quotes the input; JSONResponse refuses to write NaN (ValueError).
        ("/v1/handshake", _handshake(protocol=math.nan)),
        ("/v1/numbers", {"count": math.inf}),
        ("/v1/push", math.nan),
        # Accepted (200), stored, and pulled back as null.
        ("/v1/push", {"operations": [_insert(first_name=math.nan)]}),
    ],
    ids=["handshake-protocol", "numbers-count", "push-body", "push-value"],
)
def test_nan_and_infinity_get_a_4xx(fuzz_client: TestClient, path: str, body: Any) -> None:
    assert _post(fuzz_client, path, body).status_code == 422


def test_a_deeply_nested_value_never_breaks_the_pull(fuzz_client: TestClient) -> None:
    # 300 nested lists (a 700-byte body) were accepted, and from then on every pull of
    # the county answered 500: pydantic can't serialise past depth 255.
    value: Any = []
    for _ in range(300):
        value = [value]
    pushed = _post(fuzz_client, "/v1/push", {"operations": [_insert(first_name=value)]})
    assert pushed.status_code in (200, 422), pushed.text
    assert fuzz_client.get("/v1/pull", headers=HEADERS).status_code == 200
