"""Demo data: realistic holders and licences, deterministic per seed.

For trying the app and for benchmarks (``daftar demo --licences N``). Names are common
Persian names, national IDs, mobiles and postal codes are valid, fields come from the
catalogue, and every record lies in the office's scope (:mod:`app.services.core.scope`): a
county office's in its county, a province office's spread over its province's counties.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models import County, Province
from app.services.core.access import requires
from app.services.core.actor import current_actor
from app.services.core.office import (
    OfficeInput,
    get_office,
    group_validity_years,
    require_office,
    setup_office,
)
from app.services.core.progress import Progress
from app.services.core.reference import seed_reference_data
from app.services.core.scope import office_scope
from app.services.licences.bulk import NewLicence, NewPerson, insert_people_and_licences
from app.services.licences.numbers import allocate_numbers
from common import jalali
from common.errors import ValidationErrors
from common.validators import national_id_check_digit
from common.vocabulary import Permission


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


@requires(Permission.DEMO)
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
    counties = sorted((c.id, c.name) for c in office_scope(session).counties)
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
    actor = current_actor(session)
    while made < licences:
        size = min(chunk, licences - made)
        people: list[NewPerson] = []
        new_licences: list[NewLicence] = []
        while len(new_licences) < size:
            female = rng.random() < 0.62
            first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
            last = rng.choice(LAST_NAMES)
            county_id, county_name = rng.choices(counties)[0]
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


# -- supporters, networks and events -------------------------------------------------------

EVENT_TITLES = {
    "workshop": (
        "کارگاه بسته‌بندی و برچسب‌گذاری محصولات خانگی",
        "کارگاه بازاریابی در فضای مجازی",
        "کارگاه قیمت‌گذاری و حسابداری ساده",
        "کارگاه بهداشت و ایمنی تولید مواد غذایی",
        "کارگاه عکاسی از محصول",
    ),
    "exhibition": ("نمایشگاه توانمندی‌های مشاغل خانگی", "نمایشگاه صنایع‌دستی استان"),
    "bazaar": ("بازارچه نوروزی مشاغل خانگی", "بازارچه یلدا", "بازارچه پاییزه"),
    "platform": ("پیوستن به بازارهای برخط", "آشنایی با فروشگاه‌های اینترنتی"),
    "other": ("نشست هم‌اندیشی پشتیبان‌ها",),
}
VENUES = (
    "سالن اجتماعات اداره",
    "مرکز آموزش فنی و حرفه‌ای",
    "فرهنگسرای شهر",
    "نمایشگاه بین‌المللی",
    "سالن اجتماعات فرمانداری",
)
INSTRUCTORS = ("زهرا کاظمی", "علی رستمی", "مریم صالحی", "حسین نوری", "فاطمه یزدانی")
LEGAL_NAMES = (
    "تعاونی تولیدی {name}",
    "شرکت پشتیبان مشاغل خانگی {name}",
    "مؤسسه توسعه کسب‌وکار {name}",
)


def _legal_id(rng: random.Random) -> str:
    """An 11-digit legal ID with a valid check digit (validators.validate_legal_id)."""
    from common.errors import ValidationError
    from common.validators import validate_legal_id

    while True:
        candidate = f"{rng.randrange(10**9, 10**10):010d}"
        for last in "0123456789":
            try:
                return validate_legal_id(candidate + last)
            except ValidationError:
                continue


def _sheba(rng: random.Random) -> str:
    """An IR Sheba number with valid check digits (ISO 13616 mod 97)."""
    bban = (
        "0"
        + rng.choice(("17", "12", "15", "18", "55", "57"))
        + "".join(rng.choice("0123456789") for _ in range(19))
    )
    # IR = 18 27; check digits make (BBAN + "182700") mod 97 == 1.
    check = 98 - int(bban + "182700") % 97
    return f"IR{check:02d}{bban}"


@requires(Permission.DEMO)
def generate_networks_and_events(
    session: Session,
    licences: int,
    seed: int = 1,
    progress: Progress | None = None,
) -> tuple[int, int, int, int]:
    """Supporters (from the register's supporter-kind licences) with networks of holders,
    and events with participants and attendance, sized to a register of ``licences``.

    Everything goes through the services (validation, outbox). Returns (supporters,
    members, events, participants) added. Licences already serving a supporter are
    skipped, so a second run adds new supporters on other supporter-kind licences.
    """
    from app.models import Supporter
    from app.services.events.records import EventInput, ParticipantInput
    from app.services.events.service import EventService
    from app.services.licences.records import PersonInput
    from app.services.supporters.records import MemberInput, SupporterInput
    from app.services.supporters.service import SupporterService

    rng = random.Random(seed * 7919 + 1)
    today = jalali.today()
    # Only licences in the office's scope: a database may also hold records that synced
    # in from elsewhere (or were made before scope was enforced).
    scope_counties = sorted(c.id for c in office_scope(session).counties)
    in_scope = json.dumps(scope_counties)
    supporters_wanted = max(3, min(40, licences // 5000))
    used = set(session.scalars(select(Supporter.licence_id)))
    rows = session.execute(
        text(
            "SELECT l.id, l.number, l.field_id, p.last_name "
            "FROM licence l JOIN person p ON p.id = l.person_id "
            "WHERE l.kind = 'supporter' AND l.status = 'active' AND l.deleted = 0 "
            "AND l.expiry_date >= :today "
            "AND l.county_id IN (SELECT value FROM json_each(:counties)) "
            "ORDER BY l.local_seq LIMIT :limit"
        ),
        {"today": today, "counties": in_scope, "limit": supporters_wanted * 3},
    ).all()
    candidates = [row for row in rows if row[0] not in used][:supporters_wanted]
    service = SupporterService(session)
    supporters = members = 0
    total_steps = len(candidates) + 1
    for index, (licence_id, number, field_id, last) in enumerate(candidates):
        legal = rng.random() < 0.35
        group_fields = list(
            session.scalars(
                text(
                    "SELECT f2.id FROM business_field f1 JOIN business_field f2 "
                    "ON f2.group_id = f1.group_id WHERE f1.id = :field AND f2.id != :field "
                    "AND f2.active = 1 ORDER BY f2.code LIMIT 3"
                ),
                {"field": field_id},
            )
        )
        capacity = rng.choice((20, 30, 50, 80))
        detail = service.create(
            SupporterInput(
                kind="legal" if legal else "person",
                licence_number=number,
                legal_name=rng.choice(LEGAL_NAMES).format(name=last) if legal else "",
                legal_id=_legal_id(rng) if legal else "",
                registration_no=str(rng.randint(1000, 99999)) if legal else "",
                related_field_ids=tuple(group_fields),
                phone=f"021{rng.randint(10_000_000, 99_999_999)}",
                mobile=rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(0, 10**7):07d}",
                address=f"خیابان {rng.choice(STREETS)}، پلاک {rng.randint(1, 200)}",
                sheba=_sheba(rng),
                capacity=capacity,
            ),
            today=today,
        )
        supporters += 1
        wanted = rng.randint(capacity // 3, capacity)
        holders = session.execute(
            text(
                "SELECT DISTINCT p.national_id, l.county_id, l.issue_date FROM licence l "
                "JOIN person p ON p.id = l.person_id WHERE l.kind = 'independent' "
                "AND l.status = 'active' AND l.deleted = 0 AND l.expiry_date >= :today "
                "AND l.field_id IN (SELECT value FROM json_each(:fields)) "
                "AND l.person_id != (SELECT person_id FROM licence WHERE id = :licence) "
                "AND l.county_id IN (SELECT value FROM json_each(:counties)) "
                "LIMIT :limit"
            ),
            {
                "today": today,
                "counties": in_scope,
                "fields": json.dumps([field_id, *group_fields]),
                "licence": licence_id,
                "limit": wanted,
            },
        ).all()
        roles = ("producer",) * 6 + ("trainer", "distributor", "packer", "seller")
        for national_id, member_county, issued in holders:
            issue_date = dt.date.fromisoformat(str(issued))
            joined = max(issue_date, today - dt.timedelta(days=rng.randint(0, 700)))
            left = None
            if rng.random() < 0.1 and (today - joined).days > 30:
                left = joined + dt.timedelta(days=rng.randint(15, (today - joined).days))
            service.add_member(
                detail.id,
                MemberInput(
                    person=PersonInput(national_id=national_id),
                    role=rng.choice(roles),
                    county_id=member_county,
                    joined_on=joined,
                    left_on=left,
                    leave_reason="پایان همکاری" if left else "",
                ),
                today=today,
            )
            members += 1
        if progress is not None:
            progress.check()
            progress.report(index + 1, total_steps, "")
    events = participants = 0
    event_service = EventService(session)
    supporter_ids = list(session.scalars(select(Supporter.id).order_by(Supporter.id)))
    fields = list(session.scalars(text("SELECT id FROM business_field WHERE active = 1")))
    people = session.execute(
        text("SELECT national_id FROM person ORDER BY national_id LIMIT 5000")
    ).all()
    used_ids = set(session.scalars(text("SELECT national_id FROM person")))
    for _ in range(max(8, min(120, licences // 2000))):
        kind = rng.choices(
            ("workshop", "exhibition", "bazaar", "platform", "other"), (6, 1, 2, 2, 1)
        )[0]
        start = today + dt.timedelta(days=rng.randint(-330, 45))
        if jalali.jalali_weekday(start) == 6:  # not on a Friday
            start += dt.timedelta(days=1)
        length = 0 if kind in ("workshop", "platform", "other") and rng.random() < 0.6 else 2
        capacity = rng.choice((15, 20, 25, 40))
        # A province office's events are spread over its counties.
        event_county = rng.choice(scope_counties) if len(scope_counties) > 1 else scope_counties[0]
        event = event_service.create(
            EventInput(
                kind=kind,
                title=rng.choice(EVENT_TITLES[kind]),
                field_ids=tuple(rng.sample(fields, k=min(2, len(fields)))),
                organiser_supporter_id=(
                    rng.choice(supporter_ids) if supporter_ids and rng.random() < 0.3 else ""
                ),
                venue=rng.choice(VENUES),
                county_id=event_county,
                start_date=start,
                end_date=start + dt.timedelta(days=length),
                start_time="09:00",
                end_time="13:00",
                capacity=capacity,
                instructor=rng.choice(INSTRUCTORS) if kind == "workshop" else "",
                description="",
            )
        )
        events += 1
        for _p in range(rng.randint(capacity // 2, capacity + 3)):
            if people and rng.random() < 0.7:
                national_id = rng.choice(people)[0]
                data = ParticipantInput(national_id=national_id)
            else:
                female = rng.random() < 0.7
                data = ParticipantInput(
                    national_id=_national_id(rng, used_ids),
                    first_name=rng.choice(FEMALE_NAMES if female else MALE_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    mobile=rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(0, 10**7):07d}",
                )
            try:
                info = event_service.register(event.id, data)
            except ValidationErrors:
                continue  # the same person drawn twice for one event
            participants += 1
            if start <= today and info.status == "registered":
                for day in event.days:
                    if day <= today and rng.random() < 0.85:
                        event_service.set_attendance(info.id, day, True)
    if progress is not None:
        progress.report(total_steps, total_steps, "")
    return supporters, members, events, participants


# -- facility cases --------------------------------------------------------------------------

_PURPOSES = (
    "خرید چرخ خیاطی صنعتی",
    "خرید فر و تجهیزات شیرینی‌پزی",
    "خرید دستگاه بسته‌بندی",
    "خرید مواد اولیه و سرمایه در گردش",
    "خرید دار قالی و ابزار بافت",
    "تجهیز کارگاه خانگی",
)
_GUARANTEES = ("promissory_note", "employee_guarantor", "cheque", "guarantee_fund")
_BRANCHES = ("شعبه مرکزی", "شعبه میدان انقلاب", "شعبه بازار", "شعبه آزادی", "شعبه ولیعصر")


@requires(Permission.DEMO)
def generate_facility_cases(session: Session, cases: int, seed: int = 1) -> int:
    """Up to ``cases`` facility cases on the office's active licences, spread over the
    stages (some late, some paid with a repayment report), through the facility service
    (its rules, the outbox). Licences that already have a case are skipped. Returns how
    many were opened."""
    from app.models import FacilityCase, Licence
    from app.services.facilities.records import FacilityInput
    from app.services.facilities.service import FacilityService
    from app.services.facilities.settings import DEFAULT_PROGRAMME
    from common.facility_rules import PROGRESS, STAGE_DATE_COLUMNS

    rng = random.Random(seed * 104_729 + 3)
    today = jalali.today()
    scope = sorted(c.id for c in office_scope(session).counties)
    taken = select(FacilityCase.licence_id)
    numbers = list(
        session.scalars(
            select(Licence.number)
            .where(
                Licence.deleted.is_(False),
                Licence.status == "active",
                Licence.expiry_date > today,
                Licence.id.not_in(taken),
                Licence.county_id.in_(scope),
            )
            .order_by(Licence.local_seq)
            .limit(cases)
        )
    )
    service = FacilityService(session)
    for number in numbers:
        reached = rng.choices(range(len(PROGRESS)), weights=(3, 3, 3, 2, 2, 1, 4))[0]
        day = today - dt.timedelta(days=rng.randint(reached * 12 + 5, reached * 25 + 60))
        dates: dict[str, dt.date] = {}
        for stage in PROGRESS[: reached + 1]:
            dates[STAGE_DATE_COLUMNS[stage]] = min(day, today)
            day += dt.timedelta(days=rng.randint(3, 30))
        requested = rng.choice((100, 150, 200, 300, 500)) * 1_000_000
        approved = requested - rng.choice((0, 0, 50_000_000)) if reached >= 5 else None
        paid = reached == len(PROGRESS) - 1
        report = rng.choice(("on_time", "on_time", "overdue", "")) if paid else ""
        service.open_case(
            FacilityInput(
                licence_number=number,
                programme=DEFAULT_PROGRAMME,
                bank_code=rng.choice(("013", "013", "060", "060", "017", "012")),
                branch_name=rng.choice(_BRANCHES) if reached >= 2 else "",
                branch_code=str(rng.randint(1000, 9999)) if reached >= 2 else "",
                purpose=rng.choice(_PURPOSES),
                requested_amount=requested,
                approved_amount=approved or "",
                disbursed_amount=approved if paid and approved else "",
                term_months=rng.choice((24, 36, 60)),
                rate=rng.choice(("4", "4", "18")),
                guarantees=tuple(
                    rng.sample(("promissory_note", "employee_guarantor", "cheque"), 2)
                ),
                sheba=_sheba(rng) if paid else "",
                stage=PROGRESS[reached],
                dates=dates,
                repayment_status=report,
                overdue_instalments=rng.randint(1, 4) if report == "overdue" else 0,
                repayment_on=today if report else None,
            ),
            today=today,
        )
    return len(numbers)
