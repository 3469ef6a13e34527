"""Per-scope verification (docs/sync-protocol.md, "Verification").

After a sync an office compares, scope by scope, the records it holds with the ones the
server has in its scope: counts and order-independent digests computed by the same
function on both sides (common.scope_digest). What an office sees is what it pulls: the
``record_scope`` rows of its county (of its province, for a province office), the very
filter of the change feed (server.pull.scoped), so no request here can name a record
outside the office's scope. A scope that differs is fetched again alone
(:func:`scope_rows`).

- ``POST /v1/verify`` (Bearer): the office's scopes (count and digest each), leaving out
  the records the office names (its changes not accepted yet), and whether the feed
  holds changes after its cursor (then the office pulls first).
- ``GET /v1/verify/rows?table=&bucket=&after=&limit=`` (Bearer): one scope's records, a
  page at a time, to apply like pulled ones.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from common.protocol import (
    MAX_PULL,
    ErrorResponse,
    ScopeOut,
    ScopeRowsResponse,
    VerifyRequest,
    VerifyResponse,
)
from common.scope_digest import BUCKETS, Scope, bucket_of, digests
from server.auth import Bearer, office_work
from server.models import Office, Record, RecordScope
from server.pull import FEED_COLUMNS, change_of, changes_after, scoped
from server.records import OFFICE_OWNED, SYNCED_TABLES

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorResponse, "description": "Missing, unknown or revoked token."},
    413: {"model": ErrorResponse, "description": "Request body too large."},
    422: {"description": "Malformed request (an unknown table, a bucket out of range)."},
}

router = APIRouter()


def _visible(office: Office, *columns: Any) -> Any:
    """``SELECT columns`` of the records ``office`` sees (each once)."""
    query = (
        select(*columns)
        .join(
            RecordScope,
            and_(RecordScope.table_name == Record.table_name, RecordScope.id == Record.id),
        )
        .where(Record.table_name.in_(sorted(SYNCED_TABLES)))
        .distinct()
    )
    return scoped(query, RecordScope, office)


def scope_digests(
    session: Session, office: Office, exclude: Collection[tuple[str, str]] = ()
) -> dict[tuple[str, int], Scope]:
    """The office's scopes on the server ((table, bucket) → count and digest of its live
    records), leaving out the records in ``exclude``."""
    left_out = set(exclude)
    live = Record.deleted.is_(False)
    rows = session.execute(_visible(office, Record.table_name, Record.id, Record.rev).where(live))
    owned = session.execute(  # the office's own records (staff accounts): no county scope
        select(Record.table_name, Record.id, Record.rev).where(
            Record.owner_office == office.id, live
        )
    )
    return digests(
        (table, row_id, rev)
        for table, row_id, rev in (*rows, *owned)
        if (table, row_id) not in left_out
    )


@dataclass(frozen=True)
class ScopePage:
    """A page of one scope's records."""

    changes: list[dict[str, Any]]
    after: str
    has_more: bool


def scope_rows(
    session: Session, office: Office, table: str, bucket: int, after: str, limit: int
) -> ScopePage:
    """The records of ``table`` in ``bucket`` the office sees, by id after ``after``, at
    most ``limit`` of them (tombstones and folded records too: the office applies them
    like pulled ones)."""
    # From record_scope alone, along its primary key (table, id): joined to record, the
    # "id > after" bound would lead SQLite to range-scan the scopes for every record.
    if table in OFFICE_OWNED:
        query = (
            select(Record.id)
            .where(Record.table_name == table, Record.owner_office == office.id)
            .where(Record.id > after)
            .order_by(Record.id)
        )
    else:
        query = scoped(
            select(RecordScope.id)
            .where(RecordScope.table_name == table, RecordScope.id > after)
            .distinct()
            .order_by(RecordScope.id),
            RecordScope,
            office,
        )
    ids = [row_id for row_id in session.scalars(query) if bucket_of(row_id) == bucket]
    page, has_more = ids[:limit], len(ids) > limit
    records = {
        row.id: row
        for start in range(0, len(page), 500)
        for row in session.execute(
            select(*FEED_COLUMNS).where(
                Record.table_name == table, Record.id.in_(page[start : start + 500])
            )
        )
    }
    changes = [change_of(row) for row_id in page if (row := records.get(row_id)) is not None]
    return ScopePage(changes, page[-1] if page else after, has_more)


@router.post("/v1/verify", response_model=VerifyResponse, responses=_ERRORS)
async def verify_endpoint(
    body: VerifyRequest, request: Request, credentials: Bearer
) -> VerifyResponse:
    """The office's scopes on the server: count and digest of each (common.scope_digest)."""

    def work(db_session: Session, office: Office) -> VerifyResponse:
        exclude = {(ref.table, ref.id) for ref in body.exclude}
        scopes = scope_digests(db_session, office, exclude)
        return VerifyResponse(
            scopes=[
                ScopeOut(
                    table=table, bucket=bucket, count=scope.count, digest=f"{scope.digest:016x}"
                )
                for (table, bucket), scope in sorted(scopes.items())
            ],
            changes_waiting=changes_after(db_session, office, body.cursor),
        )

    return await office_work(request, credentials, work)


@router.get("/v1/verify/rows", response_model=ScopeRowsResponse, responses=_ERRORS)
async def scope_rows_endpoint(
    request: Request,
    credentials: Bearer,
    table: Annotated[str, Query(max_length=40)],
    bucket: Annotated[int, Query(ge=0, lt=BUCKETS)],
    after: Annotated[str, Query(max_length=64)] = "",
    limit: Annotated[int, Query(ge=1, le=MAX_PULL)] = MAX_PULL,
) -> ScopeRowsResponse:
    """One scope's records the office sees, by id after ``after`` (an unknown table has
    none)."""

    def work(db_session: Session, office: Office) -> ScopeRowsResponse:
        if table not in SYNCED_TABLES:
            return ScopeRowsResponse(changes=[], after=after, has_more=False)
        page = scope_rows(db_session, office, table, bucket, after, limit)
        return ScopeRowsResponse.model_validate(
            {"changes": page.changes, "after": page.after, "has_more": page.has_more}
        )

    return await office_work(request, credentials, work)
