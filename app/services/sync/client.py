"""The sync client: handshake, push the outbox, pull the change feed (docs/sync-protocol.md).

One sync is: a handshake (protocol, clock skew, whether anything waits), the reference
data when the server's differs (central wins), licence numbers when the office's pool
runs low, the outbox pushed oldest first in batches, then the server's change feed
pulled page by page. Every step is safe to repeat:

- a batch's results are written in one transaction (accepted operations leave the
  outbox, rejected ones are quarantined with the server's reason, conflicts are kept
  for a clerk); a batch whose answer never arrived is pushed again and the server
  answers ``replayed`` — nothing is applied twice;
- a pulled page is applied in the same transaction that stores the new cursor, so an
  interruption repeats at most one page;
- local rows with changes still waiting to be pushed are never overwritten: the fields
  those changes touch keep the local value (the server merges them on the next push).

No Qt here: the GUI runs :func:`run_sync` in a worker with a Progress; the CLI and tests
call it directly. The network goes through :class:`Transport` (httpx).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Boolean, Date, DateTime, Table, bindparam, delete, func, insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from app.models import (
    CertificateIssue,
    ClosureDay,
    Event,
    EventAttendance,
    EventParticipant,
    Licence,
    LicenceHistory,
    NetworkMember,
    NumberPool,
    Office,
    OutboxOperation,
    Person,
    Supporter,
    SyncConflict,
    SyncMixin,
    new_id,
    utcnow,
)
from app.models.sync import OUTBOX_PENDING, OUTBOX_QUARANTINED
from app.services.core.credentials import load_token, store_token
from app.services.core.db import HEAD_REVISION, Database, open_database
from app.services.core.office import get_office, get_setting, set_setting
from app.services.core.outbox import pending_count, row_snapshot
from app.services.core.progress import Progress
from app.services.core.reference import apply_reference_rows
from app.services.core.search_keys import refresh_network_search_keys, refresh_search_keys
from app.services.core.signing_keys import ensure_signing_key, sync_keys
from app.services.sync import security as sync_security
from app.services.sync.checks import IncomingRows
from app.services.sync.errors import SyncError as SyncError
from app.services.sync.errors import offline_error as offline_error
from app.services.sync.identity import IDENTITY_COLUMNS, MERGED, fold, held_duplicate
from common.text import isolate_ltr, to_persian_digits

log = logging.getLogger("daftar.sync")

#: The sync protocol this client speaks (docs/sync-protocol.md).
PROTOCOL_VERSION = 1
CLIENT_VERSION = "0.4"

#: Synced tables, parents first (each table's foreign keys point at tables above it),
#: and their models.
MODELS: dict[str, type[SyncMixin]] = {
    "person": Person,
    "licence": Licence,
    "supporter": Supporter,
    "network_member": NetworkMember,
    "event": Event,
    "event_participant": EventParticipant,
    "event_attendance": EventAttendance,
    "closure_day": ClosureDay,
    "licence_history": LicenceHistory,
    "certificate_issue": CertificateIssue,
}
#: Unique columns besides the id: two offices offline may both use the same value.
UNIQUE_COLUMNS = {
    "person": ("national_id",),
    "licence": ("number", "unique_id"),
    "event": ("code",),
    "certificate_issue": ("serial",),
}
#: Tables whose ``person_id`` names a holder: a holder the server has twice shows as the
#: local one.
_PERSON_REFERRERS = frozenset({"licence", "network_member", "event_participant"})
#: Tables with a local search key (not synced; rebuilt from the row after a pull).
SEARCH_KEY_TABLES = frozenset({"licence", "supporter", "event"})
#: Columns a pulled row never sets (local-only, or set from the change's envelope).
_LOCAL_ONLY = frozenset({"local_seq", "search_key", "updated_at"})

PUSH_BATCH = 500
#: Keep a pushed batch well under the server's 1 MB request limit.
PUSH_MAX_BYTES = 900_000
PULL_PAGE = 1000
#: Reserve more licence numbers when fewer than this many are left.
POOL_LOW = 2000
POOL_SIZE = 5000

#: Why a change of a record that left this office's scope is not pushed.
LEFT_SCOPE_REASON = (
    "این رکورد دیگر در حوزه این اداره نیست (به شهرستان دیگری منتقل شده است)؛ "
    "تغییر آن فرستاده نمی‌شود."
)

# Settings keys.
KEY_SERVER = "sync.server_url"
KEY_OFFICE = "sync.office_id"
KEY_CURSOR = "sync.cursor"
KEY_LAST_SYNC = "sync.last_sync_at"
KEY_LAST_ERROR = "sync.last_error"
KEY_REFERENCE = "sync.reference_version"
KEY_SKEW = "sync.clock_skew_seconds"


# --- transport ------------------------------------------------------------------------


@dataclass
class Transport:
    """The server's HTTP API (JSON over HTTP, Bearer token). Which addresses are allowed
    and how certificates are verified: app.services.sync.security."""

    base_url: str
    token: str
    #: An httpx.Client (made here when None) or anything with the same ``request`` and
    #: ``close`` (starlette's TestClient in tests).
    client: Any = None
    timeout: float = 60.0
    #: Round trips made (the bench and tests count them).
    round_trips: int = 0
    #: How the server's certificate is verified (sync_security.tls_verify).
    verify: Any = True

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._own_client = self.client is None
        if self.client is None:
            self.client = sync_security.http_client(self.timeout, self.verify)

    def close(self) -> None:
        if self._own_client and self.client is not None:
            self.client.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        assert self.client is not None
        headers = {"Authorization": f"Bearer {self.token}"}
        self.round_trips += 1
        try:
            if body is not None:
                content = json.dumps(body, ensure_ascii=False, default=str).encode("utf-8")
                headers["Content-Type"] = "application/json"
                response = self.client.request(
                    method, self.base_url + path, content=content, headers=headers, params=params
                )
            else:
                response = self.client.request(
                    method, self.base_url + path, headers=headers, params=params
                )
        except httpx.TransportError as exc:
            log.info("%s %s: %s", method, path, exc)
            raise (sync_security.tls_error(exc, self.base_url) or offline_error()) from exc
        if response.status_code == 200:
            answer = response.json()
            if not isinstance(answer, dict):
                raise SyncError("پاسخ سرور نامعتبر است.", "bad_answer")
            return answer
        try:
            error = response.json()
        except ValueError:
            error = {}
        message = error.get("message") if isinstance(error, dict) else None
        log.warning("%s %s: HTTP %s %s", method, path, response.status_code, error)
        code = error.get("error") if isinstance(error, dict) else None
        if response.status_code == 401:
            raise SyncError(
                message or "توکن دسترسی این اداره پذیرفته نشد. با مدیر سامانه تماس بگیرید.",
                "token_expired" if code == "token_expired" else "unauthorized",
            )
        if response.status_code == 429:
            raise SyncError(
                message or "سرور فعلاً درخواست‌های این رایانه را نمی‌پذیرد؛ کمی بعد تلاش کنید.",
                "rate_limited",
            )
        if response.status_code == 426:
            raise SyncError(message or "نسخه دفتر قدیمی است؛ لطفاً به‌روز کنید.", "too_old")
        if response.status_code >= 500:
            raise SyncError(
                message or "سرور مرکزی فعلاً پاسخ نمی‌دهد؛ کمی بعد دوباره تلاش کنید.",
                "server_error",
            )
        raise SyncError(message or f"سرور درخواست را نپذیرفت ({response.status_code}).", "refused")

    def handshake(self, cursor: int | None) -> dict[str, Any]:
        return self.call(
            "POST",
            "/v1/handshake",
            body={
                "protocol": PROTOCOL_VERSION,
                "client_schema": HEAD_REVISION,
                "client_version": CLIENT_VERSION,
                "client_time": utcnow().isoformat(),
                "cursor": cursor,
            },
        )

    def push(self, operations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        answer = self.call("POST", "/v1/push", body={"operations": operations})
        results = answer.get("results")
        if not isinstance(results, list) or len(results) != len(operations):
            raise SyncError("پاسخ سرور به ارسال تغییرها ناقص است.", "bad_answer")
        return results

    def pull(self, since: int, limit: int) -> dict[str, Any]:
        return self.call("GET", "/v1/pull", params={"since": since, "limit": limit})

    def numbers(self, count: int) -> dict[str, Any]:
        return self.call("POST", "/v1/numbers", body={"count": count})

    def reference(self) -> dict[str, Any]:
        return self.call("GET", "/v1/reference")


# --- the report -----------------------------------------------------------------------


@dataclass
class SyncReport:
    """What one sync did."""

    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    quarantined: int = 0
    round_trips: int = 0
    #: Pages or batches sent or received again after an interruption.
    repeated: int = 0
    skew_seconds: float = 0.0
    skew_warning: bool = False
    reference_changed: int = 0
    #: Signing keys of the published set added or changed locally.
    keys_changed: int = 0
    numbers_reserved: int = 0
    #: Pulled rows not applied because they break the rules (app.services.sync.checks).
    refused: int = 0
    seconds: float = 0.0
    complete: bool = False

    def summary_line(self) -> str:
        """The CLI's last line."""
        return f"pushed {self.pushed}, pulled {self.pulled}, conflicts {self.conflicts}"

    def message(self) -> str:
        """A Persian summary for the status line."""
        parts = [
            f"{to_persian_digits(str(self.pushed))} تغییر فرستاده شد",
            f"{to_persian_digits(str(self.pulled))} ردیف دریافت شد",
        ]
        if self.conflicts:
            parts.append(f"{to_persian_digits(str(self.conflicts))} تعارض برای بررسی")
        if self.quarantined:
            parts.append(f"{to_persian_digits(str(self.quarantined))} تغییر ردشده")
        if self.refused:
            parts.append(
                f"{to_persian_digits(str(self.refused))} ردیف دریافتی نامعتبر (در گزارش ثبت شد)"
            )
        return "، ".join(parts)


