"""The licence register as a spreadsheet (.xlsx or .csv): the ``licences`` kind.

One row per licence, columns by Persian header (the template, :data:`COLUMNS`). An
import validates every row with the same rules as the form; a row that breaks any rule
is not imported, every other row is, and each problem is reported with its row number,
column and Persian reason. Rows already in the register (same licence number and
holder, or without a number the same holder, field and issue date) are skipped, so
importing a file twice creates no duplicates. Export writes the same template, so an
export imports back into an empty database unchanged.

Rows are read and checked one by one, then written in batches of :data:`BATCH`
(:func:`app.services.licences.bulk.insert_people_and_licences`): a 50,000-row file
imports in seconds. The reading, the report and the template are the spreadsheet
framework's (:mod:`app.services.spreadsheet`).
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

from app.models import Licence, Person, new_id
from app.services.core.access import requires
from app.services.core.actor import current_actor
from app.services.core.office import group_validity_years, require_office
from app.services.core.progress import Progress
from app.services.core.scope import office_scope
from app.services.licences import register
from app.services.licences.bulk import NewLicence, NewPerson, insert_people_and_licences
from app.services.licences.holders import validate_person
from app.services.licences.numbers import allocate_numbers, normalise_licence_number
from app.services.licences.records import (
    FIELD_LABELS,
    MAX_LICENCES_PER_PERSON,
    PERSON_FIELDS,
    PersonInput,
)
from app.services.spreadsheet.columns import (
    Column,
    Columns,
    choice,
    cleaned,
    jalali_date,
    jalali_text,
    label,
    lookup,
    validated,
)
from app.services.spreadsheet.exporter import write_report
from app.services.spreadsheet.importer import (
    ImportResult,
    ImportRun,
    Outcome,
    Problem,
    RowHandler,
    SheetRow,
)
from app.services.spreadsheet.kind import SheetKind
from app.services.spreadsheet.lookups import (
    CountyRef,
    FieldRef,
    active_fields,
    counties,
    unknown_county,
)
from app.services.spreadsheet.sheetfile import ImportFileError
from common import jalali
from common.text import normalize_text, to_ascii_digits, to_persian_digits
from common.validators import validate_text
from common.vocabulary import Gender, LicenceKind, LicenceStatus, Permission

__all__ = [
    "BATCH",
    "COLUMNS",
    "KIND",
    "ImportFileError",
    "ImportResult",
    "Problem",
    "export_file",
    "import_file",
    "write_report",
    "write_template",
]


def _unknown_field(value: str) -> str:
    code = to_ascii_digits(normalize_text(value))
    return f"رشته‌ای با کد «{to_persian_digits(code)}» در فهرست رشته‌ها نیست"


COLUMNS = Columns(
    Column("کد ملی", "national_id", True, "0067749828", "۱۰ رقم؛ رقم‌های فارسی یا لاتین"),
    Column("نام", "first_name", True, "مریم"),
    Column("نام خانوادگی", "last_name", True, "کریمی"),
    Column("نام پدر", "father_name", False, "حسن"),
    Column(
        "تاریخ تولد", "birth_date", False, "1365/04/21", "شمسی، مثل ۱۳۶۵/۰۴/۲۱", write=jalali_text
    ),
    Column("جنسیت", "gender", False, "زن", "مرد یا زن", write=label(Gender)),
    Column("تلفن همراه", "mobile", False, "09121234567", "۰۹… یا ‎+98…"),
    Column("کد پستی", "postal_code", False, "1351746851", "۱۰ رقم"),
    Column("نشانی", "address", False, "تهران، خیابان آزادی، پلاک ۱۲"),
    Column(
        "کد رشته",
        "field_code",
        True,
        "020001",
        "کد رشته از فهرست رشته‌ها",
        read=lookup(active_fields, _unknown_field, empty="کد رشته خالی است"),
    ),
    Column(
        "شهرستان",
        "county",
        True,
        "تهران",
        "نام یا کد آماری شهرستان",
        read=lookup(counties, unknown_county, empty="شهرستان خالی است"),
    ),
    Column(
        "نوع مجوز",
        "kind",
        True,
        "مستقل",
        "مستقل یا پشتیبان",
        read=choice(LicenceKind, "نوع مجوز باید «مستقل» یا «پشتیبان» باشد"),
        write=label(LicenceKind),
    ),
    Column(
        "شماره مجوز",
        "number",
        False,
        "0612-000123",
        "خالی: شماره خودکار",
        read=cleaned(
            normalise_licence_number, max_length=40, too_long="شماره مجوز حداکثر ۴۰ نویسه است"
        ),
    ),
    Column(
        "تاریخ صدور",
        "issue_date",
        True,
        "1403/05/12",
        "شمسی",
        read=jalali_date(
            "issue_date",
            FIELD_LABELS["issue_date"],
            required=True,
            future="تاریخ صدور نمی‌تواند در آینده باشد",
        ),
        write=jalali_text,
    ),
    Column(
        "تاریخ انقضا",
        "expiry_date",
        False,
        "1408/05/12",
        "خالی: بر اساس اعتبار رشته",
        read=jalali_date("expiry_date", FIELD_LABELS["expiry_date"]),
        write=jalali_text,
    ),
    Column(
        "نشانی محل فعالیت",
        "activity_address",
        False,
        "",
        "خالی: نشانی دارنده",
        read=validated(
            lambda value: validate_text(value, "activity_address", FIELD_LABELS["activity_address"])
        ),
    ),
    Column(
        "وضعیت",
        "status",
        False,
        "فعال",
        "فعال، منقضی، معلق یا باطل",
        # «منقضی» is not stored: it follows from the expiry date.
        read=choice(
            LicenceStatus,
            "وضعیت باید «فعال»، «منقضی»، «معلق» یا «باطل» باشد",
            default=LicenceStatus.ACTIVE,
            also={"منقضی": LicenceStatus.ACTIVE, "expired": LicenceStatus.ACTIVE},
        ),
        write=label(LicenceStatus),
    ),
    Column(
        "دلیل وضعیت",
        "status_reason",
        False,
        "",
        "برای معلق و باطل",
        read=validated(lambda value: validate_text(value, "status_reason", "دلیل وضعیت")),
    ),
    Column(
        "شناسه یکتا",
        "unique_id",
        False,
        "",
        "فقط در خروجی؛ خالی بگذارید",
        read=cleaned(
            lambda value: normalize_text(value).upper(),
            max_length=20,
            too_long="شناسه یکتا حداکثر ۲۰ نویسه است",
        ),
    ),
)
#: Valid rows are written this many at a time.
BATCH = 2000


# -- importing -------------------------------------------------------------------------------


@dataclass
class _Row:
    row: SheetRow
    person: dict[str, Any]
    licence: NewLicence
    national_id: str


class _LicenceRows(RowHandler):
    """Checks each row like the form does, and writes the valid ones in batches."""

    def __init__(self, run: ImportRun) -> None:
        super().__init__(run)
        office = require_office(self.session)
        self.office_id = office.id
        self.default_years = office.default_validity_years
        self.validity = group_validity_years(self.session)
        self.scope = office_scope(self.session)
        self.actor = current_actor(self.session)
        self.batch_size = BATCH
        self.batch: list[_Row] = []
        #: Licence numbers written by this import → the row that had them.
        self.seen_numbers: dict[str, int] = {}
        #: National ID → how many licences (not revoked) the person holds so far.
        self.held: dict[str, int] = {}

    def row(self, row: SheetRow) -> Outcome:
        person_input = PersonInput(**{name: row.text(name) for name in PERSON_FIELDS})
        person, errors, warnings = validate_person(person_input, self.run.today)
        for error in errors:
            row.fail(error.field, error.message)
        for warning in warnings:
            row.warn("postal_code", warning)
        field_ref: FieldRef | None = row.value("field_code")
        county: CountyRef | None = row.value("county")
        if county is not None:
            outside = self.scope.error(county.id, county.name)
            if outside is not None:
                row.fail("county", outside.message)
        kind = row.value("kind")
        number = row.value("number")
        issue: dt.date | None = row.value("issue_date")
        expiry: dt.date | None = row.value("expiry_date")
        if expiry is None and issue is not None and field_ref is not None:
            years = self.validity.get(field_ref.group, self.default_years)
            expiry = jalali.add_jalali_years(issue, years)
        if expiry is not None and issue is not None and expiry <= issue:
            row.fail("expiry_date", "تاریخ انقضا باید بعد از تاریخ صدور باشد")
        status = row.value("status")
        activity = row.value("activity_address")
        reason = row.value("status_reason")
        unique_id = row.value("unique_id")
        row.check()
        assert field_ref is not None and county is not None and issue is not None
        assert expiry is not None
        licence = NewLicence(
            person_id="",
            number=number,
            kind=kind,
            field_id=field_ref.id,
            county_id=county.id,
            activity_address=activity or person["address"],
            issue_date=issue,
            expiry_date=expiry,
            status=status,
            status_reason=reason,
            unique_id=unique_id,
        )
        self.batch.append(_Row(row, person, licence, person["national_id"]))
        if len(self.batch) >= self.batch_size:
            self._write_batch()
        return Outcome.BATCHED

    def finish(self) -> None:
        if self.batch:
            self._write_batch()

    def _write_batch(self) -> None:
        """Resolve people and duplicates of the batch of valid rows, then insert them."""
        batch, self.batch = self.batch, []
        session = self.session
        existing = self._holders({row.national_id for row in batch})
        number_owner = self._number_owners([row.licence.number for row in batch])
        unique_ids = [row.licence.unique_id for row in batch if row.licence.unique_id]
        taken_unique: set[str] = (
            set(session.scalars(select(Licence.unique_id).where(Licence.unique_id.in_(unique_ids))))
            if unique_ids
            else set()
        )
        self._count_held(existing)
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
                        self.run.count(Outcome.PRESENT)
                    else:
                        self.run.reject(
                            row.row, "number", "این شماره مجوز در دفتر به نام شخص دیگری ثبت شده است"
                        )
                    continue
                if lic.number in self.seen_numbers:
                    first = to_persian_digits(str(self.seen_numbers[lic.number]))
                    self.run.reject(
                        row.row, "number", f"این شماره مجوز در ردیف {first} هم آمده است"
                    )
                    continue
            elif (
                row.national_id in existing
                and (existing[row.national_id][0], lic.field_id, lic.issue_date.isoformat())
                in held_keys
            ):
                self.run.count(Outcome.PRESENT)
                continue
            if lic.unique_id and lic.unique_id in taken_unique:
                lic.unique_id = ""  # keep the licence; it gets a fresh unique ID
            if lic.status != LicenceStatus.REVOKED:
                if self.held.get(row.national_id, 0) >= MAX_LICENCES_PER_PERSON:
                    self.run.reject(row.row, "national_id", "این شخص به سقف ۱۰ مجوز رسیده است")
                    continue
                self.held[row.national_id] = self.held.get(row.national_id, 0) + 1
            if row.national_id in existing:
                pid, first_name, last_name, nid, mobile = existing[row.national_id]
                names[pid] = (first_name, last_name, nid, mobile)
            elif row.national_id in new_people:
                pid = new_people[row.national_id].id
            else:
                person = NewPerson(**row.person, id=new_id())
                new_people[row.national_id] = person
                pid = person.id
            lic.person_id = pid
            if lic.number:
                self.seen_numbers[lic.number] = row.row.line
            licences.append(lic)
        # Licences without a number get the office's next numbers.
        unnumbered = [lic for lic in licences if not lic.number]
        for lic, number in zip(unnumbered, allocate_numbers(session, len(unnumbered)), strict=True):
            lic.number = number
        insert_people_and_licences(
            session,
            list(new_people.values()),
            licences,
            office_id=self.office_id,
            actor=self.actor,
            action="imported",
            person_names=names,
        )
        self.run.count(Outcome.IMPORTED, len(licences))

    def _holders(self, nids: set[str]) -> dict[str, tuple[str, str, str, str, str]]:
        """National ID → (person id, first name, last name, national ID, mobile) of the
        holders already registered."""
        wanted = list(nids)
        existing: dict[str, tuple[str, str, str, str, str]] = {}
        for start in range(0, len(wanted), 500):
            for pid, nid, first, last, mobile in self.session.execute(
                select(
                    Person.id,
                    Person.national_id,
                    Person.first_name,
                    Person.last_name,
                    Person.mobile,
                ).where(Person.national_id.in_(wanted[start : start + 500]))
            ):
                existing[nid] = (pid, first, last, nid, mobile)
        return existing

    def _number_owners(self, numbers: list[str]) -> dict[str, str]:
        """Licence number → its holder's national ID, for the numbers already issued."""
        numbers = [number for number in numbers if number]
        owners: dict[str, str] = {}
        for start in range(0, len(numbers), 500):
            for number, nid in self.session.execute(
                select(Licence.number, Person.national_id)
                .join(Person, Person.id == Licence.person_id)
                .where(Licence.number.in_(numbers[start : start + 500]))
            ):
                owners[number] = nid
        return owners

    def _count_held(self, existing: dict[str, tuple[str, str, str, str, str]]) -> None:
        """Count, once, the licences of holders already registered (the 10-licence rule)."""
        uncounted = {pid: nid for nid, (pid, *_rest) in existing.items() if nid not in self.held}
        pids = list(uncounted)
        for nid in uncounted.values():
            self.held[nid] = 0
        for start in range(0, len(pids), 500):
            for pid, number in self.session.execute(
                text(
                    "SELECT person_id, count(*) FROM licence WHERE deleted = 0 "
                    "AND status != 'revoked' AND person_id IN (SELECT value FROM json_each(:ids)) "
                    "GROUP BY person_id"
                ),
                {"ids": json.dumps(pids[start : start + 500])},
            ):
                self.held[uncounted[pid]] = int(number)


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


