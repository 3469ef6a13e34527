"""Import and export of the licence register as a spreadsheet (.xlsx or .csv).

One row per licence, columns by Persian header (the template, :data:`COLUMNS`). An
import validates every row with the same rules as the form; a row that breaks any rule
is not imported, every other row is, and each problem is reported with its row number,
column and Persian reason. Rows already in the register (same licence number and
holder, or without a number the same holder, field and issue date) are skipped, so
importing a file twice creates no duplicates. Export writes the same template, so an
export imports back into an empty database unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models import BusinessField, County, Licence, Person, new_id
from app.models.licence import (
    KIND_INDEPENDENT,
    KIND_SUPPORTER,
    STATUS_ACTIVE,
    STATUS_REVOKED,
    STATUS_SUSPENDED,
)
from app.services.core.actor import current_actor
from app.services.core.office import group_validity_years, require_office
from app.services.core.progress import Progress
from app.services.core.scope import OfficeScope, office_scope
from app.services.licences import register
from app.services.licences.bulk import NewLicence, NewPerson, insert_people_and_licences
from app.services.licences.service import (
    FIELD_LABELS,
    KIND_LABELS,
    MAX_LICENCES_PER_PERSON,
    STATUS_LABELS,
    PersonInput,
    allocate_numbers,
    normalise_licence_number,
    validate_person,
)
from app.services.spreadsheet.sheetfile import (
    ImportFileError,
    open_sheet,
    report_rows,
    write_rows,
    write_template_book,
)
from common import jalali
from common.errors import ValidationError
from common.text import normalize_text, search_key, to_ascii_digits, to_persian_digits
from common.validators import validate_text


@dataclass(frozen=True)
class Column:
    """A template column: Persian header, code name, required, example value."""

    header: str
    name: str
    required: bool
    example: str
    note: str


COLUMNS: tuple[Column, ...] = (
    Column("کد ملی", "national_id", True, "0067749828", "۱۰ رقم؛ رقم‌های فارسی یا لاتین"),
    Column("نام", "first_name", True, "مریم", ""),
    Column("نام خانوادگی", "last_name", True, "کریمی", ""),
    Column("نام پدر", "father_name", False, "حسن", ""),
    Column("تاریخ تولد", "birth_date", False, "1365/04/21", "شمسی، مثل ۱۳۶۵/۰۴/۲۱"),
    Column("جنسیت", "gender", False, "زن", "مرد یا زن"),
    Column("تلفن همراه", "mobile", False, "09121234567", "۰۹… یا ‎+98…"),
    Column("کد پستی", "postal_code", False, "1351746851", "۱۰ رقم"),
    Column("نشانی", "address", False, "تهران، خیابان آزادی، پلاک ۱۲", ""),
    Column("کد رشته", "field_code", True, "020001", "کد رشته از فهرست رشته‌ها"),
    Column("شهرستان", "county", True, "تهران", "نام یا کد آماری شهرستان"),
    Column("نوع مجوز", "kind", True, "مستقل", "مستقل یا پشتیبان"),
    Column("شماره مجوز", "number", False, "0612-000123", "خالی: شماره خودکار"),
    Column("تاریخ صدور", "issue_date", True, "1403/05/12", "شمسی"),
    Column("تاریخ انقضا", "expiry_date", False, "1408/05/12", "خالی: بر اساس اعتبار رشته"),
    Column("نشانی محل فعالیت", "activity_address", False, "", "خالی: نشانی دارنده"),
    Column("وضعیت", "status", False, "فعال", "فعال، منقضی، معلق یا باطل"),
    Column("دلیل وضعیت", "status_reason", False, "", "برای معلق و باطل"),
    Column("شناسه یکتا", "unique_id", False, "", "فقط در خروجی؛ خالی بگذارید"),
)
COLUMN_BY_HEADER = {search_key(c.header): c for c in COLUMNS}
HEADER_OF = {c.name: c.header for c in COLUMNS}
_STATUS_FROM_LABEL = {
    "فعال": STATUS_ACTIVE,
    "منقضی": STATUS_ACTIVE,
    "معلق": STATUS_SUSPENDED,
    "باطل": STATUS_REVOKED,
    "active": STATUS_ACTIVE,
    "expired": STATUS_ACTIVE,
    "suspended": STATUS_SUSPENDED,
    "revoked": STATUS_REVOKED,
}
_KIND_FROM_LABEL = {
    "مستقل": KIND_INDEPENDENT,
    "پشتیبان": KIND_SUPPORTER,
    KIND_INDEPENDENT: KIND_INDEPENDENT,
    KIND_SUPPORTER: KIND_SUPPORTER,
}
_PERSON_FIELD_NAMES = (
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
BATCH = 2000


@dataclass(frozen=True)
class Problem:
    """One reason a row was rejected."""

    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    """What an import did."""

    total_rows: int = 0
    imported: int = 0
    already_present: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rejected_rows: dict[int, list[Any]] = field(default_factory=dict)
    headers: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        """How many rows were not imported because of a problem."""
        return len(self.rejected_rows)

    def summary_line(self) -> str:
        """The CLI's last line."""
        return f"imported {self.imported}, rejected {self.rejected}"


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
            + ". الگوی فایل را با «daftar import --template» بسازید."
        )
    return positions


