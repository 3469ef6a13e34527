"""Tables of the central server's database (typed SQLAlchemy 2).

Offices are enrolled by an operator (``daftar-server add-office``); each office holds
one or more revocable tokens. A token is a random 32-byte URL-safe string shown once;
only its SHA-256 hex digest is stored.

Synced records (server.push, server.pull) live in one table, ``record``, keyed by the
client's table name and row id; ``server_seq`` is the change feed. ``applied_op`` makes
push idempotent; ``conflict`` keeps both values of a same-field conflict for review.
"""

from __future__ import annotations

import datetime as dt

import uuid6
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    """Return a new time-ordered UUIDv7 as text."""
    return str(uuid6.uuid7())


def utcnow() -> dt.datetime:
    """Return the current time in UTC, timezone-aware."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Base of every server table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Office(Base):
    """An enrolled office: a county office, or a province office (``county_code`` NULL).

    Codes are the Statistical Centre of Iran codes (``amar_code``) of the shipped
    iran-cities reference data; clients derive the same reference ids from them.
    """

    __tablename__ = "office"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    province_code: Mapped[str] = mapped_column(String(8), nullable=False, index=True)
    province_name: Mapped[str] = mapped_column(String(80), nullable=False)
    county_code: Mapped[str | None] = mapped_column(String(8), nullable=True, index=True)
    county_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    revoked_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, default=None
    )
    #: The office's clock minus the server's, as its last handshake measured it (seconds).
    #: Rules that depend on "today" (an issue date not in the future) allow for it.
    clock_skew_seconds: Mapped[float | None] = mapped_column(Float, nullable=True, default=None)

    tokens: Mapped[list[OfficeToken]] = relationship(back_populates="office")

    @property
    def is_province_office(self) -> bool:
        """True for a province office (its scope is the whole province)."""
        return self.county_code is None


#: How many hex digits of a token's SHA-256 digest make its public id (48 bits).
TOKEN_ID_LENGTH = 12


class OfficeToken(Base):
    """A revocable access token of an office, stored as its SHA-256 hex digest.

    Its public id (what operators name it by, and what failed logins are logged with) is
    the first TOKEN_ID_LENGTH hex digits of that digest: it reveals nothing of the token.
    ``expires_at`` NULL never expires. ``last_used_at`` is written at most once a minute.
    """

    __tablename__ = "office_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    office_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("office.id"), nullable=False, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    revoked_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, default=None
    )
    label: Mapped[str | None] = mapped_column(String(120), nullable=True, default=None)
    expires_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, default=None
    )
    last_used_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, default=None
    )
    #: A one-time recovery token (a lost head password): it may create one new head
    #: account of an office that has accounts (server.policy); then an ordinary token.
    recovery: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    recovery_used_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, default=None
    )

    office: Mapped[Office] = relationship(back_populates="tokens")

    @property
    def recovers(self) -> bool:
        """Whether the token may still create a new head account."""
        return self.recovery and self.recovery_used_at is None

    @property
    def public_id(self) -> str:
        """The token's public id: the start of its digest."""
        return self.token_hash[:TOKEN_ID_LENGTH]


class SyncCounter(Base):
    """A named counter (``server_seq``), bumped inside the writing transaction.

    Updating the row locks it until commit, so pushes are serialised and ``server_seq``
    values become visible in order (a pull never skips a row committed late).
    """

    __tablename__ = "sync_counter"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class Record(Base):
    """The server's copy of one synced row (person, licence, licence_history, ...).

    ``data`` is JSON of the synced columns (without id, rev, deleted and local-only
    columns). ``province_code``/``county_code`` are its scope (amar codes; county NULL
    for a row that belongs to a whole province). ``link_id`` is the parent row used for
    scope: a licence's person, a history entry's or certificate's licence (an attendance
    certificate's participant), a supporter's licence, a network member's supporter, an
    event participant's or attendance entry's event. ``person_link`` is the person a row
    makes visible wherever the row is seen: a licence's holder, a network member's or an
    event participant's person (server.feed).
    """

    __tablename__ = "record"

    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    rev: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    data: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    server_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, unique=True)
    province_code: Mapped[str] = mapped_column(String(8), nullable=False, index=True)
    county_code: Mapped[str | None] = mapped_column(String(8), nullable=True, index=True)
    link_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    person_link: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    #: For a record folded into another one (the same holder registered at two offices):
    #: the record it became. Such a record is a tombstone; offices merge their copy.
    merged_into: Mapped[str | None] = mapped_column(String(36), nullable=True, default=None)
    #: The office that alone sees and changes an office-owned record (a staff account);
    #: NULL for records seen by county scope (server.records.OFFICE_OWNED).
    owner_office: Mapped[str | None] = mapped_column(String(36), nullable=True, default=None)
    updated_by_office: Mapped[str] = mapped_column(String(36), nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )

    __table_args__ = (Index("ix_record_owner_seq", "owner_office", "server_seq"),)


