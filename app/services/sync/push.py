"""Pushing the outbox: oldest first, in batches, each batch's results in one transaction.

Accepted operations (applied, merged, conflict, replayed) leave the outbox; rejected ones
stay, quarantined with the server's Persian reason, and never block the rest. Conflicts
are kept for a clerk (``sync_conflict``) and the record shows the server's value. A
holder (supporter) the server already had under another id is folded into it
(app.services.sync.identity). A batch whose answer never arrived is pushed again and
answered ``replayed``: nothing is applied twice. An edit saved while a push is in flight
is a new outbox row and waits for the next round.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from app.models import OutboxOperation, SyncConflict
from app.models.sync import OUTBOX_PENDING, OUTBOX_QUARANTINED
from app.services.core.outbox import pending_count, row_snapshot
from app.services.sync.errors import SyncError
from app.services.sync.identity import IDENTITY_COLUMNS, fold
from app.services.sync.report import SyncStep
from app.services.sync.tables import MODELS, chunks, decode_row, dump, pending_fields, rows_written
from common.protocol import ConflictOut, PushOperation, PushResult

log = logging.getLogger("daftar.sync")

PUSH_BATCH = 500
#: Keep a pushed batch well under the server's 1 MB request limit.
PUSH_MAX_BYTES = 900_000

#: Why an operation the protocol can't carry is not pushed (a damaged outbox row).
MALFORMED_REASON = "این تغییر در قالب همگام‌سازی نمی‌گنجد و فرستاده نشد: {detail}"


@dataclass
class Batch:
    """Outbox operations pushed in one request."""

    #: The outbox rows, oldest first.
    ops: list[OutboxOperation] = field(default_factory=list)
    #: What is sent: the rows the protocol can carry, in the same order.
    operations: list[PushOperation] = field(default_factory=list)
    #: The rows it can't (a damaged outbox row): op_id → why, kept when quarantined.
    malformed: dict[str, str] = field(default_factory=dict)


class Pusher(SyncStep):
    """Pushes one office's outbox to the server (no handshake: the sync client's job)."""

    def run(self) -> None:
        """Push the outbox, oldest first, one batch per request."""
        done = 0
        with self.db.session() as session:
            total = pending_count(session)
        last_seq = 0
        while True:
            self.progress.check()
            with self.db.session() as session:
                batch = self.next_batch(session, last_seq)
            if not batch.ops:
                return
            self.progress.report(done, total, "ارسال تغییرها به سرور…")
            results = self.transport.push(batch.operations) if batch.operations else []
            with self.db.session() as session:
                self._record_results(session, batch, results)
            done += len(batch.ops)
            last_seq = batch.ops[-1].seq
            self.progress.report(done, total, "ارسال تغییرها به سرور…")

    def next_batch(self, session: Session, after_seq: int) -> Batch:
        """The next pending operations after outbox position ``after_seq`` that fit in
        one request."""
        ops = list(
            session.scalars(
                select(OutboxOperation)
                .where(OutboxOperation.state == OUTBOX_PENDING, OutboxOperation.seq > after_seq)
                .order_by(OutboxOperation.seq)
                .limit(PUSH_BATCH)
            )
        )
        full_rows = self._rows_for_bulk_inserts(session, ops)
        batch = Batch()
        size = 20
        for op in ops:
            item = _operation(op, full_rows)
            item_size = (
                len(item.model_dump_json().encode("utf-8"))
                if isinstance(item, PushOperation)
                else 0
            )
            if batch.ops and size + item_size > PUSH_MAX_BYTES:
                break
            size += item_size + 1
            batch.ops.append(op)
            if isinstance(item, PushOperation):
                batch.operations.append(item)
            else:
                batch.malformed[op.op_id] = item
        session.expunge_all()
        return batch

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
            for chunk in chunks(ids):
                for row in session.scalars(select(model).where(model.id.in_(chunk))):
                    rows[(table, row.id)] = row_snapshot(row)
        return rows

    def _record_results(
        self,
        session: Session,
        batch: Batch,
        results: Sequence[PushResult],
    ) -> None:
        accepted: list[str] = []
        touched: dict[str, set[str]] = defaultdict(set)
        folds: list[tuple[str, str, str]] = []
        answers = iter(results)
        for op in batch.ops:
            if op.op_id in batch.malformed:
                self._quarantine(session, op.op_id, batch.malformed[op.op_id])
                continue
            result = next(answers)
            if result.op_id != op.op_id:
                raise SyncError("پاسخ سرور با تغییرهای فرستاده‌شده نمی‌خواند.", "bad_answer")
            if result.status == "replayed":
                self.report.repeated += 1
            if result.status == "rejected":
                self._quarantine(session, op.op_id, result.reason or result.reason_en or "")
                continue
            accepted.append(op.op_id)
            for conflict in result.conflicts:
                if self._keep_conflict(session, op, conflict):
                    touched[op.table_name].add(op.row_id)
            canonical = result.canonical_id
            if op.table_name in IDENTITY_COLUMNS and canonical and canonical != op.row_id:
                folds.append((op.table_name, op.row_id, canonical))
        for chunk in chunks(accepted):
            session.execute(delete(OutboxOperation).where(OutboxOperation.op_id.in_(chunk)))
        for table, alias_id, canonical_id in folds:
            # The server already had this holder (supporter): its conflicts are stored.
            if fold(session, table, alias_id, canonical_id):
                touched[table].add(canonical_id)
        self.report.pushed += len(accepted)
        self.report.changed(rows_written(session, touched))

    def _quarantine(self, session: Session, op_id: str, reason: str) -> None:
        session.execute(
            sql_update(OutboxOperation)
            .where(OutboxOperation.op_id == op_id)
            .values(state=OUTBOX_QUARANTINED, error=reason)
        )

    def _keep_conflict(self, session: Session, op: OutboxOperation, conflict: ConflictOut) -> bool:
        """Store a conflict for review and show the server's value locally; True when the
        local row changed."""
        if not conflict.id or session.get(SyncConflict, conflict.id) is not None:
            return False
        column, kind = conflict.field, conflict.kind or "field"
        session.add(
            SyncConflict(
                id=conflict.id,
                table_name=op.table_name,
                row_id=op.row_id,
                field=column,
                kind=kind,
                base_value=dump(conflict.base),
                server_value=dump(conflict.server),
                client_value=dump(conflict.client),
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
            values = {"deleted": bool(conflict.server)}
        elif kind == "deleted":
            values = {"deleted": True}
        else:
            values = decode_row(model, {column: conflict.server})
        values = {
            k: v
            for k, v in values.items()
            if k not in later and "*" not in later and _target_present(session, model, k, v)
        }
        if not values:
            return False
        session.execute(sql_update(model).where(model.id == op.row_id).values(**values))
        return True


def _operation(
    op: OutboxOperation, full_rows: dict[tuple[str, str], dict[str, Any]]
) -> PushOperation | str:
    """The protocol form of an outbox row, or why it can't have one (Persian)."""
    changes: Any = json.loads(op.changes or "{}")
    if op.op == "insert" and not changes:
        snapshot = full_rows.get((op.table_name, op.row_id))
        changes = {k: [None, v] for k, v in (snapshot or {}).items()}
    try:
        return PushOperation(
            op_id=op.op_id,
            table=op.table_name,
            row_id=op.row_id,
            op=op.op,  # type: ignore[arg-type]  # checked by the model
            base_rev=op.base_rev,
            changes=changes,
            account_id=op.account_id,
            actor=op.actor,
            desk_id=op.desk_id,
        )
    except ValidationError as exc:
        problem = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in problem["loc"])
        log.warning("outbox %s can't be pushed: %s: %s", op.op_id, where, problem["msg"])
        return MALFORMED_REASON.format(detail=f"{where}: {problem['msg']}")


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
