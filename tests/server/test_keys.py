"""The server's signing keys: registration with a proof of possession, the published set
(for offices and for anyone), retirement, revocation, the CLI."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from common.key_set import parse_key_set, read_key_file, registration_message
from common.signing import key_id_for, public_key_text
from server.cli import main as server_main
from server.keys import current_keys_version
from server.models import SigningKey
from tests.server_fixtures import Enrolled, ServerDatabase


def registration(private: Ed25519PrivateKey, office_id: str, **extra: Any) -> dict[str, Any]:
    kid = key_id_for(private.public_key())
    proof = private.sign(registration_message(office_id, kid))
    return {
        "key_id": kid,  # the path's (the server ignores it in the body)
        "public_key": public_key_text(private),
        "proof": base64.b64encode(proof).decode(),
        "valid_from": "2026-08-01T09:00:00+00:00",
        **extra,
    }


def put(client: TestClient, body: dict[str, Any], office: Enrolled) -> Any:
    return client.put(f"/v1/keys/{body['key_id']}", json=body, headers=office.headers)


def handshake(client: TestClient, office: Enrolled) -> dict[str, Any]:
    answer = client.post(
        "/v1/handshake",
        json={
            "protocol": 1,
            "client_schema": "0005",
            "client_version": "test",
            "client_time": dt.datetime.now(dt.UTC).isoformat(),
        },
        headers=office.headers,
    )
    assert answer.status_code == 200
    return dict(answer.json())


def test_a_registered_key_is_published_to_offices_and_to_anyone(
    client: TestClient, county_office: Enrolled, enrol: Callable[..., Enrolled]
) -> None:
    other = enrol("تهران", "ری", "اداره ری")
    empty = handshake(client, other)["keys_version"]
    private = Ed25519PrivateKey.generate()
    body = registration(private, county_office.office_id)
    answer = put(client, body, county_office)
    assert answer.status_code == 200, answer.text
    key = answer.json()
    assert key["office_name"] == "اداره کار شمیرانات" and key["county_name"] == "شمیرانات"
    assert key["retired_at"] is None and key["revoked_at"] is None
    # Again: idempotent.
    assert put(client, body, county_office).status_code == 200
    version = handshake(client, other)["keys_version"]
    assert version != empty
    for path, headers in (("/v1/keys", other.headers), ("/keys.json", {})):
        document = client.get(path, headers=headers).json()
        assert document["keys_version"] == version
        [published] = parse_key_set(document)
        assert published.key_id == body["key_id"] and published.office_id == county_office.office_id
    assert client.get("/v1/keys").status_code == 401  # the office endpoint needs a token
    public = client.get("/keys.json")
    assert public.headers["content-type"].startswith("application/json")


def test_no_key_without_the_proof_of_possession(
    client: TestClient, county_office: Enrolled, enrol: Callable[..., Enrolled]
) -> None:
    other = enrol("تهران", "ری", "اداره ری")
    private = Ed25519PrivateKey.generate()
    body = registration(private, county_office.office_id)
    # Another office replays the proof: it names the first office, so it fails.
    stolen = put(client, body, other)
    assert stolen.status_code == 403 and stolen.json()["error"] == "bad_proof"
    assert "اثبات مالکیت" in stolen.json()["message"]
    # A key id that is not the key's, a proof by another key, garbage.
    impostor = Ed25519PrivateKey.generate()
    for changed in (
        {**body, "key_id": key_id_for(impostor.public_key())},
        {**body, "public_key": public_key_text(impostor)},
        {**body, "proof": base64.b64encode(b"x" * 64).decode()},
        {**body, "proof": "not base64!"},
        {**body, "public_key": "AAAA"},
    ):
        answer = put(client, changed, county_office)
        assert answer.status_code in (403, 422), changed
    assert client.get("/keys.json").json()["keys"] == []
    # Registered once, the key can't change hands even with a valid proof for another
    # office (the two offices would have to share the private key).
    assert put(client, body, county_office).status_code == 200
    shared = put(client, registration(private, other.office_id), other)
    assert shared.status_code == 409 and shared.json()["error"] == "key_taken"


def test_an_office_cannot_flood_the_key_set(
    client: TestClient, county_office: Enrolled, monkeypatch: Any
) -> None:
    import server.keys

    monkeypatch.setattr(server.keys, "MAX_KEYS_PER_OFFICE", 2)
    for _ in range(2):
        body = registration(Ed25519PrivateKey.generate(), county_office.office_id)
        assert put(client, body, county_office).status_code == 200
    assert put(client, body, county_office).status_code == 200  # a known key: still fine
    third = put(
        client, registration(Ed25519PrivateKey.generate(), county_office.office_id), county_office
    )
    assert third.status_code == 409 and third.json()["error"] == "too_many_keys"


def test_retirement_moves_only_earlier_and_stays_in_the_past(
    client: TestClient, county_office: Enrolled, enrol: Callable[..., Enrolled]
) -> None:
    private = Ed25519PrivateKey.generate()
    kid = key_id_for(private.public_key())
    headers = county_office.headers
    put(client, registration(private, county_office.office_id), county_office)
    later = put(
        client,
        registration(private, county_office.office_id, retired_at="2026-09-01T00:00:00+00:00"),
        county_office,
    ).json()
    assert later["retired_at"].startswith("2026-09-01")
    earlier = client.post(
        f"/v1/keys/{kid}/retire", json={"retired_at": "2026-08-15T00:00:00+00:00"}, headers=headers
    ).json()
    assert earlier["retired_at"].startswith("2026-08-15")
    again = client.post(
        f"/v1/keys/{kid}/retire", json={"retired_at": "2026-08-20T00:00:00+00:00"}, headers=headers
    ).json()
    assert again["retired_at"].startswith("2026-08-15")  # never later
    # Not the office's key: 404; a future time is clamped to now.
    other = enrol("تهران", "ری", "اداره ری")
    assert client.post(f"/v1/keys/{kid}/retire", json={}, headers=other.headers).status_code == 404
    fresh = Ed25519PrivateKey.generate()
    put(client, registration(fresh, county_office.office_id), county_office)
    future = client.post(
        f"/v1/keys/{key_id_for(fresh.public_key())}/retire",
        json={"retired_at": "2099-01-01T00:00:00+00:00"},
        headers=headers,
    ).json()
    assert dt.datetime.fromisoformat(future["retired_at"]) <= dt.datetime.now(dt.UTC)


def test_cli_writes_the_key_file_and_revokes_keys(
    client: TestClient,
    county_office: Enrolled,
    engine: Engine,
    server_database: ServerDatabase,
    tmp_path: Path,
    capsys: Any,
) -> None:
    private = Ed25519PrivateKey.generate()
    kid = key_id_for(private.public_key())
    assert put(client, registration(private, county_office.office_id), county_office).is_success
    out = tmp_path / "keys.json"
    args = server_database.cli_args
    assert server_main(["keys", *args, "--out", str(out)]) == 0
    keys = read_key_file(out.read_bytes())
    assert set(keys) == {kid} and keys[kid].revoked_at is None
    assert "1 key(s)" in capsys.readouterr().out
    with Session(engine) as session:
        before = current_keys_version(session)
    assert (
        server_main(
            [
                "revoke-key",
                *args,
                "--key",
                kid,
                "--from",
                "2026-12-01T08:00:00+03:30",
                "--reason",
                "رایانه اداره دزدیده شد",
            ]
        )
        == 0
    )
    assert f"revoked: {kid}" in capsys.readouterr().out
    with Session(engine) as session:
        row = session.get(SigningKey, kid)
        assert row is not None and row.revoked_reason == "رایانه اداره دزدیده شد"
        assert current_keys_version(session) != before
    document = client.get("/keys.json").json()
    assert document["keys"][0]["revoked_at"].startswith("2026-12-01T04:30")
    # Revoking again may only move the time earlier.
    assert server_main(["revoke-key", *args, "--key", kid, "--from", "2027-01-01T00:00"]) == 0
    assert client.get("/keys.json").json()["keys"][0]["revoked_at"].startswith("2026-12-01")
    assert server_main(["revoke-key", *args, "--key", "0" * 16]) == 2
    assert server_main(["revoke-key", *args, "--key", kid, "--from", "yesterday"]) == 2
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["format"] == "daftar-keys"
