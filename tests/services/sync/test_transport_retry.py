"""The transport waits out a busy server: 503/429 with Retry-After, bounded."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.services.sync.errors import SyncError
from app.services.sync.transport import MAX_RETRIES, MAX_RETRY_WAIT, Transport, retry_delay

BUSY = {"error": "busy", "message": "سرور در این لحظه سرش شلوغ است.", "message_en": "busy"}


class Answers:
    """A client answering from a list (the last answer repeats); counts requests."""

    def __init__(self, *answers: httpx.Response) -> None:
        self.answers = list(answers)
        self.requests = 0

    def request(self, method: str, url: str, **_kwargs: Any) -> httpx.Response:
        self.requests += 1
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    def close(self) -> None:
        pass


def _busy(status: int = 503, retry_after: str | None = "1") -> httpx.Response:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    return httpx.Response(status, json=BUSY, headers=headers)


def _transport(client: Answers, waits: list[float]) -> Transport:
    return Transport("http://127.0.0.1:9", "dft_x", client=client, sleep=waits.append)


def test_a_busy_answer_is_waited_out_and_sent_again() -> None:
    keys = {"format": "daftar-keys", "version": 1, "keys_version": "k1",
            "generated_at": "2026-12-07T10:00:00+00:00", "keys": []}  # fmt: skip
    client = Answers(_busy(), _busy(429, "2"), httpx.Response(200, json=keys))
    waits: list[float] = []
    assert _transport(client, waits).keys().keys_version == "k1"
    assert client.requests == 3
    # Retry-After, plus up to half as much again (desks refused together spread out).
    assert 1 <= waits[0] <= 1.5 and 2 <= waits[1] <= 3


def test_retries_are_bounded() -> None:
    client = Answers(_busy())
    waits: list[float] = []
    with pytest.raises(SyncError) as refused:
        _transport(client, waits).keys()
    assert refused.value.code == "server_error"
    assert "شلوغ" in str(refused.value)
    assert client.requests == MAX_RETRIES + 1 and len(waits) == MAX_RETRIES
    assert sum(waits) <= MAX_RETRY_WAIT


@pytest.mark.parametrize(
    ("status", "retry_after"), [(503, None), (503, "Wed, 21 Oct 2026 07:28:00 GMT"),
                                (429, "600"), (500, "1"), (401, "1")],
)  # fmt: skip
def test_no_retry_without_a_short_retry_after(status: int, retry_after: str | None) -> None:
    assert retry_delay(_busy(status, retry_after)) is None
    client = Answers(_busy(status, retry_after))
    waits: list[float] = []
    with pytest.raises(SyncError):
        _transport(client, waits).keys()
    assert client.requests == 1 and waits == []
