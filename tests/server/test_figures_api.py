"""``GET /v1/figures``: the central picture as JSON, for the secretariat's own tools —
the same report ``daftar-server report`` writes, answered to loopback and to the figures
token only; the national report compares the provinces."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from common.jalali import to_jalali_tuple
from common.periods import parse_period
from common.reports import report_totals
from server.app import create_app
from server.offices import load_reference, resolve_place
from server.report import build_server_report
from tests.server import rows

TOKEN = "figures-token-for-tests"
Enrolled = Any


@pytest.fixture
def secretariat(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine, figures_token=TOKEN)) as client:
        yield client


def _licences(client: TestClient, office: Enrolled, count: int) -> None:
    county = rows.county_of(client, office)
    ops = []
    for _ in range(count):
        person, licence = rows.new_id(), rows.new_id()
        ops += [
            rows.insert("person", person, rows.person_row()),
            rows.insert("licence", licence, rows.licence_row(person, county)),
        ]
    assert {r["status"] for r in rows.push(client, office, *ops)} == {"applied"}


def _get(client: TestClient, **params: str) -> Any:
    return client.get("/v1/figures", params=params, headers={"Authorization": f"Bearer {TOKEN}"})


def test_the_figures_are_the_servers_report(
    secretariat: TestClient, enrol: Callable[..., Enrolled], engine: Engine
) -> None:
    tehran, isfahan = enrol("تهران", "شمیرانات"), enrol("اصفهان", "کاشان")
    _licences(secretariat, tehran, 3)
    _licences(secretariat, isfahan, 2)
    year, month, _day = to_jalali_tuple(
        dt.date.fromisoformat(rows.licence_row("", "")["issue_date"])
    )
    period = f"{year}/{month:02d}"
    answer = _get(secretariat, period=period)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    with Session(engine) as session:
        report = build_server_report(session, parse_period(period))
    assert body["totals"] == report_totals(report)
    assert body["place"] == "همهٔ استان‌ها" and body["counties"] == []
    assert [t["key"] for t in body["tables"]][:2] == ["summary", "provinces"]
    provinces = next(t for t in body["tables"] if t["key"] == "provinces")
    assert provinces["columns"][0] == "استان"
    by_name = {row[0]: row for row in provinces["rows"]}
    active = provinces["columns"].index("فعال در پایان دوره")
    assert (by_name["تهران"][active], by_name["اصفهان"][active]) == (3, 2)
    assert by_name["جمع"][active] == 5 and len(by_name) == 32  # 31 provinces and the total

    one = _get(secretariat, period=period, province="اصفهان").json()
    assert one["place"] == "استان اصفهان" and one["totals"]["active"] == 2
    assert "کاشان" in {part["county"] for part in one["counties"]}
    place, _ = resolve_place(load_reference(), "اصفهان", None)
    with Session(engine) as session:
        assert one["totals"] == report_totals(
            build_server_report(session, parse_period(period), place)
        )


def test_only_loopback_and_the_token_may_read_them(secretariat: TestClient, engine: Engine) -> None:
    assert secretariat.get("/v1/figures", params={"period": "1405"}).status_code == 404
    wrong = secretariat.get(
        "/v1/figures", params={"period": "1405"}, headers={"Authorization": "Bearer other"}
    )
    assert wrong.status_code == 404
    with TestClient(create_app(engine), client=("127.0.0.1", 40000)) as local:
        assert local.get("/v1/figures", params={"period": "1405"}).status_code == 200
    with TestClient(create_app(engine)) as remote:  # no token configured: loopback only
        assert remote.get("/v1/figures", params={"period": "1405"}).status_code == 404


def test_a_bad_period_or_province_is_a_persian_422(secretariat: TestClient) -> None:
    bad = _get(secretariat, period="1405/13")
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_period"
    unknown = _get(secretariat, period="1405", province="آتلانتیس")
    assert unknown.status_code == 422 and "آتلانتیس" in unknown.json()["message"]
