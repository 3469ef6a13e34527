"""The outbox: every local change to a synced row, written in the same transaction.

The sync client (a later issue) pushes these operations, idempotently by ``op_id``.
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

    __table_args__ = (Index("ix_outbox_state_seq", "state", "seq"),)
