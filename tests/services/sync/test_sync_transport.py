"""The transport (app.services.sync.transport): requests built from the protocol's models,
every answer parsed into them; a malformed answer is the Persian ``bad_answer`` error,
an error answer the SyncError of its status with the server's message.

The server here is a stand-in (httpx.MockTransport) that answers what a test needs,
including what the real server never sends; tests/services/sync/test_sync_client.py
runs the transport against the real one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.services.core.office import get_setting
from app.services.sync.client import run_sync
from app.services.sync.errors import SyncError
from app.services.sync.report import sync_status
from app.services.sync.settings import KEY_CURSOR
from app.services.sync.transport import CLIENT_VERSION, Transport
from common.protocol import PROTOCOL_VERSION, HandshakeRequest, PushOperation, PushRequest
from tests.services.sync.sync_support import BASE, Office

Handler = Callable[[httpx.Request], httpx.Response]

HANDSHAKE = {
    "office": {
        "id": "office-1",
        "name": "اداره شمیرانات",
        "province": {"code": "23", "name": "تهران", "id": "p"},
        "county": {"code": "2301", "name": "شمیرانات", "id": "c"},
    },
    "protocol": 1,
    "min_protocol": 1,
    "server_schema": "0007",
    "server_time": "2026-01-01T10:00:00+00:00",
    "clock_skew_seconds": 1.5,
    "skew_warning": False,
    "licence_prefix": "2301",
    "reference_version": "r",
    "keys_version": "k",
    "changes_waiting": True,
}


def transport(handler: Handler) -> Transport:
    return Transport(BASE, "dft_token", client=httpx.Client(transport=httpx.MockTransport(handler)))


def answering(status: int, body: Any, *, raw: bool = False) -> Transport:
    content = body if raw else json.dumps(body, ensure_ascii=False).encode("utf-8")
    return transport(lambda _request: httpx.Response(status, content=content))


def operation(n: int = 1) -> PushOperation:
    return PushOperation(
        op_id=f"00000000-0000-7000-8000-{n:012d}",
        table="person",
        row_id=f"00000000-0000-7000-9000-{n:012d}",
        op="update",
        base_rev=1,
        changes={"mobile": ("09121234567", "09351112233")},
    )


def test_requests_are_the_protocols_and_answers_are_parsed() -> None:
    seen: list[httpx.Request] = []

    def server(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=HANDSHAKE)

    hello = transport(server).handshake(42)
    assert hello.office.county is not None and hello.office.county.name == "شمیرانات"
    assert hello.server_time == dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC)
    assert (hello.clock_skew_seconds, hello.changes_waiting) == (1.5, True)
    (request,) = seen
    assert request.headers["Authorization"] == "Bearer dft_token"
    assert request.headers["Content-Type"] == "application/json"
    body = HandshakeRequest.model_validate_json(request.content)  # what the server reads
    assert (body.protocol, body.client_version, body.cursor) == (
        PROTOCOL_VERSION,
        CLIENT_VERSION,
        42,
    )
    assert body.client_time.utcoffset() == dt.timedelta(0)


def test_a_push_sends_a_push_request_and_gets_one_result_per_operation() -> None:
    sent: list[PushRequest] = []

    def server(request: httpx.Request) -> httpx.Response:
        batch = PushRequest.model_validate_json(request.content)
        sent.append(batch)
        results = [
            {
                "op_id": op.op_id,
                "status": "applied",
                "rev": 2,
                "server_seq": 7,
                "conflicts": [],
                "reason": None,
                "reason_en": None,
                "original_status": None,
            }
            for op in batch.operations
        ]
        return httpx.Response(200, json={"results": results})

    results = transport(server).push([operation(1), operation(2)])
    assert [r.status for r in results] == ["applied", "applied"]
    assert results[0].canonical_id is None  # optional in the answer
    assert sent[0].operations[0].changes == {"mobile": ("09121234567", "09351112233")}


@pytest.mark.parametrize(
    ("call", "body"),
    [
        # not JSON at all (a proxy's page answered 200)
        ("handshake", b"<html>ok</html>"),
        # JSON, but not an object
        ("handshake", b"[1, 2]"),
        # a field missing, or of the wrong type
        ("handshake", json.dumps({k: v for k, v in HANDSHAKE.items() if k != "office"})),
        ("handshake", json.dumps({**HANDSHAKE, "clock_skew_seconds": "a lot"})),
        # a change without its id; a cursor that is not a number
        ("pull", json.dumps({"changes": [{"table": "person"}], "cursor": 1, "has_more": False})),
        ("pull", json.dumps({"changes": [], "cursor": "next", "has_more": False})),
        # a status the protocol does not have; fewer results than operations
        (
            "push",
            json.dumps(
                {
                    "results": [
                        {
                            "op_id": operation().op_id,
                            "status": "maybe",
                            "rev": 1,
                            "server_seq": 1,
                            "conflicts": [],
                            "reason": None,
                            "reason_en": None,
                            "original_status": None,
                        }
                    ]
                }
            ),
        ),
        ("push", json.dumps({"results": []})),
        ("numbers", json.dumps({"prefix": "2301", "first": 1})),
        ("reference", json.dumps({"version": "r", "tables": {"province": "all"}})),
        ("keys", json.dumps({"format": "daftar-keys", "keys": []})),
    ],
)
def test_a_malformed_answer_is_a_bad_answer(call: str, body: bytes | str) -> None:
    raw = body.encode("utf-8") if isinstance(body, str) else body
    api = answering(200, raw, raw=True)
    calls: dict[str, Callable[[], Any]] = {
        "handshake": lambda: api.handshake(None),
        "pull": lambda: api.pull(0, 10),
        "push": lambda: api.push([operation()]),
        "numbers": lambda: api.numbers(10),
        "reference": api.reference,
        "keys": api.keys,
    }
    with pytest.raises(SyncError) as caught:
        calls[call]()
    assert caught.value.code == "bad_answer"
    assert "پاسخ سرور" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "body", "code", "message"),
    [
        (
            401,
            {"error": "token_expired", "message": "توکن منقضی شده است.", "message_en": "x"},
            "token_expired",
            "توکن منقضی شده است.",
        ),
        (
            401,
            {"error": "unauthorized", "message": "توکن نامعتبر.", "message_en": "x"},
            "unauthorized",
            "توکن نامعتبر.",
        ),
        (401, b"", "unauthorized", "توکن دسترسی این اداره پذیرفته نشد"),
        (
            429,
            {"error": "too_many_failures", "message": "کمی صبر کنید.", "message_en": "x"},
            "rate_limited",
            "کمی صبر کنید.",
        ),
        (
            426,
            {"error": "client_too_old", "message": "دفتر را به‌روز کنید.", "message_en": "x"},
            "too_old",
            "دفتر را به‌روز کنید.",
        ),
        (503, b"<html>Bad gateway</html>", "server_error", "سرور مرکزی فعلاً پاسخ نمی‌دهد"),
        (
            413,
            {"error": "too_large", "message": "درخواست بزرگ است.", "message_en": "x"},
            "refused",
            "درخواست بزرگ است.",
        ),
        (404, {"detail": "Not Found"}, "refused", "سرور درخواست را نپذیرفت (404)"),
    ],
)
def test_an_error_answer_is_the_error_of_its_status(
    status: int, body: Any, code: str, message: str
) -> None:
    api = answering(status, body, raw=isinstance(body, bytes))
    with pytest.raises(SyncError) as caught:
        api.handshake(None)
    assert caught.value.code == code
    assert message in str(caught.value)


def test_a_network_failure_is_offline() -> None:
    def server(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(SyncError) as caught:
        transport(server).pull(0, 10)
    assert caught.value.code == "offline"


def test_a_malformed_pull_page_applies_nothing_and_the_sync_says_why(
    office_factory: Callable[..., Office], client: TestClient
) -> None:
    a, b = office_factory("a"), office_factory("b")
    a.issue("0067749828")
    a.sync()
    with b.db.session() as session:
        cursor = get_setting(session, KEY_CURSOR)

    class BrokenPull:
        """The real server, except that its pull pages lose their records' ids."""

        def request(self, method: str, url: str, **kwargs: Any) -> Any:
            response = client.request(method, url, **kwargs)
            if "/v1/pull" not in url:
                return response
            page = response.json()
            for change in page["changes"]:
                del change["id"]
            return httpx.Response(200, json=page)

        def close(self) -> None:
            pass

    with pytest.raises(SyncError) as caught:
        run_sync(b.db, transport=Transport(BASE, b.transport.token, client=BrokenPull()))
    assert caught.value.code == "bad_answer"
    with b.db.session() as session:
        assert get_setting(session, KEY_CURSOR) == cursor  # nothing applied
        assert sync_status(session).last_error == "پاسخ سرور نامعتبر است."
    assert b.sync().pulled >= 3  # the real answer is applied next time
