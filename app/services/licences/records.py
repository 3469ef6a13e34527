"""What the licences service takes and gives: the inputs of a form or spreadsheet row, the
frozen records the views receive (never live ORM objects), the Persian labels of kinds,
statuses, genders, history actions and fields, and the status a person sees
(:func:`effective_status`: "expired" is derived from the expiry date)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from app.models.licence import KIND_INDEPENDENT, STATUS_ACTIVE
from common import jalali
from common.vocabulary import COLUMN_LABELS, Gender, HistoryAction, LicenceKind, LicenceStatus

MAX_LICENCES_PER_PERSON = 10

KIND_LABELS = LicenceKind.labels()
GENDER_LABELS = Gender.labels()
#: Status shown to people. "expired" is derived from the expiry date.
STATUS_EXPIRED = LicenceStatus.EXPIRED
STATUS_LABELS = LicenceStatus.labels()
ACTION_LABELS = HistoryAction.labels()
#: The holder's fields, in the order forms and files show them.
PERSON_FIELDS = (
    "national_id",
    "first_name",
    "last_name",
    "father_name",
    "birth_date",
    "gender",
    "mobile",
    "postal_code",
    "address",
)
#: The licence screen's and history's names of the holder's and the licence's fields
#: (common.vocabulary.COLUMN_LABELS, with the licence's own words where they differ).
FIELD_LABELS = {
    **{
        name: COLUMN_LABELS[name]
        for name in (
            *PERSON_FIELDS,
            "number",
            "field_id",
            "county_id",
            "activity_address",
            "issue_date",
            "expiry_date",
            "status",
        )
    },
    "kind": "نوع مجوز",
    "status_reason": "دلیل",
    "certificate_serial": "شماره گواهی‌نامه",
    "certificate_copy": "نوبت چاپ",
}
LICENCE_FIELDS = (
    "number",
    "kind",
    "field_id",
    "county_id",
    "activity_address",
    "issue_date",
    "expiry_date",
)


def effective_status(status: str, expiry_date: dt.date, today: dt.date | None = None) -> str:
    """The status a person sees: an active licence past its expiry date is "expired"."""
    if status == STATUS_ACTIVE and expiry_date < (today or jalali.today()):
        return STATUS_EXPIRED
    return status


@dataclass(frozen=True)
class PersonInput:
    """A holder's details as typed in a form or read from a spreadsheet row."""

    national_id: str = ""
    first_name: str = ""
    last_name: str = ""
    father_name: str = ""
    birth_date: str | dt.date | None = None
    gender: str = ""
    mobile: str = ""
    postal_code: str = ""
    address: str = ""


@dataclass(frozen=True)
class LicenceInput:
    """A licence's details as typed in a form or read from a spreadsheet row.

    ``number`` empty means "allocate the next number of the office's pool".
    ``expiry_date`` empty means "issue date + the validity of the field's group".
    """

    kind: str = KIND_INDEPENDENT
    field_id: str = ""
    county_id: str = ""
    activity_address: str = ""
    issue_date: str | dt.date | None = None
    expiry_date: str | dt.date | None = None
    number: str = ""


@dataclass(frozen=True)
class PersonInfo:
    """A holder, as views see it."""

    id: str
    national_id: str
    first_name: str
    last_name: str
    father_name: str
    birth_date: dt.date | None
    gender: str
    mobile: str
    postal_code: str
    address: str
    licence_count: int = 0

    @property
    def full_name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a licence's history."""

    at: dt.datetime
    actor: str
    action: str
    action_label: str
    changes: dict[str, list[Any]]
    reason: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class LicenceDetail:
    """A licence with its holder, field and county, as the licence screen shows it."""

    id: str
    rev: int
    number: str
    unique_id: str
    kind: str
    field_id: str
    field_code: str
    field_name: str
    field_group: str
    approving_body: str
    starred: bool
    county_id: str
    county_name: str
    province_name: str
    activity_address: str
    issue_date: dt.date
    expiry_date: dt.date
    status: str
    effective_status: str
    status_reason: str
    holder: PersonInfo
    warnings: tuple[str, ...] = field(default=())
    #: Why this office may only look at the licence ("" when it may change it): it lies
    #: in a county outside the office's scope (a supporter's licence seen through a
    #: member of its network, say).
    outside_scope: str = ""

    @property
    def kind_label(self) -> str:
        """Persian label of the kind."""
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        """Persian label of the effective status."""
        return STATUS_LABELS.get(self.effective_status, self.effective_status)
