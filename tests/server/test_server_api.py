"""The HTTP API: health, handshake, authentication, size limits, OpenAPI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from common.protocol import PROTOCOL_VERSION
from common.reference import reference_id
from server import MIN_PROTOCOL_VERSION
from server.app import MAX_BODY_BYTES
from server.db import HEAD_REVISION, script_head
from server.models import Office
from server.offices import issue_token, revoke_office


def _body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "protocol": PROTOCOL_VERSION,
        "client_schema": "0002",
        "client_version": "0.1.0",
        "client_time": dt.datetime.now(dt.UTC).isoformat(),
    }
    body.update(overrides)
    return body


def test_head_revision_matches_the_scripts() -> None:
    assert script_head() == HEAD_REVISION


def test_migrations_create_exactly_the_models(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from server.models import Base

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "protocol": PROTOCOL_VERSION,
        "schema": HEAD_REVISION,
    }


def test_openapi_document_lists_the_endpoints(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/health" in paths
    assert "/v1/handshake" in paths
    assert "426" in paths["/v1/handshake"]["post"]["responses"]


def test_handshake_identifies_the_office(client: TestClient, county_office) -> None:
    response = client.post("/v1/handshake", json=_body(), headers=county_office.headers)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["protocol"] == PROTOCOL_VERSION
    assert data["min_protocol"] == MIN_PROTOCOL_VERSION
    assert data["server_schema"] == HEAD_REVISION
    office = data["office"]
    assert office["id"] == county_office.office_id
    assert office["name"] == "اداره کار شمیرانات"
    assert office["province"]["name"] == "تهران"
    assert office["province"]["id"] == reference_id("province", office["province"]["code"])
    assert office["county"]["name"] == "شمیرانات"
    assert office["county"]["id"] == reference_id("county", office["county"]["code"])
    assert abs(data["clock_skew_seconds"]) < 60
    assert data["skew_warning"] is False
    assert dt.datetime.fromisoformat(data["server_time"]).tzinfo is not None


def test_province_office_has_no_county(client: TestClient, enrol) -> None:
    office = enrol("اصفهان", None, "اداره کل اصفهان")
    response = client.post("/v1/handshake", json=_body(), headers=office.headers)
    assert response.status_code == 200
    assert response.json()["office"]["county"] is None
    assert response.json()["office"]["province"]["name"] == "اصفهان"


def test_skew_warning_over_five_minutes(client: TestClient, county_office) -> None:
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)
    response = client.post(
        "/v1/handshake", json=_body(client_time=ahead.isoformat()), headers=county_office.headers
    )
    assert response.status_code == 200
    assert response.json()["skew_warning"] is True
    assert 3 * 3600 - 60 < response.json()["clock_skew_seconds"] < 3 * 3600 + 60

    # A different UTC offset is not skew.
    tehran = dt.datetime.now(dt.timezone(dt.timedelta(hours=3, minutes=30)))
    response = client.post(
        "/v1/handshake", json=_body(client_time=tehran.isoformat()), headers=county_office.headers
    )
    assert response.json()["skew_warning"] is False

    behind = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=6)
    response = client.post(
        "/v1/handshake", json=_body(client_time=behind.isoformat()), headers=county_office.headers
    )
    assert response.json()["skew_warning"] is True
    assert response.json()["clock_skew_seconds"] < -300


def test_old_protocol_gets_426_with_persian_and_english(client: TestClient, county_office) -> None:
    response = client.post(
        "/v1/handshake",
        json=_body(protocol=MIN_PROTOCOL_VERSION - 1),
        headers=county_office.headers,
    )
    assert response.status_code == 426
    data = response.json()
    assert data["error"] == "client_too_old"
    assert "به‌روز" in data["message"]
    assert "upgrade" in data["message_en"].lower()


def test_newer_client_protocol_is_answered_with_the_servers(
    client: TestClient, county_office
) -> None:
    response = client.post(
        "/v1/handshake", json=_body(protocol=PROTOCOL_VERSION + 5), headers=county_office.headers
    )
    assert response.status_code == 200
    assert response.json()["protocol"] == PROTOCOL_VERSION


def test_missing_and_garbage_authorization_get_401(client: TestClient, county_office) -> None:
    cases: list[dict[str, str]] = [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "garbage"},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Bearer " + "x" * 5000},
        {"Authorization": f"Bearer {county_office.token}x"},
    ]
    for headers in cases:
        response = client.post("/v1/handshake", json=_body(), headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.json()["error"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"
    # Bytes outside ASCII in the header.
    raw = client.post(
        "/v1/handshake", json=_body(), headers=[(b"Authorization", b"Bearer \xff\xfe\xe9")]
    )
    assert raw.status_code == 401


def test_revoked_office_and_token_get_401(
    client: TestClient, engine: Engine, county_office, enrol
) -> None:
    with Session(engine) as session, session.begin():
        office = session.get(Office, county_office.office_id)
        assert office is not None
        second = issue_token(session, office)
    other = enrol("فارس", "شیراز", "اداره شیراز")
    second_headers = {"Authorization": f"Bearer {second}"}
    assert client.post("/v1/handshake", json=_body(), headers=second_headers).status_code == 200

    with Session(engine) as session, session.begin():
        revoke_office(session, county_office.office_id)
    for headers in (county_office.headers, second_headers):
        response = client.post("/v1/handshake", json=_body(), headers=headers)
        assert response.status_code == 401
    # Another office is untouched.
    assert client.post("/v1/handshake", json=_body(), headers=other.headers).status_code == 200


def test_oversized_body_gets_413(client: TestClient, county_office) -> None:
    big = _body(client_version="x" * (MAX_BODY_BYTES + 10))
    response = client.post("/v1/handshake", json=big, headers=county_office.headers)
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"

    # A chunked upload (no Content-Length) is counted as it arrives.
    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b" " * 65536

    response = client.post(
        "/v1/handshake",
        content=chunks(),
        headers={**county_office.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413


def test_malformed_requests_get_422_not_500(client: TestClient, county_office) -> None:
    headers = {**county_office.headers, "Content-Type": "application/json"}
    bodies: list[bytes] = [
        b"{not json",
        b"",
        b"[]",
        b"null",
        b'"text"',
        b'{"protocol": "one", "client_schema": "0002", "client_version": "1", "client_time": "2026-01-01T00:00:00Z"}',
        b'{"protocol": 1, "client_schema": "0002", "client_version": "1", "client_time": "yesterday"}',
        b'{"protocol": 1, "client_schema": "0002", "client_version": "1", "client_time": "2026-01-01T00:00:00"}',
        b'{"protocol": 99999999999999999999999, "client_schema": "0002", "client_version": "1", "client_time": "2026-01-01T00:00:00Z"}',
        b"\xff\xfe\x00garbage",
    ]
    for body in bodies:
        response = client.post("/v1/handshake", content=body, headers=headers)
        assert 400 <= response.status_code < 500, (body, response.status_code, response.text)
        assert response.status_code != 413
    response = client.post("/v1/handshake", content=b"{not json", headers=headers)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
    assert response.json()["message"]


def test_unknown_paths_and_methods_are_4xx(client: TestClient) -> None:
    assert client.get("/v1/nothing").status_code == 404
    assert client.get("/v1/handshake").status_code == 405


def test_absurd_client_clock_is_a_skew_warning(client: TestClient, county_office) -> None:
    for when in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"):
        response = client.post(
            "/v1/handshake", json=_body(client_time=when), headers=county_office.headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["skew_warning"] is True


def test_tokens_never_look_like_command_line_options() -> None:
    from server.offices import TOKEN_PREFIX, new_token

    tokens = {new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    assert all(t.startswith(TOKEN_PREFIX) and not t.startswith("-") for t in tokens)


def test_interactive_docs_only_when_asked_for(engine: Engine) -> None:
    from server.app import create_app

    with TestClient(create_app(engine)) as closed:
        assert closed.get("/docs").status_code == 404
        assert closed.get("/redoc").status_code == 404
        assert closed.get("/docs/oauth2-redirect").status_code == 404
        # The contract stays published.
        assert closed.get("/openapi.json").status_code == 200
    with TestClient(create_app(engine, docs=True)) as opened:
        docs = opened.get("/docs")
        assert docs.status_code == 200 and "/openapi.json" in docs.text
        assert opened.get("/redoc").status_code == 200
