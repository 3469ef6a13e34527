"""The office that owns the database: first-run setup and its settings."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import County, FieldGroup, Office, Province, Setting
from app.services.core.access import requires
from app.services.core.reference import seed_reference_data
from app.services.core.signing_keys import ensure_signing_key
from common.errors import DomainError, ValidationError, ValidationErrors
from common.text import normalize_text, to_ascii_digits, to_persian_digits
from common.vocabulary import Permission

MIN_VALIDITY_YEARS = 1
MAX_VALIDITY_YEARS = 10
_PREFIX_RE = re.compile(r"^[A-Za-z0-9]{1,10}$")
_GROUP_VALIDITY_KEY = "validity_years.group."


@dataclass(frozen=True)
class OfficeInfo:
    """The office, as views and services see it."""

    id: str
    name: str
    province_id: str
    province_name: str
    county_id: str | None
    county_name: str
    licence_prefix: str
    default_validity_years: int


@dataclass(frozen=True)
class OfficeInput:
    """What the first-run dialog (or ``daftar demo``) asks for."""

    province_id: str
    county_id: str | None
    name: str
    licence_prefix: str
    default_validity_years: int | str


class NoOffice(DomainError):
    """The database has no office yet."""

    def __init__(self) -> None:
        super().__init__("دفتر هنوز راه‌اندازی نشده است: ابتدا مشخصات اداره را وارد کنید.")


def get_office(session: Session) -> OfficeInfo | None:
    """The office of this database, or None before the first-run setup."""
    row = session.execute(
        select(Office, Province.name, County.name)
        .join(Province, Office.province_id == Province.id)
        .outerjoin(County, Office.county_id == County.id)
    ).first()
    if row is None:
        return None
    office, province_name, county_name = row
    return OfficeInfo(
        id=office.id,
        name=office.name,
        province_id=office.province_id,
        province_name=province_name,
        county_id=office.county_id,
        county_name=county_name or "",
        licence_prefix=office.licence_prefix,
        default_validity_years=office.default_validity_years,
    )


def require_office(session: Session) -> OfficeInfo:
    """The office of this database; raises NoOffice before setup."""
    office = get_office(session)
    if office is None:
        raise NoOffice()
    return office


def _validate(session: Session, data: OfficeInput) -> tuple[str, str, int]:
    errors: list[ValidationError] = []
    name = normalize_text(data.name)
    if not name:
        errors.append(ValidationError("name", "نام اداره را وارد کنید."))
    elif len(name) > 120:
        errors.append(ValidationError("name", "نام اداره حداکثر ۱۲۰ نویسه است."))
    prefix = to_ascii_digits(normalize_text(data.licence_prefix)).upper()
    if not _PREFIX_RE.match(prefix):
        errors.append(
            ValidationError(
                "licence_prefix",
                "پیشوند شماره مجوز باید ۱ تا ۱۰ رقم یا حرف لاتین باشد (مثلاً ۰۶۱۲).",
            )
        )
    years = 0
    with contextlib.suppress(ValueError):
        years = int(to_ascii_digits(str(data.default_validity_years)).strip())
    if not MIN_VALIDITY_YEARS <= years <= MAX_VALIDITY_YEARS:
        errors.append(
            ValidationError(
                "default_validity_years",
                "اعتبار پیش‌فرض مجوز باید بین "
                f"{to_persian_digits(str(MIN_VALIDITY_YEARS))} و "
                f"{to_persian_digits(str(MAX_VALIDITY_YEARS))} سال باشد.",
            )
        )
    province = session.get(Province, data.province_id) if data.province_id else None
    if province is None:
        errors.append(ValidationError("province_id", "استان را انتخاب کنید."))
    if data.county_id:
        county = session.get(County, data.county_id)
        if county is None or (province is not None and county.province_id != province.id):
            errors.append(ValidationError("county_id", "شهرستان با استان انتخاب‌شده نمی‌خواند."))
    if errors:
        raise ValidationErrors(errors)
    return name, prefix, years


@requires(Permission.OFFICE_SETTINGS)
def setup_office(session: Session, data: OfficeInput) -> OfficeInfo:
    """Create the office of a new database (first run). Seeds reference data first."""
    seed_reference_data(session)
    session.flush()
    if get_office(session) is not None:
        raise DomainError("این پایگاه داده از قبل اداره‌ای دارد.")
    name, prefix, years = _validate(session, data)
    session.add(
        Office(
            name=name,
            province_id=data.province_id,
            county_id=data.county_id or None,
            licence_prefix=prefix,
            default_validity_years=years,
        )
    )
    # The key that signs the office's certificates (its public half is what the central
    # server will publish).
    ensure_signing_key(session)
    session.flush()
    return require_office(session)


@requires(Permission.OFFICE_SETTINGS)
def update_office(session: Session, data: OfficeInput) -> OfficeInfo:
    """Change the office's name, prefix and default validity (not its place)."""
    office = session.scalars(select(Office)).first()
    if office is None:
        raise NoOffice()
    name, prefix, years = _validate(session, data)
    office.name = name
    office.licence_prefix = prefix
    office.default_validity_years = years
    session.flush()
    return require_office(session)


