"""Opening databases: creation, migrations with backup, and files that must be refused."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.models import Base
from app.services.core import db as dbmod
from app.services.core.db import (
    HEAD_REVISION,
    CorruptDatabase,
    LockedDatabase,
    NewerDatabase,
    NotADaftarDatabase,
    ReadOnlyDatabase,
    open_database,
)
from tests.accounts_support import act_as


def test_head_revision_matches_the_migrations() -> None:
    config = Config()
    config.set_main_option("script_location", str(dbmod.MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION


def test_migrations_create_exactly_the_models(tmp_db_path: Path) -> None:
    database = act_as(open_database(tmp_db_path))
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    database.close()
    # The FTS5 index and its shadow tables are made by raw SQL, not by the models.
    diff = [d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith("licence_fts"))]
    assert diff == []


def test_new_database_is_marked_and_reopens(tmp_db_path: Path) -> None:
    open_database(tmp_db_path).close()
    with sqlite3.connect(tmp_db_path) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == dbmod.APPLICATION_ID
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        fts = conn.execute("SELECT name FROM sqlite_master WHERE name = 'licence_fts'")
        assert fts.fetchone() is not None
    database = act_as(open_database(tmp_db_path))
    assert database.backup_path is None  # nothing to migrate, no backup
    database.close()


def test_older_database_is_backed_up_then_migrated(tmp_db_path: Path) -> None:
    open_database(tmp_db_path).close()
    # Pretend the file is at an older revision that a later migration would upgrade.
    with sqlite3.connect(tmp_db_path) as conn:
        conn.execute("DROP TABLE licence_fts")
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT IN ('alembic_version') AND name NOT LIKE 'sqlite_%'"
            )
        ]
        assert "supporter" in tables and "licence" in tables
        for table in tables:
            conn.execute(f"DROP TABLE {table}")
        conn.execute("DELETE FROM alembic_version")
    # An empty alembic_version means "base": the upgrade recreates everything.
    database = act_as(open_database(tmp_db_path))
    try:
        assert database.backup_path is not None and database.backup_path.exists()
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == (
                HEAD_REVISION
            )
    finally:
        database.close()


def test_newer_database_is_refused_untouched(tmp_db_path: Path) -> None:
    open_database(tmp_db_path).close()
    with sqlite3.connect(tmp_db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    before = tmp_db_path.read_bytes()
    with pytest.raises(NewerDatabase) as info:
        act_as(open_database(tmp_db_path))
    assert "جدیدتر" in info.value.message
    assert tmp_db_path.read_bytes() == before


def test_foreign_sqlite_file_is_refused(tmp_db_path: Path) -> None:
    with sqlite3.connect(tmp_db_path) as conn:
        conn.execute("CREATE TABLE notes (x TEXT)")
    with pytest.raises(NotADaftarDatabase):
        act_as(open_database(tmp_db_path))


def test_non_sqlite_file_is_refused(tmp_db_path: Path) -> None:
    tmp_db_path.write_text("hello, this is not a database" * 10)
    with pytest.raises(NotADaftarDatabase) as info:
        act_as(open_database(tmp_db_path))
    assert "دفتر نیست" in info.value.message


def test_corrupt_file_is_reported(tmp_db_path: Path) -> None:
    open_database(tmp_db_path).close()
    data = bytearray(tmp_db_path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # garble the schema page, keep the header
    tmp_db_path.write_bytes(bytes(data))
    with pytest.raises((CorruptDatabase, NotADaftarDatabase)):
        act_as(open_database(tmp_db_path))


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_file_is_refused(tmp_db_path: Path) -> None:
    open_database(tmp_db_path).close()
    tmp_db_path.chmod(0o444)
    with pytest.raises(ReadOnlyDatabase):
        act_as(open_database(tmp_db_path))


def test_read_only_check_uses_access(tmp_db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    open_database(tmp_db_path).close()
    monkeypatch.setattr(dbmod.os, "access", lambda _path, _mode: False)
    with pytest.raises(ReadOnlyDatabase) as info:
        act_as(open_database(tmp_db_path))
    assert "فقط‌خواندنی" in info.value.message


def test_locked_database_is_reported(tmp_db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    open_database(tmp_db_path).close()
    holder = sqlite3.connect(tmp_db_path, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(dbmod, "_on_connect", _fast_busy(dbmod._on_connect))
    try:
        with pytest.raises(LockedDatabase) as info:
            act_as(open_database(tmp_db_path))
        assert "قفل" in info.value.message
    finally:
        holder.rollback()
        holder.close()


def _fast_busy(original):  # type: ignore[no-untyped-def]
    def on_connect(dbapi_connection, record):  # type: ignore[no-untyped-def]
        original(dbapi_connection, record)
        dbapi_connection.execute("PRAGMA busy_timeout = 50")

    return on_connect


def _all_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, in a stable order."""
    import sqlite3

    with sqlite3.connect(path) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            t: sorted(map(tuple, conn.execute(f'SELECT * FROM "{t}"')), key=repr) for t in tables
        }


