"""The public verification page (server.verify_page), in process: the verdict for
genuine, forged and revoked-key certificates, the central register's word on the
licence, the no-script form, the rate limit and the served font. The real-browser test
is test_verify_page_browser.py."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.services.certificates.pdf import extract_payloads
from app.services.certificates.service import CertificateService
from app.services.core.db import Database
from app.services.facilities.letters import FacilityLetters
from app.services.facilities.service import FacilityService
from app.services.licences.service import LicenceService
from app.services.sync.client import run_sync
from app.services.sync.setup import setup_from_server
from app.services.sync.transport import Transport
from common.signing import verification_url
from server import verify_page
from server.keys import revoke_key
from tests.accounts_support import HEAD_INPUT
from tests.server_fixtures import Enrolled
from tests.services.facility_support import case_input
from tests.services.sync.sync_support import issue_licence, national_id

BASE = "http://localhost"


@pytest.fixture
def desk(
    client: TestClient, enrol: Callable[..., Enrolled], tmp_path: Path
) -> Iterator[tuple[Database, Transport]]:
    enrolled = enrol("تهران", "شمیرانات", "اداره تعاون شمیرانات")
    transport = Transport(BASE, enrolled.token, client=client)
    db, _report = setup_from_server(
        tmp_path / "desk.sqlite3", BASE, enrolled.token, transport=transport, head=HEAD_INPUT
    )
    yield db, transport
    db.close()


def _print(db: Database, n: int) -> tuple[str, str]:
    licence_id = issue_licence(db, national_id(n), county="شمیرانات")
    with db.session() as session:
        _pdf, [issued] = CertificateService(session).licence_certificates([licence_id])
    return licence_id, issued.payload


def _verdict(client: TestClient, payload: str) -> tuple[int, str]:
    answer = client.post("/v", data={"payload": payload, "fragment": "1"})
    return answer.status_code, answer.text


def _attr(html: str, name: str) -> str:
    match = re.search(rf'{name}="([^"]*)"', html)
    assert match is not None, html
    return match.group(1)


def test_the_page_is_persian_right_to_left_and_self_contained(client: TestClient) -> None:
    page = client.get("/v")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert '<html lang="fa" dir="rtl">' in text and 'name="viewport"' in text
    assert "http://" not in text and "https://" not in text  # no external assets
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "<noscript>" in text and 'method="post"' in text
    font = client.get("/v/font/regular.ttf")
    assert font.status_code == 200 and font.content[:4] == b"\x00\x01\x00\x00"
    assert client.get("/v/font/../../etc/passwd").status_code == 404
    assert client.get("/v/font/other.ttf").status_code == 404
    assert "/v" not in client.get("/openapi.json").json()["paths"]


def test_genuine_and_in_force_then_suspended_then_revoked(
    client: TestClient, desk: tuple[Database, Transport]
) -> None:
    db, transport = desk
    licence_id, payload = _print(db, 1)
    # Printed but not synced yet: genuine, the register has not received it.
    status, html = _verdict(client, verification_url(BASE, payload))
    assert status == 200 and _attr(html, "data-status") == "valid"
    assert _attr(html, "data-register") == "not_received"
    assert "معتبر" in html and "هنوز به دفتر مرکزی نرسیده" in html
    assert "اداره تعاون شمیرانات (شهرستان شمیرانات، استان تهران)" in html
    run_sync(db, transport=transport)
    status, html = _verdict(client, payload)
    assert _attr(html, "data-register") == "active" and "مجوز فعال" in html
    assert "صدور این گواهی‌نامه در دفتر مرکزی ثبت شده است" in html
    assert "مریم" in html and "کد تأیید" in html
    with db.session() as session:
        LicenceService(session).suspend(licence_id, "بازرسی <b>محرمانه</b>")
    run_sync(db, transport=transport)
    _status, html = _verdict(client, payload)
    assert _attr(html, "data-register") == "suspended" and "معلق" in html
    assert "محرمانه" not in html  # the register's free-text reason is not published
    with db.session() as session:
        LicenceService(session).revoke(licence_id, "تخلف")
    run_sync(db, transport=transport)
    _status, html = _verdict(client, payload)
    assert _attr(html, "data-register") == "revoked" and "باطل شده است" in html


def test_forged_garbage_and_a_revoked_key(
    client: TestClient, desk: tuple[Database, Transport], engine: Engine
) -> None:
    db, transport = desk
    _id, payload = _print(db, 2)
    run_sync(db, transport=transport)
    body, signature = payload.rsplit(".", 1)
    forged = f"{body}.{signature[:3]}{'A' if signature[3] != 'A' else 'B'}{signature[4:]}"
    _status, html = _verdict(client, forged)
    assert _attr(html, "data-status") == "bad_signature" and "نامعتبر" in html
    assert "تأیید نشده" in html  # claimed data is labelled as such
    _status, html = _verdict(client, "<script>alert(1)</script>")
    assert _attr(html, "data-status") == "garbage" and "<script>alert" not in html
    with db.session() as session:
        from app.services.core.signing_keys import current_key_id

        kid = current_key_id(session)
    with Session(engine) as session, session.begin():
        revoke_key(session, kid, at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC), reason="سرقت")
    _status, html = _verdict(client, payload)
    assert _attr(html, "data-status") == "revoked_key"
    assert "کلید امضای این گواهی‌نامه باطل شده است" in html and "سرقت" in html


def test_the_form_works_without_scripts_and_refuses_empty_or_huge_input(
    client: TestClient, desk: tuple[Database, Transport]
) -> None:
    db, _transport = desk
    _id, payload = _print(db, 3)
    page = client.post("/v", data={"payload": payload})
    assert page.status_code == 200 and page.text.startswith("<!DOCTYPE html>")
    assert 'data-status="valid"' in page.text and '<details class="card" open>' in page.text
    assert client.post("/v", data={"payload": " "}).status_code == 400
    assert client.post("/v", data={"payload": "D" * 5000}).status_code == 400


def test_verifications_are_limited_per_client_address(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verify_page, "limiter", verify_page.RateLimit(limit=3, window=60))
    codes = [_verdict(client, "DFT1.x")[0] for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    _status, html = _verdict(client, "DFT1.x")
    assert "درخواست‌های زیادی" in html


def test_the_rate_limit_window_slides_and_forgets() -> None:
    limit = verify_page.RateLimit(limit=2, window=0.2)
    assert limit.allow("a") and limit.allow("a") and not limit.allow("a")
    assert limit.allow("b")  # per address
    import time

    time.sleep(0.25)
    assert limit.allow("a")
    limit.allow("c")
    assert "b" not in limit._hits  # swept


def test_a_referral_letter_verifies_like_a_certificate(
    client: TestClient, desk: tuple[Database, Transport]
) -> None:
    """A bank scanning a referral letter's QR sees it genuine, with the bank, branch and
    amount it was signed with, and the licence's state in the central register."""
    db, transport = desk
    licence_id = issue_licence(db, national_id(7), county="شمیرانات")
    with db.session() as session:
        number = LicenceService(session).get(licence_id).number
        case = FacilityService(session).open_case(
            case_input(
                number,
                branch_name="شعبه تجریش",
                branch_code="2210",
                dates={"requested_on": dt.date.today()},
            )
        )
        letter = FacilityLetters(session).referral_letter(case.id)
    [payload] = extract_payloads(letter.pdf)
    run_sync(db, transport=transport)
    status, html = _verdict(client, verification_url(BASE, payload))
    assert status == 200 and _attr(html, "data-status") == "valid"
    assert _attr(html, "data-register") == "active"
    assert "معرفی‌نامه به بانک" in html and "بانک رفاه کارگران" in html
    assert "۲۲۱۰" in html and "۲۰۰٬۰۰۰٬۰۰۰ تومان" in html
    assert "صدور این گواهی‌نامه در دفتر مرکزی ثبت شده است" in html  # the log synced
    forged = payload[:-6] + ("AAAAAA" if not payload.endswith("AAAAAA") else "BBBBBB")
    _status, html = _verdict(client, forged)
    assert _attr(html, "data-status") != "valid"
