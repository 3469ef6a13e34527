"""Supporters and their networks as one spreadsheet (.xlsx or .csv): the ``supporters`` kind.

One sheet, one row per membership, the supporter's columns repeated on each of its rows
(:data:`COLUMNS`). The supporter licence number identifies the supporter: the first row
of a supporter creates it (or updates it when it is already registered); a row with the
supporter's columns but no member national ID creates or updates just the supporter.
When the licence number is not in the register yet and the row gives its holder (the
supporter person or managing director), the supporter-kind licence is issued first, so
an export imports back into an empty database.

Rows are validated with the same rules as the forms (:mod:`app.services.supporters.service`);
a row with a problem is skipped and reported (row number, column, Persian reason), the
others are imported. Memberships already in the network (same supporter, holder and
joining date) are skipped, so importing a file twice creates no duplicates. Reading,
reports and templates are the spreadsheet framework's (:mod:`app.services.spreadsheet`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, NoReturn

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models import Licence, NetworkMember, Person, Supporter
from app.models.licence import KIND_SUPPORTER
from app.services.licences.numbers import normalise_licence_number
from app.services.licences.records import LicenceInput, PersonInput
from app.services.licences.service import LicenceService
from app.services.spreadsheet.columns import (
    Column,
    Columns,
    choice,
    cleaned,
    each,
    jalali_text,
    joined,
    label,
    lookup,
)
from app.services.spreadsheet.importer import (
    ImportResult,
    ImportRun,
    Outcome,
    Problem,
    RowHandler,
    RowRejected,
    SheetRow,
)
from app.services.spreadsheet.kind import SheetKind
from app.services.spreadsheet.lookups import (
    CountyRef,
    FieldRef,
    counties,
    field_codes,
    fields,
    unknown_county,
)
from app.services.spreadsheet.sheetfile import ImportFileError
from app.services.supporters.records import MemberInput, OverrideRequired, SupporterInput
from app.services.supporters.service import SupporterService
from common import jalali
from common.errors import DomainError, ValidationError, ValidationErrors
from common.text import normalize_text, to_ascii_digits, to_persian_digits
from common.vocabulary import MemberRole, SupporterKind, SupporterStatus

__all__ = [
    "COLUMNS",
    "KIND",
    "ImportFileError",
    "ImportResult",
    "Problem",
    "export_file",
    "import_file",
    "write_template",
]

_IF_NOT_REGISTERED = "اگر مجوز در دفتر نیست"
COLUMNS = Columns(
    Column(
        "شماره مجوز پشتیبان",
        "licence_number",
        True,
        "0612-000123",
        "مجوز از نوع پشتیبان",
        read=cleaned(normalise_licence_number),
    ),
    Column("نوع پشتیبان", "kind", True, "حقوقی", "حقیقی یا حقوقی", write=label(SupporterKind)),
    Column("کد ملی دارنده مجوز", "holder_national_id", False, "0067749828", "پشتیبان یا مدیرعامل"),
    Column("نام دارنده مجوز", "holder_first_name", False, "مریم", _IF_NOT_REGISTERED),
    Column("نام خانوادگی دارنده مجوز", "holder_last_name", False, "کریمی", _IF_NOT_REGISTERED),
    Column(
        "تاریخ صدور مجوز",
        "licence_issue_date",
        False,
        "1402/03/01",
        _IF_NOT_REGISTERED,
        write=jalali_text,
    ),
    Column(
        "تاریخ انقضای مجوز",
        "licence_expiry_date",
        False,
        "1407/03/01",
        _IF_NOT_REGISTERED,
        write=jalali_text,
    ),
    Column("نام شخص حقوقی", "legal_name", False, "تعاونی گلیم‌بافان", "برای حقوقی"),
    Column("شناسه ملی", "legal_id", False, "10380284790", "۱۱ رقم؛ برای حقوقی"),
    Column("شماره ثبت", "registration_no", False, "12345", "برای حقوقی"),
    Column(
        "کد رشته پشتیبان",
        "field_code",
        False,
        "020001",
        "خالی: رشته مجوز",
        read=lookup(fields, lambda _value: "رشته‌ای با این کد در فهرست رشته‌ها نیست"),
    ),
    Column(
        "کد رشته‌های مرتبط",
        "related_codes",
        False,
        "020002، 020003",
        "با ویرگول جدا کنید",
        read=each(
            lookup(fields, lambda code: f"رشته‌ای با کد «{normalize_text(code)}» در فهرست نیست"),
            "[,،؛]",
        ),
        write=joined("، "),
    ),
    Column(
        "شهرستان پشتیبان",
        "county",
        False,
        "تهران",
        "خالی: شهرستان مجوز",
        read=lookup(counties, unknown_county),
    ),
    Column("تلفن ثابت", "phone", False, "02166123456"),
    Column("تلفن همراه پشتیبان", "mobile", False, "09121234567"),
    Column("ایمیل", "email", False, "info@example.com"),
    Column("نشانی پشتیبان", "address", False, "تهران، خیابان انقلاب"),
    Column("شماره شبا", "sheba", True, "IR050170000000123456789012", "IR و ۲۴ رقم"),
    Column(
        "ظرفیت",
        "capacity",
        True,
        "50",
        "تعداد شاغلان خانگی تحت پوشش؛ بیشتر از صفر",
        write=str,
    ),
    Column(
        "وضعیت پشتیبان",
        "status",
        False,
        "فعال",
        "فعال یا معلق",
        read=choice(
            SupporterStatus,
            "وضعیت پشتیبان باید «فعال» یا «معلق» باشد",
            default=SupporterStatus.ACTIVE,
        ),
        write=label(SupporterStatus),
    ),
    Column("دلیل وضعیت پشتیبان", "status_reason", False, "", "برای معلق"),
    Column("کد ملی عضو", "member_national_id", False, "4032152314", "خالی: فقط پشتیبان"),
    Column("نام عضو", "member_first_name", False, "زهرا", "برای عضوی که در دفتر نیست"),
    Column("نام خانوادگی عضو", "member_last_name", False, "احمدی", "برای عضوی که در دفتر نیست"),
    Column("تلفن همراه عضو", "member_mobile", False, "09351234567"),
    Column(
        "نقش عضو",
        "role",
        False,
        "تولیدکننده",
        "، ".join(MemberRole.labels().values()),
        write=label(MemberRole),
    ),
    Column(
        "شهرستان عضو",
        "member_county",
        False,
        "ری",
        "خالی: شهرستان پشتیبان",
        read=lookup(counties, unknown_county),
    ),
    Column(
        "تاریخ عضویت", "joined_on", False, "1403/01/15", "شمسی؛ برای عضو الزامی", write=jalali_text
    ),
    Column("تاریخ خروج", "left_on", False, "", "شمسی؛ برای عضو خارج‌شده", write=jalali_text),
    Column("دلیل خروج", "leave_reason", False, ""),
    Column("دلیل استثنا", "override_reason", False, "", "برای عضو بالای ظرفیت یا بدون مجوز مرتبط"),
)
#: The member's columns (empty on a row of the supporter alone).
_MEMBER_COLUMNS = 10
#: Service field names → the column reporting their problems.
_SUPPORTER_FIELD_COLUMN = {
    "field_id": "field_code",
    "related_field_ids": "related_codes",
    "county_id": "county",
    "reason": "status_reason",
}
_MEMBER_FIELD_COLUMN = {
    "national_id": "member_national_id",
    "first_name": "member_first_name",
    "last_name": "member_last_name",
    "mobile": "member_mobile",
    "county_id": "member_county",
}
_LICENCE_FIELD_COLUMN = {
    "national_id": "holder_national_id",
    "first_name": "holder_first_name",
    "last_name": "holder_last_name",
    "issue_date": "licence_issue_date",
    "expiry_date": "licence_expiry_date",
    "field_id": "field_code",
    "county_id": "county",
    "number": "licence_number",
}


def _reject_errors(row: SheetRow, exc: ValidationErrors, fields_: Mapping[str, str]) -> NoReturn:
    row.fail_errors(exc.errors, fields_)
    raise RowRejected from exc


class _SupporterRows(RowHandler):
    """A row's supporter (the first row of each), then its membership."""

    def __init__(self, run: ImportRun) -> None:
        super().__init__(run)
        self.service = SupporterService(self.session)
        #: Licence number → (supporter id or None if its row failed, first row number).
        self.seen: dict[str, tuple[str | None, int]] = {}
        #: Supporters the file marks suspended: their reasons (applied by finish()).
        self.suspend_later: dict[str, str] = {}

    def row(self, row: SheetRow) -> Outcome:
        number: str = row.value("licence_number")
        if not number:
            row.reject("licence_number", "شماره مجوز پشتیبان خالی است")
        changed = False
        if number in self.seen:
            supporter_id, first_line = self.seen[number]
            if supporter_id is None:
                first = to_persian_digits(str(first_line))
                row.reject("licence_number", f"پشتیبان این ردیف وارد نشد (مشکل در ردیف {first})")
        else:
            self.seen[number] = (None, row.line)
            supporter_id, changed = self._supporter(row, number)
            self.seen[number] = (supporter_id, row.line)
        if row.text("member_national_id"):
            added = self._member(row, supporter_id)
            changed = changed or added
        return Outcome.IMPORTED if changed else Outcome.PRESENT

    def finish(self) -> None:
        """Suspend the supporters the file marks suspended (after adding their members)."""
        for supporter_id, reason in self.suspend_later.items():
            self.service.suspend(supporter_id, reason)

    # -- the supporter part ----------------------------------------------------------------

    def _supporter(self, row: SheetRow, number: str) -> tuple[str, bool]:
        """Create or update the supporter of the row: (its id, whether it changed)."""
        field_ref: FieldRef | None = row.value("field_code")
        related: list[FieldRef] | None = row.value("related_codes")
        county: CountyRef | None = row.value("county")
        status = row.value("status")
        row.check()
        data = SupporterInput(
            kind=row.text("kind"),
            licence_number=number,
            legal_name=row.text("legal_name"),
            legal_id=row.text("legal_id"),
            registration_no=row.text("registration_no"),
            field_id=field_ref.id if field_ref is not None else "",
            related_field_ids=tuple(ref.id for ref in related or ()),
            county_id=county.id if county is not None else "",
            phone=row.text("phone"),
            mobile=row.text("mobile"),
            email=row.text("email"),
            address=row.text("address"),
            sheba=row.text("sheba"),
            capacity=row.text("capacity"),
        )
        licence = self.session.scalar(select(Licence).where(Licence.number == number))
        existing = self.service.find_by_licence_number(number)
        holder = row.text("holder_national_id")
        holder_nid = to_ascii_digits(normalize_text(holder)).zfill(10)
        if licence is not None and holder and licence.person.national_id != holder_nid:
            row.reject("holder_national_id", "این مجوز در دفتر به نام شخص دیگری ثبت شده است")
        try:
            # Validate first, so that a licence is issued only for a valid supporter.
            if licence is None:
                if holder:
                    self._check_supporter_without_licence(row, data)
                self._issue_licence(row, number, data)
            if existing is None:
                detail = self.service.create(data, today=self.run.today)
                changed = True
            else:
                before = self.service.get(existing).rev
                detail = self.service.update(existing, data, today=self.run.today)
                changed = detail.rev != before
        except ValidationErrors as exc:
            _reject_errors(row, exc, _SUPPORTER_FIELD_COLUMN)
        if detail.status != status:
            reason = normalize_text(row.text("status_reason"))
            if status == SupporterStatus.SUSPENDED:
                # Suspended at the end of the import, once its members are in.
                self.suspend_later[detail.id] = reason or "ورود از فایل"
            else:
                self.service.reactivate(detail.id, reason)
            changed = True
        return detail.id, changed

    def _check_supporter_without_licence(self, row: SheetRow, data: SupporterInput) -> None:
        """Validate everything but the licence (it is issued next)."""
        try:
            self.service.validate(data, today=self.run.today)
        except ValidationErrors as exc:
            others = [e for e in exc.errors if e.field != "licence_number"]
            if others:
                _reject_errors(row, ValidationErrors(others), _SUPPORTER_FIELD_COLUMN)

    def _issue_licence(self, row: SheetRow, number: str, data: SupporterInput) -> None:
        """Issue the supporter-kind licence the row names, from its holder's columns."""
        if not row.text("holder_national_id"):
            row.reject(
                "licence_number",
                f"مجوزی با شماره {to_persian_digits(number)} در دفتر نیست؛ برای "
                "ثبت آن کد ملی، نام و تاریخ صدور دارنده مجوز را هم بنویسید",
            )
        holder = PersonInput(
            national_id=row.text("holder_national_id"),
            first_name=row.text("holder_first_name"),
            last_name=row.text("holder_last_name"),
        )
        try:
            LicenceService(self.session).issue(
                holder,
                LicenceInput(
                    kind=KIND_SUPPORTER,
                    field_id=data.field_id,
                    county_id=data.county_id,
                    issue_date=row.text("licence_issue_date"),
                    expiry_date=row.text("licence_expiry_date"),
                    number=number,
                ),
                action="imported",
                today=self.run.today,
            )
        except ValidationErrors as exc:
            _reject_errors(row, exc, _LICENCE_FIELD_COLUMN)

    # -- the member part -------------------------------------------------------------------

    def _member(self, row: SheetRow, supporter_id: str) -> bool:
        """Add the row's membership; False if it is already in the network."""
        county: CountyRef | None = row.value("member_county")
        row.check()
        data = MemberInput(
            person=PersonInput(
                national_id=row.text("member_national_id"),
                first_name=row.text("member_first_name"),
                last_name=row.text("member_last_name"),
                mobile=row.text("member_mobile"),
            ),
            role=row.text("role"),
            county_id=county.id if county is not None else "",
            joined_on=row.text("joined_on"),
            left_on=row.text("left_on") or None,
            leave_reason=row.text("leave_reason"),
        )
        if self._already_member(
            supporter_id, row.text("member_national_id"), row.text("joined_on")
        ):
            return False
        try:
            added = self.service.add_member(
                supporter_id,
                data,
                override_reason=row.text("override_reason"),
                today=self.run.today,
                check_licence=False,
            )
        except ValidationErrors as exc:
            _reject_errors(row, exc, _MEMBER_FIELD_COLUMN)
        except OverrideRequired as exc:
            row.reject(
                "override_reason",
                "؛ ".join(exc.messages) + "؛ برای پذیرفتن، دلیل استثنا را بنویسید",
            )
        except DomainError as exc:
            row.reject("member_national_id", exc.message)
        if added.active and not added.override_reason:
            supporter = self.session.get(Supporter, supporter_id)
            assert supporter is not None
            if not self.service.has_field_licence(added.person_id, supporter, self.run.today):
                row.warn(
                    "member_national_id",
                    "این شخص مجوز فعالی در رشتهٔ پشتیبان یا رشته‌های مرتبط آن ندارد",
                )
        return True

    def _already_member(self, supporter_id: str, national_id: str, joined: str) -> bool:
        try:
            joined_on = jalali.parse_jalali(joined, required=True)
        except ValidationError:
            return False
        nid = to_ascii_digits(normalize_text(national_id)).replace(" ", "").zfill(10)
        found = self.session.scalar(
            select(NetworkMember.id)
            .join(Person, Person.id == NetworkMember.person_id)
            .where(
                NetworkMember.supporter_id == supporter_id,
                Person.national_id == nid,
                NetworkMember.joined_on == joined_on,
                NetworkMember.deleted.is_(False),
            )
        )
        return found is not None