def test_backup_is_a_consistent_copy(tmp_db_path: Path, tmp_path: Path) -> None:
    from tests.services.conftest import issue_test_licence, setup_tehran_office

    database = act_as(open_database(tmp_db_path))
    setup_tehran_office(database)
    issue_test_licence(database)
    issue_test_licence(database, "4032152314", first_name="علی")
    target = database.backup(tmp_path / "copies" / "b.sqlite3")
    live = _all_rows(tmp_db_path)
    database.close()
    copy = act_as(open_database(target))
    copy.close()
    # The copy opens as a Daftar database and holds every row of every table.
    assert _all_rows(target) == live
    assert len(live["licence"]) == 2 and len(live["person"]) == 2 and live["outbox"]


def _database_at_0001(path: Path, revision: str = "0001") -> dbmod.Database:
    """A database made by the first release: migrations run only to 0001 (or
    ``revision``)."""
    from alembic import command
    from sqlalchemy.orm import sessionmaker

    engine = dbmod.make_engine(path)
    config = Config()
    config.set_main_option("script_location", str(dbmod.MIGRATIONS_DIR))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        conn.exec_driver_sql(f"PRAGMA application_id = {dbmod.APPLICATION_ID}")
    return act_as(dbmod.Database(path, engine, sessionmaker(engine, expire_on_commit=False)))


def test_database_at_0001_is_backed_up_and_upgraded_keeping_its_data(tmp_db_path: Path) -> None:
    from app.services.licences.service import LicenceService
    from tests.services.conftest import issue_test_licence, setup_tehran_office

    old = _database_at_0001(tmp_db_path)
    setup_tehran_office(old, legacy_key=True)
    number = issue_test_licence(old).number
    with old.engine.connect() as conn:
        outbox_before = conn.exec_driver_sql(
            "SELECT op_id, table_name, row_id, op, changes, state FROM outbox ORDER BY seq"
        ).all()
        tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
        assert "certificate_issue" not in tables
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0001"
    old.close()

    database = act_as(open_database(tmp_db_path))
    try:
        assert database.backup_path is not None and database.backup_path.exists()
        assert "before-0001" in database.backup_path.name
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == (
                HEAD_REVISION
            )
            assert conn.exec_driver_sql("SELECT count(*) FROM certificate_issue").scalar() == 0
            assert conn.exec_driver_sql("SELECT count(*) FROM licence").scalar() == 1
            # The outbox survives the upgrade operation for operation (sync pushes it).
            outbox_after = conn.exec_driver_sql(
                "SELECT op_id, table_name, row_id, op, changes, state FROM outbox ORDER BY seq"
            ).all()
            assert outbox_after == outbox_before and len(outbox_after) > 0
            # The search index survived the migration.
            hits = conn.exec_driver_sql(
                "SELECT count(*) FROM licence_fts WHERE licence_fts MATCH '\"کریمی\"*'"
            ).scalar()
            assert hits == 1
        with database.session() as session:
            assert LicenceService(session).get_by_number(number).holder.last_name == "کریمی"
    finally:
        database.close()
    # The backup is the untouched 0001 database.
    with sqlite3.connect(database.backup_path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
        assert conn.execute("SELECT count(*) FROM licence").fetchone()[0] == 1


def test_database_at_0003_keeps_its_certificates_through_0004(tmp_db_path: Path) -> None:
    """0004 rebuilds certificate_issue (a new column with a foreign key): every row and
    the foreign keys survive."""
    from tests.services.conftest import issue_test_licence, setup_tehran_office

    old = _database_at_0001(tmp_db_path, "0003")
    setup_tehran_office(old, legacy_key=True)
    licence = issue_test_licence(old)
    with old.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO certificate_issue (id, rev, updated_at, origin_office, deleted, "
            "licence_id, serial, issued_at, actor, duplicate, payload, kind) VALUES "
            "('c1', 1, '2026-11-28 05:00:00', 'o', 0, ?, '0612-C-000001', "
            "'2026-11-28 05:00:00', 'clerk', 0, 'DFT1.x', 'licence')",
            (licence.id,),
        )
    old.close()
    database = act_as(open_database(tmp_db_path))
    try:
        assert database.backup_path is not None and "before-0003" in database.backup_path.name
        with database.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT id, licence_id, serial, participant_id FROM certificate_issue"
            ).all()
            assert rows == [("c1", licence.id, "0612-C-000001", None)]
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            for table in ("supporter", "network_member", "event", "closure_day"):
                assert conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() == 0
    finally:
        database.close()


