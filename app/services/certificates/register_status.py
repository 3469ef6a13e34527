"""What this office's register says about a verified certificate: a licence's status now
(active, expired, suspended or revoked, with the reason), or whether an attendance
certificate's participant is in one of the office's events. Verification itself
(signatures, pages) needs no database: app.services.certificates.verification."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Licence
from app.models.event import Event, EventParticipant
from app.models.licence import STATUS_REVOKED, STATUS_SUSPENDED
from app.services.certificates.records import REGISTER_ACTIVE, REGISTER_NOT_FOUND
from app.services.licences.records import STATUS_EXPIRED, effective_status
from common import jalali
from common.signing import VerificationResult


def with_event_register(session: Session, result: VerificationResult) -> VerificationResult:
    """An attendance certificate: is its participant in this office's event?"""
    code, national_id = result.data.get("n", ""), result.data.get("i", "")
    row = session.execute(
        select(EventParticipant.status, Event.title)
        .join(Event, Event.id == EventParticipant.event_id)
        .where(
            Event.code == code,
            EventParticipant.national_id == national_id,
            EventParticipant.deleted.is_(False),
        )
    ).first()
    if row is None:
        return dataclasses.replace(
            result,
            register_status=REGISTER_NOT_FOUND,
            register_note=(
                "این رویداد یا شرکت‌کننده در دفتر این اداره ثبت نیست (شاید اداره دیگری "
                "آن را برگزار کرده باشد)."
            ),
        )
    return dataclasses.replace(
        result,
        register_status=REGISTER_ACTIVE,
        register_note=f"این شرکت‌کننده در دفتر این اداره در رویداد «{row.title}» ثبت شده است.",
    )


def with_register(
    session: Session, result: VerificationResult, today: dt.date
) -> VerificationResult:
    unique_id = result.data.get("u", "")
    row = session.execute(
        select(Licence.number, Licence.status, Licence.status_reason, Licence.expiry_date).where(
            Licence.unique_id == unique_id, Licence.deleted.is_(False)
        )
    ).first()
    if row is None:
        signed_expiry = result.expiry_date
        if signed_expiry is not None and signed_expiry < today:
            return dataclasses.replace(
                result,
                register_status=STATUS_EXPIRED,
                register_note=(
                    f"تاریخ اعتبار این مجوز ({jalali.format_jalali(signed_expiry)}) گذشته است."
                ),
            )
        return dataclasses.replace(
            result,
            register_status=REGISTER_NOT_FOUND,
            register_note=(
                "این مجوز در دفتر این اداره ثبت نیست (شاید اداره دیگری آن را صادر کرده "
                "باشد)؛ وضعیت کنونی آن معلوم نیست."
            ),
        )
    status = effective_status(row.status, row.expiry_date, today)
    expiry = jalali.format_jalali(row.expiry_date)
    reason = f" دلیل: {row.status_reason}" if row.status_reason else ""
    notes = {
        REGISTER_ACTIVE: f"این مجوز در دفتر این اداره فعال است (اعتبار تا {expiry}).",
        STATUS_EXPIRED: f"این مجوز منقضی شده است (تاریخ انقضا در دفتر: {expiry}).",
        STATUS_SUSPENDED: f"این مجوز در دفتر این اداره معلق شده است.{reason}",
        STATUS_REVOKED: f"این مجوز در دفتر این اداره باطل شده است.{reason}",
    }
    return dataclasses.replace(result, register_status=status, register_note=notes.get(status, ""))