# -- exporting -------------------------------------------------------------------------------


def _records(session: Session) -> Iterator[tuple[Any, ...]]:
    """Every supporter, once per membership (or once alone), one value per column."""
    codes = field_codes(session)
    supporters = session.execute(
        select(Supporter, Licence, Person)
        .join(Licence, Licence.id == Supporter.licence_id)
        .join(Person, Person.id == Licence.person_id)
        .where(Supporter.deleted.is_(False))
        .order_by(Licence.number)
    ).all()
    for supporter, licence, holder in supporters:
        head = (
            licence.number,
            supporter.kind,
            holder.national_id,
            holder.first_name,
            holder.last_name,
            licence.issue_date,
            licence.expiry_date,
            supporter.legal_name if supporter.kind == SupporterKind.LEGAL else "",
            supporter.legal_id,
            supporter.registration_no,
            codes.get(supporter.field_id, ""),
            [codes.get(i, i) for i in json.loads(supporter.related_field_ids or "[]")],
            supporter.county.code or supporter.county.name,
            supporter.phone,
            supporter.mobile,
            supporter.email,
            supporter.address,
            supporter.sheba,
            supporter.capacity,
            supporter.status,
            supporter.status_reason,
        )
        members = session.execute(
            text(
                "SELECT p.national_id, p.first_name, p.last_name, p.mobile, m.role, "
                "coalesce(nullif(c.code, ''), c.name), m.joined_on, m.left_on, m.leave_reason, "
                "m.override_reason FROM network_member m JOIN person p ON p.id = m.person_id "
                "JOIN county c ON c.id = m.county_id "
                "WHERE m.supporter_id = :sid AND m.deleted = 0 ORDER BY m.joined_on, m.rowid"
            ),
            {"sid": supporter.id},
        ).all()
        if not members:
            yield (*head, *([""] * _MEMBER_COLUMNS))
        for member in members:
            yield (*head, *member)


