"""daftar-server add-office / revoke-office, and the server database's checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from server.cli import main
from server.db import (
    HEAD_REVISION,
    ServerDatabaseError,
    backup_sqlite,
    current_revision,
    make_engine,
    migrate,
    open_database,
    resolve_url,
)
from server.models import Office, OfficeToken
from server.offices import authenticate, hash_token
from tests.server_fixtures import ServerDatabase


def _add(
    capsys: pytest.CaptureFixture[str], db: ServerDatabase, *args: str
) -> tuple[int, list[str]]:
    status = main(["add-office", *db.cli_args, *args])
    return status, capsys.readouterr().out.strip().splitlines()


def test_add_county_office_prints_the_token_last(
    server_database: ServerDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    db = server_database
    # Arabic ي and ك, extra spaces: names are normalised before matching.
    status, lines = _add(
        capsys, db, "--province", " تهران ", "--county", "شميرانات", "--name", "اداره  شمیرانات"
    )
    assert status == 0
    token = lines[-1]
    assert len(token) >= 43 and " " not in token
    engine = db.open()
    try:
        with Session(engine) as session:
            office = session.execute(select(Office)).scalar_one()
            assert office.name == "اداره شمیرانات"
            assert office.province_name == "تهران"
            assert office.county_name == "شمیرانات"
            stored = session.execute(select(OfficeToken)).scalar_one()
            # Only the hash is stored.
            assert stored.token_hash == hash_token(token) != token
            assert authenticate(session, token) is not None
            assert f"office: {office.id}" in lines
    finally:
        engine.dispose()


def test_add_province_office(
    server_database: ServerDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    db = server_database
    status, _lines = _add(capsys, db, "--province", "اصفهان", "--name", "اداره کل اصفهان")
    assert status == 0
    engine = db.open()
    try:
        with Session(engine) as session:
            office = session.execute(select(Office)).scalar_one()
            assert office.county_code is None and office.is_province_office
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("province", "county"),
    [("آتلانتیس", None), ("تهران", "اصفهان"), ("تهران", "شهرستان ناموجود")],
)
def test_unknown_places_are_refused(
    server_database: ServerDatabase,
    capsys: pytest.CaptureFixture[str],
    province: str,
    county: str | None,
) -> None:
    args = ["--province", province, "--name", "اداره"]
    if county is not None:
        args += ["--county", county]
    status, lines = _add(capsys, server_database, *args)
    assert status == 2
    assert lines == []


def test_revoke_office(server_database: ServerDatabase, capsys: pytest.CaptureFixture[str]) -> None:
    db = server_database
    _status, lines = _add(capsys, db, "--province", "تهران", "--county", "ری", "--name", "ری")
    token = lines[-1]
    office_id = lines[0].removeprefix("office: ")
    assert main(["revoke-office", *db.cli_args, "--office", office_id]) == 0
    assert capsys.readouterr().out.strip() == f"revoked: {office_id}"
    # Revoking again is harmless.
    assert main(["revoke-office", *db.cli_args, "--office", office_id]) == 0
    capsys.readouterr()
    engine = db.open()
    try:
        with Session(engine) as session:
            assert authenticate(session, token) is None
            assert session.execute(select(OfficeToken.revoked_at)).scalar_one() is not None
    finally:
        engine.dispose()
    assert main(["revoke-office", *db.cli_args, "--office", "no-such-office"]) == 2


def test_database_is_migrated_and_marked(tmp_path: Path) -> None:
    engine = open_database(tmp_path / "server.sqlite3")
    try:
        assert current_revision(engine) == HEAD_REVISION
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        backup = backup_sqlite(engine, HEAD_REVISION)
        assert backup is not None and backup.exists() and backup.parent.name == "backups"
    finally:
        engine.dispose()
    # Opening again needs no migration and keeps the data.
    open_database(tmp_path / "server.sqlite3").dispose()


def test_foreign_files_and_newer_databases_are_refused(tmp_path: Path) -> None:
    text_file = tmp_path / "notes.txt"
    text_file.write_text("hello")
    with pytest.raises(ServerDatabaseError):
        open_database(text_file)

    # A client (office) database is not a server database.
    from app.services.core.db import open_database as open_client_database

    client = open_client_database(tmp_path / "office.sqlite3")
    client.close()
    with pytest.raises(ServerDatabaseError):
        open_database(tmp_path / "office.sqlite3")

    newer = tmp_path / "newer.sqlite3"
    engine = open_database(newer)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(ServerDatabaseError, match="newer"):
        open_database(newer)


def test_newer_and_foreign_databases_are_refused(server_database: ServerDatabase) -> None:
    engine = server_database.open()
    try:
        assert current_revision(engine) == HEAD_REVISION
        # Opening it again migrates nothing.
        assert migrate(engine) is None
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        engine.dispose()
    with pytest.raises(ServerDatabaseError, match="newer"):
        server_database.open()

    # Tables, but not ours: refused and left alone.
    foreign = make_engine(server_database.url)
    try:
        with foreign.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
            conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))
        with pytest.raises(ServerDatabaseError, match="not a Daftar server database"):
            server_database.open()
        with foreign.connect() as conn:
            assert "notes" in inspect(conn).get_table_names()
    finally:
        foreign.dispose()


def test_resolve_url() -> None:
    assert resolve_url(None, "postgresql+psycopg://x/y", {}) == "postgresql+psycopg://x/y"
    assert resolve_url(None, None, {"DATABASE_URL": "postgresql://a/b"}) == "postgresql://a/b"
    assert resolve_url("/tmp/s.db", None, {"DATABASE_URL": "postgresql://a/b"}).startswith(
        "sqlite:///"
    )
    with pytest.raises(ServerDatabaseError):
        resolve_url(None, None, {})


def test_serve_options_reach_uvicorn(
    server_db_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """--docs, --ssl-keyfile/--ssl-certfile and --forwarded-allow-ips; by default the
    client address is the socket peer (no proxy headers) and /docs is off."""
    import uvicorn
    from fastapi.testclient import TestClient

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(
        uvicorn, "run", lambda app, **options: calls.append({"app": app, **options})
    )
    assert main(["serve", "--db", str(server_db_path), "--port", "8123"]) == 0
    plain = calls.pop()
    assert plain["proxy_headers"] is False and plain["forwarded_allow_ips"] is None
    assert plain["ssl_keyfile"] is None and plain["ssl_certfile"] is None
    assert plain["port"] == 8123 and plain["host"] == "127.0.0.1"
    with TestClient(plain["app"]) as client:  # type: ignore[arg-type]
        assert client.get("/docs").status_code == 404

    key, cert = tmp_path / "server.key", tmp_path / "server.pem"
    argv = ["serve", "--db", str(server_db_path), "--docs", "--forwarded-allow-ips", "127.0.0.1",
            "--ssl-keyfile", str(key), "--ssl-certfile", str(cert)]  # fmt: skip
    assert main(argv) == 0
    hardened = calls.pop()
    assert hardened["proxy_headers"] is True
    assert hardened["forwarded_allow_ips"] == "127.0.0.1"
    assert hardened["ssl_keyfile"] == str(key) and hardened["ssl_certfile"] == str(cert)
    with TestClient(hardened["app"]) as client:  # type: ignore[arg-type]
        assert client.get("/docs").status_code == 200

    # A key without its certificate is refused before serving.
    assert main(["serve", "--db", str(server_db_path), "--ssl-keyfile", str(key)]) == 2
    assert calls == []


def test_serve_workers_need_postgresql(
    server_db_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import uvicorn

    calls: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(app))
    assert main(["serve", "--db", str(server_db_path), "--workers", "2"]) == 2
    assert calls == [] and not server_db_path.exists()  # refused before opening it
    assert "--workers > 1 needs PostgreSQL" in caplog.text


def test_serve_sizes_the_pool_and_admission_together(
    server_database: ServerDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--db-connections N: N requests work on the database at once, on a pool of N;
    --workers N on PostgreSQL hands uvicorn the worker factory and the settings."""
    import json
    import os

    import uvicorn
    from fastapi import FastAPI

    from server.serve import WORKER_SETTINGS, worker_app

    calls: list[tuple[object, dict[str, object]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append((app, options)))
    monkeypatch.delenv(WORKER_SETTINGS, raising=False)
    db = server_database.cli_args
    assert main(["serve", *db, "--db-connections", "7", "--db-wait", "3"]) == 0
    app, _options = calls.pop()
    assert isinstance(app, FastAPI)
    assert (app.state.admission.slots, app.state.admission.wait) == (7, 3.0)
    engine = app.state.session_factory.kw["bind"]
    assert engine.pool.size() == 7
    engine.dispose()
    if server_database.backend == "sqlite":
        return
    assert main(["serve", *db, "--workers", "3", "--db-connections", "4"]) == 0
    target, options = calls.pop()
    assert target == "server.serve:worker_app"
    assert options["workers"] == 3 and options["factory"] is True
    settings = json.loads(os.environ[WORKER_SETTINGS])
    assert settings["url"] == server_database.url and settings["db_connections"] == 4
    worker = worker_app()  # what each worker process builds
    assert worker.state.admission.slots == 4
    worker.state.session_factory.kw["bind"].dispose()
