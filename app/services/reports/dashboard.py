"""The dashboard's figures (پیشخوان, issue 15): the office's key numbers this Jalali month.

Licences, networks and events come from the same one-scan cube as the periodic report
(app.services.reports.figures, rolled up by common.reports) for the current month: issued
this month against last month and the same month last year, active now, by field group,
county and gender. Besides it, a few aggregates of their own, each one SQL query: the
active licences expiring within 30, 60 and 90 days; facility cases by stage, the overdue
ones, the amounts approved and paid by bank and the median days from request to payment;
market access (holders selling on a platform, contracts and their fulfilment). Nothing
loads records into Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session

from app.models import FacilityCase, Licence
from app.models.licence import STATUS_ACTIVE
from app.services.core.scope import office_scope
from app.services.facilities.queries import overdue_condition
from app.services.facilities.settings import facility_settings
from app.services.reports.figures import cube
from common import jalali
from common.banks import bank_name
from common.periods import Period, current_month
from common.reports import Counts, Figures, roll_up
from common.vocabulary import FacilityStage

#: The expiry windows the dashboard counts (days from today).
EXPIRY_WINDOWS = (30, 60, 90)


@dataclass(frozen=True)
class CountyLine:
    """One county of a province office: its id (for the register's filter), name, counts."""

    county_id: str
    name: str
    counts: Counts


@dataclass(frozen=True)
class BankLine:
    """Facility cases at one bank."""

    bank_code: str
    name: str
    cases: int
    approved: int  # rials
    paid: int  # rials


@dataclass(frozen=True)
class FacilityFigures:
    """The office's facility cases now."""

    by_stage: dict[str, int]
    overdue: int
    banks: tuple[BankLine, ...]
    #: Median days from request to payment of the paid cases (None: none paid yet).
    median_days_to_pay: int | None

    @property
    def total(self) -> int:
        return sum(self.by_stage.values())


@dataclass(frozen=True)
class MarketFigures:
    """Market access now."""

    holders_on_platforms: int
    active_channels: int
    contracts: int
    #: Mean fulfilment of the contracts (delivered / agreed, 0..1; None without any).
    fulfilment: float | None


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard shows."""

    today: dt.date
    month: Period
    figures: Figures
    counties: tuple[CountyLine, ...]
    is_province_office: bool
    expiring: tuple[tuple[int, int], ...]
    facilities: FacilityFigures
    markets: MarketFigures

    @property
    def issued(self) -> tuple[int, int, int]:
        """Issued this month, last month, the same month last year."""
        return self.figures.total.issued

    @property
    def active(self) -> int:
        return self.figures.total.active[0]


def dashboard(session: Session, today: dt.date | None = None) -> Dashboard:
    """The dashboard of the office's scope (read only)."""
    now = today or jalali.today()
    month = current_month(now)
    scope = office_scope(session)
    counted = cube(session, month, scope.county_ids)
    counties = []
    for county_id, name in sorted(counted.counties.items(), key=lambda item: item[1]):
        counties.append(CountyLine(county_id, name, roll_up(counted, {county_id}).total))
    return Dashboard(
        today=now,
        month=month,
        figures=roll_up(counted),
        counties=tuple(counties),
        is_province_office=scope.is_province_office,
        expiring=_expiring(session, scope.county_ids, now),
        facilities=_facilities(session, scope.county_ids, now),
        markets=_markets(session, scope.county_ids),
    )


def _expiring(
    session: Session, counties: Collection[str], today: dt.date
) -> tuple[tuple[int, int], ...]:
    """(days, active licences expiring within them) for each window, one query."""
    sums = [
        func.coalesce(
            func.sum(case((Licence.expiry_date <= today + dt.timedelta(days=days), 1), else_=0)),
            0,
        )
        for days in EXPIRY_WINDOWS
    ]
    row = session.execute(
        select(*sums).where(
            Licence.status == STATUS_ACTIVE,
            Licence.expiry_date >= today,
            Licence.expiry_date <= today + dt.timedelta(days=max(EXPIRY_WINDOWS)),
            Licence.county_id.in_(list(counties)),
            Licence.deleted.is_(False),
        )
    ).one()
    return tuple((days, int(value or 0)) for days, value in zip(EXPIRY_WINDOWS, row, strict=True))


def _facilities(session: Session, counties: Collection[str], today: dt.date) -> FacilityFigures:
    live = (FacilityCase.deleted.is_(False), FacilityCase.county_id.in_(list(counties)))
    by_stage = {
        str(stage): int(count)
        for stage, count in session.execute(
            select(FacilityCase.stage, func.count()).where(*live).group_by(FacilityCase.stage)
        )
    }
    sla = facility_settings(session).sla_days
    overdue = session.scalar(
        select(func.count()).select_from(FacilityCase).where(*live, overdue_condition(sla, today))
    )
    banks = tuple(
        BankLine(str(code), bank_name(str(code)), int(cases), int(approved or 0), int(paid or 0))
        for code, cases, approved, paid in session.execute(
            select(
                FacilityCase.bank_code,
                func.count(),
                func.sum(FacilityCase.approved_amount),
                func.sum(FacilityCase.disbursed_amount),
            )
            .where(*live)
            .group_by(FacilityCase.bank_code)
            .order_by(func.count().desc(), FacilityCase.bank_code)
        )
    )
    days = func.julianday(FacilityCase.paid_on) - func.julianday(FacilityCase.requested_on)
    paid = (
        *live,
        FacilityCase.stage == FacilityStage.PAID.value,
        FacilityCase.paid_on.is_not(None),
    )
    count = int(session.scalar(select(func.count()).select_from(FacilityCase).where(*paid)) or 0)
    median = None
    if count:
        # The middle one, found by SQL (ordered, skipped to), not by reading them all.
        middle = session.scalar(
            select(days).where(*paid).order_by(days).offset(count // 2).limit(1)
        )
        median = int(middle or 0)
    return FacilityFigures(by_stage, int(overdue or 0), banks, median)


def _markets(session: Session, counties: Collection[str]) -> MarketFigures:
    ordered = sorted(counties)
    marks = ",".join(f":c{i}" for i in range(len(ordered))) or "NULL"
    params = {f"c{i}": county for i, county in enumerate(ordered)}
    holders, channels = session.execute(
        text(
            "SELECT count(DISTINCT person_id), count(*) FROM sales_channel "
            f"WHERE deleted = 0 AND active = 1 AND county_id IN ({marks})"
        ),
        params,
    ).one()
    contracts, fulfilment = session.execute(
        text(
            "SELECT count(*), avg(min(1.0, (SELECT coalesce(sum(json_extract(d.value, "
            "'$.quantity')), 0) FROM json_each(k.deliveries) d) * 1.0 / k.quantity)) "
            f"FROM purchase_contract k WHERE k.deleted = 0 AND k.county_id IN ({marks})"
        ),
        params,
    ).one()
    return MarketFigures(
        int(holders or 0),
        int(channels or 0),
        int(contracts or 0),
        float(fulfilment) if contracts else None,
    )
