"""The facility letters: the referral letter (معرفی‌نامه به بانک) of a case and the
follow-up letter listing a bank's overdue cases.

A referral letter is a signed document like a certificate: it gets the next number of the
office's one counter of signed documents (``PREFIX-R-000012``,
app.services.certificates.serials), a signed payload of kind ``R`` (common.signing: the
licence's particulars, the bank ``b``, the branch ``g``, the amount ``r``) that the
desktop's verification and the server's public page check like a certificate's, and a
``certificate_issue`` log row (kind ``referral``, on the case's licence) that syncs. Printing
it moves a case still at the office (request, plan review) to «معرفی به بانک» on the day
printed — after the same rules as any move (the branch must be named) — and records the
letter's number on the case; a reprint is marked as such in the log. Everything runs in
the caller's unit of work: a refusal leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import CertificateIssue, County, FacilityCase, Licence, new_id, utcnow
from app.services.certificates.serials import (
    allocate_serials,
    office_style,
    qr_text,
    serial_prefix,
)
from app.services.core.access import requires
from app.services.core.actor import current_actor
from app.services.core.office import require_office
from app.services.core.outbox import apply_values, record_insert, touch
from app.services.core.signing_keys import ensure_signing_key
from app.services.facilities.letter_pdf import (
    FollowUpLetterData,
    ReferralLetterData,
    render_follow_up_letter,
    render_referral_letter,
)
from app.services.facilities.queries import overdue_at_bank
from app.services.facilities.records import GUARANTEE_LABELS, FacilityDetail, rate_text
from app.services.facilities.service import FacilityService
from common import jalali
from common.banks import bank_name
from common.errors import DomainError
from common.signing import CERT_KIND_REFERRAL, CertificateClaims, sign_claims
from common.text import format_tomans, to_persian_digits
from common.vocabulary import FacilityStage, Permission

#: Stages a referral letter may be printed in (the last one: a reprint).
PRINTABLE_STAGES = (FacilityStage.REQUESTED, FacilityStage.REVIEW, FacilityStage.REFERRED)
#: The mark of a referral letter's number (``PREFIX-R-000012``).
LETTER_MARK = "R"


@dataclass(frozen=True)
class ReferralLetter:
    """A printed referral letter: the PDF, its number and code, the case after it."""

    pdf: bytes
    number: str
    verification_code: str
    reprint: bool
    case: FacilityDetail


def _particulars(detail: FacilityDetail, licence: Licence) -> tuple[tuple[str, str], ...]:
    guarantees = "، ".join(GUARANTEE_LABELS.get(code, code) for code in detail.guarantees)
    rows = [
        ("نام و نام خانوادگی", detail.holder_name),
        ("نام پدر", detail.father_name),
        ("کد ملی", detail.national_id),
        ("تلفن همراه", detail.mobile),
        ("شماره مجوز", licence.number),
        ("شناسه یکتای مجوز", licence.unique_id),
        ("رشته", detail.field_name),
        (
            "اعتبار مجوز",
            f"{jalali.format_jalali(licence.issue_date)} تا "
            f"{jalali.format_jalali(licence.expiry_date)}",
        ),
        ("شهرستان", detail.county_name),
        ("مبلغ درخواستی", format_tomans(detail.requested_amount)),
        ("مدت و نرخ", _term(detail)),
        ("ضمانت‌های پیشنهادی", guarantees or "—"),
    ]
    if detail.supporter_name:
        rows.insert(0, ("پشتیبان متقاضی", detail.supporter_name))
    return tuple((label, value or "—") for label, value in rows)


def _term(detail: FacilityDetail) -> str:
    parts = []
    if detail.term_months:
        parts.append(f"{to_persian_digits(str(detail.term_months))} ماه")
    if detail.rate_bp is not None:
        parts.append(f"نرخ {rate_text(detail.rate_bp)}")
    return "، ".join(parts)


def _body(detail: FacilityDetail, licence: Licence) -> str:
    applicant = (
        f"پشتیبان «{detail.supporter_name}» به مدیریت {detail.holder_name}"
        if detail.supporter_name
        else detail.holder_name
    )
    return (
        f"بدین‌وسیله {applicant} به کد ملی {detail.national_id}، دارنده مجوز کسب‌وکار خانگی "
        f"شماره {licence.number} در رشته «{detail.field_name}»، برای بهره‌مندی از "
        f"«{detail.programme}» به منظور «{detail.purpose}» به مبلغ "
        f"{format_tomans(detail.requested_amount)} به آن شعبه معرفی می‌شود. "
        "مشخصات متقاضی و مجوز ایشان در جدول زیر آمده است و اصالت این نامه با کد QR پایین "
        "صفحه قابل بررسی است."
    )


class FacilityLetters:
    """The letters of the office's facility cases, within one unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.office = require_office(session)
        self.actor = current_actor(session)
        self.cases = FacilityService(session)

    @requires(Permission.PRINT)
    def referral_letter(self, case_id: str, *, today: dt.date | None = None) -> ReferralLetter:
        """Number, sign, log and render the case's referral letter; the case moves to
        «معرفی به بانک» (today) if it had not reached it."""
        day = today or jalali.today()
        detail = self.cases.get(case_id, today=day)
        if detail.outside_scope:
            raise DomainError(detail.outside_scope)
        if detail.stage not in PRINTABLE_STAGES:
            raise DomainError(
                f"این پرونده در مرحلهٔ «{detail.stage_label}» است؛ معرفی‌نامه پیش از تشکیل "
                "پرونده در بانک چاپ می‌شود."
            )
        if detail.stage != FacilityStage.REFERRED:
            detail = self.cases.move(case_id, FacilityStage.REFERRED, day, today=day)
        licence = self.session.get(Licence, detail.licence_id)
        assert licence is not None
        county_code = self.session.scalar(select(County.code).where(County.id == licence.county_id))
        prefix = serial_prefix(self.session, self.office.licence_prefix, self.office.id)
        [number] = allocate_serials(self.session, prefix, 1, mark=LETTER_MARK)
        now = utcnow()
        signed = sign_claims(
            ensure_signing_key(self.session),
            CertificateClaims(
                serial=number,
                licence_number=licence.number,
                unique_id=licence.unique_id,
                national_id=detail.national_id,
                holder_name=detail.supporter_name or detail.holder_name,
                field_code=licence.field.code,
                county_code=str(county_code or ""),
                issue_date=day,
                expiry_date=licence.expiry_date,
                licence_kind=licence.kind,
                kind=CERT_KIND_REFERRAL,
                signed_at=now,
                extra=(
                    ("b", detail.bank_code),
                    ("g", detail.branch_code),
                    ("r", str(detail.requested_amount)),
                ),
            ),
        )
        reprint = bool(detail.referral_no)
        row = CertificateIssue(
            id=new_id(),
            licence_id=licence.id,
            participant_id=None,
            serial=number,
            issued_at=now,
            actor=self.actor,
            duplicate=reprint,
            payload=signed.payload,
            kind=CERT_KIND_REFERRAL,
            rev=1,
            updated_at=now,
            origin_office=self.office.id,
            deleted=False,
        )
        self.session.add(row)
        record_insert(self.session, row)
        self._record_number(case_id, number)
        pdf = render_referral_letter(
            ReferralLetterData(
                office_province=self.office.province_name,
                office_county=self.office.county_name or None,
                number=number,
                date=day,
                bank_name=detail.bank_name,
                branch_name=detail.branch_name,
                branch_code=detail.branch_code,
                programme=detail.programme,
                purpose=detail.purpose,
                applicant=detail.supporter_name or detail.holder_name,
                particulars=_particulars(detail, licence),
                body=_body(detail, licence),
                qr_payload=signed.payload,
                qr_text=qr_text(self.session, signed.payload),
                verification_code=signed.verification_code,
            ),
            office_style(self.session),
        )
        return ReferralLetter(
            pdf, number, signed.verification_code, reprint, self.cases.get(case_id, today=day)
        )

    def _record_number(self, case_id: str, number: str) -> None:
        case = self.session.get(FacilityCase, case_id)
        assert case is not None
        changes = apply_values(case, {"referral_no": number}, ("referral_no",))
        touch(self.session, case, changes)
        self.session.flush()

    def follow_up_letter(self, bank_code: str, *, today: dt.date | None = None) -> bytes:
        """The letter to a bank listing its overdue cases (a DomainError when none is)."""
        day = today or jalali.today()
        rows = overdue_at_bank(self.session, bank_code, today=day)
        name = bank_name(bank_code)
        if not rows:
            raise DomainError(f"{name} پرونده معطلی ندارد.")
        table = tuple(
            (
                to_persian_digits(str(index)),
                row.supporter_name or row.holder_name,
                row.national_id,
                row.branch_name or "—",
                row.stage_label.split(" — ")[0],
                jalali.format_jalali(row.stage_on),
                to_persian_digits(str(row.days_late)),
                format_tomans(row.requested_amount, unit=False),
            )
            for index, row in enumerate(rows, start=1)
        )
        body = (
            f"پیرو معرفی متقاضیان تسهیلات مشاغل خانگی به شعب آن بانک، "
            f"{to_persian_digits(str(len(rows)))} پرونده بیش از مهلت مقرر در یک مرحله مانده‌اند "
            "(فهرست زیر؛ تأخیر به روز و مبلغ به تومان). خواهشمند است دستور فرمایید "
            "رسیدگی به آن‌ها تسریع و نتیجه به این اداره اعلام شود."
        )
        return render_follow_up_letter(
            FollowUpLetterData(
                office_province=self.office.province_name,
                office_county=self.office.county_name or None,
                date=day,
                bank_name=name,
                body=body,
                headers=(
                    "ردیف",
                    "متقاضی",
                    "کد ملی",
                    "شعبه",
                    "مرحله",
                    "از تاریخ",
                    "تأخیر",
                    "مبلغ",
                ),
                widths=(0.05, 0.18, 0.12, 0.14, 0.19, 0.11, 0.07, 0.14),
                rows=table,
            ),
            office_style(self.session),
        )
