"""Demo data: realistic holders and licences, deterministic per seed.

For trying the app and for benchmarks (``daftar demo --licences N``). Names are common
Persian names, national IDs, mobiles and postal codes are valid, counties are the
office's province's, and fields come from the catalogue.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models import County, Province
from app.services import jalali
from app.services.bulk import NewLicence, NewPerson, insert_people_and_licences
from app.services.licences import allocate_numbers, current_actor
from app.services.office import (
    OfficeInput,
    get_office,
    group_validity_years,
    require_office,
    setup_office,
)
from app.services.progress import Progress
from app.services.reference import seed_reference_data
from app.services.validators import national_id_check_digit


def _words(text_: str, joiner: str = "") -> tuple[str, ...]:
    """Words of a space-separated list; ``joiner`` inside a word becomes a space."""
    return tuple(word.replace(joiner, " ") if joiner else word for word in text_.split())


FEMALE_NAMES = _words(
    "فاطمه زهرا مریم زینب معصومه سمیه نرگس لیلا مهسا سارا الهام مینا رقیه طاهره اعظم "
    "ژیلا شیرین پریسا نازنین هانیه ریحانه کوثر نگار مهناز فرشته سکینه صدیقه زهره آزاده "
    "ملیکا حدیث عاطفه سپیده نسرین منیژه گلنار ثریا بهاره"
)
MALE_NAMES = _words(
    "محمد علی حسین رضا مهدی حسن امیر ابوالفضل مجتبی سعید جواد محسن احمد مصطفی حمید "
    "یوسف ابراهیم اکبر عباس مرتضی ناصر کاظم صادق هادی وحید بهروز فرهاد داوود یعقوب "
    "قاسم اسماعیل سجاد میلاد پوریا"
)
LAST_NAMES = _words(
    "محمدی احمدی حسینی رضایی کریمی موسوی جعفری صادقی قاسمی رحیمی حیدری نوری کاظمی "
    "اکبری سلیمانی عباسی مرادی شریفی نجفی امیری یوسفی زارعی باقری ابراهیمی فرهادی "
    "هاشمی صالحی طاهری رستمی ملکی قربانی حسن‌زاده علی‌پور عزیزی کرمانی شیرازی تبریزی "
    "اصفهانی یزدانی بختیاری خسروی فاضلی میرزایی نصیری عسگری پورمحمدی جهانگیری کامرانی "
    "سلطانی افشار دهقان کشاورز آهنگر نجار زرگر"
)
STREETS = _words(
    "امام‌خمینی انقلاب آزادی شهید‌بهشتی طالقانی مطهری ولیعصر بسیج شریعتی فردوسی "
    "سعدی حافظ پاسداران جمهوری مدرس کارگر",
    joiner="\u200c",
)
MOBILE_PREFIXES = ("0912", "0913", "0915", "0917", "0919", "0935", "0936", "0938", "0901", "0903")


def _national_id(rng: random.Random, used: set[str]) -> str:
    while True:
        first9 = f"{rng.randrange(1, 10**9):09d}"
        if first9[3:9] == "000000" or len(set(first9)) == 1:
            continue
        nid = first9 + str(national_id_check_digit(first9))
        if nid not in used and len(set(nid)) > 1:
            used.add(nid)
            return nid


def _uuid7(rng: random.Random, millis: int) -> str:
    """A UUIDv7 with the given timestamp and seeded random bits (deterministic ids)."""
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76 | rng.getrandbits(12) << 64 | 0b10 << 62 | rng.getrandbits(62)
    return str(uuid.UUID(int=value))


def _postal_code(rng: random.Random) -> str:
    head = "".join(rng.choice("13456789") for _ in range(5))
    return head + f"{rng.randrange(0, 100000):05d}"


def _ensure_office(session: Session) -> None:
    seed_reference_data(session)
    session.flush()
    if get_office(session) is not None:
        return
    province = session.scalars(select(Province).where(Province.name == "تهران")).one()
    county = session.scalars(
        select(County).where(County.province_id == province.id, County.name == "تهران")
    ).one()
    setup_office(
        session,
        OfficeInput(
            province_id=province.id,
            county_id=county.id,
            name="اداره تعاون، کار و رفاه اجتماعی شهرستان تهران",
            licence_prefix=county.code,
            default_validity_years=5,
        ),
    )


def generate(
    session: Session,
    licences: int,
    seed: int = 1,
    progress: Progress | None = None,
    *,
    chunk: int = 10_000,
) -> int:
    """Add ``licences`` demo licences (and their holders); returns how many were added.

    Sets up an office (Tehran) first if the database has none. Deterministic per seed
    for the same starting database.
    """
    _ensure_office(session)
    office = require_office(session)
    rng = random.Random(seed)
    uuid_rng = random.Random(seed ^ 0x5EED)
    counties = list(
        session.execute(
            select(County.id, County.name).where(County.province_id == office.province_id)
        )
    )
    counties.sort(key=lambda c: c[0])
    field_rows = session.execute(
        text(
            "SELECT f.id, g.code FROM business_field f JOIN field_group g "
            "ON g.id = f.group_id WHERE f.active = 1 ORDER BY f.code"
        )
    ).all()
    validity = group_validity_years(session)
    used_ids = set(session.scalars(text("SELECT national_id FROM person")))
    today = jalali.today()
    base_millis = int(dt.datetime.combine(today, dt.time(), dt.UTC).timestamp() * 1000)
    made = 0
    actor = current_actor()
    office_county_weight = [3 if c[0] == office.county_id else 1 for c in counties]
    while made < licences:
        size = min(chunk, licences - made)
        people: list[NewPerson] = []
        new_licences: list[NewLicence] = []
        while len(new_licences) < size:
            female = rng.random() < 0.62
            first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
            last = rng.choice(LAST_NAMES)
            county_id, county_name = rng.choices(counties, office_county_weight)[0]
            birth = jalali.from_jalali(
                rng.randint(1340, 1385), rng.randint(1, 12), rng.randint(1, 29)
            )
            address = (
                f"{county_name}، خیابان {rng.choice(STREETS)}، کوچه {rng.randint(1, 40)}، "
                f"پلاک {rng.randint(1, 200)}"
            )
            person = NewPerson(
                national_id=_national_id(rng, used_ids),
                first_name=first,
                last_name=last,
                father_name=rng.choice(MALE_NAMES),
                birth_date=birth,
                gender="F" if female else "M",
                mobile=rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(0, 10**7):07d}",
                postal_code=_postal_code(rng),
                address=address,
                id=_uuid7(uuid_rng, base_millis + made + len(new_licences)),
            )
            people.append(person)
            for _ in range(1 if rng.random() < 0.9 else rng.randint(2, 3)):
                if len(new_licences) >= size:
                    break
                field_id, group = rng.choice(field_rows)
                issue = today - dt.timedelta(days=rng.randint(0, 6 * 365))
                expiry = jalali.add_jalali_years(
                    issue, validity.get(group, office.default_validity_years)
                )
                roll = rng.random()
                status, reason = "active", ""
                if roll < 0.02:
                    status, reason = "suspended", "عدم فعالیت در بازدید کارشناس"
                elif roll < 0.03:
                    status, reason = "revoked", "درخواست دارنده مجوز"
                new_licences.append(
                    NewLicence(
                        person_id=person.id,
                        number="",
                        kind="supporter" if rng.random() < 0.04 else "independent",
                        field_id=field_id,
                        county_id=county_id,
                        activity_address=address,
                        issue_date=issue,
                        expiry_date=expiry,
                        status=status,
                        status_reason=reason,
                        id=_uuid7(uuid_rng, base_millis + made + len(new_licences)),
                    )
                )
        numbers = allocate_numbers(session, len(new_licences))
        for lic, number in zip(new_licences, numbers, strict=True):
            lic.number = number
        insert_people_and_licences(
            session, people, new_licences, office_id=office.id, actor=actor, action="issued"
        )
        made += len(new_licences)
        if progress is not None:
            progress.check()
            progress.report(made, licences, "")
    return made