@dataclass(frozen=True)
class SyncStatus:
    """What the status line shows."""

    configured: bool
    server_url: str
    last_sync_at: dt.datetime | None
    pending: int
    quarantined: int
    conflicts: int
    last_error: str
    skew_seconds: float


def sync_status(session: Session) -> SyncStatus:
    """The office's sync state, from its settings and queues."""
    counts = dict(
        session.execute(
            select(OutboxOperation.state, func.count()).group_by(OutboxOperation.state)
        ).all()
    )
    conflicts = session.scalar(
        select(func.count()).select_from(SyncConflict).where(SyncConflict.resolved_at.is_(None))
    )
    last = get_setting(session, KEY_LAST_SYNC)
    skew = get_setting(session, KEY_SKEW)
    return SyncStatus(
        configured=bool(get_setting(session, KEY_SERVER)),
        server_url=get_setting(session, KEY_SERVER),
        last_sync_at=dt.datetime.fromisoformat(last) if last else None,
        pending=int(counts.get(OUTBOX_PENDING, 0)),
        quarantined=int(counts.get(OUTBOX_QUARANTINED, 0)),
        conflicts=int(conflicts or 0),
        last_error=get_setting(session, KEY_LAST_ERROR),
        skew_seconds=float(skew) if skew else 0.0,
    )


