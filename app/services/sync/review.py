"""What sync leaves for a clerk: conflicts to resolve and rejected changes to look at.

A **conflict** (app.models.SyncConflict) is a field this office changed while another
office changed it too (or an edit that met a delete). The record shows the server's
value; the clerk chooses:

- keep theirs: nothing changes locally; the server is told the conflict is resolved;
- keep mine / edit: the chosen value is written as an ordinary local change (outbox
  update made against the current value, so the server takes it), and the server is
  told the conflict is resolved. For an edit that met a delete, "keep mine" brings the
  record back; for a delete that met an edit, "keep mine" deletes it after all.

A **quarantined** operation is one the server rejected (with its Persian reason). It
stays in the outbox, never blocks the others, and protects its fields from being
overwritten by pulls; the clerk can send it again (after the cause is fixed, e.g. the
office's scope) or drop it.

Every resolution is one transaction with its outbox rows.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.models import (
    ClosureDay,
    Event,
    EventAttendance,
    EventParticipant,
    FacilityCase,
    Licence,
    NetworkMember,
    OutboxOperation,
    Person,
    Supporter,
    SyncConflict,
    utcnow,
)
from app.models.sync import OP_DELETE, OP_UPDATE, OUTBOX_PENDING, OUTBOX_QUARANTINED
from app.services.core.access import requires
from app.services.core.outbox import json_value, operation_row
from app.services.core.scope import scope_error
from app.services.core.search_keys import refresh_network_search_keys, refresh_search_keys
from app.services.facilities import records as facility_records
from app.services.licences.holders import validate_person
from app.services.licences.records import FIELD_LABELS, PERSON_FIELDS, PersonInput
from app.services.licences.service import LicenceService
from app.services.sync.tables import MODELS, decode_row
from common import jalali
from common.banks import bank_name
from common.errors import DomainError, ValidationError, ValidationErrors
from common.text import to_persian_digits
from common.validators import validate_text
from common.vocabulary import COLUMN_LABELS, Permission

KEEP_MINE = "mine"
KEEP_THEIRS = "theirs"
EDIT = "edit"
RESOLUTION_LABELS = {KEEP_MINE: "مقدار این اداره", KEEP_THEIRS: "مقدار سرور", EDIT: "مقدار تازه"}

TABLE_LABELS = {
    "person": "دارنده مجوز",
    "licence": "مجوز",
    "licence_history": "سابقه مجوز",
    "certificate_issue": "گواهی‌نامه",
    "supporter": "پشتیبان",
    "network_member": "عضو شبکه",
    "event": "رویداد",
    "event_participant": "شرکت‌کننده رویداد",
    "event_attendance": "حضور در رویداد",
    "closure_day": "روز تعطیل",
    "account": "حساب کاربری",
    "facility_case": "پرونده تسهیلات",
    "sales_channel": "کانال فروش",
    "purchase_contract": "قرارداد خرید تضمینی",
    "conflict": "تعارض",
}
_SUPPORTER_TABLES = ("supporter", "network_member")
_EVENT_TABLES = ("event", "event_participant", "event_attendance")
#: Field labels of the tables that have their own (app.services.licences.service has the rest).
_CLOSURE_FIELD_LABELS = {"day": "روز تعطیل", "reason": "دلیل تعطیلی"}
_OTHER_FIELD_LABELS = {
    "supporter_id": "پشتیبان",
    "person_id": "دارنده مجوز",
    "licence_id": "مجوز",
    "event_id": "رویداد",
    "participant_id": "شرکت‌کننده",
    "present": "حضور",
    "registered_at": "زمان ثبت‌نام",
    "serial": "شماره گواهی‌نامه",
}
OP_LABELS = {"insert": "ثبت", "update": "ویرایش", "delete": "حذف", "resolve": "حل تعارض"}
#: Licence fields a clerk may type a new value for in the review (person fields: all).
_EDITABLE_LICENCE_FIELDS = ("activity_address", "issue_date", "expiry_date", "status_reason")


@dataclass(frozen=True)
class ConflictView:
    """A conflict as the review screen shows it."""

    id: str
    table: str
    row_id: str
    field: str
    kind: str
    record_label: str
    field_label: str
    mine: str
    theirs: str
    base: str
    created_at: dt.datetime
    resolved: bool
    resolution: str
    editable: bool
    #: The raw value to start an edit from (mine, as typed).
    edit_start: str

    @property
    def description(self) -> str:
        if self.kind == "duplicate" and self.table == "account":
            return (
                "میز دیگری از این اداره حسابی با همین نام کاربری ساخته است. در این میز حساب "
                "همین میز با این نام وارد می‌شود؛ یکی از دو حساب را غیرفعال کنید و برای آن "
                "شخص نام کاربری دیگری بسازید."
            )
        if self.kind == "duplicate":
            return (
                "اداره دیگری همین مورد را جداگانه ثبت کرده است (" + self.field_label + " یکسان). "
                "نسخه این اداره نمایش داده می‌شود؛ یکی‌کردن دو رکورد با مدیر سامانه است."
            )
        if self.kind == "deleted" and self.field == "deleted":
            return "این اداره رکورد را حذف کرد ولی در جای دیگری ویرایش شده بود."
        if self.kind == "deleted":
            return "این اداره رکورد را ویرایش کرد ولی در جای دیگری حذف شده بود."
        return "این فیلد هم در این اداره و هم در جای دیگری تغییر کرده است."


@dataclass(frozen=True)
class QuarantinedView:
    """A rejected operation as the review screen shows it."""

    op_id: str
    table: str
    row_id: str
    op: str
    op_label: str
    record_label: str
    fields: str
    reason: str
    created_at: dt.datetime


def _load(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


class SyncReviewService:
    """Conflicts and quarantined operations of this office."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._licences = LicenceService(session)

    # --- labels ---

    def _record_label(self, table: str, row_id: str) -> str:
        network = self._network_record_label(table, row_id)
        if network is not None:
            return network
        if table == "person":
            person = self.session.get(Person, row_id)
            if person is not None:
                name = f"{person.first_name} {person.last_name}"
                return f"{name} (کد ملی {to_persian_digits(person.national_id)})"
        licence_id = row_id
        if table in ("licence_history", "certificate_issue"):
            model = MODELS[table]
            row = self.session.get(model, row_id)
            licence_id = getattr(row, "licence_id", None) or ""
            participant_id = getattr(row, "participant_id", None)
            if not licence_id and participant_id:
                label = self._network_record_label("event_participant", participant_id)
                if label is not None:
                    return f"گواهی حضور — {label}"
        if table in ("licence", "licence_history", "certificate_issue"):
            licence = self.session.get(Licence, licence_id)
            if licence is not None:
                person = self.session.get(Person, licence.person_id)
                holder = f" — {person.first_name} {person.last_name}" if person else ""
                return f"مجوز {to_persian_digits(licence.number)}{holder}"
        return f"{TABLE_LABELS.get(table, table)} {row_id[:8]}"

    def _supporter_name(self, supporter: Supporter) -> str:
        if supporter.legal_name:
            return supporter.legal_name
        licence = self.session.get(Licence, supporter.licence_id)
        person = self.session.get(Person, licence.person_id) if licence is not None else None
        return f"{person.first_name} {person.last_name}" if person is not None else ""

    def _event_name(self, event: Event) -> str:
        return f"{to_persian_digits(event.code)} — {event.title}"

    def _network_record_label(self, table: str, row_id: str) -> str | None:
        """Labels of supporters, members, events and their rows (None for other tables
        or a row not here)."""
        if table == "supporter":
            supporter = self.session.get(Supporter, row_id)
            return f"پشتیبان {self._supporter_name(supporter)}" if supporter else None
        if table == "network_member":
            member = self.session.get(NetworkMember, row_id)
            if member is None:
                return None
            person = self.session.get(Person, member.person_id)
            name = f"{person.first_name} {person.last_name}" if person is not None else "—"
            supporter = self.session.get(Supporter, member.supporter_id)
            network = self._supporter_name(supporter) if supporter is not None else "—"
            return f"عضو شبکه {network}: {name}"
        if table == "event":
            event = self.session.get(Event, row_id)
            return f"رویداد {self._event_name(event)}" if event else None
        if table in ("event_participant", "event_attendance"):
            participant_id = row_id
            if table == "event_attendance":
                attendance = self.session.get(EventAttendance, row_id)
                if attendance is None:
                    return None
                participant_id = attendance.participant_id
            participant = self.session.get(EventParticipant, participant_id)
            if participant is None:
                return None
            name = f"{participant.first_name} {participant.last_name}"
            event = self.session.get(Event, participant.event_id)
            where = f" در رویداد {self._event_name(event)}" if event is not None else ""
            prefix = "حضور " if table == "event_attendance" else ""
            return f"{prefix}{name}{where}"
        if table == "facility_case":
            case = self.session.get(FacilityCase, row_id)
            if case is None:
                return None
            person = self.session.get(Person, case.person_id)
            name = f"{person.first_name} {person.last_name}" if person is not None else "—"
            return f"پرونده تسهیلات {name} ({bank_name(case.bank_code)})"
        if table == "closure_day":
            closure = self.session.get(ClosureDay, row_id)
            if closure is None:
                return None
            return f"روز تعطیل {jalali.format_jalali(closure.day)}"
        return None

    def _display(self, field: str, value: Any, table: str = "") -> str:
        if field == "deleted":
            return "حذف‌شده" if value else "موجود"
        if table in _SUPPORTER_TABLES or table in _EVENT_TABLES or table == "closure_day":
            shown = self._network_display(table, field, value)
            if shown is not None:
                return shown or "—"
        if table == "facility_case":
            shown = facility_records.display_value(field, value)
            if shown is not None:
                return shown or "—"
        return self._licences.display_value(field, value) or "—"

    def _network_display(self, table: str, field: str, value: Any) -> str | None:
        """Values of supporters', members' and events' own coded fields (None: as a
        licence field)."""
        from app.services.events import records as events
        from app.services.supporters import records as supporters

        if value is None or value == "":
            return ""
        labels: dict[str, str] | None = None
        if table == "supporter" and field in ("kind", "status"):
            labels = supporters.KIND_LABELS if field == "kind" else supporters.STATUS_LABELS
        elif table == "network_member" and field == "role":
            labels = supporters.ROLE_LABELS
        elif table == "event" and field in ("kind", "status"):
            labels = events.KIND_LABELS if field == "kind" else events.STATUS_LABELS
        elif table == "event_participant" and field == "status":
            labels = events.PARTICIPANT_STATUS_LABELS
        if labels is not None:
            return labels.get(str(value), str(value))
        if field in ("joined_on", "left_on", "day"):
            return jalali.format_jalali(dt.date.fromisoformat(str(value)[:10]))
        if field == "present":
            return "حاضر" if value else "غایب"
        if field in ("field_ids", "related_field_ids"):
            ids = value if isinstance(value, list) else _load(str(value))
            if isinstance(ids, list):
                return "، ".join(self._licences.display_value("field_id", i) for i in ids)
        if field == "registered_at":
            return to_persian_digits(str(value)[:16].replace("T", " "))
        return None

    def _changed_fields(self, table: str, changes: Any) -> str:
        """The Persian names of the fields a rejected update changes."""
        if table in (*_SUPPORTER_TABLES, *_EVENT_TABLES, "closure_day", "facility_case"):
            names = [self._field_label(table, n, n) for n in changes if n != "deleted"]
        else:
            names = [FIELD_LABELS[n] for n in changes if n in FIELD_LABELS]
        return "، ".join(names) or "—"

    @staticmethod
    def _field_label(table: str, field: str, default: str = "وجود رکورد") -> str:
        """A field's Persian name in the review screen."""
        from app.services.events import fields as events
        from app.services.supporters import records as supporters

        if field == "deleted":
            return "وجود رکورد"
        own: dict[str, str] = {}
        if table in _SUPPORTER_TABLES:
            own = supporters.FIELD_LABELS
        elif table in _EVENT_TABLES:
            own = events.FIELD_LABELS
        elif table == "closure_day":
            own = _CLOSURE_FIELD_LABELS
        elif table == "facility_case":
            own = facility_records.FIELD_LABELS
        return (
            own.get(field)
            or FIELD_LABELS.get(field)
            or _OTHER_FIELD_LABELS.get(field)
            or COLUMN_LABELS.get(field)  # the synced rows' own names (market access, ...)
            or default
        )

    def _editable(self, table: str, field: str, kind: str) -> bool:
        if kind != "field":
            return False
        if table == "person":
            return field in PERSON_FIELDS
        return table == "licence" and field in _EDITABLE_LICENCE_FIELDS

    # --- conflicts ---

    def conflicts(self, *, include_resolved: bool = False) -> list[ConflictView]:
        query = select(SyncConflict).order_by(SyncConflict.created_at, SyncConflict.id)
        if not include_resolved:
            query = query.where(SyncConflict.resolved_at.is_(None))
        views = []
        for row in self.session.scalars(query):
            mine = _load(row.client_value)
            if row.kind == "duplicate":
                views.append(self._duplicate_view(row))
                continue
            views.append(
                ConflictView(
                    id=row.id,
                    table=row.table_name,
                    row_id=row.row_id,
                    field=row.field,
                    kind=row.kind,
                    record_label=self._record_label(row.table_name, row.row_id),
                    field_label=self._field_label(row.table_name, row.field),
                    mine=self._display(row.field, mine, row.table_name),
                    theirs=self._display(row.field, self._theirs_now(row), row.table_name),
                    base=self._display(row.field, _load(row.base_value), row.table_name),
                    created_at=row.created_at,
                    resolved=row.resolved_at is not None,
                    resolution=row.resolution,
                    editable=self._editable(row.table_name, row.field, row.kind),
                    edit_start=self._edit_text(row.field, mine),
                )
            )
        return views

    def _theirs_now(self, conflict: SyncConflict) -> Any:
        """The value the record shows now: the server's, as last pulled (it may have
        moved on since the conflict); "keep mine" replaces exactly this value."""
        model = MODELS.get(conflict.table_name)
        record = self.session.get(model, conflict.row_id) if model is not None else None
        if record is None or conflict.kind != "field":
            return _load(conflict.server_value)
        return json_value(getattr(record, conflict.field, None))

    def _duplicate_view(self, row: SyncConflict) -> ConflictView:
        theirs = _load(row.server_value)
        theirs = theirs if isinstance(theirs, dict) else {}
        local_id = _load(row.client_value)
        label = self._field_label(row.table_name, row.field)
        if row.table_name == "person":
            name = f"{theirs.get('first_name', '')} {theirs.get('last_name', '')}".strip()
            record = f"{name} (کد ملی {to_persian_digits(str(theirs.get(row.field, '')))})"
        else:
            record = f"{TABLE_LABELS.get(row.table_name, row.table_name)} " + to_persian_digits(
                str(theirs.get(row.field, ""))
            )
        return ConflictView(
            id=row.id,
            table=row.table_name,
            row_id=row.row_id,
            field=row.field,
            kind=row.kind,
            record_label=record,
            field_label=label,
            mine=self._record_label(row.table_name, str(local_id)),
            theirs=record,
            base="—",
            created_at=row.created_at,
            resolved=row.resolved_at is not None,
            resolution=row.resolution,
            editable=False,
            edit_start="",
        )

    def _edit_text(self, field: str, value: Any) -> str:
        if value is None:
            return ""
        if field.endswith("_date"):
            return jalali.format_jalali(dt.date.fromisoformat(str(value)), persian_digits=False)
        if field == "gender":
            return {"M": "مرد", "F": "زن"}.get(str(value), "")
        return str(value)

    @requires(Permission.RESOLVE_CONFLICTS)
    def resolve(self, conflict_id: str, choice: str, value: str | None = None) -> None:
        """Resolve a conflict: KEEP_THEIRS, KEEP_MINE, or EDIT with ``value`` (validated;
        raises ValidationErrors with the field's Persian message)."""
        conflict = self.session.get(SyncConflict, conflict_id)
        if conflict is None:
            raise DomainError("این تعارض پیدا نشد.")
        if conflict.resolved_at is not None:
            raise DomainError("این تعارض قبلاً حل شده است.")
        if choice not in (KEEP_MINE, KEEP_THEIRS, EDIT):
            raise DomainError("انتخاب نامعتبر است.")
        if conflict.kind == "duplicate":
            # Only seen here (the server holds both rows): the clerk acknowledges it.
            if choice == EDIT:
                raise DomainError("این مورد را نمی‌توان اینجا ویرایش کرد.")
            conflict.resolved_at = utcnow()
            conflict.resolution = choice
            self.session.flush()
            return
        if choice != KEEP_THEIRS:
            model = MODELS.get(conflict.table_name)
            row = self.session.get(model, conflict.row_id) if model is not None else None
            if row is None:
                raise DomainError("رکورد این تعارض در این رایانه نیست.")
            if choice == EDIT:
                if not self._editable(conflict.table_name, conflict.field, conflict.kind):
                    raise DomainError("این فیلد را نمی‌توان اینجا ویرایش کرد.")
                chosen = self._validated(row, conflict.field, value or "")
            else:
                chosen = _load(conflict.client_value)
            if conflict.field == "county_id" and isinstance(chosen, str):
                # This office's value may be one it can no longer write (outside its scope).
                outside = scope_error(self.session, chosen)
                if outside is not None:
                    raise ValidationErrors([outside])
            self._write(conflict, row, chosen)
        conflict.resolved_at = utcnow()
        conflict.resolution = choice
        if conflict.op_id:
            # The server keeps this conflict too (one raised here, when a holder registered
            # twice was folded on a pull, has no operation and nothing to tell it).
            self.session.add(
                OutboxOperation(**operation_row("conflict", conflict.id, "resolve", 0, {}))
            )
        self.session.flush()

    def _validated(self, row: Any, field: str, value: str) -> Any:
        if isinstance(row, Person):
            current = {name: getattr(row, name) for name in PERSON_FIELDS}
            current["gender"] = {"M": "مرد", "F": "زن"}.get(row.gender, "")
            current[field] = value
            values, errors, _warnings = validate_person(PersonInput(**current))
            mine = [e for e in errors if e.field == field]
            if mine:
                raise ValidationErrors(mine)
            return json_value(values[field])
        if field.endswith("_date"):
            return json_value(
                jalali.parse_jalali(value, field=field, label=FIELD_LABELS[field], required=True)
            )
        return validate_text(value, field, FIELD_LABELS.get(field, field))

    def _write(self, conflict: SyncConflict, row: Any, chosen: Any) -> None:
        """Write the chosen value as a local change the server will take."""
        model = type(row)
        table = conflict.table_name
        base_rev = row.rev
        if conflict.kind == "deleted" and conflict.field == "deleted":
            # This office deleted; elsewhere it was edited. Keep mine = delete after all.
            row.deleted = True
            row.rev = base_rev + 1
            changes: dict[str, list[Any]] = {"deleted": [False, True]}
            self.session.add(
                OutboxOperation(**operation_row(table, row.id, OP_DELETE, base_rev, changes))
            )
        else:
            current = json_value(getattr(row, conflict.field))
            changes = {conflict.field: [current, chosen]}
            if conflict.kind == "deleted":
                # This office edited; elsewhere it was deleted. Keep mine = bring it back.
                changes["deleted"] = [True, False]
                row.deleted = False
            for key, decoded in decode_row(model, {conflict.field: chosen}).items():
                setattr(row, key, decoded)
            row.rev = base_rev + 1
            self.session.add(
                OutboxOperation(**operation_row(table, row.id, OP_UPDATE, base_rev, changes))
            )
        self.session.flush()
        if table in ("supporter", "event"):
            refresh_network_search_keys(
                self.session,
                supporter_ids=[row.id] if table == "supporter" else (),
                event_ids=[row.id] if table == "event" else (),
            )
        if table == "licence":
            refresh_search_keys(self.session, licence_ids=[row.id])
            refresh_network_search_keys(self.session, licence_ids=[row.id])
            licence_ids = [row.id]
        elif table == "person":
            refresh_search_keys(self.session, person_ids=[row.id])
            refresh_network_search_keys(self.session, person_ids=[row.id])
            licence_ids = list(
                self.session.scalars(
                    select(Licence.id).where(
                        Licence.person_id == row.id, Licence.deleted.is_(False)
                    )
                )
            )
        else:
            licence_ids = []
        for licence_id in licence_ids:  # who chose what, in the licence's history
            self._licences.add_history(
                licence_id,
                "sync_resolved",
                {key: value for key, value in changes.items() if key != "deleted"},
                reason="نگه داشتن مقدار این اداره در تعارض همگام‌سازی",
            )

    # --- quarantined operations ---

    def quarantined(self) -> list[QuarantinedView]:
        views = []
        for op in self.session.scalars(
            select(OutboxOperation)
            .where(OutboxOperation.state == OUTBOX_QUARANTINED)
            .order_by(OutboxOperation.seq)
        ):
            try:
                changes = json.loads(op.changes or "{}")
            except ValueError:
                changes = {}
            if op.op != OP_UPDATE:
                fields = "همه فیلدها"
            else:
                fields = self._changed_fields(op.table_name, changes)
            views.append(
                QuarantinedView(
                    op_id=op.op_id,
                    table=op.table_name,
                    row_id=op.row_id,
                    op=op.op,
                    op_label=OP_LABELS.get(op.op, op.op),
                    record_label=self._record_label(op.table_name, op.row_id),
                    fields=fields,
                    reason=op.error or "—",
                    created_at=op.created_at,
                )
            )
        return views

    @requires(Permission.RESOLVE_CONFLICTS)
    def retry(self, op_ids: list[str]) -> int:
        """Send rejected operations again with the next sync; returns how many."""
        result = self.session.execute(
            update(OutboxOperation)
            .where(OutboxOperation.op_id.in_(op_ids), OutboxOperation.state == OUTBOX_QUARANTINED)
            .values(state=OUTBOX_PENDING, error="")
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    @requires(Permission.RESOLVE_CONFLICTS)
    def discard(self, op_ids: list[str]) -> int:
        """Drop rejected operations for good (the local record keeps its values)."""
        if not op_ids:
            raise ValidationErrors([ValidationError("op_ids", "چیزی انتخاب نشده است.")])
        result = self.session.execute(
            delete(OutboxOperation).where(
                OutboxOperation.op_id.in_(op_ids), OutboxOperation.state == OUTBOX_QUARANTINED
            )
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
