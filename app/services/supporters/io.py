"""Import and export of supporters and their networks as one spreadsheet (.xlsx or .csv).

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
joining date) are skipped, so importing a file twice creates no duplicates. The reading
and the report reuse :mod:`app.services.licences.io`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models import Licence, NetworkMember, Person, Supporter
from app.models.licence import KIND_SUPPORTER
from app.models.supporter import SUPPORTER_ACTIVE, SUPPORTER_LEGAL, SUPPORTER_SUSPENDED
from app.services.core.progress import Progress
from app.services.licences.io import Column, ImportResult, Problem
from app.services.licences.service import (
    LicenceInput,
    LicenceService,
    PersonInput,
    normalise_licence_number,
)
from app.services.spreadsheet.sheetfile import (
    ImportFileError,
    open_sheet,
    write_rows,
    write_template_book,
)
from app.services.supporters.service import (
    KIND_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    MemberInput,
    OverrideRequired,
    SupporterInput,
    SupporterService,
)
from common import jalali
from common.errors import DomainError, ValidationError, ValidationErrors
from common.text import normalize_text, search_key, to_ascii_digits, to_persian_digits

__all__ = [
    "COLUMNS",
    "ImportFileError",
    "ImportResult",
    "Problem",
    "export_file",
    "import_file",
    "write_template",
]

COLUMNS: tuple[Column, ...] = (
    Column("شماره مجوز پشتیبان", "licence_number", True, "0612-000123", "مجوز از نوع پشتیبان"),
    Column("نوع پشتیبان", "kind", True, "حقوقی", "حقیقی یا حقوقی"),
    Column("کد ملی دارنده مجوز", "holder_national_id", False, "0067749828", "پشتیبان یا مدیرعامل"),
    Column("نام دارنده مجوز", "holder_first_name", False, "مریم", "اگر مجوز در دفتر نیست"),
    Column("نام خانوادگی دارنده مجوز", "holder_last_name", False, "کریمی", "اگر مجوز در دفتر نیست"),
    Column("تاریخ صدور مجوز", "licence_issue_date", False, "1402/03/01", "اگر مجوز در دفتر نیست"),
    Column(
        "تاریخ انقضای مجوز", "licence_expiry_date", False, "1407/03/01", "اگر مجوز در دفتر نیست"
    ),
    Column("نام شخص حقوقی", "legal_name", False, "تعاونی گلیم‌بافان", "برای حقوقی"),
    Column("شناسه ملی", "legal_id", False, "10380284790", "۱۱ رقم؛ برای حقوقی"),
    Column("شماره ثبت", "registration_no", False, "12345", "برای حقوقی"),
    Column("کد رشته پشتیبان", "field_code", False, "020001", "خالی: رشته مجوز"),
    Column("کد رشته‌های مرتبط", "related_codes", False, "020002، 020003", "با ویرگول جدا کنید"),
    Column("شهرستان پشتیبان", "county", False, "تهران", "خالی: شهرستان مجوز"),
    Column("تلفن ثابت", "phone", False, "02166123456", ""),
    Column("تلفن همراه پشتیبان", "mobile", False, "09121234567", ""),
    Column("ایمیل", "email", False, "info@example.com", ""),
    Column("نشانی پشتیبان", "address", False, "تهران، خیابان انقلاب", ""),
    Column("شماره شبا", "sheba", True, "IR050170000000123456789012", "IR و ۲۴ رقم"),
    Column("ظرفیت", "capacity", True, "50", "تعداد شاغلان خانگی تحت پوشش؛ بیشتر از صفر"),
    Column("وضعیت پشتیبان", "status", False, "فعال", "فعال یا معلق"),
    Column("دلیل وضعیت پشتیبان", "status_reason", False, "", "برای معلق"),
    Column("کد ملی عضو", "member_national_id", False, "4032152314", "خالی: فقط پشتیبان"),
    Column("نام عضو", "member_first_name", False, "زهرا", "برای عضوی که در دفتر نیست"),
    Column("نام خانوادگی عضو", "member_last_name", False, "احمدی", "برای عضوی که در دفتر نیست"),
    Column("تلفن همراه عضو", "member_mobile", False, "09351234567", ""),
    Column("نقش عضو", "role", False, "تولیدکننده", "، ".join(ROLE_LABELS.values())),
    Column("شهرستان عضو", "member_county", False, "ری", "خالی: شهرستان پشتیبان"),
    Column("تاریخ عضویت", "joined_on", False, "1403/01/15", "شمسی؛ برای عضو الزامی"),
    Column("تاریخ خروج", "left_on", False, "", "شمسی؛ برای عضو خارج‌شده"),
    Column("دلیل خروج", "leave_reason", False, "", ""),
    Column("دلیل استثنا", "override_reason", False, "", "برای عضو بالای ظرفیت یا بدون مجوز مرتبط"),
)
COLUMN_BY_HEADER = {search_key(c.header): c for c in COLUMNS}
HEADER_OF = {c.name: c.header for c in COLUMNS}
SHEET_TITLE = "پشتیبانان و شبکه‌ها"
#: Service field names → the column reporting their problems.
_SUPPORTER_FIELD_COLUMN = {
    "licence_number": "licence_number",
    "kind": "kind",
    "legal_name": "legal_name",
    "legal_id": "legal_id",
    "registration_no": "registration_no",
    "field_id": "field_code",
    "related_field_ids": "related_codes",
    "county_id": "county",
    "phone": "phone",
    "mobile": "mobile",
    "email": "email",
    "address": "address",
    "sheba": "sheba",
    "capacity": "capacity",
    "reason": "status_reason",
}
_MEMBER_FIELD_COLUMN = {
    "national_id": "member_national_id",
    "first_name": "member_first_name",
    "last_name": "member_last_name",
    "mobile": "member_mobile",
    "role": "role",
    "county_id": "member_county",
    "joined_on": "joined_on",
    "left_on": "left_on",
    "leave_reason": "leave_reason",
    "override_reason": "override_reason",
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
_STATUS_FROM_TEXT = {
    "": SUPPORTER_ACTIVE,
    "فعال": SUPPORTER_ACTIVE,
    "معلق": SUPPORTER_SUSPENDED,
    SUPPORTER_ACTIVE: SUPPORTER_ACTIVE,
    SUPPORTER_SUSPENDED: SUPPORTER_SUSPENDED,
}


def _map_headers(header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        column = COLUMN_BY_HEADER.get(search_key(title))
        if column is not None and column.name not in positions:
            positions[column.name] = index
    missing = [c.header for c in COLUMNS if c.required and c.name not in positions]
    if missing:
        raise ImportFileError(
            "ستون‌های لازم در سطر اول فایل نیستند: "
            + "، ".join(f"«{m}»" for m in missing)
            + ". الگوی فایل پشتیبانان را بسازید و از آن استفاده کنید."
        )
    return positions


@dataclass
class _Lookups:
    fields: dict[str, str]  # code or name key → field id
    counties: dict[str, str]  # code or name key → county id


def _lookups(session: Session) -> _Lookups:
    fields: dict[str, str] = {}
    for fid, code, name in session.execute(
        text("SELECT id, code, name FROM business_field WHERE deleted = 0")
    ):
        fields[str(code)] = str(fid)
        fields.setdefault(search_key(str(name)), str(fid))
    counties: dict[str, str] = {}
    for cid, code, name in session.execute(
        text("SELECT id, code, name FROM county WHERE deleted = 0")
    ):
        counties[str(code)] = str(cid)
        counties.setdefault(search_key(str(name)), str(cid))
    return _Lookups(fields, counties)


def _find(table: dict[str, str], value: str) -> str | None:
    key = to_ascii_digits(normalize_text(value))
    return table.get(key) or table.get(search_key(key))


class _RowProblems(Exception):
    """The row has problems (already added to the result)."""


class _Importer:
    def __init__(self, session: Session, today: dt.date, result: ImportResult) -> None:
        self.session = session
        self.today = today
        self.result = result
        self.service = SupporterService(session)
        self.look = _lookups(session)
        #: Licence number → (supporter id or None if its row failed, first row number).
        self.seen: dict[str, tuple[str | None, int]] = {}
        #: Supporters the file marks suspended: their reasons (applied by finish()).
        self.suspend_later: dict[str, str] = {}
        self.line = 0

    def warn(self, column: str, message: str) -> None:
        """A warning about the current row (it is imported all the same)."""
        self.result.warnings.append(Problem(self.line, HEADER_OF.get(column, column), message))

    def finish(self) -> None:
        """Suspend the supporters the file marks suspended (after adding their members)."""
        for supporter_id, reason in self.suspend_later.items():
            self.service.suspend(supporter_id, reason)

    def row(self, line: int, cells: list[str], positions: dict[str, int]) -> None:
        self.line = line

        def cell(name: str) -> str:
            index = positions.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        problems: list[Problem] = []

        def fail(column: str, message: str) -> None:
            problems.append(Problem(line, HEADER_OF.get(column, column), message))

        def fail_all(exc: ValidationErrors, mapping: dict[str, str]) -> None:
            for error in exc.errors:
                fail(mapping.get(error.field, error.field), error.message)

        number = normalise_licence_number(cell("licence_number"))
        changed = False
        try:
            if not number:
                fail("licence_number", "شماره مجوز پشتیبان خالی است")
                raise _RowProblems
            if number in self.seen:
                supporter_id, first_line = self.seen[number]
                if supporter_id is None:
                    fail(
                        "licence_number",
                        "پشتیبان این ردیف وارد نشد (مشکل در ردیف "
                        f"{to_persian_digits(str(first_line))})",
                    )
                    raise _RowProblems
            else:
                supporter_id, changed = self._supporter(number, cell, fail, fail_all)
                self.seen[number] = (supporter_id, line)
                if supporter_id is None:
                    raise _RowProblems
            if cell("member_national_id"):
                added = self._member(supporter_id, cell, fail, fail_all)
                changed = changed or added
        except _RowProblems:
            self.result.problems.extend(problems)
            self.result.rejected_rows[line] = cells
            return
        if changed:
            self.result.imported += 1
        else:
            self.result.already_present += 1

    # -- the supporter part ----------------------------------------------------------------

    def _supporter(
        self, number: str, cell: Any, fail: Any, fail_all: Any
    ) -> tuple[str | None, bool]:
        """Create or update the supporter of the row: (its id or None, whether changed)."""
        field_id = ""
        if cell("field_code"):
            found = _find(self.look.fields, cell("field_code"))
            if found is None:
                fail("field_code", "رشته‌ای با این کد در فهرست رشته‌ها نیست")
                return None, False
            field_id = found
        related: list[str] = []
        for code in cell("related_codes").replace("،", ",").replace("؛", ",").split(","):
            if not code.strip():
                continue
            found = _find(self.look.fields, code)
            if found is None:
                fail("related_codes", f"رشته‌ای با کد «{normalize_text(code)}» در فهرست نیست")
                return None, False
            related.append(found)
        county_id = ""
        if cell("county"):
            found = _find(self.look.counties, cell("county"))
            if found is None:
                fail("county", f"شهرستان «{normalize_text(cell('county'))}» شناخته نشد")
                return None, False
            county_id = found
        status = _STATUS_FROM_TEXT.get(normalize_text(cell("status")).lower())
        if status is None:
            fail("status", "وضعیت پشتیبان باید «فعال» یا «معلق» باشد")
            return None, False
        data = SupporterInput(
            kind=cell("kind"),
            licence_number=number,
            legal_name=cell("legal_name"),
            legal_id=cell("legal_id"),
            registration_no=cell("registration_no"),
            field_id=field_id,
            related_field_ids=tuple(related),
            county_id=county_id,
            phone=cell("phone"),
            mobile=cell("mobile"),
            email=cell("email"),
            address=cell("address"),
            sheba=cell("sheba"),
            capacity=cell("capacity"),
        )
        licence = self.session.scalar(select(Licence).where(Licence.number == number))
        existing = self.service.find_by_licence_number(number)
        if licence is not None and cell("holder_national_id"):
            holder_nid = to_ascii_digits(normalize_text(cell("holder_national_id"))).zfill(10)
            if licence.person.national_id != holder_nid:
                fail("holder_national_id", "این مجوز در دفتر به نام شخص دیگری ثبت شده است")
                return None, False
        try:
            # Validate first, so that a licence is issued only for a valid supporter.
            if licence is None:
                if cell("holder_national_id"):
                    self._check_supporter_without_licence(data, fail_all)
                licence = self._issue_licence(number, data, cell, fail_all)
                if licence is None:
                    return None, False
            if existing is None:
                detail = self.service.create(data, today=self.today)
                changed = True
            else:
                before = self.service.get(existing).rev
                detail = self.service.update(existing, data, today=self.today)
                changed = detail.rev != before
        except ValidationErrors as exc:
            fail_all(exc, _SUPPORTER_FIELD_COLUMN)
            return None, False
        if detail.status != status:
            reason = normalize_text(cell("status_reason"))
            if status == SUPPORTER_SUSPENDED:
                # Suspended at the end of the import, once its members are in.
                self.suspend_later[detail.id] = reason or "ورود از فایل"
            else:
                self.service.reactivate(detail.id, reason)
            changed = True
        return detail.id, changed

    def _check_supporter_without_licence(self, data: SupporterInput, fail_all: Any) -> None:
        """Validate everything but the licence (it is issued next)."""
        try:
            self.service.validate(data, today=self.today)
        except ValidationErrors as exc:
            others = [e for e in exc.errors if e.field != "licence_number"]
            if others:
                fail_all(ValidationErrors(others), _SUPPORTER_FIELD_COLUMN)
                raise _RowProblems from exc

    def _issue_licence(
        self, number: str, data: SupporterInput, cell: Any, fail_all: Any
    ) -> Licence | None:
        if not cell("holder_national_id"):
            fail_all(
                ValidationErrors(
                    [
                        ValidationError(
                            "licence_number",
                            f"مجوزی با شماره {to_persian_digits(number)} در دفتر نیست؛ برای "
                            "ثبت آن کد ملی، نام و تاریخ صدور دارنده مجوز را هم بنویسید",
                        )
                    ]
                ),
                _SUPPORTER_FIELD_COLUMN,
            )
            return None
        holder = PersonInput(
            national_id=cell("holder_national_id"),
            first_name=cell("holder_first_name"),
            last_name=cell("holder_last_name"),
        )
        try:
            detail = LicenceService(self.session).issue(
                holder,
                LicenceInput(
                    kind=KIND_SUPPORTER,
                    field_id=data.field_id,
                    county_id=data.county_id,
                    issue_date=cell("licence_issue_date"),
                    expiry_date=cell("licence_expiry_date"),
                    number=number,
                ),
                action="imported",
                today=self.today,
            )
        except ValidationErrors as exc:
            fail_all(exc, _LICENCE_FIELD_COLUMN)
            return None
        return self.session.get(Licence, detail.id)

    # -- the member part -------------------------------------------------------------------

    def _member(self, supporter_id: str, cell: Any, fail: Any, fail_all: Any) -> bool:
        """Add the row's membership; False if it is already in the network."""
        county_id = ""
        if cell("member_county"):
            found = _find(self.look.counties, cell("member_county"))
            if found is None:
                fail(
                    "member_county", f"شهرستان «{normalize_text(cell('member_county'))}» شناخته نشد"
                )
                raise _RowProblems
            county_id = found
        data = MemberInput(
            person=PersonInput(
                national_id=cell("member_national_id"),
                first_name=cell("member_first_name"),
                last_name=cell("member_last_name"),
                mobile=cell("member_mobile"),
            ),
            role=cell("role"),
            county_id=county_id,
            joined_on=cell("joined_on"),
            left_on=cell("left_on") or None,
            leave_reason=cell("leave_reason"),
        )
        if self._already_member(supporter_id, cell("member_national_id"), cell("joined_on")):
            return False
        try:
            added = self.service.add_member(
                supporter_id,
                data,
                override_reason=cell("override_reason"),
                today=self.today,
                check_licence=False,
            )
        except ValidationErrors as exc:
            fail_all(exc, _MEMBER_FIELD_COLUMN)
            raise _RowProblems from exc
        except OverrideRequired as exc:
            fail(
                "override_reason",
                "؛ ".join(exc.messages) + "؛ برای پذیرفتن، دلیل استثنا را بنویسید",
            )
            raise _RowProblems from exc
        except DomainError as exc:
            fail("member_national_id", exc.message)
            raise _RowProblems from exc
        if added.active and not added.override_reason:
            supporter = self.session.get(Supporter, supporter_id)
            assert supporter is not None
            if not self.service.has_field_licence(added.person_id, supporter, self.today):
                self.warn(
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


def import_file(
    session: Session,
    path: Path | str,
    progress: Progress | None = None,
    *,
    today: dt.date | None = None,
) -> ImportResult:
    """Import a supporters spreadsheet into the session's database (one transaction).

    Raises ImportFileError (nothing imported) when the file can't be read, is empty or
    lacks a required column; cancelling through ``progress`` raises Cancelled.
    """
    sheet = open_sheet(path)
    rows = sheet.rows
    positions = _map_headers(sheet.header)
    result = ImportResult(headers=sheet.header)
    importer = _Importer(session, today or jalali.today(), result)
    line = 1
    for cells in rows:
        line += 1
        if not any(c.strip() for c in cells):
            continue
        result.total_rows += 1
        importer.row(line, cells, positions)
        if progress is not None and result.total_rows % 100 == 0:
            progress.check()
            sheet.report(progress, line - 1)
    if result.total_rows == 0:
        raise ImportFileError("فایل به‌جز سطر عنوان‌ها هیچ ردیفی ندارد.")
    importer.finish()
    if progress is not None:
        progress.report(line - 1, line - 1, f"{to_persian_digits(str(line - 1))} ردیف")
    session.flush()
    return result


# -- writing -------------------------------------------------------------------------------


def write_template(path: Path | str) -> Path:
    """Write an empty import template (headers, plus a sheet explaining each column)."""
    return write_template_book(
        path,
        [c.header for c in COLUMNS],
        SHEET_TITLE,
        ["ستون", "الزامی", "نمونه", "توضیح"],
        [[c.header, "بله" if c.required else "خیر", c.example, c.note] for c in COLUMNS],
        notes=[
            "هر ردیف یک عضو شبکه است و ستون‌های پشتیبان در هر ردیف تکرار می‌شوند. ردیفی که "
            "کد ملی عضو ندارد فقط پشتیبان را ثبت یا به‌روز می‌کند."
        ],
    )


def _date(value: Any) -> str:
    if not value:
        return ""
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    return jalali.format_jalali(day, persian_digits=False)


def _export_rows(session: Session, progress: Progress | None) -> Iterator[list[str]]:
    codes = {
        str(fid): str(code)
        for fid, code in session.execute(text("SELECT id, code FROM business_field"))
    }
    supporters = session.execute(
        select(Supporter, Licence, Person)
        .join(Licence, Licence.id == Supporter.licence_id)
        .join(Person, Person.id == Licence.person_id)
        .where(Supporter.deleted.is_(False))
        .order_by(Licence.number)
    ).all()
    done = 0
    for supporter, licence, holder in supporters:
        head = [
            licence.number,
            KIND_LABELS.get(supporter.kind, supporter.kind),
            holder.national_id,
            holder.first_name,
            holder.last_name,
            _date(licence.issue_date),
            _date(licence.expiry_date),
            supporter.legal_name if supporter.kind == SUPPORTER_LEGAL else "",
            supporter.legal_id,
            supporter.registration_no,
            codes.get(supporter.field_id, ""),
            "، ".join(codes.get(i, i) for i in json.loads(supporter.related_field_ids or "[]")),
            supporter.county.code or supporter.county.name,
            supporter.phone,
            supporter.mobile,
            supporter.email,
            supporter.address,
            supporter.sheba,
            str(supporter.capacity),
            STATUS_LABELS.get(supporter.status, supporter.status),
            supporter.status_reason,
        ]
        members = session.execute(
            text(
                "SELECT p.national_id, p.first_name, p.last_name, p.mobile, m.role, c.code, "
                "c.name, m.joined_on, m.left_on, m.leave_reason, m.override_reason "
                "FROM network_member m JOIN person p ON p.id = m.person_id "
                "JOIN county c ON c.id = m.county_id "
                "WHERE m.supporter_id = :sid AND m.deleted = 0 ORDER BY m.joined_on, m.rowid"
            ),
            {"sid": supporter.id},
        ).all()
        if not members:
            yield [*head, *([""] * 10)]
        for m in members:
            done += 1
            if progress is not None and done % 500 == 0:
                progress.check()
                progress.report(done, None, "")
            role = ROLE_LABELS.get(m[4]) or str(m[4])
            county = m[5] or m[6]
            yield [
                *head,
                m[0],
                m[1],
                m[2],
                m[3],
                role,
                county,
                _date(m[7]),
                _date(m[8]),
                m[9],
                m[10],
            ]


def export_file(session: Session, path: Path | str, progress: Progress | None = None) -> int:
    """Write every supporter and membership in the import template; returns data rows."""
    headers = [c.header for c in COLUMNS]
    return write_rows(path, headers, _export_rows(session, progress), SHEET_TITLE)
