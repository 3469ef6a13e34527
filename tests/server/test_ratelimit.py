"""The limit on failed authentications per client address (server.ratelimit).

The limiter itself with a fake clock (blocking, the window, memory bounds, threads), then
the API: 429 with Retry-After after N failures, before the database; another address,
and successful requests, unaffected.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from common.protocol import PROTOCOL_VERSION
from server.app import create_app
from server.ratelimit import MAX_FAILURES, WINDOW_SECONDS, FailureLimiter, client_key


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _handshake() -> dict[str, object]:
    return {
        "protocol": PROTOCOL_VERSION,
        "client_schema": "0002",
        "client_version": "0.1.0",
        "client_time": dt.datetime.now(dt.UTC).isoformat(),
    }


# --- the limiter ----------------------------------------------------------------------------


def test_blocks_after_n_failures_within_the_window() -> None:
    clock = Clock()
    limiter = FailureLimiter(max_failures=10, window=60, clock=clock)
    for _ in range(9):
        assert limiter.record_failure("203.0.113.5") == 0.0
        clock.now += 1
    assert limiter.blocked_for("203.0.113.5") == 0.0
    # The tenth failure within a minute blocks until the first is a minute old.
    assert limiter.record_failure("203.0.113.5") == pytest.approx(51)
    assert limiter.blocked_for("203.0.113.5") == pytest.approx(51)
    assert limiter.blocked_for("203.0.113.6") == 0.0
    clock.now += 50
    assert limiter.blocked_for("203.0.113.5") == pytest.approx(1)
    clock.now += 1
    assert limiter.blocked_for("203.0.113.5") == 0.0
    # One more failure: the window slides; the second failure (59 s ago) is now the oldest
    # of the last ten, so the address waits one more second.
    assert limiter.record_failure("203.0.113.5") == pytest.approx(1)


def test_failures_spread_out_never_block() -> None:
    clock = Clock()
    limiter = FailureLimiter(max_failures=10, window=60, clock=clock)
    for _ in range(500):
        assert limiter.record_failure("198.51.100.1") == 0.0
        clock.now += 7  # ten failures span 63 s: fewer than ten a minute
    assert limiter.blocked_for("198.51.100.1") == 0.0


def test_memory_is_bounded_when_addresses_rotate() -> None:
    clock = Clock()
    limiter = FailureLimiter(max_failures=10, window=60, max_clients=1000, clock=clock)
    # An attacker rotating through 200,000 addresses within one window.
    for n in range(200_000):
        limiter.record_failure(f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}")
    assert len(limiter) == 1000
    # Keys whose failures are older than the window are forgotten as new ones arrive.
    clock.now += 61
    limiter.record_failure("192.0.2.1")
    assert len(limiter) == 1
    # The most recent failing address is the one kept longest: a blocked one stays blocked
    # while others churn below the table's size.
    for _ in range(10):
        limiter.record_failure("192.0.2.66")
    for n in range(500):
        limiter.record_failure(f"172.16.{n >> 8}.{n & 255}")
    assert limiter.blocked_for("192.0.2.66") > 0


def test_ipv6_counts_per_64_network_and_names_pass_through() -> None:
    assert (
        client_key("2001:db8:1:2::5") == client_key("2001:db8:1:2:ffff::9") == ("2001:db8:1:2::/64")
    )
    assert client_key("2001:db8:1:3::5") != client_key("2001:db8:1:2::5")
    assert client_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert client_key("203.0.113.7") == "203.0.113.7"
    assert client_key("testclient") == "testclient"
    assert client_key(None) == "unknown"
    clock = Clock()
    limiter = FailureLimiter(max_failures=3, window=60, clock=clock)
    for suffix in ("1", "2", "3"):  # three addresses of one /64
        limiter.record_failure(client_key(f"2001:db8:0:1::{suffix}"))
    assert limiter.blocked_for(client_key("2001:db8:0:1::abcd")) > 0
    assert limiter.blocked_for(client_key("2001:db8:0:2::1")) == 0


def test_the_limiter_is_thread_safe() -> None:
    limiter = FailureLimiter(max_failures=5, window=60, max_clients=100_000)
    errors: list[BaseException] = []

    def work(thread: int) -> None:
        try:
            for n in range(2000):
                limiter.record_failure(f"t{thread}-{n}")
                limiter.record_failure("shared")
                limiter.blocked_for("shared")
        except BaseException as exc:  # pragma: no cover - what the test looks for
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(limiter) == 8 * 2000 + 1
    assert limiter.blocked_for("shared") > 0


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        FailureLimiter(max_failures=0)
    with pytest.raises(ValueError):
        FailureLimiter(window=0)


# --- through the API --------------------------------------------------------------------------


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app_for(engine: Engine, clock: Clock) -> Callable[[], Any]:
    app = create_app(engine, auth_limiter=FailureLimiter(clock=clock))

    def client(address: str = "203.0.113.5") -> TestClient:
        return TestClient(app, client=(address, 40000))

    return client


def test_429_after_n_failures_with_retry_after_and_persian(
    app_for: Callable[..., TestClient], clock: Clock, county_office, caplog
) -> None:
    attacker, neighbour = app_for("203.0.113.5"), app_for("203.0.113.6")
    bad = {"Authorization": "Bearer dft_guess"}
    for n in range(MAX_FAILURES):
        response = attacker.post("/v1/handshake", json=_handshake(), headers=bad)
        assert response.status_code == 401, n
        clock.now += 1
    blocked = attacker.post("/v1/handshake", json=_handshake(), headers=bad)
    assert blocked.status_code == 429
    assert blocked.json()["error"] == "too_many_failures"
    assert "ثانیه دیگر" in blocked.json()["message"]
    retry = int(blocked.headers["Retry-After"])
    assert retry == int(WINDOW_SECONDS) - MAX_FAILURES  # the first failure was 10 s ago
    # Every request from the blocked address waits, even with a valid token, even /health.
    assert (
        attacker.post("/v1/handshake", json=_handshake(), headers=county_office.headers).status_code
        == 429
    )
    assert attacker.get("/health").status_code == 429
    # Another address is not affected.
    assert (
        neighbour.post(
            "/v1/handshake", json=_handshake(), headers=county_office.headers
        ).status_code
        == 200
    )
    # After Retry-After the office may try again.
    clock.now += retry
    assert (
        attacker.post("/v1/handshake", json=_handshake(), headers=county_office.headers).status_code
        == 200
    )
    # The block was logged once, with the address.
    blocks = [r.getMessage() for r in caplog.records if "blocked for" in r.getMessage()]
    assert len(blocks) == 1 and "203.0.113.5" in blocks[0]


def test_a_blocked_address_is_answered_without_the_database(
    app_for: Callable[..., TestClient], county_office
) -> None:
    attacker = app_for("198.51.100.9")
    for _ in range(MAX_FAILURES):
        assert attacker.get("/v1/pull").status_code == 401
    app = attacker.app

    def no_database() -> Any:
        raise AssertionError("the database was used for a blocked address")

    app.state.session_factory = no_database  # type: ignore[attr-defined]
    with TestClient(app, client=("198.51.100.9", 1), raise_server_exceptions=True) as again:
        for path in ("/v1/pull", "/v1/reference", "/health"):
            assert again.get(path, headers=county_office.headers).status_code == 429


def test_successful_requests_are_not_counted(
    app_for: Callable[..., TestClient], clock: Clock, county_office
) -> None:
    office = app_for("192.0.2.44")
    bad = {"Authorization": "Bearer dft_wrong"}
    for _ in range(3):
        # One failure short of the limit, then many successes: never blocked.
        for _ in range(MAX_FAILURES - 1):
            assert office.get("/v1/pull", headers=bad).status_code == 401
        for _ in range(30):
            assert office.get("/v1/pull", headers=county_office.headers).status_code == 200
        clock.now += WINDOW_SECONDS


def test_429_is_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, method in (("/v1/handshake", "post"), ("/v1/pull", "get"), ("/v1/push", "post")):
        assert "429" in paths[path][method]["responses"]
        assert "expired" in paths[path][method]["responses"]["401"]["description"]
