"""Tokens: new-token, revoke-token, list-tokens, expiry, last use, and the failure log.

Every test runs on SQLite, and on PostgreSQL when DAFTAR_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session

from common.protocol import PROTOCOL_VERSION
from server.app import create_app
from server.cli import TOKEN_COLUMNS, main
from server.db import SERVER_APPLICATION_ID, _alembic_config, make_engine, migrate
from server.models import TOKEN_ID_LENGTH, Office, OfficeToken, utcnow
from server.offices import as_utc, enrol_office, hash_token, issue_token
from tests.server_fixtures import ServerDatabase


def _handshake() -> dict[str, object]:
    return {
        "protocol": PROTOCOL_VERSION,
        "client_schema": "0002",
        "client_version": "0.1.0",
        "client_time": dt.datetime.now(dt.UTC).isoformat(),
    }


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    status = main(list(argv))
    return status, capsys.readouterr().out.strip().splitlines()


@pytest.fixture
def db(server_database: ServerDatabase) -> ServerDatabase:
    return server_database


def _add_office(
    capsys: pytest.CaptureFixture[str], db: ServerDatabase, *extra: str
) -> tuple[str, str]:
    status, lines = _run(
        capsys,
        "add-office",
        *db.cli_args,
        "--province",
        "تهران",
        "--county",
        "شمیرانات",
        "--name",
        "اداره شمیرانات",
        *extra,
    )
    assert status == 0
    return lines[0].removeprefix("office: "), lines[-1]


def _status(client: TestClient, token: str) -> tuple[int, dict[str, object]]:
    response = client.post(
        "/v1/handshake", json=_handshake(), headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code, response.json()


def _listing(
    capsys: pytest.CaptureFixture[str], db: ServerDatabase, office_id: str
) -> list[dict[str, str]]:
    status, lines = _run(capsys, "list-tokens", *db.cli_args, "--office", office_id)
    assert status == 0
    header = lines[0].split("\t")
    assert tuple(header) == TOKEN_COLUMNS
    return [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]


def test_new_token_revoke_token_and_list_tokens(
    db: ServerDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    office_id, first = _add_office(capsys, db)
    status, lines = _run(
        capsys, "new-token", *db.cli_args, "--office", office_id, "--label", "میز دوم"
    )
    assert status == 0
    second = lines[-1]
    assert second.startswith("dft_") and second != first
    second_id = hash_token(second)[:TOKEN_ID_LENGTH]
    assert f"token id: {second_id}" in lines
    assert "expires: never" in lines

    # The token printed last works against the API, like the office's first one.
    engine = db.open()
    try:
        with TestClient(create_app(engine)) as client:
            assert _status(client, second)[0] == 200
            assert _status(client, first)[0] == 200

            # Listed without secrets: ids, labels, dates, state.
            listed = _listing(capsys, db, office_id)
            assert [row["id"] for row in listed] == [hash_token(first)[:12], second_id]
            assert listed[1]["label"] == "میز دوم" and listed[0]["label"] == "-"
            assert {row["status"] for row in listed} == {"active"}
            assert all(row["revoked"] == "-" and row["expires"] == "never" for row in listed)
            assert all(row["last_used"].endswith("UTC") for row in listed)  # both just used
            _status_code, raw = _run(capsys, "list-tokens", *db.cli_args, "--office", office_id)
            text = "\n".join(raw)
            for secret in (first, second, hash_token(first), hash_token(second)):
                assert secret not in text

            # Revoking one token leaves the other working.
            status, lines = _run(capsys, "revoke-token", *db.cli_args, "--token", second_id)
            assert status == 0 and lines == [f"revoked token: {second_id} (office {office_id})"]
            code, body = _status(client, second)
            assert code == 401 and body["error"] == "unauthorized"
            assert _status(client, first)[0] == 200
            # Revoking again is harmless; ids are case-insensitive.
            assert main(["revoke-token", *db.cli_args, "--token", second_id.upper()]) == 0
            capsys.readouterr()
            listed = _listing(capsys, db, office_id)
            assert listed[1]["status"] == "revoked" and listed[1]["revoked"].endswith("UTC")
            assert listed[0]["status"] == "active"
    finally:
        engine.dispose()


def test_token_commands_refuse_what_does_not_exist(
    db: ServerDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    office_id, _token = _add_office(capsys, db)
    for argv in (
        ["new-token", *db.cli_args, "--office", "no-such-office"],
        ["list-tokens", *db.cli_args, "--office", "no-such-office"],
        ["revoke-token", *db.cli_args, "--token", "0" * TOKEN_ID_LENGTH],
        ["revoke-token", *db.cli_args, "--token", "dft_not-an-id"],
        ["revoke-token", *db.cli_args, "--token", "abc"],  # too short to name one token
        ["new-token", *db.cli_args, "--office", office_id, "--expires-in", "0"],
        ["add-office", *db.cli_args, "--province", "تهران", "--name", "x", "--expires-in", "-3"],
    ):
        assert main(argv) == 2, argv
        assert capsys.readouterr().out == ""
    # A revoked office gets no new token.
    assert main(["revoke-office", *db.cli_args, "--office", office_id]) == 0
    capsys.readouterr()
    assert main(["new-token", *db.cli_args, "--office", office_id]) == 2
    assert capsys.readouterr().out == ""


def test_an_expired_token_gets_401_with_a_persian_message(
    db: ServerDatabase, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    office_id, token = _add_office(capsys, db, "--expires-in", "30", "--label", "میز اول")
    status, lines = _run(
        capsys, "new-token", *db.cli_args, "--office", office_id, "--expires-in", "2"
    )
    assert status == 0
    short = lines[-1]
    expires = next(line for line in lines if line.startswith("expires: "))
    printed = dt.datetime.strptime(expires, "expires: %Y-%m-%d %H:%M UTC").replace(tzinfo=dt.UTC)
    assert abs(printed - (utcnow() + dt.timedelta(days=2))) < dt.timedelta(minutes=2)
    engine = db.open()
    try:
        with TestClient(create_app(engine)) as client:
            assert _status(client, short)[0] == 200
            # Three days later: the two-day token has expired, the 30-day one has not.
            later = utcnow() + dt.timedelta(days=3)
            monkeypatch.setattr("server.offices.utcnow", lambda: later)
            code, body = _status(client, short)
            assert code == 401
            assert body["error"] == "token_expired"
            assert "مدیر سامانه" in str(body["message"]) and "توکن تازه" in str(body["message"])
            assert "expired" in str(body["message_en"])
            assert _status(client, token)[0] == 200
            listed = _listing(capsys, db, office_id)
            assert [row["status"] for row in listed] == ["active", "expired"]
            assert listed[0]["label"] == "میز اول"
    finally:
        engine.dispose()


def test_last_use_is_written_at_most_once_a_minute(
    engine: Engine, enrol, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = enrol("تهران", "شمیرانات")
    writes: list[str] = []

    def last_used() -> dt.datetime | None:
        with Session(engine) as session:
            stored = session.execute(select(OfficeToken)).scalar_one()
            return as_utc(stored.last_used_at) if stored.last_used_at else None

    def count(_conn, _cursor, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE OFFICE_TOKEN"):
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    with TestClient(create_app(engine)) as client:
        assert last_used() is None
        for _ in range(20):
            assert _status(client, office.token)[0] == 200
        first = last_used()
        assert first is not None and abs((utcnow() - first).total_seconds()) < 60
        assert len(writes) == 1
        # Two minutes later the next request records the use again, once.
        later = utcnow() + dt.timedelta(minutes=2)
        monkeypatch.setattr("server.offices.utcnow", lambda: later)
        for _ in range(5):
            assert client.get("/v1/pull", headers=office.headers).status_code == 200
        assert len(writes) == 2
        assert last_used() == later
    event.remove(engine, "before_cursor_execute", count)


def test_failed_logins_are_logged_with_a_fingerprint_never_the_token(
    client: TestClient, engine: Engine, enrol, caplog: pytest.LogCaptureFixture, monkeypatch
) -> None:
    office = enrol("تهران", "شمیرانات")
    with Session(engine) as session, session.begin():
        owner = session.get(Office, office.office_id)
        assert owner is not None
        expiring = issue_token(session, owner, expires_at=utcnow() + dt.timedelta(hours=1))
        revoked = issue_token(session, owner)
    _revoke(engine, revoked)
    unknown = "dft_" + "A" * 43
    cases = {
        "missing": {},
        "malformed": {"Authorization": "Basic dXNlcjpwYXNz"},
        "unknown": {"Authorization": f"Bearer {unknown}"},
        "revoked": {"Authorization": f"Bearer {revoked}"},
    }
    caplog.set_level(logging.WARNING, logger="daftar.server.auth")
    for headers in cases.values():
        assert client.post("/v1/handshake", json=_handshake(), headers=headers).status_code == 401
    later = utcnow() + dt.timedelta(hours=2)
    monkeypatch.setattr("server.offices.utcnow", lambda: later)
    assert _status(client, expiring)[0] == 401

    lines = [r.getMessage() for r in caplog.records if r.name == "daftar.server.auth"]
    assert len(lines) == 5
    for reason, line in zip([*cases, "expired"], lines, strict=True):
        assert f"reason {reason}," in line and "client testclient" in line
    assert "token -," in lines[0]
    assert f"token {hash_token(unknown)[:12]}," in lines[2]
    assert f"token {hash_token(revoked)[:12]}," in lines[3]  # = the id list-tokens shows
    assert f"token {hash_token(expiring)[:12]}," in lines[4]
    everything = "\n".join(lines)
    for secret in (unknown, revoked, expiring, office.token, "dXNlcjpwYXNz"):
        assert secret not in everything


def _revoke(engine: Engine, token: str) -> None:
    from server.offices import revoke_token

    with Session(engine) as session, session.begin():
        revoke_token(session, hash_token(token)[:12])


def test_tokens_of_an_older_database_keep_working(
    server_database: ServerDatabase, reference
) -> None:
    """A database at revision 0004 (before labels and expiry) is migrated; its tokens
    carry on, without label or expiry."""
    from alembic import command

    engine = make_engine(server_database.url)
    try:
        config = _alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0004")
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql(f"PRAGMA application_id = {SERVER_APPLICATION_ID}")
        with engine.begin() as conn:
            now = utcnow()
            conn.execute(
                text(
                    "INSERT INTO office (id, name, province_code, province_name, county_code, "
                    "county_name, created_at) VALUES ('o1', 'اداره', '23', 'تهران', '2301', "
                    "'تهران', :now)"
                ),
                {"now": now},
            )
            conn.execute(
                text(
                    "INSERT INTO office_token (token_hash, office_id, created_at) "
                    "VALUES (:digest, 'o1', :now)"
                ),
                {"digest": hash_token("dft_old"), "now": now},
            )
        migrate(engine)
        with TestClient(create_app(engine)) as client:
            assert _status(client, "dft_old")[0] == 200
        with Session(engine) as session:
            stored = session.execute(select(OfficeToken)).scalar_one()
            assert stored.label is None and stored.expires_at is None
            assert stored.last_used_at is not None
            # And new tokens go on being issued next to it.
            office, token = enrol_office(
                session, name="دوم", province="تهران", county="ری", reference=reference
            )
            session.commit()
            assert token.startswith("dft_") and office.id
    finally:
        engine.dispose()


def test_new_token_recovery_is_announced_by_the_handshake(
    db: ServerDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    """``new-token --recovery`` makes a token whose handshake says it may create a head
    (server.policy); an ordinary token's does not."""
    office_id, first = _add_office(capsys, db)
    status, lines = _run(capsys, "new-token", *db.cli_args, "--office", office_id, "--recovery")
    assert status == 0
    recovery = lines[-1]
    assert any(line.startswith("recovery: ") for line in lines)
    engine = db.open()
    try:
        with Session(engine) as session:
            stored = session.get(OfficeToken, hash_token(recovery))
            assert stored is not None and stored.recovers
            assert not session.get(OfficeToken, hash_token(first)).recovers  # type: ignore[union-attr]
        with TestClient(create_app(engine)) as client:
            code, answer = _status(client, recovery)
            assert code == 200 and answer["recovery"] is True
            assert answer["has_accounts"] is False
            assert _status(client, first)[1]["recovery"] is False
    finally:
        engine.dispose()