class AppliedOp(Base):
    """An operation the server has handled, with its result (replays answer it again)."""

    __tablename__ = "applied_op"

    op_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    #: Who made it at the office: the account (id and name as the desk sent them) and the
    #: desk (empty for desks older than accounts, and for a desk's system work).
    account_id: Mapped[str] = mapped_column(String(36), nullable=False, default="")
    actor: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    desk_id: Mapped[str] = mapped_column(String(36), nullable=False, default="")
    result: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )


class Conflict(Base):
    """A same-field conflict (``kind`` "field") or an edit/delete clash (``kind`` "deleted").

    The server's value stays in the record; the client's value is kept here, with the
    base both started from, until a clerk resolves it. Values are JSON text.
    """

    __tablename__ = "conflict"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    table_name: Mapped[str] = mapped_column(String(40), nullable=False)
    row_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    field: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False, default="field")
    base_value: Mapped[str] = mapped_column(Text, nullable=False)
    server_value: Mapped[str] = mapped_column(Text, nullable=False)
    client_value: Mapped[str] = mapped_column(Text, nullable=False)
    office_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    op_id: Mapped[str] = mapped_column(String(36), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    resolved_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, default=None
    )


class NumberPool(Base):
    """A range of licence numbers reserved for one office (``first``..``last``, inclusive).

    Numbers are ``PREFIX-000042``; the prefix is the office's county code (its province
    code for a province office), and one counter per prefix (``sync_counter`` row
    ``licence:PREFIX``) hands out ranges, so offline offices never issue the same number.
    """

    __tablename__ = "number_pool"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    office_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("office.id"), nullable=False, index=True
    )
    prefix: Mapped[str] = mapped_column(String(12), nullable=False)
    first: Mapped[int] = mapped_column(BigInteger, nullable=False)
    last: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )


class RecordScope(Base):
    """Where a record is visible: one row per county (``county_code`` "" = the whole
    province) whose offices pull it. A licence has its county; its holder, history
    entries and certificates have the counties of their licences, so a holder with
    licences in two counties reaches both; a supporter is seen in its county and in the
    counties of its network's members (server.feed has the rules). ``server_seq``
    mirrors the record's, so a county's feed is one index range."""

    __tablename__ = "record_scope"

    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    province_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    county_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    server_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)

    __table_args__ = (
        Index("ix_record_scope_county_seq", "county_code", "server_seq"),
        Index("ix_record_scope_province_seq", "province_code", "server_seq"),
    )


class ScopeExit(Base):
    """A record left a county (its licence moved, its network's last member there left):
    offices there drop their copy."""

    __tablename__ = "scope_exit"

    server_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    table_name: Mapped[str] = mapped_column(String(40), nullable=False)
    id: Mapped[str] = mapped_column(String(36), nullable=False)
    province_code: Mapped[str] = mapped_column(String(8), nullable=False)
    county_code: Mapped[str] = mapped_column(String(8), nullable=False)

    __table_args__ = (
        Index("ix_scope_exit_county_seq", "county_code", "server_seq"),
        Index("ix_scope_exit_province_seq", "province_code", "server_seq"),
    )


