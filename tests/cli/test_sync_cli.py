"""``daftar setup`` / ``daftar sync`` and the transport rules: plain HTTP only to this
computer unless ``--insecure`` (remembered per database), an expired token's message.

The CLI runs in process against the real server app: only the socket is replaced (the
HTTP client the transport would open reaches the app in process), so the addresses can
be other computers' without a network.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.cli import main
from common.text import strip_bidi_controls
from server.app import create_app
from server.db import open_database as open_server_database
from server.models import Office
from server.offices import enrol_office, issue_token
from tests.accounts_support import with_head_account

LAN = "http://203.0.113.7:8000"


@dataclass
class Server:
    engine: Engine
    #: The host of every request the client sent.
    hosts: list[str] = field(default_factory=list)


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    engine = open_server_database(tmp_path / "server.sqlite3")
    app = create_app(engine)
    running = Server(engine)

    def http_client(_timeout: float, _verify: Any) -> TestClient:
        client = TestClient(app)
        client.event_hooks["request"].append(lambda request: running.hosts.append(request.url.host))
        return client

    monkeypatch.setattr("app.services.sync.security.http_client", http_client)
    yield running
    engine.dispose()


def _token(server: Server, expires_at: dt.datetime | None = None) -> str:
    with Session(server.engine) as session, session.begin():
        office = session.query(Office).one_or_none()
        if office is None:
            office, token = enrol_office(
                session, name="اداره شمیرانات", province="تهران", county="شمیرانات"
            )
            if expires_at is None:
                return token
        return issue_token(session, office, expires_at=expires_at)


def _run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    status = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return status, captured.out, strip_bidi_controls(captured.err)


def test_plain_http_to_another_computer_needs_insecure(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = _token(server)
    office = tmp_path / "office.sqlite3"
    status, _out, err = _run(capsys, "setup", "--db", office, "--server", LAN, "--token", token)
    assert status == 1
    assert "رمزگذاری نمی‌شود" in err and "--insecure" in err
    assert not office.exists()  # nothing half-made
    assert server.hosts == []  # refused before anything was sent

    status, out, err = _run(
        capsys, "setup", "--db", office, "--server", LAN, "--token", token, "--insecure"
    )
    assert status == 0, err
    assert out.strip().splitlines()[-1].startswith("pushed 0, pulled ")
    assert set(server.hosts) == {"203.0.113.7"}

    # The choice is the database's: later syncs (and the GUI's) need no flag.
    status, out, err = _run(capsys, "sync", "--db", office)
    assert status == 0, err
    assert out.strip().startswith("pushed 0, pulled 0")
    # ... for that server only.
    status, _out, err = _run(capsys, "sync", "--db", office, "--server", "http://203.0.113.8")
    assert status == 1 and "رمزگذاری نمی‌شود" in err


def test_sync_insecure_allows_and_keeps_an_address(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = _token(server)
    office = tmp_path / "office.sqlite3"
    # Set up over loopback (no flag needed), then the server moves to a LAN address.
    status, _out, err = _run(
        capsys, "setup", "--db", office, "--server", "http://127.0.0.1:8000", "--token", token
    )
    assert status == 0, err
    status, _out, err = _run(capsys, "sync", "--db", office, "--server", LAN)
    assert status == 1 and "--insecure" in err
    status, _out, err = _run(capsys, "sync", "--db", office, "--server", LAN, "--insecure")
    assert status == 0, err
    from app.services.core.db import open_database
    from app.services.sync.settings import load_settings

    db = with_head_account(open_database(office, create=False))
    try:
        with db.session() as session:
            assert load_settings(session).server_url == LAN
    finally:
        db.close()
    status, _out, err = _run(capsys, "sync", "--db", office)
    assert status == 0, err
    assert server.hosts[-1] == "203.0.113.7"


def test_an_expired_token_is_explained(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    _token(server)
    token = _token(server, expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    office = tmp_path / "office.sqlite3"
    url = "http://localhost:8000"
    status, _out, err = _run(capsys, "setup", "--db", office, "--server", url, "--token", token)
    assert status == 0, err
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    monkeypatch.setattr("server.offices.utcnow", lambda: later)
    status, _out, err = _run(capsys, "sync", "--db", office)
    assert status == 1
    assert "مدت اعتبار توکن" in err and "توکن تازه" in err


def test_a_bad_ca_file_is_refused(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = _token(server)
    office = tmp_path / "office.sqlite3"
    status, _out, err = _run(
        capsys,
        "setup",
        "--db",
        office,
        "--server",
        "https://localhost:8443",
        "--token",
        token,
        "--ca-file",
        tmp_path / "missing.pem",
    )
    assert status == 1 and "گواهی ریشه" in err
    assert not office.exists()
