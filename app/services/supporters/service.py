"""Supporters (پشتیبان) and the members of their supply-chain networks.

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
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.models import (
    BusinessField,
    County,
    Licence,
    NetworkMember,
    Person,
    Supporter,
    new_id,
)
from app.models.licence import KIND_SUPPORTER, STATUS_ACTIVE
from app.models.supporter import (
    MEMBER_ROLES,
    ROLE_PRODUCER,
    SUPPORTER_ACTIVE,
    SUPPORTER_KINDS,
    SUPPORTER_LEGAL,
    SUPPORTER_PERSON,
    SUPPORTER_SUSPENDED,
)
from app.services.core.office import require_office
from app.services.core.outbox import apply_values, record_insert, touch
from app.services.core.scope import ScopedService
from app.services.core.search_keys import refresh_supporter_search_keys, supporter_key_for
from app.services.licences.service import (
    PersonInput,
    effective_status,
    normalise_licence_number,
    validate_person,
)
from common import jalali
from common.errors import DomainError, ValidationError, ValidationErrors
from common.rules import member_dates_problem
from common.text import (
    digits_only,
    normalize_text,
    persian_sort_key,
    search_key,
    to_persian_digits,
)
from common.validators import (
    validate_capacity,
    validate_email,
    validate_legal_id,
    validate_mobile,
    validate_national_id,
    validate_phone,
    validate_sheba,
    validate_text,
)
from common.vocabulary import MemberRole, SupporterKind, SupporterStatus

KIND_LABELS = SupporterKind.labels()
STATUS_LABELS = SupporterStatus.labels()
ROLE_LABELS = MemberRole.labels()
FIELD_LABELS = {
    "kind": "نوع پشتیبان",
    "licence_number": "شماره مجوز پشتیبان",
    "legal_name": "نام شخص حقوقی",
    "legal_id": "شناسه ملی",
    "registration_no": "شماره ثبت",
    "field_id": "رشته",
    "related_field_ids": "رشته‌های مرتبط",
    "county_id": "شهرستان",
    "phone": "تلفن ثابت",
    "mobile": "تلفن همراه",
    "email": "ایمیل",
    "address": "نشانی",
    "sheba": "شماره شبا",
    "capacity": "ظرفیت",
    "role": "نقش",
    "joined_on": "تاریخ عضویت",
    "left_on": "تاریخ خروج",
    "leave_reason": "دلیل خروج",
    "override_reason": "دلیل استثنا",
}

#: Coverage filters of the supporter list: active members against capacity.
COVERAGE_OVER = "over"
COVERAGE_NEAR = "near"
COVERAGE_UNDER_HALF = "under_half"
COVERAGE_LABELS = {
    COVERAGE_OVER: "بالای ظرفیت",
    COVERAGE_NEAR: "نزدیک ظرفیت (≥۹۰٪)",
    COVERAGE_UNDER_HALF: "کمتر از نیمه",
}
_COVERAGE_SQL = {
    COVERAGE_OVER: "active > s.capacity",
    COVERAGE_NEAR: "active * 10 >= s.capacity * 9 AND active <= s.capacity",
    COVERAGE_UNDER_HALF: "active * 2 < s.capacity",
}
#: Why a member needs an override (codes of :class:`OverrideRequired`).
OVERRIDE_CAPACITY = "over_capacity"
OVERRIDE_LICENCE = "no_field_licence"
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
_KIND_FROM_TEXT = {
    "حقیقی": SUPPORTER_PERSON,
    "شخص حقیقی": SUPPORTER_PERSON,
    "حقوقی": SUPPORTER_LEGAL,
    "شخص حقوقی": SUPPORTER_LEGAL,
    SUPPORTER_PERSON: SUPPORTER_PERSON,
    SUPPORTER_LEGAL: SUPPORTER_LEGAL,
}
_ROLE_FROM_TEXT = {search_key(label): code for code, label in ROLE_LABELS.items()} | {
    code: code for code in MEMBER_ROLES
}


# -- errors -------------------------------------------------------------------------------


class OverrideRequired(DomainError):
    """Adding the member breaks a rule the clerk may override with a reason.

    ``codes`` says which (:data:`OVERRIDE_CAPACITY`, :data:`OVERRIDE_LICENCE`);
    ``messages`` are their Persian explanations. Nothing was written.
    """

    def __init__(self, codes: tuple[str, ...], messages: tuple[str, ...]) -> None:
        super().__init__("\n".join(messages))
        self.codes = codes
        self.messages = messages


class OverCapacity(OverrideRequired):
    """The network would cover more members than the supporter's capacity."""


