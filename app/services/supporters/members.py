"""A supporter's network: adding a member (found by national ID, or created), the two
rules a clerk may override with a reason (capacity, a licence in the supporter's fields),
and a member leaving.

:class:`SupporterMembers` is the network half of
:class:`app.services.supporters.service.SupporterService` (which callers use); it holds the
session and the office, loads a supporter and counts its active members.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import County, Licence, NetworkMember, Person, Supporter, new_id
from app.models.licence import STATUS_ACTIVE
from app.models.supporter import SUPPORTER_ACTIVE
from app.services.core.access import requires
from app.services.core.office import require_office
from app.services.core.outbox import apply_values, insert_record, touch
from app.services.core.scope import ScopedService
from app.services.licences.holders import validate_person
from app.services.supporters.records import (
    FIELD_LABELS,
    OVERRIDE_CAPACITY,
    OVERRIDE_LICENCE,
    MemberInput,
    MemberLicenceWarning,
    MemberRow,
    OverCapacity,
    role_from_text,
)
from common import jalali
from common.errors import DomainError, ValidationError, ValidationErrors
from common.rules import member_dates_problem
from common.text import normalize_text, to_persian_digits
from common.validators import validate_national_id
from common.vocabulary import Permission


def _as_date(
    value: str | dt.date | None, fname: str, required: bool, errors: list[ValidationError]
) -> dt.date | None:
    return jalali.date_field(value, fname, FIELD_LABELS[fname], errors, required=required)


def clean_reason(value: str, fname: str, errors: list[ValidationError]) -> str:
    """A reason as stored (normalised text); over 500 characters is appended to ``errors``."""
    s = normalize_text(value)
    if len(s) > 500:
        errors.append(ValidationError(fname, "دلیل حداکثر ۵۰۰ نویسه است"))
    return s


class SupporterMembers(ScopedService):
    """A supporter's network members within one unit of work (the base of
    :class:`~app.services.supporters.service.SupporterService`)."""

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

    @requires(Permission.SUPPORTERS)
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
        joined, left = _member_dates(data, now, errors)
        leave_reason = clean_reason(data.leave_reason, "leave_reason", errors)
        override = clean_reason(override_reason, "override_reason", errors)
        if person is not None and left is None and self._active_membership(supporter.id, person.id):
            errors.append(ValidationError("national_id", "این شخص هم‌اکنون عضو این شبکه است"))
        if errors:
            raise ValidationErrors(errors)
        if left is None and not override:
            self._require_override(supporter, person, now, check_licence=check_licence)
        if person is None:
            person = Person(id=new_id(), origin_office=self.office_id, **pvalues)
            insert_record(self.session, person)
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
        insert_record(self.session, member)
        return self._member_row(member)

    def _require_override(
        self, supporter: Supporter, person: Person | None, now: dt.date, *, check_licence: bool
    ) -> None:
        """Raise OverCapacity or MemberLicenceWarning when a new active member breaks the
        network's capacity or the licence rule (the clerk may then give a reason)."""
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

    @requires(Permission.SUPPORTERS)
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
        text_reason = clean_reason(reason, "reason", errors)
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


def _member_dates(
    data: MemberInput, now: dt.date, errors: list[ValidationError]
) -> tuple[dt.date | None, dt.date | None]:
    """The member's joining and leaving dates: in order, and neither in the future."""
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
    return joined, left