KIND = SheetKind(
    name="supporters",
    columns=COLUMNS,
    rows=_SupporterRows,
    records=_records,
    sheet_title="پشتیبانان و شبکه‌ها",
    import_title="ورود پشتیبان‌ها و اعضای شبکه از اکسل",
    intro=(
        "هر ردیف فایل یک عضو شبکهٔ یک پشتیبان است و ستون‌های پشتیبان در هر ردیف تکرار "
        "می‌شوند (پشتیبان با شمارهٔ مجوز پشتیبانی‌اش شناخته می‌شود)؛ ردیفی که کد ملی عضو "
        "ندارد فقط پشتیبان را ثبت یا به‌روز می‌کند. سطر اول عنوان ستون‌هاست (مثل الگوی "
        "خالی). ردیف‌های دارای ایراد وارد نمی‌شوند و با شمارهٔ ردیف و دلیل گزارش "
        "می‌شوند. اگر فایلی را دو بار وارد کنید، چیزی تکراری ثبت نمی‌شود."
    ),
    plural="پشتیبان‌ها",
    template_notes=(
        "هر ردیف یک عضو شبکه است و ستون‌های پشتیبان در هر ردیف تکرار می‌شوند. ردیفی که "
        "کد ملی عضو ندارد فقط پشتیبان را ثبت یا به‌روز می‌کند.",
    ),
    fallback_column="licence_number",
)
import_file = KIND.import_file
export_file = KIND.export_file
write_template = KIND.write_template
