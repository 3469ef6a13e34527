"""What the supporters service takes and gives: the inputs of a form or spreadsheet row,
the frozen records the views receive (never live ORM objects), the Persian labels of kinds,
statuses, roles, fields and coverage filters, and the warnings a clerk may override
(:class:`OverrideRequired`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from app.models.supporter import MEMBER_ROLES, ROLE_PRODUCER, SUPPORTER_LEGAL, SUPPORTER_PERSON
from app.services.licences.records import PersonInput
from common.errors import DomainError
from common.text import normalize_text, search_key, to_persian_digits
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
#: Why a member needs an override (codes of :class:`OverrideRequired`).
OVERRIDE_CAPACITY = "over_capacity"
OVERRIDE_LICENCE = "no_field_licence"
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


def role_from_text(value: str) -> str | None:
    """A role code from its code or Persian label (None if unknown; "" → producer)."""
    key = search_key(value)
    if not key:
        return ROLE_PRODUCER
    return _ROLE_FROM_TEXT.get(key) or _ROLE_FROM_TEXT.get(value.strip().lower())


def kind_from_text(value: str) -> str | None:
    """A supporter kind from its code or Persian label (None if unknown)."""
    return _KIND_FROM_TEXT.get(normalize_text(value).lower())


@dataclass(frozen=True)
class MembershipRow:
    """One network a person belongs (or belonged) to, as the person page lists it."""

    member_id: str
    supporter_id: str
    supporter_name: str
    role: str
    county: str
    joined_on: dt.date
    left_on: dt.date | None

    @property
    def role_label(self) -> str:
        """Persian label of the role."""
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def active(self) -> bool:
        """Still a member (has not left)."""
        return self.left_on is None
