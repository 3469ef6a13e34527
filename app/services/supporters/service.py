"""Supporters (پشتیبان): :class:`SupporterService`, the one service callers use for
supporters and the members of their supply-chain networks. This module holds its reading
of one supporter and its commands on supporters (validation, create, edit, suspend); the
network half is in :mod:`app.services.supporters.members`, the inputs and records in
:mod:`app.services.supporters.records`, the lists and figures the screens read in
:mod:`app.services.supporters.queries`.

A supporter is a person or a legal entity holding a supporter-kind licence (the
licence's holder is the supporter person, or the legal entity's managing director). Its
network is a list of memberships (:class:`~app.models.supporter.NetworkMember`): one row
per period a holder spends in the network; leaving sets ``left_on``.

As in :mod:`app.services.licences.service`, every change runs inside the caller's session, bumps
the row's ``rev``, sets ``updated_at`` and writes an outbox operation in the same
transaction. Input arrives raw and is validated here; all errors of a form are reported
together (:class:`~common.errors.ValidationErrors`). Two rules only warn: a network
above its capacity (:class:`OverCapacity`) and a member without an active licence in the
supporter's fields (:class:`MemberLicenceWarning`); the clerk may go on with a reason
(``override_reason``), which is stored on the membership.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import func, select

from app.models import BusinessField, County, Licence, NetworkMember, Supporter, new_id
from app.models.licence import KIND_SUPPORTER, STATUS_ACTIVE
from app.models.supporter import (
    SUPPORTER_ACTIVE,
    SUPPORTER_KINDS,
    SUPPORTER_LEGAL,
    SUPPORTER_SUSPENDED,
)
from app.services.core.access import requires
from app.services.core.outbox import apply_values, record_insert, touch
from app.services.core.search_keys import refresh_supporter_search_keys, supporter_key_for
from app.services.licences.numbers import normalise_licence_number
from app.services.licences.records import effective_status
from app.services.supporters.members import SupporterMembers, clean_reason
from app.services.supporters.records import (
    SupporterDetail,
    SupporterInput,
    kind_from_text,
)
from common import jalali
from common.errors import DomainError, ValidationError, ValidationErrors
from common.text import digits_only, to_persian_digits
from common.validators import (
    validate_capacity,
    validate_email,
    validate_legal_id,
    validate_mobile,
    validate_phone,
    validate_sheba,
    validate_text,
)
from common.vocabulary import Permission

SUPPORTER_FIELDS = (
    "kind",
    "licence_id",
    "legal_name",
    "legal_id",
    "registration_no",
    "field_id",
    "related_field_ids",
    "county_id",
    "phone",
    "mobile",
    "email",
    "address",
    "sheba",
    "capacity",
)


class SupporterService(SupporterMembers):
    """Operations on supporters and their networks within one unit of work."""

    # -- reading ---------------------------------------------------------------------------

    def get(self, supporter_id: str, warnings: tuple[str, ...] = ()) -> SupporterDetail:
        """A supporter with its licence, holder, fields, county and member counts."""
        s = self._load(supporter_id)
        licence = s.licence
        holder = licence.person
        related = tuple(json.loads(s.related_field_ids or "[]"))
        names: dict[str, str] = {}
        if related:
            for fid, fname in self.session.execute(
                select(BusinessField.id, BusinessField.name).where(BusinessField.id.in_(related))
            ):
                names[fid] = fname
        total = int(
            self.session.scalar(
                select(func.count())
                .select_from(NetworkMember)
                .where(NetworkMember.supporter_id == s.id, NetworkMember.deleted.is_(False))
            )
            or 0
        )
        holder_name = f"{holder.first_name} {holder.last_name}".strip()
        return SupporterDetail(
            id=s.id,
            rev=s.rev,
            kind=s.kind,
            name=s.legal_name if s.kind == SUPPORTER_LEGAL and s.legal_name else holder_name,
            legal_name=s.legal_name,
            legal_id=s.legal_id,
            registration_no=s.registration_no,
            licence_id=licence.id,
            licence_number=licence.number,
            licence_status=effective_status(licence.status, licence.expiry_date),
            licence_expiry=licence.expiry_date,
            holder_id=holder.id,
            holder_name=holder_name,
            holder_national_id=holder.national_id,
            holder_mobile=holder.mobile,
            field_id=s.field_id,
            field_code=s.field.code,
            field_name=s.field.name,
            related_field_ids=related,
            related_field_names=tuple(names.get(i, i) for i in related),
            county_id=s.county_id,
            county_name=s.county.name,
            phone=s.phone,
            mobile=s.mobile,
            email=s.email,
            address=s.address,
            sheba=s.sheba,
            capacity=s.capacity,
            status=s.status,
            status_reason=s.status_reason,
            active_members=self.active_count(s.id),
            total_members=total,
            warnings=warnings,
            outside_scope=self.outside_message(s.county),
        )

    def find_by_licence_number(self, number: str) -> str | None:
        """The id of the supporter holding licence ``number``, or None."""
        return self.session.scalar(
            select(Supporter.id)
            .join(Licence, Licence.id == Supporter.licence_id)
            .where(
                Licence.number == normalise_licence_number(number),
                Supporter.deleted.is_(False),
            )
        )

    # -- validation ------------------------------------------------------------------------

    def _licence_for(
        self,
        number_text: str,
        errors: list[ValidationError],
        today: dt.date,
        current: Supporter | None,
    ) -> Licence | None:
        number = normalise_licence_number(number_text)
        if not number:
            errors.append(ValidationError("licence_number", "شماره مجوز پشتیبان را وارد کنید"))
            return None
        licence = self.session.scalar(
            select(Licence).where(Licence.number == number, Licence.deleted.is_(False))
        )
        if licence is None:
            errors.append(
                ValidationError(
                    "licence_number",
                    f"مجوزی با شماره {to_persian_digits(number)} در دفتر نیست",
                )
            )
            return None
        if current is not None and current.licence_id == licence.id:
            return licence  # keeping its licence: editing is allowed whatever its state
        if licence.kind != KIND_SUPPORTER:
            errors.append(
                ValidationError(
                    "licence_number", "این مجوز از نوع «پشتیبان» نیست؛ مجوز پشتیبان لازم است"
                )
            )
            return None
        status = effective_status(licence.status, licence.expiry_date, today)
        if status != STATUS_ACTIVE:
            reasons = {
                "expired": "این مجوز منقضی شده است؛ ابتدا آن را تمدید کنید",
                "suspended": "این مجوز معلق است",
                "revoked": "این مجوز باطل شده است",
            }
            errors.append(
                ValidationError("licence_number", reasons.get(status, "این مجوز فعال نیست"))
            )
            return None
        other = self.session.scalar(
            select(Supporter.id).where(
                Supporter.licence_id == licence.id, Supporter.deleted.is_(False)
            )
        )
        if other is not None and (current is None or other != current.id):
            errors.append(
                ValidationError("licence_number", "این مجوز پیش‌تر برای پشتیبان دیگری ثبت شده است")
            )
            return None
        return licence

    def validate(
        self,
        data: SupporterInput,
        *,
        today: dt.date | None = None,
        current: Supporter | None = None,
    ) -> dict[str, Any]:
        """Validate a supporter's details; raises ValidationErrors with every problem."""
        errors: list[ValidationError] = []
        now = today or jalali.today()
        values: dict[str, Any] = {}

        def collect(fn: Any) -> Any:
            try:
                return fn()
            except ValidationError as exc:
                errors.append(exc)
                return None

        kind = kind_from_text(data.kind)
        if kind not in SUPPORTER_KINDS:
            errors.append(ValidationError("kind", "نوع پشتیبان باید «حقیقی» یا «حقوقی» باشد"))
        values["kind"] = kind
        licence = self._licence_for(data.licence_number, errors, now, current)
        values["licence_id"] = licence.id if licence is not None else None
        if kind == SUPPORTER_LEGAL:
            values["legal_name"] = (
                collect(
                    lambda: validate_text(data.legal_name, "legal_name", "نام شخص حقوقی", True, 200)
                )
                or ""
            )
            legal_id = collect(lambda: validate_legal_id(data.legal_id))
            if legal_id:
                clash = self.session.scalar(
                    select(Supporter.id).where(
                        Supporter.legal_id == legal_id, Supporter.deleted.is_(False)
                    )
                )
                if clash is not None and (current is None or clash != current.id):
                    errors.append(
                        ValidationError("legal_id", "پشتیبان دیگری با این شناسه ملی ثبت شده است")
                    )
            values["legal_id"] = legal_id or ""
            reg = digits_only(data.registration_no)
            if not reg:
                errors.append(ValidationError("registration_no", "وارد کردن شماره ثبت الزامی است"))
            elif not reg.isdigit() or not reg.isascii() or len(reg) > 20:
                errors.append(
                    ValidationError("registration_no", "شماره ثبت باید عدد و حداکثر ۲۰ رقم باشد")
                )
            values["registration_no"] = reg
        else:
            values.update(legal_name="", legal_id="", registration_no="")
        field_id = data.field_id or (licence.field_id if licence is not None else "")
        bf = self.session.get(BusinessField, field_id) if field_id else None
        if bf is None or bf.deleted:
            errors.append(ValidationError("field_id", "رشته را از فهرست رشته‌ها انتخاب کنید"))
        values["field_id"] = bf.id if bf is not None else None
        related: list[str] = []
        for rid in data.related_field_ids:
            rf = self.session.get(BusinessField, rid) if rid else None
            if rf is None or rf.deleted:
                errors.append(ValidationError("related_field_ids", "رشته مرتبط شناخته نشد"))
                break
            if rf.id not in related and rf.id != values["field_id"]:
                related.append(rf.id)
        values["related_field_ids"] = json.dumps(related)
        county_id = data.county_id or (licence.county_id if licence is not None else "")
        county = self.session.get(County, county_id) if county_id else None
        if (problem := self.county_problem(county)) is not None:
            errors.append(problem)
        values["county_id"] = county.id if county is not None else None
        values["phone"] = collect(lambda: validate_phone(data.phone)) or ""
        values["mobile"] = collect(lambda: validate_mobile(data.mobile)) or ""
        values["email"] = collect(lambda: validate_email(data.email)) or ""
        values["address"] = collect(lambda: validate_text(data.address, "address", "نشانی")) or ""
        values["sheba"] = collect(lambda: validate_sheba(data.sheba)) or ""
        values["capacity"] = collect(lambda: validate_capacity(data.capacity))
        if errors:
            raise ValidationErrors(errors)
        return values

    # -- writing ---------------------------------------------------------------------------

    @requires(Permission.SUPPORTERS)
    def create(self, data: SupporterInput, *, today: dt.date | None = None) -> SupporterDetail:
        """Register a supporter (nothing is written unless every field is valid)."""
        values = self.validate(data, today=today)
        supporter = Supporter(
            id=new_id(),
            origin_office=self.office_id,
            status=SUPPORTER_ACTIVE,
            status_reason="",
            **values,
        )
        self.session.add(supporter)
        self.session.flush()
        licence = self.session.get(Licence, supporter.licence_id)
        assert licence is not None
        supporter.search_key = supporter_key_for(supporter, licence.number, licence.person)
        record_insert(self.session, supporter)
        self.session.flush()
        return self.get(supporter.id)

    @requires(Permission.SUPPORTERS)
    def update(
        self,
        supporter_id: str,
        data: SupporterInput,
        *,
        expected_rev: int | None = None,
        today: dt.date | None = None,
    ) -> SupporterDetail:
        """Edit a supporter. A capacity below the members already active is allowed, with
        a warning in the result (new members then need an override)."""
        supporter = self._load(supporter_id)
        if expected_rev is not None and supporter.rev != expected_rev:
            raise DomainError(
                "این پشتیبان در این فاصله تغییر کرده است؛ آن را دوباره باز کنید و ویرایش کنید."
            )
        values = self.validate(data, today=today, current=supporter)
        changes = apply_values(supporter, values, SUPPORTER_FIELDS)
        if changes:
            touch(self.session, supporter, changes)
            refresh_supporter_search_keys(self.session, [supporter.id])
        self.session.flush()
        warnings: tuple[str, ...] = ()
        active = self.active_count(supporter.id)
        if active > supporter.capacity:
            warnings = (
                f"{to_persian_digits(str(active))} عضو فعال دارد و ظرفیت "
                f"{to_persian_digits(str(supporter.capacity))} نفر است (بالای ظرفیت)",
            )
        return self.get(supporter.id, warnings)

    def _set_status(self, supporter_id: str, status: str, reason: str, required: bool) -> None:
        supporter = self._load(supporter_id)
        self.require_owned(supporter.county)
        errors: list[ValidationError] = []
        reason = clean_reason(reason, "reason", errors)
        if required and not reason:
            errors.append(ValidationError("reason", "دلیل را بنویسید"))
        if errors:
            raise ValidationErrors(errors)
        changes = apply_values(
            supporter, {"status": status, "status_reason": reason}, ("status", "status_reason")
        )
        touch(self.session, supporter, changes)
        self.session.flush()

    @requires(Permission.SUPPORTERS)
    def suspend(self, supporter_id: str, reason: str) -> SupporterDetail:
        """Suspend an active supporter (a reason is required)."""
        if self._load(supporter_id).status != SUPPORTER_ACTIVE:
            raise DomainError("فقط پشتیبان فعال را می‌توان تعلیق کرد.")
        self._set_status(supporter_id, SUPPORTER_SUSPENDED, reason, True)
        return self.get(supporter_id)

    @requires(Permission.SUPPORTERS)
    def reactivate(self, supporter_id: str, reason: str = "") -> SupporterDetail:
        """Lift a suspension."""
        if self._load(supporter_id).status != SUPPORTER_SUSPENDED:
            raise DomainError("فقط پشتیبان معلق را می‌توان دوباره فعال کرد.")
        self._set_status(supporter_id, SUPPORTER_ACTIVE, reason, False)
        return self.get(supporter_id)