# -- importing -------------------------------------------------------------------------------


@dataclass
class _Lookups:
    fields: dict[str, tuple[str, str]]  # code or name key → (field id, group code)
    counties: dict[str, str]  # code or name key → county id
    county_names: dict[str, str]  # county id → name
    scope: OfficeScope  # the counties this office may issue licences in
    validity: dict[str, int]
    default_years: int


def _lookups(session: Session) -> _Lookups:
    fields: dict[str, tuple[str, str]] = {}
    rows = session.execute(
        text(
            "SELECT f.id, f.code, f.name, g.code FROM business_field f "
            "JOIN field_group g ON g.id = f.group_id WHERE f.deleted = 0 AND f.active = 1"
        )
    )
    for field_id, code, name, group in rows:
        fields[code] = (field_id, group)
        fields.setdefault(search_key(name), (field_id, group))
    counties: dict[str, str] = {}
    county_names: dict[str, str] = {}
    for county_id, code, name in session.execute(
        select(County.id, County.code, County.name).where(County.deleted.is_(False))
    ):
        counties[code] = county_id
        counties.setdefault(search_key(name), county_id)
        county_names[county_id] = name
    office = require_office(session)
    return _Lookups(
        fields,
        counties,
        county_names,
        office_scope(session),
        group_validity_years(session),
        office.default_validity_years,
    )


@dataclass
class _Row:
    line: int
    cells: list[str]
    person: dict[str, Any]
    licence: NewLicence
    national_id: str


