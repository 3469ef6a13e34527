"""Who made each change (issue 13): every outbox operation records the signed-in account
and the desk, and the server records them for every operation it applies."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.models import OutboxOperation
from app.services.core.desk import DESK_ID_SETTING
from app.services.core.office import get_setting
from server.models import AppliedOp
from tests.services.sync.sync_support import Office


def test_the_server_records_the_account_and_desk_of_every_applied_operation(
    office_factory: Callable[..., Office], engine: Engine
) -> None:
    a, b = office_factory("a"), office_factory("b")
    assert a.db.account is not None
    a.issue("0067749828")
    with a.db.session() as session:
        desk = get_setting(session, DESK_ID_SETTING)
        pending = session.scalars(select(OutboxOperation)).all()
    with b.db.session() as session:
        assert get_setting(session, DESK_ID_SETTING) not in ("", desk)  # each desk its own
    assert len(desk) == 36 and pending
    assert {(op.account_id, op.actor, op.desk_id) for op in pending} == {
        (a.db.account.account_id, a.db.account.name, desk)
    }
    a.sync()
    with Session(engine) as server:
        applied = server.scalars(
            select(AppliedOp).where(AppliedOp.op_id.in_([op.op_id for op in pending]))
        ).all()
    assert len(applied) == len(pending)
    assert {(op.account_id, op.actor, op.desk_id) for op in applied} == {
        (a.db.account.account_id, a.db.account.name, desk)
    }


def test_bulk_written_changes_record_who_made_them_too(
    office_factory: Callable[..., Office],
) -> None:
    """Imports and demo data write their outbox rows in bulk (app.services.licences.bulk)."""
    from app.services import demo

    a = office_factory("a")
    assert a.db.account is not None
    with a.db.session() as session:
        demo.generate(session, 3, seed=2)
    with a.db.session() as session:
        desk = get_setting(session, DESK_ID_SETTING)
        pending = session.scalars(select(OutboxOperation)).all()
    assert len(pending) >= 6  # holders and licences (and history, for some)
    assert {(op.account_id, op.actor, op.desk_id) for op in pending} == {
        (a.db.account.account_id, a.db.account.name, desk)
    }