class MemberLicenceWarning(OverrideRequired):
    """The member holds no active licence in the supporter's field or a related field."""


# -- inputs and views ---------------------------------------------------------------------


@dataclass(frozen=True)
class SupporterInput:
    """A supporter's details as typed in a form or read from a spreadsheet row.

    ``licence_number`` picks its supporter-kind licence; ``field_id`` and ``county_id``
    empty mean "those of the licence". ``related_field_ids`` are business-field ids.
    """

    kind: str = SUPPORTER_PERSON
    licence_number: str = ""
    legal_name: str = ""
    legal_id: str = ""
    registration_no: str = ""
    field_id: str = ""
    related_field_ids: tuple[str, ...] = ()
    county_id: str = ""
    phone: str = ""
    mobile: str = ""
    email: str = ""
    address: str = ""
    sheba: str = ""
    capacity: str | int = ""


@dataclass(frozen=True)
class MemberInput:
    """A new membership: the holder (found by national ID, or created from ``person``),
    role, county and joining date; ``left_on`` only for past memberships (imports)."""

    person: PersonInput
    role: str = ROLE_PRODUCER
    county_id: str = ""
    joined_on: str | dt.date | None = None
    left_on: str | dt.date | None = None
    leave_reason: str = ""


@dataclass(frozen=True)
class SupporterFilter:
    """What the clerk asked the supporter list to show."""

    text: str = ""
    field_id: str | None = None
    county_id: str | None = None
    coverage: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class SupporterRow:
    """One line of the supporter list."""

    id: str
    name: str
    kind: str
    legal_id: str
    national_id: str
    licence_number: str
    field: str
    county: str
    capacity: int
    active_members: int
    status: str
    mobile: str

    @property
    def coverage_percent(self) -> int:
        """Active members as a percentage of the capacity (rounded down)."""
        return self.active_members * 100 // self.capacity if self.capacity else 0


@dataclass(frozen=True)
class SupporterDetail:
    """A supporter with everything its page shows."""

    id: str
    rev: int
    kind: str
    name: str
    legal_name: str
    legal_id: str
    registration_no: str
    licence_id: str
    licence_number: str
    licence_status: str
    licence_expiry: dt.date
    holder_id: str
    holder_name: str
    holder_national_id: str
    holder_mobile: str
    field_id: str
    field_code: str
    field_name: str
    related_field_ids: tuple[str, ...]
    related_field_names: tuple[str, ...]
    county_id: str
    county_name: str
    phone: str
    mobile: str
    email: str
    address: str
    sheba: str
    capacity: int
    status: str
    status_reason: str
    active_members: int
    total_members: int
    warnings: tuple[str, ...] = field(default=())
    #: Why this office may only look at the supporter ("" when it may change it): its
    #: county is another office's (it is seen here through a member of its network).
    outside_scope: str = ""

    @property
    def kind_label(self) -> str:
        """Persian label of the kind."""
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        """Persian label of the status."""
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def over_capacity(self) -> bool:
        """True if more members are active than the capacity allows."""
        return self.active_members > self.capacity


@dataclass(frozen=True)
class MemberRow:
    """One membership, as the supporter page lists it."""

    id: str
    person_id: str
    name: str
    national_id: str
    role: str
    county: str
    joined_on: dt.date
    left_on: dt.date | None
    leave_reason: str
    override_reason: str

    @property
    def role_label(self) -> str:
        """Persian label of the role."""
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def active(self) -> bool:
        """True while the member has not left."""
        return self.left_on is None