def _validate_row(
    line: int,
    cells: list[str],
    positions: dict[str, int],
    look: _Lookups,
    today: dt.date,
    result: ImportResult,
) -> _Row | None:
    def cell(name: str) -> str:
        index = positions.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    problems: list[Problem] = []

    def fail(name: str, message: str) -> None:
        problems.append(Problem(line, HEADER_OF.get(name, name), message))

    person_input = PersonInput(**{name: cell(name) for name in _PERSON_FIELD_NAMES})
    pvalues, errors, warnings = validate_person(person_input, today)
    for error in errors:
        fail(error.field, error.message)
    for warning in warnings:
        result.warnings.append(Problem(line, HEADER_OF["postal_code"], warning))

    field_key = to_ascii_digits(normalize_text(cell("field_code")))
    found_field = look.fields.get(field_key) or look.fields.get(search_key(field_key))
    if not field_key:
        fail("field_code", "کد رشته خالی است")
    elif found_field is None:
        fail("field_code", f"رشته‌ای با کد «{to_persian_digits(field_key)}» در فهرست رشته‌ها نیست")
    county_text = cell("county")
    county_id = look.counties.get(to_ascii_digits(normalize_text(county_text))) or (
        look.counties.get(search_key(county_text))
    )
    if not county_text:
        fail("county", "شهرستان خالی است")
    elif county_id is None:
        fail("county", f"شهرستان «{normalize_text(county_text)}» شناخته نشد")
    elif (outside := look.scope.error(county_id, look.county_names[county_id])) is not None:
        fail("county", outside.message)
    kind = _KIND_FROM_LABEL.get(normalize_text(cell("kind")).lower())
    if kind is None:
        fail("kind", "نوع مجوز باید «مستقل» یا «پشتیبان» باشد")
    number = normalise_licence_number(cell("number"))
    if len(number) > 40:
        fail("number", "شماره مجوز حداکثر ۴۰ نویسه است")
    issue = expiry = None
    try:
        issue = jalali.parse_jalali(cell("issue_date"), "issue_date", FIELD_LABELS["issue_date"])
        if issue is not None and issue > today:
            fail("issue_date", "تاریخ صدور نمی‌تواند در آینده باشد")
    except ValidationError as exc:
        fail("issue_date", exc.message)
    try:
        expiry = jalali.parse_jalali(
            cell("expiry_date"), "expiry_date", FIELD_LABELS["expiry_date"], required=False
        )
    except ValidationError as exc:
        fail("expiry_date", exc.message)
    if expiry is None and issue is not None and found_field is not None:
        years = look.validity.get(found_field[1], look.default_years)
        expiry = jalali.add_jalali_years(issue, years)
    if expiry is not None and issue is not None and expiry <= issue:
        fail("expiry_date", "تاریخ انقضا باید بعد از تاریخ صدور باشد")
    status_text = normalize_text(cell("status")).lower()
    status = _STATUS_FROM_LABEL.get(status_text or "فعال")
    if status is None:
        fail("status", "وضعیت باید «فعال»، «منقضی»، «معلق» یا «باطل» باشد")
    activity = ""
    reason = ""
    try:
        activity = validate_text(
            cell("activity_address"), "activity_address", FIELD_LABELS["activity_address"]
        )
        reason = validate_text(cell("status_reason"), "status_reason", "دلیل وضعیت")
    except ValidationError as exc:
        fail(exc.field, exc.message)
    unique_id = normalize_text(cell("unique_id")).upper()
    if unique_id and len(unique_id) > 20:
        fail("unique_id", "شناسه یکتا حداکثر ۲۰ نویسه است")
    if problems:
        result.problems.extend(problems)
        result.rejected_rows[line] = cells
        return None
    assert found_field is not None and county_id is not None and kind is not None
    assert issue is not None and expiry is not None and status is not None
    licence = NewLicence(
        person_id="",
        number=number,
        kind=kind,
        field_id=found_field[0],
        county_id=county_id,
        activity_address=activity or pvalues["address"],
        issue_date=issue,
        expiry_date=expiry,
        status=status,
        status_reason=reason,
        unique_id=unique_id,
    )
    return _Row(line, cells, pvalues, licence, pvalues["national_id"])


def _reject(result: ImportResult, row: _Row, column: str, message: str) -> None:
    result.problems.append(Problem(row.line, HEADER_OF.get(column, column), message))
    result.rejected_rows[row.line] = row.cells


