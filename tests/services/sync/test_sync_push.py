"""Pushing the outbox (app.services.sync.push): what the protocol can't carry.

The rest of the push (batches, replays, rejections, conflicts, folds) is tested against
the real server in test_sync_client.py and test_sync_identity.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import select

from app.models import Licence, OutboxOperation, Person
from app.models.sync import OUTBOX_QUARANTINED
from app.services.core.outbox import operation_row
from app.services.core.progress import Progress
from app.services.sync.push import Pusher
from app.services.sync.report import SyncReport
from common.vocabulary import Permission
from tests.accounts_support import granted
from tests.services.sync.sync_support import Office


def test_an_operation_the_protocol_cant_carry_is_quarantined_not_blocking(
    office_factory: Callable[..., Office],
) -> None:
    """A damaged outbox row (here a column name no table has the form of) would make the
    server refuse the whole batch (422), and every sync after it: it is kept aside with
    the reason instead, and everything else goes out."""
    a, b = office_factory("a"), office_factory("b")
    licence_id = a.issue("0067749828")
    holder = a.person(licence_id)
    with a.db.session() as session:
        granted(session, Permission.EDIT)
        damaged = operation_row(
            "person", holder.id, "update", 1, {"Mobile Phone": ["0912", "0935"]}
        )
        session.add(OutboxOperation(**damaged))
    with a.db.session() as session:
        granted(session, Permission.SYNC)
        batch = Pusher(a.db, a.transport, Progress(), SyncReport()).next_batch(session, 0)
    assert damaged["op_id"] in batch.malformed
    assert damaged["op_id"] not in {op.op_id for op in batch.operations}
    assert len(batch.operations) == len(batch.ops) - 1
    report = a.sync()
    assert report.quarantined == 1
    with a.db.session() as session:
        (kept,) = session.scalars(select(OutboxOperation)).all()
        assert (kept.op_id, kept.state) == (damaged["op_id"], OUTBOX_QUARANTINED)
        assert "قالب همگام‌سازی" in kept.error and "Mobile Phone" in kept.error
        assert json.loads(kept.changes) == {"Mobile Phone": ["0912", "0935"]}  # kept as is
    b.sync()
    assert b.licence(licence_id).number == a.licence(licence_id).number
    assert b.count(Licence) == 1 and b.count(Person) == 1