# -- exporting -------------------------------------------------------------------------------


def _records(
    session: Session, flt: register.RegisterFilter | None = None
) -> Iterator[tuple[Any, ...]]:
    """Every licence (or those ``flt`` shows) with its holder, one value per column."""
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
    active, expired = LicenceStatus.ACTIVE, LicenceStatus.EXPIRED
    for row in session.execute(text(sql), params):
        expiry = dt.date.fromisoformat(row[14])
        status = expired if row[16] == active and expiry < today else row[16]
        yield (*row[:14], expiry, row[15], status, row[17], row[18])


KIND = SheetKind(
    name="licences",
    columns=COLUMNS,
    rows=_LicenceRows,
    records=_records,
    sheet_title="مجوزها",
    import_title="ورود اطلاعات از اکسل",
    intro=(
        "هر ردیف فایل یک مجوز است و سطر اول عنوان ستون‌ها به فارسی (مثل الگوی خالی). "
        "فایل می‌تواند xlsx یا CSV با کدگذاری UTF-8 باشد. ردیف‌هایی که ایرادی دارند "
        "وارد نمی‌شوند و با شمارهٔ ردیف و دلیل گزارش می‌شوند؛ بقیهٔ ردیف‌ها وارد "
        "می‌شوند. اگر فایلی را دو بار وارد کنید، مجوز تکراری ثبت نمی‌شود."
    ),
    plural="مجوزها",
    unit="مجوز",
    progress_every=500,
    export_progress_every=1000,
)
import_file = KIND.import_file
write_template = KIND.write_template


@requires(Permission.EXPORT)
def export_file(
    session: Session,
    path: Path | str,
    flt: register.RegisterFilter | None = None,
    progress: Progress | None = None,
) -> int:
    """Write the register (or the filtered part of it) in the import template."""
    return KIND.write_records(path, _records(session, flt), progress)