def _write_batch(
    session: Session,
    batch: list[_Row],
    result: ImportResult,
    seen_numbers: dict[str, int],
    held: dict[str, int],
    office_id: str,
    actor: str,
) -> None:
    """Resolve people and duplicates of a batch of valid rows, then insert them."""
    nids = list({row.national_id for row in batch})
    existing: dict[str, tuple[str, str, str, str, str]] = {}
    for chunk_start in range(0, len(nids), 500):
        chunk = nids[chunk_start : chunk_start + 500]
        for pid, nid, first, last, mobile in session.execute(
            select(
                Person.id, Person.national_id, Person.first_name, Person.last_name, Person.mobile
            ).where(Person.national_id.in_(chunk))
        ):
            existing[nid] = (pid, first, last, nid, mobile)
    numbers = [row.licence.number for row in batch if row.licence.number]
    number_owner: dict[str, str] = {}
    for chunk_start in range(0, len(numbers), 500):
        chunk = numbers[chunk_start : chunk_start + 500]
        for number, nid in session.execute(
            select(Licence.number, Person.national_id)
            .join(Person, Person.id == Licence.person_id)
            .where(Licence.number.in_(chunk))
        ):
            number_owner[number] = nid
    unique_ids = [row.licence.unique_id for row in batch if row.licence.unique_id]
    taken_unique: set[str] = (
        set(session.scalars(select(Licence.unique_id).where(Licence.unique_id.in_(unique_ids))))
        if unique_ids
        else set()
    )
    # Holders already registered: count their licences once (for the 10-licence rule).
    uncounted = {pid: nid for nid, (pid, *_rest) in existing.items() if nid not in held}
    pids = list(uncounted)
    for nid in uncounted.values():
        held[nid] = 0
    for start in range(0, len(pids), 500):
        for pid, number in session.execute(
            text(
                "SELECT person_id, count(*) FROM licence WHERE deleted = 0 "
                "AND status != 'revoked' AND person_id IN (SELECT value FROM json_each(:ids)) "
                "GROUP BY person_id"
            ),
            {"ids": json.dumps(pids[start : start + 500])},
        ):
            held[uncounted[pid]] = int(number)
    held_keys = _licence_keys(session, [value[0] for value in existing.values()])
    new_people: dict[str, NewPerson] = {}
    licences: list[NewLicence] = []
    names: dict[str, tuple[str, str, str, str]] = {}
    for row in batch:
        lic = row.licence
        if lic.number:
            owner = number_owner.get(lic.number)
            if owner is not None:
                if owner == row.national_id:
                    result.already_present += 1
                else:
                    _reject(
                        result, row, "number", "این شماره مجوز در دفتر به نام شخص دیگری ثبت شده است"
                    )
                continue
            if lic.number in seen_numbers:
                _reject(
                    result,
                    row,
                    "number",
                    "این شماره مجوز در ردیف "
                    f"{to_persian_digits(str(seen_numbers[lic.number]))} هم آمده است",
                )
                continue
        elif (
            row.national_id in existing
            and (
                existing[row.national_id][0],
                lic.field_id,
                lic.issue_date.isoformat(),
            )
            in held_keys
        ):
            result.already_present += 1
            continue
        if lic.unique_id and lic.unique_id in taken_unique:
            lic.unique_id = ""  # keep the licence; it gets a fresh unique ID
        if lic.status != STATUS_REVOKED:
            if held.get(row.national_id, 0) >= MAX_LICENCES_PER_PERSON:
                _reject(result, row, "national_id", "این شخص به سقف ۱۰ مجوز رسیده است")
                continue
            held[row.national_id] = held.get(row.national_id, 0) + 1
        if row.national_id in existing:
            pid, first, last, nid, mobile = existing[row.national_id]
            names[pid] = (first, last, nid, mobile)
        elif row.national_id in new_people:
            pid = new_people[row.national_id].id
        else:
            person = NewPerson(**row.person, id=new_id())
            new_people[row.national_id] = person
            pid = person.id
        lic.person_id = pid
        if lic.number:
            seen_numbers[lic.number] = row.line
        licences.append(lic)
    # Licences without a number get the office's next numbers.
    unnumbered = [lic for lic in licences if not lic.number]
    for lic, number in zip(unnumbered, allocate_numbers(session, len(unnumbered)), strict=True):
        lic.number = number
    insert_people_and_licences(
        session,
        list(new_people.values()),
        licences,
        office_id=office_id,
        actor=actor,
        action="imported",
        person_names=names,
    )
    result.imported += len(licences)


def _licence_keys(session: Session, person_ids: list[str]) -> set[tuple[str, str, str]]:
    """(holder, field, issue date) of the licences these holders already have.

    A row without a licence number that matches one of them is already in the register.
    """
    keys: set[tuple[str, str, str]] = set()
    for start in range(0, len(person_ids), 500):
        rows = session.execute(
            text(
                "SELECT person_id, field_id, issue_date FROM licence "
                "WHERE deleted = 0 AND person_id IN (SELECT value FROM json_each(:ids))"
            ),
            {"ids": json.dumps(person_ids[start : start + 500])},
        )
        keys.update((str(p), str(f), str(d)) for p, f, d in rows)
    return keys


