"""``/metrics`` (server.metrics): off by default, loopback or token only, and what it
counts — requests by route and status with their latency, push outcomes, conflicts,
refused writes, refused requests and how far pulls are behind the feed."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from server.app import create_app
from tests.server import rows
from tests.server_fixtures import Enrolled

TOKEN = "scrape-secret"


@pytest.fixture
def measured(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine, metrics=True, metrics_token=TOKEN)) as client:
        yield client


def _value(text: str, series: str) -> float:
    found = re.search(rf"^{re.escape(series)} (\S+)$", text, re.MULTILINE)
    assert found, f"{series} not in:\n{text}"
    return float(found.group(1))


def test_metrics_are_off_unless_asked_for(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 404
    assert "/metrics" not in client.get("/openapi.json").text


def test_metrics_need_loopback_or_the_token(engine: Engine, measured: TestClient) -> None:
    # The test client's address is not loopback.
    assert measured.get("/metrics").status_code == 404
    wrong = {"Authorization": "Bearer guess"}
    assert measured.get("/metrics", headers=wrong).status_code == 404
    answer = measured.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    app = create_app(engine, metrics=True)
    with TestClient(app, client=("127.0.0.1", 40000)) as local:
        assert local.get("/metrics").status_code == 200


def test_metrics_count_requests_pushes_and_pulls(
    measured: TestClient, county_office: Enrolled
) -> None:
    county = rows.county_of(measured, county_office)
    person = rows.new_id()
    good = rows.insert("person", person, rows.person_row())
    bad = rows.insert("person", rows.new_id(), rows.person_row(national_id="1111111111"))
    licence = rows.insert("licence", rows.new_id(), rows.licence_row(person, county))
    results = rows.push(measured, county_office, good, bad, licence)
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    rows.push(measured, county_office, good)  # replayed
    rows.pull(measured, county_office, 0, 1)  # one row of three: behind the feed
    assert measured.get("/v1/pull", headers={"Authorization": "Bearer nope"}).status_code == 401

    text = measured.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    push = 'daftar_http_requests_total{endpoint="/v1/push",method="POST",status="200"}'
    assert _value(text, push) == 2
    assert (
        _value(text, 'daftar_http_requests_total{endpoint="/v1/pull",method="GET",status="401"}')
        == 1
    )
    assert _value(text, 'daftar_http_request_duration_seconds_count{endpoint="/v1/push"}') == 2
    assert (
        _value(text, 'daftar_http_request_duration_seconds_bucket{endpoint="/v1/push",le="+Inf"}')
        == 2
    )
    assert _value(text, 'daftar_push_operations_total{status="applied"}') == 2
    assert _value(text, 'daftar_push_operations_total{status="rejected"}') == 1
    assert _value(text, 'daftar_push_operations_total{status="replayed"}') == 1
    assert _value(text, "daftar_refused_writes_total") == 1
    assert _value(text, 'daftar_refused_requests_total{reason="office_busy"}') == 0
    end = _value(text, "daftar_feed_end_seq")
    assert end >= 2
    # The pull took one row of the feed: it was behind by the rest.
    assert _value(text, "daftar_pull_lag_seq_count") == 1
    assert _value(text, 'daftar_pull_lag_seq_bucket{le="0"}') == 0
    assert _value(text, 'daftar_pull_lag_seq_bucket{le="10"}') == 1
    assert "# TYPE daftar_http_request_duration_seconds histogram" in text


def test_metrics_count_conflicts(measured: TestClient, county_office: Enrolled) -> None:
    person = rows.new_id()
    row = rows.person_row()
    rows.push(measured, county_office, rows.insert("person", person, row))
    first = rows.update("person", person, 1, mobile=[row["mobile"], "09120000001"])
    second = rows.update("person", person, 1, mobile=[row["mobile"], "09120000002"])
    rows.push(measured, county_office, first)
    assert rows.push(measured, county_office, second)[0]["status"] == "conflict"
    text = measured.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    assert _value(text, "daftar_conflicts_total") == 1
    assert _value(text, 'daftar_push_operations_total{status="conflict"}') == 1
