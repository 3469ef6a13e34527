"""The tamper-evident audit trail (issue 13): every recorded action, hash-chained.

``audit_entry`` is append-only: SQLite triggers (migration 0013) refuse UPDATE and DELETE,
and each entry carries the hash of the one before (common.audit_chain), so a change made
with a SQLite tool anyway is found by ``daftar audit verify``. ``audit_seal`` holds the
chain head signed with the desk's key after each session (also append-only).
"""

from __future__ import annotations

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class AuditEntry(Base):
    """One recorded action of one desk: ``seq`` 1, 2, 3… per desk, with no gap."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        UniqueConstraint("desk_id", "seq"),
        Index("ix_audit_entry_at", "at"),
        Index("ix_audit_entry_account_id", "account_id"),
    )

    #: The row's own number (the order rows were stored; never part of the chain).
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    desk_id: Mapped[str] = mapped_column(String(36), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    office_id: Mapped[str] = mapped_column(String(36), nullable=False, default="")
    #: UTC time as ISO 8601 text (``2026-12-07T23:08:39.123456+00:00``): hashed as stored.
    at: Mapped[str] = mapped_column(String(40), nullable=False)
    account_id: Mapped[str] = mapped_column(String(36), nullable=False, default="")
    #: The person's name ("" for the system's own work).
    actor: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    #: A common.vocabulary.AuditAction value.
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    #: The table of the record the action concerns (``licence``…), "" when none.
    record_kind: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    record_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    #: A short Persian sentence, and details (Persian) below it.
    summary: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
    #: The append-only rows the action wrote with their digests (JSON; "" for none):
    #: common.audit_chain.rows_text.
    rows: Mapped[str] = mapped_column(Text, nullable=False, server_default="")


class AuditSeal(Base):
    """The chain head (desk, seq, hash) signed with the desk's signing key."""

    __tablename__ = "audit_seal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    desk_id: Mapped[str] = mapped_column(String(36), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
    key_id: Mapped[str] = mapped_column(String(64), nullable=False)
    #: Ed25519 signature (base64) of common.audit_chain.seal_message.
    signature: Mapped[str] = mapped_column(String(120), nullable=False)
    sealed_at: Mapped[str] = mapped_column(String(40), nullable=False)
