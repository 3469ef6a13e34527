"""Nothing is stored on faith: the client checks every pulled row with the rules a pushed
row obeys (app.services.sync.checks; docs/sync-protocol.md, "Validation on both sides")."""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from app.models import Person
from server.models import Record, RecordScope, SyncCounter
from tests.server import rows
from tests.services.sync.sync_support import Office


def test_the_client_refuses_a_pulled_row_that_breaks_the_rules(
    office_factory: Callable[..., Office], engine: Engine
) -> None:
    a = office_factory("a")
    good = a.issue(rows.national_id(5150))
    a.sync()
    b = office_factory("b")
    # A row the server holds but no form would accept (a damaged or tampered server).
    with Session(engine) as session, session.begin():
        record = session.get(Record, ("person", b.person(good).id))
        assert record is not None
        forged_id = rows.new_id()
        data = {**json.loads(record.data), "national_id": "1111111111", "first_name": "X1"}
        seq = 10_000
        session.add(
            Record(
                table_name="person",
                id=forged_id,
                rev=1,
                data=json.dumps(data),
                deleted=False,
                server_seq=seq,
                province_code=record.province_code,
                county_code=record.county_code,
                updated_by_office="x",
            )
        )
        for scope in session.scalars(
            select(RecordScope).where(
                RecordScope.table_name == "person", RecordScope.id == record.id
            )
        ).all():
            session.add(
                RecordScope(
                    table_name="person",
                    id=forged_id,
                    province_code=scope.province_code,
                    county_code=scope.county_code,
                    server_seq=seq,
                )
            )
        # Numbered as a writer numbers it: the feed's end moves with it (server.pull).
        session.execute(
            update(SyncCounter).where(SyncCounter.name == "server_seq").values(value=seq)
        )
    report = b.sync()
    assert report.refused == 1
    assert "نامعتبر" in report.message()
    with b.db.session() as session:
        assert session.get(Person, forged_id) is None
        assert session.get(Person, b.person(good).id) is not None