def import_file(
    session: Session,
    path: Path | str,
    progress: Progress | None = None,
    *,
    today: dt.date | None = None,
) -> ImportResult:
    """Import a register spreadsheet into the session's database (one transaction).

    Raises ImportFileError (nothing imported) when the file can't be read, is empty or
    lacks a required column; cancelling through ``progress`` raises Cancelled.
    """
    today = today or jalali.today()
    sheet = open_sheet(path)
    rows = sheet.rows
    positions = _map_headers(sheet.header)
    result = ImportResult(headers=sheet.header)
    look = _lookups(session)
    office_id = require_office(session).id
    actor = current_actor()
    line = 1
    batch: list[_Row] = []
    seen_numbers: dict[str, int] = {}
    held: dict[str, int] = {}
    for cells in rows:
        line += 1
        if not any(cell.strip() for cell in cells):
            continue
        result.total_rows += 1
        valid = _validate_row(line, cells, positions, look, today, result)
        if valid is not None:
            batch.append(valid)
        if len(batch) >= BATCH:
            _write_batch(session, batch, result, seen_numbers, held, office_id, actor)
            batch = []
        if progress is not None and result.total_rows % 500 == 0:
            progress.check()
            sheet.report(progress, line - 1)
    if batch:
        _write_batch(session, batch, result, seen_numbers, held, office_id, actor)
    if progress is not None:
        report_rows(progress, line - 1, [line])
    if result.total_rows == 0:
        raise ImportFileError("فایل به‌جز سطر عنوان‌ها هیچ ردیفی ندارد.")
    session.flush()
    return result


def write_template(path: Path | str) -> Path:
    """Write an empty import template (headers, plus a sheet explaining each column)."""
    return write_template_book(
        path,
        [c.header for c in COLUMNS],
        "مجوزها",
        ["ستون", "الزامی", "نمونه", "توضیح"],
        [[c.header, "بله" if c.required else "خیر", c.example, c.note] for c in COLUMNS],
    )


def write_report(result: ImportResult, path: Path | str) -> Path:
    """Write the rejected rows and their reasons as a spreadsheet (.csv, else .xlsx)."""
    path = Path(path)
    headers = ["ردیف", "ستون", "دلیل", *result.headers]
    rows = [
        [problem.row, problem.column, problem.message, *result.rejected_rows.get(problem.row, [])]
        for problem in result.problems
    ]
    suffix = ".csv" if path.suffix.lower() == ".csv" else ".xlsx"
    write_rows(path, headers, rows, "ردیف‌های ردشده", suffix=suffix)
    return path


def _export_rows(
    session: Session, flt: register.RegisterFilter | None, progress: Progress | None
) -> Iterator[list[str]]:
    source, where = "licence l", "l.deleted = 0"
    params: dict[str, Any] = {}
    if flt is not None:
        source, where, params = register.export_clause(flt)
    sql = (
        "SELECT p.national_id, p.first_name, p.last_name, p.father_name, p.birth_date, "
        "p.gender, p.mobile, p.postal_code, p.address, f.code, c.name, l.kind, l.number, "
        "l.issue_date, l.expiry_date, l.activity_address, l.status, l.status_reason, "
        f"l.unique_id FROM {source} JOIN person p ON p.id = l.person_id "
        "JOIN business_field f ON f.id = l.field_id JOIN county c ON c.id = l.county_id "
        f"WHERE {where} ORDER BY l.local_seq"
    )
    today = jalali.today()
    gender = {"M": "مرد", "F": "زن"}
    for done, row in enumerate(session.execute(text(sql), params), start=1):
        if progress is not None and done % 1000 == 0:
            progress.check()
            progress.report(done, None, "")
        expiry = dt.date.fromisoformat(row[14])
        status = row[16]
        label = (
            STATUS_LABELS["expired"]
            if status == STATUS_ACTIVE and expiry < today
            else (STATUS_LABELS[status])
        )
        yield [
            row[0],
            row[1],
            row[2],
            row[3],
            jalali.format_jalali(dt.date.fromisoformat(row[4]), False) if row[4] else "",
            gender.get(row[5], ""),
            row[6],
            row[7],
            row[8],
            row[9],
            row[10],
            KIND_LABELS.get(row[11], str(row[11])),
            row[12],
            jalali.format_jalali(dt.date.fromisoformat(row[13]), False),
            jalali.format_jalali(expiry, False),
            row[15],
            label,
            row[17],
            row[18],
        ]


def export_file(
    session: Session,
    path: Path | str,
    flt: register.RegisterFilter | None = None,
    progress: Progress | None = None,
) -> int:
    """Write the register (or the filtered part of it) in the import template."""
    headers = [c.header for c in COLUMNS]
    return write_rows(path, headers, _export_rows(session, flt, progress), "مجوزها")


def known_field_codes(session: Session) -> set[str]:
    """Codes of the catalogue's fields (for tests and demo data)."""
    return set(session.scalars(select(BusinessField.code)))
