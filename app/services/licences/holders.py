"""A licence holder's details as typed or imported: validation (every error of a form at
once) into the values stored on :class:`~app.models.Person`, with the small parsing helpers
the licence form's validation shares (Jalali dates, collecting errors)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.services.licences.records import FIELD_LABELS, PersonInput
from common import jalali
from common.errors import ValidationError, collect
from common.rules import birth_date_problem
from common.text import normalize_text
from common.validators import (
    validate_mobile,
    validate_name,
    validate_national_id,
    validate_postal_code,
    validate_text,
)


def as_date(
    value: str | dt.date | None, fname: str, required: bool, errors: list[ValidationError]
) -> dt.date | None:
    """A typed Jalali date (or a date) of field ``fname``; a problem goes to ``errors``."""
    return jalali.date_field(value, fname, FIELD_LABELS[fname], errors, required=required)


def _normalise_gender(value: str) -> str | None:
    key = normalize_text(value).lower()
    if key in ("", "-"):
        return ""
    if key in ("m", "male", "مرد", "آقا", "اقا", "مذکر"):
        return "M"
    if key in ("f", "female", "زن", "خانم", "مونث", "مؤنث"):
        return "F"
    return None


def validate_person(
    data: PersonInput, today: dt.date | None = None
) -> tuple[dict[str, Any], list[ValidationError], list[str]]:
    """Validate a holder's details: (normalised values, errors, warnings)."""
    errors: list[ValidationError] = []
    warnings: list[str] = []
    values: dict[str, Any] = {}
    values["national_id"] = collect(errors, lambda: validate_national_id(data.national_id))
    values["first_name"] = collect(
        errors, lambda: validate_name(data.first_name, "first_name", "نام")
    )
    values["last_name"] = collect(
        errors, lambda: validate_name(data.last_name, "last_name", "نام خانوادگی")
    )
    values["father_name"] = collect(
        errors,
        lambda: validate_name(data.father_name, "father_name", "نام پدر", required=False),
    )
    birth = as_date(data.birth_date, "birth_date", False, errors)
    birth_problem = birth_date_problem(birth, today or jalali.today())
    if birth_problem is not None:
        errors.append(birth_problem)
    values["birth_date"] = birth
    gender = _normalise_gender(data.gender)
    if gender is None:
        errors.append(ValidationError("gender", "جنسیت باید «مرد» یا «زن» باشد"))
    values["gender"] = gender or ""
    values["mobile"] = collect(errors, lambda: validate_mobile(data.mobile)) or ""
    postal = collect(errors, lambda: validate_postal_code(data.postal_code))
    if postal is not None:
        values["postal_code"], warning = postal
        if warning:
            warnings.append(warning)
    else:
        values["postal_code"] = ""
    values["address"] = (
        collect(errors, lambda: validate_text(data.address, "address", "نشانی")) or ""
    )
    return values, errors, warnings
