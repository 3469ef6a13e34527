"""The wire format of the sync protocol: every request and answer body, as pydantic models.

The one description of what travels between an office and the central server
(docs/sync-protocol.md explains the rules behind it). The server declares its endpoints
with these models, so its OpenAPI document (``/openapi.json``) is generated from them; the
client (app.services.sync.transport) builds its requests with them and parses every
answer into them, so a malformed answer is refused in one place. A change here is a
change of the protocol: both sides and the OpenAPI document move together.

Request models are strict about what a client may send (bounds, patterns, JSON numbers
only, values the database can store); answer models describe what the server sends and
ignore fields they do not know (a newer server may add some).

Some details matter for the OpenAPI document, which schemathesis turns into requests
(tests/server/test_openapi_fuzz.py): bounds of an optional field sit inside its
``Annotated`` type, so the document states them (``minimum``/``maximum``); a mapping
whose keys are checked says ``additionalProperties: false``. The class names are the
document's schema names, and the docstrings and field descriptions its text.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

#: The protocol version both sides speak (the path's ``/v1`` and the handshake's).
PROTOCOL_VERSION = 1

#: At most this many operations per push.
MAX_BATCH = 500
#: At most this many changes per pulled page.
MAX_PULL = 1000
#: At most this many licence numbers per reservation.
MAX_NUMBERS = 10000
#: How deeply a pushed value may nest lists and objects (columns hold plain values; the
#: answers that carry values back must be able to serialise them).
MAX_VALUE_DEPTH = 16

#: The answer to one pushed operation.
PushStatus = Literal["applied", "merged", "conflict", "rejected", "replayed"]
#: What a pushed operation does.
OperationKind = Literal["insert", "update", "delete", "resolve"]


def json_integer(value: Any) -> Any:
    """A JSON number (2 or 2.0), not true/false or "2" (pydantic's lax mode takes those)."""
    if isinstance(value, bool | str | bytes):
        raise ValueError("expected a JSON number")
    return value


JsonInt = Annotated[int, BeforeValidator(json_integer)]


def check_storable(value: Any) -> None:
    """Refuse what Python's JSON parser accepts but the database and the answers can't
    hold: NaN and infinities, lone surrogates (``"\\ud800"``), deep nesting."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError("numbers must be finite (no NaN or Infinity)")
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("text must be valid Unicode (no lone surrogates)") from None
        elif isinstance(item, dict | list | tuple):
            if depth >= MAX_VALUE_DEPTH:
                raise ValueError(f"values may nest at most {MAX_VALUE_DEPTH} levels")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)


Uuid = Annotated[
    str, StringConstraints(pattern=r"^[0-9A-Fa-f]{8}-?([0-9A-Fa-f]{4}-?){3}[0-9A-Fa-f]{12}$")
]
ColumnName = Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]{0,63}$")]


# --- errors ---------------------------------------------------------------------------


class ErrorResponse(BaseModel):
    """An error answer (Persian ``message`` for the clerk, ``message_en`` for logs)."""

    error: str
    message: str
    message_en: str


# --- health and handshake -------------------------------------------------------------


class Health(BaseModel):
    """``GET /health``."""

    status: str = Field(examples=["ok"])
    protocol: int = Field(description="The protocol version the server speaks.")
    schema_: str = Field(alias="schema", description="The server database's Alembic revision.")

    model_config = ConfigDict(populate_by_name=True)


class HandshakeRequest(BaseModel):
    """``POST /v1/handshake``: who the client is and what it speaks."""

    model_config = ConfigDict(extra="ignore")

    protocol: JsonInt = Field(ge=0, le=1_000_000, description="The client's protocol version.")
    client_schema: str = Field(max_length=64, description="The client database's revision.")
    client_version: str = Field(max_length=64, description="The client application's version.")
    client_time: AwareDatetime = Field(description="The client's clock, with its UTC offset.")
    # The bounds go inside the optional type, so the OpenAPI document states them
    # ("minimum"/"maximum") and a schema-driven client never sends a negative cursor.
    cursor: Annotated[int, Field(ge=0, le=2**62), BeforeValidator(json_integer)] | None = Field(
        default=None, description="The client's pull cursor, if it has one."
    )


class PlaceOut(BaseModel):
    """A province or county: its amar code, Persian name and reference id."""

    code: str
    name: str
    id: str = Field(description="The reference id clients use (UUIDv5 of kind + code).")


class OfficeOut(BaseModel):
    """The authenticated office."""

    id: str
    name: str
    province: PlaceOut
    county: PlaceOut | None = Field(description="None for a province office.")


class HandshakeResponse(BaseModel):
    """The server's side of the handshake."""

    office: OfficeOut
    protocol: int = Field(description="The protocol version to use (the server's).")
    min_protocol: int = Field(description="The oldest client protocol the server accepts.")
    server_schema: str
    server_time: dt.datetime
    clock_skew_seconds: float = Field(description="Client clock minus server clock.")
    skew_warning: bool = Field(description="True when the skew is over 5 minutes.")
    licence_prefix: str = Field(description="The prefix of the office's licence numbers.")
    reference_version: str = Field(description="Digest of GET /v1/reference's data.")
    keys_version: str = Field(description="Digest of GET /v1/keys (the signing key set).")
    changes_waiting: bool | None = Field(
        default=None, description="Whether the feed has records after the given cursor."
    )
    has_accounts: bool = Field(
        default=False,
        description="The office has staff accounts at the server: a new desk signs in "
        "with one of them instead of creating a head.",
    )
    recovery: bool = Field(
        default=False,
        description="The token is an unused recovery token: it may create one new head "
        "account for an office that has accounts (a lost head password).",
    )


# --- push -----------------------------------------------------------------------------


class PushOperation(BaseModel):
    """One outbox operation: ``changes`` is ``{"column": [old, new]}`` (old null on insert)."""

    model_config = ConfigDict(extra="ignore")

    op_id: Uuid
    table: Annotated[str, StringConstraints(max_length=40)]
    row_id: Uuid
    op: OperationKind = Field(
        description='"resolve" (table "conflict", row_id = the conflict id) marks a conflict '
        "resolved; the chosen values travel as ordinary updates."
    )
    base_rev: JsonInt = Field(ge=0, le=2**31 - 1)
    changes: dict[ColumnName, tuple[Any, Any]] = Field(
        default_factory=dict,
        max_length=200,
        # Keys that are not column names are refused: say so in the OpenAPI document.
        json_schema_extra={"additionalProperties": False},
    )

    account_id: Annotated[str, StringConstraints(max_length=36)] = Field(
        default="", description="The account that made the change at the office."
    )
    actor: Annotated[str, StringConstraints(max_length=60)] = Field(
        default="", description="That account's name (as the office's history shows it)."
    )
    desk_id: Annotated[str, StringConstraints(max_length=36)] = Field(
        default="", description="The desk (one database of the office) it was made at."
    )

    @field_validator("changes")
    @classmethod
    def _storable(cls, changes: dict[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any]]:
        for pair in changes.values():
            check_storable(pair)
        return changes


class PushRequest(BaseModel):
    """``POST /v1/push``: a batch of outbox operations, oldest first."""

    operations: list[PushOperation] = Field(max_length=MAX_BATCH)


class ConflictOut(BaseModel):
    """A conflict kept for review: the server's value stays, the client's is kept here."""

    id: str
    field: str
    kind: str = Field(description='"field" (same field edited) or "deleted".')
    base: Any
    server: Any
    client: Any


class PushResult(BaseModel):
    """The answer for one operation."""

    op_id: str
    status: PushStatus
    rev: int | None
    server_seq: int | None
    conflicts: list[ConflictOut]
    reason: str | None = Field(description="Persian reason of a rejection or conflict.")
    reason_en: str | None
    original_status: str | None = Field(description="For a replay: the first answer's status.")
    canonical_id: str | None = Field(
        default=None,
        description="The record the operation was applied to when it is not the row it "
        "named: the server already had this holder (supporter) under that id, registered "
        "by another office with the same national (legal) ID. The office merges its copy.",
    )


class PushResponse(BaseModel):
    """``POST /v1/push``: one result per operation, in order."""

    results: list[PushResult]


# --- pull -----------------------------------------------------------------------------


class PullChange(BaseModel):
    """One record of the change feed."""

    table: str
    id: str
    rev: int
    deleted: bool
    left_scope: bool = Field(
        default=False,
        description="The record left the office's scope (its licence moved away): the "
        "office drops its copy; it is not deleted.",
    )
    server_seq: int
    data: dict[str, Any]
    merged_into: str | None = Field(
        default=None,
        description="For a tombstone of a record folded into another (the same holder or "
        "supporter registered at two offices): the record it became.",
    )


class PullResponse(BaseModel):
    """``GET /v1/pull``: a page of the change feed in the office's scope."""

    changes: list[PullChange]
    cursor: int = Field(description="The last server_seq in the page (or since when empty).")
    has_more: bool


# --- verification (common.scope_digest) -----------------------------------------------

#: Rows a verification request may leave out (changes the office has not had accepted).
MAX_VERIFY_EXCLUDE = 5000


class RowRef(BaseModel):
    """A record by table and id."""

    table: str = Field(max_length=40)
    id: str = Field(max_length=64)


class VerifyRequest(BaseModel):
    """``POST /v1/verify``: the office's pull cursor, and the records it leaves out of the
    comparison (its changes the server has not accepted yet: pending or rejected)."""

    cursor: JsonInt = Field(ge=0, le=2**62)
    exclude: list[RowRef] = Field(default_factory=list, max_length=MAX_VERIFY_EXCLUDE)


class ScopeOut(BaseModel):
    """One scope (the live records of ``table`` whose id falls in ``bucket``): how many
    the office sees and their digest (64 bits, hexadecimal)."""

    table: str
    bucket: int
    count: int
    digest: str


class VerifyResponse(BaseModel):
    """``POST /v1/verify``: every non-empty scope of the office on the server."""

    scopes: list[ScopeOut]
    changes_waiting: bool = Field(
        description="The feed holds changes after the request's cursor: pull them first "
        "(the scopes are the server's current state)."
    )


class ScopeRowsResponse(BaseModel):
    """``GET /v1/verify/rows``: the records of one scope the office sees (tombstones and
    folded records included), by id, a page at a time."""

    changes: list[PullChange]
    after: str = Field(description="The last id of the page: the next page starts after it.")
    has_more: bool


# --- numbers and reference data -------------------------------------------------------


class NumbersRequest(BaseModel):
    """``POST /v1/numbers``: how many licence numbers to reserve."""

    count: JsonInt = Field(ge=1, le=MAX_NUMBERS)


class NumbersResponse(BaseModel):
    """A reserved range: ``PREFIX-first`` .. ``PREFIX-last`` (inclusive), this office's."""

    prefix: str
    first: int
    last: int


class ReferenceResponse(BaseModel):
    """``GET /v1/reference``: provinces, counties and the business-field catalogue."""

    version: str
    tables: dict[str, list[dict[str, Any]]] = Field(
        description="Rows per table, parents first: province, county, field_group, business_field."
    )
    catalogue_version: int = Field(
        default=0,
        description="The central catalogue's version (0: the shipped catalogue; one more "
        "for each change an operator imported).",
    )


# --- signing keys ---------------------------------------------------------------------


class PublishedKeyOut(BaseModel):
    """One key of the published set."""

    key_id: str
    public_key: str = Field(description="The raw 32-byte Ed25519 public key, base64.")
    office_id: str
    office_name: str
    province_code: str
    province_name: str
    county_code: str = Field(description='"" for a province office.')
    county_name: str
    valid_from: dt.datetime | None
    retired_at: dt.datetime | None = Field(description="The desk stopped signing with it.")
    revoked_at: dt.datetime | None = Field(
        description="Revoked: what it signed from then on (or undated) is not genuine."
    )
    revoked_reason: str


class KeySetOut(BaseModel):
    """The published key set (docs/certificates.md)."""

    format: str = Field(examples=["daftar-keys"])
    version: int
    keys_version: str = Field(description="Digest of the keys; the handshake carries it.")
    generated_at: dt.datetime
    keys: list[PublishedKeyOut]


class KeyRegistration(BaseModel):
    """``PUT /v1/keys/{key_id}``: a desk's public key with its proof of possession."""

    public_key: str = Field(max_length=64)
    proof: str = Field(
        max_length=100,
        description="base64 Ed25519 signature by the key of "
        '"daftar-key-registration-v1\\n<office id>\\n<key id>".',
    )
    valid_from: AwareDatetime | None = None
    retired_at: AwareDatetime | None = None


class KeyRetirement(BaseModel):
    """``POST /v1/keys/{key_id}/retire``."""

    retired_at: AwareDatetime | None = None


# --- the audit trail (docs/sync-protocol.md, "The audit trail") ---------------------------

#: At most this many audit entries per ``POST /v1/audit/{desk_id}``.
MAX_AUDIT_BATCH = 500
#: The longest ``rows`` of an entry (common.audit_chain.ROWS_PER_ENTRY rows of ~130 bytes).
MAX_AUDIT_ROWS_TEXT = 16_000


class AuditEntryIn(BaseModel):
    """One entry of a desk's hash-chained audit trail (common.audit_chain.ChainEntry)."""

    seq: JsonInt = Field(ge=1)
    office_id: str = Field(max_length=36)
    at: str = Field(max_length=40)
    account_id: str = Field(max_length=36)
    actor: str = Field(max_length=60)
    action: str = Field(max_length=32)
    record_kind: str = Field(max_length=40)
    record_id: str = Field(max_length=64)
    summary: str = Field(max_length=200)
    detail: str = Field(max_length=4000)
    prev_hash: str = Field(min_length=64, max_length=64)
    hash: str = Field(min_length=64, max_length=64)
    #: The append-only rows the action wrote, with digests (common.audit_chain.rows_text);
    #: absent from desks older than it.
    rows: str = Field(default="", max_length=MAX_AUDIT_ROWS_TEXT)


class AuditPush(BaseModel):
    """``POST /v1/audit/{desk_id}``: the desk's next entries, in seq order."""

    entries: list[AuditEntryIn] = Field(max_length=MAX_AUDIT_BATCH)


class AuditHead(BaseModel):
    """The last entry of a desk's trail the server holds (seq 0: none yet)."""

    seq: int
    hash: str
