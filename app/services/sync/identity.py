"""One holder per national ID (one supporter per legal ID) on every office, after sync.

Two offices working offline may register the same person under two ids. The server keeps
the first and folds the second into it (server.push, server.identity); the office that
registered the second learns it in two ways, and both end here:

- its push answer names the record its row became (``canonical_id``): the server has
  already raised a conflict for every field that differed, so the local copy is simply
  folded (:func:`fold`);
- a pulled tombstone says what it became (``merged_into``): holders registered twice
  before the server indexed identities, folded by its upgrade. The office that registered
  the folded copy gets a conflict for every field that differs from the server's record,
  to review like any other (:func:`fold` with ``incoming``); other offices just fold.

Folding moves every local row naming the old id (licences, network members, event
participants; a supporter's members and the events it organises), the outbox operations
and conflicts of the old id onto the kept one, and removes the old copy. Nothing is
pushed for it: the server already maps the old id (its pending operations still apply).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from app.models import (
    Event,
    EventParticipant,
    FacilityCase,
    Licence,
    NetworkMember,
    OutboxOperation,
    Person,
    PurchaseContract,
    SalesChannel,
    Supporter,
    SyncConflict,
    SyncMixin,
    new_id,
)
from app.services.sync.tables import pending_fields

log = logging.getLogger("daftar.sync")

#: Tables whose rows are identified by a natural key across offices, and that key.
IDENTITY_COLUMNS = {"person": "national_id", "supporter": "legal_id"}
_MODELS: dict[str, type[SyncMixin]] = {"person": Person, "supporter": Supporter}
#: The columns naming a row of each identity table.
_REFERRERS: dict[str, tuple[tuple[type[SyncMixin], str], ...]] = {
    "person": (
        (Licence, "person_id"),
        (NetworkMember, "person_id"),
        (EventParticipant, "person_id"),
        (FacilityCase, "person_id"),
        (SalesChannel, "person_id"),
        (PurchaseContract, "seller_person_id"),
    ),
    "supporter": (
        (NetworkMember, "supporter_id"),
        (Event, "organiser_supporter_id"),
        (FacilityCase, "supporter_id"),
        (PurchaseContract, "buyer_supporter_id"),
        (PurchaseContract, "seller_supporter_id"),
    ),
}
#: Columns that are not the record's content (never compared or raised as conflicts).
_NOT_CONTENT = frozenset(
    {"id", "rev", "updated_at", "origin_office", "deleted", "server_seq", "search_key"}
)
#: ``SyncConflict.resolution`` of a duplicate that a fold settled.
MERGED = "merged"


def fold(
    session: Session,
    table: str,
    alias_id: str,
    canonical_id: str,
    *,
    incoming: Mapping[str, Any] | None = None,
    raise_conflicts_for: Collection[str] = (),
) -> bool:
    """Fold the local row ``alias_id`` of ``table`` into ``canonical_id``; True when a
    local row was folded.

    ``incoming``: the canonical record's data as the server has it (decoded column
    values), when it is known here but not stored (a pulled row kept aside as a
    duplicate). ``raise_conflicts_for``: the office ids this office goes by; when the
    folded copy was made here, every field it held differently from the canonical record
    becomes a conflict to review (the server's value is kept meanwhile).
    """
    model = _MODELS[table]
    alias = session.get(model, alias_id)
    if alias is None or alias_id == canonical_id:
        _settle_duplicates(session, table, {alias_id})
        return False
    session.execute(text("PRAGMA defer_foreign_keys = ON"))
    mine = alias.origin_office in raise_conflicts_for
    canonical = session.get(model, canonical_id)
    alias_values = _content(alias)
    for referrer, column in _REFERRERS[table]:
        session.execute(
            update(referrer)
            .where(getattr(referrer, column) == alias_id)
            .values({column: canonical_id})
            .execution_options(synchronize_session=False)
        )
    if canonical is None:
        session.expunge(alias)
        session.execute(
            update(model)
            .where(model.id == alias_id)
            .values(id=canonical_id)
            .execution_options(synchronize_session=False)
        )
        session.expire_all()
        canonical = session.get(model, canonical_id)
        assert canonical is not None
        theirs = dict(incoming) if incoming is not None else None
    else:
        theirs = _content(canonical) if incoming is None else dict(incoming)
        session.execute(
            delete(model).where(model.id == alias_id).execution_options(synchronize_session=False)
        )
    session.execute(
        update(OutboxOperation)
        .where(OutboxOperation.table_name == table, OutboxOperation.row_id == alias_id)
        .values(row_id=canonical_id)
    )
    session.execute(
        update(SyncConflict)
        .where(SyncConflict.table_name == table, SyncConflict.row_id == alias_id)
        .values(row_id=canonical_id)
    )
    if theirs is not None:
        _take_theirs(session, table, canonical, alias_values, theirs, mine=mine)
    _settle_duplicates(session, table, {alias_id, canonical_id})
    session.flush()
    log.info("folded %s %s into %s", table, alias_id, canonical_id)
    return True


def held_duplicate(session: Session, table: str, row_id: str) -> dict[str, Any] | None:
    """The server's data of a pulled row kept aside because it clashed with a local one
    (a ``duplicate`` conflict), if any."""
    stored = session.scalar(
        select(SyncConflict.server_value).where(
            SyncConflict.kind == "duplicate",
            SyncConflict.table_name == table,
            SyncConflict.row_id == row_id,
            SyncConflict.resolved_at.is_(None),
        )
    )
    if stored is None:
        return None
    value = json.loads(stored)
    return value if isinstance(value, dict) else None


def _content(row: SyncMixin) -> dict[str, Any]:
    return {
        column.key: getattr(row, column.key)
        for column in type(row).__table__.columns  # type: ignore[attr-defined]
        if column.key not in _NOT_CONTENT
    }


def _take_theirs(
    session: Session,
    table: str,
    row: SyncMixin,
    mine_values: Mapping[str, Any],
    theirs: Mapping[str, Any],
    *,
    mine: bool,
) -> None:
    """The kept record shows the server's values; where this office's copy said
    otherwise (and it made that copy), the difference waits for a clerk."""
    from app.services.core.outbox import json_value

    waiting = pending_fields(session, table, [row.id]).get(row.id, frozenset())
    for column, value in theirs.items():
        if column in _NOT_CONTENT or column not in mine_values or column in waiting:
            continue
        local = mine_values[column]
        if local == value:
            continue
        if mine:
            session.add(
                SyncConflict(
                    id=new_id(),
                    table_name=table,
                    row_id=row.id,
                    field=column,
                    kind="field",
                    base_value="null",
                    server_value=json.dumps(json_value(value), ensure_ascii=False),
                    client_value=json.dumps(json_value(local), ensure_ascii=False),
                    # Raised here, not by the server: resolving it sends no "resolve".
                    op_id="",
                )
            )
        setattr(row, column, value)


def _settle_duplicates(session: Session, table: str, row_ids: Collection[str]) -> None:
    """Duplicates about these rows are settled: the two copies are one now."""
    from app.models import utcnow

    session.execute(
        update(SyncConflict)
        .where(
            SyncConflict.kind == "duplicate",
            SyncConflict.table_name == table,
            SyncConflict.row_id.in_(list(row_ids)),
            SyncConflict.resolved_at.is_(None),
        )
        .values(resolved_at=utcnow(), resolution=MERGED)
    )
