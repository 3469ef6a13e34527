"""Licences and their holders: :class:`LicenceService`, the one service callers use to
issue, edit, renew, suspend, reactivate and revoke licences and to read them with their
history. The inputs and records are in :mod:`app.services.licences.records`, a holder's
validation in :mod:`app.services.licences.holders`, numbering in
:mod:`app.services.licences.numbers`.

Every change runs inside the caller's session (one unit of work), bumps the row's
``rev``, appends a history entry and writes an outbox operation for sync, all in the
same transaction. Input arrives raw (as typed or as read from a spreadsheet) and is
validated here; all errors of a form are reported together (ValidationErrors).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    BusinessField,
    County,
    FieldGroup,
    Licence,
    LicenceHistory,
    Person,
    new_id,
    utcnow,
)
from app.models.licence import (
    KIND_INDEPENDENT,
    KIND_SUPPORTER,
    KINDS,
    STATUS_ACTIVE,
    STATUS_REVOKED,
    STATUS_SUSPENDED,
)
from app.services.core.access import requires
from app.services.core.actor import current_actor
from app.services.core.office import require_office, validity_years_for_group
from app.services.core.outbox import apply_values, insert_record, json_value, record_insert, touch
from app.services.core.scope import ScopedService
from app.services.core.search_keys import licence_search_key, refresh_for_holders
from app.services.licences.holders import as_date, validate_person
from app.services.licences.numbers import (
    allocate_number,
    next_local_seq,
    normalise_licence_number,
    unique_id_for,
)
from app.services.licences.records import (
    ACTION_LABELS,
    FIELD_LABELS,
    GENDER_LABELS,
    KIND_LABELS,
    LICENCE_FIELDS,
    MAX_LICENCES_PER_PERSON,
    PERSON_FIELDS,
    STATUS_LABELS,
    HistoryEntry,
    LicenceDetail,
    LicenceInput,
    PersonInfo,
    PersonInput,
    effective_status,
)
from common import jalali
from common.errors import DomainError, ValidationError, ValidationErrors, collect
from common.rules import date_order_problem
from common.text import normalize_text, to_persian_digits
from common.validators import validate_national_id, validate_text
from common.vocabulary import Permission


class LicenceService(ScopedService):
    """Operations on licences and holders within one unit of work (a session)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        #: The signed-in account's name: history records who made each change.
        self.actor = current_actor(session)
        self.office_id = require_office(session).id

    # -- reading -------------------------------------------------------------------------

    def find_person(self, national_id: str) -> PersonInfo | None:
        """The holder with this national ID (any digits, padded), or None."""
        try:
            nid = validate_national_id(national_id)
        except ValidationError:
            return None
        person = self.session.scalar(
            select(Person).where(Person.national_id == nid, Person.deleted.is_(False))
        )
        return self._person_info(person) if person is not None else None

    def get_person(self, person_id: str) -> PersonInfo | None:
        """The holder with this id (None if there is none)."""
        person = self.session.get(Person, person_id)
        return self._person_info(person) if person is not None and not person.deleted else None

    def _person_info(self, person: Person) -> PersonInfo:
        count = self.session.scalar(
            select(func.count())
            .select_from(Licence)
            .where(
                Licence.person_id == person.id,
                # Not "deleted IS 0": SQLite would take the (deleted, seq) index and walk
                # every licence instead of the holder's few (no statistics to say better).
                func.coalesce(Licence.deleted, False).is_(False),
                Licence.status != STATUS_REVOKED,
            )
        )
        return PersonInfo(
            id=person.id,
            national_id=person.national_id,
            first_name=person.first_name,
            last_name=person.last_name,
            father_name=person.father_name,
            birth_date=person.birth_date,
            gender=person.gender,
            mobile=person.mobile,
            postal_code=person.postal_code,
            address=person.address,
            licence_count=int(count or 0),
        )

    def get(self, licence_id: str, warnings: tuple[str, ...] = ()) -> LicenceDetail:
        """A licence with everything the licence screen shows."""
        licence = self._load(licence_id)
        bf = licence.field
        group_name = self.session.scalar(
            select(FieldGroup.name).where(FieldGroup.id == bf.group_id)
        )
        county = licence.county
        return LicenceDetail(
            id=licence.id,
            rev=licence.rev,
            number=licence.number,
            unique_id=licence.unique_id,
            kind=licence.kind,
            field_id=bf.id,
            field_code=bf.code,
            field_name=bf.name,
            field_group=group_name or "",
            approving_body=bf.approving_body,
            starred=bf.starred,
            county_id=county.id,
            county_name=county.name,
            province_name=county.province.name,
            activity_address=licence.activity_address,
            issue_date=licence.issue_date,
            expiry_date=licence.expiry_date,
            status=licence.status,
            effective_status=effective_status(licence.status, licence.expiry_date),
            status_reason=licence.status_reason,
            holder=self._person_info(licence.person),
            warnings=warnings,
            outside_scope=self.outside_message(county),
        )

    def get_by_number(self, number: str) -> LicenceDetail:
        """A licence by its licence number."""
        licence_id = self.session.scalar(
            select(Licence.id).where(Licence.number == normalise_licence_number(number))
        )
        if licence_id is None:
            raise DomainError(f"مجوزی با شماره {number} پیدا نشد.")
        return self.get(licence_id)

    def history(self, licence_id: str) -> list[HistoryEntry]:
        """The licence's history, newest first."""
        rows = self.session.scalars(
            select(LicenceHistory)
            .where(LicenceHistory.licence_id == licence_id)
            .order_by(LicenceHistory.at.desc(), LicenceHistory.id.desc())
        )
        return [self._history_entry(row) for row in rows]

    def _history_entry(self, row: LicenceHistory) -> HistoryEntry:
        changes: dict[str, list[Any]] = json.loads(row.changes or "{}")
        lines = tuple(
            f"{FIELD_LABELS.get(name, name)}: "
            f"{self.display_value(name, old) or '—'} ← {self.display_value(name, new) or '—'}"
            if old not in (None, "")
            else f"{FIELD_LABELS.get(name, name)}: {self.display_value(name, new) or '—'}"
            for name, (old, new) in changes.items()
        )
        return HistoryEntry(
            at=row.at,
            actor=row.actor,
            action=row.action,
            action_label=ACTION_LABELS.get(row.action, row.action),
            changes=changes,
            reason=row.reason,
            lines=lines,
        )

    def display_value(self, name: str, value: Any) -> str:
        """A stored value as people read it (Jalali dates, names of field and county)."""
        if value is None or value == "":
            return ""
        if name.endswith("_date"):
            return jalali.format_jalali(dt.date.fromisoformat(str(value)))
        if name == "field_id":
            bf = self.session.get(BusinessField, value)
            return f"{bf.name} ({to_persian_digits(bf.code)})" if bf else str(value)
        if name == "county_id":
            county = self.session.get(County, value)
            return county.name if county else str(value)
        if name == "kind":
            return KIND_LABELS.get(str(value), str(value))
        if name == "status":
            return STATUS_LABELS.get(str(value), str(value))
        if name == "gender":
            return GENDER_LABELS.get(str(value), str(value))
        return to_persian_digits(str(value))

    def _load(self, licence_id: str) -> Licence:
        licence = self.session.get(Licence, licence_id)
        if licence is None or licence.deleted:
            raise DomainError("مجوز پیدا نشد؛ شاید حذف شده باشد.")
        return licence

    # -- validation -----------------------------------------------------------------------

    def validate_licence(
        self,
        data: LicenceInput,
        errors: list[ValidationError],
        *,
        today: dt.date | None = None,
        exclude_licence_id: str | None = None,
        kept_field_id: str | None = None,
    ) -> dict[str, Any]:
        """Validate a licence's details (appending to ``errors``); returns values.
        ``kept_field_id``: the field an edited licence already has (allowed though retired)."""
        values: dict[str, Any] = {}
        kind = normalize_text(data.kind)
        kind = {"مستقل": KIND_INDEPENDENT, "پشتیبان": KIND_SUPPORTER}.get(kind, kind)
        if kind not in KINDS:
            errors.append(ValidationError("kind", "نوع مجوز باید «مستقل» یا «پشتیبان» باشد"))
        values["kind"] = kind
        bf = self.session.get(BusinessField, data.field_id) if data.field_id else None
        if bf is None or bf.deleted:
            errors.append(ValidationError("field_id", "رشته را از فهرست رشته‌ها انتخاب کنید"))
        elif not bf.active and bf.id != kept_field_id:
            # A retired field refuses new licences; a licence already in it keeps it.
            errors.append(ValidationError("field_id", "این رشته دیگر فعال نیست"))
        values["field_id"] = bf.id if bf is not None else None
        county = self.session.get(County, data.county_id) if data.county_id else None
        if (problem := self.county_problem(county)) is not None:
            errors.append(problem)
        values["county_id"] = county.id if county is not None else None
        values["activity_address"] = (
            collect(
                errors,
                lambda: validate_text(
                    data.activity_address, "activity_address", "نشانی محل فعالیت"
                ),
            )
            or ""
        )
        now = today or jalali.today()
        issue = as_date(data.issue_date, "issue_date", True, errors)
        if issue is not None and issue > now:
            errors.append(ValidationError("issue_date", "تاریخ صدور نمی‌تواند در آینده باشد"))
            issue = None
        values["issue_date"] = issue
        expiry = as_date(data.expiry_date, "expiry_date", False, errors)
        if (
            expiry is None
            and issue is not None
            and bf is not None
            and not any(e.field == "expiry_date" for e in errors)
        ):
            group_code = self.session.scalar(
                select(FieldGroup.code).where(FieldGroup.id == bf.group_id)
            )
            years = validity_years_for_group(self.session, group_code or "")
            expiry = jalali.add_jalali_years(issue, years)
        order = date_order_problem(
            issue, expiry, "expiry_date", "تاریخ انقضا باید بعد از تاریخ صدور باشد", strict=True
        )
        if order is not None:
            errors.append(order)
        values["expiry_date"] = expiry
        number = normalise_licence_number(data.number)
        if number:
            if len(number) > 40:
                errors.append(ValidationError("number", "شماره مجوز حداکثر ۴۰ نویسه است"))
            else:
                clash = self.session.scalar(select(Licence.id).where(Licence.number == number))
                if clash is not None and clash != exclude_licence_id:
                    errors.append(ValidationError("number", "مجوز دیگری با این شماره ثبت شده است"))
        values["number"] = number
        return values

    # -- writing --------------------------------------------------------------------------

    def add_history(
        self, licence_id: str, action: str, changes: Mapping[str, list[Any]], reason: str = ""
    ) -> None:
        """Append an entry to a licence's history (synced like every history entry)."""
        self._history(licence_id, action, changes, reason)

    def _history(
        self, licence_id: str, action: str, changes: Mapping[str, list[Any]], reason: str = ""
    ) -> None:
        entry = LicenceHistory(
            id=new_id(),
            licence_id=licence_id,
            at=utcnow(),
            actor=self.actor,
            action=action,
            changes=json.dumps(changes, ensure_ascii=False, default=str),
            reason=reason,
            origin_office=self.office_id,
        )
        self.session.add(entry)
        record_insert(self.session, entry)

    def _refresh_search_keys(self, person: Person) -> None:
        self.session.flush()
        refresh_for_holders(self.session, [person.id])

    def _upsert_person(self, values: dict[str, Any], licence_ids_for_history: list[str]) -> Person:
        person = self.session.scalar(
            select(Person).where(Person.national_id == values["national_id"])
        )
        if person is None:
            person = Person(id=new_id(), origin_office=self.office_id, **values)
            insert_record(self.session, person)
            return person
        # Reuse the holder; fill in or correct what the clerk typed (empty keeps old).
        updates = {k: v for k, v in values.items() if v not in ("", None)}
        changes = apply_values(person, updates, PERSON_FIELDS)
        if changes:
            touch(self.session, person, changes)
            self._refresh_search_keys(person)
            for licence_id in licence_ids_for_history:
                self._history(licence_id, "holder_edited", changes)
        return person

    @requires(Permission.REGISTER)
    def issue(
        self,
        person_data: PersonInput,
        licence_data: LicenceInput,
        *,
        action: str = "issued",
        today: dt.date | None = None,
    ) -> LicenceDetail:
        """Issue a licence to a holder (found by national ID, or created).

        Nothing is written unless every field is valid (raises ValidationErrors).
        """
        pvalues, errors, warnings = validate_person(person_data, today)
        lvalues = self.validate_licence(licence_data, errors, today=today)
        existing = None
        if pvalues.get("national_id"):
            existing = self.session.scalar(
                select(Person).where(Person.national_id == pvalues["national_id"])
            )
        if existing is not None:
            held = self._person_info(existing).licence_count
            if held >= MAX_LICENCES_PER_PERSON:
                errors.append(
                    ValidationError(
                        "national_id",
                        f"این شخص {to_persian_digits(str(held))} مجوز دارد؛ هر شخص حداکثر "
                        f"{to_persian_digits(str(MAX_LICENCES_PER_PERSON))} مجوز می‌تواند "
                        "داشته باشد",
                    )
                )
        if errors:
            raise ValidationErrors(errors)
        other_ids = (
            list(self.session.scalars(select(Licence.id).where(Licence.person_id == existing.id)))
            if existing is not None
            else []
        )
        person = self._upsert_person(pvalues, other_ids)
        licence_id = new_id()
        number = lvalues["number"] or allocate_number(self.session)
        licence = Licence(
            id=licence_id,
            origin_office=self.office_id,
            number=number,
            unique_id=unique_id_for(licence_id),
            person_id=person.id,
            kind=lvalues["kind"],
            field_id=lvalues["field_id"],
            county_id=lvalues["county_id"],
            activity_address=lvalues["activity_address"] or person.address,
            issue_date=lvalues["issue_date"],
            expiry_date=lvalues["expiry_date"],
            status=STATUS_ACTIVE,
            search_key=licence_search_key(
                person.first_name, person.last_name, person.national_id, number, person.mobile
            ),
            local_seq=next_local_seq(self.session),
        )
        insert_record(self.session, licence)
        self._history(
            licence_id,
            action,
            {
                name: [None, json_value(getattr(licence, name))]
                for name in LICENCE_FIELDS
                if getattr(licence, name) not in ("", None)
            },
        )
        self.session.flush()
        return self.get(licence_id, tuple(warnings))

    @requires(Permission.EDIT)
    def update(
        self,
        licence_id: str,
        person_data: PersonInput,
        licence_data: LicenceInput,
        *,
        expected_rev: int | None = None,
        today: dt.date | None = None,
    ) -> LicenceDetail:
        """Edit a licence and its holder's details (the holder's national ID is fixed)."""
        licence = self._load(licence_id)
        if expected_rev is not None and licence.rev != expected_rev:
            raise DomainError(
                "این مجوز در این فاصله تغییر کرده است؛ آن را دوباره باز کنید و ویرایش کنید."
            )
        pvalues, errors, warnings = validate_person(person_data, today)
        lvalues = self.validate_licence(
            licence_data,
            errors,
            today=today,
            exclude_licence_id=licence_id,
            kept_field_id=licence.field_id,
        )
        if pvalues.get("national_id") and pvalues["national_id"] != licence.person.national_id:
            errors.append(
                ValidationError(
                    "national_id",
                    "کد ملی دارنده را نمی‌توان تغییر داد؛ برای دارنده دیگر مجوز جدید صادر کنید",
                )
            )
        if errors:
            raise ValidationErrors(errors)
        person = licence.person
        pchanges = apply_values(person, pvalues, PERSON_FIELDS)
        if pchanges:
            touch(self.session, person, pchanges)
        if not lvalues["number"]:
            lvalues["number"] = licence.number
        lchanges = apply_values(licence, lvalues, LICENCE_FIELDS)
        if lchanges:
            touch(self.session, licence, lchanges)
        if pchanges or lchanges:
            self._refresh_search_keys(person)
            self._history(licence_id, "edited", {**pchanges, **lchanges})
        self.session.flush()
        return self.get(licence_id, tuple(warnings))

    def _set_status(
        self, licence_id: str, status: str, action: str, reason: str, *, reason_required: bool
    ) -> LicenceDetail:
        licence = self._load(licence_id)
        self.require_owned(licence.county)
        reason = normalize_text(reason)
        if reason_required and not reason:
            raise ValidationErrors([ValidationError("reason", "دلیل را بنویسید")])
        if len(reason) > 500:
            raise ValidationErrors([ValidationError("reason", "دلیل حداکثر ۵۰۰ نویسه است")])
        changes = apply_values(
            licence, {"status": status, "status_reason": reason}, ("status", "status_reason")
        )
        touch(self.session, licence, changes)
        self._history(
            licence_id, action, {"status": changes.get("status", [status, status])}, reason
        )
        self.session.flush()
        return self.get(licence_id)

    @requires(Permission.SUSPEND)
    def suspend(self, licence_id: str, reason: str) -> LicenceDetail:
        """Suspend an active licence (a reason is required)."""
        if self._load(licence_id).status != STATUS_ACTIVE:
            raise DomainError("فقط مجوز فعال را می‌توان تعلیق کرد.")
        return self._set_status(
            licence_id, STATUS_SUSPENDED, "suspended", reason, reason_required=True
        )

    @requires(Permission.SUSPEND)
    def reactivate(self, licence_id: str, reason: str = "") -> LicenceDetail:
        """Lift a suspension."""
        if self._load(licence_id).status != STATUS_SUSPENDED:
            raise DomainError("فقط مجوز معلق را می‌توان دوباره فعال کرد.")
        return self._set_status(
            licence_id, STATUS_ACTIVE, "reactivated", reason, reason_required=False
        )

    @requires(Permission.REVOKE)
    def revoke(self, licence_id: str, reason: str) -> LicenceDetail:
        """Revoke a licence for good (a reason is required)."""
        if self._load(licence_id).status == STATUS_REVOKED:
            raise DomainError("این مجوز پیش‌تر باطل شده است.")
        return self._set_status(licence_id, STATUS_REVOKED, "revoked", reason, reason_required=True)

    @requires(Permission.RENEW)
    def renew(
        self, licence_id: str, new_expiry: str | dt.date | None, reason: str = ""
    ) -> LicenceDetail:
        """Renew: set a later expiry date (default: current expiry + the group's validity)."""
        licence = self._load(licence_id)
        if licence.status == STATUS_REVOKED:
            raise DomainError("مجوز باطل‌شده تمدید نمی‌شود.")
        self.require_owned(licence.county)
        errors: list[ValidationError] = []
        expiry = as_date(new_expiry, "expiry_date", False, errors)
        if errors:
            raise ValidationErrors(errors)
        if expiry is None:
            group_code = self.session.scalar(
                select(FieldGroup.code).where(FieldGroup.id == licence.field.group_id)
            )
            years = validity_years_for_group(self.session, group_code or "")
            base = max(licence.expiry_date, jalali.today())
            expiry = jalali.add_jalali_years(base, years)
        if expiry <= licence.expiry_date:
            raise ValidationErrors(
                [ValidationError("expiry_date", "تاریخ انقضای جدید باید بعد از تاریخ فعلی باشد")]
            )
        changes = apply_values(licence, {"expiry_date": expiry}, ("expiry_date",))
        touch(self.session, licence, changes)
        self._history(licence_id, "renewed", changes, normalize_text(reason))
        self.session.flush()
        return self.get(licence_id)
