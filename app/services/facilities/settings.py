"""The office's facility settings: the programmes its clerks choose from (an editable
list, starting with the home-business mandated loans) and the service level of each
stage — how many days a case may wait there before it is «معطل» (overdue)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.services.core.access import requires
from app.services.core.office import get_setting, set_setting
from common.errors import ValidationError, ValidationErrors
from common.facility_rules import OPEN_STAGES
from common.text import normalize_text
from common.vocabulary import FacilityStage, Permission

#: The programme every office starts with (the national home-business mandated loans).
DEFAULT_PROGRAMME = "تسهیلات تکلیفی مشاغل خانگی"
#: Days a case may wait in each open stage, unless the office sets otherwise: a week for
#: the office's own steps, two to three for the bank's (guarantees take longest).
DEFAULT_SLA_DAYS: dict[str, int] = {
    FacilityStage.REQUESTED: 7,
    FacilityStage.REVIEW: 14,
    FacilityStage.REFERRED: 14,
    FacilityStage.BANK_FILE: 21,
    FacilityStage.GUARANTEE: 30,
    FacilityStage.APPROVED: 14,
}
MAX_SLA_DAYS = 365
_PROGRAMMES_KEY = "facility.programmes"
_SLA_KEY = "facility.sla."


@dataclass(frozen=True)
class FacilitySettings:
    """The programmes (in the office's order) and the days allowed per open stage."""

    programmes: tuple[str, ...]
    sla_days: dict[str, int]


def facility_settings(session: Session) -> FacilitySettings:
    """The office's facility settings (the defaults where it set none)."""
    try:
        stored = json.loads(get_setting(session, _PROGRAMMES_KEY, "null"))
    except ValueError:
        stored = None
    programmes = (
        tuple(str(item) for item in stored)
        if isinstance(stored, list) and stored
        else (DEFAULT_PROGRAMME,)
    )
    days: dict[str, int] = {}
    for stage in OPEN_STAGES:
        raw = get_setting(session, _SLA_KEY + stage, "")
        days[stage] = int(raw) if raw.isdigit() else DEFAULT_SLA_DAYS[stage]
    return FacilitySettings(programmes, days)


@requires(Permission.OFFICE_SETTINGS)
def save_facility_settings(
    session: Session, programmes: Sequence[str], sla_days: Mapping[str, int | str]
) -> FacilitySettings:
    """Store the programme list (at least one; repeated names once) and the days of
    each open stage (1 to MAX_SLA_DAYS)."""
    errors: list[ValidationError] = []
    names: list[str] = []
    for name in programmes:
        clean = normalize_text(name)
        if len(clean) > 120:
            errors.append(ValidationError("programmes", "نام برنامه حداکثر ۱۲۰ نویسه است"))
        elif clean and clean not in names:
            names.append(clean)
    if not names:
        errors.append(ValidationError("programmes", "دست‌کم یک برنامه تسهیلات لازم است"))
    days: dict[str, int] = {}
    for stage in OPEN_STAGES:
        raw = normalize_text(str(sla_days.get(stage, DEFAULT_SLA_DAYS[stage])))
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_SLA_DAYS:
            errors.append(
                ValidationError(
                    f"sla.{stage}",
                    f"مهلت مرحلهٔ «{FacilityStage(stage).label}» باید بین ۱ و ۳۶۵ روز باشد",
                )
            )
            continue
        days[stage] = int(raw)
    if errors:
        raise ValidationErrors(errors)
    set_setting(session, _PROGRAMMES_KEY, json.dumps(names, ensure_ascii=False))
    for code, value in days.items():
        set_setting(session, _SLA_KEY + code, str(value))
    session.flush()
    return FacilitySettings(tuple(names), days)


def days_late(
    stage: str, stage_on: dt.date | None, sla_days: Mapping[str, int], today: dt.date
) -> int:
    """How many days an open case has overstayed its stage's service level (0 when it
    has not, or when the case is closed)."""
    allowed = sla_days.get(stage)
    if allowed is None or stage_on is None:
        return 0
    return max(0, (today - stage_on).days - allowed)
