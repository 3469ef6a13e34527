"""Bank facility cases (پرونده تسهیلات): a licence holder's or a supporter's loan under a
programme (the home-business mandated loans), from the request to the bank's payment.

Amounts are whole rials (shown in tomans). The day each stage was reached has its own
column (``STAGE_DATE_COLUMNS`` in common.facility_rules); ``stage`` is where the case
stands now. ``guarantees`` is a JSON list of common.vocabulary.Guarantee codes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, SyncMixin
from app.models.licence import Licence
from app.models.person import Person
from app.models.reference import County
from app.models.supporter import Supporter
from common.vocabulary import FacilityStage, RepaymentStatus


class FacilityCase(SyncMixin, Base):
    """One facility case. ``person_id`` is the holder (for a supporter's case, the holder
    of its licence); ``supporter_id`` is set when the supporter applies; ``county_id`` is
    the licence's county (the case's home scope)."""

    __tablename__ = "facility_case"

    licence_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("licence.id"), nullable=False, index=True
    )
    person_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("person.id"), nullable=False, index=True
    )
    supporter_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("supporter.id"), nullable=True, index=True
    )
    county_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("county.id"), nullable=False, index=True
    )
    programme: Mapped[str] = mapped_column(String(120), nullable=False)
    bank_code: Mapped[str] = mapped_column(String(3), nullable=False)
    branch_name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    branch_code: Mapped[str] = mapped_column(String(6), nullable=False, default="")
    purpose: Mapped[str] = mapped_column(String(500), nullable=False)
    requested_amount: Mapped[int] = mapped_column(BigInteger, nullable=False)
    approved_amount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    approved_over_reason: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    disbursed_amount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    term_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: The rate in hundredths of a percent (400 is 4٪).
    rate_bp: Mapped[int | None] = mapped_column(Integer, nullable=True)
    guarantees: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    #: The holder's account the bank pays into (required before disbursement).
    sheba: Mapped[str] = mapped_column(String(26), nullable=False, default="")
    stage: Mapped[str] = mapped_column(String(12), nullable=False, default=FacilityStage.REQUESTED)
    requested_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    review_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    referred_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    bank_file_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    guarantee_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    approved_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    paid_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    closed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    close_reason: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    #: The number of the referral letter last printed for it ("" before).
    referral_no: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    repayment_status: Mapped[str] = mapped_column(
        String(12), nullable=False, default=RepaymentStatus.UNKNOWN
    )
    overdue_instalments: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    repayment_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)

    licence: Mapped[Licence] = relationship()
    person: Mapped[Person] = relationship()
    supporter: Mapped[Supporter | None] = relationship()
    county: Mapped[County] = relationship()

    __table_args__ = (
        # The list filters by stage and bank, newest request first.
        Index("ix_facility_case_stage_bank", "deleted", "stage", "bank_code"),
        Index("ix_facility_case_requested_on", "requested_on"),
    )
