"""Staff accounts of the office (issue 13): who signs in, with which role.

The password is never stored: ``password_hash`` is an argon2id hash (PHC string, with its
own salt and parameters) made by app.services.accounts.passwords. Accounts sync to every
desk of the office, and to no other office (server.policy: office-owned rows); the
columns of :data:`LOCAL_ACCOUNT_COLUMNS` (failed sign-ins, waits, the last sign-in) stay
on their desk (docs/sync-protocol.md).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, SyncMixin, utcnow

#: Columns of an account that belong to one desk and never travel.
LOCAL_ACCOUNT_COLUMNS = frozenset({"failed_attempts", "locked_until", "last_sign_in", "created_at"})


class Account(SyncMixin, Base):
    """One person who signs in to Daftar on the office's desks."""

    __tablename__ = "account"

    #: What the person types to sign in (compared case-insensitively, stored folded).
    username: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    #: The person's name as history and the certificate log show it.
    display_name: Mapped[str] = mapped_column(String(60), nullable=False)
    #: A common.vocabulary.Role value.
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    disabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: Failed sign-ins since the last good one; from the fifth, each waits longer.
    failed_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_sign_in: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