@dataclass(frozen=True)
class CoveragePoint:
    """Members active during one Jalali month."""

    year: int
    month: int
    active: int

    @property
    def label(self) -> str:
        """``۱۴۰۳/۰۵``."""
        return to_persian_digits(f"{self.year:04d}/{self.month:02d}")


@dataclass(frozen=True)
class SummaryLine:
    """Members of one county or field: active now, and those who left."""

    name: str
    active: int
    left: int


@dataclass(frozen=True)
class NetworkSummary:
    """A network's members by county and by the field of their licence."""

    by_county: list[SummaryLine]
    by_field: list[SummaryLine]


# -- helpers -------------------------------------------------------------------------------


def _as_date(
    value: str | dt.date | None, fname: str, required: bool, errors: list[ValidationError]
) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return jalali.parse_jalali(value, field=fname, label=FIELD_LABELS[fname], required=required)
    except ValidationError as exc:
        errors.append(exc)
        return None


def role_from_text(value: str) -> str | None:
    """A role code from its code or Persian label (None if unknown; "" → producer)."""
    key = search_key(value)
    if not key:
        return ROLE_PRODUCER
    return _ROLE_FROM_TEXT.get(key) or _ROLE_FROM_TEXT.get(value.strip().lower())


def kind_from_text(value: str) -> str | None:
    """A supporter kind from its code or Persian label (None if unknown)."""
    return _KIND_FROM_TEXT.get(normalize_text(value).lower())


def _reason(value: str, fname: str, errors: list[ValidationError]) -> str:
    s = normalize_text(value)
    if len(s) > 500:
        errors.append(ValidationError(fname, "دلیل حداکثر ۵۰۰ نویسه است"))
    return s


# -- the service ---------------------------------------------------------------------------


