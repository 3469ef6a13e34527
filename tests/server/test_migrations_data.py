"""Server migrations that fill data of records already stored: 0004 the person a licence
names (``record.person_link``); 0005 the natural keys, and the holders registered twice
before the server indexed identities (docs/sync-protocol.md, "One holder per national
ID"; what the offices make of such a pair: tests/services/sync/test_sync_identity.py)."""

from __future__ import annotations

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from server.db import fold_identities
from server.models import Record, RecordAlias, RecordKey
from tests.server_fixtures import ServerDatabase


def test_person_links_are_filled_when_the_server_database_is_migrated(
    server_database: ServerDatabase,
) -> None:
    from alembic import command

    from server.db import SERVER_APPLICATION_ID, _alembic_config, make_engine, migrate

    engine: Engine = make_engine(server_database.url)
    try:
        config = _alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0003")
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql(f"PRAGMA application_id = {SERVER_APPLICATION_ID}")
            conn.execute(
                text(
                    "INSERT INTO record (table_name, id, rev, data, deleted, server_seq, "
                    "province_code, county_code, link_id, updated_by_office, updated_at) "
                    "VALUES ('licence', 'l1', 1, '{}', false, 1, '23', '0101', 'p1', 'o', "
                    "CURRENT_TIMESTAMP)"
                )
            )
        migrate(engine)
        with Session(engine) as session:
            from server.models import Record

            record = session.get(Record, ("licence", "l1"))
            assert record is not None and record.person_link == "p1"
    finally:
        engine.dispose()


def test_migration_0005_indexes_keys_and_finds_holders_registered_twice(
    server_database: ServerDatabase,
) -> None:
    from alembic import command

    from server.db import SERVER_APPLICATION_ID, _alembic_config, make_engine, migrate

    engine = make_engine(server_database.url)
    try:
        config = _alembic_config()
        person = '{"national_id": "0067749828", "last_name": "x"}'
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0004")
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql(f"PRAGMA application_id = {SERVER_APPLICATION_ID}")
            for seq, (table, row_id, data, link) in enumerate(
                [
                    ("person", "p1", person, None),
                    ("person", "p2", person, None),
                    (
                        "licence",
                        "l2",
                        '{"number": "N-1", "unique_id": "U-1", "person_id": "p2"}',
                        "p2",
                    ),
                ],
                start=1,
            ):
                conn.execute(
                    text(
                        "INSERT INTO record (table_name, id, rev, data, deleted, server_seq, "
                        "province_code, county_code, link_id, person_link, updated_by_office, "
                        "updated_at) VALUES (:t, :i, 1, :d, false, :s, '23', '0101', :l, :l, "
                        "'office-b', CURRENT_TIMESTAMP)"
                    ),
                    {"t": table, "i": row_id, "d": data, "s": seq, "l": link},
                )
            conn.execute(text("UPDATE sync_counter SET value = 3 WHERE name = 'server_seq'"))
        migrate(engine)
        with Session(engine) as session:
            keys = {
                (k.table_name, k.key_name, k.key_value): k.record_id
                for k in session.scalars(select(RecordKey))
            }
            assert keys[("person", "national_id", "0067749828")] == "p1"
            assert keys[("licence", "number", "N-1")] == "l2"
            (alias,) = session.scalars(select(RecordAlias)).all()
            assert (alias.alias_id, alias.canonical_id, alias.merged_at) == ("p2", "p1", None)
        assert fold_identities(engine) == 1
        with Session(engine) as session:
            folded = session.get(Record, ("person", "p2"))
            licence = session.get(Record, ("licence", "l2"))
            assert folded is not None and folded.deleted and folded.merged_into == "p1"
            assert licence is not None and licence.person_link == "p1" and licence.rev == 2
    finally:
        engine.dispose()