# --- settings -------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncSettings:
    """The server address and token of this office."""

    server_url: str
    token: str


def validate_server_url(url: str, *, insecure: bool = False) -> str:
    """A server address as stored (http/https, no trailing slash); raises SyncError:
    bad_url, or insecure_url for plain HTTP to another computer unless ``insecure``."""
    url = url.strip().rstrip("/")
    try:
        parsed = httpx.URL(url) if url else None
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise SyncError(
            f"نشانی سرور باید با {isolate_ltr('https://')} شروع شود؛ مثلاً "
            f"{isolate_ltr('https://sync.example.ir')}",
            "bad_url",
        )
    sync_security.check_secure(url, insecure=insecure)
    return url


def _account(session: Session) -> str:
    """The keyring account of this database's token: its office's (local) id."""
    office = get_office(session)
    return office.id if office is not None else "office"


def load_settings(session: Session) -> SyncSettings:
    return SyncSettings(get_setting(session, KEY_SERVER), load_token(session, _account(session)))


def save_settings(session: Session, server_url: str, token: str | None) -> str:
    """Store the server address and (when given) the token; returns where the token went
    ("keyring" / "database"). An empty address turns sync off (the token is forgotten).
    Plain HTTP to another computer only where this database allows it (sync_security)."""
    if not server_url.strip():
        set_setting(session, KEY_SERVER, "")
        sync_security.keep_insecure_for(session, "")
        store_token(session, _account(session), "")
        return ""
    url = validate_server_url(
        server_url, insecure=sync_security.insecure_allowed(session, server_url)
    )
    set_setting(session, KEY_SERVER, url)
    sync_security.keep_insecure_for(session, url)
    if token is None:
        return ""
    return store_token(session, _account(session), token.strip())


def remember_transport_options(
    session: Session, *, server_url: str = "", insecure: bool = False, ca_file: str | None = None
) -> None:
    """What ``daftar sync --insecure / --ca-file`` keep for this database: ``insecure``
    allows plain HTTP to the server of ``server_url`` (or of the stored address) and makes
    that address the office's; ``ca_file`` ("": the system's authorities) is stored."""
    if ca_file is not None:
        sync_security.store_ca_file(session, ca_file)
    if insecure:
        url = validate_server_url(server_url or get_setting(session, KEY_SERVER), insecure=True)
        sync_security.allow_insecure(session, url)
        set_setting(session, KEY_SERVER, url)


# --- value conversion -----------------------------------------------------------------


@functools.cache
def _columns(table: Table) -> dict[str, Any]:
    """The columns a pulled row may set, each with its decoder (None: as is)."""
    decoders: dict[str, Any] = {}
    for column in table.columns:
        if column.key in _LOCAL_ONLY:
            continue
        if isinstance(column.type, DateTime):
            decoders[column.key] = _as_datetime
        elif isinstance(column.type, Date):
            decoders[column.key] = _as_date
        elif isinstance(column.type, Boolean):
            decoders[column.key] = _as_bool
        else:
            decoders[column.key] = None
    return decoders


def _as_datetime(value: Any) -> Any:
    if isinstance(value, str):
        parsed = dt.datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return value


def _as_date(value: Any) -> Any:
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value


def _as_bool(value: Any) -> Any:
    return bool(value) if value is not None else value