class SupporterService(ScopedService):
    """Operations on supporters and their networks within one unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.office_id = require_office(session).id

    # -- reading ---------------------------------------------------------------------------

    def _load(self, supporter_id: str) -> Supporter:
        supporter = self.session.get(Supporter, supporter_id)
        if supporter is None or supporter.deleted:
            raise DomainError("پشتیبان پیدا نشد؛ شاید حذف شده باشد.")
        return supporter

    def active_count(self, supporter_id: str) -> int:
        """How many members are in the network now."""
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(NetworkMember)
                .where(
                    NetworkMember.supporter_id == supporter_id,
                    NetworkMember.left_on.is_(None),
                    NetworkMember.deleted.is_(False),
                )
            )
            or 0
        )

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
        reason = _reason(reason, "reason", errors)
        if required and not reason:
            errors.append(ValidationError("reason", "دلیل را بنویسید"))
        if errors:
            raise ValidationErrors(errors)
        changes = apply_values(
            supporter, {"status": status, "status_reason": reason}, ("status", "status_reason")
        )
        touch(self.session, supporter, changes)
        self.session.flush()

    def suspend(self, supporter_id: str, reason: str) -> SupporterDetail:
        """Suspend an active supporter (a reason is required)."""
        if self._load(supporter_id).status != SUPPORTER_ACTIVE:
            raise DomainError("فقط پشتیبان فعال را می‌توان تعلیق کرد.")
        self._set_status(supporter_id, SUPPORTER_SUSPENDED, reason, True)
        return self.get(supporter_id)

    def reactivate(self, supporter_id: str, reason: str = "") -> SupporterDetail:
        """Lift a suspension."""
        if self._load(supporter_id).status != SUPPORTER_SUSPENDED:
            raise DomainError("فقط پشتیبان معلق را می‌توان دوباره فعال کرد.")
        self._set_status(supporter_id, SUPPORTER_ACTIVE, reason, False)
        return self.get(supporter_id)

    # -- members ---------------------------------------------------------------------------

    def has_field_licence(self, person_id: str, supporter: Supporter, today: dt.date) -> bool:
        """True if the person holds an active licence in the supporter's field or one of
        its related fields."""
        fields = [supporter.field_id, *json.loads(supporter.related_field_ids or "[]")]
        found = self.session.scalar(
            select(Licence.id)
            .where(
                Licence.person_id == person_id,
                Licence.deleted.is_(False),
                Licence.status == STATUS_ACTIVE,
                Licence.expiry_date >= today,
                Licence.field_id.in_(fields),
            )
            .limit(1)
        )
        return found is not None

    def check_member(
        self, supporter_id: str, national_id: str, *, today: dt.date | None = None
    ) -> tuple[str, ...]:
        """The warnings adding this person would raise (for a form to show early)."""
        supporter = self._load(supporter_id)
        now = today or jalali.today()
        warnings: list[str] = []
        if self.active_count(supporter.id) + 1 > supporter.capacity:
            warnings.append(_capacity_message(supporter.capacity))
        try:
            nid = validate_national_id(national_id)
        except ValidationError:
            return tuple(warnings)
        person_id = self.session.scalar(select(Person.id).where(Person.national_id == nid))
        if person_id is None or not self.has_field_licence(person_id, supporter, now):
            warnings.append(_LICENCE_MESSAGE)
        return tuple(warnings)

    def add_member(
        self,
        supporter_id: str,
        data: MemberInput,
        *,
        override_reason: str = "",
        today: dt.date | None = None,
        check_licence: bool = True,
    ) -> MemberRow:
        """Add a holder to the network (found by national ID, or created).

        Raises ValidationErrors (nothing written) for bad input, OverCapacity or
        MemberLicenceWarning (nothing written) unless ``override_reason`` is given.
        ``check_licence`` False skips the licence rule (imports report it as a warning:
        a file may come before the members' licences).
        """
        supporter = self._load(supporter_id)
        if supporter.status != SUPPORTER_ACTIVE:
            raise DomainError("پشتیبان معلق است؛ به شبکهٔ آن عضو تازه افزوده نمی‌شود.")
        now = today or jalali.today()
        errors: list[ValidationError] = []
        person: Person | None = None
        pvalues: dict[str, Any] = {}
        try:
            nid = validate_national_id(data.person.national_id)
        except ValidationError as exc:
            errors.append(exc)
            nid = ""
        if nid:
            person = self.session.scalar(
                select(Person).where(Person.national_id == nid, Person.deleted.is_(False))
            )
        if person is None and nid:
            pvalues, perrors, _warnings = validate_person(data.person, now)
            errors.extend(perrors)
        role = role_from_text(data.role)
        if role is None:
            errors.append(ValidationError("role", "نقش را از فهرست انتخاب کنید"))
        county_id = data.county_id or supporter.county_id
        county = self.session.get(County, county_id)
        if (problem := self.county_problem(county)) is not None:
            errors.append(problem)
        joined = _as_date(data.joined_on, "joined_on", True, errors)
        if joined is not None and joined > now:
            errors.append(ValidationError("joined_on", "تاریخ عضویت نمی‌تواند در آینده باشد"))
        left = _as_date(data.left_on, "left_on", False, errors)
        if left is not None:
            order = member_dates_problem(joined, left)
            if order is not None:
                errors.append(order)
            elif left > now:
                errors.append(ValidationError("left_on", "تاریخ خروج نمی‌تواند در آینده باشد"))
        leave_reason = _reason(data.leave_reason, "leave_reason", errors)
        override = _reason(override_reason, "override_reason", errors)
        if person is not None and left is None and self._active_membership(supporter.id, person.id):
            errors.append(ValidationError("national_id", "این شخص هم‌اکنون عضو این شبکه است"))
        if errors:
            raise ValidationErrors(errors)
        if left is None and not override:
            codes: list[str] = []
            messages: list[str] = []
            if self.active_count(supporter.id) + 1 > supporter.capacity:
                codes.append(OVERRIDE_CAPACITY)
                messages.append(_capacity_message(supporter.capacity))
            if check_licence and (
                person is None or not self.has_field_licence(person.id, supporter, now)
            ):
                codes.append(OVERRIDE_LICENCE)
                messages.append(_LICENCE_MESSAGE)
            if codes:
                error_type = OverCapacity if OVERRIDE_CAPACITY in codes else MemberLicenceWarning
                raise error_type(tuple(codes), tuple(messages))
        if person is None:
            person = Person(id=new_id(), origin_office=self.office_id, **pvalues)
            self.session.add(person)
            self.session.flush()
            record_insert(self.session, person)
        assert role is not None and joined is not None and county is not None
        member = NetworkMember(
            id=new_id(),
            origin_office=self.office_id,
            supporter_id=supporter.id,
            person_id=person.id,
            role=role,
            county_id=county.id,
            joined_on=joined,
            left_on=left,
            leave_reason=leave_reason if left is not None else "",
            override_reason=override,
        )
        self.session.add(member)
        self.session.flush()
        record_insert(self.session, member)
        return self._member_row(member)

    def _active_membership(self, supporter_id: str, person_id: str) -> str | None:
        return self.session.scalar(
            select(NetworkMember.id).where(
                NetworkMember.supporter_id == supporter_id,
                NetworkMember.person_id == person_id,
                NetworkMember.left_on.is_(None),
                NetworkMember.deleted.is_(False),
            )
        )

    def _member_row(self, member: NetworkMember) -> MemberRow:
        person = member.person
        return MemberRow(
            id=member.id,
            person_id=person.id,
            name=f"{person.first_name} {person.last_name}".strip(),
            national_id=person.national_id,
            role=member.role,
            county=member.county.name,
            joined_on=member.joined_on,
            left_on=member.left_on,
            leave_reason=member.leave_reason,
            override_reason=member.override_reason,
        )

    def remove_member(
        self,
        member_id: str,
        left_on: str | dt.date | None,
        reason: str,
        *,
        today: dt.date | None = None,
    ) -> MemberRow:
        """A member leaves the network: set the leaving date and its reason."""
        member = self.session.get(NetworkMember, member_id)
        if member is None or member.deleted:
            raise DomainError("عضو پیدا نشد؛ شاید حذف شده باشد.")
        if member.left_on is not None:
            raise DomainError("این عضو پیش‌تر از شبکه خارج شده است.")
        supporter = self._load(member.supporter_id)
        if not self.scope.contains(supporter.county_id):
            # The member's county office may record it leaving, as may the supporter's.
            self.require_owned(member.county)
        now = today or jalali.today()
        errors: list[ValidationError] = []
        left = _as_date(left_on, "left_on", True, errors)
        if left is not None:
            order = member_dates_problem(member.joined_on, left)
            if order is not None:
                errors.append(order)
            elif left > now:
                errors.append(ValidationError("left_on", "تاریخ خروج نمی‌تواند در آینده باشد"))
        text_reason = _reason(reason, "reason", errors)
        if not text_reason:
            errors.append(ValidationError("reason", "دلیل خروج را بنویسید"))
        if errors:
            raise ValidationErrors(errors)
        changes = apply_values(
            member, {"left_on": left, "leave_reason": text_reason}, ("left_on", "leave_reason")
        )
        touch(self.session, member, changes)
        self.session.flush()
        return self._member_row(member)


_LICENCE_MESSAGE = "این شخص مجوز فعالی در رشتهٔ پشتیبان یا رشته‌های مرتبط آن ندارد"


def _capacity_message(capacity: int) -> str:
    return (
        f"ظرفیت این پشتیبان {to_persian_digits(str(capacity))} نفر است و با این عضو "
        "از ظرفیت بیشتر می‌شود"
    )


# -- the list, the members page, coverage and summary --------------------------------------

_ACTIVE_COUNTS = (
    "SELECT supporter_id, count(*) AS n FROM network_member "
    "WHERE left_on IS NULL AND deleted = 0 GROUP BY supporter_id"
)


def list_supporters(session: Session, flt: SupporterFilter | None = None) -> list[SupporterRow]:
    """The supporters matching ``flt``, by name (supporters are hundreds: no paging)."""
    flt = flt or SupporterFilter()
    clauses = ["s.deleted = 0"]
    params: dict[str, Any] = {}
    for i, token in enumerate(search_key(flt.text).split()):
        # Words match at their start, as in the register: «12» finds «12…», not «0612».
        clauses.append(f"(' ' || s.search_key) LIKE :t{i} ESCAPE '\\'")
        escaped = token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params[f"t{i}"] = f"% {escaped}%"
    if flt.field_id:
        clauses.append(
            "(s.field_id = :field_id OR EXISTS (SELECT 1 FROM json_each(s.related_field_ids) "
            "WHERE value = :field_id))"
        )
        params["field_id"] = flt.field_id
    if flt.county_id:
        clauses.append("s.county_id = :county_id")
        params["county_id"] = flt.county_id
    if flt.status:
        clauses.append("s.status = :status")
        params["status"] = flt.status
    if flt.coverage in _COVERAGE_SQL:
        clauses.append(_COVERAGE_SQL[flt.coverage])
    sql = (
        "SELECT * FROM (SELECT s.id, s.kind, s.legal_name, p.first_name || ' ' || p.last_name "
        "AS holder, s.legal_id, p.national_id, l.number, f.name AS field, c.name AS county, "
        "s.capacity, coalesce(a.n, 0) AS active, s.status, s.mobile, p.mobile AS pmobile, "
        "s.deleted, s.search_key, s.field_id, s.related_field_ids, s.county_id "
        "FROM supporter s JOIN licence l ON l.id = s.licence_id "
        "JOIN person p ON p.id = l.person_id JOIN business_field f ON f.id = s.field_id "
        f"JOIN county c ON c.id = s.county_id LEFT JOIN ({_ACTIVE_COUNTS}) a "
        "ON a.supporter_id = s.id) s "
        f"WHERE {' AND '.join(clauses)}"
    )
    rows = [
        SupporterRow(
            id=r[0],
            name=r[2] if r[1] == SUPPORTER_LEGAL and r[2] else r[3],
            kind=r[1],
            legal_id=r[4],
            national_id=r[5],
            licence_number=r[6],
            field=r[7],
            county=r[8],
            capacity=int(r[9]),
            active_members=int(r[10]),
            status=r[11],
            mobile=r[12] or r[13],
        )
        for r in session.execute(text(sql), params)
    ]
    rows.sort(key=lambda row: persian_sort_key(row.name))
    return rows


_MEMBER_SQL = (
    "SELECT m.id, m.person_id, p.first_name || ' ' || p.last_name, p.national_id, m.role, "
    "c.name, m.joined_on, m.left_on, m.leave_reason, m.override_reason "
    "FROM network_member m JOIN person p ON p.id = m.person_id "
    "JOIN county c ON c.id = m.county_id "
    "WHERE m.supporter_id = :sid AND m.deleted = 0"
)


def count_members(session: Session, supporter_id: str, *, include_left: bool = True) -> int:
    """How many memberships the supporter's page lists."""
    sql = "SELECT count(*) FROM network_member WHERE supporter_id = :sid AND deleted = 0"
    if not include_left:
        sql += " AND left_on IS NULL"
    return int(session.execute(text(sql), {"sid": supporter_id}).scalar_one())


def member_page(
    session: Session,
    supporter_id: str,
    offset: int,
    limit: int,
    *,
    include_left: bool = True,
) -> list[MemberRow]:
    """Memberships ``offset`` … ``offset + limit``: current members first, then those who
    left by leaving date (the order of ``ix_network_member_supporter_left``)."""
    sql = _MEMBER_SQL + ("" if include_left else " AND m.left_on IS NULL")
    sql += " ORDER BY m.left_on, m.rowid LIMIT :limit OFFSET :offset"
    rows = session.execute(text(sql), {"sid": supporter_id, "limit": limit, "offset": offset})
    return [
        MemberRow(
            id=r[0],
            person_id=r[1],
            name=r[2],
            national_id=r[3],
            role=r[4],
            county=r[5],
            joined_on=dt.date.fromisoformat(r[6]),
            left_on=dt.date.fromisoformat(r[7]) if r[7] else None,
            leave_reason=r[8],
            override_reason=r[9],
        )
        for r in rows
    ]


def coverage_by_month(
    session: Session, supporter_id: str, months: int = 24, today: dt.date | None = None
) -> list[CoveragePoint]:
    """Members active during each of the last ``months`` Jalali months (oldest first);
    a member counts in a month if they joined by its end and had not left before it."""
    now = today or jalali.today()
    y, m, _d = jalali.to_jalali_tuple(now)
    spans = [
        (dt.date.fromisoformat(j), dt.date.fromisoformat(left) if left else None)
        for j, left in session.execute(
            text(
                "SELECT joined_on, left_on FROM network_member "
                "WHERE supporter_id = :sid AND deleted = 0"
            ),
            {"sid": supporter_id},
        )
    ]
    points: list[CoveragePoint] = []
    for back in range(months - 1, -1, -1):
        year, month0 = divmod(y * 12 + (m - 1) - back, 12)
        start = jalali.from_jalali(year, month0 + 1, 1)
        end = jalali.from_jalali(year, month0 + 1, jalali.month_length(year, month0 + 1))
        active = sum(1 for j, left in spans if j <= end and (left is None or left >= start))
        points.append(CoveragePoint(year, month0 + 1, active))
    return points


def network_summary(session: Session, supporter_id: str) -> NetworkSummary:
    """The network's members by county and by the field of their latest licence."""
    by_county = [
        SummaryLine(name, int(active), int(left))
        for name, active, left in session.execute(
            text(
                "SELECT c.name, sum(m.left_on IS NULL), sum(m.left_on IS NOT NULL) "
                "FROM network_member m JOIN county c ON c.id = m.county_id "
                "WHERE m.supporter_id = :sid AND m.deleted = 0 "
                "GROUP BY c.name ORDER BY sum(m.left_on IS NULL) DESC, c.name"
            ),
            {"sid": supporter_id},
        )
    ]
    none_label = "بدون مجوز"
    by_field = [
        SummaryLine(name or none_label, int(active), int(left))
        for name, active, left in session.execute(
            text(
                "SELECT (SELECT f.name FROM licence l JOIN business_field f ON f.id = l.field_id "
                "WHERE l.person_id = m.person_id AND l.deleted = 0 AND l.status != 'revoked' "
                "ORDER BY l.issue_date DESC LIMIT 1) AS fname, "
                "sum(m.left_on IS NULL), sum(m.left_on IS NOT NULL) "
                "FROM network_member m WHERE m.supporter_id = :sid AND m.deleted = 0 "
                "GROUP BY fname ORDER BY sum(m.left_on IS NULL) DESC, fname"
            ),
            {"sid": supporter_id},
        )
    ]
    return NetworkSummary(by_county, by_field)


def supporter_licence_choices(session: Session) -> list[tuple[str, str]]:
    """Active supporter-kind licences not yet used by a supporter: (number, holder)."""
    today = jalali.today().isoformat()
    rows = session.execute(
        text(
            "SELECT l.number, p.first_name || ' ' || p.last_name FROM licence l "
            "JOIN person p ON p.id = l.person_id WHERE l.deleted = 0 AND l.kind = :kind "
            "AND l.status = 'active' AND l.expiry_date >= :today AND NOT EXISTS "
            "(SELECT 1 FROM supporter s WHERE s.licence_id = l.id AND s.deleted = 0) "
            "ORDER BY l.number"
        ),
        {"kind": KIND_SUPPORTER, "today": today},
    )
    return [(str(n), str(h)) for n, h in rows]
