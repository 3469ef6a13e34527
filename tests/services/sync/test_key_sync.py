"""Certificates verify everywhere: offices publish their keys through the server and get
everyone else's (issue 10, "done when").

Real office databases set up from the in-process server (TestClient transport, as in
test_sync_client.py): a certificate printed at one county office is VALID at another
county office of the province after a sync, on a machine with only the published key
file, and at the same office reinstalled from the server with a new token; a rotated key
keeps its certificates; a revoked one refuses what it signed afterwards.
"""

from __future__ import annotations

import base64
import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.models import Setting, SigningKey
from app.services.certificates.service import CertificateService
from app.services.certificates.verification import verify_source
from app.services.core import signing_keys
from app.services.core.db import Database, open_database
from app.services.sync.client import run_sync
from app.services.sync.setup import setup_from_server
from app.services.sync.transport import Transport
from common import signing
from common.key_set import read_key_file
from common.signing import KEY_REVOKED, VerificationResult
from server.keys import key_set, revoke_key
from server.models import Office as ServerOffice
from server.offices import issue_token
from tests.accounts_support import HEAD_INPUT, act_as
from tests.server_fixtures import Enrolled
from tests.services.sync.sync_support import issue_licence, national_id

BASE = "http://localhost"


class Desk:
    """An office database and its transport to the in-process server."""

    def __init__(self, db: Database, transport: Transport, office_id: str) -> None:
        self.db = db
        self.transport = transport
        self.office_id = office_id

    def sync(self) -> Any:
        return run_sync(self.db, transport=self.transport)

    def print_certificate(self, n: int, county: str) -> tuple[bytes, str]:
        licence_id = issue_licence(self.db, national_id(n), county=county)
        with self.db.session() as session:
            pdf, [issued] = CertificateService(session).licence_certificates([licence_id])
        return pdf, issued.payload

    def verify(self, source: Any) -> list[VerificationResult]:
        with self.db.session() as session:
            return CertificateService(session).verify(source)

    def key_id(self) -> str:
        with self.db.session() as session:
            return signing_keys.current_key_id(session)


@pytest.fixture
def desks(
    client: TestClient, enrol: Callable[..., Enrolled], tmp_path: Path
) -> Iterator[Callable[..., Desk]]:
    opened: list[Database] = []

    def make(name: str, county: str, *, token: str | None = None, office_id: str = "") -> Desk:
        if token is None:
            enrolled = enrol("تهران", county, f"اداره {name}")
            token, office_id = enrolled.token, enrolled.office_id
        transport = Transport(BASE, token, client=client)
        db, _report = setup_from_server(
            tmp_path / f"{name}.sqlite3", BASE, token, transport=transport, head=HEAD_INPUT
        )
        opened.append(db)
        return Desk(db, transport, office_id)

    yield make
    for db in opened:
        db.close()


