"""Signing keys this database knows: the office's own and those the server publishes.

Not synced as records: the server publishes the key set (``GET /v1/keys``) and the
client stores it here (app.services.core.signing_keys). The private halves of the office's
own keys are never here: they live in the OS keyring or are encrypted with a key in the
user's profile (app.services.core.credentials).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

#: ``source``: this database made the key (it holds or held the private half).
KEY_SOURCE_OWN = "own"
#: ``source``: the server's published key set lists it.
KEY_SOURCE_SERVER = "server"
#: ``source``: added by hand (a key file, a key given on the command line, or a key
#: trusted before keys were published).
KEY_SOURCE_FILE = "file"


class SigningKey(Base):
    """One Ed25519 public key and what is known about it."""

    __tablename__ = "signing_key"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: The raw 32-byte public key, standard base64.
    public_key: Mapped[str] = mapped_column(String(64), nullable=False)
    source: Mapped[str] = mapped_column(String(8), nullable=False)
    #: The office's server id ("" until known).
    office_id: Mapped[str] = mapped_column(String(36), nullable=False, default="")
    office_name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    province_code: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    province_name: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    county_code: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    county_name: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    valid_from: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_reason: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    #: What the server's key set, as last fetched, says of this key: "" (not listed: an
    #: own key is uploaded at the next sync), "active", "retired" or "revoked".
    server_state: Mapped[str] = mapped_column(String(8), nullable=False, default="")