def test_accounts_of_a_database_at_0011_are_queued_for_the_office_heads_first(
    tmp_db_path: Path,
) -> None:
    """0014 makes ``account`` a synced table: the accounts a desk already had are queued
    as inserts, heads first, as made by its head (the server takes the office's first head
    from its token and the others from that head: server.policy)."""
    import json

    from app.services.accounts.passwords import hash_password

    old = _database_at_0001(tmp_db_path, "0011")
    digest = hash_password("head-password-1")
    with old.engine.begin() as conn:
        for row_id, name, role, created in (
            ("a2", "sara", "clerk", "2026-12-01 08:00:00"),
            ("a1", "boss", "head", "2026-12-02 08:00:00"),
        ):
            conn.exec_driver_sql(
                "INSERT INTO account (id, username, display_name, role, password_hash, "
                "disabled, failed_attempts, locked_until, last_sign_in, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, 0, 3, NULL, NULL, ?, ?)",
                (row_id, name, name.title(), role, digest, created, created),
            )
        desk = conn.exec_driver_sql("SELECT value FROM setting WHERE key = 'desk.id'").scalar()
    old.close()
    database = open_database(tmp_db_path)
    try:
        with database.engine.connect() as conn:
            queued = conn.exec_driver_sql(
                "SELECT row_id, op, changes, account_id, actor, desk_id, state FROM outbox "
                "WHERE table_name = 'account' ORDER BY seq"
            ).all()
            columns = conn.exec_driver_sql(
                "SELECT rev, deleted, server_seq, failed_attempts FROM account ORDER BY id"
            ).all()
    finally:
        database.close()
    assert [row[0] for row in queued] == ["a1", "a2"]  # the head first
    assert {(row[1], row[3], row[4], row[5], row[6]) for row in queued} == {
        ("insert", "a1", "Boss", desk, "pending")
    }
    changes = json.loads(queued[1][2])
    assert changes["username"] == [None, "sara"] and changes["password_hash"] == [None, digest]
    assert "failed_attempts" not in changes and "last_sign_in" not in changes
    assert columns == [(1, 0, None, 3), (1, 0, None, 3)]


def test_a_database_at_0014_keeps_its_participants_through_0016(tmp_db_path: Path) -> None:
    """0016 adds the market tables and a bazaar seller's booth and sales to
    ``event_participant`` (rebuilt by batch mode): the participants and their outbox stay,
    with no booth and no sales reported; the old database is the backup."""
    from tests.services.conftest import setup_tehran_office
    from tests.services.events.event_support import NID_A, create

    old = _database_at_0001(tmp_db_path, "0014")
    setup_tehran_office(old, legacy_key=True)
    event = create(old, kind="بازارچه فصلی")
    with old.engine.begin() as conn:  # the 0014 schema: no booth, no sales
        conn.exec_driver_sql(
            "INSERT INTO event_participant (id, rev, updated_at, origin_office, deleted, "
            "event_id, national_id, first_name, last_name, mobile, status, registered_at) "
            "VALUES ('p1', 1, '2026-12-01 08:00:00', 'o', 0, ?, ?, 'نرگس', 'جعفری', '', "
            "'registered', '2026-12-01 08:00:00')",
            (event.id, NID_A),
        )
    with old.engine.connect() as conn:
        outbox_before = conn.exec_driver_sql("SELECT op_id, changes FROM outbox").all()
    old.close()
    database = act_as(open_database(tmp_db_path))
    try:
        assert database.backup_path is not None and "before-0014" in database.backup_path.name
        with database.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT national_id, booth, sales FROM event_participant"
            ).all()
            assert rows == [(NID_A, "", None)]
            assert conn.exec_driver_sql("SELECT op_id, changes FROM outbox").all() == outbox_before
            for table in ("sales_channel", "purchase_contract"):
                assert conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() == 0
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    finally:
        database.close()