class RecordKey(Base):
    """A natural key of a live record: a holder's national ID, a supporter's legal ID, a
    licence's number and unique ID, a certificate's serial, an event's code. One record
    holds a key at a time: a second holder of a national ID (legal ID) is folded into the
    first (server.identity); a second licence number, serial or code is refused. The
    public verification page finds licences and certificates by these keys."""

    __tablename__ = "record_key"

    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    key_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    key_value: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)


class RecordAlias(Base):
    """An id that names another record: a holder (supporter) an office registered while
    another office already had the same national (legal) ID. Operations and references
    naming ``alias_id`` are applied to ``canonical_id``. ``merged_at`` is set once the
    rows that referred to the alias have been moved onto the canonical record."""

    __tablename__ = "record_alias"

    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    alias_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    canonical_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    office_id: Mapped[str] = mapped_column(String(36), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    merged_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, default=None
    )


class SigningKey(Base):
    """An office's certificate signing key (public half), as the server publishes it.

    Each desk of an office has its own key; the desk registers it with a proof of
    possession (server.keys). ``retired_at``: the desk stopped signing with it (rotation);
    ``revoked_at``: an operator revoked it (``daftar-server revoke-key``) — what it signed
    from then on is not genuine. Keys are never deleted: what they signed stays
    verifiable.
    """

    __tablename__ = "signing_key"

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    office_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("office.id"), nullable=False, index=True
    )
    #: The raw 32-byte Ed25519 public key, standard base64.
    public_key: Mapped[str] = mapped_column(String(64), nullable=False)
    #: The registration's proof of possession (base64 Ed25519 signature).
    proof: Mapped[str] = mapped_column(String(100), nullable=False)
    valid_from: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    retired_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, default=None
    )
    revoked_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, default=None
    )
    revoked_reason: Mapped[str] = mapped_column(String(500), nullable=False, default="")


class AuditEntry(Base):
    """One entry of a desk's audit trail as the desk pushed it (issue 13): append-only,
    checked for continuity per desk with common.audit_chain.check_chain. ``office_id``
    is the office whose token pushed it (a desk belongs to one office); ``entry_office``
    is the office id the desk recorded (hashed; empty or local before it joined)."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("uq_audit_entry_desk_id_seq", "desk_id", "seq", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    office_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    desk_id: Mapped[str] = mapped_column(String(36), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    entry_office: Mapped[str] = mapped_column(String(36), nullable=False, default="")
    at: Mapped[str] = mapped_column(String(40), nullable=False)
    account_id: Mapped[str] = mapped_column(String(36), nullable=False, default="")
    actor: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    record_kind: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    record_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    summary: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
    received_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    #: The append-only rows the entry vouches for (common.audit_chain.rows_text).
    rows: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")


class AuditRow(Base):
    """An append-only row (licence history, certificate log) a desk's audit entry vouched
    for, with the digest of its content (common.audit_chain.row_digest): a push of that
    row must carry the same content (server.audit_api.check_vouched)."""

    __tablename__ = "audit_row"

    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    row_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[str] = mapped_column(String(36), nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    desk_id: Mapped[str] = mapped_column(String(36), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)


class CatalogueField(Base):
    """A business field of the central catalogue (issue 15), once an operator has
    imported a change (``daftar-server catalogue import``); while the table is empty the
    shipped catalogue (resources/reference) is the catalogue. Fields are never deleted:
    a retired field (``active`` false) refuses new licences, existing ones stay valid."""

    __tablename__ = "catalogue_field"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(6), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    group_code: Mapped[str] = mapped_column(String(2), nullable=False)
    approving_body: Mapped[str] = mapped_column(String(60), nullable=False)
    starred: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    isic: Mapped[str] = mapped_column(String(4), nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class CatalogueVersion(Base):
    """One import of the catalogue: its number (what offices show), the digest of the
    reference data it makes (what handshakes announce) and what it changed."""

    __tablename__ = "catalogue_version"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    digest: Mapped[str] = mapped_column(String(16), nullable=False)
    imported_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    source: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    added: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    renamed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    retired: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reactivated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