def test_a_certificate_verifies_at_another_county_a_bank_and_a_reinstalled_desk(
    desks: Callable[..., Desk], engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    rey = desks("rey", "ری")
    shemiranat = desks("shemiranat", "شمیرانات")
    pdf, payload = shemiranat.print_certificate(1, "شمیرانات")
    # Set up before the other office published its key, Rey does not know it yet.
    assert rey.verify(payload)[0].status == signing.UNKNOWN_KEY
    shemiranat.sync()  # publishes nothing new (the key went up at setup) …
    report = rey.sync()  # … and the other office gets the key set
    [result] = rey.verify(pdf)
    assert result.valid, result.reason
    assert result.issuer == "اداره shemiranat (شهرستان شمیرانات، استان تهران)"
    assert result.register_status == "not_found"  # another county's licence
    assert report.keys_changed >= 1

    # A bank: no database, only the published key file.
    keys_file = tmp_path / "keys.json"
    with Session(engine) as session:
        keys_file.write_text(__import__("json").dumps(key_set(session)), encoding="utf-8")
    trusted = read_key_file(keys_file.read_bytes())
    [bank] = verify_source(pdf, trusted)
    assert bank.valid and bank.issuer.startswith("اداره shemiranat")
    assert verify_source(signing.verification_url(BASE, payload), trusted)[0].valid

    # The same office set up again from the server (a reinstalled desk, a new token).
    with Session(engine) as session, session.begin():
        office = session.get(ServerOffice, shemiranat.office_id)
        assert office is not None
        token = issue_token(session, office)
    again = desks("shemiranat-again", "شمیرانات", token=token, office_id=shemiranat.office_id)
    assert again.key_id() != shemiranat.key_id()  # its own new key …
    [mine] = again.verify(pdf)  # … and the office's old certificates still verify
    assert mine.valid and mine.register_status == "active"
    new_pdf, _payload = again.print_certificate(2, "شمیرانات")
    again.sync()
    rey.sync()
    assert rey.verify(new_pdf)[0].valid
    assert shemiranat.verify(new_pdf)[0].status == signing.UNKNOWN_KEY  # until it syncs
    shemiranat.sync()
    assert shemiranat.verify(new_pdf)[0].valid


def test_rotation_publishes_the_retirement_and_keeps_old_certificates(
    desks: Callable[..., Desk], client: TestClient
) -> None:
    other = desks("b", "ری")
    desk = desks("a", "شمیرانات")
    _pdf, old_payload = desk.print_certificate(1, "شمیرانات")
    old_kid = desk.key_id()
    with desk.db.session() as session:
        new_kid = signing_keys.rotate_key(session)
    desk.sync()
    published = {k["key_id"]: k for k in client.get("/keys.json").json()["keys"]}
    assert published[old_kid]["retired_at"] is not None
    assert published[new_kid]["retired_at"] is None
    with desk.db.session() as session:
        # The server has the retirement: the old private half is erased.
        assert session.get(Setting, f"signing.secret.{old_kid}").value == ""  # type: ignore[union-attr]
        assert session.get(SigningKey, old_kid).server_state == "retired"  # type: ignore[union-attr]
    other.sync()
    [result] = other.verify(old_payload)
    assert result.valid and "کلید دیگری" in result.key_note
    _pdf, new_payload = desk.print_certificate(2, "شمیرانات")
    assert other.verify(new_payload)[0].key_id == new_kid  # published by the same sync
    assert other.verify(new_payload)[0].valid


def test_a_revoked_key_refuses_what_it_signed_afterwards(
    desks: Callable[..., Desk], engine: Engine
) -> None:
    desk = desks("a", "شمیرانات")
    other = desks("b", "ری")
    _pdf, before = desk.print_certificate(1, "شمیرانات")
    cut = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    with Session(engine) as session, session.begin():
        revoke_key(session, desk.key_id(), at=cut, reason="رایانه دزدیده شد")
    other.sync()
    # Signed after the revocation (the thief's laptop keeps signing): refused.
    with desk.db.session() as session:
        from common.signing import CertificateClaims

        late = signing_keys.sign_certificate(
            session,
            CertificateClaims(
                serial="0612-C-999999",
                licence_number="0612-999999",
                unique_id="ZZZZ-ZZZZ-ZZZZ",
                national_id=national_id(5),
                holder_name="مریم کریمی",
                field_code="020001",
                county_code="2303",
                issue_date=dt.date(2026, 1, 1),
                expiry_date=dt.date(2031, 1, 1),
            ),
            now=cut + dt.timedelta(minutes=5),
        ).payload
    [refused] = other.verify(late)
    assert refused.status == KEY_REVOKED and not refused.valid
    assert refused.reason.startswith("کلید امضای این گواهی‌نامه باطل شده است")
    [kept] = other.verify(before)
    assert kept.valid and "پیش از آن امضا شده" in kept.key_note


def test_a_legacy_key_is_published_as_retired_at_the_first_sync(
    desks: Callable[..., Desk], client: TestClient
) -> None:
    desk = desks("a", "شمیرانات")
    legacy = Ed25519PrivateKey.generate()
    legacy_kid = signing.key_id_for(legacy.public_key())
    old_payload = signing.sign_claims(
        legacy,
        signing.CertificateClaims(
            serial="0612-C-000001",
            licence_number="0612-000001",
            unique_id="AAAA-BBBB-CCCC",
            national_id=national_id(9),
            holder_name="زهرا احمدی",
            field_code="020001",
            county_code="2303",
            issue_date=dt.date(2024, 1, 1),
            expiry_date=dt.date(2029, 1, 1),
        ),
    ).payload
    path = desk.db.path
    desk.db.close()
    # What an older Daftar left in the file: the key in plain text.
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO setting (key, value) VALUES ('signing.private_key', ?)",
            (base64.b64encode(legacy.private_bytes_raw()).decode(),),
        )
    desk.db = act_as(open_database(path))
    try:
        desk.sync()
        published = {k["key_id"]: k for k in client.get("/keys.json").json()["keys"]}
        assert published[legacy_kid]["retired_at"] is not None
        other = desks("b", "ری")
        assert other.verify(old_payload)[0].valid
    finally:
        desk.db.close()


def test_a_refused_key_does_not_stop_the_sync(
    desks: Callable[..., Desk], client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import server.keys

    desk = desks("a", "شمیرانات")
    old = desk.key_id()
    monkeypatch.setattr(server.keys, "MAX_KEYS_PER_OFFICE", 1)
    with desk.db.session() as session:
        new = signing_keys.rotate_key(session)
    report = desk.sync()  # the new key is refused; the rest of the sync completes
    assert report.complete
    published = {k["key_id"]: k for k in client.get("/keys.json").json()["keys"]}
    assert new not in published and published[old]["retired_at"] is not None
    with desk.db.session() as session:
        assert session.get(SigningKey, new).server_state == ""  # type: ignore[union-attr]
    monkeypatch.setattr(server.keys, "MAX_KEYS_PER_OFFICE", 5)
    desk.sync()  # offered again, accepted
    assert new in {k["key_id"] for k in client.get("/keys.json").json()["keys"]}
