"""Stateful property test: offices edit offline and sync in any order, and converge.

Three offices share one county's records: two county offices of Shemiranat and the
province office of Tehran. Hypothesis issues licences, edits holders' fields, suspends
and lifts licences, resolves conflicts and syncs the offices in random order. At the end
every office syncs until nothing moves, and then:

- all offices and the server hold the same records with the same values;
- every licence exists exactly once, with one number;
- no edit was lost silently: each value a clerk typed is the final value, or someone
  later changed that field knowing it (their edit's old value is this one), or it sits in
  a conflict (resolved or not).

Databases are copied from templates made once (server with three enrolled offices, three
office databases set up from it), so each example starts in milliseconds.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.models import Licence, OutboxOperation, Person, SyncConflict
from app.services.core.db import Database, open_database
from app.services.licences.service import LicenceService
from app.services.sync.client import run_sync
from app.services.sync.review import SyncReviewService
from app.services.sync.transport import Transport
from common.protocol import PullResponse
from server.app import create_app
from server.db import open_database as open_server_database
from server.models import Record
from server.offices import enrol_office
from tests.accounts_support import HEAD_INPUT, act_as
from tests.services.sync.sync_support import issue_licence, national_id, update_licence

BASE = "http://localhost"
OFFICES = ("a", "b", "p")
MOBILES = ("09120000001", "09120000002", "09120000003", "09350000004")
ADDRESSES = ("تجریش", "نیاوران", "ولنجک", "دربند")


@dataclass
class Templates:
    folder: Path
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    folder = tmp_path_factory.mktemp("convergence-templates")
    engine = open_server_database(folder / "server.sqlite3")
    tokens: dict[str, str] = {}
    with Session(engine) as session, session.begin():
        for name, county in (("a", "شمیرانات"), ("b", "شمیرانات"), ("p", None)):
            _office, tokens[name] = enrol_office(
                session, name=f"اداره {name}", province="تهران", county=county
            )
    from app.services.sync.setup import setup_from_server

    with TestClient(create_app(engine)) as client:
        for name in OFFICES:
            transport = Transport(BASE, tokens[name], client=client)
            db, _ = setup_from_server(
                folder / f"{name}.sqlite3", BASE, tokens[name], transport=transport, head=HEAD_INPUT
            )
            db.close()
    engine.dispose()
    yield Templates(folder, tokens)


def _copy(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    for suffix in ("-wal", "-shm"):
        extra = Path(f"{source}{suffix}")
        if extra.exists():
            shutil.copyfile(extra, Path(f"{target}{suffix}"))


class Convergence(RuleBasedStateMachine):
    templates: Templates
    workdir: Path

    def __init__(self) -> None:
        super().__init__()
        folder = self.workdir / f"run-{id(self)}"
        folder.mkdir()
        for name in (*OFFICES, "server"):
            _copy(self.templates.folder / f"{name}.sqlite3", folder / f"{name}.sqlite3")
        self.engine: Engine = open_server_database(folder / "server.sqlite3")
        self.client = TestClient(create_app(self.engine))
        self.client.__enter__()
        self.dbs: dict[str, Database] = {
            name: act_as(open_database(folder / f"{name}.sqlite3")) for name in OFFICES
        }
        self.transports = {
            name: Transport(BASE, self.templates.tokens[name], client=self.client)
            for name in OFFICES
        }
        self.issued: dict[str, str] = {}  # licence id → office that issued it
        self.counter = 0
        #: (licence id, field, old, new) of every edit a clerk made.
        self.edits: list[tuple[str, str, Any, Any]] = []

    def teardown(self) -> None:
        try:
            self._converge_and_check()
        finally:
            for db in self.dbs.values():
                db.close()
            self.client.__exit__(None, None, None)
            self.engine.dispose()

    # --- rules ---

    @initialize()
    def shared_start(self) -> None:
        """Two licences every office already has, so edits collide often."""
        self.issue("a")
        self.issue("b")
        for office in OFFICES:
            run_sync(self.dbs[office], transport=self.transports[office])
        for office in OFFICES:
            run_sync(self.dbs[office], transport=self.transports[office])

    @precondition(lambda self: len(self.issued) < 5)
    @rule(office=st.sampled_from(OFFICES))
    def issue(self, office: str) -> None:
        self.counter += 1
        licence_id = issue_licence(
            self.dbs[office],
            national_id((OFFICES.index(office) + 1) * 10**8 + self.counter),
            mobile=MOBILES[0],
            address=ADDRESSES[0],
        )
        self.issued[licence_id] = office

    def _local_licences(self, office: str) -> list[str]:
        with self.dbs[office].session() as session:
            return sorted(
                session.scalars(select(Licence.id).where(Licence.deleted.is_(False))).all()
            )

    @precondition(lambda self: bool(self.issued))
    @rule(
        office=st.sampled_from(OFFICES),
        pick=st.integers(min_value=0),
        field=st.sampled_from(("mobile", "address")),
        choice=st.integers(min_value=0, max_value=3),
    )
    def edit_holder(self, office: str, pick: int, field: str, choice: int) -> None:
        licences = self._local_licences(office)
        if not licences:
            return
        licence_id = licences[pick % len(licences)]
        value = (MOBILES if field == "mobile" else ADDRESSES)[choice]
        with self.dbs[office].session() as session:
            licence = session.get(Licence, licence_id)
            assert licence is not None
            person = session.get(Person, licence.person_id)
            assert person is not None
            old = getattr(person, field)
            if old == value:
                return
            person_id = person.id
        update_licence(self.dbs[office], licence_id, person={field: value})
        self.edits.append((person_id, field, old, value))

    @rule(
        offices=st.permutations(OFFICES),
        pick=st.integers(min_value=0, max_value=1),
        field=st.sampled_from(("mobile", "address")),
        choices=st.tuples(st.integers(0, 3), st.integers(0, 3)),
    )
    def edit_in_two_offices(
        self, offices: list[str], pick: int, field: str, choices: tuple[int, int]
    ) -> None:
        """Two offices change the same holder's field while offline."""
        self.edit_holder(offices[0], pick, field, choices[0])
        self.edit_holder(offices[1], pick, field, choices[1])

    @precondition(lambda self: bool(self.issued))
    @rule(office=st.sampled_from(OFFICES), pick=st.integers(min_value=0))
    def suspend_or_lift(self, office: str, pick: int) -> None:
        licences = self._local_licences(office)
        if not licences:
            return
        licence_id = licences[pick % len(licences)]
        with self.dbs[office].session() as session:
            licence = session.get(Licence, licence_id)
            assert licence is not None
            old = licence.status
            service = LicenceService(session)
            if old == "active":
                service.suspend(licence_id, "بررسی مدارک")
                new = "suspended"
            elif old == "suspended":
                service.reactivate(licence_id, "مدارک کامل شد")
                new = "active"
            else:
                return
        self.edits.append((licence_id, "status", old, new))

    @rule(office=st.sampled_from(OFFICES))
    def sync(self, office: str) -> None:
        run_sync(self.dbs[office], transport=self.transports[office])

    @precondition(lambda self: bool(self.issued))
    @rule(
        office=st.sampled_from(OFFICES),
        pick=st.integers(min_value=0, max_value=1),
        field=st.sampled_from(("mobile", "address")),
        choice=st.integers(0, 3),
    )
    def edit_while_syncing(self, office: str, pick: int, field: str, choice: int) -> None:
        """A clerk saves an edit after the push went out, before the pull comes in."""
        machine = self
        edited = [False]

        class EditBeforePull(Transport):
            def pull(self, since: int, limit: int) -> PullResponse:
                if not edited[0]:
                    edited[0] = True
                    machine.edit_holder(office, pick, field, choice)
                return super().pull(since, limit)

        base = self.transports[office]
        run_sync(self.dbs[office], transport=EditBeforePull(BASE, base.token, client=self.client))

    @rule(office=st.sampled_from(OFFICES), choice=st.sampled_from(("mine", "theirs")))
    def resolve_conflicts(self, office: str, choice: str) -> None:
        with self.dbs[office].session() as session:
            review = SyncReviewService(session)
            for conflict in review.conflicts():
                if choice == "mine" and conflict.kind == "field":
                    # A deliberate overwrite of the value the screen shows: an edit.
                    stored = session.get(SyncConflict, conflict.id)
                    model = Person if conflict.table == "person" else Licence
                    record = session.get(model, conflict.row_id)
                    assert stored is not None and record is not None
                    self.edits.append(
                        (
                            conflict.row_id,
                            conflict.field,
                            getattr(record, conflict.field),
                            json.loads(stored.client_value),
                        )
                    )
                review.resolve(conflict.id, choice)

    @invariant()
    def nothing_quarantined(self) -> None:
        for db in self.dbs.values():
            with db.session() as session:
                states = set(session.scalars(select(OutboxOperation.state)))
                assert "quarantined" not in states

    # --- the end state ---

    def _state(self, office: str) -> dict[str, tuple[Any, ...]]:
        with self.dbs[office].session() as session:
            rows = session.execute(
                select(Licence, Person).join(Person, Person.id == Licence.person_id)
            ).all()
            return {
                licence.id: (
                    licence.number,
                    licence.status,
                    licence.deleted,
                    person.national_id,
                    person.mobile,
                    person.address,
                )
                for licence, person in rows
            }

    def _converge_and_check(self) -> None:
        for _round in range(3):
            for office in OFFICES:
                run_sync(self.dbs[office], transport=self.transports[office])
        states = {office: self._state(office) for office in OFFICES}
        assert states["a"] == states["b"] == states["p"]
        final = states["a"]
        assert set(final) == set(self.issued)  # every licence exactly once
        numbers = [values[0] for values in final.values()]
        assert len(numbers) == len(set(numbers))
        with Session(self.engine) as session:
            server = {
                row.id: json.loads(row.data)
                for row in session.scalars(select(Record).where(Record.table_name == "licence"))
            }
        assert set(server) == set(final)
        assert all(server[i]["number"] == final[i][0] for i in final)
        for office in OFFICES:
            with self.dbs[office].session() as session:
                pending = session.scalars(select(OutboxOperation.op)).all()
                assert pending == [], (office, pending)
        conflict_values: set[tuple[str, str, str]] = set()
        for office in OFFICES:
            with self.dbs[office].session() as session:
                for conflict in session.scalars(select(SyncConflict)):
                    for value in (conflict.client_value, conflict.server_value):
                        conflict_values.add((conflict.row_id, conflict.field, json.loads(value)))
        final_values: dict[tuple[str, str], Any] = {}
        with self.dbs["a"].session() as session:
            for person in session.scalars(select(Person)):
                for name in ("mobile", "address"):
                    final_values[(person.id, name)] = getattr(person, name)
            for licence in session.scalars(select(Licence)):
                for name in ("status", "status_reason"):
                    final_values[(licence.id, name)] = getattr(licence, name)
        for row_id, field, _old, new in self.edits:
            if final_values[(row_id, field)] == new:
                continue
            overwritten = any(e[0] == row_id and e[1] == field and e[2] == new for e in self.edits)
            assert overwritten or (row_id, field, new) in conflict_values, (
                f"edit lost: {field}={new!r} on {row_id}"
            )


@pytest.mark.timeout(600)
def test_offices_converge(templates: Templates, tmp_path: Path) -> None:
    Convergence.templates = templates
    Convergence.workdir = tmp_path
    run_state_machine_as_test(
        Convergence,
        settings=settings(
            max_examples=60,
            stateful_step_count=30,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
