"""Staff accounts of the office (issue 13): who signs in, with which role.

The password is never stored: ``password_hash`` is an argon2id hash (PHC string, with its
own salt and parameters) made by app.services.accounts.passwords. Accounts are local to
this database (not synced: docs/user-guide.md, «حساب‌های کاربری»).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, new_id, utcnow


class Account(Base):
    """One person who signs in to Daftar on this desk."""

    __tablename__ = "account"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
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
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow
    )