def decode_row(model: type[Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """Pulled JSON values → column values of ``model``; unknown columns are dropped."""
    columns = _columns(model.__table__)
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in columns:
            decode = columns[key]
            values[key] = decode(value) if decode is not None and value is not None else value
    return values


def _chunks(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- search keys of rows written by sync --------------------------------------------------


# --- local fields waiting to be pushed ------------------------------------------------

ALL_FIELDS = frozenset({"*"})


def pending_fields(
    session: Session, table: str, row_ids: Sequence[str], *, after_seq: int = 0
) -> dict[str, frozenset[str]]:
    """For rows with operations not yet accepted by the server (pending or quarantined,
    after outbox position ``after_seq``): the fields those operations change
    (ALL_FIELDS for an insert or delete)."""
    found: dict[str, set[str]] = defaultdict(set)
    for chunk in _chunks(row_ids):
        for row_id, op, changes in session.execute(
            select(OutboxOperation.row_id, OutboxOperation.op, OutboxOperation.changes).where(
                OutboxOperation.table_name == table,
                OutboxOperation.row_id.in_(chunk),
                OutboxOperation.seq > after_seq,
            )
        ):
            if op != "update":
                found[row_id].add("*")
                continue
            try:
                found[row_id].update(json.loads(changes))
            except ValueError:
                found[row_id].add("*")
    return {
        row_id: (ALL_FIELDS if "*" in fields else frozenset(fields))
        for row_id, fields in found.items()
    }


# --- the sync -------------------------------------------------------------------------


class SyncClient:
    """One office database syncing with the central server."""

    def __init__(
        self, db: Database, transport: Transport, progress: Progress | None = None
    ) -> None:
        self.db = db
        self.transport = transport
        self.progress = progress or Progress()
        self.report = SyncReport()
        self._seen_conflicts: set[str] = set()
        self._incoming: IncomingRows | None = None

    # --- the whole sync ---

    def run(self) -> SyncReport:
        started = time.perf_counter()
        first_trip = self.transport.round_trips
        try:
            self._run()
        except SyncError as exc:
            self._remember_error(str(exc))
            raise
        finally:
            self.report.round_trips = self.transport.round_trips - first_trip
            self.report.seconds = time.perf_counter() - started
        return self.report

    def _run(self) -> None:
        with self.db.session() as session:
            cursor = int(get_setting(session, KEY_CURSOR) or 0)
            pending = pending_count(session)
            pool_left = pool_remaining(session)
            reference_version = get_setting(session, KEY_REFERENCE)
        self.progress.report(0, None, "در حال اتصال به سرور…")
        hello = self.transport.handshake(cursor)
        self._check_handshake(hello)
        if "keys_version" in hello:  # a server that publishes signing keys
            self.report.keys_changed = sync_keys(self.db, self.transport, hello["keys_version"])
        if hello.get("reference_version") != reference_version:
            self._pull_reference()
        if pool_left < POOL_LOW:
            self.reserve_numbers(POOL_SIZE)
        self.progress.check()
        if pending:
            self.push()
        if hello.get("changes_waiting") is not False or pending:
            self.pull()
        self._finish()

    def _check_handshake(self, hello: Mapping[str, Any]) -> None:
        protocol = int(hello.get("protocol") or 0)
        if protocol < PROTOCOL_VERSION and protocol < int(hello.get("min_protocol") or 0):
            raise SyncError("سرور مرکزی این نسخه از دفتر را نمی‌شناسد.", "protocol")
        self.report.skew_seconds = float(hello.get("clock_skew_seconds") or 0.0)
        self.report.skew_warning = bool(hello.get("skew_warning"))
        office = hello.get("office") or {}
        with self.db.session() as session:
            local = get_office(session)
            county = office.get("county") or {}
            province = office.get("province") or {}
            if local is not None and (
                (county.get("id") or None) != local.county_id
                or (province.get("id") and province.get("id") != local.province_id)
            ):
                where = county.get("name") or province.get("name") or "؟"
                raise SyncError(
                    f"این توکن متعلق به اداره «{office.get('name', '')}» ({where}) است، ولی "
                    f"این پایگاه داده متعلق به اداره {local.county_name or local.province_name} "
                    "است؛ توکن درست را از مدیر سامانه بگیرید.",
                    "wrong_office",
                )
            known = get_setting(session, KEY_OFFICE)
            if known and office.get("id") and known != office.get("id"):
                raise SyncError(
                    "این توکن متعلق به اداره دیگری است؛ این پایگاه داده با آن همگام نمی‌شود.",
                    "wrong_office",
                )
            if not known and office.get("id"):
                set_setting(session, KEY_OFFICE, str(office["id"]))
            set_setting(session, KEY_SKEW, f"{self.report.skew_seconds:.1f}")
        if self.report.skew_warning:
            log.warning("clock skew %.0f s against the server", self.report.skew_seconds)

    def _remember_error(self, message: str) -> None:
        try:
            with self.db.session() as session:
                set_setting(session, KEY_LAST_ERROR, message)
        except Exception:
            log.exception("could not store the sync error")

    def _finish(self) -> None:
        with self.db.session() as session:
            set_setting(session, KEY_LAST_SYNC, utcnow().isoformat())
            set_setting(session, KEY_LAST_ERROR, "")
            self.report.quarantined = int(
                session.scalar(
                    select(func.count())
                    .select_from(OutboxOperation)
                    .where(OutboxOperation.state == OUTBOX_QUARANTINED)
                )
                or 0
            )
        self.report.complete = True
        self.progress.report(1, 1, self.report.message())

    # --- reference data and numbers ---

    def _pull_reference(self) -> None:
        self.progress.report(0, None, "دریافت داده‌های پایه…")
        answer = self.transport.reference()
        with self.db.session() as session:
            self.report.reference_changed = store_reference(session, answer)

    def reserve_numbers(self, count: int) -> None:
        """Reserve ``count`` more licence numbers for this office (e.g. before a big
        import of rows without numbers)."""
        answer = self.transport.numbers(count)
        with self.db.session() as session:
            prefix = str(answer["prefix"])
            first, last = int(answer["first"]), int(answer["last"])
            session.add(NumberPool(prefix=prefix, first=first, last=last, next_value=first))
        self.report.numbers_reserved += last - first + 1

    # --- push ---

    def push(self) -> None:
        """Push the outbox, oldest first, one batch per request (no handshake)."""
        done = 0
        with self.db.session() as session:
            total = pending_count(session)
        last_seq = 0
        while True:
            self.progress.check()
            with self.db.session() as session:
                batch, payload = self._next_batch(session, last_seq)
            if not batch:
                return
            self.progress.report(done, total, "ارسال تغییرها به سرور…")
            results = self.transport.push(payload)
            with self.db.session() as session:
                self._record_results(session, batch, results)
            done += len(batch)
            last_seq = batch[-1].seq
            self.progress.report(done, total, "ارسال تغییرها به سرور…")

    def _next_batch(
        self, session: Session, after_seq: int
    ) -> tuple[list[OutboxOperation], list[dict[str, Any]]]:
        ops = list(
            session.scalars(
                select(OutboxOperation)
                .where(OutboxOperation.state == OUTBOX_PENDING, OutboxOperation.seq > after_seq)
                .order_by(OutboxOperation.seq)
                .limit(PUSH_BATCH)
            )
        )
        full_rows = self._rows_for_bulk_inserts(session, ops)
        batch: list[OutboxOperation] = []
        payload: list[dict[str, Any]] = []
        size = 20
        for op in ops:
            changes: Any = json.loads(op.changes or "{}")
            if op.op == "insert" and not changes:
                snapshot = full_rows.get((op.table_name, op.row_id))
                changes = {k: [None, v] for k, v in (snapshot or {}).items()}
            item = {
                "op_id": op.op_id,
                "table": op.table_name,
                "row_id": op.row_id,
                "op": op.op,
                "base_rev": op.base_rev,
                "changes": changes,
            }
            item_size = len(json.dumps(item, ensure_ascii=False, default=str).encode("utf-8"))
            if batch and size + item_size > PUSH_MAX_BYTES:
                break
            size += item_size + 1
            batch.append(op)
            payload.append(item)
        session.expunge_all()
        return batch, payload

    def _rows_for_bulk_inserts(
        self, session: Session, ops: Sequence[OutboxOperation]
    ) -> dict[tuple[str, str], dict[str, Any]]:
        wanted: dict[str, list[str]] = defaultdict(list)
        for op in ops:
            if op.op == "insert" and (op.changes or "{}") == "{}" and op.table_name in MODELS:
                wanted[op.table_name].append(op.row_id)
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for table, ids in wanted.items():
            model: Any = MODELS[table]
            for chunk in _chunks(ids):
                for row in session.scalars(select(model).where(model.id.in_(chunk))):
                    rows[(table, row.id)] = row_snapshot(row)
        return rows

    def _record_results(
        self,
        session: Session,
        batch: Sequence[OutboxOperation],
        results: Sequence[Mapping[str, Any]],
    ) -> None:
        accepted: list[str] = []
        touched: dict[str, set[str]] = defaultdict(set)
        folds: list[tuple[str, str, str]] = []
        for op, result in zip(batch, results, strict=True):
            if result.get("op_id") != op.op_id:
                raise SyncError("پاسخ سرور با تغییرهای فرستاده‌شده نمی‌خواند.", "bad_answer")
            status = result.get("status")
            if status == "replayed":
                self.report.repeated += 1
            if status == "rejected":
                session.execute(
                    sql_update(OutboxOperation)
                    .where(OutboxOperation.op_id == op.op_id)
                    .values(
                        state=OUTBOX_QUARANTINED,
                        error=str(result.get("reason") or result.get("reason_en") or ""),
                    )
                )
                continue
            accepted.append(op.op_id)
            for conflict in result.get("conflicts") or []:
                if self._keep_conflict(session, op, conflict):
                    touched[op.table_name].add(op.row_id)
            canonical = result.get("canonical_id")
            if op.table_name in IDENTITY_COLUMNS and canonical and canonical != op.row_id:
                folds.append((op.table_name, op.row_id, str(canonical)))
        for chunk in _chunks(accepted):
            session.execute(delete(OutboxOperation).where(OutboxOperation.op_id.in_(chunk)))
        for table, alias_id, canonical_id in folds:
            # The server already had this holder (supporter): its conflicts are stored.
            if fold(session, table, alias_id, canonical_id):
                touched[table].add(canonical_id)
        self.report.pushed += len(accepted)
        session.flush()
        refresh_search_keys(
            session, licence_ids=touched.get("licence", ()), person_ids=touched.get("person", ())
        )
        refresh_network_search_keys(
            session,
            supporter_ids=touched.get("supporter", ()),
            event_ids=touched.get("event", ()),
            licence_ids=touched.get("licence", ()),
            person_ids=touched.get("person", ()),
        )

    def _keep_conflict(
        self, session: Session, op: OutboxOperation, conflict: Mapping[str, Any]
    ) -> bool:
        """Store a conflict for review and show the server's value locally; True when the
        local row changed."""
        conflict_id = str(conflict.get("id") or "")
        if not conflict_id or session.get(SyncConflict, conflict_id) is not None:
            return False
        column = str(conflict.get("field") or "")
        kind = str(conflict.get("kind") or "field")
        session.add(
            SyncConflict(
                id=conflict_id,
                table_name=op.table_name,
                row_id=op.row_id,
                field=column,
                kind=kind,
                base_value=_dump(conflict.get("base")),
                server_value=_dump(conflict.get("server")),
                client_value=_dump(conflict.get("client")),
                op_id=op.op_id,
            )
        )
        self.report.conflicts += 1
        model = MODELS.get(op.table_name)
        if model is None:
            return False
        # Only operations made after this one keep their own value of the field.
        later = pending_fields(session, op.table_name, [op.row_id], after_seq=op.seq).get(
            op.row_id, frozenset()
        )
        values: dict[str, Any]
        if kind == "deleted" and column == "deleted":
            values = {"deleted": bool(conflict.get("server"))}
        elif kind == "deleted":
            values = {"deleted": True}
        else:
            values = decode_row(model, {column: conflict.get("server")})
        values = {
            k: v
            for k, v in values.items()
            if k not in later and "*" not in later and _target_present(session, model, k, v)
        }
        if not values:
            return False
        session.execute(sql_update(model).where(model.id == op.row_id).values(**values))
        return True

    # --- pull ---

    def pull(self) -> None:
        """Pull the change feed from the stored cursor until it is exhausted."""
        with self.db.session() as session:
            cursor = int(get_setting(session, KEY_CURSOR) or 0)
        done = 0
        connection = self.db.engine.connect()
        try:
            # Rows arrive in feed order, so a licence may come a page before the person
            # it points at: foreign keys are checked once the whole feed is in.
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            connection.commit()  # end SQLAlchemy's autobegun block; each page commits alone
            while True:
                self.progress.check()
                page = self.transport.pull(cursor, PULL_PAGE)
                changes = page.get("changes") or []
                new_cursor = int(page.get("cursor", cursor))
                with Session(bind=connection) as session:
                    self._apply_page(session, changes)
                    set_setting(session, KEY_CURSOR, str(new_cursor))
                    session.commit()
                done += len(changes)
                self.report.pulled += len(changes)
                cursor = new_cursor
                self.progress.report(done, None, "دریافت تغییرها از سرور…")
                if not page.get("has_more"):
                    break
            orphans = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.commit()
            if orphans:
                log.warning("after the pull, %d rows point at rows not here", len(orphans))
        finally:
            connection.rollback()
            connection.exec_driver_sql("PRAGMA foreign_keys = ON")
            connection.commit()
            connection.close()

    def _apply_page(self, session: Session, changes: Sequence[Mapping[str, Any]]) -> None:
        by_table: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for change in changes:
            table = change.get("table")
            if table in MODELS:
                by_table[str(table)].append(change)
            else:
                log.info("pull: ignoring a row of table %r", table)
        touched: dict[str, list[str]] = defaultdict(list)
        for table, model in MODELS.items():
            items = by_table.get(table)
            if not items:
                continue
            touched[table].extend(self._apply_rows(session, model, table, items))
        session.flush()
        refresh_search_keys(session, touched["licence"], touched["person"])
        refresh_network_search_keys(
            session,
            supporter_ids=touched["supporter"],
            event_ids=touched["event"],
            licence_ids=touched["licence"],
            person_ids=touched["person"],
        )

    def _apply_rows(
        self, session: Session, model: type[Any], table: str, items: Sequence[Mapping[str, Any]]
    ) -> list[str]:
        ids = [str(item["id"]) for item in items]
        existing: set[str] = set()
        for chunk in _chunks(ids):
            existing.update(session.scalars(select(model.id).where(model.id.in_(chunk))))
        waiting = pending_fields(session, table, ids)
        now = utcnow()
        inserts: dict[frozenset[str], list[dict[str, Any]]] = defaultdict(list)
        updates: dict[frozenset[str], list[dict[str, Any]]] = defaultdict(list)
        written: list[str] = []
        next_seq = 0
        if table == "licence":
            next_seq = int(session.scalar(select(func.max(Licence.local_seq))) or 0) + 1
        items = self._checked_items(session, table, items)
        duplicates = self._duplicates(session, model, table, items)
        person_map = self._duplicate_people(session) if table in _PERSON_REFERRERS else {}
        left: list[dict[str, Any]] = []
        merged: list[tuple[str, str]] = []
        for item in items:
            row_id = str(item["id"])
            if row_id in duplicates:
                continue
            if item.get("merged_into") and table in IDENTITY_COLUMNS:
                merged.append((row_id, str(item["merged_into"])))
                continue
            if item.get("left_scope"):
                # No longer this office's (its licence moved to another county): hide the
                # local copy without telling anyone; it comes back if it returns.
                if row_id in existing and "*" not in waiting.get(row_id, frozenset()):
                    left.append({"_id": row_id, "deleted": True})
                continue
            values = decode_row(model, item.get("data") or {})
            values.pop("id", None)
            if values.get("person_id") in person_map:
                values["person_id"] = person_map[values["person_id"]]
            values.update(
                rev=int(item.get("rev") or 1),
                deleted=bool(item.get("deleted")),
                server_seq=int(item.get("server_seq") or 0),
                updated_at=now,
            )
            fields = waiting.get(row_id)
            if fields is not None:
                if "*" in fields:
                    continue  # created or deleted here and not yet accepted: keep it all
                values = {k: v for k, v in values.items() if k not in fields}
            if row_id in existing:
                values["_id"] = row_id
                updates[frozenset(values)].append(values)
            elif values["deleted"]:
                continue  # a tombstone of a row this office never had
            else:
                values["id"] = row_id
                if table == "licence":
                    values["local_seq"] = next_seq
                    next_seq += 1
                if table in SEARCH_KEY_TABLES:
                    values.setdefault("search_key", "")
                inserts[frozenset(values)].append(values)
            written.append(row_id)
        for rows in inserts.values():
            session.execute(insert(model), rows)
        for row_id, (column, local_id, data) in duplicates.items():
            self._keep_duplicate(session, table, row_id, column, local_id, data)
        base: Table = model.__table__
        if left:
            session.execute(
                sql_update(base).where(base.c.id == bindparam("_id")).values(deleted=True),
                [{"_id": row["_id"]} for row in left],
            )
            written.extend(row["_id"] for row in left)
            _hold_back(session, table, [row["_id"] for row in left])
        for keys, rows in updates.items():
            columns = sorted(k for k in keys if k != "_id")
            session.execute(
                sql_update(base)
                .where(base.c.id == bindparam("_id"))
                .values({name: bindparam(name) for name in columns}),
                rows,
            )
        for alias_id, canonical_id in merged:
            held = held_duplicate(session, table, canonical_id)
            incoming = decode_row(model, held) if held is not None else None
            if fold(
                session,
                table,
                alias_id,
                canonical_id,
                incoming=incoming,
                raise_conflicts_for=self._office_ids(session),
            ):
                written.append(canonical_id)
        return written

    def _checked_items(
        self, session: Session, table: str, items: Sequence[Mapping[str, Any]]
    ) -> list[Mapping[str, Any]]:
        """Live rows checked and normalised like pushed ones; refused rows are dropped
        (and counted). Tombstones, folds and rows leaving the scope carry no data."""
        if self._incoming is None:
            self._incoming = IncomingRows(session)
        kept: list[Mapping[str, Any]] = []
        for item in items:
            if item.get("deleted") or item.get("left_scope") or item.get("merged_into"):
                kept.append(item)
                continue
            data = self._incoming.check(table, str(item["id"]), item.get("data") or {})
            if data is None:
                self.report.refused += 1
                continue
            kept.append({**item, "data": data})
        return kept

    def _office_ids(self, session: Session) -> frozenset[str]:
        """The ids this office goes by: its local id and the server's id for it."""
        local = get_office(session)
        return frozenset(
            value
            for value in (local.id if local else "", get_setting(session, KEY_OFFICE))
            if value
        )

    def _duplicates(
        self, session: Session, model: Any, table: str, items: Sequence[Mapping[str, Any]]
    ) -> dict[str, tuple[str, str, Mapping[str, Any]]]:
        """Incoming live rows whose unique value (national ID, licence number, serial) a
        different local row already holds: row id → (column, local id, data)."""
        found: dict[str, tuple[str, str, Mapping[str, Any]]] = {}
        for column in UNIQUE_COLUMNS.get(table, ()):
            claimed: dict[Any, str] = {}
            wanted = [
                item
                for item in items
                if not item.get("deleted") and (item.get("data") or {}).get(column)
            ]
            values = [item["data"][column] for item in wanted]
            for chunk in _chunks(values):
                for local_id, value in session.execute(
                    select(model.id, getattr(model, column)).where(
                        getattr(model, column).in_(chunk), model.deleted.is_(False)
                    )
                ):
                    claimed[value] = local_id
            for item in wanted:
                row_id, value = str(item["id"]), item["data"][column]
                holder = claimed.setdefault(value, row_id)
                if holder != row_id and row_id not in found:
                    found[row_id] = (column, holder, item["data"])
        return found

    def _keep_duplicate(
        self,
        session: Session,
        table: str,
        row_id: str,
        column: str,
        local_id: str,
        data: Mapping[str, Any],
    ) -> None:
        existing = session.scalar(
            select(SyncConflict).where(
                SyncConflict.row_id == row_id,
                SyncConflict.kind == "duplicate",
                SyncConflict.resolved_at.is_(None),
            )
        )
        if existing is not None:
            existing.server_value = _dump(dict(data))
            return
        log.warning("pull: %s %s duplicates local %s by %s", table, row_id, local_id, column)
        session.add(
            SyncConflict(
                id=new_id(),
                table_name=table,
                row_id=row_id,
                field=column,
                kind="duplicate",
                base_value="null",
                server_value=_dump(dict(data)),
                client_value=_dump(local_id),
            )
        )
        session.flush()
        self.report.conflicts += 1

    def _duplicate_people(self, session: Session) -> dict[str, str]:
        """Holders the server has twice (made offline in two offices): their other id →
        the local holder's id, so their licences show under the holder this office has."""
        return {
            row_id: json.loads(local)
            for row_id, local in session.execute(
                select(SyncConflict.row_id, SyncConflict.client_value).where(
                    SyncConflict.kind == "duplicate",
                    SyncConflict.table_name == "person",
                    SyncConflict.resolution != MERGED,
                )
            )
        }


#: Rows that belong to a parent row (a licence's history and certificates, ...): when the
#: parent leaves this office's scope, so do they.
_FOLLOWERS: dict[str, tuple[tuple[type[Any], str], ...]] = {
    "licence": ((LicenceHistory, "licence_id"), (CertificateIssue, "licence_id")),
    "supporter": ((NetworkMember, "supporter_id"),),
    "event": ((EventParticipant, "event_id"), (EventAttendance, "event_id")),
    "event_participant": ((CertificateIssue, "participant_id"),),
}


def _hold_back(session: Session, table: str, row_ids: Sequence[str]) -> None:
    """Records that left this office's scope (and the rows that belong to them): what
    was waiting to be pushed for them never will be; it waits, with the reason, among
    the rejected changes, where the clerk sees it."""
    targets: list[tuple[str, list[str]]] = [(table, list(row_ids))]
    for model, column in _FOLLOWERS.get(table, ()):
        found: list[str] = []
        for chunk in _chunks(row_ids):
            found.extend(session.scalars(select(model.id).where(getattr(model, column).in_(chunk))))
        targets.append((model.__tablename__, found))
    for name, ids in targets:
        for chunk in _chunks(ids):
            session.execute(
                sql_update(OutboxOperation)
                .where(
                    OutboxOperation.table_name == name,
                    OutboxOperation.row_id.in_(chunk),
                    OutboxOperation.state == OUTBOX_PENDING,
                )
                .values(state=OUTBOX_QUARANTINED, error=LEFT_SCOPE_REASON)
            )


def _target_present(session: Session, model: type[Any], column: str, value: Any) -> bool:
    """Whether a value may be written now: a reference (a supporter's licence, say) to a
    row this office does not have yet is left for the pull, which brings both."""
    if value is None:
        return True
    for key in model.__table__.columns[column].foreign_keys:
        target = key.column.table
        if session.execute(select(target.c.id).where(target.c.id == value)).first() is None:
            return False
    return True


def store_reference(session: Session, answer: Mapping[str, Any]) -> int:
    """Apply ``GET /v1/reference``'s answer (central wins) and remember its version;
    returns how many rows changed."""
    tables = answer.get("tables")
    if not isinstance(tables, dict):
        raise SyncError("داده‌های پایه سرور نامعتبر است.", "bad_answer")
    changed = apply_reference_rows(session, tables)
    set_setting(session, KEY_REFERENCE, str(answer.get("version", "")))
    return changed


def pool_remaining(session: Session) -> int:
    """How many reserved licence numbers are left."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(NumberPool.last - NumberPool.next_value + 1), 0)).where(
                NumberPool.next_value <= NumberPool.last
            )
        )
        or 0
    )


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


# --- entry points ---------------------------------------------------------------------


def transport_for(session: Session, *, server_url: str = "", token: str = "") -> Transport:
    """The transport of this database's settings (``server_url``/``token`` override)."""
    stored = load_settings(session)
    url = server_url or stored.server_url
    if not url:
        raise SyncError(
            "نشانی سرور مرکزی تنظیم نشده است (پرونده ← تنظیمات اداره ← همگام‌سازی).",
            "not_configured",
        )
    key = token or stored.token
    if not key:
        raise SyncError(
            "توکن دسترسی این اداره در این رایانه نیست؛ آن را در تنظیمات همگام‌سازی وارد کنید.",
            "no_token",
        )
    url = validate_server_url(url, insecure=sync_security.insecure_allowed(session, url))
    verify = sync_security.tls_verify(sync_security.stored_ca_file(session))
    return Transport(url, key, verify=verify)


def run_sync(
    db: Database,
    *,
    transport: Transport | None = None,
    progress: Progress | None = None,
) -> SyncReport:
    """Sync the database with its server (settings from the database unless given)."""
    own = transport is None
    if transport is None:
        with db.session() as session:
            transport = transport_for(session)
    try:
        return SyncClient(db, transport, progress).run()
    finally:
        if own:
            transport.close()


def setup_office_from_server(
    db: Database,
    server_url: str,
    token: str,
    *,
    insecure: bool = False,
    ca_file: str = "",
    transport: Transport | None = None,
    progress: Progress | None = None,
) -> SyncReport:
    """Set up the office of an open, empty database from the server: its identity, the
    reference data, and (by a first sync) the records already in its scope. ``insecure``
    allows (and remembers) plain HTTP to another computer; ``ca_file`` trusts that CA."""
    url = validate_server_url(server_url, insecure=insecure)
    token = token.strip()
    if not token:
        raise SyncError("توکن دسترسی اداره را وارد کنید.", "no_token")
    verify = sync_security.tls_verify(ca_file)
    own = transport is None
    transport = transport or Transport(url, token, verify=verify)
    try:
        hello = transport.handshake(None)
        reference = transport.reference()
        with db.session() as session:
            if get_office(session) is not None:
                raise SyncError(
                    "این پایگاه داده از قبل اداره‌ای دارد؛ برای دریافت از سرور، "
                    "فایل تازه‌ای انتخاب کنید.",
                    "not_empty",
                )
            store_reference(session, reference)
            office = hello["office"]
            session.add(
                Office(
                    id=str(office["id"]),
                    name=str(office["name"]),
                    province_id=str(office["province"]["id"]),
                    county_id=str(office["county"]["id"]) if office.get("county") else None,
                    licence_prefix=str(hello.get("licence_prefix") or "")[:12] or "1",
                )
            )
            ensure_signing_key(session)
            set_setting(session, KEY_OFFICE, str(office["id"]))
            if insecure:
                sync_security.allow_insecure(session, url)
            if ca_file:
                sync_security.store_ca_file(session, ca_file)
            save_settings(session, url, token)
        return SyncClient(db, transport, progress).run()
    finally:
        if own:
            transport.close()


def setup_from_server(
    path: Any,
    server_url: str,
    token: str,
    *,
    insecure: bool = False,
    ca_file: str = "",
    transport: Transport | None = None,
    progress: Progress | None = None,
) -> tuple[Database, SyncReport]:
    """Create an office database file from the server (see setup_office_from_server)."""
    validate_server_url(server_url, insecure=insecure)
    sync_security.tls_verify(ca_file)
    target = Path(path)
    existed = target.exists()
    db = open_database(target)
    try:
        report = setup_office_from_server(
            db,
            server_url,
            token,
            insecure=insecure,
            ca_file=ca_file,
            transport=transport,
            progress=progress,
        )
    except BaseException:
        db.close()
        if not existed:  # leave no half-made database behind: the clerk can try again
            for leftover in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
                leftover.unlink(missing_ok=True)
        raise
    return db, report
