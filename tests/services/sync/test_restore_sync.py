"""Restoring an office that syncs loses and resurrects nothing (issue 13).

An office syncs, a backup is taken (with a change still waiting in its outbox), both
sides change more and sync, the backup is restored, and one sync later the office's
register equals the server's (the other office's, after its own sync): nothing lost,
nothing duplicated; the waiting change that had already reached the server is answered
``replayed``; numbers handed out after the backup are never handed out again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.models import Licence, OutboxOperation, Person, SyncConflict
from app.services.core.backup import write_backup
from app.services.core.db import open_database
from app.services.core.restore import plan_restore, restore_database
from app.services.licences.service import LicenceService
from tests.accounts_support import act_as
from tests.services.sync.sync_support import Office, national_id


def _register(office: Office) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    with office.db.session() as session:
        licences = {
            (row.id, row.number, row.rev, row.status, row.person_id, row.activity_address)
            for row in session.scalars(select(Licence).where(Licence.deleted.is_(False)))
        }
        people = {
            (row.id, row.national_id, row.mobile, row.last_name, row.rev)
            for row in session.scalars(select(Person).where(Person.deleted.is_(False)))
        }
    return licences, people


def test_restore_then_sync_equals_the_server(
    office_factory: Callable[..., Office], tmp_path: Path
) -> None:
    a, b = office_factory("a"), office_factory("b")
    first = a.issue(national_id(101), last_name="یکم")
    a.sync()
    b.sync()
    waiting = a.issue(national_id(102), last_name="دوم")  # in the backup's outbox
    backup = write_backup(a.db, tmp_path / "yesterday.sqlite3")
    a.sync()  # ... and it reaches the server after the backup

    # More changes on both sides after the backup, all synced.
    after = a.issue(national_id(103), last_name="سوم")
    a.edit_person(first, mobile="09121111111")
    a.sync()
    b.sync()
    b.edit_person(waiting, mobile="09122222222")
    elsewhere = b.issue(national_id(104), last_name="چهارم")
    b.sync()
    numbers_before = {row[1] for row in _register(b)[0]}
    assert len(numbers_before) == 4

    plan = plan_restore(a.db.path, backup)
    assert plan.live_pending == 0 and plan.live_syncs and not plan.other_office
    assert plan.backup.pending > 0
    a.db.close()
    result = restore_database(a.db.path, backup)
    assert result.carried and result.safety_copy is not None
    restored = Office(act_as(open_database(a.db.path)), a.transport)
    try:
        licence_ids = {row[0] for row in _register(restored)[0]}
        assert licence_ids == {first, waiting}  # yesterday's register
        # Issued before any sync: the numbers handed out since the backup are not reused.
        new = restored.issue(national_id(105), last_name="پنجم")
        assert restored.licence(new).number not in numbers_before
        report = restored.sync()
        assert report.repeated > 0  # the backup's outbox had reached the server already
        b.sync()
        assert _register(restored) == _register(b)
        licences, people = _register(restored)
        assert {row[0] for row in licences} == {first, waiting, after, elsewhere, new}
        assert len({row[1] for row in licences}) == 5  # no number twice
        assert len({row[1] for row in people}) == 5  # no holder twice
        mobiles = {row[1]: row[2] for row in people}
        assert mobiles[national_id(101)] == "09121111111"
        assert mobiles[national_id(102)] == "09122222222"
        assert restored.count(OutboxOperation) == 0
        assert restored.count(SyncConflict) == 0

        with restored.db.session() as session:
            assert LicenceService(session).get_by_number(restored.licence(after).number)
    finally:
        restored.db.close()