def get_setting(session: Session, key: str, default: str = "") -> str:
    """A raw local setting."""
    row = session.get(Setting, key)
    return row.value if row is not None else default


def set_setting(session: Session, key: str, value: str) -> None:
    """Store a raw local setting."""
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def group_validity_years(session: Session) -> dict[str, int]:
    """The office's licence validity per field-group code (groups without one omitted)."""
    result: dict[str, int] = {}
    rows = session.scalars(select(Setting).where(Setting.key.startswith(_GROUP_VALIDITY_KEY)))
    for row in rows:
        try:
            result[row.key.removeprefix(_GROUP_VALIDITY_KEY)] = int(row.value)
        except ValueError:
            continue
    return result


@requires(Permission.OFFICE_SETTINGS)
def set_group_validity_years(session: Session, group_code: str, years: int | None) -> None:
    """Set (or with None clear) the licence validity of one field group."""
    if session.scalar(select(FieldGroup.id).where(FieldGroup.code == group_code)) is None:
        raise DomainError("گروه رشته پیدا نشد.")
    key = _GROUP_VALIDITY_KEY + group_code
    if years is None:
        row = session.get(Setting, key)
        if row is not None:
            session.delete(row)
        return
    if not MIN_VALIDITY_YEARS <= years <= MAX_VALIDITY_YEARS:
        raise ValidationError("validity_years", "اعتبار مجوز باید بین ۱ و ۱۰ سال باشد.")
    set_setting(session, key, str(years))


def validity_years_for_group(session: Session, group_code: str) -> int:
    """Licence validity for a field group: the group's setting, else the office default."""
    override = group_validity_years(session).get(group_code)
    if override is not None:
        return override
    return require_office(session).default_validity_years


_SIGNATORY_NAME_KEY = "certificate.signatory_name"
_SIGNATORY_TITLE_KEY = "certificate.signatory_title"
_LOGO_KEY = "certificate.logo"
LOGO_SUFFIXES = (".png", ".jpg", ".jpeg")


@dataclass(frozen=True)
class CertificateSettings:
    """What the office prints on its certificates besides the licence itself."""

    signatory_name: str = ""
    signatory_title: str = ""
    #: Absolute path of the office logo (PNG or JPEG), or None.
    logo: str | None = None


def certificate_settings(session: Session) -> CertificateSettings:
    """The signatory and logo the office set (empty when it set none)."""
    return CertificateSettings(
        signatory_name=get_setting(session, _SIGNATORY_NAME_KEY),
        signatory_title=get_setting(session, _SIGNATORY_TITLE_KEY),
        logo=get_setting(session, _LOGO_KEY) or None,
    )


@requires(Permission.OFFICE_SETTINGS)
def set_certificate_settings(session: Session, data: CertificateSettings) -> CertificateSettings:
    """Validate and store the signatory's name and title and the logo path."""
    from pathlib import Path

    from common.validators import validate_text

    errors: list[ValidationError] = []
    name = title = ""
    try:
        name = validate_text(data.signatory_name, "signatory_name", "نام امضاکننده", max_length=80)
    except ValidationError as exc:
        errors.append(exc)
    try:
        title = validate_text(
            data.signatory_title, "signatory_title", "سمت امضاکننده", max_length=120
        )
    except ValidationError as exc:
        errors.append(exc)
    logo = (data.logo or "").strip()
    if logo:
        path = Path(logo).expanduser()
        if path.suffix.lower() not in LOGO_SUFFIXES:
            errors.append(ValidationError("logo", "نشان اداره باید پرونده PNG یا JPEG باشد."))
        elif not path.is_file():
            errors.append(ValidationError("logo", "پرونده نشان اداره پیدا نشد."))
        else:
            logo = str(path.resolve())
    if errors:
        raise ValidationErrors(errors)
    set_setting(session, _SIGNATORY_NAME_KEY, name)
    set_setting(session, _SIGNATORY_TITLE_KEY, title)
    set_setting(session, _LOGO_KEY, logo)
    return certificate_settings(session)
