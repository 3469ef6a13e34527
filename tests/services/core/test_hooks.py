"""Session events reach every factory, also one that reuses a collected factory's id
(SQLAlchemy's event.contains took such a factory for already watched: seen in CI as a
unit of work that committed and reported no changes)."""

from __future__ import annotations

import gc

from sqlalchemy import create_engine, literal, select
from sqlalchemy.orm import Session, sessionmaker

from app.services.core.db import Database
from app.services.core.hooks import attach_once, attached


def test_every_new_factory_gets_its_listeners() -> None:
    engine = create_engine("sqlite://")
    seen: list[int] = []

    def on_execute(state: object) -> None:
        seen.append(1)

    reused = 0
    ids: set[int] = set()
    for _ in range(40):
        factory: sessionmaker[Session] = sessionmaker(engine)
        reused += id(factory) in ids
        ids.add(id(factory))
        attach_once(factory, "probe", ("do_orm_execute", on_execute))
        attach_once(factory, "probe", ("do_orm_execute", on_execute))  # once only
        before = len(seen)
        with factory() as session:
            session.execute(select(literal(1)))
        assert len(seen) == before + 1
        del factory
        gc.collect()
    assert reused  # the case this guards against did happen
    engine.dispose()


def test_a_database_attaches_the_four_hooks(db: Database) -> None:
    """Write guard, change tracking, audit trail and outbox actors are on its factory."""
    assert attached(db.session_factory) == {"access", "changes", "audit", "outbox actors"}
