"""The outbox: every local change to a synced row, written in the same transaction.

The sync client (app.services.sync.push) pushes these operations, idempotently by ``op_id``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, new_id, utcnow

OP_INSERT = "insert"
OP_UPDATE = "update"
OP_DELETE = "delete"

OUTBOX_PENDING = "pending"
OUTBOX_QUARANTINED = "quarantined"


class OutboxOperation(Base):
    """A local change waiting to be pushed to the central server.

    ``changes`` is JSON ``{"column": [old, new]}`` (old is null for inserts);
    ``base_rev`` is the row's revision the change was made against (0 for inserts).
    """

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    op_id: Mapped[str] = mapped_column(String(36), nullable=False, unique=True, default=new_id)
    table_name: Mapped[str] = mapped_column(String(40), nullable=False)
    row_id: Mapped[str] = mapped_column(String(36), nullable=False)
    op: Mapped[str] = mapped_column(String(8), nullable=False)
    base_rev: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    changes: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    state: Mapped[str] = mapped_column(String(12), nullable=False, default="pending")
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: Who made the change: the signed-in account (its id and name) and the desk
    #: (app.services.core.desk); empty for the system's own work. The server records them.
    account_id: Mapped[str] = mapped_column(String(36), nullable=False, default="")
    actor: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    desk_id: Mapped[str] = mapped_column(String(36), nullable=False, default="")

    __table_args__ = (
        Index("ix_outbox_state_seq", "state", "seq"),
        Index("ix_outbox_row_id", "row_id"),
    )


class SyncConflict(Base):
    """A conflict the server reported for one of this office's operations.

    ``kind`` "field": the same field was changed here and elsewhere; the record keeps the
    server's value and this office's value waits here for a clerk (keep mine, keep
    theirs, or edit). ``kind`` "deleted": an edit met a delete. Values are JSON text.
    ``id`` is the server's conflict id.
    """

    __tablename__ = "sync_conflict"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(40), nullable=False)
    row_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    field: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False, default="field")
    base_value: Mapped[str] = mapped_column(Text, nullable=False, default="null")
    server_value: Mapped[str] = mapped_column(Text, nullable=False, default="null")
    client_value: Mapped[str] = mapped_column(Text, nullable=False, default="null")
    op_id: Mapped[str] = mapped_column(String(36), nullable=False, default="")
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    resolved_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, default=None
    )
    resolution: Mapped[str] = mapped_column(String(12), nullable=False, default="")

    __table_args__ = (Index("ix_sync_conflict_resolved_at", "resolved_at"),)


class NumberPool(Base):
    """Licence numbers the central server reserved for this office (``first``..``last``).

    ``next_value`` is the next number to hand out; a pool is used up when it passes
    ``last``. Offices that sync take numbers only from pools, so they never collide.
    """

    __tablename__ = "number_pool"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    prefix: Mapped[str] = mapped_column(String(12), nullable=False)
    first: Mapped[int] = mapped_column(Integer, nullable=False)
    last: Mapped[int] = mapped_column(Integer, nullable=False)
    next_value: Mapped[int] = mapped_column(Integer, nullable=False)
    reserved_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
