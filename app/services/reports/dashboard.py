"""The dashboard's figures (پیشخوان, issue 15): the office's key numbers this Jalali month.

In two parts, so that the cards paint at once on a large register:

- :func:`dashboard_cards`, index lookups only: the licences active today, issued this
  month, last month and the same month last year, expiring within 30, 60 and 90 days;
  networks and events (the report's own counts: app.services.reports.figures); facility
  cases by stage, the overdue ones, by bank, and the median days from request to payment;
  market access (holders selling on a platform, contracts and their fulfilment).
- :func:`dashboard_charts`, the report's one-scan cube of the licences (by county, field
  and holder's gender) for the month, rolled up by common.reports: active by field group,
  gender and county — the bars, drawn once it is counted.

Nothing loads records into Python.
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
from app.services.reports.figures import cube, event_counts, network_counts
from common import jalali
from common.banks import bank_name
from common.periods import Period, current_month
from common.reports import Counts, Figures, NetworkCounts, add_networks, roll_up
from common.vocabulary import FacilityStage, Gender

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
class DashboardCards:
    """The cards' figures."""

    today: dt.date
    month: Period
    #: Licences active today (status active, not expired).
    active: int
    #: Issued this month, last month, the same month last year.
    issued: tuple[int, int, int]
    expiring: tuple[tuple[int, int], ...]
    networks: NetworkCounts
    events: tuple[int, int, int]  # held this month, registered, attended
    facilities: FacilityFigures
    markets: MarketFigures


@dataclass(frozen=True)
class DashboardCharts:
    """The bars: licences active at the month's end (the report's definition)."""

    figures: Figures
    counties: tuple[CountyLine, ...]
    is_province_office: bool

    @property
    def active(self) -> int:
        return self.figures.total.active[0]

    @property
    def women(self) -> int:
        women = self.figures.by_gender.get(Gender.FEMALE.label)
        return women.active[0] if women else 0


def dashboard_cards(session: Session, today: dt.date | None = None) -> DashboardCards:
    """The cards of the office's scope (read only; index lookups, no scan)."""
    now = today or jalali.today()
    month = current_month(now)
    counties = office_scope(session).county_ids
    previous = month.previous()
    last_year = month.year_before()
    issued = tuple(
        int(
            session.scalar(
                select(func.count())
                .select_from(Licence)
                .where(
                    Licence.issue_date.between(period.start, period.end),
                    # Wrapped, so that SQLite walks the month's issue dates, not every
                    # licence of the counties or every live one (it has no statistics).
                    func.coalesce(Licence.county_id, "").in_(list(counties)),
                    func.coalesce(Licence.deleted, False).is_(False),
                )
            )
            or 0
        )
        for period in (month, previous, last_year)
    )
    active = session.scalar(
        select(func.count())
        .select_from(Licence)
        .where(
            Licence.status == STATUS_ACTIVE,
            Licence.expiry_date >= now,
            Licence.county_id.in_(list(counties)),
            Licence.deleted.is_(False),
        )
    )
    networks = NetworkCounts()
    for network in network_counts(session, month, counties).values():
        networks = add_networks(networks, network)
    held = registered = attended = 0
    for counts in event_counts(session, month, counties).values():
        held += counts.events[0]
        registered += counts.registered
        attended += counts.attended
    return DashboardCards(
        today=now,
        month=month,
        active=int(active or 0),
        issued=(issued[0], issued[1], issued[2]),
        expiring=_expiring(session, counties, now),
        networks=networks,
        events=(held, registered, attended),
        facilities=_facilities(session, counties, now),
        markets=_markets(session, counties),
    )


def dashboard_charts(session: Session, today: dt.date | None = None) -> DashboardCharts:
    """The bars of the office's scope (read only; the report's one scan of the licences)."""
    month = current_month(today or jalali.today())
    scope = office_scope(session)
    counted = cube(session, month, scope.county_ids)
    counties = tuple(
        CountyLine(county_id, name, roll_up(counted, {county_id}).total)
        for county_id, name in sorted(counted.counties.items(), key=lambda item: item[1])
    )
    return DashboardCharts(roll_up(counted), counties, scope.is_province_office)


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
