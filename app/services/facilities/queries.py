"""What the facility screens read: the case list with its filters (text, stage, bank,
programme, overdue, one licence's cases) and one bank's overdue cases (the follow-up
letter). How late a case is depends on the office's service levels
(app.services.facilities.settings), so "overdue" is a condition per open stage:
the stage's date lies more than its allowed days before today."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from app.models import FacilityCase, Licence, Person, Supporter
from app.services.facilities.records import FacilityFilter, FacilityRow
from app.services.facilities.settings import days_late, facility_settings
from common import jalali
from common.facility_rules import OPEN_STAGES, STAGE_DATE_COLUMNS
from common.text import search_key
from common.vocabulary import FacilityStage

#: The longest list the screen loads at once (the newest requests first).
LIST_LIMIT = 20_000
#: The cases the list shows before it reads the rest.
FIRST_PAGE = 200


def _stage_on() -> ColumnElement[Any]:
    """The day the case reached its current stage."""
    return case(
        *(
            (FacilityCase.stage == stage.value, getattr(FacilityCase, column))
            for stage, column in STAGE_DATE_COLUMNS.items()
        ),
        else_=FacilityCase.requested_on,
    )


def overdue_condition(sla_days: dict[str, int], today: dt.date) -> ColumnElement[bool]:
    """Open cases whose current stage began more than its allowed days ago."""
    return or_(
        false(),
        *(
            and_(
                FacilityCase.stage == stage.value,
                getattr(FacilityCase, STAGE_DATE_COLUMNS[stage])
                < today - dt.timedelta(days=sla_days[stage]),
            )
            for stage in OPEN_STAGES
        ),
    )


def list_cases(
    session: Session,
    flt: FacilityFilter | None = None,
    *,
    today: dt.date | None = None,
    limit: int = LIST_LIMIT,
    offset: int = 0,
) -> list[FacilityRow]:
    """The cases matching ``flt``, newest request first (``limit`` of them from the
    ``offset``-th: the list shows its first page at once, then the rest)."""
    flt = flt or FacilityFilter()
    now = today or jalali.today()
    sla = facility_settings(session).sla_days
    stage_on = _stage_on().label("stage_on")
    query = (
        select(
            FacilityCase.id,
            Person.first_name,
            Person.last_name,
            Person.national_id,
            Licence.number,
            Supporter.legal_name,
            FacilityCase.supporter_id,
            FacilityCase.programme,
            FacilityCase.bank_code,
            FacilityCase.branch_name,
            FacilityCase.requested_amount,
            FacilityCase.approved_amount,
            FacilityCase.disbursed_amount,
            FacilityCase.stage,
            stage_on,
            FacilityCase.repayment_status,
            FacilityCase.overdue_instalments,
        )
        .join(Person, Person.id == FacilityCase.person_id)
        .join(Licence, Licence.id == FacilityCase.licence_id)
        .outerjoin(Supporter, Supporter.id == FacilityCase.supporter_id)
        # Not "deleted IS 0": SQLite would walk the (deleted, stage, bank) index and sort
        # every case; by the request date it stops after the page.
        .where(func.coalesce(FacilityCase.deleted, False).is_(False))
        .order_by(FacilityCase.requested_on.desc(), FacilityCase.id.desc())
        .limit(limit)
        .offset(offset)
    )
    for token in search_key(flt.text).split():
        escaped = token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where((" " + Licence.search_key).like(f"% {escaped}%", escape="\\"))
    if flt.stage:
        query = query.where(FacilityCase.stage == flt.stage)
    if flt.bank_code:
        query = query.where(FacilityCase.bank_code == flt.bank_code)
    if flt.programme:
        query = query.where(FacilityCase.programme == flt.programme)
    if flt.licence_id:
        query = query.where(FacilityCase.licence_id == flt.licence_id)
    if flt.person_id:
        query = query.where(FacilityCase.person_id == flt.person_id)
    if flt.overdue_only:
        query = query.where(overdue_condition(sla, now))
    rows = []
    for r in session.execute(query):
        holder = f"{r.first_name} {r.last_name}".strip()
        rows.append(
            FacilityRow(
                id=r.id,
                holder_name=holder,
                national_id=r.national_id,
                licence_number=r.number,
                supporter_name=(r.legal_name or holder) if r.supporter_id else "",
                programme=r.programme,
                bank_code=r.bank_code,
                branch_name=r.branch_name,
                requested_amount=r.requested_amount,
                approved_amount=r.approved_amount,
                disbursed_amount=r.disbursed_amount,
                stage=r.stage,
                stage_on=r.stage_on,
                days_late=days_late(r.stage, r.stage_on, sla, now),
                repayment_status=r.repayment_status,
                overdue_instalments=r.overdue_instalments,
            )
        )
    return rows


def overdue_at_bank(
    session: Session, bank_code: str, *, today: dt.date | None = None
) -> list[FacilityRow]:
    """A bank's cases that overstay a stage the bank is to act in (from the referral
    on), longest late first: what the follow-up letter lists."""
    bank_stages = {
        FacilityStage.REFERRED,
        FacilityStage.BANK_FILE,
        FacilityStage.GUARANTEE,
        FacilityStage.APPROVED,
    }
    rows = list_cases(session, FacilityFilter(bank_code=bank_code, overdue_only=True), today=today)
    late = [row for row in rows if row.stage in bank_stages]
    return sorted(late, key=lambda row: -row.days_late)
